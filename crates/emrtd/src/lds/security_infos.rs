//! SecurityInfos: what a chip announces about its protocols, in EF.CardAccess (PACE) and DG14
//! (Chip Authentication, Active Authentication's algorithm) — ICAO Doc 9303-11 §9.2, BSI
//! TR-03110-3 §A.1.1.
//!
//! ```text
//! SecurityInfos ::= SET OF SecurityInfo
//! SecurityInfo ::= SEQUENCE {
//!     protocol     OBJECT IDENTIFIER,
//!     requiredData ANY DEFINED BY protocol,
//!     optionalData ANY DEFINED BY protocol OPTIONAL }
//! ```
//! Chips write the SET in any order and add infos we do not know: every element is read on its
//! own, and unknown ones are kept, never an error. OIDs are read from the chip, never assumed
//! (field notes: Chip Authentication fails on Chinese and Russian passports where readers
//! hard-code them).

use std::fmt;

use der::asn1::ObjectIdentifier;
use serde::Serialize;
use tlv::{Tag, Tlv};

use crate::Error;
use crate::crypto::NamedCurve;
use crate::hash::HashAlgorithm;
use crate::lds::LdsFile;

/// `bsi-de protocols smartcard` = 0.4.0.127.0.7.2.2 (BSI TR-03110-3 §A.1.1).
const BSI_SMARTCARD: [u32; 8] = [0, 4, 0, 127, 0, 7, 2, 2];
/// id-PK (Chip Authentication public keys).
const ARC_PK: u32 = 1;
/// id-TA.
const ARC_TA: u32 = 2;
/// id-CA.
const ARC_CA: u32 = 3;
/// id-PACE.
const ARC_PACE: u32 = 4;

/// Key agreement of PACE or Chip Authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyAgreement {
    /// Diffie–Hellman over a prime field.
    Dh,
    /// Elliptic-curve Diffie–Hellman.
    Ecdh,
}

/// The PACE mapping (ICAO 9303-11 §4.4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaceMapping {
    /// Generic Mapping.
    Generic,
    /// Integrated Mapping.
    Integrated,
    /// Chip Authentication Mapping (ECDH only).
    ChipAuthentication,
}

/// Secure-messaging cipher of PACE or Chip Authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cipher {
    /// 3DES-CBC with retail MAC (`-3DES-CBC-CBC`).
    TripleDes,
    /// AES-128 with CMAC.
    Aes128,
    /// AES-192 with CMAC.
    Aes192,
    /// AES-256 with CMAC.
    Aes256,
}

impl Cipher {
    fn from_arc(arc: u32) -> Option<Cipher> {
        match arc {
            1 => Some(Cipher::TripleDes),
            2 => Some(Cipher::Aes128),
            3 => Some(Cipher::Aes192),
            4 => Some(Cipher::Aes256),
            _ => None,
        }
    }
}

/// Standardized domain parameters (ICAO 9303-11 §9.5.1 Table 6, BSI TR-03110-3 Table 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StandardizedDomainParameters {
    /// 0: 1024-bit MODP group with 160-bit prime-order subgroup (RFC 5114 §2.1).
    Modp1024_160,
    /// 1: 2048-bit MODP group with 224-bit subgroup (RFC 5114 §2.2).
    Modp2048_224,
    /// 2: 2048-bit MODP group with 256-bit subgroup (RFC 5114 §2.3).
    Modp2048_256,
    /// 8: NIST P-192.
    P192,
    /// 9: brainpoolP192r1.
    BrainpoolP192r1,
    /// 10: NIST P-224.
    P224,
    /// 11: brainpoolP224r1.
    BrainpoolP224r1,
    /// 12: NIST P-256.
    P256,
    /// 13: brainpoolP256r1.
    BrainpoolP256r1,
    /// 14: brainpoolP320r1.
    BrainpoolP320r1,
    /// 15: NIST P-384.
    P384,
    /// 16: brainpoolP384r1.
    BrainpoolP384r1,
    /// 17: brainpoolP512r1.
    BrainpoolP512r1,
    /// 18: NIST P-521.
    P521,
}

impl StandardizedDomainParameters {
    /// The parameters with this id; None for reserved ids.
    #[must_use]
    pub fn from_id(id: u32) -> Option<Self> {
        use StandardizedDomainParameters::*;
        Some(match id {
            0 => Modp1024_160,
            1 => Modp2048_224,
            2 => Modp2048_256,
            8 => P192,
            9 => BrainpoolP192r1,
            10 => P224,
            11 => BrainpoolP224r1,
            12 => P256,
            13 => BrainpoolP256r1,
            14 => BrainpoolP320r1,
            15 => P384,
            16 => BrainpoolP384r1,
            17 => BrainpoolP512r1,
            18 => P521,
            _ => return None,
        })
    }

    /// The named curve, for the elliptic-curve parameter sets we have a curve for.
    #[must_use]
    pub fn named_curve(self) -> Option<NamedCurve> {
        use StandardizedDomainParameters::*;
        match self {
            P256 => Some(NamedCurve::P256),
            P384 => Some(NamedCurve::P384),
            P521 => Some(NamedCurve::P521),
            BrainpoolP256r1 => Some(NamedCurve::BrainpoolP256r1),
            BrainpoolP384r1 => Some(NamedCurve::BrainpoolP384r1),
            BrainpoolP512r1 => Some(NamedCurve::BrainpoolP512r1),
            _ => None,
        }
    }
}

/// One SecurityInfo.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SecurityInfo {
    /// `PACEInfo ::= SEQUENCE { protocol, version INTEGER, parameterId INTEGER OPTIONAL }`.
    Pace {
        /// The protocol OID.
        #[serde(serialize_with = "oid_string")]
        protocol: ObjectIdentifier,
        /// Key agreement.
        key_agreement: KeyAgreement,
        /// Mapping.
        mapping: PaceMapping,
        /// Cipher.
        cipher: Cipher,
        /// Version (2 for ICAO 9303).
        version: u32,
        /// Standardized domain parameters id, if given.
        parameter_id: Option<u32>,
    },
    /// `PACEDomainParameterInfo ::= SEQUENCE { protocol, domainParameter AlgorithmIdentifier,
    /// parameterId INTEGER OPTIONAL }` (proprietary domain parameters).
    PaceDomainParameters {
        /// The protocol OID (id-PACE-DH-GM, id-PACE-ECDH-GM, …).
        #[serde(serialize_with = "oid_string")]
        protocol: ObjectIdentifier,
        /// DER of the domain parameters' AlgorithmIdentifier.
        #[serde(skip)]
        domain_parameter: Vec<u8>,
        /// Id, to match a PACEInfo's parameterId.
        parameter_id: Option<u32>,
    },
    /// `ChipAuthenticationInfo ::= SEQUENCE { protocol, version INTEGER, keyId INTEGER OPTIONAL }`.
    ChipAuthentication {
        /// The protocol OID.
        #[serde(serialize_with = "oid_string")]
        protocol: ObjectIdentifier,
        /// Key agreement.
        key_agreement: KeyAgreement,
        /// Cipher (None for a bare id-CA-DH/ECDH protocol).
        cipher: Option<Cipher>,
        /// Version (1 or 2).
        version: u32,
        /// Which public key, if the chip has several.
        key_id: Option<u32>,
    },
    /// `ChipAuthenticationPublicKeyInfo ::= SEQUENCE { protocol, chipAuthenticationPublicKey
    /// SubjectPublicKeyInfo, keyId INTEGER OPTIONAL }`.
    ChipAuthenticationPublicKey {
        /// id-PK-DH or id-PK-ECDH.
        #[serde(serialize_with = "oid_string")]
        protocol: ObjectIdentifier,
        /// Key agreement.
        key_agreement: KeyAgreement,
        /// DER SubjectPublicKeyInfo.
        #[serde(skip)]
        public_key: Vec<u8>,
        /// Which key.
        key_id: Option<u32>,
    },
    /// `TerminalAuthenticationInfo ::= SEQUENCE { protocol, version INTEGER, efCVCA OPTIONAL }`.
    TerminalAuthentication {
        /// Version.
        version: u32,
    },
    /// `ActiveAuthenticationInfo ::= SEQUENCE { protocol id-icao-mrtd-security-aaProtocolObject,
    /// version INTEGER, signatureAlgorithm OBJECT IDENTIFIER }` (ICAO 9303-11 §9.2.2).
    ActiveAuthentication {
        /// Version (1).
        version: u32,
        /// The ECDSA signature algorithm the chip uses.
        #[serde(serialize_with = "oid_string")]
        signature_algorithm: ObjectIdentifier,
    },
    /// Anything else, kept as it was.
    Unknown {
        /// The protocol OID.
        #[serde(serialize_with = "oid_string")]
        protocol: ObjectIdentifier,
        /// The whole SecurityInfo, DER.
        #[serde(skip)]
        raw: Vec<u8>,
    },
}

fn oid_string<S: serde::Serializer>(oid: &ObjectIdentifier, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(oid)
}

impl fmt::Debug for SecurityInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecurityInfo::Pace {
                protocol,
                parameter_id,
                ..
            } => write!(f, "Pace({protocol}, {parameter_id:?})"),
            SecurityInfo::PaceDomainParameters { protocol, .. } => {
                write!(f, "PaceDomainParameters({protocol})")
            }
            SecurityInfo::ChipAuthentication {
                protocol, key_id, ..
            } => write!(f, "ChipAuthentication({protocol}, {key_id:?})"),
            SecurityInfo::ChipAuthenticationPublicKey {
                protocol, key_id, ..
            } => {
                write!(f, "ChipAuthenticationPublicKey({protocol}, {key_id:?})")
            }
            SecurityInfo::TerminalAuthentication { version } => {
                write!(f, "TerminalAuthentication(v{version})")
            }
            SecurityInfo::ActiveAuthentication {
                signature_algorithm,
                ..
            } => write!(f, "ActiveAuthentication({signature_algorithm})"),
            SecurityInfo::Unknown { protocol, raw } => {
                write!(f, "Unknown({protocol}, {} bytes)", raw.len())
            }
        }
    }
}

impl SecurityInfo {
    /// For ActiveAuthenticationInfo: the hash its signature algorithm names.
    #[must_use]
    pub fn active_authentication_hash(&self) -> Option<HashAlgorithm> {
        match self {
            SecurityInfo::ActiveAuthentication {
                signature_algorithm,
                ..
            } => {
                crate::crypto::SignatureAlgorithm::from_identifier(signature_algorithm, None, None)
                    .ok()
                    .map(|a| a.hash())
            }
            _ => None,
        }
    }
}

/// A chip's SecurityInfos.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityInfos {
    /// Every SecurityInfo, in the order the chip wrote them.
    pub infos: Vec<SecurityInfo>,
}

impl SecurityInfos {
    /// EF.CardAccess: a bare `SecurityInfos` (ICAO 9303-10 §3.11.3).
    pub fn parse_card_access(bytes: &[u8]) -> Result<SecurityInfos, Error> {
        let set = Tlv::parse_tagged(bytes, Tag::new(0x31)).map_err(|source| Error::Tlv {
            file: LdsFile::CardAccess,
            source,
        })?;
        Self::parse_set(&set, LdsFile::CardAccess)
    }

    /// DG14: `6E { SecurityInfos }` (ICAO 9303-10 §4.7.14).
    pub fn parse_dg14(bytes: &[u8]) -> Result<SecurityInfos, Error> {
        let file = LdsFile::DG14;
        let outer = Tlv::parse_tagged(bytes, Tag::new(0x6E))
            .map_err(|source| Error::Tlv { file, source })?;
        let mut kids = outer
            .children()
            .map_err(|source| Error::Tlv { file, source })?;
        let set = kids
            .next()
            .ok_or(Error::MissingElement {
                file,
                tag: Tag::new(0x31),
                offset: outer.offset(),
            })?
            .map_err(|source| Error::Tlv { file, source })?;
        if set.tag() != Tag::new(0x31) {
            return Err(Error::InvalidElement {
                file,
                tag: set.tag(),
                offset: set.offset(),
                reason: "expected SecurityInfos (SET)",
            });
        }
        Self::parse_set(&set, file)
    }

    fn parse_set(set: &Tlv<'_>, file: LdsFile) -> Result<SecurityInfos, Error> {
        let mut infos = Vec::new();
        for info in set
            .children()
            .map_err(|source| Error::Tlv { file, source })?
        {
            let info = info.map_err(|source| Error::Tlv { file, source })?;
            infos.push(parse_info(&info, file)?);
        }
        Ok(SecurityInfos { infos })
    }

    /// The PACEInfos (EF.CardAccess).
    pub fn pace_infos(&self) -> impl Iterator<Item = &SecurityInfo> {
        self.infos
            .iter()
            .filter(|i| matches!(i, SecurityInfo::Pace { .. }))
    }

    /// The ChipAuthenticationInfos.
    pub fn chip_authentication_infos(&self) -> impl Iterator<Item = &SecurityInfo> {
        self.infos
            .iter()
            .filter(|i| matches!(i, SecurityInfo::ChipAuthentication { .. }))
    }

    /// The Chip Authentication public keys.
    pub fn chip_authentication_public_keys(&self) -> impl Iterator<Item = &SecurityInfo> {
        self.infos
            .iter()
            .filter(|i| matches!(i, SecurityInfo::ChipAuthenticationPublicKey { .. }))
    }

    /// The ActiveAuthenticationInfo, if any.
    #[must_use]
    pub fn active_authentication_info(&self) -> Option<&SecurityInfo> {
        self.infos
            .iter()
            .find(|i| matches!(i, SecurityInfo::ActiveAuthentication { .. }))
    }

    /// The hash Active Authentication uses on an EC chip.
    #[must_use]
    pub fn active_authentication_hash(&self) -> Option<HashAlgorithm> {
        self.active_authentication_info()
            .and_then(SecurityInfo::active_authentication_hash)
    }
}

fn small_uint(t: &Tlv<'_>, file: LdsFile, what: &'static str) -> Result<u32, Error> {
    let bad = || Error::InvalidElement {
        file,
        tag: t.tag(),
        offset: t.offset(),
        reason: what,
    };
    if t.tag() != Tag::new(0x02) || t.value().is_empty() || t.value().len() > 5 {
        return Err(bad());
    }
    if t.value().first().is_some_and(|b| b & 0x80 != 0) {
        return Err(bad());
    }
    let n = t
        .value()
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    u32::try_from(n).map_err(|_| bad())
}

fn parse_info(info: &Tlv<'_>, file: LdsFile) -> Result<SecurityInfo, Error> {
    let invalid = |t: &Tlv<'_>, reason: &'static str| Error::InvalidElement {
        file,
        tag: t.tag(),
        offset: t.offset(),
        reason,
    };
    if info.tag() != Tag::new(0x30) {
        return Err(invalid(info, "SecurityInfo must be a SEQUENCE"));
    }
    let parts = info
        .children()
        .and_then(tlv::Tlvs::collect_all)
        .map_err(|source| Error::Tlv { file, source })?;
    let Some((protocol_tlv, rest)) = parts.split_first() else {
        return Err(Error::MissingElement {
            file,
            tag: Tag::new(0x06),
            offset: info.offset(),
        });
    };
    if protocol_tlv.tag() != Tag::new(0x06) {
        return Err(invalid(
            protocol_tlv,
            "SecurityInfo protocol must be an OID",
        ));
    }
    let protocol = <ObjectIdentifier as der::Decode>::from_der(protocol_tlv.raw())
        .map_err(|source| Error::Asn1 { file, source })?;
    let arcs: Vec<u32> = protocol.arcs().collect();
    let unknown = || SecurityInfo::Unknown {
        protocol,
        raw: info.raw().to_vec(),
    };

    if protocol == crate::oid::AA_PROTOCOL {
        let [version, alg, ..] = rest else {
            return Err(invalid(
                info,
                "ActiveAuthenticationInfo needs version and signatureAlgorithm",
            ));
        };
        if alg.tag() != Tag::new(0x06) {
            return Err(invalid(alg, "signatureAlgorithm must be an OID"));
        }
        let signature_algorithm = <ObjectIdentifier as der::Decode>::from_der(alg.raw())
            .map_err(|source| Error::Asn1 { file, source })?;
        return Ok(SecurityInfo::ActiveAuthentication {
            version: small_uint(version, file, "version")?,
            signature_algorithm,
        });
    }
    let Some(tail) = arcs.strip_prefix(BSI_SMARTCARD.as_slice()) else {
        return Ok(unknown());
    };
    let key_agreement = |arc: u32| match arc {
        1 => Some(KeyAgreement::Dh),
        2 => Some(KeyAgreement::Ecdh),
        _ => None,
    };
    Ok(match tail {
        [ARC_PACE, mapping_arc, rest_arcs @ ..] => {
            let (ka, mapping) = match mapping_arc {
                1 => (KeyAgreement::Dh, PaceMapping::Generic),
                2 => (KeyAgreement::Ecdh, PaceMapping::Generic),
                3 => (KeyAgreement::Dh, PaceMapping::Integrated),
                4 => (KeyAgreement::Ecdh, PaceMapping::Integrated),
                6 => (KeyAgreement::Ecdh, PaceMapping::ChipAuthentication),
                _ => return Ok(unknown()),
            };
            match rest_arcs {
                // PACEDomainParameterInfo uses the mapping arc itself.
                [] => {
                    let [params, optional @ ..] = rest else {
                        return Err(invalid(
                            info,
                            "PACEDomainParameterInfo needs domainParameter",
                        ));
                    };
                    let parameter_id = optional
                        .first()
                        .map(|t| small_uint(t, file, "parameterId"))
                        .transpose()?;
                    SecurityInfo::PaceDomainParameters {
                        protocol,
                        domain_parameter: params.raw().to_vec(),
                        parameter_id,
                    }
                }
                [cipher_arc] => {
                    let Some(cipher) = Cipher::from_arc(*cipher_arc) else {
                        return Ok(unknown());
                    };
                    let [version, optional @ ..] = rest else {
                        return Err(invalid(info, "PACEInfo needs a version"));
                    };
                    let parameter_id = optional
                        .first()
                        .map(|t| small_uint(t, file, "parameterId"))
                        .transpose()?;
                    SecurityInfo::Pace {
                        protocol,
                        key_agreement: ka,
                        mapping,
                        cipher,
                        version: small_uint(version, file, "version")?,
                        parameter_id,
                    }
                }
                _ => unknown(),
            }
        }
        [ARC_CA, ka_arc, rest_arcs @ ..] => {
            let Some(ka) = key_agreement(*ka_arc) else {
                return Ok(unknown());
            };
            let cipher = match rest_arcs {
                [] => None,
                [c] => match Cipher::from_arc(*c) {
                    Some(c) => Some(c),
                    None => return Ok(unknown()),
                },
                _ => return Ok(unknown()),
            };
            let [version, optional @ ..] = rest else {
                return Err(invalid(info, "ChipAuthenticationInfo needs a version"));
            };
            let key_id = optional
                .first()
                .map(|t| small_uint(t, file, "keyId"))
                .transpose()?;
            SecurityInfo::ChipAuthentication {
                protocol,
                key_agreement: ka,
                cipher,
                version: small_uint(version, file, "version")?,
                key_id,
            }
        }
        [ARC_PK, ka_arc] => {
            let Some(ka) = key_agreement(*ka_arc) else {
                return Ok(unknown());
            };
            let [spki, optional @ ..] = rest else {
                return Err(invalid(info, "ChipAuthenticationPublicKeyInfo needs a key"));
            };
            if spki.tag() != Tag::new(0x30) {
                return Err(invalid(
                    spki,
                    "chipAuthenticationPublicKey must be a SubjectPublicKeyInfo",
                ));
            }
            let key_id = optional
                .first()
                .map(|t| small_uint(t, file, "keyId"))
                .transpose()?;
            SecurityInfo::ChipAuthenticationPublicKey {
                protocol,
                key_agreement: ka,
                public_key: spki.raw().to_vec(),
                key_id,
            }
        }
        [ARC_TA, ..] => {
            let [version, ..] = rest else {
                return Err(invalid(info, "TerminalAuthenticationInfo needs a version"));
            };
            SecurityInfo::TerminalAuthentication {
                version: small_uint(version, file, "version")?,
            }
        }
        _ => unknown(),
    })
}
