//! Public keys and signature verification for the algorithms of ICAO Doc 9303-12 §4.4: RSA
//! PKCS#1 v1.5, RSASSA-PSS and ECDSA (DER or plain r ‖ s) on the NIST and brainpool curves,
//! including keys with explicit curve parameters.
//!
//! Verification outcomes are values ([`SignatureError`]), not crate errors: a bad signature is a
//! finding of the report, not a failure to run.

pub mod ec;

use std::fmt;

use der::asn1::{AnyRef, ObjectIdentifier, UintRef};
use der::{Decode, Encode, Sequence};
use num_bigint::BigUint;
use rsa::pkcs1::DecodeRsaPublicKey;
use serde::Serialize;
use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};

use crate::hash::HashAlgorithm;
use crate::oid;
pub use ec::{CurveError, CurveParams, CurveSource, NamedCurve};

/// Why a signature did not verify, or could not be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    /// The signature is well formed and does not match: the data or the key is not the signer's.
    Invalid,
    /// The signature bytes cannot be a signature of this algorithm (wrong length, bad DER).
    Malformed,
    /// The key's type does not fit the algorithm (an RSA algorithm with an EC key, say).
    KeyMismatch,
    /// An algorithm, curve or parameter set we do not implement: reported as unsupported,
    /// never as a pass.
    Unsupported(String),
}

impl SignatureError {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::Invalid => "signature_invalid",
            SignatureError::Malformed => "signature_malformed",
            SignatureError::KeyMismatch => "signature_key_mismatch",
            SignatureError::Unsupported(_) => "algorithm_unsupported",
        }
    }
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureError::Unsupported(what) => write!(f, "unsupported: {what}"),
            other => f.write_str(other.code()),
        }
    }
}

/// Why a public key could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// Not a SubjectPublicKeyInfo, or its key bits do not decode.
    Malformed(&'static str),
    /// A key type or curve we do not implement.
    Unsupported(String),
}

impl KeyError {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            KeyError::Malformed(_) => "key_malformed",
            KeyError::Unsupported(_) => "key_unsupported",
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Malformed(what) => write!(f, "malformed key: {what}"),
            KeyError::Unsupported(what) => write!(f, "unsupported key: {what}"),
        }
    }
}

/// RFC 8017 appendix A.1.1: `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
#[derive(Sequence)]
struct RsaPublicKeyAsn1<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

/// An RSA public key.
#[derive(Debug, Clone)]
pub struct RsaKey {
    key: rsa::RsaPublicKey,
    n: BigUint,
    e: BigUint,
}

impl RsaKey {
    /// Modulus size in bits.
    #[must_use]
    pub fn bits(&self) -> u64 {
        self.n.bits()
    }

    /// The modulus.
    #[must_use]
    pub fn modulus(&self) -> &BigUint {
        &self.n
    }

    /// The public exponent.
    #[must_use]
    pub fn exponent(&self) -> &BigUint {
        &self.e
    }

    /// The raw RSA public operation s^e mod n (ISO/IEC 9796-2 needs the recovered message).
    #[must_use]
    pub fn raw_public(&self, s: &BigUint) -> BigUint {
        s.modpow(&self.e, &self.n)
    }
}

/// An elliptic-curve public key.
#[derive(Debug, Clone)]
pub struct EcKey {
    curve: CurveSource,
    point: Vec<u8>,
    q: (BigUint, BigUint),
}

impl EcKey {
    /// Where the curve came from (named OID or explicit parameters).
    #[must_use]
    pub fn curve(&self) -> &CurveSource {
        &self.curve
    }

    /// The SEC 1 encoded point.
    #[must_use]
    pub fn point(&self) -> &[u8] {
        &self.point
    }

    /// Builds a key from a curve and a SEC 1 point, checking that the point is on the curve.
    pub fn new(curve: CurveSource, point: &[u8]) -> Result<EcKey, KeyError> {
        let q = curve
            .params()
            .decode_point(point)
            .ok_or(KeyError::Malformed("ec_point_not_on_curve"))?;
        Ok(EcKey {
            curve,
            point: point.to_vec(),
            q,
        })
    }
}

/// A public key from a certificate or from DG15.
#[derive(Clone)]
pub enum PublicKey {
    /// RSA (rsaEncryption or id-RSASSA-PSS keys).
    Rsa(RsaKey),
    /// EC (id-ecPublicKey).
    Ec(EcKey),
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.description())
    }
}

impl PublicKey {
    /// Reads a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
    pub fn from_spki_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        let spki = spki::SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|_| KeyError::Malformed("spki"))?;
        PublicKey::from_spki(&spki)
    }

    /// Reads a decoded SubjectPublicKeyInfo.
    pub fn from_spki(spki: &spki::SubjectPublicKeyInfoRef<'_>) -> Result<PublicKey, KeyError> {
        let bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or(KeyError::Malformed("spki_unused_bits"))?;
        let alg = &spki.algorithm.oid;
        if *alg == oid::RSA_ENCRYPTION || *alg == oid::RSASSA_PSS {
            let parsed = RsaPublicKeyAsn1::from_der(bits)
                .map_err(|_| KeyError::Malformed("rsa_public_key"))?;
            let key = rsa::RsaPublicKey::from_pkcs1_der(bits)
                .map_err(|e| KeyError::Unsupported(format!("rsa key: {e}")))?;
            Ok(PublicKey::Rsa(RsaKey {
                key,
                n: BigUint::from_bytes_be(parsed.modulus.as_bytes()),
                e: BigUint::from_bytes_be(parsed.public_exponent.as_bytes()),
            }))
        } else if *alg == oid::EC_PUBLIC_KEY {
            let params = spki
                .algorithm
                .parameters
                .as_ref()
                .map(any_to_der)
                .transpose()?;
            let curve = ec::curve_from_parameters(params.as_deref()).map_err(|e| match e {
                CurveError::UnknownCurve(oid) => KeyError::Unsupported(format!("curve {oid}")),
                CurveError::Unsupported(what) => KeyError::Unsupported(what.to_owned()),
                CurveError::Malformed(what) => KeyError::Malformed(what),
            })?;
            EcKey::new(curve, bits).map(PublicKey::Ec)
        } else {
            Err(KeyError::Unsupported(format!("key algorithm {alg}")))
        }
    }

    /// For reports: `RSA-2048`, `EC brainpoolP256r1 (explicit parameters)`.
    #[must_use]
    pub fn description(&self) -> String {
        match self {
            PublicKey::Rsa(k) => format!("RSA-{}", k.bits()),
            PublicKey::Ec(k) if k.curve.is_explicit() => {
                format!("EC {} (explicit parameters)", k.curve.name())
            }
            PublicKey::Ec(k) => format!("EC {}", k.curve.name()),
        }
    }
}

fn any_to_der(any: &AnyRef<'_>) -> Result<Vec<u8>, KeyError> {
    any.to_der()
        .map_err(|_| KeyError::Malformed("algorithm_parameters"))
}

/// How an ECDSA signature's (r, s) is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EcdsaEncoding {
    /// `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (X9.62, RFC 5480).
    Der,
    /// r ‖ s, each the size of the order (BSI TR-03111 §5.2.1).
    Plain,
}

/// A signature algorithm, as named by a SignerInfo, a certificate or ActiveAuthenticationInfo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "scheme", rename_all = "snake_case")]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2).
    RsaPkcs1v15 {
        /// Message digest.
        hash: HashAlgorithm,
    },
    /// RSASSA-PSS with MGF1 over the same hash (RFC 8017 §8.1, RFC 4055 §3.1).
    RsaPss {
        /// Message digest (and MGF1 digest).
        hash: HashAlgorithm,
        /// Salt length in bytes.
        salt_len: usize,
    },
    /// ECDSA (X9.62, BSI TR-03111).
    Ecdsa {
        /// Message digest.
        hash: HashAlgorithm,
        /// Signature encoding the algorithm OID announces (both are accepted when verifying).
        encoding: EcdsaEncoding,
    },
}

impl SignatureAlgorithm {
    /// The algorithm an AlgorithmIdentifier names. `digest_hint` is the SignerInfo's
    /// digestAlgorithm, for SODs whose signatureAlgorithm is a bare `rsaEncryption` or
    /// `id-ecPublicKey` (ICAO 9303-12 permits it; many countries do it).
    pub fn from_identifier(
        oid: &ObjectIdentifier,
        parameters: Option<&[u8]>,
        digest_hint: Option<HashAlgorithm>,
    ) -> Result<SignatureAlgorithm, SignatureError> {
        use HashAlgorithm::*;
        let rsa = |hash| Ok(SignatureAlgorithm::RsaPkcs1v15 { hash });
        let ecdsa = |hash, encoding| Ok(SignatureAlgorithm::Ecdsa { hash, encoding });
        let hint = || {
            digest_hint.ok_or_else(|| {
                SignatureError::Unsupported(format!("{oid} without a digest algorithm"))
            })
        };
        match *oid {
            o if o == oid::SHA1_WITH_RSA => rsa(Sha1),
            o if o == oid::SHA224_WITH_RSA => rsa(Sha224),
            o if o == oid::SHA256_WITH_RSA => rsa(Sha256),
            o if o == oid::SHA384_WITH_RSA => rsa(Sha384),
            o if o == oid::SHA512_WITH_RSA => rsa(Sha512),
            o if o == oid::RSA_ENCRYPTION => rsa(hint()?),
            o if o == oid::RSASSA_PSS => pss_from_parameters(parameters),
            o if o == oid::ECDSA_WITH_SHA1 => ecdsa(Sha1, EcdsaEncoding::Der),
            o if o == oid::ECDSA_WITH_SHA224 => ecdsa(Sha224, EcdsaEncoding::Der),
            o if o == oid::ECDSA_WITH_SHA256 => ecdsa(Sha256, EcdsaEncoding::Der),
            o if o == oid::ECDSA_WITH_SHA384 => ecdsa(Sha384, EcdsaEncoding::Der),
            o if o == oid::ECDSA_WITH_SHA512 => ecdsa(Sha512, EcdsaEncoding::Der),
            o if o == oid::EC_PUBLIC_KEY => ecdsa(hint()?, EcdsaEncoding::Der),
            o if o == oid::ECDSA_PLAIN_SHA1 => ecdsa(Sha1, EcdsaEncoding::Plain),
            o if o == oid::ECDSA_PLAIN_SHA224 => ecdsa(Sha224, EcdsaEncoding::Plain),
            o if o == oid::ECDSA_PLAIN_SHA256 => ecdsa(Sha256, EcdsaEncoding::Plain),
            o if o == oid::ECDSA_PLAIN_SHA384 => ecdsa(Sha384, EcdsaEncoding::Plain),
            o if o == oid::ECDSA_PLAIN_SHA512 => ecdsa(Sha512, EcdsaEncoding::Plain),
            other => Err(SignatureError::Unsupported(format!(
                "signature algorithm {other}"
            ))),
        }
    }

    /// The message digest.
    #[must_use]
    pub fn hash(&self) -> HashAlgorithm {
        match self {
            SignatureAlgorithm::RsaPkcs1v15 { hash }
            | SignatureAlgorithm::RsaPss { hash, .. }
            | SignatureAlgorithm::Ecdsa { hash, .. } => *hash,
        }
    }

    /// For reports: `sha256WithRSA`, `RSASSA-PSS/sha-512`, `ECDSA/sha-256`.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            SignatureAlgorithm::RsaPkcs1v15 { hash } => format!("RSA-PKCS1-v1_5/{hash}"),
            SignatureAlgorithm::RsaPss { hash, salt_len } => {
                format!("RSASSA-PSS/{hash}/salt-{salt_len}")
            }
            SignatureAlgorithm::Ecdsa { hash, .. } => format!("ECDSA/{hash}"),
        }
    }

    /// Verifies `signature` over `message` with `key`.
    pub fn verify(
        &self,
        key: &PublicKey,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureError> {
        self.verify_prehash(key, &self.hash().digest(message), signature)
    }

    /// Verifies `signature` over a message whose hash (with [`Self::hash`]) is `prehash`.
    pub fn verify_prehash(
        &self,
        key: &PublicKey,
        prehash: &[u8],
        signature: &[u8],
    ) -> Result<(), SignatureError> {
        match (self, key) {
            (SignatureAlgorithm::RsaPkcs1v15 { hash }, PublicKey::Rsa(k)) => {
                let scheme = match hash {
                    HashAlgorithm::Sha1 => rsa::Pkcs1v15Sign::new::<Sha1>(),
                    HashAlgorithm::Sha224 => rsa::Pkcs1v15Sign::new::<Sha224>(),
                    HashAlgorithm::Sha256 => rsa::Pkcs1v15Sign::new::<Sha256>(),
                    HashAlgorithm::Sha384 => rsa::Pkcs1v15Sign::new::<Sha384>(),
                    HashAlgorithm::Sha512 => rsa::Pkcs1v15Sign::new::<Sha512>(),
                };
                rsa_result(k.key.verify(scheme, prehash, signature))
            }
            (SignatureAlgorithm::RsaPss { hash, salt_len }, PublicKey::Rsa(k)) => {
                let r = match hash {
                    HashAlgorithm::Sha1 => k.key.verify(
                        rsa::Pss::<Sha1>::new_with_salt(*salt_len),
                        prehash,
                        signature,
                    ),
                    HashAlgorithm::Sha224 => k.key.verify(
                        rsa::Pss::<Sha224>::new_with_salt(*salt_len),
                        prehash,
                        signature,
                    ),
                    HashAlgorithm::Sha256 => k.key.verify(
                        rsa::Pss::<Sha256>::new_with_salt(*salt_len),
                        prehash,
                        signature,
                    ),
                    HashAlgorithm::Sha384 => k.key.verify(
                        rsa::Pss::<Sha384>::new_with_salt(*salt_len),
                        prehash,
                        signature,
                    ),
                    HashAlgorithm::Sha512 => k.key.verify(
                        rsa::Pss::<Sha512>::new_with_salt(*salt_len),
                        prehash,
                        signature,
                    ),
                };
                rsa_result(r)
            }
            (SignatureAlgorithm::Ecdsa { .. }, PublicKey::Ec(k)) => {
                verify_ecdsa(k, prehash, signature)
            }
            _ => Err(SignatureError::KeyMismatch),
        }
    }
}

fn rsa_result(r: rsa::errors::Result<()>) -> Result<(), SignatureError> {
    match r {
        Ok(()) => Ok(()),
        Err(rsa::errors::Error::Verification) => Err(SignatureError::Invalid),
        // Wrong length and the like: the bytes are not a signature under this key.
        Err(_) => Err(SignatureError::Invalid),
    }
}

/// RFC 4055 §3.1:
/// ```text
/// RSASSA-PSS-params ::= SEQUENCE {
///    hashAlgorithm      [0] HashAlgorithm DEFAULT sha1,
///    maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1,
///    saltLength         [2] INTEGER DEFAULT 20,
///    trailerField       [3] INTEGER DEFAULT 1 }
/// ```
fn pss_from_parameters(parameters: Option<&[u8]>) -> Result<SignatureAlgorithm, SignatureError> {
    let malformed = || SignatureError::Unsupported("malformed RSASSA-PSS parameters".to_owned());
    let mut hash = HashAlgorithm::Sha1;
    let mut mgf_hash = HashAlgorithm::Sha1;
    let mut salt_len = 20usize;
    if let Some(bytes) = parameters {
        let seq = tlv::Tlv::parse_exact(bytes).map_err(|_| malformed())?;
        for field in seq.children().map_err(|_| malformed())? {
            let field = field.map_err(|_| malformed())?;
            let inner = field.value();
            match field.tag().value() {
                0xA0 => hash = hash_from_algorithm_identifier(inner).ok_or_else(malformed)?,
                0xA1 => {
                    let mgf =
                        spki::AlgorithmIdentifierRef::from_der(inner).map_err(|_| malformed())?;
                    if mgf.oid != oid::MGF1 {
                        return Err(SignatureError::Unsupported(format!(
                            "PSS mask generation {}",
                            mgf.oid
                        )));
                    }
                    let p = mgf.parameters.ok_or_else(malformed)?;
                    let p = p.to_der().map_err(|_| malformed())?;
                    mgf_hash = hash_from_algorithm_identifier(&p).ok_or_else(malformed)?;
                }
                0xA2 => {
                    let n = UintRef::from_der(inner).map_err(|_| malformed())?;
                    salt_len = n
                        .as_bytes()
                        .iter()
                        .try_fold(0usize, |acc, b| {
                            acc.checked_mul(256)?.checked_add(usize::from(*b))
                        })
                        .ok_or_else(malformed)?;
                }
                0xA3 => {
                    let t = UintRef::from_der(inner).map_err(|_| malformed())?;
                    if t.as_bytes() != [1] {
                        return Err(SignatureError::Unsupported(
                            "PSS trailer field other than 0xBC".to_owned(),
                        ));
                    }
                }
                _ => return Err(malformed()),
            }
        }
    }
    if mgf_hash != hash {
        return Err(SignatureError::Unsupported(format!(
            "PSS with MGF1/{mgf_hash} over {hash}"
        )));
    }
    Ok(SignatureAlgorithm::RsaPss { hash, salt_len })
}

fn hash_from_algorithm_identifier(der: &[u8]) -> Option<HashAlgorithm> {
    let alg = spki::AlgorithmIdentifierRef::from_der(der).ok()?;
    HashAlgorithm::from_oid(&alg.oid)
}

/// X9.62 `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`.
#[derive(Sequence)]
struct EcdsaSigValue<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

/// (r, s) from DER or plain r ‖ s: chips and SODs use both whatever their OID says (field notes:
/// Portugal answers AA in DER).
fn split_ecdsa_signature(signature: &[u8], scalar_len: usize) -> Option<(BigUint, BigUint)> {
    if signature.first() == Some(&0x30)
        && let Ok(sig) = EcdsaSigValue::from_der(signature)
    {
        return Some((
            BigUint::from_bytes_be(sig.r.as_bytes()),
            BigUint::from_bytes_be(sig.s.as_bytes()),
        ));
    }
    if signature.len() == 2 * scalar_len {
        let (r, s) = signature.split_at(scalar_len);
        return Some((BigUint::from_bytes_be(r), BigUint::from_bytes_be(s)));
    }
    None
}

fn verify_ecdsa(key: &EcKey, prehash: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
    let params = key.curve.params();
    let len = params.scalar_len();
    let (r, s) = split_ecdsa_signature(signature, len).ok_or(SignatureError::Malformed)?;
    if r.bits() > params.n.bits() || s.bits() > params.n.bits() {
        return Err(SignatureError::Invalid);
    }
    let fixed = |v: &BigUint| {
        let b = v.to_bytes_be();
        let mut out = vec![0u8; len.saturating_sub(b.len())];
        out.extend_from_slice(&b);
        out
    };
    let mut rs = fixed(&r);
    rs.extend(fixed(&s));
    let ok = match key.curve.named() {
        Some(NamedCurve::P256) => crate_verify::<p256::NistP256>(&key.point, prehash, &rs),
        Some(NamedCurve::P384) => crate_verify::<p384::NistP384>(&key.point, prehash, &rs),
        Some(NamedCurve::P521) => crate_verify::<p521::NistP521>(&key.point, prehash, &rs),
        Some(NamedCurve::BrainpoolP256r1) => {
            crate_verify::<bp256::BrainpoolP256r1>(&key.point, prehash, &rs)
        }
        Some(NamedCurve::BrainpoolP384r1) => {
            crate_verify::<bp384::BrainpoolP384r1>(&key.point, prehash, &rs)
        }
        Some(NamedCurve::BrainpoolP512r1) | None => params.verify_prehash(&key.q, prehash, &r, &s),
    };
    if ok {
        Ok(())
    } else {
        Err(SignatureError::Invalid)
    }
}

fn crate_verify<C>(point: &[u8], prehash: &[u8], rs: &[u8]) -> bool
where
    C: ecdsa::EcdsaCurve + ecdsa::elliptic_curve::CurveArithmetic,
    ecdsa::VerifyingKey<C>: ecdsa::signature::hazmat::PrehashVerifier<ecdsa::Signature<C>>,
    ecdsa::elliptic_curve::AffinePoint<C>:
        ecdsa::elliptic_curve::sec1::FromSec1Point<C> + ecdsa::elliptic_curve::sec1::ToSec1Point<C>,
    ecdsa::elliptic_curve::FieldBytesSize<C>: ecdsa::elliptic_curve::sec1::ModulusSize,
{
    use ecdsa::signature::hazmat::PrehashVerifier;
    let Ok(key) = ecdsa::VerifyingKey::<C>::from_sec1_bytes(point) else {
        return false;
    };
    let Ok(sig) = ecdsa::Signature::<C>::from_slice(rs) else {
        return false;
    };
    key.verify_prehash(prehash, &sig).is_ok()
}
