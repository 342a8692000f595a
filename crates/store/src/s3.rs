//! An S3-compatible object store (MinIO, Garage, Ceph RGW, SeaweedFS, AWS S3 itself) for clusters:
//! several idverify nodes share one bucket.
//!
//! The client speaks the four calls the [`ObjectStore`] interface needs — `PutObject`,
//! `GetObject`, `DeleteObject`, `ListObjectsV2` — over path-style URLs
//! (`{endpoint}/{bucket}/{prefix}{key}`, which every S3-compatible server accepts), signed with
//! AWS Signature Version 4 ([`sign`]). The payload's SHA-256 is signed too
//! (`x-amz-content-sha256`), so the server rejects a body changed on the way.
//!
//! It is blocking on purpose: the server calls the store from `spawn_blocking`, and a blocking
//! client (ureq) needs no runtime of its own. It never reads proxy settings from the
//! environment and follows no redirects: it talks to the configured endpoint only.
//! Blobs arrive already sealed by `crates/envelope`; this layer never sees plaintext.

use std::fmt;
use std::io::Read;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::objects::{Error, ObjectKey, ObjectStore};

/// Where the bucket is and how to sign for it.
#[derive(Clone)]
pub struct S3Config {
    /// `https://s3.example.internal:9000` or `http://127.0.0.1:9000` (no trailing path).
    pub endpoint: String,
    /// The bucket (must exist).
    pub bucket: String,
    /// The signing region (`us-east-1` for most S3-compatible servers).
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key (zeroized on drop, never printed).
    pub secret_access_key: Zeroizing<String>,
    /// A key prefix inside the bucket (e.g. `idverify/`), or empty.
    pub prefix: String,
    /// PEM CA certificates to trust for an `https` endpoint (default: the system bundle).
    pub ca_pem: Option<Vec<u8>>,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// The S3-compatible store.
pub struct S3 {
    config: S3Config,
    /// `host[:port]` as sent in the `Host` header, which the signature covers.
    host: String,
    agent: ureq::Agent,
    max_object: u64,
}

impl fmt::Debug for S3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3")
            .field("config", &self.config)
            .field("max_object", &self.max_object)
            .finish_non_exhaustive()
    }
}

fn remote(what: impl fmt::Display) -> Error {
    Error::Io(std::io::Error::other(format!("s3: {what}")))
}

impl S3 {
    /// A store for `config`, refusing objects above `max_object` bytes. Nothing is sent yet:
    /// [`ObjectStore::ready`] probes the bucket.
    ///
    /// # Errors
    /// `storage_unavailable` for an endpoint that is not an `http(s)://host[:port]` URL or a CA
    /// file with no certificate.
    pub fn new(config: S3Config, max_object: u64) -> Result<S3, Error> {
        let endpoint = config.endpoint.trim_end_matches('/').to_owned();
        let (https, rest) = if let Some(r) = endpoint.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = endpoint.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(remote("endpoint must start with http:// or https://"));
        };
        if rest.is_empty() || rest.contains('/') || rest.contains('@') {
            return Err(remote("endpoint must be scheme://host[:port] with no path"));
        }
        if config.bucket.is_empty()
            || !config
                .bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        {
            return Err(remote(
                "bucket name must be lowercase letters, digits, - and .",
            ));
        }
        // The Host header omits the scheme's default port, and so must the signature.
        let host = rest
            .strip_suffix(if https { ":443" } else { ":80" })
            .unwrap_or(rest)
            .to_owned();
        let mut tls = ureq::tls::TlsConfig::builder().provider(ureq::tls::TlsProvider::Rustls);
        if https {
            let pem = match &config.ca_pem {
                Some(p) => p.clone(),
                None => std::fs::read("/etc/ssl/certs/ca-certificates.crt")?,
            };
            let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(remote("no CA certificate in the configured PEM"));
            }
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
        }
        let agent = ureq::Agent::config_builder()
            .proxy(None)
            .max_redirects(0)
            .http_status_as_error(false)
            .https_only(https)
            .timeout_global(Some(config.timeout))
            .tls_config(tls.build())
            .user_agent(concat!("idverify/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        let config = S3Config { endpoint, ..config };
        Ok(S3 {
            config,
            host,
            agent,
            max_object,
        })
    }

    /// The path of `key` inside the bucket (keys are `[a-z0-9._-/]`, so nothing needs escaping).
    fn path(&self, key: &str) -> String {
        format!("/{}/{}{}", self.config.bucket, self.config.prefix, key)
    }

    /// Sends one signed request; returns the status and the body (read up to `limit` bytes).
    fn send(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: &[u8],
        limit: u64,
    ) -> Result<(u16, Vec<u8>), Error> {
        #[allow(
            clippy::disallowed_methods,
            reason = "a SigV4 signature carries the wall-clock time; the server checks it"
        )]
        let now = SystemTime::now();
        let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let stamp = amz_date(secs);
        let payload = hex_sha256(body);
        let request = Request {
            method,
            path,
            query,
            headers: &[
                ("host", &self.host),
                ("x-amz-content-sha256", &payload),
                ("x-amz-date", &stamp),
            ],
            payload_sha256: &payload,
        };
        let auth = sign(
            &request,
            &self.config.access_key_id,
            &self.config.secret_access_key,
            &self.config.region,
            &stamp,
        );
        let mut url = format!("{}{}", self.config.endpoint, path);
        if !query.is_empty() {
            url.push('?');
            url.push_str(&canonical_query(query));
        }
        let builder = ureq::http::Request::builder()
            .method(method)
            .uri(&url)
            .header("x-amz-content-sha256", &payload)
            .header("x-amz-date", &stamp)
            .header("authorization", auth);
        let request = builder
            .body(body.to_vec())
            .map_err(|e| remote(format!("request: {e}")))?;
        let mut response = self
            .agent
            .run(request)
            .map_err(|e| remote(format!("{method} failed: {e}")))?;
        let status = response.status().as_u16();
        let mut out = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(limit)
            .read_to_end(&mut out)?;
        Ok((status, out))
    }

    fn expect_ok(&self, what: &str, status: u16, body: &[u8]) -> Result<(), Error> {
        if (200..300).contains(&status) {
            return Ok(());
        }
        let code = xml_values(body, "Code")
            .into_iter()
            .next()
            .unwrap_or_default();
        Err(remote(format!(
            "{what} on bucket {}: HTTP {status} {code}",
            self.config.bucket
        )))
    }
}

impl ObjectStore for S3 {
    fn put(&self, key: &ObjectKey, bytes: &[u8]) -> Result<(), Error> {
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size > self.max_object {
            return Err(Error::TooLarge {
                size,
                limit: self.max_object,
            });
        }
        let (status, body) = self.send("PUT", &self.path(key.as_str()), &[], bytes, 64 * 1024)?;
        self.expect_ok("PutObject", status, &body)
    }

    fn get(&self, key: &ObjectKey) -> Result<Vec<u8>, Error> {
        let (status, body) = self.send(
            "GET",
            &self.path(key.as_str()),
            &[],
            b"",
            self.max_object.saturating_add(1),
        )?;
        if status == 404 {
            return Err(Error::NotFound(key.as_str().to_owned()));
        }
        self.expect_ok("GetObject", status, &body)?;
        if u64::try_from(body.len()).unwrap_or(u64::MAX) > self.max_object {
            return Err(remote("object larger than the configured limit"));
        }
        Ok(body)
    }

    fn delete(&self, key: &ObjectKey) -> Result<(), Error> {
        let (status, body) = self.send("DELETE", &self.path(key.as_str()), &[], b"", 64 * 1024)?;
        if status == 404 {
            return Ok(());
        }
        self.expect_ok("DeleteObject", status, &body)
    }

    fn list(&self, prefix: &ObjectKey) -> Result<Vec<ObjectKey>, Error> {
        let full_prefix = format!("{}{}/", self.config.prefix, prefix.as_str());
        let bucket_path = format!("/{}", self.config.bucket);
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        // Bounded: 10,000 pages of 1,000 keys is far beyond one verification's evidence.
        for _ in 0..10_000 {
            let mut query = vec![("list-type", "2"), ("prefix", full_prefix.as_str())];
            if let Some(t) = &token {
                query.push(("continuation-token", t.as_str()));
            }
            let (status, body) = self.send("GET", &bucket_path, &query, b"", 16 << 20)?;
            self.expect_ok("ListObjectsV2", status, &body)?;
            for k in xml_values(&body, "Key") {
                if let Some(rest) = k.strip_prefix(&self.config.prefix)
                    && let Ok(key) = ObjectKey::new(rest)
                {
                    out.push(key);
                }
            }
            let truncated = xml_values(&body, "IsTruncated")
                .first()
                .is_some_and(|v| v == "true");
            token = xml_values(&body, "NextContinuationToken")
                .into_iter()
                .next();
            if !truncated || token.is_none() {
                out.sort();
                return Ok(out);
            }
        }
        Err(remote("ListObjectsV2 did not finish"))
    }

    fn ready(&self) -> Result<(), Error> {
        // HeadBucket first: some servers create a missing bucket's directory on a write.
        let (status, body) = self.send("HEAD", &format!("/{}", self.config.bucket), &[], b"", 0)?;
        self.expect_ok("HeadBucket", status, &body)?;
        let probe = ObjectKey::new("_ready/probe")?;
        self.put(&probe, b"ok")?;
        self.delete(&probe)
    }
}

/// One request as Signature Version 4 sees it.
#[derive(Debug)]
pub struct Request<'a> {
    /// `GET`, `PUT`, …
    pub method: &'a str,
    /// The absolute path, already URI-encoded.
    pub path: &'a str,
    /// Query parameters, unencoded.
    pub query: &'a [(&'a str, &'a str)],
    /// The headers to sign, names in lower case (must include `host` and `x-amz-date`).
    pub headers: &'a [(&'a str, &'a str)],
    /// Hex SHA-256 of the body (or `UNSIGNED-PAYLOAD`).
    pub payload_sha256: &'a str,
}

/// The `Authorization` header value of AWS Signature Version 4 for service `s3` (AWS General
/// Reference, "Signature Version 4 signing process": canonical request, string to sign,
/// derived signing key, signature).
#[must_use]
pub fn sign(
    req: &Request<'_>,
    access_key_id: &str,
    secret: &str,
    region: &str,
    amz_date: &str,
) -> String {
    let date = amz_date.get(..8).unwrap_or(amz_date);
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.to_ascii_lowercase(),
                v.split_whitespace().collect::<Vec<_>>().join(" "),
            )
        })
        .collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = headers
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        req.path,
        canonical_query(req.query),
        canonical_headers,
        signed_headers,
        req.payload_sha256
    );
    let scope = format!("{date}/{region}/s3/aws4_request");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex_sha256(canonical_request.as_bytes())
    );
    let k_secret = Zeroizing::new(format!("AWS4{secret}"));
    let k_date = hmac(k_secret.as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, b"s3");
    let k_signing = hmac(&k_service, b"aws4_request");
    let signature = hex::encode(hmac(&k_signing, string_to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={access_key_id}/{scope},SignedHeaders={signed_headers},Signature={signature}"
    )
}

fn hmac(key: &[u8], data: &[u8]) -> Zeroizing<Vec<u8>> {
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
    mac.update(data);
    Zeroizing::new(mac.finalize().into_bytes().to_vec())
}

fn hex_sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// RFC 3986 encoding as SigV4 wants it: unreserved characters stay, everything else is `%XX`.
fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn canonical_query(query: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (uri_encode(k), uri_encode(v)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `YYYYMMDDTHHMMSSZ` for Unix seconds (civil-from-days, proleptic Gregorian).
fn amz_date(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// The text of every `<tag>…</tag>` in an S3 XML answer, entities decoded. S3 answers are flat
/// enough that this is all the XML the client needs.
fn xml_values(body: &[u8], tag: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = text.as_ref();
    while let Some(i) = rest.find(&open) {
        let after = rest.get(i + open.len()..).unwrap_or("");
        let Some(j) = after.find(&close) else { break };
        let raw = after.get(..j).unwrap_or("");
        out.push(
            raw.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        );
        rest = after.get(j + close.len()..).unwrap_or("");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS S3 API Reference, "Signature Calculations for the Authorization Header: Transferring
    /// Payload in a Single Chunk (AWS Signature Version 4)", example "GET Object".
    #[test]
    fn aws_get_object_example() {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let req = Request {
            method: "GET",
            path: "/test.txt",
            query: &[],
            headers: &[
                ("host", "examplebucket.s3.amazonaws.com"),
                ("range", "bytes=0-9"),
                ("x-amz-content-sha256", empty),
                ("x-amz-date", "20130524T000000Z"),
            ],
            payload_sha256: empty,
        };
        assert_eq!(
            sign(
                &req,
                "AKIAIOSFODNN7EXAMPLE",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "us-east-1",
                "20130524T000000Z"
            ),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,\
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn dates_and_encoding() {
        assert_eq!(amz_date(0), "19700101T000000Z");
        assert_eq!(amz_date(1_369_353_600), "20130524T000000Z");
        assert_eq!(amz_date(951_825_599), "20000229T115959Z");
        assert_eq!(uri_encode("a b/c~d+e"), "a%20b%2Fc~d%2Be");
        assert_eq!(
            canonical_query(&[("prefix", "v/1"), ("list-type", "2")]),
            "list-type=2&prefix=v%2F1"
        );
    }

    #[test]
    fn xml_answers() {
        let body = b"<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a/b</Key></Contents>\
            <Contents><Key>a/c</Key></Contents><NextContinuationToken>x&amp;y</NextContinuationToken></ListBucketResult>";
        assert_eq!(xml_values(body, "Key"), vec!["a/b", "a/c"]);
        assert_eq!(xml_values(body, "NextContinuationToken"), vec!["x&y"]);
        assert!(xml_values(b"<Key>unclosed", "Key").is_empty());
    }

    #[test]
    fn bad_endpoints_are_refused_and_secrets_are_not_printed() {
        let cfg = |endpoint: &str| S3Config {
            endpoint: endpoint.into(),
            bucket: "evidence".into(),
            region: "us-east-1".into(),
            access_key_id: "AK".into(),
            secret_access_key: Zeroizing::new("very-secret".into()),
            prefix: String::new(),
            ca_pem: None,
            timeout: Duration::from_secs(5),
        };
        for bad in ["ftp://x", "http://", "http://host/path", "http://user@host"] {
            assert!(S3::new(cfg(bad), 10).is_err(), "{bad}");
        }
        let s = S3::new(cfg("http://127.0.0.1:9000/"), 10).unwrap();
        assert_eq!(s.host, "127.0.0.1:9000");
        assert_eq!(S3::new(cfg("http://minio:80"), 10).unwrap().host, "minio");
        assert!(!format!("{s:?}").contains("very-secret"));
    }
}
