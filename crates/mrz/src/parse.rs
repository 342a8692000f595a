//! Parsing, validation and OCR repair.

use std::fmt;
use std::ops::Range;

use crate::date::{Date, resolve_century};
use crate::{Error, Field, Format, check_digit, countries};

/// The longest MRZ (TD1, 3 × 30).
const MAX_LEN: usize = 90;

/// Options for [`Mrz::parse`]. `today` is injected: the parser never reads a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// The date the century rule and the expiry check are evaluated against.
    pub today: Date,
    /// How many years after `today` a two-digit expiry year may still fall (default 20).
    pub expiry_window_years: u16,
    /// Apply the opt-in OCR repair (default off).
    pub repair: bool,
}

impl ParseOptions {
    /// Defaults: a 20-year expiry window, no repair.
    #[must_use]
    pub fn new(today: Date) -> Self {
        ParseOptions {
            today,
            expiry_window_years: 20,
            repair: false,
        }
    }

    /// Turns the OCR repair on or off.
    #[must_use]
    pub fn with_repair(mut self, repair: bool) -> Self {
        self.repair = repair;
        self
    }

    /// Sets the expiry window in years.
    #[must_use]
    pub fn with_expiry_window_years(mut self, years: u16) -> Self {
        self.expiry_window_years = years;
        self
    }
}

/// A stable code for one problem found in a readable MRZ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProblemCode {
    /// A field's check digit does not match (or is not a digit).
    CheckDigitMismatch,
    /// The composite check digit does not match (or is not a digit).
    CompositeCheckDigitMismatch,
    /// A date is not a valid `YYMMDD` calendar date.
    InvalidDate,
    /// An issuing state or nationality is not on the ICAO 9303-3 list.
    UnknownCountryCode,
    /// The sex is not `M`, `F`, `X` or `<`.
    InvalidSex,
    /// The document code does not fit the format (`P` for TD3, `V` for visas, `A`/`C`/`I` for cards).
    InvalidDocumentCode,
    /// A name field holds digits or does not start with a letter.
    InvalidName,
    /// A long document number (`<` in its check-digit position) has no continuation and check digit.
    InvalidLongDocumentNumber,
}

impl ProblemCode {
    /// Stable snake_case code.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::CheckDigitMismatch => "check_digit_mismatch",
            ProblemCode::CompositeCheckDigitMismatch => "composite_check_digit_mismatch",
            ProblemCode::InvalidDate => "invalid_date",
            ProblemCode::UnknownCountryCode => "unknown_country_code",
            ProblemCode::InvalidSex => "invalid_sex",
            ProblemCode::InvalidDocumentCode => "invalid_document_code",
            ProblemCode::InvalidName => "invalid_name",
            ProblemCode::InvalidLongDocumentNumber => "invalid_long_document_number",
        }
    }
}

impl fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem: which field, where (0-based character offset in the unbroken MRZ, lines
/// concatenated), and a stable code. Holds no personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Problem {
    /// Stable code.
    pub code: ProblemCode,
    /// The field concerned.
    pub field: Field,
    /// 0-based character offset in the unbroken MRZ (line = offset / line length).
    pub position: usize,
}

/// One OCR repair applied in repair mode: the character at `position` was `from` and is now `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Repair {
    /// The field repaired.
    pub field: Field,
    /// 0-based character offset in the unbroken MRZ.
    pub position: usize,
    /// What OCR read.
    pub from: char,
    /// What the field type and check digit prove it to be.
    pub to: char,
}

/// The sex field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// `M`.
    Male,
    /// `F`.
    Female,
    /// `X`: unspecified.
    Unspecified,
    /// `<`: not given.
    NotGiven,
    /// Anything else (reported as [`ProblemCode::InvalidSex`]).
    Invalid,
}

impl Sex {
    /// The MRZ character (`?` for [`Sex::Invalid`]).
    #[must_use]
    pub fn as_char(self) -> char {
        match self {
            Sex::Male => 'M',
            Sex::Female => 'F',
            Sex::Unspecified => 'X',
            Sex::NotGiven => '<',
            Sex::Invalid => '?',
        }
    }

    fn from_byte(b: u8) -> Sex {
        match b {
            b'M' => Sex::Male,
            b'F' => Sex::Female,
            b'X' => Sex::Unspecified,
            b'<' => Sex::NotGiven,
            _ => Sex::Invalid,
        }
    }
}

/// Where each field sits in the unbroken MRZ of one format (ICAO 9303-4 §4.2.2 TD3, 9303-5
/// §4.2.2 TD1 / §4.2.2 TD2, 9303-7 §4.2.2 MRV-A / MRV-B; French CNI: its own 2 × 36 layout).
#[derive(Debug)]
pub(crate) struct Layout {
    pub line_len: usize,
    pub lines: usize,
    pub name: Range<usize>,
    pub given_names: Option<Range<usize>>,
    pub doc: Range<usize>,
    pub doc_cd: usize,
    pub nationality: Option<Range<usize>>,
    pub birth: Range<usize>,
    pub birth_cd: usize,
    pub sex: usize,
    pub expiry: Option<(Range<usize>, usize)>,
    pub optional: Range<usize>,
    pub optional_cd: Option<usize>,
    pub optional2: Option<Range<usize>>,
    pub composite: Option<(usize, &'static [Range<usize>])>,
    pub long_doc_number: bool,
}

// The CNI composite covers one range (0..71): a one-element list is intended.
#[allow(clippy::single_range_in_vec_init)]
pub(crate) fn layout(format: Format) -> Layout {
    match format {
        // ICAO 9303-4 §4.2.2.
        Format::Td3 => Layout {
            line_len: 44,
            lines: 2,
            name: 5..44,
            given_names: None,
            doc: 44..53,
            doc_cd: 53,
            nationality: Some(54..57),
            birth: 57..63,
            birth_cd: 63,
            sex: 64,
            expiry: Some((65..71, 71)),
            optional: 72..86,
            optional_cd: Some(86),
            optional2: None,
            composite: Some((87, &[44..54, 57..64, 65..87])),
            long_doc_number: false,
        },
        // ICAO 9303-7 §4.2.2 (MRV-A): no composite, 16 optional characters.
        Format::MrvA => Layout {
            line_len: 44,
            lines: 2,
            name: 5..44,
            given_names: None,
            doc: 44..53,
            doc_cd: 53,
            nationality: Some(54..57),
            birth: 57..63,
            birth_cd: 63,
            sex: 64,
            expiry: Some((65..71, 71)),
            optional: 72..88,
            optional_cd: None,
            optional2: None,
            composite: None,
            long_doc_number: false,
        },
        // ICAO 9303-6 §4.2.2 (TD2).
        Format::Td2 => Layout {
            line_len: 36,
            lines: 2,
            name: 5..36,
            given_names: None,
            doc: 36..45,
            doc_cd: 45,
            nationality: Some(46..49),
            birth: 49..55,
            birth_cd: 55,
            sex: 56,
            expiry: Some((57..63, 63)),
            optional: 64..71,
            optional_cd: None,
            optional2: None,
            composite: Some((71, &[36..46, 49..56, 57..71])),
            long_doc_number: true,
        },
        // ICAO 9303-7 §4.2.2 (MRV-B): no composite, 8 optional characters.
        Format::MrvB => Layout {
            line_len: 36,
            lines: 2,
            name: 5..36,
            given_names: None,
            doc: 36..45,
            doc_cd: 45,
            nationality: Some(46..49),
            birth: 49..55,
            birth_cd: 55,
            sex: 56,
            expiry: Some((57..63, 63)),
            optional: 64..72,
            optional_cd: None,
            optional2: None,
            composite: None,
            long_doc_number: false,
        },
        // ICAO 9303-5 §4.2.2 (TD1).
        Format::Td1 => Layout {
            line_len: 30,
            lines: 3,
            name: 60..90,
            given_names: None,
            doc: 5..14,
            doc_cd: 14,
            nationality: Some(45..48),
            birth: 30..36,
            birth_cd: 36,
            sex: 37,
            expiry: Some((38..44, 44)),
            optional: 15..30,
            optional_cd: None,
            optional2: Some(48..59),
            composite: Some((59, &[5..30, 30..37, 38..45, 48..59])),
            long_doc_number: true,
        },
        // French CNI (before 2021): line 1 `IDFRA` + surname (25) + department (3) + office (3);
        // line 2 card number (12) + check, given names (14), birth date + check, sex, composite
        // over line 1 and line 2 up to the sex.
        Format::FrenchId => Layout {
            line_len: 36,
            lines: 2,
            name: 5..30,
            given_names: Some(49..63),
            doc: 36..48,
            doc_cd: 48,
            nationality: None,
            birth: 63..69,
            birth_cd: 69,
            sex: 70,
            expiry: None,
            optional: 30..36,
            optional_cd: None,
            optional2: None,
            composite: Some((71, &[0..71])),
            long_doc_number: false,
        },
    }
}

/// A parsed MRZ with its typed fields, every problem found and every repair applied.
///
/// Holds personal data: `Debug` masks every field. Parsing a valid MRZ does not allocate
/// (fields are kept inline); names are built on request.
#[derive(Clone, PartialEq, Eq)]
pub struct Mrz {
    format: Format,
    raw: [u8; MAX_LEN],
    len: usize,
    doc_number: [u8; 36],
    doc_number_len: usize,
    optional: Range<usize>,
    birth_date: Option<Date>,
    expiry_date: Option<Date>,
    problems: Vec<Problem>,
    repairs: Vec<Repair>,
    today: Date,
}

impl fmt::Debug for Mrz {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mrz")
            .field("format", &self.format)
            .field("fields", &"[redacted]")
            .field("problems", &self.problems)
            .field("repairs", &self.repairs.len())
            .finish()
    }
}

fn is_mrz_char(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<'
}

fn sub(raw: &[u8], r: Range<usize>) -> &[u8] {
    raw.get(r).unwrap_or(&[])
}

fn at(raw: &[u8], i: usize) -> u8 {
    raw.get(i).copied().unwrap_or(b'?')
}

fn as_str(b: &[u8]) -> &str {
    // Only ASCII MRZ characters are ever stored.
    std::str::from_utf8(b).unwrap_or("")
}

fn trim_fillers(b: &[u8]) -> &[u8] {
    let end = b.iter().rposition(|&c| c != b'<').map_or(0, |p| p + 1);
    b.get(..end).unwrap_or(&[])
}

/// Digit → letter and letter → digit OCR confusions (ICAO OCR-B: O/0, I/1, B/8, S/5, Z/2, G/6).
fn to_digit(b: u8) -> Option<u8> {
    Some(match b {
        b'O' => b'0',
        b'I' => b'1',
        b'Z' => b'2',
        b'S' => b'5',
        b'G' => b'6',
        b'B' => b'8',
        _ => return None,
    })
}

fn to_letter(b: u8) -> Option<u8> {
    Some(match b {
        b'0' => b'O',
        b'1' => b'I',
        b'2' => b'Z',
        b'5' => b'S',
        b'6' => b'G',
        b'8' => b'B',
        _ => return None,
    })
}

impl Mrz {
    /// Parses one MRZ: 2 or 3 lines (surrounding whitespace, blank lines and CRLF tolerated) or
    /// the unbroken form of a chip's DG1 (90, 88 or 72 characters). The format is detected by
    /// shape: 3 × 30 TD1; 2 × 44 TD3, or MRV-A when the code starts with `V`; 2 × 36 TD2, MRV-B
    /// when it starts with `V`, French CNI when it starts with `IDFRA` and has no nationality.
    ///
    /// # Errors
    /// Only when no MRZ can be read at all (empty, a non-MRZ character, an unknown shape);
    /// every other problem is reported in [`Mrz::problems`].
    pub fn parse(input: &str, options: &ParseOptions) -> Result<Mrz, Error> {
        let mut raw = [b'<'; MAX_LEN];
        let mut len = 0usize;
        let mut lines = 0usize;
        let mut first_len = 0usize;
        let mut offset = 0usize;
        for line in input.split('\n') {
            let line_offset = offset;
            offset += line.len() + 1;
            let lead = line.len() - line.trim_start().len();
            let t = line.trim();
            if t.is_empty() {
                continue;
            }
            lines += 1;
            if lines == 1 {
                first_len = t.len();
            } else if t.len() != first_len {
                return Err(Error::LineLength {
                    line: lines,
                    length: t.len(),
                    expected: first_len,
                });
            }
            for (i, b) in t.bytes().enumerate() {
                if !is_mrz_char(b) {
                    return Err(Error::InvalidCharacter {
                        line: lines,
                        column: i + 1,
                        offset: line_offset + lead + i,
                    });
                }
                let slot = raw.get_mut(len).ok_or(Error::UnrecognisedShape {
                    lines,
                    length: first_len,
                })?;
                *slot = b;
                len += 1;
            }
        }
        if lines == 0 {
            return Err(Error::Empty);
        }
        let format = detect(lines, first_len, len, &raw).ok_or(Error::UnrecognisedShape {
            lines,
            length: first_len,
        })?;
        Ok(Mrz::from_raw(format, raw, len, options))
    }

    /// Parses the unbroken MRZ bytes of a chip's DG1 (tag `5F1F`, ICAO 9303-10 §4.7.1).
    ///
    /// # Errors
    /// As [`Mrz::parse`]; non-ASCII bytes are [`Error::InvalidCharacter`].
    pub fn parse_bytes(input: &[u8], options: &ParseOptions) -> Result<Mrz, Error> {
        match std::str::from_utf8(input) {
            Ok(s) => Mrz::parse(s, options),
            Err(e) => Err(Error::InvalidCharacter {
                line: 1,
                column: e.valid_up_to() + 1,
                offset: e.valid_up_to(),
            }),
        }
    }

    fn from_raw(format: Format, mut raw: [u8; MAX_LEN], len: usize, options: &ParseOptions) -> Mrz {
        let l = layout(format);
        let mut repairs = Vec::new();
        if options.repair {
            repair(&l, format, &mut raw, &mut repairs);
        }
        let mut problems = Vec::new();
        let r = &raw[..];

        // Document code (ICAO 9303-3 §4.2.2.1 / the per-format parts).
        let c0 = at(r, 0);
        let c1 = at(r, 1);
        let code_ok = match format {
            Format::Td3 => c0 == b'P',
            Format::MrvA | Format::MrvB => c0 == b'V',
            Format::Td1 | Format::Td2 => matches!(c0, b'A' | b'C' | b'I') && c1 != b'V',
            Format::FrenchId => c0 == b'I' && c1 == b'D',
        } && (c1 == b'<' || c1.is_ascii_uppercase());
        if !code_ok {
            problems.push(Problem {
                code: ProblemCode::InvalidDocumentCode,
                field: Field::DocumentCode,
                position: 0,
            });
        }

        // Country codes.
        if !countries::is_known(as_str(trim_fillers(sub(r, 2..5)))) {
            problems.push(Problem {
                code: ProblemCode::UnknownCountryCode,
                field: Field::IssuingState,
                position: 2,
            });
        }
        if let Some(n) = l.nationality.clone() {
            let start = n.start;
            if !countries::is_known(as_str(trim_fillers(sub(r, n)))) {
                problems.push(Problem {
                    code: ProblemCode::UnknownCountryCode,
                    field: Field::Nationality,
                    position: start,
                });
            }
        }

        // Names.
        check_name(r, l.name.clone(), Field::Name, &mut problems);
        if let Some(g) = l.given_names.clone() {
            check_name(r, g, Field::GivenNames, &mut problems);
        }

        // Document number, including the long form (ICAO 9303-5 §4.2.4, note j).
        let mut doc_number = [b'<'; 36];
        let mut doc_number_len = 0;
        let mut optional = l.optional.clone();
        let doc = sub(r, l.doc.clone());
        let doc_cd = at(r, l.doc_cd);
        let long = l.long_doc_number && doc_cd == b'<' && at(r, l.optional.start) != b'<';
        if long {
            let opt = sub(r, l.optional.clone());
            let ext_len = opt.iter().position(|&c| c == b'<').unwrap_or(opt.len());
            // The continuation ends with the check digit.
            let (ext, cd) = match ext_len.checked_sub(1) {
                Some(n) if n > 0 => (sub(opt, 0..n), at(opt, n)),
                _ => (&[][..], b'<'),
            };
            if ext.is_empty() {
                problems.push(Problem {
                    code: ProblemCode::InvalidLongDocumentNumber,
                    field: Field::DocumentNumber,
                    position: l.doc_cd,
                });
            } else if check_digit(doc.iter().chain(ext)) != Some(cd)
                && !cd_matches(doc.iter().chain(ext), cd)
            {
                problems.push(Problem {
                    code: ProblemCode::CheckDigitMismatch,
                    field: Field::DocumentNumber,
                    position: l.optional.start + ext_len - 1,
                });
            }
            for (slot, &b) in doc_number.iter_mut().zip(doc.iter().chain(ext)) {
                *slot = b;
                doc_number_len += 1;
            }
            optional = (l.optional.start + ext_len + 1).min(l.optional.end)..l.optional.end;
        } else {
            if l.long_doc_number && doc_cd == b'<' {
                problems.push(Problem {
                    code: ProblemCode::InvalidLongDocumentNumber,
                    field: Field::DocumentNumber,
                    position: l.doc_cd,
                });
            } else if !cd_matches(doc.iter(), doc_cd) {
                problems.push(Problem {
                    code: ProblemCode::CheckDigitMismatch,
                    field: Field::DocumentNumber,
                    position: l.doc_cd,
                });
            }
            for (slot, &b) in doc_number.iter_mut().zip(doc) {
                *slot = b;
                doc_number_len += 1;
            }
        }
        // Trailing fillers are not part of the number.
        while doc_number_len > 0 && doc_number.get(doc_number_len - 1) == Some(&b'<') {
            doc_number_len -= 1;
        }

        // Dates (ICAO 9303-3 §4.6 for the YYMMDD form; century rule documented on the crate).
        let birth_date = resolve_century(sub(r, l.birth.clone()), options.today);
        if birth_date.is_none() {
            problems.push(Problem {
                code: ProblemCode::InvalidDate,
                field: Field::BirthDate,
                position: l.birth.start,
            });
        }
        if !cd_matches(sub(r, l.birth.clone()).iter(), at(r, l.birth_cd)) {
            problems.push(Problem {
                code: ProblemCode::CheckDigitMismatch,
                field: Field::BirthDate,
                position: l.birth_cd,
            });
        }
        let mut expiry_date = None;
        if let Some((e, ecd)) = l.expiry.clone() {
            expiry_date = resolve_century(
                sub(r, e.clone()),
                options.today.plus_years(options.expiry_window_years),
            );
            if expiry_date.is_none() {
                problems.push(Problem {
                    code: ProblemCode::InvalidDate,
                    field: Field::ExpiryDate,
                    position: e.start,
                });
            }
            if !cd_matches(sub(r, e).iter(), at(r, ecd)) {
                problems.push(Problem {
                    code: ProblemCode::CheckDigitMismatch,
                    field: Field::ExpiryDate,
                    position: ecd,
                });
            }
        }

        // Sex.
        if Sex::from_byte(at(r, l.sex)) == Sex::Invalid {
            problems.push(Problem {
                code: ProblemCode::InvalidSex,
                field: Field::Sex,
                position: l.sex,
            });
        }

        // Optional data check digit (TD3 personal number: `<` allowed when the field is empty).
        if let Some(ocd) = l.optional_cd {
            let opt = sub(r, l.optional.clone());
            let cd = at(r, ocd);
            let empty_ok = opt.iter().all(|&c| c == b'<') && (cd == b'<' || cd == b'0');
            if !empty_ok && !cd_matches(opt.iter(), cd) {
                problems.push(Problem {
                    code: ProblemCode::CheckDigitMismatch,
                    field: Field::OptionalData,
                    position: ocd,
                });
            }
        }

        // Composite.
        if let Some((pos, ranges)) = l.composite {
            let data = ranges.iter().flat_map(|rg| sub(r, rg.clone()).iter());
            if !cd_matches(data, at(r, pos)) {
                problems.push(Problem {
                    code: ProblemCode::CompositeCheckDigitMismatch,
                    field: Field::Composite,
                    position: pos,
                });
            }
        }

        problems.sort_by_key(|p| p.position);
        Mrz {
            format,
            raw,
            len,
            doc_number,
            doc_number_len,
            optional,
            birth_date,
            expiry_date,
            problems,
            repairs,
            today: options.today,
        }
    }

    /// The detected format.
    #[must_use]
    pub fn format(&self) -> Format {
        self.format
    }

    /// The unbroken MRZ (after any repair), lines concatenated.
    #[must_use]
    pub fn as_unbroken(&self) -> &str {
        as_str(self.raw.get(..self.len).unwrap_or(&[]))
    }

    /// The MRZ lines (after any repair).
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        let n = layout(self.format).line_len;
        self.raw
            .get(..self.len)
            .unwrap_or(&[])
            .chunks(n)
            .map(as_str)
    }

    fn field(&self, r: Range<usize>) -> &[u8] {
        sub(&self.raw, r)
    }

    /// Document code, fillers trimmed (`P`, `I`, `ID`, `V`, `AC`…).
    #[must_use]
    pub fn document_code(&self) -> &str {
        as_str(trim_fillers(self.field(0..2)))
    }

    /// Issuing state or organization, fillers trimmed (`UTO`, `D`).
    #[must_use]
    pub fn issuing_state(&self) -> &str {
        as_str(trim_fillers(self.field(2..5)))
    }

    /// Nationality, fillers trimmed; `None` for the French CNI, whose MRZ has no such field.
    #[must_use]
    pub fn nationality(&self) -> Option<&str> {
        layout(self.format)
            .nationality
            .map(|n| as_str(trim_fillers(self.field(n))))
    }

    /// The full document number, trailing fillers trimmed (TD1/TD2 long numbers joined).
    #[must_use]
    pub fn document_number(&self) -> &str {
        as_str(self.doc_number.get(..self.doc_number_len).unwrap_or(&[]))
    }

    /// The optional data (TD3: personal number; TD1: optional data of line 1 after any long
    /// document number; French CNI: department and office), trailing fillers trimmed.
    #[must_use]
    pub fn optional_data(&self) -> &str {
        as_str(trim_fillers(self.field(self.optional.clone())))
    }

    /// TD1 only: the optional data of line 2, trailing fillers trimmed.
    #[must_use]
    pub fn optional_data_2(&self) -> Option<&str> {
        layout(self.format)
            .optional2
            .map(|o| as_str(trim_fillers(self.field(o))))
    }

    /// French CNI only: the issuing department (3 characters).
    #[must_use]
    pub fn department(&self) -> Option<&str> {
        (self.format == Format::FrenchId).then(|| as_str(self.field(30..33)))
    }

    /// French CNI only: the issuing office (3 characters).
    #[must_use]
    pub fn office(&self) -> Option<&str> {
        (self.format == Format::FrenchId).then(|| as_str(self.field(33..36)))
    }

    /// Birth date after the century rule; `None` when not a valid date.
    #[must_use]
    pub fn birth_date(&self) -> Option<Date> {
        self.birth_date
    }

    /// Birth date as printed, `YYMMDD`.
    #[must_use]
    pub fn birth_date_raw(&self) -> &str {
        as_str(self.field(layout(self.format).birth))
    }

    /// Expiry date after the century rule; `None` when invalid or absent (French CNI).
    #[must_use]
    pub fn expiry_date(&self) -> Option<Date> {
        self.expiry_date
    }

    /// Expiry date as printed, `YYMMDD`; `None` for the French CNI.
    #[must_use]
    pub fn expiry_date_raw(&self) -> Option<&str> {
        layout(self.format)
            .expiry
            .map(|(e, _)| as_str(self.field(e)))
    }

    /// The sex field.
    #[must_use]
    pub fn sex(&self) -> Sex {
        Sex::from_byte(at(&self.raw, layout(self.format).sex))
    }

    /// Primary identifier (surname), fillers turned to spaces.
    #[must_use]
    pub fn primary_identifier(&self) -> String {
        let name = self.field(layout(self.format).name);
        let primary = split_name(name).0;
        fillers_to_spaces(primary)
    }

    /// Secondary identifier (given names), fillers turned to spaces. For the French CNI the
    /// given names of line 2 (separated by `<<` there) are joined with `, `.
    #[must_use]
    pub fn secondary_identifier(&self) -> String {
        let l = layout(self.format);
        match l.given_names {
            Some(g) => {
                let given = trim_fillers(self.field(g));
                let mut out = String::new();
                for part in given.split(|&c| c == b'<').filter(|p| !p.is_empty()) {
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    out.push_str(as_str(part));
                }
                out
            }
            None => fillers_to_spaces(split_name(self.field(l.name)).1),
        }
    }

    /// True when a name zone is full to its last character, which ICAO 9303-3 §4.6.4 uses to
    /// show that the name was truncated.
    #[must_use]
    pub fn names_truncated(&self) -> bool {
        let l = layout(self.format);
        let full = |r: Range<usize>| {
            r.end
                .checked_sub(1)
                .is_some_and(|i| at(&self.raw, i) != b'<')
        };
        full(l.name) || l.given_names.is_some_and(full)
    }

    /// Every problem found, in MRZ order. Empty means the MRZ is consistent.
    #[must_use]
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Every OCR repair applied (repair mode only).
    #[must_use]
    pub fn repairs(&self) -> &[Repair] {
        &self.repairs
    }

    /// True when no problem was found (expiry is a separate check: see [`Mrz::is_expired`]).
    #[must_use]
    pub fn is_consistent(&self) -> bool {
        self.problems.is_empty()
    }

    /// True when the expiry date is before the `today` given at parse time. `None` when there is
    /// no valid expiry date.
    #[must_use]
    pub fn is_expired(&self) -> Option<bool> {
        self.expiry_date.map(|e| e < self.today)
    }

    /// The `today` the MRZ was parsed against.
    #[must_use]
    pub fn today(&self) -> Date {
        self.today
    }

    /// The document number as it enters the BAC key seed: the 9-character field with fillers,
    /// or the full long number; and its check digit (ICAO 9303-11 §9.7.1).
    pub(crate) fn bac_document_number(&self) -> (&[u8], u8) {
        let l = layout(self.format);
        let field = self.field(l.doc.clone());
        if self.doc_number_len > field.len() {
            let num = self.doc_number.get(..self.doc_number_len).unwrap_or(&[]);
            (num, check_digit(num.iter()).unwrap_or(b'0'))
        } else {
            (field, check_digit(field.iter()).unwrap_or(b'0'))
        }
    }
}

fn detect(lines: usize, line_len: usize, len: usize, raw: &[u8]) -> Option<Format> {
    let unit = match (lines, line_len, len) {
        (3, 30, 90) | (1, 90, 90) => 30,
        (2, 44, 88) | (1, 88, 88) => 44,
        (2, 36, 72) | (1, 72, 72) => 36,
        _ => return None,
    };
    let visa = at(raw, 0) == b'V';
    Some(match unit {
        30 => Format::Td1,
        44 if visa => Format::MrvA,
        44 => Format::Td3,
        _ if visa => Format::MrvB,
        // The CNI has no nationality at 46..49 where TD2 has one; its line 1 ends in digits.
        _ if sub(raw, 0..5) == b"IDFRA"
            && !countries::is_known(as_str(trim_fillers(sub(raw, 46..49)))) =>
        {
            Format::FrenchId
        }
        _ => Format::Td2,
    })
}

/// True when `cd` is a digit and equals the check digit of `data`.
fn cd_matches<'a>(data: impl Iterator<Item = &'a u8>, cd: u8) -> bool {
    cd.is_ascii_digit() && check_digit(data) == Some(cd)
}

fn check_name(r: &[u8], range: Range<usize>, field: Field, problems: &mut Vec<Problem>) {
    let name = sub(r, range.clone());
    let bad = name.iter().position(|c| c.is_ascii_digit());
    // The CNI's given-names zone may be empty (no given name); the main zone needs a letter first.
    let empty_ok = field == Field::GivenNames && name.iter().all(|&c| c == b'<');
    let first_ok = empty_ok || name.first().is_some_and(u8::is_ascii_uppercase);
    if let Some(i) = bad {
        problems.push(Problem {
            code: ProblemCode::InvalidName,
            field,
            position: range.start + i,
        });
    } else if !first_ok {
        problems.push(Problem {
            code: ProblemCode::InvalidName,
            field,
            position: range.start,
        });
    }
}

/// Splits a name zone at the first `<<` into primary and secondary identifiers.
fn split_name(name: &[u8]) -> (&[u8], &[u8]) {
    match name.windows(2).position(|w| w == b"<<") {
        Some(i) => (sub(name, 0..i), name.get(i + 2..).unwrap_or(&[])),
        None => (name, &[]),
    }
}

fn fillers_to_spaces(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for part in b.split(|&c| c == b'<').filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(as_str(part));
    }
    out
}

/// The opt-in OCR repair. A character is changed only when the field's type proves it wrong
/// (a letter in a numeric field, a digit in an alphabetic one) and, where the field has a check
/// digit, the check digit then matches; every change is recorded.
fn repair(l: &Layout, format: Format, raw: &mut [u8; MAX_LEN], repairs: &mut Vec<Repair>) {
    // Numeric fields with their check digit: dates.
    let mut numeric: Vec<(Field, Range<usize>, usize)> =
        vec![(Field::BirthDate, l.birth.clone(), l.birth_cd)];
    if let Some((e, cd)) = l.expiry.clone() {
        numeric.push((Field::ExpiryDate, e, cd));
    }
    for (field, range, cd) in numeric {
        let mut trial = *raw;
        let mut changed = Vec::new();
        for i in range.clone().chain(std::iter::once(cd)) {
            if let Some(slot) = trial.get_mut(i)
                && let Some(d) = to_digit(*slot)
            {
                changed.push((i, *slot, d));
                *slot = d;
            }
        }
        if !changed.is_empty() && cd_matches(sub(&trial, range).iter(), at(&trial, cd)) {
            *raw = trial;
            for (i, from, to) in changed {
                repairs.push(Repair {
                    field,
                    position: i,
                    from: char::from(from),
                    to: char::from(to),
                });
            }
        }
    }

    // Alphanumeric document number: exactly one single-character substitution makes a failing
    // check digit match; the check digit itself is numeric and repaired first.
    let cd_pos = l.doc_cd;
    if let Some(slot) = raw.get_mut(cd_pos)
        && let Some(d) = to_digit(*slot)
    {
        let from = *slot;
        let mut trial = *raw;
        if let Some(s) = trial.get_mut(cd_pos) {
            *s = d;
        }
        if cd_matches(sub(&trial, l.doc.clone()).iter(), d)
            || fix_one(&trial, l.doc.clone(), d).is_some()
        {
            *raw = trial;
            repairs.push(Repair {
                field: Field::DocumentNumber,
                position: cd_pos,
                from: char::from(from),
                to: char::from(d),
            });
        }
    }
    let cd = at(raw, cd_pos);
    if cd.is_ascii_digit()
        && !cd_matches(sub(raw, l.doc.clone()).iter(), cd)
        && let Some((i, to)) = fix_one(raw, l.doc.clone(), cd)
        && let Some(slot) = raw.get_mut(i)
    {
        let from = *slot;
        *slot = to;
        repairs.push(Repair {
            field: Field::DocumentNumber,
            position: i,
            from: char::from(from),
            to: char::from(to),
        });
    }

    // Alphabetic fields: country codes (only when the result is a known code) and sex.
    let mut alpha: Vec<(Field, Range<usize>)> = vec![(Field::IssuingState, 2..5)];
    if let Some(n) = l.nationality.clone() {
        alpha.push((Field::Nationality, n));
    }
    for (field, range) in alpha {
        let mut trial = *raw;
        let mut changed = Vec::new();
        for i in range.clone() {
            if let Some(slot) = trial.get_mut(i)
                && let Some(a) = to_letter(*slot)
            {
                changed.push((i, *slot, a));
                *slot = a;
            }
        }
        if !changed.is_empty() && countries::is_known(as_str(trim_fillers(sub(&trial, range)))) {
            *raw = trial;
            for (i, from, to) in changed {
                repairs.push(Repair {
                    field,
                    position: i,
                    from: char::from(from),
                    to: char::from(to),
                });
            }
        }
    }
    // Stand-alone check digits (optional data, composite): a letter becomes its digit only if
    // the check digit then matches its data. Done last: they cover the fields repaired above.
    let mut standalone: Vec<(Field, usize, Vec<Range<usize>>)> = Vec::new();
    if let Some(ocd) = l.optional_cd {
        standalone.push((Field::OptionalData, ocd, vec![l.optional.clone()]));
    }
    if let Some((pos, ranges)) = l.composite {
        standalone.push((Field::Composite, pos, ranges.to_vec()));
    }
    for (field, pos, ranges) in standalone {
        let from = at(raw, pos);
        if let Some(d) = to_digit(from)
            && cd_matches(ranges.iter().flat_map(|r| sub(raw, r.clone()).iter()), d)
            && let Some(slot) = raw.get_mut(pos)
        {
            *slot = d;
            repairs.push(Repair {
                field,
                position: pos,
                from: char::from(from),
                to: char::from(d),
            });
        }
    }

    // Sex: `M`, `F`, `X` or `<` only; no digit confusion maps onto them, so nothing to repair.
    let _ = format;
}

/// The single ambiguous-character substitution in `range` that makes `cd` match, if exactly one.
fn fix_one(raw: &[u8; MAX_LEN], range: Range<usize>, cd: u8) -> Option<(usize, u8)> {
    let mut found = None;
    for i in range.clone() {
        let orig = at(raw, i);
        for alt in [to_digit(orig), to_letter(orig)].into_iter().flatten() {
            let mut trial = *raw;
            if let Some(s) = trial.get_mut(i) {
                *s = alt;
            }
            if cd_matches(sub(&trial, range.clone()).iter(), cd) {
                if found.is_some() {
                    return None;
                }
                found = Some((i, alt));
            }
        }
    }
    found
}
