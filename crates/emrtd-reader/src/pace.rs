//! PACE (ICAO Doc 9303-11 §4.4) with ECDH: Generic Mapping and Chip Authentication Mapping,
//! AES secure messaging, MRZ or CAN as the password. Shared by the reader and the virtual chip.

use der::asn1::ObjectIdentifier;
use emrtd::lds::{KeyAgreement, PaceMapping, SecurityInfo, SecurityInfos};
use tlv::{Tag, Tlv};
use zeroize::Zeroizing;

use crate::Error;
use crate::crypto::{self, Cipher};
use crate::ec::Curve;
use crate::reader::AccessKey;

/// The PACE variant a chip offers and we run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaceParams {
    /// The PACEInfo protocol OID (goes into MSE:Set AT and the token input).
    pub protocol: ObjectIdentifier,
    /// Generic Mapping or Chip Authentication Mapping.
    pub mapping: PaceMapping,
    /// Secure-messaging cipher.
    pub cipher: Cipher,
    /// The curve (standardized domain parameters).
    pub curve: Curve,
}

impl PaceParams {
    /// The best PACE variant of EF.CardAccess we implement: ECDH, GM or CAM, AES, on one of the
    /// four curves; CAM first (it authenticates the chip too), then the strongest cipher.
    pub fn choose(card_access: &SecurityInfos) -> Result<PaceParams, Error> {
        let mut candidates: Vec<PaceParams> = card_access
            .pace_infos()
            .filter_map(|info| match info {
                SecurityInfo::Pace {
                    protocol,
                    key_agreement: KeyAgreement::Ecdh,
                    mapping,
                    cipher,
                    parameter_id: Some(id),
                    ..
                } if matches!(
                    mapping,
                    PaceMapping::Generic | PaceMapping::ChipAuthentication
                ) =>
                {
                    let cipher = Cipher::from_info(*cipher);
                    let curve = Curve::from_parameter_id(*id).ok()?;
                    (cipher != Cipher::TripleDes).then_some(PaceParams {
                        protocol: *protocol,
                        mapping: *mapping,
                        cipher,
                        curve,
                    })
                }
                _ => None,
            })
            .collect();
        candidates.sort_by_key(|p| {
            (
                p.mapping == PaceMapping::ChipAuthentication,
                p.cipher.key_len(),
            )
        });
        candidates.pop().ok_or_else(|| {
            Error::Unsupported("no PACEInfo with ECDH GM/CAM, AES and a supported curve".into())
        })
    }
}

/// Password reference of MSE:Set AT (ICAO 9303-11 §4.4.4.1): 1 MRZ, 2 CAN.
#[must_use]
pub fn password_reference(key: &AccessKey) -> u8 {
    match key {
        AccessKey::Mrz(_) => 0x01,
        AccessKey::Can(_) => 0x02,
    }
}

/// K_π = KDF_π(f(π)) (ICAO 9303-11 §9.7.3): f is SHA-1 of MRZ_information for the MRZ, the
/// CAN's characters for the CAN.
#[must_use]
pub fn password_key(key: &AccessKey, cipher: Cipher) -> Zeroizing<Vec<u8>> {
    use sha1::{Digest, Sha1};
    let pi: Zeroizing<Vec<u8>> = match key {
        AccessKey::Mrz(info) => Zeroizing::new(Sha1::digest(info.as_slice()).to_vec()),
        AccessKey::Can(can) => Zeroizing::new(can.as_bytes().to_vec()),
    };
    crypto::kdf(&pi, crypto::KDF_PACE, cipher)
}

/// The public key data object the authentication tokens are computed over (9303-11 §4.4.3.4):
/// `7F49 { 06 protocol OID, 86 public point }`.
pub fn public_key_data(protocol: &ObjectIdentifier, point: &[u8]) -> Result<Vec<u8>, Error> {
    let oid =
        tlv::encode(Tag::new(0x06), protocol.as_bytes()).map_err(|_| Error::Protocol("OID"))?;
    let pk = tlv::encode(Tag::new(0x86), point).map_err(|_| Error::Protocol("point"))?;
    tlv::encode(Tag::new(0x7F49), &[oid, pk].concat())
        .map_err(|_| Error::Protocol("public key data"))
}

/// The authentication token T = MAC(KS_mac, public key data of the other side's key).
pub fn token(
    cipher: Cipher,
    ks_mac: &[u8],
    protocol: &ObjectIdentifier,
    other_point: &[u8],
) -> Result<[u8; 8], Error> {
    crypto::mac(cipher, ks_mac, &public_key_data(protocol, other_point)?)
}

/// MSE:Set AT data: `80 OID, 83 password ref, 84 parameter id`.
pub fn mse_set_at_data(params: &PaceParams, key: &AccessKey) -> Result<Vec<u8>, Error> {
    let e =
        |t: u32, v: &[u8]| tlv::encode(Tag::new(t), v).map_err(|_| Error::Protocol("MSE:Set AT"));
    let id =
        u8::try_from(params.curve.parameter_id()).map_err(|_| Error::Protocol("parameter id"))?;
    Ok([
        e(0x80, params.protocol.as_bytes())?,
        e(0x83, &[password_reference(key)])?,
        e(0x84, &[id])?,
    ]
    .concat())
}

/// `7C { tag value }` (dynamic authentication data).
pub fn dynamic(tag: u32, value: &[u8]) -> Result<Vec<u8>, Error> {
    let inner = if value.is_empty() && tag == 0 {
        Vec::new()
    } else {
        tlv::encode(Tag::new(tag), value)
            .map_err(|_| Error::Protocol("dynamic authentication data"))?
    };
    tlv::encode(Tag::new(0x7C), &inner).map_err(|_| Error::Protocol("dynamic authentication data"))
}

/// The value of `tag` inside a `7C` template.
pub fn from_dynamic(data: &[u8], tag: u32) -> Result<Vec<u8>, Error> {
    let outer = Tlv::parse_tagged(data, Tag::new(0x7C))
        .map_err(|_| Error::Protocol("dynamic authentication data"))?;
    outer
        .find(Tag::new(tag))
        .map_err(|_| Error::Protocol("dynamic authentication data"))?
        .map(|t| t.value().to_vec())
        .ok_or(Error::Protocol(
            "dynamic authentication data object missing",
        ))
}

/// IV for the encrypted chip authentication data of PACE-CAM: E(KS_enc, -1) (9303-11 §4.4.3.5.1).
pub fn cam_iv(cipher: Cipher, ks_enc: &[u8]) -> Result<Vec<u8>, Error> {
    crypto::encrypt(
        cipher,
        ks_enc,
        &vec![0; cipher.block_len()],
        &vec![0xFF; cipher.block_len()],
    )
}
