//! Elliptic-curve keys as they appear in eMRTD certificates and DG15, and ECDSA verification.
//!
//! ICAO Doc 9303-12 §4.4.4 lets a certificate carry its curve as *explicit parameters* (RFC 3279
//! §2.3.5 `ECParameters`) instead of a named-curve OID; many CSCAs do. We match explicit
//! parameters against the named curves and verify with that curve's constant-time crate. Curves
//! no crate covers (brainpoolP512r1, or parameters matching no named curve) are verified with the
//! generic short-Weierstrass code below: verification touches only public values, so
//! variable-time big-integer arithmetic is acceptable there.

use std::sync::OnceLock;

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, OctetStringRef, UintRef};
use der::{Decode, Sequence};
use num_bigint::BigUint;
use num_traits::{One, Zero};
use serde::Serialize;

use crate::oid;

/// A named curve: the ones ICAO Doc 9303-12 §4.4.4 and BSI TR-03111 list for eMRTDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum NamedCurve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// brainpoolP256r1 (RFC 5639).
    BrainpoolP256r1,
    /// brainpoolP384r1 (RFC 5639).
    BrainpoolP384r1,
    /// brainpoolP512r1 (RFC 5639).
    BrainpoolP512r1,
}

impl NamedCurve {
    /// Every named curve.
    pub const ALL: [NamedCurve; 6] = [
        NamedCurve::P256,
        NamedCurve::P384,
        NamedCurve::P521,
        NamedCurve::BrainpoolP256r1,
        NamedCurve::BrainpoolP384r1,
        NamedCurve::BrainpoolP512r1,
    ];

    /// The curve's OID.
    #[must_use]
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            NamedCurve::P256 => oid::SECP256R1,
            NamedCurve::P384 => oid::SECP384R1,
            NamedCurve::P521 => oid::SECP521R1,
            NamedCurve::BrainpoolP256r1 => oid::BRAINPOOL_P256R1,
            NamedCurve::BrainpoolP384r1 => oid::BRAINPOOL_P384R1,
            NamedCurve::BrainpoolP512r1 => oid::BRAINPOOL_P512R1,
        }
    }

    /// The named curve with this OID.
    #[must_use]
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<NamedCurve> {
        NamedCurve::ALL.into_iter().find(|c| c.oid() == *oid)
    }

    /// The curve's name in reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            NamedCurve::P256 => "P-256",
            NamedCurve::P384 => "P-384",
            NamedCurve::P521 => "P-521",
            NamedCurve::BrainpoolP256r1 => "brainpoolP256r1",
            NamedCurve::BrainpoolP384r1 => "brainpoolP384r1",
            NamedCurve::BrainpoolP512r1 => "brainpoolP512r1",
        }
    }

    /// The domain parameters (FIPS 186-5 / SEC 2 for NIST, RFC 5639 §3 for brainpool; checked
    /// against the RustCrypto crates and for consistency in the tests).
    #[must_use]
    pub fn params(self) -> &'static CurveParams {
        static TABLE: OnceLock<[CurveParams; 6]> = OnceLock::new();
        let t = TABLE.get_or_init(|| NAMED_HEX.each_ref().map(CurveParams::from_hex));
        match self {
            NamedCurve::P256 => &t[0],
            NamedCurve::P384 => &t[1],
            NamedCurve::P521 => &t[2],
            NamedCurve::BrainpoolP256r1 => &t[3],
            NamedCurve::BrainpoolP384r1 => &t[4],
            NamedCurve::BrainpoolP512r1 => &t[5],
        }
    }

    /// The named curve whose parameters equal `params`, if any.
    #[must_use]
    pub fn matching(params: &CurveParams) -> Option<NamedCurve> {
        NamedCurve::ALL
            .into_iter()
            .find(|c| c.params().same_curve(params))
    }
}

/// p, a, b, Gx, Gy, n in hex, in [`NamedCurve::ALL`] order (cofactor 1 for all).
const NAMED_HEX: [[&str; 6]; 6] = [
    [
        "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
        "ffffffff00000001000000000000000000000000fffffffffffffffffffffffc",
        "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
        "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
        "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
        "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
    ],
    [
        "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
        "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffc",
        "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
        "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
        "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f",
        "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
    ],
    [
        "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffc",
        "0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00",
        "00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66",
        "011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650",
        "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
    ],
    [
        "a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377",
        "7d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9",
        "26dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b6",
        "8bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262",
        "547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997",
        "a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7",
    ],
    [
        "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123acd3a729901d1a71874700133107ec53",
        "7bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f8aa5814a503ad4eb04a8c7dd22ce2826",
        "04a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d57cb4390295dbc9943ab78696fa504c11",
        "1d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8e826e03436d646aaef87b2e247d4af1e",
        "8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff99129280e4646217791811142820341263c5315",
        "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7cf3ab6af6b7fc3103b883202e9046565",
    ],
    [
        "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca703308717d4d9b009bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3",
        "7830a3318b603b89e2327145ac234cc594cbdd8d3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94ca",
        "3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94cadc083e67984050b75ebae5dd2809bd638016f723",
        "81aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098eff3b1f78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f822",
        "7dde385d566332ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111b2dcde494a5f485e5bca4bd88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892",
        "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330870553e5c414ca92619418661197fac10471db1d381085ddaddb58796829ca90069",
    ],
];

/// Short-Weierstrass domain parameters over a prime field: y² = x³ + ax + b (mod p), base point
/// G of prime order n.
#[derive(Clone, PartialEq, Eq)]
pub struct CurveParams {
    /// The field prime.
    pub p: BigUint,
    /// Coefficient a.
    pub a: BigUint,
    /// Coefficient b.
    pub b: BigUint,
    /// Base point x.
    pub gx: BigUint,
    /// Base point y.
    pub gy: BigUint,
    /// Order of the base point.
    pub n: BigUint,
}

impl std::fmt::Debug for CurveParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CurveParams({} bits)", self.p.bits())
    }
}

impl CurveParams {
    fn from_hex(h: &[&str; 6]) -> CurveParams {
        let n = |s: &str| BigUint::parse_bytes(s.as_bytes(), 16).unwrap_or_default();
        CurveParams {
            p: n(h[0]),
            a: n(h[1]),
            b: n(h[2]),
            gx: n(h[3]),
            gy: n(h[4]),
            n: n(h[5]),
        }
    }

    /// Same curve and base point (a and b compared modulo p: encoders differ in leading zeros and
    /// some write a as p − 3's residue).
    fn same_curve(&self, other: &CurveParams) -> bool {
        self.p == other.p
            && self.a == &other.a % &self.p
            && self.b == &other.b % &self.p
            && self.gx == other.gx
            && self.gy == other.gy
            && self.n == other.n
    }

    /// Size of a field element in bytes.
    #[must_use]
    pub fn field_len(&self) -> usize {
        usize::try_from(self.p.bits().div_ceil(8)).unwrap_or(usize::MAX)
    }

    /// Size of a scalar (mod n) in bytes.
    #[must_use]
    pub fn scalar_len(&self) -> usize {
        usize::try_from(self.n.bits().div_ceil(8)).unwrap_or(usize::MAX)
    }

    /// Structural sanity: p and n odd and > 3, a, b, G reduced, G on the curve. Keeps hostile
    /// explicit parameters from driving the arithmetic into nonsense.
    fn is_sane(&self) -> bool {
        let three = BigUint::from(3u8);
        self.p > three
            && self.n > three
            && self.p.bit(0)
            && self.n.bit(0)
            && self.p.bits() <= 1024
            && self.a < self.p
            && self.b < self.p
            && self.on_curve(&self.gx, &self.gy)
    }

    fn on_curve(&self, x: &BigUint, y: &BigUint) -> bool {
        if x >= &self.p || y >= &self.p {
            return false;
        }
        let lhs = (y * y) % &self.p;
        let rhs = (x * x * x + &self.a * x + &self.b) % &self.p;
        lhs == rhs
    }

    /// Decodes a SEC 1 §2.3.4 point (uncompressed, or compressed where p ≡ 3 mod 4) and checks it
    /// is on the curve and not the identity.
    pub fn decode_point(&self, bytes: &[u8]) -> Option<(BigUint, BigUint)> {
        let len = self.field_len();
        let (&first, rest) = bytes.split_first()?;
        match first {
            0x04 if rest.len() == 2 * len => {
                let (xb, yb) = rest.split_at(len);
                let x = BigUint::from_bytes_be(xb);
                let y = BigUint::from_bytes_be(yb);
                self.on_curve(&x, &y).then_some((x, y))
            }
            0x02 | 0x03 if rest.len() == len => {
                let x = BigUint::from_bytes_be(rest);
                if x >= self.p || &self.p % 4u8 != BigUint::from(3u8) {
                    return None;
                }
                let rhs = (&x * &x * &x + &self.a * &x + &self.b) % &self.p;
                let exp = (&self.p + 1u8) >> 2;
                let mut y = rhs.modpow(&exp, &self.p);
                if (&y * &y) % &self.p != rhs {
                    return None;
                }
                if y.bit(0) != (first == 0x03) {
                    y = &self.p - &y;
                }
                self.on_curve(&x, &y).then_some((x, y))
            }
            _ => None,
        }
    }

    /// ECDSA verification (SEC 1 §4.1.4) of `(r, s)` over the hash `prehash`.
    #[must_use]
    pub fn verify_prehash(
        &self,
        q: &(BigUint, BigUint),
        prehash: &[u8],
        r: &BigUint,
        s: &BigUint,
    ) -> bool {
        let n = &self.n;
        if r.is_zero() || s.is_zero() || r >= n || s >= n {
            return false;
        }
        let e = self.hash_to_int(prehash);
        let n_minus_2 = n - 2u8;
        let w = s.modpow(&n_minus_2, n);
        let u1 = (&e * &w) % n;
        let u2 = (r * &w) % n;
        let g = Jacobian::from_affine(&self.gx, &self.gy);
        let qj = Jacobian::from_affine(&q.0, &q.1);
        let sum = self.shamir(&u1, &g, &u2, &qj);
        match self.to_affine(&sum) {
            Some((x, _)) => &x % n == *r,
            None => false,
        }
    }

    /// The leftmost bits of the hash, as many as n has (SEC 1 §4.1.3 step 5).
    fn hash_to_int(&self, prehash: &[u8]) -> BigUint {
        let e = BigUint::from_bytes_be(prehash);
        let hash_bits = u64::try_from(prehash.len())
            .unwrap_or(u64::MAX)
            .saturating_mul(8);
        let n_bits = self.n.bits();
        if hash_bits > n_bits {
            e >> (hash_bits - n_bits)
        } else {
            e
        }
    }

    fn sub(&self, a: &BigUint, b: &BigUint) -> BigUint {
        ((a + &self.p) - b) % &self.p
    }

    fn double(&self, pt: &Jacobian) -> Jacobian {
        if pt.is_identity() || pt.y.is_zero() {
            return Jacobian::identity();
        }
        let p = &self.p;
        let xx = (&pt.x * &pt.x) % p;
        let yy = (&pt.y * &pt.y) % p;
        let yyyy = (&yy * &yy) % p;
        let zz = (&pt.z * &pt.z) % p;
        let s = (BigUint::from(4u8) * &pt.x * &yy) % p;
        let m = (BigUint::from(3u8) * &xx + &self.a * ((&zz * &zz) % p)) % p;
        let x3 = self.sub(&((&m * &m) % p), &((&s << 1u8) % p));
        let y3 = self.sub(
            &((&m * self.sub(&s, &x3)) % p),
            &((BigUint::from(8u8) * &yyyy) % p),
        );
        let z3 = (BigUint::from(2u8) * &pt.y * &pt.z) % p;
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    fn add(&self, a: &Jacobian, b: &Jacobian) -> Jacobian {
        if a.is_identity() {
            return b.clone();
        }
        if b.is_identity() {
            return a.clone();
        }
        let p = &self.p;
        let z1z1 = (&a.z * &a.z) % p;
        let z2z2 = (&b.z * &b.z) % p;
        let u1 = (&a.x * &z2z2) % p;
        let u2 = (&b.x * &z1z1) % p;
        let s1 = (&a.y * &b.z * &z2z2) % p;
        let s2 = (&b.y * &a.z * &z1z1) % p;
        if u1 == u2 {
            return if s1 == s2 {
                self.double(a)
            } else {
                Jacobian::identity()
            };
        }
        let h = self.sub(&u2, &u1);
        let r = self.sub(&s2, &s1);
        let hh = (&h * &h) % p;
        let hhh = (&hh * &h) % p;
        let u1hh = (&u1 * &hh) % p;
        let x3 = self.sub(&self.sub(&((&r * &r) % p), &hhh), &((&u1hh << 1u8) % p));
        let y3 = self.sub(&((&r * self.sub(&u1hh, &x3)) % p), &((&s1 * &hhh) % p));
        let z3 = (&h * &a.z * &b.z) % p;
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// u1·G + u2·Q in one pass (Shamir's trick).
    fn shamir(&self, u1: &BigUint, g: &Jacobian, u2: &BigUint, q: &Jacobian) -> Jacobian {
        let gq = self.add(g, q);
        let bits = u1.bits().max(u2.bits());
        let mut acc = Jacobian::identity();
        for i in (0..bits).rev() {
            acc = self.double(&acc);
            acc = match (u1.bit(i), u2.bit(i)) {
                (true, true) => self.add(&acc, &gq),
                (true, false) => self.add(&acc, g),
                (false, true) => self.add(&acc, q),
                (false, false) => acc,
            };
        }
        acc
    }

    fn to_affine(&self, pt: &Jacobian) -> Option<(BigUint, BigUint)> {
        if pt.is_identity() {
            return None;
        }
        let p = &self.p;
        let zinv = pt.z.modpow(&(p - 2u8), p);
        let zinv2 = (&zinv * &zinv) % p;
        let x = (&pt.x * &zinv2) % p;
        let y = (&pt.y * &zinv2 * &zinv) % p;
        Some((x, y))
    }

    /// k·G, for tests that sign on curves without a crate.
    #[cfg(test)]
    pub(crate) fn mul_base(&self, k: &BigUint) -> Option<(BigUint, BigUint)> {
        let g = Jacobian::from_affine(&self.gx, &self.gy);
        self.to_affine(&self.shamir(k, &g, &BigUint::zero(), &Jacobian::identity()))
    }

    /// n·G, which must be the identity.
    #[cfg(test)]
    pub(crate) fn order_times_base_is_identity(&self) -> bool {
        let g = Jacobian::from_affine(&self.gx, &self.gy);
        self.shamir(&self.n, &g, &BigUint::zero(), &Jacobian::identity())
            .is_identity()
    }
}

#[derive(Clone)]
struct Jacobian {
    x: BigUint,
    y: BigUint,
    z: BigUint,
}

impl Jacobian {
    fn identity() -> Jacobian {
        Jacobian {
            x: BigUint::one(),
            y: BigUint::one(),
            z: BigUint::zero(),
        }
    }
    fn from_affine(x: &BigUint, y: &BigUint) -> Jacobian {
        Jacobian {
            x: x.clone(),
            y: y.clone(),
            z: BigUint::one(),
        }
    }
    fn is_identity(&self) -> bool {
        self.z.is_zero()
    }
}

/// RFC 3279 §2.3.5 / SEC 1 §C.2:
/// ```text
/// ECParameters ::= SEQUENCE {
///    version   INTEGER { ecpVer1(1) },
///    fieldID   FieldID,            -- SEQUENCE { prime-field OID, p INTEGER }
///    curve     Curve,              -- SEQUENCE { a OCTET STRING, b OCTET STRING, seed BIT STRING OPTIONAL }
///    base      ECPoint,            -- OCTET STRING
///    order     INTEGER,
///    cofactor  INTEGER OPTIONAL }
/// ```
#[derive(Sequence)]
struct SpecifiedEcDomain<'a> {
    version: UintRef<'a>,
    field_id: FieldId<'a>,
    curve: CurveCoefficients<'a>,
    base: &'a OctetStringRef,
    order: UintRef<'a>,
    cofactor: Option<UintRef<'a>>,
}

#[derive(Sequence)]
struct FieldId<'a> {
    field_type: ObjectIdentifier,
    parameters: AnyRef<'a>,
}

#[derive(Sequence)]
struct CurveCoefficients<'a> {
    a: &'a OctetStringRef,
    b: &'a OctetStringRef,
    seed: Option<BitStringRef<'a>>,
}

/// Where a key's curve came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CurveSource {
    /// A named-curve OID.
    Named(NamedCurve),
    /// Explicit parameters equal to a named curve's.
    ExplicitNamed(NamedCurve),
    /// Explicit parameters matching no named curve (verified generically).
    ExplicitUnnamed(Box<CurveParams>),
}

impl CurveSource {
    /// The named curve, if known.
    #[must_use]
    pub fn named(&self) -> Option<NamedCurve> {
        match self {
            CurveSource::Named(c) | CurveSource::ExplicitNamed(c) => Some(*c),
            CurveSource::ExplicitUnnamed(_) => None,
        }
    }

    /// The domain parameters.
    #[must_use]
    pub fn params(&self) -> &CurveParams {
        match self {
            CurveSource::Named(c) | CurveSource::ExplicitNamed(c) => c.params(),
            CurveSource::ExplicitUnnamed(p) => p,
        }
    }

    /// Whether the certificate spelled the parameters out.
    #[must_use]
    pub fn is_explicit(&self) -> bool {
        !matches!(self, CurveSource::Named(_))
    }

    /// Name for reports: the curve's name, or `explicit-NNN-bit`.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            CurveSource::Named(c) | CurveSource::ExplicitNamed(c) => c.name().to_owned(),
            CurveSource::ExplicitUnnamed(p) => format!("explicit-{}-bit", p.p.bits()),
        }
    }
}

/// Why EC parameters could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CurveError {
    /// A named-curve OID we do not support.
    UnknownCurve(ObjectIdentifier),
    /// Parameters absent, `implicitlyCA`, or a characteristic-two field.
    Unsupported(&'static str),
    /// Parameters that do not decode or describe no usable curve.
    Malformed(&'static str),
}

/// Reads the `parameters` of an id-ecPublicKey AlgorithmIdentifier (RFC 5480 `ECParameters`
/// CHOICE: namedCurve OID, or specifiedCurve per RFC 3279).
pub fn curve_from_parameters(params: Option<&[u8]>) -> Result<CurveSource, CurveError> {
    let bytes = params.ok_or(CurveError::Unsupported("ec_parameters_absent"))?;
    match bytes.first() {
        Some(0x06) => {
            let oid = ObjectIdentifier::from_der(bytes)
                .map_err(|_| CurveError::Malformed("ec_curve_oid"))?;
            NamedCurve::from_oid(&oid)
                .map(CurveSource::Named)
                .ok_or(CurveError::UnknownCurve(oid))
        }
        Some(0x05) => Err(CurveError::Unsupported("ec_implicitly_ca")),
        Some(0x30) => {
            let spec = SpecifiedEcDomain::from_der(bytes)
                .map_err(|_| CurveError::Malformed("ec_explicit_parameters"))?;
            if spec.field_id.field_type != oid::PRIME_FIELD {
                return Err(CurveError::Unsupported("ec_characteristic_two_field"));
            }
            if spec.version.as_bytes() != [1] {
                return Err(CurveError::Malformed("ec_parameters_version"));
            }
            let p = spec
                .field_id
                .parameters
                .decode_as::<UintRef<'_>>()
                .map_err(|_| CurveError::Malformed("ec_field_prime"))?;
            let p = BigUint::from_bytes_be(p.as_bytes());
            if p.bits() < 160 {
                return Err(CurveError::Malformed("ec_field_too_small"));
            }
            let draft = CurveParams {
                a: BigUint::from_bytes_be(spec.curve.a.as_bytes()) % &p,
                b: BigUint::from_bytes_be(spec.curve.b.as_bytes()) % &p,
                gx: BigUint::zero(),
                gy: BigUint::zero(),
                n: BigUint::from_bytes_be(spec.order.as_bytes()),
                p,
            };
            // The base point is checked against a, b and p (G itself is not needed for that).
            let (gx, gy) = draft
                .decode_point(spec.base.as_bytes())
                .ok_or(CurveError::Malformed("ec_base_point"))?;
            let params = CurveParams { gx, gy, ..draft };
            if let Some(h) = &spec.cofactor
                && h.as_bytes() != [1]
            {
                return Err(CurveError::Unsupported("ec_cofactor_not_one"));
            }
            if !params.is_sane() {
                return Err(CurveError::Malformed("ec_parameters_inconsistent"));
            }
            Ok(match NamedCurve::matching(&params) {
                Some(named) => CurveSource::ExplicitNamed(named),
                None => CurveSource::ExplicitUnnamed(Box::new(params)),
            })
        }
        _ => Err(CurveError::Malformed("ec_parameters")),
    }
}

/// The DER encoding of `params` as RFC 3279 explicit parameters (for building test
/// certificates that carry them, as real CSCAs do).
#[must_use]
pub fn explicit_parameters_der(curve: NamedCurve) -> Vec<u8> {
    use der::Encode;
    let params = curve.params();
    let len = params.field_len();
    let fixed = |v: &BigUint| {
        let b = v.to_bytes_be();
        let mut out = vec![0u8; len.saturating_sub(b.len())];
        out.extend_from_slice(&b);
        out
    };
    let p_bytes = params.p.to_bytes_be();
    let n_bytes = params.n.to_bytes_be();
    let a = fixed(&params.a);
    let b = fixed(&params.b);
    let mut base = vec![0x04];
    base.extend(fixed(&params.gx));
    base.extend(fixed(&params.gy));
    let p_uint = UintRef::new(&p_bytes).ok();
    let encoded_p = p_uint.and_then(|u| u.to_der().ok()).unwrap_or_default();
    let (Ok(a), Ok(b), Ok(base), Ok(order), Ok(version), Ok(one), Ok(field)) = (
        OctetStringRef::new(&a),
        OctetStringRef::new(&b),
        OctetStringRef::new(&base),
        UintRef::new(&n_bytes),
        UintRef::new(&[1]),
        UintRef::new(&[1]),
        AnyRef::from_der(&encoded_p),
    ) else {
        return Vec::new();
    };
    SpecifiedEcDomain {
        version,
        field_id: FieldId {
            field_type: oid::PRIME_FIELD,
            parameters: field,
        },
        curve: CurveCoefficients { a, b, seed: None },
        base,
        order,
        cofactor: Some(one),
    }
    .to_der()
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_curve_is_consistent() {
        for c in NamedCurve::ALL {
            let p = c.params();
            assert!(p.is_sane(), "{c:?}");
            assert!(p.order_times_base_is_identity(), "{c:?}");
        }
    }

    #[test]
    fn explicit_parameters_round_trip_to_the_named_curve() {
        for c in NamedCurve::ALL {
            let der = explicit_parameters_der(c);
            assert_eq!(
                curve_from_parameters(Some(&der)),
                Ok(CurveSource::ExplicitNamed(c))
            );
        }
    }

    #[test]
    fn generic_ecdsa_signs_and_verifies_on_brainpool_p512() {
        let curve = NamedCurve::BrainpoolP512r1.params();
        let d = BigUint::from_bytes_be(b"a private key only a test would use");
        let q = curve.mul_base(&d).unwrap();
        let hash = crate::hash::HashAlgorithm::Sha512.digest(b"message");
        let (r, s) = sign_for_test(curve, &d, &BigUint::from(123_456_789u64), &hash);
        assert!(curve.verify_prehash(&q, &hash, &r, &s));
        let other = crate::hash::HashAlgorithm::Sha512.digest(b"messagf");
        assert!(!curve.verify_prehash(&q, &other, &r, &s));
        assert!(!curve.verify_prehash(&q, &hash, &s, &r));
    }

    #[test]
    fn generic_ecdsa_agrees_with_the_p256_crate() {
        use p256::ecdsa::signature::hazmat::PrehashSigner;
        let sk = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let point = sk.verifying_key().to_sec1_point(false);
        let curve = NamedCurve::P256.params();
        let q = curve.decode_point(point.as_bytes()).unwrap();
        let hash = crate::hash::HashAlgorithm::Sha256.digest(b"abc");
        let sig: p256::ecdsa::Signature = sk.sign_prehash(&hash).unwrap();
        let (r, s) = sig.split_bytes();
        let r = BigUint::from_bytes_be(&r);
        let s = BigUint::from_bytes_be(&s);
        assert!(curve.verify_prehash(&q, &hash, &r, &s));
        // Compressed form decodes to the same point.
        let compressed = sk.verifying_key().to_sec1_point(true);
        assert_eq!(curve.decode_point(compressed.as_bytes()), Some(q));
    }

    /// Textbook ECDSA signing with a given nonce: test fixtures only.
    pub(crate) fn sign_for_test(
        curve: &CurveParams,
        d: &BigUint,
        k: &BigUint,
        hash: &[u8],
    ) -> (BigUint, BigUint) {
        let n = &curve.n;
        let (x, _) = curve.mul_base(k).unwrap();
        let r = x % n;
        let e = curve.hash_to_int(hash);
        let kinv = k.modpow(&(n - 2u8), n);
        let s = (kinv * ((e + &r * d) % n)) % n;
        (r, s)
    }
}
