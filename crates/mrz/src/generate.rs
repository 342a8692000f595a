//! Generation: fields → MRZ text with correct check digits (tests, the virtual chip).

use std::fmt;

use crate::date::Date;
use crate::parse::{Sex, layout};
use crate::{Error, Field, Format, check_digit};

/// The fields of an MRZ to generate. Holds personal data: `Debug` is masked.
#[derive(Clone, PartialEq, Eq)]
pub struct MrzFields {
    /// The format.
    pub format: Format,
    /// Document code, 1–2 characters (`P`, `I`, `ID`, `V`, `AC`…).
    pub document_code: String,
    /// Issuing state or organization (`UTO`, `D`).
    pub issuing_state: String,
    /// Primary identifier (surname); spaces become fillers.
    pub primary_identifier: String,
    /// Secondary identifier (given names); spaces become fillers.
    pub secondary_identifier: String,
    /// Document number (TD1/TD2: longer than 9 characters uses the long form; CNI: up to 12).
    pub document_number: String,
    /// Nationality (ignored for the CNI).
    pub nationality: String,
    /// Birth date.
    pub birth_date: Date,
    /// Sex.
    pub sex: Sex,
    /// Expiry date (ignored for the CNI, required otherwise).
    pub expiry_date: Option<Date>,
    /// Optional data / personal number (TD1: line 1; CNI: department (3) + office (3)).
    pub optional_data: String,
    /// TD1 only: optional data of line 2.
    pub optional_data_2: String,
}

impl fmt::Debug for MrzFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MrzFields")
            .field("format", &self.format)
            .field("fields", &"[redacted]")
            .finish()
    }
}

fn put(buf: &mut [u8], start: usize, value: &[u8], max: usize, field: Field) -> Result<(), Error> {
    if value.len() > max {
        return Err(Error::FieldTooLong { field, max });
    }
    for (i, &b) in value.iter().enumerate() {
        if !(b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<') {
            return Err(Error::InvalidField {
                field,
                reason: "characters other than A-Z, 0-9 and <",
            });
        }
        if let Some(slot) = buf.get_mut(start + i) {
            *slot = b;
        }
    }
    Ok(())
}

fn set(buf: &mut [u8], i: usize, b: u8) {
    if let Some(slot) = buf.get_mut(i) {
        *slot = b;
    }
}

/// A name in MRZ form: upper-case, spaces and hyphens to fillers.
fn name_chars(s: &str, field: Field) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.trim().chars() {
        match c {
            'A'..='Z' => out.push(c as u8),
            'a'..='z' => out.push(c.to_ascii_uppercase() as u8),
            ' ' | '-' | '<' => out.push(b'<'),
            '\'' => {}
            _ => {
                return Err(Error::InvalidField {
                    field,
                    reason: "names must be transliterated to A-Z first",
                });
            }
        }
    }
    Ok(out)
}

/// Builds the MRZ text (lines separated by `\n`, no trailing newline). Names longer than their
/// zone are cut (the parser then reports them as truncated).
///
/// # Errors
/// [`Error::InvalidField`] / [`Error::FieldTooLong`] naming the field.
pub fn generate(f: &MrzFields) -> Result<String, Error> {
    let l = layout(f.format);
    let total = l.line_len * l.lines;
    let mut buf = vec![b'<'; total];
    put(
        &mut buf,
        0,
        f.document_code.as_bytes(),
        2,
        Field::DocumentCode,
    )?;
    if f.document_code.is_empty() {
        return Err(Error::InvalidField {
            field: Field::DocumentCode,
            reason: "empty",
        });
    }
    put(
        &mut buf,
        2,
        f.issuing_state.as_bytes(),
        3,
        Field::IssuingState,
    )?;

    // Names.
    let primary = name_chars(&f.primary_identifier, Field::Name)?;
    if f.format == Format::FrenchId {
        let given = name_chars(&f.secondary_identifier, Field::GivenNames)?;
        let g = l.given_names.clone().unwrap_or(0..0);
        let n = l.name.len();
        put(
            &mut buf,
            l.name.start,
            primary.get(..n.min(primary.len())).unwrap_or(&[]),
            n,
            Field::Name,
        )?;
        put(
            &mut buf,
            g.start,
            given.get(..g.len().min(given.len())).unwrap_or(&[]),
            g.len(),
            Field::GivenNames,
        )?;
    } else {
        let mut name = primary;
        let secondary = name_chars(&f.secondary_identifier, Field::Name)?;
        if !secondary.is_empty() {
            name.extend_from_slice(b"<<");
            name.extend_from_slice(&secondary);
        }
        let n = l.name.len();
        name.truncate(n);
        put(&mut buf, l.name.start, &name, n, Field::Name)?;
    }

    // Document number.
    let doc = f.document_number.as_bytes();
    let doc_len = l.doc.len();
    if doc.is_empty() {
        return Err(Error::InvalidField {
            field: Field::DocumentNumber,
            reason: "empty",
        });
    }
    let mut optional_start = l.optional.start;
    if doc.len() > doc_len {
        if !l.long_doc_number {
            return Err(Error::FieldTooLong {
                field: Field::DocumentNumber,
                max: doc_len,
            });
        }
        let (head, ext) = doc.split_at(doc_len);
        put(&mut buf, l.doc.start, head, doc_len, Field::DocumentNumber)?;
        set(&mut buf, l.doc_cd, b'<');
        // Continuation, its check digit, then a filler, inside the optional data.
        let room = l.optional.len().saturating_sub(2);
        put(&mut buf, l.optional.start, ext, room, Field::DocumentNumber)?;
        set(
            &mut buf,
            l.optional.start + ext.len(),
            check_digit(doc.iter()).unwrap_or(b'0'),
        );
        optional_start = l.optional.start + ext.len() + 2;
    } else {
        put(&mut buf, l.doc.start, doc, doc_len, Field::DocumentNumber)?;
        let cd = check_digit(buf.get(l.doc.clone()).unwrap_or(&[]).iter()).unwrap_or(b'0');
        set(&mut buf, l.doc_cd, cd);
    }
    put(
        &mut buf,
        optional_start,
        f.optional_data.as_bytes(),
        l.optional.end.saturating_sub(optional_start),
        Field::OptionalData,
    )?;
    if let Some(o2) = l.optional2.clone() {
        put(
            &mut buf,
            o2.start,
            f.optional_data_2.as_bytes(),
            o2.len(),
            Field::OptionalData2,
        )?;
    }

    if let Some(n) = l.nationality.clone() {
        put(
            &mut buf,
            n.start,
            f.nationality.as_bytes(),
            3,
            Field::Nationality,
        )?;
    }
    let birth = f.birth_date.to_yymmdd();
    put(&mut buf, l.birth.start, &birth, 6, Field::BirthDate)?;
    set(
        &mut buf,
        l.birth_cd,
        check_digit(birth.iter()).unwrap_or(b'0'),
    );
    set(&mut buf, l.sex, f.sex.as_char() as u8);
    if f.sex == Sex::Invalid {
        return Err(Error::InvalidField {
            field: Field::Sex,
            reason: "not M, F, X or <",
        });
    }
    if let Some((e, ecd)) = l.expiry.clone() {
        let exp = f
            .expiry_date
            .ok_or(Error::InvalidField {
                field: Field::ExpiryDate,
                reason: "required for this format",
            })?
            .to_yymmdd();
        put(&mut buf, e.start, &exp, 6, Field::ExpiryDate)?;
        set(&mut buf, ecd, check_digit(exp.iter()).unwrap_or(b'0'));
    }
    if let Some(ocd) = l.optional_cd {
        let opt = buf.get(l.optional.clone()).unwrap_or(&[]);
        let cd = if opt.iter().all(|&c| c == b'<') {
            b'<'
        } else {
            check_digit(opt.iter()).unwrap_or(b'0')
        };
        set(&mut buf, ocd, cd);
    }
    if let Some((pos, ranges)) = l.composite {
        let cd = check_digit(
            ranges
                .iter()
                .flat_map(|r| buf.get(r.clone()).unwrap_or(&[]).iter()),
        );
        set(&mut buf, pos, cd.unwrap_or(b'0'));
    }

    let mut out = String::with_capacity(total + l.lines);
    for (i, line) in buf.chunks(l.line_len).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(std::str::from_utf8(line).unwrap_or(""));
    }
    Ok(out)
}
