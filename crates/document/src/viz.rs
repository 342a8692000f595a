//! The printed visual zone (VIZ): field templates per document type, line crops, OCR through an
//! injected [`LineReader`], normalisers for dates and names, and the cross-checks (VIZ against
//! the MRZ, Latin names against their Arabic form).
//!
//! The OCR engine is not here: `document` stays pure and asks a [`LineReader`] (the `ocr` crate
//! implements it over Tesseract; tests may use a deterministic one) for the text of one cropped
//! line. Templates are in millimetres on the rectified document (10 px/mm, see
//! [`crate::geometry::PX_PER_MM`]); each crop is cleaned (background levelled, light label ink
//! dropped, cut to its text line) before it is read.
//!
//! Expiry and age are not judged twice: `mrz.expiry` (the MRZ engine) and the risk engine's
//! `data.minimum_age` (the policy's minimum age) judge them; `document.viz_mrz` proves the
//! printed dates are the MRZ's.
//!
//! **Invariant:** checks name fields and carry similarity scores, never the values read.

use checks::{Check, Evidence, ReasonCode, Status, reason};
use serde_json::json;

use crate::geometry::PX_PER_MM;
use crate::raster::Plane;
use crate::synth::{self, ArabicFont};

/// Reason codes of the VIZ checks (listed in `docs/reason-codes.md`).
pub mod reasons {
    use checks::ReasonCode;
    /// No OCR engine was given to the document engine.
    pub const READER_MISSING: ReasonCode = ReasonCode::new("viz_reader_missing");
    /// The document type has no VIZ template (or no MRZ said which type it is).
    pub const LAYOUT_UNKNOWN: ReasonCode = ReasonCode::new("viz_layout_unknown");
    /// The OCR engine failed on a field.
    pub const OCR_FAILED: ReasonCode = ReasonCode::new("viz_ocr_failed");
    /// Some template fields gave no readable value.
    pub const INCOMPLETE: ReasonCode = ReasonCode::new("viz_incomplete");
    /// A printed field differs from the MRZ.
    pub const MRZ_MISMATCH: ReasonCode = ReasonCode::new("viz_mrz_mismatch");
    /// A printed field is close to, but not the same as, the MRZ (one OCR slip, a truncation).
    pub const MRZ_NEAR_MATCH: ReasonCode = ReasonCode::new("viz_mrz_near_match");
    /// No MRZ to compare the printed fields with.
    pub const NO_MRZ: ReasonCode = ReasonCode::new("viz_no_mrz");
    /// The Latin and Arabic forms of a name do not transliterate to each other.
    pub const SCRIPT_MISMATCH: ReasonCode = ReasonCode::new("viz_script_names_mismatch");
    /// The document prints its names in one script only.
    pub const SINGLE_SCRIPT: ReasonCode = ReasonCode::new("viz_single_script");
    /// A printed field disagrees but the OCR read it with low confidence: a person should look.
    pub const LOW_CONFIDENCE: ReasonCode = ReasonCode::new("viz_low_confidence");
}

// ---------------------------------------------------------------------------------------------
// The reader interface.

/// The language (and so the script) of a printed line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// French, Latin script (with accents).
    French,
    /// Arabic.
    Arabic,
}

impl Lang {
    /// Stable name of its script.
    pub fn script(self) -> &'static str {
        match self {
            Lang::French => "latin",
            Lang::Arabic => "arabic",
        }
    }
}

/// One cropped line: 8-bit grey, row-major, dark text on white.
#[derive(Clone, Copy)]
pub struct GreyLine<'a> {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width × height` bytes.
    pub pixels: &'a [u8],
}

impl std::fmt::Debug for GreyLine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GreyLine({}x{})", self.width, self.height)
    }
}

impl GreyLine<'_> {
    /// The line as a binary PGM (P5) file, the simplest format every image library reads;
    /// `None` when the size does not match the pixels.
    pub fn to_pgm(&self) -> Option<Vec<u8>> {
        if self.width == 0
            || self.height == 0
            || self.width.checked_mul(self.height)? != self.pixels.len()
        {
            return None;
        }
        let mut out = format!("P5\n{} {}\n255\n", self.width, self.height).into_bytes();
        out.extend_from_slice(self.pixels);
        Some(out)
    }
}

/// What a reader saw on a line.
#[derive(Clone, PartialEq)]
pub struct LineText {
    /// The text (may be empty).
    pub text: String,
    /// The engine's confidence, 0–1.
    pub confidence: f32,
}

impl std::fmt::Debug for LineText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LineText([{} chars], {:.2})",
            self.text.chars().count(),
            self.confidence
        )
    }
}

/// A reader's failure, as its stable code (`ocr_unavailable`, `ocr_failed`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadFailure(pub &'static str);

/// An OCR engine that reads one cropped line.
pub trait LineReader: Send + Sync + std::fmt::Debug {
    /// Reads `line`, printed in `lang`, segmented as `segmentation` says; `whitelist` lists
    /// the only characters the field can hold.
    fn read_line_as(
        &self,
        line: &GreyLine<'_>,
        lang: Lang,
        whitelist: Option<&str>,
        segmentation: Segmentation,
    ) -> Result<LineText, ReadFailure>;

    /// Reads `line` as its field suggests ([`Segmentation::Field`]); the others are the second
    /// opinions asked for a field that read empty or came out of the wrong length.
    fn read_line(
        &self,
        line: &GreyLine<'_>,
        lang: Lang,
        whitelist: Option<&str>,
    ) -> Result<LineText, ReadFailure> {
        self.read_line_as(line, lang, whitelist, Segmentation::Field)
    }
}

/// How a reader segments a crop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segmentation {
    /// As the field suggests: one word where the whitelist holds no space, else one line.
    Field,
    /// One line of text, whatever the whitelist.
    Line,
    /// One line of text taken as it is, without the engine's layout analysis: Tesseract's
    /// line mode drops some Arabic crops whole (an empty read) that this mode reads.
    Raw,
    /// One character.
    Char,
    /// A block of lines: a crop that holds a stray line (the remnants of a label above the
    /// value) besides its own, each line on its own line of the text.
    Block,
}

// ---------------------------------------------------------------------------------------------
// Templates.

/// The document types with a VIZ template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// Algerian biometric identity card (TD1; Latin and Arabic names).
    AlgerianId,
    /// French identity card, 2021 format (TD1).
    FrenchId,
    /// Generic TD3 passport data page (Algerian-style bilingual rows).
    Td3Passport,
}

impl Layout {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::AlgerianId => "dz_id",
            Layout::FrenchId => "fr_id",
            Layout::Td3Passport => "td3_passport",
        }
    }

    /// The layout the MRZ names: its format and issuing state.
    pub fn from_mrz(m: &mrz::Mrz) -> Option<Layout> {
        match (m.format(), m.issuing_state()) {
            (mrz::Format::Td3, _) => Some(Layout::Td3Passport),
            (mrz::Format::Td1, "DZA") => Some(Layout::AlgerianId),
            (mrz::Format::Td1, "FRA") => Some(Layout::FrenchId),
            _ => None,
        }
    }

    /// The characters a document number of this layout and issuing state can hold: Algeria
    /// numbers its identity cards and passports with nine digits, so a reader offered letters
    /// there only gains an O for a 0.
    ///
    /// French numbers are read without the letter O: the printed sans-serif O and 0 differ by
    /// their width alone, [`viz_vs_mrz`] holds them equal, and the issuer's alphabet (as the
    /// generator draws it) has no O, so offering it only turns zeros into O.
    pub fn number_chars(self, issuing_state: &str) -> &'static str {
        match (self, issuing_state) {
            (Layout::AlgerianId, _) | (Layout::Td3Passport, "DZA") => DIGITS,
            (Layout::FrenchId, _) => FRENCH_NUMBER,
            _ => ALPHANUMERIC,
        }
    }

    /// The length of a document number of this layout and issuing state, where the issuer
    /// fixes one (nine characters for Algeria's numbers and the French 2021 card).
    pub fn number_len(self, issuing_state: &str) -> Option<usize> {
        match (self, issuing_state) {
            (Layout::AlgerianId | Layout::FrenchId, _) | (Layout::Td3Passport, "DZA") => Some(9),
            _ => None,
        }
    }

    /// The template's fields.
    pub fn fields(self) -> Vec<FieldSpec> {
        use FieldKind::{Date, DocumentNumber, Name, Sex};
        // Every value is printed in one line of 3 mm type on its baseline; a Latin crop spans
        // 3 mm above the baseline to 1 mm below, an Arabic one (taller letters, deep descenders)
        // 4.2 mm above to 1.8 mm below.
        let latin = |name, kind, x: f64, x1: f64, base: f64| FieldSpec {
            name,
            kind,
            lang: Lang::French,
            rect_mm: [x, base - 3.0, x1, base + 1.0],
            face_mm: None,
        };
        let arabic = |name, x: f64, x1: f64, base: f64| FieldSpec {
            name,
            kind: Name,
            lang: Lang::Arabic,
            rect_mm: [x, base - 4.2, x1, base + 1.8],
            face_mm: Some(ARABIC_FACE_MM),
        };
        match self {
            // ID-1 card, 85.6 × 54 mm: portrait 4–28 mm from the left; rows of 6.4 mm from
            // 19.5 mm, values 3.4 mm under their labels from 32 mm; Arabic values right-aligned
            // 4 mm from the right edge; sex beside the birth date at 70 mm.
            Layout::AlgerianId => vec![
                latin("surname", Name, 31.0, 58.0, 22.9),
                arabic("surname_ar", 56.0, 84.6, 23.1),
                latin("given_names", Name, 31.0, 58.0, 29.3),
                arabic("given_names_ar", 56.0, 84.6, 29.5),
                latin("birth_date", Date, 31.0, 60.0, 35.7),
                latin("sex", Sex, 69.0, 75.0, 35.7),
                latin("document_number", DocumentNumber, 31.0, 62.0, 42.1),
                latin("expiry_date", Date, 31.0, 60.0, 48.5),
            ],
            // ID-1 card: portrait 4–29 mm; rows of 6.3 mm from 15.5 mm, values 3.3 mm under
            // their labels from 33 mm; sex at 69 mm beside the birth date.
            Layout::FrenchId => vec![
                latin("surname", Name, 32.0, 80.0, 18.8),
                latin("given_names", Name, 32.0, 80.0, 25.1),
                latin("birth_date", Date, 32.0, 62.0, 31.4),
                latin("sex", Sex, 68.0, 75.0, 31.4),
                latin("document_number", DocumentNumber, 32.0, 66.0, 37.7),
                latin("expiry_date", Date, 32.0, 62.0, 44.0),
            ],
            // ID-3 page, 125 × 88 mm: portrait 5–38 mm; rows of 8 mm from 22.5 mm, values from
            // 42 mm; Arabic values right-aligned 4 mm from the right edge; sex at 80 mm.
            Layout::Td3Passport => vec![
                latin("surname", Name, 41.0, 78.0, 25.9),
                arabic("surname_ar", 76.0, 124.0, 26.1),
                latin("given_names", Name, 41.0, 78.0, 33.9),
                arabic("given_names_ar", 76.0, 124.0, 34.1),
                latin("birth_date", Date, 41.0, 72.0, 41.9),
                latin("sex", Sex, 79.0, 86.0, 41.9),
                latin("document_number", DocumentNumber, 41.0, 76.0, 49.9),
                latin("expiry_date", Date, 41.0, 72.0, 57.9),
            ],
        }
    }
}

/// What a field holds (decides the whitelist and the normaliser).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// A surname or given names.
    Name,
    /// A date.
    Date,
    /// The document number.
    DocumentNumber,
    /// Sex (`F`, `M`, `X`).
    Sex,
}

impl FieldKind {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Name => "name",
            FieldKind::Date => "date",
            FieldKind::DocumentNumber => "document_number",
            FieldKind::Sex => "sex",
        }
    }

    /// How a field is read first, and how again when that read holds nothing. Latin names
    /// are read without Tesseract's layout pass: with it, the French model dropped the accent
    /// of 10 of 238 names on the training seeds (LOIC for LOÏC, BERANGER for BÉRANGER),
    /// without it 3. Arabic names lose more than they gain that way (112 against 115 exact
    /// of 164), so they are read as a line, and raw only when the line reads empty.
    fn segmentation(self, lang: Lang) -> (Segmentation, Segmentation) {
        match (self, lang) {
            (FieldKind::Name, Lang::French) => (Segmentation::Raw, Segmentation::Field),
            _ => (Segmentation::Field, Segmentation::Raw),
        }
    }

    fn whitelist(self, lang: Lang) -> Option<&'static str> {
        match (self, lang) {
            (_, Lang::Arabic) => None,
            (FieldKind::Name, _) => Some(LATIN_NAME_CHARS),
            (FieldKind::Date, _) => Some("0123456789./- "),
            (FieldKind::DocumentNumber, _) => Some(ALPHANUMERIC),
            (FieldKind::Sex, _) => Some("FMX"),
        }
    }
}

const DIGITS: &str = "0123456789";
const ALPHANUMERIC: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const FRENCH_NUMBER: &str = "ABCDEFGHIJKLMNPQRSTUVWXYZ0123456789";

const LATIN_NAME_CHARS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\
ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸàâäçéèêëîïôöùûüÿ'- ";

/// One template field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldSpec {
    /// Field name (`surname`, `surname_ar`, `birth_date`, …).
    pub name: &'static str,
    /// What it holds.
    pub kind: FieldKind,
    /// Its language.
    pub lang: Lang,
    /// Where it is printed: left, top, right, bottom in millimetres from the top-left corner.
    pub rect_mm: [f64; 4],
    /// The height of its typeface (ascent to descent), mm, where the template knows the face
    /// well enough to draw the field again ([`crate::synth`]).
    pub face_mm: Option<f64>,
}

/// The Arabic names' face on every template here: Amiri at 5.78 mm from ascent to descent
/// (its letters stand as tall as the 3.4 mm Latin capitals beside them).
pub const ARABIC_FACE_MM: f64 = 5.78;

/// One field as read.
#[derive(Clone, PartialEq)]
pub struct Field {
    /// Field name.
    pub name: &'static str,
    /// What it holds.
    pub kind: FieldKind,
    /// Its language.
    pub lang: Lang,
    /// The text as the OCR read it.
    pub raw: String,
    /// The normalised value (names: upper case, single spaces, accents kept; dates:
    /// `YYYY-MM-DD`); `None` when the text does not normalise.
    pub value: Option<String>,
    /// The OCR's confidence, 0–1.
    pub confidence: f32,
}

impl std::fmt::Debug for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Field")
            .field("name", &self.name)
            .field("read", &self.value.is_some())
            .field("confidence", &self.confidence)
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Crops.

/// Crops `rect_mm` from the rectified document's luma, levels its background, whitens light
/// ink (labels are printed lighter than values) and cuts it to the text line with the most
/// ink. Returns the grey pixels and their size, `None` when nothing is printed there.
pub fn crop_line(doc: &Plane, rect_mm: [f64; 4]) -> Option<(usize, usize, Vec<u8>)> {
    let px = |v: f64, max: usize| ((v * PX_PER_MM).round().max(0.0) as usize).min(max);
    let (x0, x1) = (px(rect_mm[0], doc.w), px(rect_mm[2], doc.w));
    let (y0, y1) = (px(rect_mm[1], doc.h), px(rect_mm[3], doc.h));
    if x1 <= x0 + 4 || y1 <= y0 + 4 {
        return None;
    }
    let (w, h) = (x1 - x0, y1 - y0);
    let mut vals: Vec<f32> = Vec::with_capacity(w * h);
    for y in y0..y1 {
        for x in x0..x1 {
            vals.push(doc.at(x, y));
        }
    }
    let mut sorted = vals.clone();
    sorted.sort_by(f32::total_cmp);
    let q = |p: f64| {
        sorted
            .get(((sorted.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let (dark, bg) = (q(0.01), q(0.80));
    let span = bg - dark;
    if span < 40.0 {
        return None; // no ink
    }
    // 0 = ink as dark as the darkest, 1 = background.
    let level: Vec<f32> = vals
        .iter()
        .map(|v| ((v - dark) / span).clamp(0.0, 1.0))
        .collect();
    let ink = |v: f32| v < 0.3;
    // Rows with ink; the band (run of inked rows) holding the most ink is the value's line.
    let rows: Vec<usize> = level
        .chunks(w)
        .map(|r| r.iter().filter(|v| ink(**v)).count())
        .collect();
    let min_row = 2;
    let mut bands: Vec<(usize, usize, usize)> = Vec::new(); // (ink, start, end)
    let mut y = 0;
    while y < h {
        if rows.get(y).copied().unwrap_or(0) >= min_row {
            let start = y;
            let mut sum = 0;
            while y < h && rows.get(y).copied().unwrap_or(0) >= min_row {
                sum += rows.get(y).copied().unwrap_or(0);
                y += 1;
            }
            bands.push((sum, start, y));
        } else {
            y += 1;
        }
    }
    let bi = (0..bands.len()).max_by_key(|&i| bands.get(i).map_or(0, |b| b.0))?;
    let (total, b0, b1) = bands.get(bi).copied()?;
    if total < 12 {
        return None;
    }
    // The columns of the letters' band.
    let (mut c0, mut c1) = (w, 0);
    for yy in b0..b1 {
        for xx in 0..w {
            if level.get(yy * w + xx).is_some_and(|v| ink(*v)) {
                c0 = c0.min(xx);
                c1 = c1.max(xx + 1);
            }
        }
    }
    if c1 <= c0 {
        return None;
    }
    // Accents, Arabic dots and descenders stand apart from the letters' band by a few rows:
    // small bands that close belong to the line. A band the crop's edge cuts is the next
    // row's label; a tall one is a line of its own.
    let (gap, tall) = (5, (b1 - b0) * 3 / 4);
    let (mut r0, mut r1) = (b0, b1);
    let belongs = |b: &(usize, usize, usize)| b.1 > 0 && b.2 < h && b.2 - b.1 <= tall;
    for b in bands.iter().take(bi).rev() {
        if r0 - b.2 > gap || !belongs(b) {
            break;
        }
        r0 = b.1;
    }
    for b in bands.iter().skip(bi + 1) {
        if b.1 - r1 > gap || !belongs(b) {
            break;
        }
        r1 = b.2;
    }
    // A thin accent or a blurred dot may hold no pixel dark enough to make a band: keep a
    // margin of rows either side, up to the next band that was left out.
    let margin = (b1 - b0) / MARGIN_DIVISOR;
    let above = bands
        .iter()
        .map(|b| b.2)
        .filter(|&e| e <= r0)
        .max()
        .unwrap_or(0);
    let below = bands
        .iter()
        .map(|b| b.1)
        .filter(|&s| s >= r1)
        .min()
        .unwrap_or(h);
    let (r0, r1) = (
        r0.saturating_sub(margin).max(above),
        (r1 + margin).min(below),
    );
    let pad = 8;
    let (ow, oh) = (c1 - c0 + 2 * pad, r1 - r0 + 2 * pad);
    let mut out = vec![255u8; ow * oh];
    for yy in r0..r1 {
        for xx in c0..c1 {
            let v = level.get(yy * w + xx).copied().unwrap_or(1.0);
            // Stretch: ink black, anything past 0.6 (background, guilloche, labels) white.
            let g = (v / 0.6).clamp(0.0, 1.0) * 255.0;
            if let Some(o) = out.get_mut((yy - r0 + pad) * ow + (xx - c0 + pad)) {
                *o = g as u8;
            }
        }
    }
    Some((ow, oh, out))
}

/// The margin of rows kept either side of a line, as a fraction (1/n) of its letters' height.
const MARGIN_DIVISOR: usize = 3;

// ---------------------------------------------------------------------------------------------
// Normalisers (pure, total: any text in, no panic).

/// A printed date in day-month-year order (`dd.mm.yyyy`, `dd/mm/yyyy`, `dd-mm-yyyy`,
/// `dd mm yyyy`, `ddmmyyyy`), OCR noise around it ignored; `None` unless it is a real date.
pub fn normalise_date(text: &str) -> Option<mrz::Date> {
    let groups: Vec<String> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .collect();
    let (d, m, y) = match groups.as_slice() {
        [d, m, y] => (d.clone(), m.clone(), y.clone()),
        [all] if all.len() == 8 => (
            all.get(0..2)?.to_owned(),
            all.get(2..4)?.to_owned(),
            all.get(4..8)?.to_owned(),
        ),
        _ => return None,
    };
    if d.len() > 2 || m.len() > 2 || y.len() != 4 {
        return None;
    }
    mrz::Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// A name as printed, normalised for display: upper case (accents kept), apostrophes and
/// hyphens kept, everything else a single space; `None` when no letter is left.
pub fn normalise_name(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut space = false;
    for c in text.chars() {
        if c.is_alphabetic() || c == '\'' || c == '-' {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_uppercase());
        } else {
            space = true;
        }
    }
    out.chars().any(char::is_alphabetic).then_some(out)
}

/// A Latin name in MRZ form (ICAO 9303-3 §6: accents dropped, upper case, separators as
/// spaces), for comparing a printed name with the MRZ's.
pub fn mrz_form(name: &str) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in name.chars() {
        let mapped: &str = match c {
            'à' | 'â' | 'ä' | 'á' | 'À' | 'Â' | 'Ä' | 'Á' => "A",
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => "E",
            'î' | 'ï' | 'í' | 'Î' | 'Ï' | 'Í' => "I",
            'ô' | 'ö' | 'ó' | 'Ô' | 'Ö' | 'Ó' => "O",
            'ù' | 'û' | 'ü' | 'ú' | 'Ù' | 'Û' | 'Ü' | 'Ú' => "U",
            'ç' | 'Ç' => "C",
            'ÿ' | 'Ÿ' => "Y",
            'ñ' | 'Ñ' => "N",
            'æ' | 'Æ' => "AE",
            'œ' | 'Œ' => "OE",
            c if c.is_ascii_alphabetic() => {
                if space && !out.is_empty() {
                    out.push(' ');
                }
                space = false;
                out.push(c.to_ascii_uppercase());
                continue;
            }
            _ => {
                space = true;
                continue;
            }
        };
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push_str(mapped);
    }
    out
}

/// An Arabic name normalised for comparison: harakat, tatweel and marks removed, the
/// hamza-carrying alefs to bare alef, alef maqsura and Persian yeh to ya, keheh to kaf, taa
/// marbuta to ha, separators to single spaces; `None` without an Arabic letter.
pub fn normalise_arabic(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut space = false;
    for c in text.chars() {
        let c = match c {
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => continue,
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            // Alef maqsura and the Persian yeh (OCR engines return it for a final ya) to ya;
            // the Persian keheh to kaf; taa marbuta to ha (printed alike, a common confusion).
            'ى' | '\u{06CC}' => 'ي',
            '\u{06A9}' => 'ك',
            'ة' | '\u{06C1}' => 'ه',
            c if ('\u{0621}'..='\u{064A}').contains(&c) => c,
            _ => {
                space = true;
                continue;
            }
        };
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    (!out.is_empty()).then_some(out)
}

// ---------------------------------------------------------------------------------------------
// Transliteration-aware comparison.
//
// Maghrebi names are romanised the French way (DJ for ج, CH for ش, OU for و, KH for خ), and
// short vowels are not written in Arabic at all. Both forms are therefore reduced to a
// *consonant skeleton* over one alphabet of sound classes: vowels and the letters that
// romanisations render as vowels (ا و ي ى ع ء ة; A E I O U Y W) are dropped, emphatic and
// plain consonants share a class (ص/س → S, ط/ت/ث → T, ض/د/ذ → D, ظ/ز → Z, ق/ك → K, ح/ه → H),
// and doubled classes collapse (shadda is not written; HADDAD ↔ حداد). The skeletons are
// compared by normalised Levenshtein similarity.

fn arabic_class(c: char) -> Option<char> {
    Some(match c {
        'ب' | 'پ' => 'B',
        'ت' | 'ط' | 'ث' => 'T',
        'ج' => 'J',
        'ح' | 'ه' => 'H',
        'خ' => 'X',
        'د' | 'ض' | 'ذ' => 'D',
        'ر' => 'R',
        'ز' | 'ظ' => 'Z',
        'س' | 'ص' => 'S',
        'ش' => 'C',
        'غ' => 'G',
        'ف' | 'ڤ' => 'F',
        'ق' | 'ك' | 'ڨ' => 'K',
        'ل' => 'L',
        'م' => 'M',
        'ن' => 'N',
        _ => return None, // vowels, ع, ء, ة, spaces
    })
}

fn push_class(out: &mut Vec<char>, c: char) {
    if out.last() != Some(&c) {
        out.push(c);
    }
}

/// The consonant skeleton of an Arabic name.
pub fn arabic_skeleton(name: &str) -> Vec<char> {
    let mut out = Vec::new();
    let norm: Vec<char> = normalise_arabic(name).unwrap_or_default().chars().collect();
    for (i, &c) in norm.iter().enumerate() {
        // A word-final ه is the normalised ة (or a final ha the romanisation drops, as in
        // ABDELLAH): like the Latin side's final H after a vowel, not a consonant.
        if c == 'ه' && matches!(norm.get(i + 1), None | Some(' ')) {
            continue;
        }
        if let Some(k) = arabic_class(c) {
            push_class(&mut out, k);
        }
    }
    out
}

/// The consonant skeleton of a Latin (French-romanised) name.
pub fn latin_skeleton(name: &str) -> Vec<char> {
    let s: Vec<char> = mrz_form(name).chars().collect();
    let vowel = |c: Option<&char>| matches!(c, Some('A' | 'E' | 'I' | 'O' | 'U' | 'Y'));
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        let next = s.get(i + 1);
        let (class, used) = match (c, next) {
            ('D', Some('J')) => (Some('J'), 2),
            ('C' | 'S', Some('H')) => (Some('C'), 2),
            ('K', Some('H')) => (Some('X'), 2),
            ('G', Some('H')) => (Some('G'), 2),
            ('T', Some('H')) => (Some('T'), 2),
            ('D', Some('H')) => (Some('D'), 2),
            ('P', Some('H')) => (Some('F'), 2),
            ('C', Some('E' | 'I' | 'Y')) => (Some('S'), 1),
            ('C' | 'Q' | 'K', _) => (Some('K'), 1),
            ('G', Some('E' | 'I')) => (Some('J'), 1),
            ('X', _) => {
                push_class(&mut out, 'K');
                (Some('S'), 1)
            }
            // A final H after a vowel writes the ة of SARAH (سارة): not a consonant.
            ('H', None | Some(' ')) if i > 0 && vowel(s.get(i - 1)) => (None, 1),
            ('P', _) => (Some('B'), 1),
            ('V', _) => (Some('F'), 1),
            ('A' | 'E' | 'I' | 'O' | 'U' | 'Y' | 'W' | ' ' | '-' | '\'', _) => (None, 1),
            (c, _) if c.is_ascii_uppercase() => (Some(c), 1),
            _ => (None, 1),
        };
        if let Some(k) = class {
            push_class(&mut out, k);
        }
        i += used;
    }
    out
}

fn levenshtein<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, x) in a.iter().enumerate() {
        if let Some(c) = cur.first_mut() {
            *c = i + 1;
        }
        for (j, y) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(x != y);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(c) = cur.get_mut(j + 1) {
                *c = sub.min(del).min(ins);
            }
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(0)
}

/// Normalised Levenshtein similarity, 1 for equal sequences, 0 for nothing in common.
pub fn similarity<T: PartialEq>(a: &[T], b: &[T]) -> f64 {
    let n = a.len().max(b.len());
    if n == 0 {
        return 1.0;
    }
    1.0 - levenshtein(a, b) as f64 / n as f64
}

/// How well a Latin name and an Arabic name transliterate to each other, 0–1.
pub fn transliteration_similarity(latin: &str, arabic: &str) -> f64 {
    let (l, a) = (latin_skeleton(latin), arabic_skeleton(arabic));
    if l.is_empty() || a.is_empty() {
        return 0.0;
    }
    similarity(&l, &a)
}

/// The similarity at or above which a Latin and an Arabic name are taken as the same name.
pub const TRANSLITERATION_THRESHOLD: f64 = 0.6;
/// The OCR confidence under which a field that disagrees is not taken as evidence of a
/// mismatch (`viz_low_confidence`, a warning): on the benchmark's generated documents, 3 of 51
/// misread Arabic names and 4 of 12 misread numbers were read at or above it, against 43 of 55
/// and 60 of 68 correct reads.
pub const MIN_CONFIDENCE: f32 = 0.85;

/// The similarity at or above which a printed field that differs from the MRZ is a near match
/// (an OCR slip) rather than a mismatch.
pub const NEAR_MATCH: f64 = 0.75;

// ---------------------------------------------------------------------------------------------
// Reading and checks.

/// Reads the VIZ of the rectified front (`doc` is its luma) and pushes `document.viz_read`,
/// `document.viz_mrz` and `document.viz_names`.
pub fn read(
    reader: Option<&dyn LineReader>,
    arabic: Option<&ArabicFont>,
    doc: &Plane,
    mrz: Option<&mrz::Mrz>,
    out: &mut Vec<Check>,
) -> Vec<Field> {
    let Some(reader) = reader else {
        push_not_performed(out, reasons::READER_MISSING);
        return Vec::new();
    };
    let Some(layout) = mrz.and_then(Layout::from_mrz) else {
        push_not_performed(out, reasons::LAYOUT_UNKNOWN);
        return Vec::new();
    };
    let mut fields = Vec::new();
    let mut missing = Vec::new();
    let mut drawn = Vec::new();
    for spec in layout.fields() {
        let Some((w, h, px)) = crop_line(doc, spec.rect_mm) else {
            missing.push(spec.name);
            continue;
        };
        let line = GreyLine {
            width: w,
            height: h,
            pixels: &px,
        };
        let whitelist = match (spec.kind, mrz) {
            (FieldKind::DocumentNumber, Some(m)) => Some(layout.number_chars(m.issuing_state())),
            _ => spec.kind.whitelist(spec.lang),
        };
        let want_len = match (spec.kind, mrz) {
            (FieldKind::DocumentNumber, Some(m)) => layout.number_len(m.issuing_state()),
            _ => None,
        };
        let read = match read_field(reader, &line, spec.kind, spec.lang, whitelist, want_len) {
            Ok(t) => match (arabic, spec.face_mm) {
                (Some(font), Some(mm)) if spec.lang == Lang::Arabic => {
                    redrawn(reader, font, &line, mm, t, spec.name, &mut drawn)
                }
                _ => t,
            },
            Err(ReadFailure(code)) => {
                out.push(
                    Check::new("document.viz_read", Status::Error, reasons::OCR_FAILED)
                        .with_evidence(
                            Evidence::new().with("field", spec.name).with("error", code),
                        ),
                );
                out.push(Check::not_performed(
                    "document.viz_mrz",
                    reason::DEPENDENCY_FAILED,
                ));
                out.push(Check::not_performed(
                    "document.viz_names",
                    reason::DEPENDENCY_FAILED,
                ));
                return Vec::new();
            }
        };
        let value = normalise(spec.kind, spec.lang, &read.text);
        if value.is_none() {
            missing.push(spec.name);
        }
        fields.push(Field {
            name: spec.name,
            kind: spec.kind,
            lang: spec.lang,
            raw: read.text,
            value,
            confidence: read.confidence,
        });
    }
    let expected = layout.fields().len();
    let read_n = expected - missing.len();
    let evidence = Evidence::new()
        .with("layout", layout.as_str())
        .with("fields_expected", expected)
        .with("fields_read", read_n)
        .with("unread", json!(missing))
        .with("read_by_synthesis", json!(drawn));
    out.push(if missing.is_empty() {
        Check::pass("document.viz_read").with_evidence(evidence)
    } else {
        Check::new("document.viz_read", Status::Warn, reasons::INCOMPLETE).with_evidence(evidence)
    });
    out.push(match mrz {
        Some(m) => viz_vs_mrz(&fields, m),
        None => Check::not_performed("document.viz_mrz", reasons::NO_MRZ),
    });
    out.push(names_across_scripts(&fields));
    fields
}

/// The OCR's read of an Arabic field, or the text whose drawing in the template's face explains
/// the crop clearly better ([`synth::Settler`]), with that drawing's similarity as its
/// confidence; the field's name goes to `drawn` when the drawing wins. A read the drawing does
/// not explain is searched for from it and from the crop read again as a block of lines: a
/// crop that keeps the remnants of its label above the value is read as the label's line by
/// the line modes, as two lines, the value's among them, by the block mode.
fn redrawn(
    reader: &dyn LineReader,
    font: &ArabicFont,
    line: &GreyLine<'_>,
    face_mm: f64,
    read: LineText,
    name: &'static str,
    drawn: &mut Vec<&'static str>,
) -> LineText {
    let Some(mut settler) = synth::Settler::new(font, line, (face_mm * PX_PER_MM) as f32) else {
        return read;
    };
    let settled = settler.settle(&read.text, || {
        reader
            .read_line_as(line, Lang::Arabic, None, Segmentation::Block)
            .map(|b| b.text.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    });
    match synth::chosen(&settled) {
        Some(text) => {
            drawn.push(name);
            LineText {
                text: text.to_owned(),
                confidence: settled.similarity,
            }
        }
        None => read,
    }
}

/// Reads one field's crop, segmented as [`FieldKind::segmentation`] says. A read that holds
/// nothing (Tesseract's layout pass took an Arabic line for noise: 7 of 164 names on the
/// training seeds) is asked again the other way. Where the field's length is fixed and the
/// read has another (Tesseract's LSTM invents a repeated digit or a leading 1 on some tight
/// crops of numbers, read as one word), it asks again as a line, then as a word with a wider
/// white border, and keeps the first read of the right length; failing that, the first read.
/// A code's look-alike characters are then settled glyph by glyph ([`settle_confusions`]).
fn read_field(
    reader: &dyn LineReader,
    line: &GreyLine<'_>,
    kind: FieldKind,
    lang: Lang,
    whitelist: Option<&str>,
    want_len: Option<usize>,
) -> Result<LineText, ReadFailure> {
    let read = read_whole(reader, line, kind, lang, whitelist, want_len)?;
    match (kind, whitelist) {
        (FieldKind::DocumentNumber, Some(allowed)) => {
            settle_confusions(reader, line, lang, allowed, read)
        }
        _ => Ok(read),
    }
}

/// The characters an OCR engine's language model takes for one another in a code, where the
/// glyph alone tells them apart. A code has no words to lend context: read whole, the LSTM
/// made a 4 of an A and a 5 of an S in letters' company (`3NPTANR0U` for 3NPT4NR0U; 6 of 37
/// French numbers on the training seeds), and read one glyph at a time between the two, it
/// did not (35 of 37 right).
const CONFUSABLE: [&str; 8] = ["0ODQ", "1IL", "2Z", "4A", "5S", "6G", "7T", "8B"];

/// Asks again, glyph by glyph, for each character of a code that `allowed` lets be one of a
/// [`CONFUSABLE`] set, choosing within that set only. Skipped unless the crop's glyphs (runs
/// of inked columns) are as many as the characters read, so each answer is the glyph's own.
fn settle_confusions(
    reader: &dyn LineReader,
    line: &GreyLine<'_>,
    lang: Lang,
    allowed: &str,
    read: LineText,
) -> Result<LineText, ReadFailure> {
    let Some(value) = normalise(FieldKind::DocumentNumber, lang, &read.text) else {
        return Ok(read);
    };
    let mut chars: Vec<char> = value.chars().collect();
    let glyphs = glyph_columns(line);
    if glyphs.len() != chars.len() {
        return Ok(read);
    }
    let mut changed = false;
    for (c, &(x0, x1)) in chars.iter_mut().zip(&glyphs) {
        let Some(set) = CONFUSABLE.iter().find(|s| s.contains(*c)) else {
            continue;
        };
        let choices: String = set.chars().filter(|k| allowed.contains(*k)).collect();
        if choices.chars().count() < 2 {
            continue;
        }
        let Some((w, h, px)) = bordered(line, x0, x1, GLYPH_BORDER, 0) else {
            continue;
        };
        let glyph = GreyLine {
            width: w,
            height: h,
            pixels: &px,
        };
        let one = reader.read_line_as(&glyph, lang, Some(&choices), Segmentation::Char)?;
        let mut got = one.text.chars().filter(|k| !k.is_whitespace());
        if let (Some(k), None) = (got.next(), got.next())
            && choices.contains(k)
            && k != *c
        {
            *c = k;
            changed = true;
        }
    }
    Ok(if changed {
        LineText {
            text: chars.into_iter().collect(),
            confidence: read.confidence,
        }
    } else {
        read
    })
}

/// The white border around one glyph read alone, px.
const GLYPH_BORDER: usize = 8;

/// The runs of columns of a crop that hold ink (a pixel darker than mid-grey): one per glyph
/// of a code printed with gaps between its characters.
fn glyph_columns(line: &GreyLine<'_>) -> Vec<(usize, usize)> {
    let (w, h) = (line.width, line.height);
    if w == 0 || w.checked_mul(h) != Some(line.pixels.len()) {
        return Vec::new();
    }
    let inked = |x: usize| (0..h).any(|y| line.pixels.get(y * w + x).is_some_and(|p| *p < 128));
    let mut runs = Vec::new();
    let mut start = None;
    for x in 0..=w {
        match (start, x < w && inked(x)) {
            (None, true) => start = Some(x),
            (Some(s), false) => {
                runs.push((s, x));
                start = None;
            }
            _ => {}
        }
    }
    runs
}

/// A field's read as a whole: segmented as [`FieldKind::segmentation`] says, read again when
/// it is empty or of the wrong length (see [`read_field`]).
fn read_whole(
    reader: &dyn LineReader,
    line: &GreyLine<'_>,
    kind: FieldKind,
    lang: Lang,
    whitelist: Option<&str>,
    want_len: Option<usize>,
) -> Result<LineText, ReadFailure> {
    let (seg, second) = kind.segmentation(lang);
    let mut first = reader.read_line_as(line, lang, whitelist, seg)?;
    if normalise(kind, lang, &first.text).is_none() {
        let again = reader.read_line_as(line, lang, whitelist, second)?;
        if normalise(kind, lang, &again.text).is_some() {
            first = again;
        }
    }
    let Some(n) = want_len else {
        return Ok(first);
    };
    let fits =
        |t: &LineText| normalise(kind, lang, &t.text).is_some_and(|v| v.chars().count() == n);
    if fits(&first) {
        return Ok(first);
    }
    let as_line = reader.read_line_as(line, lang, whitelist, Segmentation::Line)?;
    if fits(&as_line) {
        return Ok(as_line);
    }
    if let Some((w, h, px)) = widen(line, RETRY_BORDER) {
        let wide = GreyLine {
            width: w,
            height: h,
            pixels: &px,
        };
        let as_word = reader.read_line_as(&wide, lang, whitelist, Segmentation::Field)?;
        if fits(&as_word) {
            return Ok(as_word);
        }
    }
    Ok(first)
}

/// The extra white border of a re-read crop, px.
const RETRY_BORDER: usize = 8;

/// `line` with `border` more white pixels on every side; `None` for a malformed line.
fn widen(line: &GreyLine<'_>, border: usize) -> Option<(usize, usize, Vec<u8>)> {
    bordered(line, 0, line.width, border, border)
}

/// Columns `x0..x1` of `line`, every row, with `bx` white pixels left and right and `by` above
/// and below; `None` for a malformed line or an empty range.
fn bordered(
    line: &GreyLine<'_>,
    x0: usize,
    x1: usize,
    bx: usize,
    by: usize,
) -> Option<(usize, usize, Vec<u8>)> {
    let (w, h) = (line.width, line.height);
    if w.checked_mul(h)? != line.pixels.len() || x0 >= x1 || x1 > w {
        return None;
    }
    let (ow, oh) = (x1 - x0 + 2 * bx, h + 2 * by);
    let mut out = vec![255u8; ow.checked_mul(oh)?];
    for (y, row) in line.pixels.chunks(w).enumerate() {
        let at = (y + by) * ow + bx;
        out.get_mut(at..at + (x1 - x0))?
            .copy_from_slice(row.get(x0..x1)?);
    }
    Some((ow, oh, out))
}

fn push_not_performed(out: &mut Vec<Check>, code: ReasonCode) {
    for name in [
        "document.viz_read",
        "document.viz_mrz",
        "document.viz_names",
    ] {
        out.push(Check::not_performed(name, code.clone()));
    }
}

/// The normalised value of a field's text.
pub fn normalise(kind: FieldKind, lang: Lang, text: &str) -> Option<String> {
    match (kind, lang) {
        (FieldKind::Name, Lang::Arabic) => normalise_arabic(text),
        (FieldKind::Name, Lang::French) => normalise_name(text),
        (FieldKind::Date, _) => {
            normalise_date(text).map(|d| format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
        (FieldKind::DocumentNumber, _) => {
            let s: String = text
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_uppercase())
                .collect();
            (!s.is_empty()).then_some(s)
        }
        (FieldKind::Sex, _) => {
            let s: String = text
                .chars()
                .filter(|c| matches!(c, 'F' | 'M' | 'X'))
                .collect();
            (s.chars().count() == 1).then_some(s)
        }
    }
}

fn date_iso(d: mrz::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Compares each printed field with the MRZ's: equal, near (similarity ≥ [`NEAR_MATCH`]: an
/// OCR slip or the MRZ's truncation) or mismatched. Evidence: field names and similarities.
pub fn viz_vs_mrz(fields: &[Field], m: &mrz::Mrz) -> Check {
    let get = |name: &str| {
        fields
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| f.value.clone())
    };
    let confident = |name: &str| {
        fields
            .iter()
            .find(|f| f.name == name)
            .is_some_and(|f| f.confidence >= MIN_CONFIDENCE)
    };
    // The printed typefaces draw O and 0 alike; the MRZ's OCR-B does not. A forger gains
    // nothing from the swap, so the comparison ignores it.
    let number = |v: String| v.replace('O', "0");
    let sex = match m.sex() {
        mrz::Sex::Female => "F",
        mrz::Sex::Male => "M",
        _ => "X",
    };
    let pairs: [(&str, Option<String>, Option<String>); 6] = [
        (
            "surname",
            get("surname").map(|v| mrz_form(&v)),
            Some(m.primary_identifier()),
        ),
        (
            "given_names",
            get("given_names").map(|v| mrz_form(&v)),
            Some(m.secondary_identifier()),
        ),
        (
            "document_number",
            get("document_number").map(number),
            Some(number(m.document_number().to_owned())),
        ),
        (
            "birth_date",
            get("birth_date"),
            m.birth_date().map(date_iso),
        ),
        (
            "expiry_date",
            get("expiry_date"),
            m.expiry_date().map(date_iso),
        ),
        ("sex", get("sex"), Some(sex.to_owned())),
    ];
    let mut sims = serde_json::Map::new();
    let (mut mismatched, mut near, mut unread, mut uncertain) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (name, viz, mrz) in pairs {
        let (Some(v), Some(z)) = (viz, mrz) else {
            unread.push(name);
            continue;
        };
        let (v, z): (Vec<char>, Vec<char>) = (v.chars().collect(), z.chars().collect());
        // The MRZ truncates long names: a printed name that starts with it is a match.
        let truncated = m.names_truncated() && name.ends_with("names") && v.starts_with(&z);
        let s = if truncated { 1.0 } else { similarity(&v, &z) };
        sims.insert(name.to_owned(), json!((s * 1000.0).round() / 1000.0));
        if s >= 1.0 {
            continue;
        }
        // A confident read that differs is a difference on the document (an edited name
        // differs by one letter too); an unsure one is an OCR slip until a person looks.
        if confident(name) {
            mismatched.push(name);
        } else if s >= NEAR_MATCH && matches!(name, "surname" | "given_names") {
            near.push(name);
        } else {
            uncertain.push(name);
        }
    }
    let compared = sims.len();
    let evidence = Evidence::new()
        .with("compared", compared)
        .with("similarity", serde_json::Value::Object(sims))
        .with("mismatched", json!(mismatched))
        .with("near", json!(near))
        .with("uncertain", json!(uncertain))
        .with("unread", json!(unread));
    if compared == 0 {
        return Check::not_performed("document.viz_mrz", reasons::INCOMPLETE)
            .with_evidence(evidence);
    }
    let (status, code) = if !mismatched.is_empty() {
        (Status::Fail, reasons::MRZ_MISMATCH)
    } else if !uncertain.is_empty() {
        (Status::Warn, reasons::LOW_CONFIDENCE)
    } else if !near.is_empty() {
        (Status::Warn, reasons::MRZ_NEAR_MATCH)
    } else {
        (Status::Pass, reason::OK)
    };
    Check::new("document.viz_mrz", status, code).with_evidence(evidence)
}

/// The Latin names against their Arabic forms, where the document prints both.
pub fn names_across_scripts(fields: &[Field]) -> Check {
    let get = |name: &str| {
        fields
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| f.value.clone())
    };
    let mut sims = serde_json::Map::new();
    let mut worst = 1.0f64;
    // Whether the pair with the lowest similarity had a confident Arabic read.
    let mut worst_confident = true;
    for (lat, ar) in [("surname", "surname_ar"), ("given_names", "given_names_ar")] {
        if let (Some(l), Some(a)) = (get(lat), get(ar)) {
            let s = transliteration_similarity(&l, &a);
            sims.insert(lat.to_owned(), json!((s * 1000.0).round() / 1000.0));
            if s < worst {
                worst = s;
                worst_confident = fields
                    .iter()
                    .find(|f| f.name == ar)
                    .is_some_and(|f| f.confidence >= MIN_CONFIDENCE);
            }
        }
    }
    let any_arabic = fields.iter().any(|f| f.lang == Lang::Arabic);
    if sims.is_empty() {
        let code = if any_arabic {
            reasons::INCOMPLETE
        } else {
            reasons::SINGLE_SCRIPT
        };
        return Check::not_performed("document.viz_names", code);
    }
    // An Arabic name Tesseract was unsure of is no evidence either way (it misreads about four
    // in ten): not performed, so it neither fails the document nor sends it to review.
    let (status, code) = if worst >= TRANSLITERATION_THRESHOLD {
        (Status::Pass, reason::OK)
    } else if worst_confident {
        (Status::Fail, reasons::SCRIPT_MISMATCH)
    } else {
        (Status::NotPerformed, reasons::LOW_CONFIDENCE)
    };
    Check::new("document.viz_names", status, code)
        .with_score(worst)
        .with_threshold(TRANSLITERATION_THRESHOLD)
        .with_evidence(Evidence::new().with("similarity", serde_json::Value::Object(sims)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use proptest::prelude::*;

    /// A reader that answers from a script: what it reads for (segmentation, crop width).
    #[derive(Debug)]
    struct Scripted {
        answers: Vec<(Segmentation, usize, &'static str)>,
        asked: std::sync::Mutex<Vec<(Segmentation, usize)>>,
    }

    impl LineReader for Scripted {
        fn read_line_as(
            &self,
            line: &GreyLine<'_>,
            _lang: Lang,
            _whitelist: Option<&str>,
            segmentation: Segmentation,
        ) -> Result<LineText, ReadFailure> {
            self.asked.lock().unwrap().push((segmentation, line.width));
            let text = self
                .answers
                .iter()
                .find(|(s, w, _)| *s == segmentation && *w == line.width)
                .map_or("", |a| a.2);
            Ok(LineText {
                text: text.to_owned(),
                confidence: 0.5,
            })
        }
    }

    #[test]
    fn a_number_of_the_wrong_length_is_read_again() {
        let px = vec![255u8; 20 * 10];
        let line = GreyLine {
            width: 20,
            height: 10,
            pixels: &px,
        };
        let wide = 20 + 2 * RETRY_BORDER;
        let reader = |answers| Scripted {
            answers,
            asked: std::sync::Mutex::new(Vec::new()),
        };
        let read = |r: &Scripted, len| {
            read_field(
                r,
                &line,
                FieldKind::DocumentNumber,
                Lang::French,
                Some(DIGITS),
                len,
            )
            .unwrap()
            .text
        };
        // Right length at once: one read.
        let r = reader(vec![(Segmentation::Field, 20, "123456789")]);
        assert_eq!(read(&r, Some(9)), "123456789");
        assert_eq!(r.asked.lock().unwrap().len(), 1);
        // A doubled digit: the line reading has the right length.
        let r = reader(vec![
            (Segmentation::Field, 20, "1234556789"),
            (Segmentation::Line, 20, "123456789"),
        ]);
        assert_eq!(read(&r, Some(9)), "123456789");
        // Then the word reading of the wider crop.
        let r = reader(vec![
            (Segmentation::Field, 20, "1123456789"),
            (Segmentation::Line, 20, "11234567899"),
            (Segmentation::Field, wide, "123456789"),
        ]);
        assert_eq!(read(&r, Some(9)), "123456789");
        // None fits: the first read stands; no fixed length: no second opinion.
        let r = reader(vec![(Segmentation::Field, 20, "12345")]);
        assert_eq!(read(&r, Some(9)), "12345");
        assert_eq!(r.asked.lock().unwrap().len(), 3);
        let r = reader(vec![(Segmentation::Field, 20, "12345")]);
        assert_eq!(read(&r, None), "12345");
        assert_eq!(r.asked.lock().unwrap().len(), 1);
    }

    #[test]
    fn a_confusable_character_of_a_code_is_settled_by_its_glyph_alone() {
        // Three glyphs, 2, 3 and 4 columns wide, on a 30 × 4 crop.
        let (w, h) = (30usize, 4usize);
        let mut px = vec![255u8; w * h];
        for y in 0..h {
            for x in (2..4).chain(6..9).chain(12..16) {
                px[y * w + x] = 0;
            }
        }
        let line = GreyLine {
            width: w,
            height: h,
            pixels: &px,
        };
        assert_eq!(glyph_columns(&line), vec![(2, 4), (6, 9), (12, 16)]);
        let g = |n: usize| n + 2 * GLYPH_BORDER;
        let read = |answers| {
            let r = Scripted {
                answers,
                asked: std::sync::Mutex::new(Vec::new()),
            };
            let text = read_field(
                &r,
                &line,
                FieldKind::DocumentNumber,
                Lang::French,
                Some(FRENCH_NUMBER),
                None,
            )
            .unwrap()
            .text;
            (text, r.asked.into_inner().unwrap())
        };
        // The A is a 4 alone, the 5 stays a 5, the X has no look-alike and is not asked.
        let (text, asked) = read(vec![
            (Segmentation::Field, w, "A5X"),
            (Segmentation::Char, g(2), "4"),
            (Segmentation::Char, g(3), "5"),
        ]);
        assert_eq!(text, "45X");
        assert_eq!(
            asked,
            vec![
                (Segmentation::Field, w),
                (Segmentation::Char, g(2)),
                (Segmentation::Char, g(3))
            ]
        );
        // An answer outside the pair, or of two characters, changes nothing.
        let (text, _) = read(vec![
            (Segmentation::Field, w, "A5X"),
            (Segmentation::Char, g(2), "V"),
            (Segmentation::Char, g(3), "SS"),
        ]);
        assert_eq!(text, "A5X");
        // As many characters as glyphs, or no second opinion.
        let (text, asked) = read(vec![(Segmentation::Field, w, "A5XB")]);
        assert_eq!((text.as_str(), asked.len()), ("A5XB", 1));
        // Digits only: no look-alike is allowed, nothing is asked.
        let r = Scripted {
            answers: vec![(Segmentation::Field, w, "158")],
            asked: std::sync::Mutex::new(Vec::new()),
        };
        let text = read_field(
            &r,
            &line,
            FieldKind::DocumentNumber,
            Lang::French,
            Some(DIGITS),
            None,
        )
        .unwrap()
        .text;
        assert_eq!((text.as_str(), r.asked.lock().unwrap().len()), ("158", 1));
    }

    #[test]
    fn glyph_cuts_refuse_malformed_lines_and_ranges() {
        let px = [0u8, 255, 0, 255, 0, 255];
        let line = GreyLine {
            width: 3,
            height: 2,
            pixels: &px,
        };
        assert_eq!(glyph_columns(&line), vec![(0, 3)]);
        assert_eq!(
            bordered(&line, 1, 2, 1, 0),
            Some((3, 2, vec![255, 255, 255, 255, 0, 255]))
        );
        assert_eq!(bordered(&line, 2, 2, 1, 0), None);
        assert_eq!(bordered(&line, 1, 4, 1, 0), None);
        let bad = GreyLine {
            width: 4,
            height: 2,
            pixels: &px,
        };
        assert!(glyph_columns(&bad).is_empty());
        assert_eq!(bordered(&bad, 0, 1, 1, 0), None);
    }

    #[test]
    fn an_empty_read_is_read_again_without_the_layout_pass() {
        let px = vec![255u8; 20 * 10];
        let line = GreyLine {
            width: 20,
            height: 10,
            pixels: &px,
        };
        let reader = |answers| Scripted {
            answers,
            asked: std::sync::Mutex::new(Vec::new()),
        };
        let read = |r: &Scripted| {
            read_field(r, &line, FieldKind::Name, Lang::Arabic, None, None)
                .unwrap()
                .text
        };
        let r = reader(vec![
            (Segmentation::Field, 20, ""),
            (Segmentation::Raw, 20, "سارة"),
        ]);
        assert_eq!(read(&r), "سارة");
        // Nothing either way: the first read stands; a read with letters is not asked again.
        let r = reader(vec![(Segmentation::Field, 20, "“")]);
        assert_eq!(read(&r), "“");
        assert_eq!(r.asked.lock().unwrap().len(), 2);
        let r = reader(vec![(Segmentation::Field, 20, "سارة")]);
        assert_eq!(read(&r), "سارة");
        assert_eq!(r.asked.lock().unwrap().len(), 1);
    }

    #[test]
    fn widening_keeps_the_pixels_and_refuses_a_malformed_line() {
        let px = [0u8, 1, 2, 3, 4, 5];
        let line = GreyLine {
            width: 3,
            height: 2,
            pixels: &px,
        };
        let (w, h, out) = widen(&line, 2).unwrap();
        assert_eq!((w, h), (7, 6));
        assert_eq!(&out[2 * 7 + 2..2 * 7 + 5], &[0, 1, 2]);
        assert_eq!(&out[3 * 7 + 2..3 * 7 + 5], &[3, 4, 5]);
        assert_eq!(out.iter().filter(|v| **v == 255).count(), 7 * 6 - 6);
        let bad = GreyLine {
            width: 4,
            height: 2,
            pixels: &px,
        };
        assert!(widen(&bad, 2).is_none());
    }

    #[test]
    fn number_alphabets_and_lengths_per_issuer() {
        assert_eq!(Layout::AlgerianId.number_chars("DZA"), DIGITS);
        assert_eq!(Layout::Td3Passport.number_chars("DZA"), DIGITS);
        assert!(!Layout::FrenchId.number_chars("FRA").contains('O'));
        assert!(Layout::Td3Passport.number_chars("UTO").contains('O'));
        assert_eq!(Layout::FrenchId.number_len("FRA"), Some(9));
        assert_eq!(Layout::Td3Passport.number_len("UTO"), None);
    }

    #[test]
    fn dates_in_every_printed_form() {
        let want = mrz::Date::new(1987, 3, 9);
        for t in [
            "09.03.1987",
            "09/03/1987",
            "09-03-1987",
            "09 03 1987",
            "9.3.1987",
            "09031987",
            " 09.03.1987 |",
        ] {
            assert_eq!(normalise_date(t), want, "{t}");
        }
        for t in [
            "31.02.1987",
            "09.03.87",
            "",
            "1987-03-09",
            "a.b.c",
            "09.13.1987",
        ] {
            assert_eq!(normalise_date(t), None, "{t}");
        }
    }

    #[test]
    fn names_normalised() {
        assert_eq!(
            normalise_name("  Hélène  marie "),
            Some("HÉLÈNE MARIE".into())
        );
        assert_eq!(normalise_name("D'ARC-x"), Some("D'ARC-X".into()));
        assert_eq!(normalise_name("12 |"), None);
        assert_eq!(mrz_form("Lefèvre-Garçon  Zoé"), "LEFEVRE GARCON ZOE");
        assert_eq!(mrz_form("Anaïs"), "ANAIS");
        assert_eq!(normalise_arabic("أَمِينَة"), Some("امينه".into()));
        assert_eq!(
            normalise_arabic("عمرانی مبارک"),
            Some("عمراني مبارك".into())
        );
        assert_eq!(normalise_arabic("بن  علي"), Some("بن علي".into()));
        assert_eq!(normalise_arabic("abc"), None);
    }

    #[test]
    fn transliteration_separates_same_from_different_names() {
        // Every true pair is at or above the threshold; every swapped pair (same list, other
        // name) is below it, except pairs whose skeletons genuinely coincide.
        let mut worst_same = 1.0f64;
        let mut impostors = 0;
        let mut accepted = 0;
        // The generator's Algerian names, Latin and Arabic.
        let pairs: Vec<(&str, &str)> = docgen::layout::algerian_names().collect();
        for (i, (l, a)) in pairs.iter().enumerate() {
            let s = transliteration_similarity(l, a);
            worst_same = worst_same.min(s);
            assert!(s >= TRANSLITERATION_THRESHOLD, "{l}: {s}");
            for (j, (_, other)) in pairs.iter().enumerate() {
                if i != j {
                    impostors += 1;
                    if transliteration_similarity(l, other) >= TRANSLITERATION_THRESHOLD {
                        accepted += 1;
                    }
                }
            }
        }
        assert!(worst_same >= 0.99, "{worst_same}");
        // Short skeletons (2–3 classes) collide sometimes: under 4 % of impostor pairs.
        assert!(accepted * 25 < impostors, "{accepted}/{impostors}");
    }

    #[test]
    fn skeletons() {
        assert_eq!(latin_skeleton("KHADIDJA"), vec!['X', 'D', 'J']);
        assert_eq!(arabic_skeleton("خديجة"), vec!['X', 'D', 'J']);
        assert_eq!(latin_skeleton("Cherif"), vec!['C', 'R', 'F']);
        assert_eq!(latin_skeleton("SARAH"), vec!['S', 'R']);
        assert_eq!(transliteration_similarity("", "سارة"), 0.0);
    }

    #[test]
    fn templates_fit_their_documents() {
        for (layout, (w, h)) in [
            (Layout::AlgerianId, (85.6, 54.0)),
            (Layout::FrenchId, (85.6, 54.0)),
            (Layout::Td3Passport, (125.0, 88.0)),
        ] {
            let f = layout.fields();
            assert!(f.iter().any(|s| s.name == "surname"));
            assert!(f.iter().any(|s| s.kind == FieldKind::Date));
            for s in &f {
                let [x0, y0, x1, y1] = s.rect_mm;
                assert!(0.0 <= x0 && x0 < x1 && x1 <= w, "{layout:?} {}", s.name);
                assert!(0.0 <= y0 && y0 < y1 && y1 <= h, "{layout:?} {}", s.name);
            }
        }
        assert!(
            Layout::FrenchId
                .fields()
                .iter()
                .all(|s| s.lang == Lang::French)
        );
        assert_eq!(
            Layout::AlgerianId
                .fields()
                .iter()
                .filter(|s| s.lang == Lang::Arabic)
                .count(),
            2
        );
    }

    #[test]
    fn crops_find_the_dark_line_and_skip_light_labels() {
        let mut p = Plane::new(400, 100);
        for v in &mut p.v {
            *v = 220.0;
        }
        // A light label above, a dark value below.
        for y in 10..20 {
            for x in 20..120 {
                p.set(x, y, 90.0);
            }
        }
        for y in 50..75 {
            for x in 40..300 {
                if x % 7 < 3 {
                    p.set(x, y, 20.0);
                }
            }
        }
        let (w, h, px) = crop_line(&p, [0.0, 0.0, 40.0, 10.0]).unwrap();
        // The value's 25 rows, a margin for faint marks either side, and the white border;
        // the label, 30 rows up, is not in it.
        assert_eq!(h, 25 + 2 * (25 / MARGIN_DIVISOR) + 16);
        assert!(
            px.iter()
                .take(w * (8 + 25 / MARGIN_DIVISOR))
                .all(|v| *v == 255)
        );
        assert!((260..=276).contains(&w), "{w}");
        assert_eq!(px.len(), w * h);
        assert!(crop_line(&Plane::new(10, 10), [0.0, 0.0, 1.0, 1.0]).is_none());
        assert!(crop_line(&p, [50.0, 50.0, 60.0, 60.0]).is_none());
    }

    #[test]
    fn pgm_checks_its_size() {
        let px = [0u8; 6];
        let ok = GreyLine {
            width: 3,
            height: 2,
            pixels: &px,
        };
        assert!(ok.to_pgm().unwrap().starts_with(b"P5\n3 2\n255\n"));
        let bad = GreyLine {
            width: 4,
            height: 2,
            pixels: &px,
        };
        assert!(bad.to_pgm().is_none());
    }

    proptest! {
        #[test]
        fn normalisers_are_total(s in ".{0,64}") {
            let _ = normalise_date(&s);
            let _ = normalise_name(&s);
            let _ = normalise_arabic(&s);
            let _ = mrz_form(&s);
            let _ = transliteration_similarity(&s, &s);
            for k in [FieldKind::Name, FieldKind::Date, FieldKind::DocumentNumber, FieldKind::Sex] {
                for l in [Lang::French, Lang::Arabic] {
                    let _ = normalise(k, l, &s);
                }
            }
        }

        #[test]
        fn similarity_is_bounded(a in "[A-Z]{0,12}", b in "[A-Z]{0,12}") {
            let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            let s = similarity(&a, &b);
            prop_assert!((0.0..=1.0).contains(&s));
            prop_assert!((s - similarity(&b, &a)).abs() < 1e-12);
        }
    }
}
