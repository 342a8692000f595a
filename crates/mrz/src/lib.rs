//! ICAO 9303 machine-readable zones: parse, validate, repair, generate, and the BAC key seed.
//!
//! Pure core: no I/O, no clock (`today` is injected through [`ParseOptions`]).
//!
//! # Formats
//!
//! | [`Format`] | Shape | Source |
//! |---|---|---|
//! | `Td1` | 3 × 30 (unbroken 90) | ICAO 9303-5 §4.2.2 |
//! | `Td2` | 2 × 36 (unbroken 72) | ICAO 9303-6 §4.2.2 |
//! | `Td3` | 2 × 44 (unbroken 88) | ICAO 9303-4 §4.2.2 |
//! | `MrvA` | 2 × 44, code `V…` | ICAO 9303-7 §4.2.2 |
//! | `MrvB` | 2 × 36, code `V…` | ICAO 9303-7 §4.2.2 |
//! | `FrenchId` | 2 × 36, `IDFRA…` | French CNI issued before 2021 (national layout) |
//!
//! # API
//!
//! - [`Mrz::parse`] (`&str`, 2/3 lines or unbroken) and [`Mrz::parse_bytes`] (DG1 bytes) with
//!   [`ParseOptions`] (`today`, expiry window, opt-in OCR repair) → [`Mrz`]; only an unreadable
//!   input is an [`Error`], every other problem is a [`Problem`] in [`Mrz::problems`].
//! - Typed fields on [`Mrz`]: `document_code`, `issuing_state`, `document_number` (full, long TD1
//!   / TD2 numbers joined), `optional_data`, `optional_data_2`, `birth_date` / `expiry_date`
//!   ([`Date`], century rule applied), `sex` ([`Sex`]), `nationality`, `primary_identifier`,
//!   `secondary_identifier`, `names_truncated`, `department` / `office` (CNI), `repairs`.
//! - [`Mrz::checks`] → `Vec<checks::Check>` for the server.
//! - [`generate`] ([`MrzFields`] → MRZ text) for every format.
//! - [`bac`]: [`bac::BacKeys`] (`from_fields`, `from_mrz`, `from_mrz_information`),
//!   [`bac::key_seed`], [`bac::kdf_sha1`], [`bac::derive_key`], [`bac::adjust_parity`].
//! - [`check_digit`] (7-3-1, ICAO 9303-3 §4.9), [`countries::is_known`].
//!
//! # Century rule
//!
//! A birth date `YYMMDD` is the latest valid date with that year-of-century that is not after
//! `today`. An expiry date is the latest one not after `today + expiry_window_years` (default 20).
//!
//! # OCR repair (opt-in)
//!
//! Only the confusions O↔0, I↔1, B↔8, S↔5, Z↔2, G↔6. A letter in a date (a numeric field) is
//! turned into its digit only if the date's check digit then matches; a document number's single
//! character is changed only if exactly one such change makes its failing check digit match;
//! a digit in a country code is turned into its letter only if the result is a known code.
//! A letter in a stand-alone check digit (TD3 personal number, composite) becomes its digit
//! only if that check digit then matches.
//! Every change is a [`Repair`] in [`Mrz::repairs`], and reported as the `mrz.ocr_repair` check.
//!
//! # Checks and reason codes
//!
//! Checks: `mrz.format`, `mrz.check_digits`, `mrz.composite_check_digit`, `mrz.dates`,
//! `mrz.country_codes`, `mrz.sex`, `mrz.names`, `mrz.expiry`, `mrz.ocr_repair`.
//!
//! | Reason code | Check | Meaning |
//! |---|---|---|
//! | `ok` | all | Passed. |
//! | `invalid_document_code` | `mrz.format` | Document code does not fit the format. |
//! | `check_digit_mismatch` | `mrz.check_digits` | A field check digit is wrong or not a digit. |
//! | `invalid_long_document_number` | `mrz.check_digits` | `<` in the check position without a continuation. |
//! | `composite_check_digit_mismatch` | `mrz.composite_check_digit` | The composite check digit is wrong. |
//! | `no_composite_in_format` | `mrz.composite_check_digit` | MRV-A/MRV-B have none (not performed). |
//! | `invalid_date` | `mrz.dates` | A date is not a calendar date. |
//! | `unknown_country_code` | `mrz.country_codes` | Not on the ICAO 9303-3 list. |
//! | `invalid_sex` | `mrz.sex` | Not `M`, `F`, `X` or `<`. |
//! | `invalid_name` | `mrz.names` | Digits in a name, or a name not starting with a letter. |
//! | `document_expired` | `mrz.expiry` | Expiry date before `today`. |
//! | `no_expiry_in_format` | `mrz.expiry` | French CNI: no expiry in the MRZ (not performed). |
//! | `expiry_unreadable` | `mrz.expiry` | The expiry date is invalid (fail). |
//! | `ocr_repaired` | `mrz.ocr_repair` | Repairs were applied (warn). |
//! | `no_repair` | `mrz.ocr_repair` | No repair was needed (pass). |
//!
//! Problem codes ([`ProblemCode::as_str`]) are the same strings as the reason codes above;
//! [`Error::code`] gives `empty_input`, `invalid_character`, `unrecognised_shape`,
//! `line_length_mismatch`, `invalid_field`, `field_too_long`.
//!
//! # Not done here
//!
//! Transliteration of national characters (Part 3 §6) is the caller's; birth dates with unknown
//! day or month (`<<`) are reported as `invalid_date`.
#![forbid(unsafe_code)]

use std::fmt;

pub mod bac;
mod checks_impl;
pub mod countries;
mod date;
mod error;
mod generate;
mod parse;

pub use date::Date;
pub use error::Error;
pub use generate::{MrzFields, generate};
pub use parse::{Mrz, ParseOptions, Problem, ProblemCode, Repair, Sex};

/// The MRZ formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// TD1 card, 3 × 30.
    Td1,
    /// TD2 card, 2 × 36.
    Td2,
    /// TD3 passport, 2 × 44.
    Td3,
    /// Visa A, 2 × 44.
    MrvA,
    /// Visa B, 2 × 36.
    MrvB,
    /// French national identity card issued before 2021, 2 × 36.
    FrenchId,
}

impl Format {
    /// Stable snake_case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Td1 => "td1",
            Format::Td2 => "td2",
            Format::Td3 => "td3",
            Format::MrvA => "mrv_a",
            Format::MrvB => "mrv_b",
            Format::FrenchId => "french_id",
        }
    }

    /// All formats.
    pub const ALL: [Format; 6] = [
        Format::Td1,
        Format::Td2,
        Format::Td3,
        Format::MrvA,
        Format::MrvB,
        Format::FrenchId,
    ];
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A field of the MRZ (for problems, repairs and generation errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// Document code.
    DocumentCode,
    /// Issuing state or organization.
    IssuingState,
    /// The name zone (primary and secondary identifiers; CNI: surname).
    Name,
    /// CNI: given names on line 2.
    GivenNames,
    /// Document number.
    DocumentNumber,
    /// Nationality.
    Nationality,
    /// Date of birth.
    BirthDate,
    /// Sex.
    Sex,
    /// Date of expiry.
    ExpiryDate,
    /// Optional data / personal number (and its check digit in TD3).
    OptionalData,
    /// TD1 line 2 optional data.
    OptionalData2,
    /// Composite check digit.
    Composite,
}

impl Field {
    /// Stable snake_case name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Field::DocumentCode => "document_code",
            Field::IssuingState => "issuing_state",
            Field::Name => "name",
            Field::GivenNames => "given_names",
            Field::DocumentNumber => "document_number",
            Field::Nationality => "nationality",
            Field::BirthDate => "birth_date",
            Field::Sex => "sex",
            Field::ExpiryDate => "expiry_date",
            Field::OptionalData => "optional_data",
            Field::OptionalData2 => "optional_data_2",
            Field::Composite => "composite",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The 7-3-1 check digit of ICAO 9303-3 §4.9 as an ASCII digit: `0`–`9` = 0–9, `A`–`Z` =
/// 10–35, `<` = 0, weights 7, 3, 1 repeating, sum modulo 10. `None` if a character is not an
/// MRZ character.
pub fn check_digit<'a>(data: impl IntoIterator<Item = &'a u8>) -> Option<u8> {
    const W: [u32; 3] = [7, 3, 1];
    let mut sum = 0u32;
    for (i, &b) in data.into_iter().enumerate() {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            b'<' => 0,
            _ => return None,
        };
        sum += v * W.get(i % 3).copied().unwrap_or(1);
    }
    Some(b'0' + u8::try_from(sum % 10).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_icao_9303_3_examples() {
        // ICAO 9303-3 §4.9 worked example: date 520727 → 3; document number L898902C<.
        assert_eq!(check_digit(b"520727"), Some(b'3'));
        assert_eq!(check_digit(b"L898902C<"), Some(b'3'));
        assert_eq!(check_digit(b"AB2134<<<"), Some(b'5'));
        assert_eq!(check_digit(b"a"), None);
        assert_eq!(check_digit(b""), Some(b'0'));
    }
}
