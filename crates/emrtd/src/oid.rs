//! Object identifiers used by the chip's security objects, each with the document that assigns it.

use const_oid::ObjectIdentifier as Oid;

const fn oid(s: &str) -> Oid {
    Oid::new_unwrap(s)
}

// --- ICAO Doc 9303-10 §4.6.2, 9303-12 §9 ---
/// `id-icao-mrtd-security-ldsSecurityObject`: eContentType of EF.SOD.
pub const LDS_SECURITY_OBJECT: Oid = oid("2.23.136.1.1.1");
/// `id-icao-cscaMasterList`: eContentType of a CSCA Master List (9303-12 §9).
pub const CSCA_MASTER_LIST: Oid = oid("2.23.136.1.1.2");
/// `id-icao-mrtd-security-aaProtocolObject`: ActiveAuthenticationInfo (9303-11 §9.2.2).
pub const AA_PROTOCOL: Oid = oid("2.23.136.1.1.5");
/// Extended key usage of a Master List Signer certificate (9303-12 §7.1.1.3).
pub const EKU_MASTER_LIST_SIGNER: Oid = oid("2.23.136.1.1.3");
/// Document Type List extension of a DSC (9303-12 §7.1.1.3).
pub const DOCUMENT_TYPE_LIST: Oid = oid("2.23.136.1.1.6.2");

// --- CMS, RFC 5652 §5, §11 ---
/// `id-signedData`.
pub const SIGNED_DATA: Oid = oid("1.2.840.113549.1.7.2");
/// `id-contentType` signed attribute.
pub const CONTENT_TYPE: Oid = oid("1.2.840.113549.1.9.3");
/// `id-messageDigest` signed attribute.
pub const MESSAGE_DIGEST: Oid = oid("1.2.840.113549.1.9.4");
/// `id-signingTime` signed attribute.
pub const SIGNING_TIME: Oid = oid("1.2.840.113549.1.9.5");

// --- RSA, RFC 8017 appendix C / RFC 4055 ---
/// `rsaEncryption` (also seen as a SignerInfo signature algorithm, meaning PKCS#1 v1.5 with the
/// SignerInfo's digest algorithm).
pub const RSA_ENCRYPTION: Oid = oid("1.2.840.113549.1.1.1");
/// `sha1WithRSAEncryption`.
pub const SHA1_WITH_RSA: Oid = oid("1.2.840.113549.1.1.5");
/// `sha224WithRSAEncryption`.
pub const SHA224_WITH_RSA: Oid = oid("1.2.840.113549.1.1.14");
/// `sha256WithRSAEncryption`.
pub const SHA256_WITH_RSA: Oid = oid("1.2.840.113549.1.1.11");
/// `sha384WithRSAEncryption`.
pub const SHA384_WITH_RSA: Oid = oid("1.2.840.113549.1.1.12");
/// `sha512WithRSAEncryption`.
pub const SHA512_WITH_RSA: Oid = oid("1.2.840.113549.1.1.13");
/// `id-RSASSA-PSS`.
pub const RSASSA_PSS: Oid = oid("1.2.840.113549.1.1.10");
/// `id-mgf1`.
pub const MGF1: Oid = oid("1.2.840.113549.1.1.8");

// --- Elliptic curves, RFC 5480 / RFC 5758 / RFC 5639 / BSI TR-03111 ---
/// `id-ecPublicKey` (also seen as a SignerInfo signature algorithm).
pub const EC_PUBLIC_KEY: Oid = oid("1.2.840.10045.2.1");
/// `prime-field` (X9.62 explicit parameters).
pub const PRIME_FIELD: Oid = oid("1.2.840.10045.1.1");
/// `ecdsa-with-SHA1`.
pub const ECDSA_WITH_SHA1: Oid = oid("1.2.840.10045.4.1");
/// `ecdsa-with-SHA224`.
pub const ECDSA_WITH_SHA224: Oid = oid("1.2.840.10045.4.3.1");
/// `ecdsa-with-SHA256`.
pub const ECDSA_WITH_SHA256: Oid = oid("1.2.840.10045.4.3.2");
/// `ecdsa-with-SHA384`.
pub const ECDSA_WITH_SHA384: Oid = oid("1.2.840.10045.4.3.3");
/// `ecdsa-with-SHA512`.
pub const ECDSA_WITH_SHA512: Oid = oid("1.2.840.10045.4.3.4");
/// `ecdsa-plain-SHA1` (BSI TR-03111 §5.2.1: the signature is r ‖ s, not DER).
pub const ECDSA_PLAIN_SHA1: Oid = oid("0.4.0.127.0.7.1.1.4.1.1");
/// `ecdsa-plain-SHA224`.
pub const ECDSA_PLAIN_SHA224: Oid = oid("0.4.0.127.0.7.1.1.4.1.2");
/// `ecdsa-plain-SHA256`.
pub const ECDSA_PLAIN_SHA256: Oid = oid("0.4.0.127.0.7.1.1.4.1.3");
/// `ecdsa-plain-SHA384`.
pub const ECDSA_PLAIN_SHA384: Oid = oid("0.4.0.127.0.7.1.1.4.1.4");
/// `ecdsa-plain-SHA512`.
pub const ECDSA_PLAIN_SHA512: Oid = oid("0.4.0.127.0.7.1.1.4.1.5");
/// `secp256r1` (NIST P-256).
pub const SECP256R1: Oid = oid("1.2.840.10045.3.1.7");
/// `secp384r1` (NIST P-384).
pub const SECP384R1: Oid = oid("1.3.132.0.34");
/// `secp521r1` (NIST P-521).
pub const SECP521R1: Oid = oid("1.3.132.0.35");
/// `brainpoolP256r1`.
pub const BRAINPOOL_P256R1: Oid = oid("1.3.36.3.3.2.8.1.1.7");
/// `brainpoolP384r1`.
pub const BRAINPOOL_P384R1: Oid = oid("1.3.36.3.3.2.8.1.1.11");
/// `brainpoolP512r1`.
pub const BRAINPOOL_P512R1: Oid = oid("1.3.36.3.3.2.8.1.1.13");

// --- X.509, RFC 5280 §4.2.1 ---
/// `id-ce-subjectKeyIdentifier`.
pub const SUBJECT_KEY_IDENTIFIER: Oid = oid("2.5.29.14");
/// `id-ce-keyUsage`.
pub const KEY_USAGE: Oid = oid("2.5.29.15");
/// `id-ce-basicConstraints`.
pub const BASIC_CONSTRAINTS: Oid = oid("2.5.29.19");
/// `id-ce-authorityKeyIdentifier`.
pub const AUTHORITY_KEY_IDENTIFIER: Oid = oid("2.5.29.35");
/// `id-ce-extKeyUsage`.
pub const EXT_KEY_USAGE: Oid = oid("2.5.29.37");
/// `id-ce-privateKeyUsagePeriod`.
pub const PRIVATE_KEY_USAGE_PERIOD: Oid = oid("2.5.29.16");
