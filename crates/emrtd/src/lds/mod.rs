//! The Logical Data Structure: which files a chip holds and how each is coded
//! (ICAO Doc 9303-10 §4).

use std::fmt;

use tlv::{Tag, Tlv};

use crate::Error;

mod details;
mod dg15;
mod dg2;
mod security_infos;

pub use details::{Dg11, Dg12, Name, OtherElement};
pub use dg2::{
    BiometricData, BiometricHeader, BiometricTemplate, Dg2, Dg7, FaceImage, FacialRecord,
    ImageDataType,
};
pub use dg15::Dg15;
pub use security_infos::{
    Cipher, KeyAgreement, PaceMapping, SecurityInfo, SecurityInfos, StandardizedDomainParameters,
};

/// An elementary file of the eMRTD application or of the master file.
///
/// File identifiers, short file identifiers and outer tags: ICAO Doc 9303-10 §4.6 (Table 28,
/// "LDS1 elementary files") and §3.11 (EF.CardAccess in the master file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LdsFile {
    /// EF.COM: LDS version and the list of data groups present.
    Com,
    /// Data group 1 to 16.
    Dg(DgNumber),
    /// EF.SOD: the Document Security Object (Passive Authentication).
    Sod,
    /// EF.CardAccess (master file): PACE parameters.
    CardAccess,
}

/// A data-group number, 1 to 16.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DgNumber(u8);

impl DgNumber {
    /// DG1, the MRZ.
    pub const DG1: DgNumber = DgNumber(1);
    /// DG2, the face.
    pub const DG2: DgNumber = DgNumber(2);
    /// DG14, security infos.
    pub const DG14: DgNumber = DgNumber(14);
    /// DG15, the Active Authentication key.
    pub const DG15: DgNumber = DgNumber(15);

    /// `n` if it is 1 to 16.
    #[must_use]
    pub const fn new(n: u8) -> Option<Self> {
        if n >= 1 && n <= 16 {
            Some(DgNumber(n))
        } else {
            None
        }
    }

    /// The number.
    #[must_use]
    pub const fn get(self) -> u8 {
        self.0
    }
}

/// Outer tags of DG1..DG16, in order (ICAO Doc 9303-10 Table 28).
const DG_TAGS: [u8; 16] = [
    0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70,
];

impl LdsFile {
    /// DG1 (the MRZ).
    pub const DG1: LdsFile = LdsFile::Dg(DgNumber(1));
    /// DG2 (the encoded face).
    pub const DG2: LdsFile = LdsFile::Dg(DgNumber(2));
    /// DG14 (security infos for Chip Authentication and PACE).
    pub const DG14: LdsFile = LdsFile::Dg(DgNumber(14));
    /// DG15 (the Active Authentication public key).
    pub const DG15: LdsFile = LdsFile::Dg(DgNumber(15));

    /// The two-byte file identifier used by SELECT.
    #[must_use]
    pub fn file_id(self) -> u16 {
        match self {
            LdsFile::Com => 0x011E,
            LdsFile::Dg(n) => 0x0100 | u16::from(n.0),
            LdsFile::Sod => 0x011D,
            LdsFile::CardAccess => 0x011C,
        }
    }

    /// The short file identifier used by READ BINARY with an SFI.
    #[must_use]
    pub fn short_file_id(self) -> u8 {
        match self {
            LdsFile::Com => 0x1E,
            LdsFile::Dg(n) => n.0,
            LdsFile::Sod => 0x1D,
            LdsFile::CardAccess => 0x1C,
        }
    }

    /// The file's outer tag; EF.CardAccess has none (it is a bare DER `SET OF SecurityInfo`).
    #[must_use]
    pub fn tag(self) -> Option<Tag> {
        match self {
            LdsFile::Com => Some(Tag::new(0x60)),
            LdsFile::Dg(n) => DG_TAGS
                .get(usize::from(n.0) - 1)
                .map(|&t| Tag::new(u32::from(t))),
            LdsFile::Sod => Some(Tag::new(0x77)),
            LdsFile::CardAccess => None,
        }
    }

    /// The file whose outer tag is `tag` (as listed in EF.COM's tag list).
    #[must_use]
    pub fn from_tag(tag: u8) -> Option<LdsFile> {
        match tag {
            0x60 => Some(LdsFile::Com),
            0x77 => Some(LdsFile::Sod),
            _ => DG_TAGS
                .iter()
                .position(|&t| t == tag)
                .and_then(|i| u8::try_from(i + 1).ok())
                .and_then(DgNumber::new)
                .map(LdsFile::Dg),
        }
    }

    /// The conventional file name for a directory of chip files: `EF.COM.bin`, `DG1.bin`,
    /// `EF.SOD.bin`, `EF.CardAccess.bin`.
    #[must_use]
    pub fn file_name(self) -> String {
        format!("{self}.bin")
    }
}

impl fmt::Display for LdsFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LdsFile::Com => f.write_str("EF.COM"),
            LdsFile::Dg(n) => write!(f, "DG{}", n.0),
            LdsFile::Sod => f.write_str("EF.SOD"),
            LdsFile::CardAccess => f.write_str("EF.CardAccess"),
        }
    }
}

/// A file kept as its bytes (every data group this crate does not interpret yet, and unknown
/// ones). `Debug` shows the file and length only: data groups hold personal data.
#[derive(Clone, PartialEq, Eq)]
pub struct RawFile {
    /// Which file.
    pub file: LdsFile,
    /// Its bytes, exactly as read (hashes are taken over these).
    pub bytes: Vec<u8>,
}

impl fmt::Debug for RawFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawFile({}, {} bytes)", self.file, self.bytes.len())
    }
}

fn outer(file: LdsFile, bytes: &[u8]) -> Result<Tlv<'_>, Error> {
    let tag = file.tag().ok_or(Error::InvalidElement {
        file,
        tag: Tag::new(0),
        offset: 0,
        reason: "file has no outer template",
    })?;
    Tlv::parse_tagged(bytes, tag).map_err(|source| Error::Tlv { file, source })
}

fn required<'a>(file: LdsFile, template: &Tlv<'a>, tag: Tag) -> Result<Tlv<'a>, Error> {
    template
        .find(tag)
        .map_err(|source| Error::Tlv { file, source })?
        .ok_or(Error::MissingElement {
            file,
            tag,
            offset: template.offset(),
        })
}

fn digits(file: LdsFile, element: &Tlv<'_>, len: usize) -> Result<String, Error> {
    let v = element.value();
    if v.len() == len && v.iter().all(u8::is_ascii_digit) {
        Ok(v.iter().map(|&b| char::from(b)).collect())
    } else {
        Err(Error::InvalidElement {
            file,
            tag: element.tag(),
            offset: element.offset(),
            reason: "expected a fixed number of ASCII digits",
        })
    }
}

/// EF.COM (ICAO Doc 9303-10 §4.6.1):
///
/// ```text
/// '60' {
///   '5F01' LDS version number,     4 digits "aabb" (e.g. "0107" for LDS 1.7)
///   '5F36' Unicode version number, 6 digits "aabbcc" (e.g. "040000")
///   '5C'   tag list: the outer tags of the data groups present
/// }
/// ```
///
/// EF.COM is not signed in the SOD: it is a table of contents, never evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EfCom {
    /// LDS version, e.g. "0107".
    pub lds_version: String,
    /// Unicode version, e.g. "040000".
    pub unicode_version: String,
    /// Data groups listed, in the order given.
    pub data_groups: Vec<LdsFile>,
    /// Tags in the list that name no LDS1 data group (kept, not an error).
    pub unknown_tags: Vec<u8>,
}

impl EfCom {
    /// Parses EF.COM.
    ///
    /// # Errors
    /// Malformed TLV, a missing element, or version numbers that are not digits.
    pub fn parse(bytes: &[u8]) -> Result<EfCom, Error> {
        let file = LdsFile::Com;
        let com = outer(file, bytes)?;
        let lds = required(file, &com, Tag::new(0x5F01))?;
        let uni = required(file, &com, Tag::new(0x5F36))?;
        let list = required(file, &com, Tag::new(0x5C))?;
        let mut data_groups = Vec::new();
        let mut unknown_tags = Vec::new();
        for &t in list.value() {
            match LdsFile::from_tag(t) {
                Some(f @ LdsFile::Dg(_)) => data_groups.push(f),
                _ => unknown_tags.push(t),
            }
        }
        Ok(EfCom {
            lds_version: digits(file, &lds, 4)?,
            unicode_version: digits(file, &uni, 6)?,
            data_groups,
            unknown_tags,
        })
    }
}

/// DG1, the machine-readable zone (ICAO Doc 9303-10 §4.7.1):
///
/// ```text
/// '61' { '5F1F' MRZ data: the MRZ without line breaks (TD1 90, TD2 72, TD3 88 characters) }
/// ```
///
/// The MRZ is parsed by the `mrz` crate with all its checks, so the chip's copy can be
/// compared field by field with the printed one.
#[derive(Debug, Clone)]
pub struct Dg1 {
    /// The parsed MRZ (its `Debug` masks personal data).
    pub mrz: mrz::Mrz,
}

impl Dg1 {
    /// Parses DG1; `options` carries `today` for the MRZ's date checks.
    ///
    /// # Errors
    /// Malformed TLV, a missing `5F1F`, or an MRZ that cannot be read at all. Problems inside a
    /// readable MRZ (a wrong check digit, say) are in `mrz.problems()`, not errors.
    pub fn parse(bytes: &[u8], options: &mrz::ParseOptions) -> Result<Dg1, Error> {
        let file = LdsFile::DG1;
        let dg1 = outer(file, bytes)?;
        let data = required(file, &dg1, Tag::new(0x5F1F))?;
        let mrz = mrz::Mrz::parse_bytes(data.value(), options).map_err(|source| Error::Mrz {
            offset: data.value_offset(),
            source,
        })?;
        Ok(Dg1 { mrz })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_map_matches_icao_9303_10_table_28() {
        assert_eq!(LdsFile::Com.file_id(), 0x011E);
        assert_eq!(LdsFile::DG1.file_id(), 0x0101);
        assert_eq!(LdsFile::DG15.file_id(), 0x010F);
        assert_eq!(LdsFile::Sod.file_id(), 0x011D);
        assert_eq!(LdsFile::CardAccess.file_id(), 0x011C);
        assert_eq!(LdsFile::DG2.tag(), Some(Tag::new(0x75)));
        assert_eq!(LdsFile::DG14.tag(), Some(Tag::new(0x6E)));
        assert_eq!(
            LdsFile::Dg(DgNumber::new(16).unwrap()).tag(),
            Some(Tag::new(0x70))
        );
        assert_eq!(LdsFile::Sod.short_file_id(), 0x1D);
        for n in 1..=16 {
            let f = LdsFile::Dg(DgNumber::new(n).unwrap());
            let t = u8::try_from(f.tag().unwrap().value()).unwrap();
            assert_eq!(LdsFile::from_tag(t), Some(f));
            assert_eq!(f.short_file_id(), n);
        }
        assert_eq!(LdsFile::from_tag(0x77), Some(LdsFile::Sod));
        assert_eq!(LdsFile::from_tag(0x42), None);
        assert!(DgNumber::new(0).is_none() && DgNumber::new(17).is_none());
        assert_eq!(LdsFile::DG1.file_name(), "DG1.bin");
        assert_eq!(LdsFile::Sod.to_string(), "EF.SOD");
    }

    #[test]
    fn raw_file_debug_hides_bytes() {
        let r = RawFile {
            file: LdsFile::DG2,
            bytes: vec![0xAB; 3],
        };
        assert_eq!(format!("{r:?}"), "RawFile(DG2, 3 bytes)");
    }
}
