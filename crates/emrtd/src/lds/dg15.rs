//! DG15, the Active Authentication public key (ICAO Doc 9303-10 §4.7.15): `6F {
//! SubjectPublicKeyInfo }`, RSA or EC (the curve possibly as explicit parameters).

use tlv::{Tag, Tlv};

use crate::Error;
use crate::crypto::{KeyError, PublicKey};
use crate::lds::LdsFile;

/// A parsed DG15.
#[derive(Debug, Clone)]
pub struct Dg15 {
    /// The SubjectPublicKeyInfo, DER.
    pub spki_der: Vec<u8>,
    /// The key, or why it cannot be used (an unsupported curve is not a parse error: Active
    /// Authentication reports it as unsupported).
    pub key: Result<PublicKey, KeyError>,
}

impl Dg15 {
    /// Parses DG15.
    pub fn parse(bytes: &[u8]) -> Result<Dg15, Error> {
        let file = LdsFile::DG15;
        let outer = Tlv::parse_tagged(bytes, Tag::new(0x6F))
            .map_err(|source| Error::Tlv { file, source })?;
        let spki = Tlv::parse_exact(outer.value()).map_err(|source| Error::Tlv { file, source })?;
        if spki.tag() != Tag::new(0x30) {
            return Err(Error::InvalidElement {
                file,
                tag: spki.tag(),
                offset: spki.offset(),
                reason: "expected a SubjectPublicKeyInfo",
            });
        }
        let key = PublicKey::from_spki_der(spki.raw());
        if let Err(KeyError::Malformed(reason)) = &key {
            return Err(Error::InvalidElement {
                file,
                tag: spki.tag(),
                offset: spki.offset(),
                reason,
            });
        }
        Ok(Dg15 {
            spki_der: spki.raw().to_vec(),
            key,
        })
    }
}
