//! What the SDK may upload, and the checks every upload passes before a byte is stored: the
//! slot exists, the declared content type matches the magic bytes, images are within the pixel
//! limits (read from the header, before any decoding), chip files carry the tag their name says.

use crate::error::ApiError;

/// An evidence slot: what one upload is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// A photo of the document, `front` or `back`.
    Document(Side),
    /// The MRZ as text, as read by the capture SDK (for chip access and cross-checks).
    Mrz,
    /// A chip file.
    Chip(ChipFile),
    /// The selfie.
    Selfie,
    /// One liveness frame, by index.
    Liveness(u32),
}

/// Which side of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The side with the photo (and, on a passport, the MRZ).
    Front,
    /// The other side (the MRZ of an ID-1 card).
    Back,
}

/// A chip file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChipFile {
    /// EF.COM.
    Com,
    /// EF.SOD.
    Sod,
    /// EF.CardAccess.
    CardAccess,
    /// A data group, 1–16.
    Dg(u8),
    /// The chip's answer to the Active Authentication challenge.
    AaResponse,
}

impl ChipFile {
    fn parse(s: &str) -> Option<ChipFile> {
        match s {
            "com" => Some(ChipFile::Com),
            "sod" => Some(ChipFile::Sod),
            "card_access" => Some(ChipFile::CardAccess),
            "aa_response" => Some(ChipFile::AaResponse),
            _ => s
                .strip_prefix("dg")
                .and_then(|n| n.parse::<u8>().ok())
                .filter(|n| (1..=16).contains(n) && !s.starts_with("dg0"))
                .map(ChipFile::Dg),
        }
    }

    fn name(self) -> String {
        match self {
            ChipFile::Com => "com".to_owned(),
            ChipFile::Sod => "sod".to_owned(),
            ChipFile::CardAccess => "card_access".to_owned(),
            ChipFile::AaResponse => "aa_response".to_owned(),
            ChipFile::Dg(n) => format!("dg{n}"),
        }
    }

    /// The outer tag of the file (ICAO 9303-10 §4.6), if it has a fixed one.
    fn tag(self) -> Option<u8> {
        match self {
            ChipFile::Com => Some(0x60),
            ChipFile::Sod => Some(0x77),
            ChipFile::CardAccess => Some(0x31),
            ChipFile::AaResponse => None,
            ChipFile::Dg(n) => [
                0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E,
                0x6F, 0x70,
            ]
            .get(usize::from(n).wrapping_sub(1))
            .copied(),
        }
    }
}

impl Slot {
    /// The slot of an upload path (`document/front`, `chip/dg2`, `liveness/3`, …).
    pub fn parse(kind: &str, item: Option<&str>, max_frames: u32) -> Option<Slot> {
        match (kind, item) {
            ("document", Some("front")) => Some(Slot::Document(Side::Front)),
            ("document", Some("back")) => Some(Slot::Document(Side::Back)),
            ("document", Some("mrz")) => Some(Slot::Mrz),
            ("chip", Some(f)) => ChipFile::parse(f).map(Slot::Chip),
            ("selfie", None) => Some(Slot::Selfie),
            ("liveness", Some(n)) => n
                .parse::<u32>()
                .ok()
                .filter(|v| *v < max_frames && v.to_string() == n)
                .map(Slot::Liveness),
            _ => None,
        }
    }

    /// The evidence name (also the object-key suffix and the AAD of its encryption).
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Slot::Document(Side::Front) => "document/front".to_owned(),
            Slot::Document(Side::Back) => "document/back".to_owned(),
            Slot::Mrz => "document/mrz".to_owned(),
            Slot::Chip(f) => format!("chip/{}", f.name()),
            Slot::Selfie => "selfie".to_owned(),
            Slot::Liveness(n) => format!("liveness/{n}"),
        }
    }

    /// The SDK-token scope the upload needs.
    #[must_use]
    pub fn scope(&self) -> &'static str {
        match self {
            Slot::Document(_) | Slot::Mrz => auth::scope::DOCUMENT,
            Slot::Chip(_) => auth::scope::CHIP,
            Slot::Selfie | Slot::Liveness(_) => auth::scope::FACE,
        }
    }
}

/// An image format we accept from the SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// JPEG.
    Jpeg,
    /// PNG.
    Png,
}

/// Limits an upload must respect.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// Most pixels in an image.
    pub max_pixels: u64,
    /// Fewest pixels on an image side.
    pub min_side: u32,
}

/// Validates one upload's bytes for its slot and declared content type.
///
/// # Errors
/// `415 unsupported_media_type` when the type is not one the slot takes; `400
/// content_mismatch` when the bytes are not what the type says; `400 image_too_large` /
/// `image_too_small`; `400 chip_file_invalid`; `400 mrz_invalid`.
pub fn validate(
    slot: &Slot,
    content_type: Option<&str>,
    bytes: &[u8],
    limits: UploadLimits,
) -> Result<(), ApiError> {
    let ct = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if bytes.is_empty() {
        return Err(ApiError::bad_request("empty_body", "the upload is empty").field("body"));
    }
    match slot {
        Slot::Document(_) | Slot::Selfie | Slot::Liveness(_) => {
            let declared = match ct.as_str() {
                "image/jpeg" => ImageFormat::Jpeg,
                "image/png" => ImageFormat::Png,
                _ => return Err(unsupported("image/jpeg or image/png")),
            };
            let (w, h) = image_dimensions(declared, bytes)?;
            let pixels = u64::from(w) * u64::from(h);
            if pixels > limits.max_pixels {
                return Err(ApiError::bad_request(
                    "image_too_large",
                    format!("{w}×{h} is above the limit of {} pixels", limits.max_pixels),
                )
                .field("body"));
            }
            if w < limits.min_side || h < limits.min_side {
                return Err(ApiError::bad_request(
                    "image_too_small",
                    format!("{w}×{h}: each side must be at least {}", limits.min_side),
                )
                .field("body"));
            }
            Ok(())
        }
        Slot::Mrz => {
            if ct != "text/plain" {
                return Err(unsupported("text/plain"));
            }
            let ok = bytes.len() <= 200
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"<\n\r ".contains(b));
            if ok {
                Ok(())
            } else {
                Err(ApiError::bad_request(
                    "mrz_invalid",
                    "an MRZ is 2 or 3 lines of A–Z, 0–9 and <",
                )
                .field("body"))
            }
        }
        Slot::Chip(file) => {
            if ct != "application/octet-stream" {
                return Err(unsupported("application/octet-stream"));
            }
            if let Some(tag) = file.tag() {
                let ok = bytes.first() == Some(&tag) && tlv_length_fits(bytes);
                if !ok {
                    return Err(ApiError::bad_request(
                        "chip_file_invalid",
                        format!(
                            "chip/{} must be one BER-TLV object with tag {tag:02X}",
                            file.name()
                        ),
                    )
                    .field("body"));
                }
            } else if bytes.len() > 1024 {
                return Err(ApiError::bad_request(
                    "chip_file_invalid",
                    "an Active Authentication response is at most 1024 bytes",
                )
                .field("body"));
            }
            Ok(())
        }
    }
}

fn unsupported(expected: &str) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!("expected Content-Type {expected}"),
    )
    .field("content-type")
}

fn mismatch(declared: &str) -> ApiError {
    ApiError::bad_request(
        "content_mismatch",
        format!("the bytes are not a well-formed {declared}"),
    )
    .field("body")
}

/// Whether a single-byte-tag BER-TLV object's declared length is exactly the rest of the bytes.
fn tlv_length_fits(bytes: &[u8]) -> bool {
    let Some(&first) = bytes.get(1) else {
        return false;
    };
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 3 {
            return false;
        }
        let Some(len_bytes) = bytes.get(2..2 + n) else {
            return false;
        };
        (
            len_bytes
                .iter()
                .fold(0usize, |a, b| (a << 8) | usize::from(*b)),
            2 + n,
        )
    };
    header + len == bytes.len()
}

/// Width and height from the image header, without decoding pixels.
///
/// # Errors
/// `content_mismatch` when the bytes do not start like the declared format or the header is
/// unreadable.
pub fn image_dimensions(format: ImageFormat, bytes: &[u8]) -> Result<(u32, u32), ApiError> {
    match format {
        ImageFormat::Png => {
            // PNG signature, then IHDR first (RFC 2083 §3.1, §4.1.1).
            const SIG: &[u8] = b"\x89PNG\r\n\x1a\n";
            if !bytes.starts_with(SIG) || bytes.get(12..16) != Some(b"IHDR") {
                return Err(mismatch("PNG"));
            }
            let be = |r: std::ops::Range<usize>| -> Option<u32> {
                bytes
                    .get(r)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .map(u32::from_be_bytes)
            };
            match (be(16..20), be(20..24)) {
                (Some(w), Some(h)) if w > 0 && h > 0 => Ok((w, h)),
                _ => Err(mismatch("PNG")),
            }
        }
        ImageFormat::Jpeg => {
            if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
                return Err(mismatch("JPEG"));
            }
            let options = zune_core::options::DecoderOptions::default()
                .set_max_width(usize::MAX)
                .set_max_height(usize::MAX);
            let mut decoder = zune_jpeg::JpegDecoder::new_with_options(bytes, options);
            decoder.decode_headers().map_err(|_| mismatch("JPEG"))?;
            match decoder.dimensions() {
                Some((w, h)) if w > 0 && h > 0 => Ok((
                    u32::try_from(w).map_err(|_| mismatch("JPEG"))?,
                    u32::try_from(h).map_err(|_| mismatch("JPEG"))?,
                )),
                _ => Err(mismatch("JPEG")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: UploadLimits = UploadLimits {
        max_pixels: 1000,
        min_side: 4,
    };

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&[8, 2, 0, 0, 0]);
        v
    }

    #[test]
    fn slots_parse_only_known_names() {
        assert_eq!(
            Slot::parse("chip", Some("dg2"), 8),
            Some(Slot::Chip(ChipFile::Dg(2)))
        );
        assert_eq!(Slot::parse("chip", Some("dg17"), 8), None);
        assert_eq!(Slot::parse("chip", Some("dg02"), 8), None);
        assert_eq!(
            Slot::parse("liveness", Some("7"), 8),
            Some(Slot::Liveness(7))
        );
        assert_eq!(Slot::parse("liveness", Some("8"), 8), None);
        assert_eq!(Slot::parse("liveness", Some("07"), 8), None);
        assert_eq!(Slot::parse("document", Some("side"), 8), None);
        assert_eq!(Slot::parse("selfie", None, 8), Some(Slot::Selfie));
    }

    #[test]
    fn images_are_checked_by_magic_and_header() {
        let ok = png(20, 20);
        assert!(validate(&Slot::Selfie, Some("image/png"), &ok, L).is_ok());
        let e = validate(&Slot::Selfie, Some("image/jpeg"), &ok, L).unwrap_err();
        assert_eq!(e.code, "content_mismatch");
        let e = validate(&Slot::Selfie, Some("image/gif"), &ok, L).unwrap_err();
        assert_eq!(e.code, "unsupported_media_type");
        let e = validate(&Slot::Selfie, Some("image/png"), &png(100, 100), L).unwrap_err();
        assert_eq!(e.code, "image_too_large");
        let e = validate(&Slot::Selfie, Some("image/png"), &png(2, 100), L).unwrap_err();
        assert_eq!(e.code, "image_too_small");
        let e = validate(&Slot::Selfie, Some("image/jpeg"), b"\xFF\xD8\xFFgarbage", L).unwrap_err();
        assert_eq!(e.code, "content_mismatch");
    }

    #[test]
    fn chip_files_carry_their_tag_and_exact_length() {
        let dg1 = [0x61, 0x03, 0x5F, 0x1F, 0x00];
        let sl = Slot::Chip(ChipFile::Dg(1));
        assert!(validate(&sl, Some("application/octet-stream"), &dg1, L).is_ok());
        let e = validate(&sl, Some("application/octet-stream"), &dg1[..4], L).unwrap_err();
        assert_eq!(e.code, "chip_file_invalid");
        let e = validate(
            &Slot::Chip(ChipFile::Sod),
            Some("application/octet-stream"),
            &dg1,
            L,
        )
        .unwrap_err();
        assert_eq!(e.code, "chip_file_invalid");
    }

    proptest::proptest! {
        #[test]
        fn validation_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256), which in 0u8..4) {
            let (slot, ct) = match which {
                0 => (Slot::Selfie, "image/jpeg"),
                1 => (Slot::Selfie, "image/png"),
                2 => (Slot::Chip(ChipFile::Sod), "application/octet-stream"),
                _ => (Slot::Mrz, "text/plain"),
            };
            let _ = validate(&slot, Some(ct), &bytes, L);
        }
    }
}
