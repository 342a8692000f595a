//! DG2, the encoded face (ICAO Doc 9303-10 §4.7.2), and DG7, the displayed signature or usual mark
//! (§4.7.7).
//!
//! ```text
//! '75' {                                    DG2
//!   '7F61' {                                Biometric Information Group Template
//!     '02' number of instances
//!     '7F60' {                              Biometric Information Template, one per face
//!       'A1' { '80' header version, '81' biometric type, '82' subtype, '83' creation date,
//!              '85' validity period, '86' creator, '87' format owner, '88' format type }
//!       '5F2E' biometric data block         (or '7F2E', enciphered)
//!     } … } }
//! ```
//! The biometric data block is an ISO/IEC 19794-5:2005 facial record: a 14-byte record header
//! (`FAC\0`, `010\0`, record length, number of faces), then per face a 20-byte facial information
//! block, 8 bytes per feature point, a 12-byte image information block and the image (JPEG or
//! JPEG 2000). A block in another format (ISO/IEC 39794-5, say) is kept as bytes, not an error.

use std::fmt;

use tlv::{Tag, Tlv};

use crate::Error;
use crate::lds::{DgNumber, LdsFile, outer, required};

const FILE: LdsFile = LdsFile::Dg(DgNumber(2));

/// The biometric header template (ISO/IEC 7816-11 / CBEFF, tags 80–88 inside A1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BiometricHeader {
    /// 80: ICAO header version.
    pub version: Option<Vec<u8>>,
    /// 81: biometric type (2 = facial features).
    pub biometric_type: Option<Vec<u8>>,
    /// 82: biometric subtype.
    pub subtype: Option<Vec<u8>>,
    /// 83: creation date and time (BCD).
    pub creation_date: Option<Vec<u8>>,
    /// 86: creator.
    pub creator: Option<Vec<u8>>,
    /// 87: format owner (0x0101 = ISO/IEC JTC 1/SC 37).
    pub format_owner: Option<u16>,
    /// 88: format type (0x0008 = ISO/IEC 19794-5 face).
    pub format_type: Option<u16>,
}

/// What the face image's header says it is (ISO/IEC 19794-5 §5.7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageDataType {
    /// 0: JPEG.
    Jpeg,
    /// 1: JPEG 2000.
    Jpeg2000,
    /// Anything else.
    Other(u8),
}

/// The encoded face image and its declared properties.
#[derive(Clone, PartialEq, Eq)]
pub struct FaceImage {
    /// Declared image data type.
    pub data_type: ImageDataType,
    /// Declared width.
    pub width: u16,
    /// Declared height.
    pub height: u16,
    /// Face image type (0 basic, 1 full frontal, 2 token frontal).
    pub face_image_type: u8,
    /// Image colour space (1 = 24-bit RGB, 2 = YUV422, 3 = greyscale).
    pub colour_space: u8,
    /// Source type (e.g. 2 = digital still, 4 = scanned).
    pub source_type: u8,
    /// Image quality (0 = unspecified).
    pub quality: u16,
    /// The encoded image, exactly as stored.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for FaceImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "FaceImage({:?} {}×{}, {} bytes)",
            self.data_type,
            self.width,
            self.height,
            self.bytes.len()
        )
    }
}

impl FaceImage {
    /// The format the bytes actually have (the declared type can be wrong on real chips; the
    /// bytes decide).
    #[must_use]
    pub fn sniffed_format(&self) -> Option<imaging::ImageFormat> {
        imaging::sniff(&self.bytes)
    }

    /// Whether the declared data type disagrees with the bytes.
    #[must_use]
    pub fn declared_type_mismatch(&self) -> bool {
        match (self.data_type, self.sniffed_format()) {
            (ImageDataType::Jpeg, Some(f)) => f != imaging::ImageFormat::Jpeg,
            (ImageDataType::Jpeg2000, Some(f)) => !f.is_jpeg2000(),
            _ => false,
        }
    }

    /// Decodes the image (JPEG or JPEG 2000) to RGB.
    pub fn decode(&self, limits: &imaging::Limits) -> Result<imaging::Image, Error> {
        imaging::decode(&self.bytes, limits).map_err(|source| Error::Image { file: FILE, source })
    }
}

/// One face of an ISO/IEC 19794-5 record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacialRecord {
    /// Gender (0 unspecified, 1 male, 2 female, 0xFF unknown).
    pub gender: u8,
    /// Eye colour code.
    pub eye_colour: u8,
    /// Hair colour code.
    pub hair_colour: u8,
    /// Feature mask (24 bits).
    pub feature_mask: u32,
    /// Expression code.
    pub expression: u16,
    /// Pose angles: yaw, pitch, roll (encoded per §5.5.7).
    pub pose_angles: [u8; 3],
    /// Number of feature points.
    pub feature_points: u16,
    /// The image.
    pub image: FaceImage,
}

/// A biometric data block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BiometricData {
    /// ISO/IEC 19794-5 facial record(s).
    Iso19794_5(Vec<FacialRecord>),
    /// Another format, or enciphered ('7F2E'): kept as bytes.
    Unsupported {
        /// The block's tag.
        tag: Tag,
        /// Its length.
        len: usize,
    },
}

/// One biometric information template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BiometricTemplate {
    /// The header.
    pub header: BiometricHeader,
    /// The data.
    pub data: BiometricData,
}

/// A parsed DG2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg2 {
    /// The templates, in order.
    pub templates: Vec<BiometricTemplate>,
}

impl Dg2 {
    /// Parses DG2.
    pub fn parse(bytes: &[u8]) -> Result<Dg2, Error> {
        let dg = outer(FILE, bytes)?;
        let group = required(FILE, &dg, Tag::new(0x7F61))?;
        let mut count = None;
        let mut templates = Vec::new();
        for child in group
            .children()
            .map_err(|source| Error::Tlv { file: FILE, source })?
        {
            let child = child.map_err(|source| Error::Tlv { file: FILE, source })?;
            match child.tag().value() {
                0x02 => count = child.value().first().copied(),
                0x7F60 => templates.push(parse_template(&child)?),
                _ => {}
            }
        }
        if templates.is_empty() {
            return Err(Error::MissingElement {
                file: FILE,
                tag: Tag::new(0x7F60),
                offset: group.offset(),
            });
        }
        if count.is_some_and(|c| usize::from(c) != templates.len()) {
            return Err(invalid(
                &group,
                "number of instances does not match the templates",
            ));
        }
        Ok(Dg2 { templates })
    }

    /// Every face image, in order.
    pub fn faces(&self) -> impl Iterator<Item = &FacialRecord> {
        self.templates.iter().flat_map(|t| match &t.data {
            BiometricData::Iso19794_5(faces) => faces.as_slice(),
            BiometricData::Unsupported { .. } => &[],
        })
    }
}

fn invalid(t: &Tlv<'_>, reason: &'static str) -> Error {
    Error::InvalidElement {
        file: FILE,
        tag: t.tag(),
        offset: t.offset(),
        reason,
    }
}

fn u16_of(v: &[u8]) -> Option<u16> {
    match v {
        [a, b] => Some(u16::from_be_bytes([*a, *b])),
        _ => None,
    }
}

fn parse_template(template: &Tlv<'_>) -> Result<BiometricTemplate, Error> {
    let header_tlv = required(FILE, template, Tag::new(0xA1))?;
    let mut header = BiometricHeader::default();
    for el in header_tlv
        .children()
        .map_err(|source| Error::Tlv { file: FILE, source })?
    {
        let el = el.map_err(|source| Error::Tlv { file: FILE, source })?;
        let v = Some(el.value().to_vec());
        match el.tag().value() {
            0x80 => header.version = v,
            0x81 => header.biometric_type = v,
            0x82 => header.subtype = v,
            0x83 => header.creation_date = v,
            0x86 => header.creator = v,
            0x87 => header.format_owner = u16_of(el.value()),
            0x88 => header.format_type = u16_of(el.value()),
            _ => {}
        }
    }
    let block = template
        .children()
        .map_err(|source| Error::Tlv { file: FILE, source })?
        .filter_map(Result::ok)
        .find(|t| matches!(t.tag().value(), 0x5F2E | 0x7F2E))
        .ok_or(Error::MissingElement {
            file: FILE,
            tag: Tag::new(0x5F2E),
            offset: template.offset(),
        })?;
    let data = if block.tag().value() == 0x5F2E && block.value().starts_with(b"FAC\0") {
        BiometricData::Iso19794_5(parse_facial_record(&block)?)
    } else {
        BiometricData::Unsupported {
            tag: block.tag(),
            len: block.value().len(),
        }
    };
    Ok(BiometricTemplate { header, data })
}

/// A big-endian reader over the record that reports where it ran out.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let out = self.bytes.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(out)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }
    fn u16(&mut self) -> Option<u16> {
        u16_of(self.take(2)?)
    }
    fn u24(&mut self) -> Option<u32> {
        let b = self.take(3)?;
        Some(b.iter().fold(0u32, |acc, x| (acc << 8) | u32::from(*x)))
    }
    fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(b.iter().fold(0u32, |acc, x| (acc << 8) | u32::from(*x)))
    }
}

/// ISO/IEC 19794-5:2005 §5.4–5.8.
fn parse_facial_record(block: &Tlv<'_>) -> Result<Vec<FacialRecord>, Error> {
    let short = || invalid(block, "ISO/IEC 19794-5 record shorter than its headers say");
    let bytes = block.value();
    let mut r = Reader { bytes, pos: 0 };
    let _format = r.take(4).ok_or_else(short)?;
    let version = r.take(4).ok_or_else(short)?;
    if version != b"010\0" {
        return Err(invalid(block, "unsupported ISO/IEC 19794-5 version"));
    }
    let record_len = usize::try_from(r.u32().ok_or_else(short)?).map_err(|_| short())?;
    if record_len > bytes.len() || record_len < 14 {
        return Err(invalid(block, "record length exceeds the data block"));
    }
    let faces = r.u16().ok_or_else(short)?;
    if faces == 0 {
        return Err(invalid(block, "record holds no face"));
    }
    let mut out = Vec::new();
    for _ in 0..faces {
        let start = r.pos;
        let face_len = usize::try_from(r.u32().ok_or_else(short)?).map_err(|_| short())?;
        let end = start.checked_add(face_len).ok_or_else(short)?;
        if end > record_len || face_len < 32 {
            return Err(invalid(block, "facial record length exceeds the record"));
        }
        let feature_points = r.u16().ok_or_else(short)?;
        let gender = r.u8().ok_or_else(short)?;
        let eye_colour = r.u8().ok_or_else(short)?;
        let hair_colour = r.u8().ok_or_else(short)?;
        let feature_mask = r.u24().ok_or_else(short)?;
        let expression = r.u16().ok_or_else(short)?;
        let pose = r.take(3).ok_or_else(short)?;
        let _uncertainty = r.take(3).ok_or_else(short)?;
        r.take(usize::from(feature_points) * 8).ok_or_else(short)?;
        let face_image_type = r.u8().ok_or_else(short)?;
        let data_type = match r.u8().ok_or_else(short)? {
            0 => ImageDataType::Jpeg,
            1 => ImageDataType::Jpeg2000,
            other => ImageDataType::Other(other),
        };
        let width = r.u16().ok_or_else(short)?;
        let height = r.u16().ok_or_else(short)?;
        let colour_space = r.u8().ok_or_else(short)?;
        let source_type = r.u8().ok_or_else(short)?;
        let _device = r.u16().ok_or_else(short)?;
        let quality = r.u16().ok_or_else(short)?;
        let image_len = end.checked_sub(r.pos).ok_or_else(short)?;
        let image = r.take(image_len).ok_or_else(short)?.to_vec();
        out.push(FacialRecord {
            gender,
            eye_colour,
            hair_colour,
            feature_mask,
            expression,
            pose_angles: [
                pose.first().copied().unwrap_or(0),
                pose.get(1).copied().unwrap_or(0),
                pose.get(2).copied().unwrap_or(0),
            ],
            feature_points,
            image: FaceImage {
                data_type,
                width,
                height,
                face_image_type,
                colour_space,
                source_type,
                quality,
                bytes: image,
            },
        });
    }
    Ok(out)
}

/// DG7: `'67' { '02' number of images, '5F43' image … }`.
#[derive(Clone, PartialEq, Eq)]
pub struct Dg7 {
    /// The displayed signature or usual mark images, as stored.
    pub images: Vec<Vec<u8>>,
}

impl fmt::Debug for Dg7 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dg7({} images)", self.images.len())
    }
}

impl Dg7 {
    /// Parses DG7.
    pub fn parse(bytes: &[u8]) -> Result<Dg7, Error> {
        let file = LdsFile::Dg(DgNumber(7));
        let dg = outer(file, bytes)?;
        let mut count = None;
        let mut images = Vec::new();
        for el in dg
            .children()
            .map_err(|source| Error::Tlv { file, source })?
        {
            let el = el.map_err(|source| Error::Tlv { file, source })?;
            match el.tag().value() {
                0x02 => count = el.value().first().copied(),
                0x5F43 => images.push(el.value().to_vec()),
                _ => {}
            }
        }
        if count.is_some_and(|c| usize::from(c) != images.len()) {
            return Err(Error::InvalidElement {
                file,
                tag: dg.tag(),
                offset: dg.offset(),
                reason: "number of images does not match",
            });
        }
        Ok(Dg7 { images })
    }

    /// Decodes image `index`.
    pub fn decode(
        &self,
        index: usize,
        limits: &imaging::Limits,
    ) -> Option<Result<imaging::Image, Error>> {
        let bytes = self.images.get(index)?;
        Some(
            imaging::decode(bytes, limits).map_err(|source| Error::Image {
                file: LdsFile::Dg(DgNumber(7)),
                source,
            }),
        )
    }
}
