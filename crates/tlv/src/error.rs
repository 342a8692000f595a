//! The crate's one error type.

/// Why a byte string is not valid BER-TLV. Every variant names the byte offset (from the
/// start of the outermost input) where the problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input ended inside a tag, a length or a value.
    #[error("truncated {what} at byte {offset}: {needed} more byte(s) needed")]
    Truncated {
        /// Which part was cut off: `tag`, `length` or `value`.
        what: &'static str,
        /// Offset where the part starts.
        offset: usize,
        /// How many bytes were missing.
        needed: usize,
    },
    /// The length byte is 0x80: the indefinite form, which ISO/IEC 7816-4 and ICAO 9303 do not use.
    #[error("indefinite length at byte {offset}")]
    IndefiniteLength {
        /// Offset of the length byte.
        offset: usize,
    },
    /// The long-form length has more than 4 length bytes (0x85..=0xFF).
    #[error("length field of {bytes} bytes at byte {offset} (at most 4 supported)")]
    LengthTooLong {
        /// Offset of the first length byte.
        offset: usize,
        /// Number of length bytes announced.
        bytes: usize,
    },
    /// A multi-byte tag is longer than 4 bytes.
    #[error("tag longer than 4 bytes at byte {offset}")]
    TagTooLong {
        /// Offset of the tag's first byte.
        offset: usize,
    },
    /// A multi-byte tag whose first subsequent byte has bits 7..1 all zero (ISO/IEC 7816-4 §5.2.2.1).
    #[error("malformed multi-byte tag at byte {offset}")]
    MalformedTag {
        /// Offset of the tag's first byte.
        offset: usize,
    },
    /// A tag byte 0x00 or 0xFF where a data object was expected (padding is only skipped on request).
    #[error("padding byte 0x{byte:02X} where a tag was expected at byte {offset}")]
    Padding {
        /// Offset of the byte.
        offset: usize,
        /// The byte (0x00 or 0xFF).
        byte: u8,
    },
    /// A data object with a tag other than the one required.
    #[error("expected tag {expected} at byte {offset}, found {found}")]
    UnexpectedTag {
        /// Offset of the data object.
        offset: usize,
        /// The tag required.
        expected: crate::Tag,
        /// The tag found.
        found: crate::Tag,
    },
    /// Bytes left over after the data object(s) that should have filled the input.
    #[error("{count} trailing byte(s) at byte {offset}")]
    TrailingData {
        /// Offset of the first trailing byte.
        offset: usize,
        /// How many bytes are left over.
        count: usize,
    },
    /// Children were asked of a primitive data object.
    #[error("data object {tag} at byte {offset} is primitive, not constructed")]
    NotConstructed {
        /// Offset of the data object.
        offset: usize,
        /// Its tag.
        tag: crate::Tag,
    },
    /// A value too long to encode with a 4-byte length.
    #[error("value of {len} bytes is too long to encode")]
    ValueTooLong {
        /// The value's length.
        len: usize,
    },
}

impl Error {
    /// A stable snake_case code for this error, for APIs and logs.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::Truncated { .. } => "tlv_truncated",
            Error::IndefiniteLength { .. } => "tlv_indefinite_length",
            Error::LengthTooLong { .. } => "tlv_length_too_long",
            Error::TagTooLong { .. } => "tlv_tag_too_long",
            Error::MalformedTag { .. } => "tlv_malformed_tag",
            Error::Padding { .. } => "tlv_padding",
            Error::UnexpectedTag { .. } => "tlv_unexpected_tag",
            Error::TrailingData { .. } => "tlv_trailing_data",
            Error::NotConstructed { .. } => "tlv_not_constructed",
            Error::ValueTooLong { .. } => "tlv_value_too_long",
        }
    }

    /// The byte offset the error refers to, where it has one.
    #[must_use]
    pub fn offset(&self) -> Option<usize> {
        match *self {
            Error::Truncated { offset, .. }
            | Error::IndefiniteLength { offset }
            | Error::LengthTooLong { offset, .. }
            | Error::TagTooLong { offset }
            | Error::MalformedTag { offset }
            | Error::Padding { offset, .. }
            | Error::UnexpectedTag { offset, .. }
            | Error::TrailingData { offset, .. }
            | Error::NotConstructed { offset, .. } => Some(offset),
            Error::ValueTooLong { .. } => None,
        }
    }
}
