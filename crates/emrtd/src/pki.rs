//! The eMRTD PKI (ICAO Doc 9303-12): CSCA and Document Signer certificates, CRLs, CSCA Master
//! Lists, and the trust store Passive Authentication anchors in.
//!
//! Certificates are decoded leniently (x509-cert's `Raw` profile: real CSCAs have negative or
//! over-long serial numbers) and every signature is checked over the bytes as they were
//! encoded, never over a re-encoding.

use std::fmt;

use der::{DateTime, Decode};
use serde::Serialize;
use x509_cert::certificate::{CertificateInner, Raw};
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};

use crate::Error;
use crate::cms::{self, SignedData, SignerIdentifier};
use crate::crypto::{KeyError, PublicKey, SignatureAlgorithm, SignatureError};
use crate::hash::HashAlgorithm;
use crate::oid;

/// The bytes a signature covers: the first element (TBSCertificate / TBSCertList) of a signed
/// SEQUENCE, as encoded.
fn tbs_range(der: &[u8]) -> Option<std::ops::Range<usize>> {
    let outer = tlv::Tlv::parse_exact(der).ok()?;
    let first = outer.children().ok()?.next()?.ok()?;
    let start = first.offset();
    Some(start..start + first.raw().len())
}

fn pki_error(code: &'static str, detail: impl Into<String>) -> Error {
    Error::Pki {
        code,
        detail: detail.into(),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A summary of a certificate for reports: what an auditor needs to find it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateSummary {
    /// Subject DN (RFC 4514).
    pub subject: String,
    /// Issuer DN (RFC 4514).
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// Key, e.g. `RSA-2048`, `EC brainpoolP256r1 (explicit parameters)`.
    pub key: String,
    /// SHA-256 of the DER certificate, hex.
    pub sha256: String,
}

/// An X.509 certificate (RFC 5280) as used by ICAO 9303-12 §7.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    tbs: std::ops::Range<usize>,
    inner: CertificateInner<Raw>,
    key: Result<PublicKey, KeyError>,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Certificate({}, serial {})",
            self.subject(),
            self.serial_hex()
        )
    }
}

impl Certificate {
    /// Decodes a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Certificate, Error> {
        let inner = CertificateInner::<Raw>::from_der(der)
            .map_err(|e| pki_error("certificate_malformed", e.to_string()))?;
        let tbs = tbs_range(der)
            .ok_or_else(|| pki_error("certificate_malformed", "no TBSCertificate"))?;
        let spki = der::Encode::to_der(inner.tbs_certificate().subject_public_key_info())
            .map_err(|e| pki_error("certificate_malformed", e.to_string()))?;
        let key = PublicKey::from_spki_der(&spki);
        Ok(Certificate {
            der: der.to_vec(),
            tbs,
            inner,
            key,
        })
    }

    /// The DER encoding.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Subject DN (RFC 4514 string).
    #[must_use]
    pub fn subject(&self) -> String {
        self.inner.tbs_certificate().subject().to_string()
    }

    /// Issuer DN (RFC 4514 string).
    #[must_use]
    pub fn issuer(&self) -> String {
        self.inner.tbs_certificate().issuer().to_string()
    }

    fn subject_der(&self) -> Vec<u8> {
        der::Encode::to_der(self.inner.tbs_certificate().subject()).unwrap_or_default()
    }

    fn issuer_der(&self) -> Vec<u8> {
        der::Encode::to_der(self.inner.tbs_certificate().issuer()).unwrap_or_default()
    }

    /// Serial number content bytes.
    #[must_use]
    pub fn serial(&self) -> &[u8] {
        self.inner.tbs_certificate().serial_number().as_bytes()
    }

    /// Serial number, hex.
    #[must_use]
    pub fn serial_hex(&self) -> String {
        hex(self.serial())
    }

    /// notBefore.
    #[must_use]
    pub fn not_before(&self) -> DateTime {
        self.inner
            .tbs_certificate()
            .validity()
            .not_before
            .to_date_time()
    }

    /// notAfter.
    #[must_use]
    pub fn not_after(&self) -> DateTime {
        self.inner
            .tbs_certificate()
            .validity()
            .not_after
            .to_date_time()
    }

    /// Whether `at` is within the validity period (inclusive, RFC 5280 §4.1.2.5).
    #[must_use]
    pub fn is_valid_at(&self, at: DateTime) -> bool {
        self.not_before() <= at && at <= self.not_after()
    }

    /// The key usage extension: None if absent or undecodable.
    #[must_use]
    pub fn key_usage(&self) -> Option<KeyUsage> {
        self.inner
            .tbs_certificate()
            .get_extension::<KeyUsage>()
            .ok()
            .flatten()
            .map(|(_, ku)| ku)
    }

    /// Whether key usage allows `usage` (false when the extension is absent: ICAO 9303-12 §7.1.1
    /// makes it mandatory for CSCA and DSC).
    #[must_use]
    pub fn allows(&self, usage: KeyUsages) -> bool {
        self.key_usage().is_some_and(|ku| ku.0.contains(usage))
    }

    /// basicConstraints cA.
    #[must_use]
    pub fn is_ca(&self) -> bool {
        self.inner
            .tbs_certificate()
            .get_extension::<BasicConstraints>()
            .ok()
            .flatten()
            .is_some_and(|(_, bc)| bc.ca)
    }

    /// The subject key identifier, if present.
    #[must_use]
    pub fn subject_key_id(&self) -> Option<Vec<u8>> {
        self.inner
            .tbs_certificate()
            .get_extension::<SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .map(|(_, ski)| ski.0.as_bytes().to_vec())
    }

    /// The authority key identifier's keyIdentifier, if present.
    #[must_use]
    pub fn authority_key_id(&self) -> Option<Vec<u8>> {
        self.inner
            .tbs_certificate()
            .get_extension::<AuthorityKeyIdentifier>()
            .ok()
            .flatten()
            .and_then(|(_, aki)| aki.key_identifier.map(|k| k.as_bytes().to_vec()))
    }

    /// Whether the certificate carries the extended key usage `eku`.
    fn has_extended_key_usage(&self, eku: &der::asn1::ObjectIdentifier) -> bool {
        self.inner
            .tbs_certificate()
            .get_extension::<x509_cert::ext::pkix::ExtendedKeyUsage>()
            .ok()
            .flatten()
            .is_some_and(|(_, list)| list.0.contains(eku))
    }

    /// The subject public key.
    pub fn public_key(&self) -> Result<&PublicKey, &KeyError> {
        self.key.as_ref()
    }

    /// The algorithm the issuer signed this certificate with.
    pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm, SignatureError> {
        algorithm_of(self.inner.signature_algorithm())
    }

    /// Checks that `issuer_key` signed this certificate.
    pub fn verify_signed_by(&self, issuer_key: &PublicKey) -> Result<(), SignatureError> {
        let alg = self.signature_algorithm()?;
        let sig = self
            .inner
            .signature()
            .as_bytes()
            .ok_or(SignatureError::Malformed)?;
        let tbs = self
            .der
            .get(self.tbs.clone())
            .ok_or(SignatureError::Malformed)?;
        alg.verify(issuer_key, tbs, sig)
    }

    /// Whether this is the certificate a CMS `SignerIdentifier` names.
    #[must_use]
    pub fn matches(&self, sid: &SignerIdentifier) -> bool {
        match sid {
            SignerIdentifier::IssuerAndSerial { issuer, serial } => {
                self.serial() == serial.as_slice() && names_match(issuer, &self.issuer_der())
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => {
                self.subject_key_id().as_deref() == Some(ski.as_slice())
            }
        }
    }

    /// Whether `candidate` may be this certificate's issuer: key identifiers agree where both
    /// are present, and the names match. The signature decides.
    #[must_use]
    pub fn may_be_issued_by(&self, candidate: &Certificate) -> bool {
        if let (Some(aki), Some(ski)) = (self.authority_key_id(), candidate.subject_key_id())
            && aki != ski
        {
            return false;
        }
        names_match(&self.issuer_der(), &candidate.subject_der())
    }

    /// A summary for reports.
    #[must_use]
    pub fn summary(&self) -> CertificateSummary {
        CertificateSummary {
            subject: self.subject(),
            issuer: self.issuer(),
            serial: self.serial_hex(),
            not_before: self.not_before().to_string(),
            not_after: self.not_after().to_string(),
            key: match &self.key {
                Ok(k) => k.description(),
                Err(e) => e.to_string(),
            },
            sha256: hex(&HashAlgorithm::Sha256.digest(&self.der)),
        }
    }
}

/// The signature algorithm of a certificate or CRL (NULL parameters count as absent).
fn algorithm_of(
    alg: &spki::AlgorithmIdentifierOwned,
) -> Result<SignatureAlgorithm, SignatureError> {
    let params = match &alg.parameters {
        Some(p) if !p.is_null() => {
            Some(der::Encode::to_der(p).map_err(|_| SignatureError::Malformed)?)
        }
        _ => None,
    };
    SignatureAlgorithm::from_identifier(&alg.oid, params.as_deref(), None)
}

/// Name equality: byte-identical DER, or the same RDNs after case folding. Issuers write the same
/// name as PrintableString in one place and UTF8String in another (RFC 5280 §7.1 asks for
/// comparison after normalisation, not byte equality).
fn names_match(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    let (Ok(na), Ok(nb)) = (
        x509_cert::name::Name::from_der(a),
        x509_cert::name::Name::from_der(b),
    ) else {
        return false;
    };
    na.to_string().to_lowercase() == nb.to_string().to_lowercase()
}

/// An X.509 v2 CRL (RFC 5280 §5) issued by a CSCA (ICAO 9303-12 §7.1.4).
pub struct Crl {
    der: Vec<u8>,
    tbs: std::ops::Range<usize>,
    inner: CertificateList<Raw>,
    /// Signature checks already done: (SHA-256 of the CSCA certificate, result). A CRL is
    /// checked once per CSCA, not once per chip.
    checked: std::sync::Mutex<Vec<(Vec<u8>, bool)>>,
}

impl Clone for Crl {
    fn clone(&self) -> Crl {
        Crl {
            der: self.der.clone(),
            tbs: self.tbs.clone(),
            inner: self.inner.clone(),
            checked: std::sync::Mutex::default(),
        }
    }
}

impl fmt::Debug for Crl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Crl({}, {} revoked)",
            self.issuer(),
            self.revoked_count()
        )
    }
}

impl Crl {
    /// Decodes a DER CRL.
    pub fn from_der(der: &[u8]) -> Result<Crl, Error> {
        let inner = CertificateList::<Raw>::from_der(der)
            .map_err(|e| pki_error("crl_malformed", e.to_string()))?;
        let tbs = tbs_range(der).ok_or_else(|| pki_error("crl_malformed", "no TBSCertList"))?;
        Ok(Crl {
            checked: std::sync::Mutex::default(),
            der: der.to_vec(),
            tbs,
            inner,
        })
    }

    /// Issuer DN.
    #[must_use]
    pub fn issuer(&self) -> String {
        self.inner.tbs_cert_list.issuer.to_string()
    }

    /// thisUpdate.
    #[must_use]
    pub fn this_update(&self) -> DateTime {
        self.inner.tbs_cert_list.this_update.to_date_time()
    }

    /// nextUpdate, if given.
    #[must_use]
    pub fn next_update(&self) -> Option<DateTime> {
        self.inner
            .tbs_cert_list
            .next_update
            .map(|t| t.to_date_time())
    }

    /// Number of revoked entries.
    #[must_use]
    pub fn revoked_count(&self) -> usize {
        self.inner
            .tbs_cert_list
            .revoked_certificates
            .as_ref()
            .map_or(0, Vec::len)
    }

    /// The revocation date of `serial`, if the CRL lists it.
    #[must_use]
    pub fn revocation_of(&self, serial: &[u8]) -> Option<DateTime> {
        self.inner
            .tbs_cert_list
            .revoked_certificates
            .as_ref()?
            .iter()
            .find(|r| r.serial_number.as_bytes() == serial)
            .map(|r| r.revocation_date.to_date_time())
    }

    /// Whether this CRL names `cert` as its issuer.
    #[must_use]
    pub fn is_issued_by(&self, cert: &Certificate) -> bool {
        let issuer = der::Encode::to_der(&self.inner.tbs_cert_list.issuer).unwrap_or_default();
        names_match(&issuer, &cert.subject_der())
    }

    /// Whether `csca`'s key signed this CRL, remembered per CSCA.
    #[must_use]
    pub fn is_signed_by(&self, csca: &Certificate) -> bool {
        let id = HashAlgorithm::Sha256.digest(csca.der());
        if let Ok(cache) = self.checked.lock()
            && let Some((_, ok)) = cache.iter().find(|(k, _)| *k == id)
        {
            return *ok;
        }
        let ok = csca
            .public_key()
            .is_ok_and(|k| self.verify_signed_by(k).is_ok());
        if let Ok(mut cache) = self.checked.lock() {
            cache.push((id, ok));
        }
        ok
    }

    /// Checks that `key` signed this CRL.
    pub fn verify_signed_by(&self, key: &PublicKey) -> Result<(), SignatureError> {
        let alg = algorithm_of(&self.inner.signature_algorithm)?;
        let sig = self
            .inner
            .signature
            .as_bytes()
            .ok_or(SignatureError::Malformed)?;
        let tbs = self
            .der
            .get(self.tbs.clone())
            .ok_or(SignatureError::Malformed)?;
        alg.verify(key, tbs, sig)
    }
}

/// What importing a master list did.
#[derive(Debug, Clone, Serialize)]
pub struct MasterListImport {
    /// The Master List Signer.
    pub signer: CertificateSummary,
    /// Certificates added as trust anchors.
    pub imported: usize,
    /// Certificates already present.
    pub duplicates: usize,
    /// Entries that did not decode as certificates (skipped, not fatal: real lists contain a few).
    pub skipped: usize,
}

/// The CSCA certificates and CRLs Passive Authentication trusts.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    anchors: Vec<Certificate>,
    crls: Vec<Crl>,
}

impl TrustStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> TrustStore {
        TrustStore::default()
    }

    /// The trust anchors.
    #[must_use]
    pub fn anchors(&self) -> &[Certificate] {
        &self.anchors
    }

    /// The CRLs.
    #[must_use]
    pub fn crls(&self) -> &[Crl] {
        &self.crls
    }

    /// Adds a trusted CSCA certificate (DER). Returns false if it was already present.
    pub fn add_certificate_der(&mut self, der: &[u8]) -> Result<bool, Error> {
        let cert = Certificate::from_der(der)?;
        Ok(self.add_certificate(cert))
    }

    fn add_certificate(&mut self, cert: Certificate) -> bool {
        if self.anchors.iter().any(|c| c.der == cert.der) {
            return false;
        }
        self.anchors.push(cert);
        true
    }

    /// Adds a CRL (DER). Its signature is checked when it is used, against the CSCA it names.
    pub fn add_crl_der(&mut self, der: &[u8]) -> Result<(), Error> {
        let crl = Crl::from_der(der)?;
        if !self.crls.iter().any(|c| c.der == crl.der) {
            self.crls.push(crl);
        }
        Ok(())
    }

    /// Adds every `CERTIFICATE` and `X509 CRL` block of a PEM file; returns how many were added.
    pub fn add_pem(&mut self, pem: &[u8]) -> Result<usize, Error> {
        let text = std::str::from_utf8(pem).map_err(|_| pki_error("pem_malformed", "not UTF-8"))?;
        let mut added = 0;
        let mut rest = text;
        while let Some(start) = rest.find("-----BEGIN ") {
            let block = rest.get(start..).unwrap_or_default();
            let end_marker = block
                .find("-----END ")
                .ok_or_else(|| pki_error("pem_malformed", "unterminated block"))?;
            let tail = block.get(end_marker..).unwrap_or_default();
            let close = tail
                .get(9..)
                .and_then(|t| t.find("-----"))
                .map(|i| end_marker + 9 + i + 5)
                .ok_or_else(|| pki_error("pem_malformed", "unterminated END line"))?;
            let one = block.get(..close).unwrap_or_default();
            let (label, der) = der::pem::decode_vec(one.as_bytes())
                .map_err(|e| pki_error("pem_malformed", e.to_string()))?;
            match label {
                "CERTIFICATE" => {
                    if self.add_certificate_der(&der)? {
                        added += 1;
                    }
                }
                "X509 CRL" => {
                    self.add_crl_der(&der)?;
                    added += 1;
                }
                other => {
                    return Err(pki_error(
                        "pem_malformed",
                        format!("unexpected PEM block {other}"),
                    ));
                }
            }
            rest = block.get(close..).unwrap_or_default();
        }
        if added == 0 && !text.contains("-----BEGIN ") {
            return Err(pki_error("pem_malformed", "no PEM block"));
        }
        Ok(added)
    }

    /// Adds trust material of any supported form: PEM (certificates, CRLs), a DER certificate, a
    /// DER CRL, or a CSCA Master List (whose signer is checked; see [`Self::add_master_list`]).
    /// Returns a short description of what was added.
    pub fn add_file_bytes(&mut self, bytes: &[u8], at: DateTime) -> Result<String, Error> {
        if bytes.starts_with(b"-----BEGIN")
            || bytes.iter().take(64).all(|b| b.is_ascii())
                && bytes.windows(10).any(|w| w == b"-----BEGIN")
        {
            return self.add_pem(bytes).map(|n| format!("{n} PEM objects"));
        }
        if let Ok(cert) = Certificate::from_der(bytes) {
            let subject = cert.subject();
            self.add_certificate(cert);
            return Ok(format!("certificate {subject}"));
        }
        if let Ok(crl) = Crl::from_der(bytes) {
            let issuer = crl.issuer();
            self.crls.push(crl);
            return Ok(format!("CRL of {issuer}"));
        }
        let report = self.add_master_list(bytes, at)?;
        Ok(format!(
            "master list signed by {}: {} certificates",
            report.signer.subject, report.imported
        ))
    }

    /// Imports a CSCA Master List (ICAO 9303-12 §9): CMS SignedData with eContentType
    /// id-icao-cscaMasterList and content `CscaMasterList ::= SEQUENCE { version INTEGER (v0),
    /// certList SET OF Certificate }`.
    ///
    /// The list is imported only if its own signature holds: the signed attributes' message
    /// digest matches the content, the Master List Signer's signature verifies, the signer was
    /// valid at `at`, and the signer was issued by a CSCA in the list itself or already trusted.
    pub fn add_master_list(
        &mut self,
        bytes: &[u8],
        at: DateTime,
    ) -> Result<MasterListImport, Error> {
        let ctx = "master list";
        let signed = SignedData::parse_content_info(bytes, ctx)?;
        if signed.content_type != oid::CSCA_MASTER_LIST {
            return Err(cms::cms(
                ctx,
                0,
                "eContentType is not id-icao-cscaMasterList",
            ));
        }
        let list = parse_master_list_content(&signed.content)?;
        let [si] = signed.signer_infos.as_slice() else {
            return Err(cms::cms(
                ctx,
                0,
                "a master list must have exactly one SignerInfo",
            ));
        };
        let signer = signed
            .certificates
            .iter()
            .filter_map(|c| Certificate::from_der(c).ok())
            .find(|c| c.matches(&si.sid))
            .ok_or_else(|| {
                pki_error(
                    "masterlist_signer_missing",
                    "the signer's certificate is not in the list",
                )
            })?;
        let signer_key = signer
            .public_key()
            .map_err(|e| pki_error("masterlist_signer_key", e.to_string()))?
            .clone();
        // messageDigest over the content, then the signature over the signed attributes.
        let digest = si.digest_algorithm.ok_or_else(|| {
            pki_error(
                "masterlist_algorithm_unsupported",
                si.digest_oid.to_string(),
            )
        })?;
        let md = si
            .signed_attribute(&oid::MESSAGE_DIGEST, ctx)?
            .and_then(|v| v.first().map(|t| t.value().to_vec()))
            .ok_or_else(|| {
                pki_error(
                    "masterlist_message_digest",
                    "messageDigest attribute missing",
                )
            })?;
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            md.as_slice(),
            digest.digest(&signed.content).as_slice(),
        )) {
            return Err(pki_error(
                "masterlist_message_digest",
                "messageDigest does not match the content",
            ));
        }
        let signed_bytes = si
            .signed_bytes()
            .ok_or_else(|| pki_error("masterlist_signature_invalid", "no signed attributes"))?;
        let alg_der = spki::AlgorithmIdentifierRef::from_der(si.signature_algorithm)
            .map_err(|e| pki_error("masterlist_signature_invalid", e.to_string()))?;
        let params = match alg_der.parameters {
            Some(p) if !p.is_null() => Some(
                der::Encode::to_der(&p)
                    .map_err(|e| pki_error("masterlist_signature_invalid", e.to_string()))?,
            ),
            _ => None,
        };
        let alg =
            SignatureAlgorithm::from_identifier(&alg_der.oid, params.as_deref(), Some(digest))
                .map_err(|e| pki_error("masterlist_signature_invalid", e.to_string()))?;
        alg.verify(&signer_key, &signed_bytes, si.signature)
            .map_err(|e| pki_error("masterlist_signature_invalid", e.to_string()))?;
        if !signer.is_valid_at(at) {
            return Err(pki_error("masterlist_signer_expired", signer.subject()));
        }
        let mut parsed = Vec::new();
        let mut skipped = 0;
        for der in &list {
            match Certificate::from_der(der) {
                Ok(c) => parsed.push(c),
                Err(_) => skipped += 1,
            }
        }
        let issued_by_trusted = parsed.iter().chain(self.anchors.iter()).any(|csca| {
            signer.may_be_issued_by(csca)
                && csca
                    .public_key()
                    .is_ok_and(|k| signer.verify_signed_by(k).is_ok())
        });
        if !issued_by_trusted {
            return Err(pki_error(
                "masterlist_signer_untrusted",
                format!(
                    "no CSCA in the list or the store issued {}",
                    signer.subject()
                ),
            ));
        }
        if !signer.has_extended_key_usage(&oid::EKU_MASTER_LIST_SIGNER)
            && !signer.allows(KeyUsages::DigitalSignature)
        {
            return Err(pki_error("masterlist_signer_key_usage", signer.subject()));
        }
        let mut imported = 0;
        let mut duplicates = 0;
        for cert in parsed {
            if self.add_certificate(cert) {
                imported += 1;
            } else {
                duplicates += 1;
            }
        }
        for crl in &signed.crls {
            if let Ok(crl) = Crl::from_der(crl) {
                self.crls.push(crl);
            }
        }
        Ok(MasterListImport {
            signer: signer.summary(),
            imported,
            duplicates,
            skipped,
        })
    }
}

/// `CscaMasterList ::= SEQUENCE { version CscaMasterListVersion, certList SET OF Certificate }`
/// (ICAO 9303-12 §9): the certificates' DER.
fn parse_master_list_content(content: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    let ctx = "master list";
    let seq = tlv::Tlv::parse_exact(content).map_err(|e| cms::tlv_error(ctx, &e))?;
    let items = seq
        .children()
        .map_err(|e| cms::tlv_error(ctx, &e))?
        .collect_all()
        .map_err(|e| cms::tlv_error(ctx, &e))?;
    let [version, certs] = items.as_slice() else {
        return Err(cms::cms(
            ctx,
            seq.offset(),
            "CscaMasterList must have version and certList",
        ));
    };
    if version.tag().value() != 0x02 || certs.tag().value() != 0x31 {
        return Err(cms::cms(
            ctx,
            version.offset(),
            "CscaMasterList version or certList malformed",
        ));
    }
    let mut out = Vec::new();
    for cert in certs.children().map_err(|e| cms::tlv_error(ctx, &e))? {
        out.push(cert.map_err(|e| cms::tlv_error(ctx, &e))?.raw().to_vec());
    }
    Ok(out)
}
