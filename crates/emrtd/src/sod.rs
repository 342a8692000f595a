//! EF.SOD, the Document Security Object (ICAO Doc 9303-10 §4.6.2): a CMS SignedData whose
//! content is the LDSSecurityObject, the list of data-group hashes signed by the Document Signer.

use std::collections::BTreeMap;
use std::fmt;

use der::asn1::ObjectIdentifier;
use tlv::{Tag, Tlv};

use crate::Error;
use crate::cms::{self, SignedData, SignerIdentifier};
use crate::hash::HashAlgorithm;
use crate::lds::{DgNumber, LdsFile};
use crate::oid;

const CONTEXT: &str = "EF.SOD";

/// The signer's part of the SOD, owned.
#[derive(Debug, Clone)]
pub struct SodSigner {
    /// Which certificate signed.
    pub sid: SignerIdentifier,
    /// SignerInfo `digestAlgorithm` (None if unknown; see `digest_oid`).
    pub digest_algorithm: Option<HashAlgorithm>,
    /// The digest algorithm OID as written.
    pub digest_oid: ObjectIdentifier,
    /// The DER signed attributes re-tagged as SET OF: what the signature covers. None when the
    /// SOD has no signed attributes (ICAO requires them; reported as a failure).
    pub signed_bytes: Option<Vec<u8>>,
    /// The `messageDigest` signed attribute.
    pub message_digest: Option<Vec<u8>>,
    /// The `contentType` signed attribute.
    pub content_type: Option<ObjectIdentifier>,
    /// `signatureAlgorithm`: OID and DER parameters.
    pub signature_oid: ObjectIdentifier,
    /// DER of the signature algorithm's parameters, if any.
    pub signature_parameters: Option<Vec<u8>>,
    /// The signature.
    pub signature: Vec<u8>,
}

/// A parsed EF.SOD.
#[derive(Clone)]
pub struct Sod {
    /// `LDSSecurityObject.version` (0, or 1 with LDS version info).
    pub version: u8,
    /// The data-group hash algorithm (None if unknown; see `hash_oid`).
    pub hash_algorithm: Option<HashAlgorithm>,
    /// The hash algorithm OID as written.
    pub hash_oid: ObjectIdentifier,
    /// `ldsVersionInfo` (LDS version, Unicode version), if present.
    pub lds_version: Option<(String, String)>,
    dg_hashes: BTreeMap<DgNumber, Vec<u8>>,
    /// The encapsulated content (the DER LDSSecurityObject): what `messageDigest` hashes.
    pub content: Vec<u8>,
    /// Certificates carried in the SignedData (normally the Document Signer's).
    pub certificates: Vec<Vec<u8>>,
    /// The one SignerInfo.
    pub signer: SodSigner,
}

impl fmt::Debug for Sod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sod")
            .field("version", &self.version)
            .field("hash_algorithm", &self.hash_algorithm)
            .field(
                "data_groups",
                &self.dg_hashes.keys().map(|d| d.get()).collect::<Vec<_>>(),
            )
            .field("certificates", &self.certificates.len())
            .finish_non_exhaustive()
    }
}

impl Sod {
    /// Parses EF.SOD: `77 { ContentInfo(SignedData(LDSSecurityObject)) }`.
    pub fn parse(bytes: &[u8]) -> Result<Sod, Error> {
        let outer = Tlv::parse_tagged(bytes, Tag::new(0x77)).map_err(|source| Error::Tlv {
            file: LdsFile::Sod,
            source,
        })?;
        let signed = SignedData::parse_content_info(outer.value(), CONTEXT)?;
        if signed.content_type != oid::LDS_SECURITY_OBJECT {
            return Err(cms::cms(
                CONTEXT,
                0,
                "eContentType is not id-icao-mrtd-security-ldsSecurityObject",
            ));
        }
        let [si] = signed.signer_infos.as_slice() else {
            return Err(cms::cms(
                CONTEXT,
                0,
                "EF.SOD must have exactly one SignerInfo",
            ));
        };
        let message_digest = match si.signed_attribute(&oid::MESSAGE_DIGEST, CONTEXT)? {
            Some(values) => match values.as_slice() {
                [v] if v.tag() == Tag::new(0x04) => Some(v.value().to_vec()),
                _ => {
                    return Err(cms::cms(
                        CONTEXT,
                        0,
                        "messageDigest must hold one OCTET STRING",
                    ));
                }
            },
            None => None,
        };
        let content_type = match si.signed_attribute(&oid::CONTENT_TYPE, CONTEXT)? {
            Some(values) => match values.as_slice() {
                [v] => Some(cms::oid_of(v, CONTEXT)?),
                _ => return Err(cms::cms(CONTEXT, 0, "contentType must hold one OID")),
            },
            None => None,
        };
        let alg = spki::AlgorithmIdentifierRef::from_der_bytes(si.signature_algorithm)
            .ok_or_else(|| cms::cms(CONTEXT, 0, "signatureAlgorithm"))?;
        let signer = SodSigner {
            sid: si.sid.clone(),
            digest_algorithm: si.digest_algorithm,
            digest_oid: si.digest_oid,
            signed_bytes: si.signed_bytes(),
            message_digest,
            content_type,
            signature_oid: alg.0,
            signature_parameters: alg.1,
            signature: si.signature.to_vec(),
        };
        let lso = parse_lds_security_object(&signed.content)?;
        Ok(Sod {
            version: lso.version,
            hash_algorithm: HashAlgorithm::from_oid(&lso.hash_oid),
            hash_oid: lso.hash_oid,
            lds_version: lso.lds_version,
            dg_hashes: lso.hashes,
            certificates: signed.certificates.iter().map(|c| c.to_vec()).collect(),
            content: signed.content,
            signer,
        })
    }

    /// The stored hash of each data group, in number order.
    #[must_use]
    pub fn data_group_hashes(&self) -> &BTreeMap<DgNumber, Vec<u8>> {
        &self.dg_hashes
    }
}

/// `(oid, DER parameters)` of an AlgorithmIdentifier.
trait FromDerBytes {
    fn from_der_bytes(bytes: &[u8]) -> Option<(ObjectIdentifier, Option<Vec<u8>>)>;
}

impl FromDerBytes for spki::AlgorithmIdentifierRef<'_> {
    fn from_der_bytes(bytes: &[u8]) -> Option<(ObjectIdentifier, Option<Vec<u8>>)> {
        use der::{Decode, Encode};
        let alg = spki::AlgorithmIdentifierRef::from_der(bytes).ok()?;
        let params = match alg.parameters {
            Some(p) if p.is_null() => None,
            Some(p) => Some(p.to_der().ok()?),
            None => None,
        };
        Some((alg.oid, params))
    }
}

struct LdsSecurityObject {
    version: u8,
    hash_oid: ObjectIdentifier,
    hashes: BTreeMap<DgNumber, Vec<u8>>,
    lds_version: Option<(String, String)>,
}

/// ICAO 9303-10 §4.6.2.2:
/// ```text
/// LDSSecurityObject ::= SEQUENCE {
///   version                LDSSecurityObjectVersion,   -- v0(0), v1(1)
///   hashAlgorithm          DigestAlgorithmIdentifier,
///   dataGroupHashValues    SEQUENCE SIZE (2..ub-DataGroups) OF DataGroupHash,
///   ldsVersionInfo         LDSVersionInfo OPTIONAL }   -- present iff version is v1
/// DataGroupHash ::= SEQUENCE { dataGroupNumber DataGroupNumber, dataGroupHashValue OCTET STRING }
/// LDSVersionInfo ::= SEQUENCE { ldsVersion PrintableString, unicodeVersion PrintableString }
/// ```
fn parse_lds_security_object(bytes: &[u8]) -> Result<LdsSecurityObject, Error> {
    let ctx = "LDSSecurityObject";
    let bad = |offset: usize, reason: &'static str| cms::cms(ctx, offset, reason);
    let lso = Tlv::parse_exact(bytes).map_err(|e| cms::tlv_error(ctx, &e))?;
    if lso.tag() != Tag::new(0x30) {
        return Err(bad(lso.offset(), "not a SEQUENCE"));
    }
    let items = lso
        .children()
        .map_err(|e| cms::tlv_error(ctx, &e))?
        .collect_all()
        .map_err(|e| cms::tlv_error(ctx, &e))?;
    let [version, hash_alg, hashes, rest @ ..] = items.as_slice() else {
        return Err(bad(lso.offset(), "too few elements"));
    };
    let version = match (version.tag().value(), version.value()) {
        (0x02, [v @ (0 | 1)]) => *v,
        _ => return Err(bad(version.offset(), "version must be 0 or 1")),
    };
    let (hash_oid, _) = spki::AlgorithmIdentifierRef::from_der_bytes(hash_alg.raw())
        .ok_or_else(|| bad(hash_alg.offset(), "hashAlgorithm"))?;
    let mut map = BTreeMap::new();
    for entry in hashes.children().map_err(|e| cms::tlv_error(ctx, &e))? {
        let entry = entry.map_err(|e| cms::tlv_error(ctx, &e))?;
        let fields = entry
            .children()
            .map_err(|e| cms::tlv_error(ctx, &e))?
            .collect_all()
            .map_err(|e| cms::tlv_error(ctx, &e))?;
        let [number, value] = fields.as_slice() else {
            return Err(bad(entry.offset(), "DataGroupHash must have two elements"));
        };
        let dg = match (number.tag().value(), number.value()) {
            (0x02, [n]) => DgNumber::new(*n),
            _ => None,
        }
        .ok_or_else(|| bad(number.offset(), "dataGroupNumber must be 1 to 16"))?;
        if value.tag() != Tag::new(0x04) {
            return Err(bad(
                value.offset(),
                "dataGroupHashValue must be an OCTET STRING",
            ));
        }
        if map.insert(dg, value.value().to_vec()).is_some() {
            return Err(bad(entry.offset(), "data group listed twice"));
        }
    }
    let lds_version = match rest {
        [] => None,
        [info] => {
            let parts = info
                .children()
                .map_err(|e| cms::tlv_error(ctx, &e))?
                .collect_all()
                .map_err(|e| cms::tlv_error(ctx, &e))?;
            match parts.as_slice() {
                [a, b] => Some((
                    String::from_utf8_lossy(a.value()).into_owned(),
                    String::from_utf8_lossy(b.value()).into_owned(),
                )),
                _ => return Err(bad(info.offset(), "LDSVersionInfo must have two elements")),
            }
        }
        [_, extra, ..] => return Err(bad(extra.offset(), "unexpected element")),
    };
    Ok(LdsSecurityObject {
        version,
        hash_oid,
        hashes: map,
        lds_version,
    })
}
