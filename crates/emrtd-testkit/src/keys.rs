//! Test keys: generated from a seed, cached per (kind, seed) so a test run makes each RSA key once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use ecdsa::signature::hazmat::PrehashSigner;
use emrtd::HashAlgorithm;
use emrtd::crypto::NamedCurve;
use emrtd::oid as o;
use num_bigint::BigUint;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use crate::der_out::*;

/// A deterministic CSPRNG for fixtures: SHA-256 in counter mode over a seed. Reproducible tests,
/// never for real keys.
#[derive(Debug, Clone)]
pub struct SeededRng {
    seed: [u8; 32],
    counter: u64,
    buf: Vec<u8>,
}

impl SeededRng {
    /// A generator for `label` and `seed`.
    pub fn new(label: &str, seed: u64) -> SeededRng {
        let mut h = Sha256::new();
        h.update(label.as_bytes());
        h.update(seed.to_be_bytes());
        SeededRng {
            seed: h.finalize().into(),
            counter: 0,
            buf: Vec::new(),
        }
    }

    fn refill(&mut self) {
        let mut h = Sha256::new();
        h.update(self.seed);
        h.update(self.counter.to_be_bytes());
        self.counter += 1;
        self.buf.extend_from_slice(&h.finalize());
    }
}

impl rand_core::TryRng for SeededRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        while self.buf.len() < dst.len() {
            self.refill();
        }
        let rest = self.buf.split_off(dst.len());
        dst.copy_from_slice(&self.buf);
        self.buf = rest;
        Ok(())
    }
}

impl rand_core::TryCryptoRng for SeededRng {}

/// Key types the test PKI can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// RSA 1024 (old AA keys).
    Rsa1024,
    /// RSA 2048.
    Rsa2048,
    /// RSA 3072.
    Rsa3072,
    /// ECDSA NIST P-256.
    EcP256,
    /// ECDSA NIST P-384.
    EcP384,
    /// ECDSA brainpoolP256r1.
    EcBrainpoolP256r1,
    /// ECDSA brainpoolP384r1.
    EcBrainpoolP384r1,
}

impl KeyKind {
    fn curve(self) -> Option<NamedCurve> {
        match self {
            KeyKind::EcP256 => Some(NamedCurve::P256),
            KeyKind::EcP384 => Some(NamedCurve::P384),
            KeyKind::EcBrainpoolP256r1 => Some(NamedCurve::BrainpoolP256r1),
            KeyKind::EcBrainpoolP384r1 => Some(NamedCurve::BrainpoolP384r1),
            _ => None,
        }
    }

    /// The scheme this key signs with by default.
    pub fn default_scheme(self) -> SigScheme {
        match self {
            KeyKind::Rsa1024 | KeyKind::Rsa2048 | KeyKind::Rsa3072 => {
                SigScheme::RsaPkcs1v15(HashAlgorithm::Sha256)
            }
            KeyKind::EcP384 | KeyKind::EcBrainpoolP384r1 => SigScheme::Ecdsa(HashAlgorithm::Sha384),
            _ => SigScheme::Ecdsa(HashAlgorithm::Sha256),
        }
    }
}

/// How a key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigScheme {
    /// RSASSA-PKCS1-v1_5 with `shaNNNWithRSAEncryption`.
    RsaPkcs1v15(HashAlgorithm),
    /// RSASSA-PSS, MGF1 with the same hash, salt = hash length.
    RsaPss(HashAlgorithm),
    /// ECDSA, DER signature, `ecdsa-with-SHANNN`.
    Ecdsa(HashAlgorithm),
}

impl SigScheme {
    /// The hash.
    pub fn hash(self) -> HashAlgorithm {
        match self {
            SigScheme::RsaPkcs1v15(h) | SigScheme::RsaPss(h) | SigScheme::Ecdsa(h) => h,
        }
    }

    /// The AlgorithmIdentifier DER.
    pub fn algorithm_identifier(self) -> Vec<u8> {
        use HashAlgorithm::*;
        match self {
            SigScheme::RsaPkcs1v15(h) => {
                let oid = match h {
                    Sha1 => o::SHA1_WITH_RSA,
                    Sha224 => o::SHA224_WITH_RSA,
                    Sha256 => o::SHA256_WITH_RSA,
                    Sha384 => o::SHA384_WITH_RSA,
                    Sha512 => o::SHA512_WITH_RSA,
                };
                alg(&oid, Some(&null()))
            }
            SigScheme::RsaPss(h) => {
                let hash_alg = alg(&h.oid(), Some(&null()));
                let mgf = alg(&o::MGF1, Some(&hash_alg));
                let params = seq(&[
                    &explicit(0, &hash_alg),
                    &explicit(1, &mgf),
                    &explicit(2, &int(h.output_len() as u64)),
                ]);
                alg(&o::RSASSA_PSS, Some(&params))
            }
            SigScheme::Ecdsa(h) => {
                let oid = match h {
                    Sha1 => o::ECDSA_WITH_SHA1,
                    Sha224 => o::ECDSA_WITH_SHA224,
                    Sha256 => o::ECDSA_WITH_SHA256,
                    Sha384 => o::ECDSA_WITH_SHA384,
                    Sha512 => o::ECDSA_WITH_SHA512,
                };
                alg(&oid, None)
            }
        }
    }
}

#[derive(Debug)]
enum Private {
    Rsa(rsa::RsaPrivateKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Bp256(ecdsa::SigningKey<bp256::BrainpoolP256r1>),
    Bp384(ecdsa::SigningKey<bp384::BrainpoolP384r1>),
}

/// A private key for fixtures.
#[derive(Debug, Clone)]
pub struct TestKey {
    kind: KeyKind,
    private: Arc<Private>,
}

fn cache() -> &'static Mutex<HashMap<(KeyKind, u64), TestKey>> {
    static CACHE: OnceLock<Mutex<HashMap<(KeyKind, u64), TestKey>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

impl TestKey {
    /// The key of `kind` for `seed` (the same seed gives the same key within a run).
    pub fn generate(kind: KeyKind, seed: u64) -> TestKey {
        if let Some(k) = cache().lock().unwrap().get(&(kind, seed)) {
            return k.clone();
        }
        let mut rng = SeededRng::new(&format!("{kind:?}"), seed);
        let scalar = |len: usize, rng: &mut SeededRng| {
            let mut b = vec![0u8; len];
            rand_core::Rng::fill_bytes(rng, &mut b);
            b[0] &= 0x7F; // below every curve order of this size
            b[0] |= 0x01;
            b
        };
        let private = match kind {
            KeyKind::Rsa1024 => Private::Rsa(rsa::RsaPrivateKey::new(&mut rng, 1024).unwrap()),
            KeyKind::Rsa2048 => Private::Rsa(rsa::RsaPrivateKey::new(&mut rng, 2048).unwrap()),
            KeyKind::Rsa3072 => Private::Rsa(rsa::RsaPrivateKey::new(&mut rng, 3072).unwrap()),
            KeyKind::EcP256 => {
                Private::P256(p256::ecdsa::SigningKey::from_slice(&scalar(32, &mut rng)).unwrap())
            }
            KeyKind::EcP384 => {
                Private::P384(p384::ecdsa::SigningKey::from_slice(&scalar(48, &mut rng)).unwrap())
            }
            KeyKind::EcBrainpoolP256r1 => {
                Private::Bp256(ecdsa::SigningKey::from_slice(&scalar(32, &mut rng)).unwrap())
            }
            KeyKind::EcBrainpoolP384r1 => {
                Private::Bp384(ecdsa::SigningKey::from_slice(&scalar(48, &mut rng)).unwrap())
            }
        };
        let key = TestKey {
            kind,
            private: Arc::new(private),
        };
        cache().lock().unwrap().insert((kind, seed), key.clone());
        key
    }

    /// The key type.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The public point (EC) in SEC 1 uncompressed form.
    fn ec_point(&self) -> Option<Vec<u8>> {
        Some(match &*self.private {
            Private::P256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Private::P384(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Private::Bp256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Private::Bp384(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Private::Rsa(_) => return None,
        })
    }

    /// The subjectPublicKey BIT STRING content (what SKI hashes).
    pub fn public_key_bits(&self) -> Vec<u8> {
        match &*self.private {
            Private::Rsa(k) => seq(&[
                &uint(&k.n().as_ref().to_be_bytes()),
                &uint(&k.e().to_be_bytes()),
            ]),
            _ => self.ec_point().unwrap_or_default(),
        }
    }

    /// SubjectPublicKeyInfo DER, with a named curve for EC keys.
    pub fn spki_der(&self) -> Vec<u8> {
        self.spki(false)
    }

    /// SubjectPublicKeyInfo DER with RFC 3279 explicit curve parameters (EC keys; RSA keys are
    /// unchanged), as many CSCAs write them.
    pub fn spki_der_explicit(&self) -> Vec<u8> {
        self.spki(true)
    }

    fn spki(&self, explicit: bool) -> Vec<u8> {
        let algorithm = match self.kind.curve() {
            None => alg(&o::RSA_ENCRYPTION, Some(&null())),
            Some(c) if explicit => alg(
                &o::EC_PUBLIC_KEY,
                Some(&emrtd::crypto::ec::explicit_parameters_der(c)),
            ),
            Some(c) => alg(&o::EC_PUBLIC_KEY, Some(&oid(&c.oid()))),
        };
        seq(&[&algorithm, &bits(&self.public_key_bits())])
    }

    /// SHA-1 of the public key bits (RFC 5280 §4.2.1.2 method 1).
    pub fn key_id(&self) -> Vec<u8> {
        Sha1::digest(self.public_key_bits()).to_vec()
    }

    /// Signs `message` with `scheme` (DER signature for ECDSA).
    pub fn sign(&self, scheme: SigScheme, message: &[u8]) -> Vec<u8> {
        let hash = scheme.hash().digest(message);
        match (&*self.private, scheme) {
            (Private::Rsa(k), SigScheme::RsaPkcs1v15(h)) => {
                let padding = match h {
                    HashAlgorithm::Sha1 => rsa::Pkcs1v15Sign::new::<Sha1>(),
                    HashAlgorithm::Sha224 => rsa::Pkcs1v15Sign::new::<Sha224>(),
                    HashAlgorithm::Sha256 => rsa::Pkcs1v15Sign::new::<Sha256>(),
                    HashAlgorithm::Sha384 => rsa::Pkcs1v15Sign::new::<Sha384>(),
                    HashAlgorithm::Sha512 => rsa::Pkcs1v15Sign::new::<Sha512>(),
                };
                k.sign(padding, &hash).unwrap()
            }
            (Private::Rsa(k), SigScheme::RsaPss(h)) => {
                let mut rng = SeededRng::new("pss", hash.len() as u64);
                match h {
                    HashAlgorithm::Sha1 => {
                        k.sign_with_rng(&mut rng, rsa::Pss::<Sha1>::new(), &hash)
                    }
                    HashAlgorithm::Sha224 => {
                        k.sign_with_rng(&mut rng, rsa::Pss::<Sha224>::new(), &hash)
                    }
                    HashAlgorithm::Sha256 => {
                        k.sign_with_rng(&mut rng, rsa::Pss::<Sha256>::new(), &hash)
                    }
                    HashAlgorithm::Sha384 => {
                        k.sign_with_rng(&mut rng, rsa::Pss::<Sha384>::new(), &hash)
                    }
                    HashAlgorithm::Sha512 => {
                        k.sign_with_rng(&mut rng, rsa::Pss::<Sha512>::new(), &hash)
                    }
                }
                .unwrap()
            }
            (_, SigScheme::Ecdsa(_)) => {
                let (r, s) = self.ecdsa_rs(&hash);
                seq(&[&uint(&r), &uint(&s)])
            }
            (_, other) => panic!("{other:?} does not fit a {:?} key", self.kind),
        }
    }

    /// ECDSA over a prehash, plain r ‖ s (BSI TR-03111), as chips answer Active Authentication.
    pub fn sign_plain(&self, hash: HashAlgorithm, message: &[u8]) -> Vec<u8> {
        let (r, s) = self.ecdsa_rs(&hash.digest(message));
        [r, s].concat()
    }

    fn ecdsa_rs(&self, prehash: &[u8]) -> (Vec<u8>, Vec<u8>) {
        fn split<C: ecdsa::EcdsaCurve>(sig: ecdsa::Signature<C>) -> (Vec<u8>, Vec<u8>)
        where
            ecdsa::SignatureSize<C>: ecdsa::elliptic_curve::array::ArraySize,
        {
            let (r, s) = sig.split_bytes();
            (r.to_vec(), s.to_vec())
        }
        match &*self.private {
            Private::P256(k) => split::<p256::NistP256>(k.sign_prehash(prehash).unwrap()),
            Private::P384(k) => split::<p384::NistP384>(k.sign_prehash(prehash).unwrap()),
            Private::Bp256(k) => split::<bp256::BrainpoolP256r1>(k.sign_prehash(prehash).unwrap()),
            Private::Bp384(k) => split::<bp384::BrainpoolP384r1>(k.sign_prehash(prehash).unwrap()),
            Private::Rsa(_) => panic!("ECDSA with an RSA key"),
        }
    }

    /// The raw RSA private operation m^d mod n, for ISO/IEC 9796-2 responses.
    pub fn rsa_private_raw(&self, m: &BigUint) -> (BigUint, usize) {
        let Private::Rsa(k) = &*self.private else {
            panic!("not an RSA key")
        };
        let n = BigUint::from_bytes_be(&k.n().as_ref().to_be_bytes());
        let d = BigUint::from_bytes_be(&k.d().to_be_bytes());
        let len = usize::try_from(n.bits().div_ceil(8)).unwrap();
        (m.modpow(&d, &n), len)
    }

    /// The RSA modulus size in bytes.
    pub fn rsa_len(&self) -> usize {
        let Private::Rsa(k) = &*self.private else {
            panic!("not an RSA key")
        };
        k.size()
    }
}
