//! The crate's one error type.

use crate::Field;

/// Why an MRZ could not be parsed at all, or why fields could not be turned into an MRZ.
///
/// Problems that still leave a readable MRZ (a wrong check digit, an unknown country) are not
/// errors: they are [`crate::Problem`]s on the parsed [`crate::Mrz`], all of them reported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input holds no MRZ characters at all.
    #[error("empty input")]
    Empty,
    /// A character outside `A`–`Z`, `0`–`9` and `<` inside an MRZ line.
    #[error("invalid character at line {line}, column {column} (byte offset {offset})")]
    InvalidCharacter {
        /// 1-based line number.
        line: usize,
        /// 1-based column in that line.
        column: usize,
        /// Byte offset in the input.
        offset: usize,
    },
    /// The line count and lengths match no ICAO 9303 format.
    #[error("unrecognised MRZ shape: {lines} line(s), first of length {length}")]
    UnrecognisedShape {
        /// Number of non-empty lines.
        lines: usize,
        /// Length of the first line.
        length: usize,
    },
    /// The lines do not all have the same, expected length.
    #[error("line {line} has length {length}, expected {expected}")]
    LineLength {
        /// 1-based line number.
        line: usize,
        /// Its length.
        length: usize,
        /// The length the format requires.
        expected: usize,
    },
    /// Generation: a field holds characters the MRZ cannot represent, or a value out of range.
    #[error("field {field} is invalid: {reason}")]
    InvalidField {
        /// Which field.
        field: Field,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Generation: a field is longer than its zone allows.
    #[error("field {field} is longer than {max} characters")]
    FieldTooLong {
        /// Which field.
        field: Field,
        /// The maximum.
        max: usize,
    },
}

impl Error {
    /// Stable snake_case code, as in the API.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::Empty => "empty_input",
            Error::InvalidCharacter { .. } => "invalid_character",
            Error::UnrecognisedShape { .. } => "unrecognised_shape",
            Error::LineLength { .. } => "line_length_mismatch",
            Error::InvalidField { .. } => "invalid_field",
            Error::FieldTooLong { .. } => "field_too_long",
        }
    }
}
