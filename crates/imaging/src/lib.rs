//! Image decoding for idverify: JPEG and JPEG 2000 (codestream or JP2 file), into 8-bit RGB.
//!
//! Pure: bytes in, pixels out. Every image comes from outside (a chip's DG2, an upload), so the
//! declared size is checked against [`Limits`] before anything is allocated, and a panic inside
//! a third-party decoder is caught and returned as [`Error::Corrupt`] rather than taking the
//! process down.
#![forbid(unsafe_code)]

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

mod transform;
pub use transform::Affine;

/// The container or codestream format of an encoded image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// JPEG (ISO/IEC 10918-1), starts `FF D8 FF`.
    Jpeg,
    /// A raw JPEG 2000 codestream (ISO/IEC 15444-1 annex A), starts `FF 4F FF 51`.
    Jpeg2000Codestream,
    /// A JP2 file (ISO/IEC 15444-1 annex I), starts with the signature box.
    Jp2,
}

impl ImageFormat {
    /// A short name for reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpeg",
            ImageFormat::Jpeg2000Codestream => "jpeg2000-codestream",
            ImageFormat::Jp2 => "jp2",
        }
    }

    /// Whether this is one of the JPEG 2000 forms.
    #[must_use]
    pub fn is_jpeg2000(self) -> bool {
        matches!(self, ImageFormat::Jpeg2000Codestream | ImageFormat::Jp2)
    }
}

/// The format of `bytes`, from their signature.
#[must_use]
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        Some(ImageFormat::Jpeg2000Codestream)
    } else if bytes.starts_with(&[
        0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A,
    ]) {
        Some(ImageFormat::Jp2)
    } else {
        None
    }
}

/// Bounds on what a decode may allocate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest width × height accepted.
    pub max_pixels: u64,
}

impl Default for Limits {
    /// 50 megapixels: more than any phone photo of a document, far less than a decompression bomb.
    fn default() -> Self {
        Limits {
            max_pixels: 50_000_000,
        }
    }
}

/// Why an image could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Neither JPEG nor JPEG 2000.
    #[error("not a JPEG or JPEG 2000 image")]
    UnknownFormat,
    /// The declared size exceeds the limit.
    #[error("{width}×{height} exceeds the limit of {max_pixels} pixels")]
    TooLarge {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// The limit.
        max_pixels: u64,
    },
    /// The data does not decode.
    #[error("{format} data does not decode: {detail}")]
    Corrupt {
        /// The format the signature announced.
        format: &'static str,
        /// The decoder's message.
        detail: String,
    },
    /// A colour space we cannot convert to RGB (e.g. more than four channels).
    #[error("unsupported colour space with {channels} channels")]
    UnsupportedColour {
        /// Channel count.
        channels: u8,
    },
}

impl Error {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::UnknownFormat => "image_unknown_format",
            Error::TooLarge { .. } => "image_too_large",
            Error::Corrupt { .. } => "image_corrupt",
            Error::UnsupportedColour { .. } => "image_unsupported_colour",
        }
    }
}

/// A decoded image: 8-bit RGB, row-major, no padding.
#[derive(Clone, PartialEq, Eq)]
pub struct Image {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
    source: ImageFormat,
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Image({}×{}, from {})",
            self.width,
            self.height,
            self.source.name()
        )
    }
}

impl Image {
    /// Width in pixels.
    #[must_use]
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    #[must_use]
    pub fn height(&self) -> u32 {
        self.height
    }

    /// RGB8 pixels, `width * height * 3` bytes.
    #[must_use]
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The encoded format it came from.
    #[must_use]
    pub fn source(&self) -> ImageFormat {
        self.source
    }

    /// The RGB value at (x, y), if inside the image.
    #[must_use]
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 3]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (usize::try_from(y).ok()? * usize::try_from(self.width).ok()?
            + usize::try_from(x).ok()?)
            * 3;
        let p = self.pixels.get(i..i + 3)?;
        Some([*p.first()?, *p.get(1)?, *p.get(2)?])
    }
}

fn check_size(width: u32, height: u32, limits: &Limits) -> Result<(), Error> {
    if width == 0 || height == 0 {
        return Err(Error::Corrupt {
            format: "image",
            detail: "zero width or height".into(),
        });
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(Error::TooLarge {
            width,
            height,
            max_pixels: limits.max_pixels,
        });
    }
    Ok(())
}

/// Runs a third-party decoder, turning a panic into [`Error::Corrupt`].
fn guarded<T>(format: &'static str, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(Error::Corrupt {
            format,
            detail: "decoder panicked on malformed data".into(),
        })
    })
}

/// Decodes a JPEG or JPEG 2000 image to RGB8.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Image, Error> {
    match sniff(bytes).ok_or(Error::UnknownFormat)? {
        ImageFormat::Jpeg => guarded("jpeg", || decode_jpeg(bytes, limits)),
        format => guarded("jpeg2000", || decode_jpeg2000(bytes, format, limits)),
    }
}

fn decode_jpeg(bytes: &[u8], limits: &Limits) -> Result<Image, Error> {
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;
    let corrupt = |e: &dyn fmt::Display| Error::Corrupt {
        format: "jpeg",
        detail: e.to_string(),
    };
    let side = usize::try_from(limits.max_pixels.min(65_535)).unwrap_or(65_535);
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGB)
        // A truncated JPEG is an error, not a picture padded with grey: a cut-off face or
        // document image must not pass as complete.
        .set_strict_mode(true)
        .set_max_width(side)
        .set_max_height(side);
    // zune-jpeg pads a cut-off scan with grey; a truncated image must be an error. A complete
    // JPEG has its end-of-image marker after the last start-of-scan (an EXIF thumbnail's own
    // EOI comes before the main scan).
    let last = |marker: u8| bytes.windows(2).rposition(|w| w == [0xFF, marker]);
    match (last(0xDA), last(0xD9)) {
        (Some(sos), Some(eoi)) if eoi > sos => {}
        _ => {
            return Err(corrupt(
                &"truncated: no end-of-image marker after the last scan",
            ));
        }
    }
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(bytes, options);
    decoder
        .decode_headers()
        .map_err(|e| corrupt(&format!("{e:?}")))?;
    let info = decoder.info().ok_or_else(|| corrupt(&"no frame header"))?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    check_size(width, height, limits)?;
    let pixels = decoder.decode().map_err(|e| corrupt(&format!("{e:?}")))?;
    let expected =
        usize::try_from(u64::from(width) * u64::from(height) * 3).map_err(|_| corrupt(&"size"))?;
    if pixels.len() != expected {
        return Err(corrupt(&"decoder returned an unexpected number of samples"));
    }
    Ok(Image {
        width,
        height,
        pixels,
        source: ImageFormat::Jpeg,
    })
}

fn decode_jpeg2000(bytes: &[u8], format: ImageFormat, limits: &Limits) -> Result<Image, Error> {
    use hayro_jpeg2000::{ColorSpace, DecodeSettings, DecoderContext};
    let corrupt = |e: &dyn fmt::Debug| Error::Corrupt {
        format: "jpeg2000",
        detail: format!("{e:?}"),
    };
    // JPEG 2000 decodes from a cut-off codestream at lower quality; for evidence, a cut-off file
    // is an error. The end-of-codestream marker must follow the last start-of-data marker
    // (marker codes above FF8F cannot occur inside coded data, ISO/IEC 15444-1 §A.1).
    let last = |marker: u8| bytes.windows(2).rposition(|w| w == [0xFF, marker]);
    match (last(0x93), last(0xD9)) {
        (Some(sod), Some(eoc)) if eoc > sod => {}
        _ => {
            return Err(corrupt(
                &"truncated: no end-of-codestream marker after the last tile data",
            ));
        }
    }
    let image =
        hayro_jpeg2000::Image::new(bytes, &DecodeSettings::default()).map_err(|e| corrupt(&e))?;
    let (width, height) = (image.width(), image.height());
    check_size(width, height, limits)?;
    let channels = image.color_space().num_channels();
    let alpha = usize::from(image.has_alpha());
    let is_cmyk = matches!(image.color_space(), ColorSpace::CMYK);
    let mut ctx = DecoderContext::default();
    let decoded = image.decode(&mut ctx).map_err(|e| corrupt(&e))?;
    let data = decoded.data_u8();
    let stride = usize::from(channels) + alpha;
    let count =
        usize::try_from(u64::from(width) * u64::from(height)).map_err(|_| corrupt(&"size"))?;
    if stride == 0 || data.len() != count * stride {
        return Err(corrupt(&"decoder returned an unexpected number of samples"));
    }
    let mut pixels = Vec::with_capacity(count * 3);
    for px in data.chunks_exact(stride) {
        let rgb = match (channels, px) {
            (1, [g, ..]) => [*g, *g, *g],
            (3, [r, g, b, ..]) => [*r, *g, *b],
            (4, [c, m, y, k, ..]) if is_cmyk => {
                let conv = |v: u8| {
                    u8::try_from(u16::from(255 - v) * u16::from(255 - *k) / 255).unwrap_or(0)
                };
                [conv(*c), conv(*m), conv(*y)]
            }
            (n, _) => return Err(Error::UnsupportedColour { channels: n }),
        };
        pixels.extend_from_slice(&rgb);
    }
    Ok(Image {
        width,
        height,
        pixels,
        source: format,
    })
}
