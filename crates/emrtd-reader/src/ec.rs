//! Elliptic-curve operations PACE and Chip Authentication need, over the curves real passports
//! use (NIST P-256/P-384, brainpoolP256r1/P384r1), on SEC 1 encoded points. Constant-time
//! arithmetic from the RustCrypto curve crates; secrets are zeroized.

use elliptic_curve::Generate as _;
use elliptic_curve::group::{Curve as _, Group as _};
use elliptic_curve::ops::Reduce;
use elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use elliptic_curve::{
    AffinePoint, CurveArithmetic, FieldBytes, FieldBytesSize, NonZeroScalar, ProjectivePoint,
    PublicKey, Scalar,
};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::Error;

/// A curve of the standardized domain parameters we implement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256 (parameter id 12).
    P256,
    /// NIST P-384 (15).
    P384,
    /// brainpoolP256r1 (13).
    BrainpoolP256r1,
    /// brainpoolP384r1 (16).
    BrainpoolP384r1,
}

impl Curve {
    /// From a standardized domain parameter id (ICAO 9303-11 Table 6).
    pub fn from_parameter_id(id: u32) -> Result<Curve, Error> {
        match id {
            12 => Ok(Curve::P256),
            13 => Ok(Curve::BrainpoolP256r1),
            15 => Ok(Curve::P384),
            16 => Ok(Curve::BrainpoolP384r1),
            other => Err(Error::Unsupported(format!(
                "standardized domain parameters {other}"
            ))),
        }
    }

    /// From a named curve.
    pub fn from_named(c: emrtd::crypto::NamedCurve) -> Result<Curve, Error> {
        use emrtd::crypto::NamedCurve as N;
        match c {
            N::P256 => Ok(Curve::P256),
            N::P384 => Ok(Curve::P384),
            N::BrainpoolP256r1 => Ok(Curve::BrainpoolP256r1),
            N::BrainpoolP384r1 => Ok(Curve::BrainpoolP384r1),
            other => Err(Error::Unsupported(format!(
                "curve {} for key agreement",
                other.name()
            ))),
        }
    }

    /// The standardized parameter id.
    #[must_use]
    pub fn parameter_id(self) -> u32 {
        match self {
            Curve::P256 => 12,
            Curve::BrainpoolP256r1 => 13,
            Curve::P384 => 15,
            Curve::BrainpoolP384r1 => 16,
        }
    }

    /// The generator, SEC 1 uncompressed.
    #[must_use]
    pub fn generator(self) -> Vec<u8> {
        match self {
            Curve::P256 => generator::<p256::NistP256>(),
            Curve::P384 => generator::<p384::NistP384>(),
            Curve::BrainpoolP256r1 => generator::<bp256::BrainpoolP256r1>(),
            Curve::BrainpoolP384r1 => generator::<bp384::BrainpoolP384r1>(),
        }
    }

    /// A fresh key pair on generator `g`: (secret scalar bytes, public point).
    pub fn keypair<R: CryptoRng + ?Sized>(
        self,
        rng: &mut R,
        g: &[u8],
    ) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), Error> {
        match self {
            Curve::P256 => keypair::<p256::NistP256, R>(rng, g),
            Curve::P384 => keypair::<p384::NistP384, R>(rng, g),
            Curve::BrainpoolP256r1 => keypair::<bp256::BrainpoolP256r1, R>(rng, g),
            Curve::BrainpoolP384r1 => keypair::<bp384::BrainpoolP384r1, R>(rng, g),
        }
    }

    /// k·P for a scalar k (big-endian, reduced mod n) and a point P (checked on the curve).
    pub fn mul(self, k: &[u8], p: &[u8]) -> Result<Vec<u8>, Error> {
        match self {
            Curve::P256 => mul::<p256::NistP256>(k, p),
            Curve::P384 => mul::<p384::NistP384>(k, p),
            Curve::BrainpoolP256r1 => mul::<bp256::BrainpoolP256r1>(k, p),
            Curve::BrainpoolP384r1 => mul::<bp384::BrainpoolP384r1>(k, p),
        }
    }

    /// The Generic Mapping (ICAO 9303-11 §4.4.3.3.1): G' = s·G + H.
    pub fn map_generator(self, s: &[u8], h: &[u8]) -> Result<Vec<u8>, Error> {
        match self {
            Curve::P256 => map::<p256::NistP256>(s, h),
            Curve::P384 => map::<p384::NistP384>(s, h),
            Curve::BrainpoolP256r1 => map::<bp256::BrainpoolP256r1>(s, h),
            Curve::BrainpoolP384r1 => map::<bp384::BrainpoolP384r1>(s, h),
        }
    }

    /// a · b⁻¹ mod n (PACE-CAM: CA_IC = SK_map,IC · SK_IC⁻¹).
    pub fn div_scalars(self, a: &[u8], b: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        match self {
            Curve::P256 => div::<p256::NistP256>(a, b),
            Curve::P384 => div::<p384::NistP384>(a, b),
            Curve::BrainpoolP256r1 => div::<bp256::BrainpoolP256r1>(a, b),
            Curve::BrainpoolP384r1 => div::<bp384::BrainpoolP384r1>(a, b),
        }
    }
}

/// The x-coordinate of an uncompressed point: the ECDH shared secret (ICAO 9303-11 §4.4.3.4).
pub fn x_coordinate(point: &[u8]) -> Result<&[u8], Error> {
    let (&first, rest) = point.split_first().ok_or(Error::Protocol("empty point"))?;
    if first != 0x04 || rest.len() % 2 != 0 {
        return Err(Error::Protocol("point not uncompressed"));
    }
    rest.get(..rest.len() / 2).ok_or(Error::Protocol("point"))
}

fn field_bytes<C: CurveArithmetic>(k: &[u8]) -> Result<FieldBytes<C>, Error> {
    let mut fb = FieldBytes::<C>::default();
    let n = fb.len();
    if k.len() > n {
        return Err(Error::Protocol("scalar longer than the field"));
    }
    fb.get_mut(n - k.len()..)
        .ok_or(Error::Protocol("scalar"))?
        .copy_from_slice(k);
    Ok(fb)
}

fn scalar<C: CurveArithmetic>(k: &[u8]) -> Result<Scalar<C>, Error> {
    Ok(<Scalar<C> as Reduce<FieldBytes<C>>>::reduce(
        &field_bytes::<C>(k)?,
    ))
}

fn point<C>(p: &[u8]) -> Result<ProjectivePoint<C>, Error>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    PublicKey::<C>::from_sec1_bytes(p)
        .map(|k| k.to_projective())
        .map_err(|_| Error::Protocol("point not on the curve"))
}

fn encode<C>(p: &ProjectivePoint<C>) -> Result<Vec<u8>, Error>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let affine: AffinePoint<C> = p.to_affine();
    let enc = affine.to_sec1_point(false);
    let bytes = enc.as_bytes();
    if bytes.len() <= 1 {
        return Err(Error::Protocol("point at infinity"));
    }
    Ok(bytes.to_vec())
}

fn generator<C>() -> Vec<u8>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    encode::<C>(&ProjectivePoint::<C>::generator()).unwrap_or_default()
}

fn keypair<C, R>(rng: &mut R, g: &[u8]) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), Error>
where
    C: CurveArithmetic,
    R: CryptoRng + ?Sized,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let sk = NonZeroScalar::<C>::generate_from_rng(rng);
    let g = point::<C>(g)?;
    let pk = encode::<C>(&(g * *sk))?;
    let bytes: FieldBytes<C> = (*sk).into();
    Ok((Zeroizing::new(bytes.to_vec()), pk))
}

fn mul<C>(k: &[u8], p: &[u8]) -> Result<Vec<u8>, Error>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    encode::<C>(&(point::<C>(p)? * scalar::<C>(k)?))
}

fn map<C>(s: &[u8], h: &[u8]) -> Result<Vec<u8>, Error>
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let g = ProjectivePoint::<C>::generator() * scalar::<C>(s)?;
    encode::<C>(&(g + point::<C>(h)?))
}

fn div<C: CurveArithmetic>(a: &[u8], b: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let inv = Option::<Scalar<C>>::from(elliptic_curve::ff::Field::invert(&scalar::<C>(b)?))
        .ok_or(Error::Protocol("zero scalar"))?;
    let r: FieldBytes<C> = (scalar::<C>(a)? * inv).into();
    Ok(Zeroizing::new(r.to_vec()))
}
