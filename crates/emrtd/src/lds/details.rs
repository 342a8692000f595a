//! DG11 (additional personal details) and DG12 (additional document details), ICAO Doc 9303-10
//! §4.7.11 and §4.7.12. Every element is optional; unknown elements are kept.
//!
//! Text is UTF-8 from LDS 1.8 on; older chips wrote Latin-1. Invalid UTF-8 is decoded as Latin-1
//! and the element is listed in `latin1_fallback`, never an error. Dates are `YYYYMMDD` in ASCII
//! or, on old chips, 4 bytes of BCD: both are accepted and returned as ASCII digits.

use std::fmt;

use serde::Serialize;
use tlv::{Tag, Tlv};

use crate::Error;
use crate::lds::{LdsFile, outer};

/// A name in MRZ form (`PRIMARY<<SECONDARY<NAMES`), as DG11 writes names.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Name {
    /// As written.
    pub raw: String,
    /// Primary identifier (surname), `<` as spaces.
    pub primary: String,
    /// Secondary identifier (given names), `<` as spaces.
    pub secondary: String,
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name([{} chars])", self.raw.chars().count())
    }
}

impl Name {
    fn from_raw(raw: String) -> Name {
        let (p, s) = raw.split_once("<<").unwrap_or((raw.as_str(), ""));
        let clean = |x: &str| {
            x.split('<')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        Name {
            primary: clean(p),
            secondary: clean(s),
            raw: raw.clone(),
        }
    }
}

/// An element this module does not interpret, kept with its tag.
#[derive(Clone, PartialEq, Eq)]
pub struct OtherElement {
    /// Tag.
    pub tag: Tag,
    /// Value bytes.
    pub value: Vec<u8>,
}

impl fmt::Debug for OtherElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OtherElement({}, {} bytes)", self.tag, self.value.len())
    }
}

/// DG11:
/// ```text
/// '6B' { '5C' tag list, '5F0E' full name, 'A0' { '02' count, '5F0F' other name … },
///        '5F10' personal number, '5F2B' full date of birth, '5F11' place of birth,
///        '5F42' permanent address, '5F12' telephone, '5F13' profession, '5F14' title,
///        '5F15' personal summary, '5F16' proof of citizenship (image), '5F17' other valid
///        TD numbers, '5F18' custody information }
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Dg11 {
    /// Full name (5F0E).
    pub full_name: Option<Name>,
    /// Other names (5F0F, inside A0 or directly).
    pub other_names: Vec<Name>,
    /// Personal number (5F10).
    pub personal_number: Option<String>,
    /// Full date of birth, `YYYYMMDD` (5F2B).
    pub full_date_of_birth: Option<String>,
    /// Place of birth (5F11), fields separated by `<`.
    pub place_of_birth: Option<String>,
    /// Permanent address (5F42).
    pub address: Option<String>,
    /// Telephone (5F12).
    pub telephone: Option<String>,
    /// Profession (5F13).
    pub profession: Option<String>,
    /// Title (5F14).
    pub title: Option<String>,
    /// Personal summary (5F15).
    pub personal_summary: Option<String>,
    /// Proof of citizenship, an image (5F16).
    pub proof_of_citizenship: Option<Vec<u8>>,
    /// Other valid travel-document numbers (5F17).
    pub other_td_numbers: Option<String>,
    /// Custody information (5F18).
    pub custody_information: Option<String>,
    /// Tags whose text was not UTF-8 and was read as Latin-1.
    pub latin1_fallback: Vec<Tag>,
    /// Elements not listed above.
    pub other: Vec<OtherElement>,
}

impl fmt::Debug for Dg11 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let present = [
            ("full_name", self.full_name.is_some()),
            ("other_names", !self.other_names.is_empty()),
            ("personal_number", self.personal_number.is_some()),
            ("full_date_of_birth", self.full_date_of_birth.is_some()),
            ("place_of_birth", self.place_of_birth.is_some()),
            ("address", self.address.is_some()),
            ("telephone", self.telephone.is_some()),
            ("profession", self.profession.is_some()),
            ("title", self.title.is_some()),
            ("personal_summary", self.personal_summary.is_some()),
            ("proof_of_citizenship", self.proof_of_citizenship.is_some()),
            ("other_td_numbers", self.other_td_numbers.is_some()),
            ("custody_information", self.custody_information.is_some()),
        ];
        let names: Vec<&str> = present
            .iter()
            .filter(|(_, p)| *p)
            .map(|(n, _)| *n)
            .collect();
        write!(f, "Dg11(present: {names:?}, {} other)", self.other.len())
    }
}

/// DG12:
/// ```text
/// '6C' { '5C' tag list, '5F19' issuing authority, '5F26' date of issue,
///        'A0' { '02' count, '5F1A' name of other person … }, '5F1B' endorsements,
///        '5F1C' tax/exit requirements, '5F1D' image of front, '5F1E' image of rear,
///        '5F55' date and time of personalization, '5F56' personalization system serial }
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Dg12 {
    /// Issuing authority (5F19).
    pub issuing_authority: Option<String>,
    /// Date of issue, `YYYYMMDD` (5F26).
    pub date_of_issue: Option<String>,
    /// Other persons (5F1A, inside A0 or directly).
    pub other_persons: Vec<Name>,
    /// Endorsements and observations (5F1B).
    pub endorsements: Option<String>,
    /// Tax or exit requirements (5F1C).
    pub tax_exit_requirements: Option<String>,
    /// Image of the front of the document (5F1D).
    pub image_front: Option<Vec<u8>>,
    /// Image of the rear (5F1E).
    pub image_rear: Option<Vec<u8>>,
    /// Date and time of personalization, `YYYYMMDDhhmmss` (5F55).
    pub personalization_time: Option<String>,
    /// Serial number of the personalization system (5F56).
    pub personalization_system_serial: Option<String>,
    /// Tags whose text was not UTF-8 and was read as Latin-1.
    pub latin1_fallback: Vec<Tag>,
    /// Elements not listed above.
    pub other: Vec<OtherElement>,
}

impl fmt::Debug for Dg12 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dg12")
            .field("issuing_authority", &self.issuing_authority.is_some())
            .field("date_of_issue", &self.date_of_issue.is_some())
            .field("other_persons", &self.other_persons.len())
            .field("image_front", &self.image_front.as_ref().map(Vec::len))
            .field("image_rear", &self.image_rear.as_ref().map(Vec::len))
            .field("other", &self.other.len())
            .finish_non_exhaustive()
    }
}

fn text(bytes: &[u8], tag: Tag, latin1: &mut Vec<Tag>) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            latin1.push(tag);
            bytes.iter().map(|&b| char::from(b)).collect()
        }
    }
}

/// `YYYYMMDD…` as ASCII digits, or packed BCD of half the length.
fn date(file: LdsFile, t: &Tlv<'_>, digits: usize) -> Result<String, Error> {
    let v = t.value();
    if v.len() == digits && v.iter().all(u8::is_ascii_digit) {
        return Ok(v.iter().map(|&b| char::from(b)).collect());
    }
    if v.len() * 2 == digits && v.iter().all(|b| b >> 4 <= 9 && b & 0x0F <= 9) {
        return Ok(v
            .iter()
            .flat_map(|b| [char::from(b'0' + (b >> 4)), char::from(b'0' + (b & 0x0F))])
            .collect());
    }
    Err(Error::InvalidElement {
        file,
        tag: t.tag(),
        offset: t.offset(),
        reason: "expected a date as ASCII digits or BCD",
    })
}

/// Names inside an `A0 { 02 count, tag … }` group; the count must match.
fn name_group(
    file: LdsFile,
    group: &Tlv<'_>,
    tag: Tag,
    latin1: &mut Vec<Tag>,
) -> Result<Vec<Name>, Error> {
    let mut names = Vec::new();
    let mut count = None;
    for child in group
        .children()
        .map_err(|source| Error::Tlv { file, source })?
    {
        let child = child.map_err(|source| Error::Tlv { file, source })?;
        if child.tag() == Tag::new(0x02) {
            count = child.value().iter().try_fold(0usize, |acc, b| {
                acc.checked_mul(256)?.checked_add(usize::from(*b))
            });
        } else if child.tag() == tag {
            names.push(Name::from_raw(text(child.value(), tag, latin1)));
        }
    }
    if count.is_some_and(|c| c != names.len()) {
        return Err(Error::InvalidElement {
            file,
            tag: group.tag(),
            offset: group.offset(),
            reason: "count does not match the names listed",
        });
    }
    Ok(names)
}

impl Dg11 {
    /// Parses DG11.
    pub fn parse(bytes: &[u8]) -> Result<Dg11, Error> {
        let file = LdsFile::Dg(crate::lds::DgNumber(11));
        let template = outer(file, bytes)?;
        let mut d = Dg11::default();
        for el in template
            .children()
            .map_err(|source| Error::Tlv { file, source })?
        {
            let el = el.map_err(|source| Error::Tlv { file, source })?;
            let tag = el.tag();
            let mut t = || Some(text(el.value(), tag, &mut d.latin1_fallback));
            match tag.value() {
                0x5C => {}
                0x5F0E => d.full_name = t().map(Name::from_raw),
                0x5F0F => {
                    let n = text(el.value(), tag, &mut d.latin1_fallback);
                    d.other_names.push(Name::from_raw(n));
                }
                0xA0 => d.other_names.extend(name_group(
                    file,
                    &el,
                    Tag::new(0x5F0F),
                    &mut d.latin1_fallback,
                )?),
                0x5F10 => d.personal_number = t(),
                0x5F2B => d.full_date_of_birth = Some(date(file, &el, 8)?),
                0x5F11 => d.place_of_birth = t(),
                0x5F42 => d.address = t(),
                0x5F12 => d.telephone = t(),
                0x5F13 => d.profession = t(),
                0x5F14 => d.title = t(),
                0x5F15 => d.personal_summary = t(),
                0x5F16 => d.proof_of_citizenship = Some(el.value().to_vec()),
                0x5F17 => d.other_td_numbers = t(),
                0x5F18 => d.custody_information = t(),
                _ => d.other.push(OtherElement {
                    tag,
                    value: el.value().to_vec(),
                }),
            }
        }
        Ok(d)
    }
}

impl Dg12 {
    /// Parses DG12.
    pub fn parse(bytes: &[u8]) -> Result<Dg12, Error> {
        let file = LdsFile::Dg(crate::lds::DgNumber(12));
        let template = outer(file, bytes)?;
        let mut d = Dg12::default();
        for el in template
            .children()
            .map_err(|source| Error::Tlv { file, source })?
        {
            let el = el.map_err(|source| Error::Tlv { file, source })?;
            let tag = el.tag();
            let mut t = || Some(text(el.value(), tag, &mut d.latin1_fallback));
            match tag.value() {
                0x5C => {}
                0x5F19 => d.issuing_authority = t(),
                0x5F26 => d.date_of_issue = Some(date(file, &el, 8)?),
                0x5F1A => {
                    let n = text(el.value(), tag, &mut d.latin1_fallback);
                    d.other_persons.push(Name::from_raw(n));
                }
                0xA0 => d.other_persons.extend(name_group(
                    file,
                    &el,
                    Tag::new(0x5F1A),
                    &mut d.latin1_fallback,
                )?),
                0x5F1B => d.endorsements = t(),
                0x5F1C => d.tax_exit_requirements = t(),
                0x5F1D => d.image_front = Some(el.value().to_vec()),
                0x5F1E => d.image_rear = Some(el.value().to_vec()),
                0x5F55 => d.personalization_time = Some(date(file, &el, 14)?),
                0x5F56 => d.personalization_system_serial = t(),
                _ => d.other.push(OtherElement {
                    tag,
                    value: el.value().to_vec(),
                }),
            }
        }
        Ok(d)
    }
}
