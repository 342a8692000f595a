//! MRZ recognition for OCR-B on the ICAO fixed pitch: the band's lines from the row profile,
//! the character cells from the pitch that best avoids ink on cell borders, and each cell
//! classified by normalised correlation against OCR-B glyphs rendered at start-up through the
//! same cell extraction.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

use crate::raster::Plane;

/// The MRZ alphabet (ICAO 9303-3 §4.1).
pub const ALPHABET: &[u8; 37] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";

/// Nominal pitch at 10 px/mm: 10 characters per inch.
pub const PITCH: f32 = 25.4;
/// Nominal line spacing: 6 lines per inch.
pub const LINE_SPACING: f32 = 25.4 / 6.0 * 10.0;

const FW: usize = 20;
const FH: usize = 26;

/// A cell's feature: a `FW × FH` window, zero-mean, unit norm.
type Feature = [f32; FW * FH];

/// The templates: one feature per character and vertical shift.
pub struct Classifier {
    templates: Vec<(u8, Feature)>,
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Classifier({} templates)", self.templates.len())
    }
}

/// One read line.
#[derive(Debug, Clone)]
pub struct Line {
    /// The characters.
    pub text: String,
    /// The per-character best correlation.
    pub scores: Vec<f32>,
    /// Pitch found (px).
    pub pitch: f32,
}

impl Classifier {
    /// Renders the OCR-B alphabet (and a lightly blurred copy) into templates.
    pub fn new(ocrb: &[u8]) -> Option<Classifier> {
        let font = FontRef::try_from_slice(ocrb).ok()?;
        let mut templates = Vec::new();
        for blur in [0usize, 1] {
            // One line of the whole alphabet on the ICAO pitch, read back with the same cell
            // extraction as a document.
            let n = ALPHABET.len();
            let w = (n as f32 * PITCH) as usize + 60;
            let h = 80;
            let mut p = Plane::new(w, h);
            for v in &mut p.v {
                *v = 230.0;
            }
            let size = 33.0;
            let scaled = font.as_scaled(PxScale::from(size));
            let adv = scaled.h_advance(font.glyph_id('0'));
            for (i, &ch) in ALPHABET.iter().enumerate() {
                let x = 30.0 + i as f32 * PITCH + (PITCH - adv) / 2.0;
                let g = font
                    .glyph_id(char::from(ch))
                    .with_scale_and_position(PxScale::from(size), point(x, 55.0));
                if let Some(og) = font.outline_glyph(g) {
                    let b = og.px_bounds();
                    og.draw(|gx, gy, cov| {
                        let xx = (b.min.x as i64 + i64::from(gx)).max(0) as usize;
                        let yy = (b.min.y as i64 + i64::from(gy)).max(0) as usize;
                        let old = p.at(xx, yy);
                        p.set(xx, yy, old * (1.0 - cov) + 15.0 * cov);
                    });
                }
            }
            let p = box_blur(&p, blur);
            let bands = find_bands(&p, 1);
            let band = *bands.first()?;
            let cells = cells(&p, band, n)?;
            for (i, cell) in cells.iter().enumerate() {
                let ch = *ALPHABET.get(i)?;
                for dy in [-1i32, 0, 1] {
                    templates.push((ch, feature(&p, *cell, band, dy)));
                }
            }
        }
        Some(Classifier { templates })
    }

    /// Reads `count` lines of `len` characters from the MRZ region (rectified luminance),
    /// each position restricted to the characters its field allows (ICAO 9303-4/-5).
    pub fn read(&self, region: &Plane, count: usize, len: usize) -> Option<Vec<Line>> {
        let bands = find_bands(region, count);
        if bands.len() < count {
            return None;
        }
        let take = bands.get(bands.len() - count..)?;
        let mut out = Vec::new();
        for (li, &band) in take.iter().enumerate() {
            let cells = cells(region, band, len)?;
            let mut text = String::with_capacity(len);
            let mut scores = Vec::with_capacity(len);
            for (pos, cell) in cells.iter().enumerate() {
                let f = feature(region, *cell, band, 0);
                let (ch, s) = self.classify(&f, allowed(count, li, pos));
                text.push(char::from(ch));
                scores.push(s);
            }
            let pitch = match (cells.first(), cells.last()) {
                (Some(a), Some(b)) if cells.len() > 1 => (b.0 - a.0) / (cells.len() - 1) as f32,
                _ => PITCH,
            };
            out.push(Line {
                text,
                scores,
                pitch,
            });
        }
        Some(out)
    }

    fn classify(&self, f: &Feature, kind: Kind) -> (u8, f32) {
        let mut best = (b'<', f32::MIN);
        for (ch, t) in &self.templates {
            if !kind.allows(*ch) {
                continue;
            }
            let s: f32 = f.iter().zip(t.iter()).map(|(a, b)| a * b).sum();
            if s > best.1 {
                best = (*ch, s);
            }
        }
        best
    }
}

/// What a position may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Digits (dates, check digits).
    Digit,
    /// Digit or filler (a check digit that may be `<`).
    DigitOrFiller,
    /// Letters or filler (names, codes).
    Alpha,
    /// Sex: `M`, `F`, `X` or `<`.
    Sex,
    /// Anything (document numbers, optional data).
    Any,
}

impl Kind {
    fn allows(self, c: u8) -> bool {
        match self {
            Kind::Digit => c.is_ascii_digit(),
            Kind::DigitOrFiller => c.is_ascii_digit() || c == b'<',
            Kind::Alpha => c.is_ascii_uppercase() || c == b'<',
            Kind::Sex => matches!(c, b'M' | b'F' | b'X' | b'<'),
            Kind::Any => true,
        }
    }
}

/// The field layout: TD3 (2 × 44, ICAO 9303-4 §4.2.2) or TD1 (3 × 30, ICAO 9303-5 §4.2.2).
fn allowed(lines: usize, line: usize, pos: usize) -> Kind {
    match (lines, line) {
        (2, 0) => Kind::Alpha,
        (2, _) => match pos {
            0..=8 | 28..=41 => Kind::Any,
            9 | 13..=19 | 21..=27 | 43 => Kind::Digit,
            42 => Kind::DigitOrFiller,
            10..=12 => Kind::Alpha,
            20 => Kind::Sex,
            _ => Kind::Any,
        },
        (_, 0) => match pos {
            0..=4 => Kind::Alpha,
            14 => Kind::DigitOrFiller,
            _ => Kind::Any,
        },
        (_, 1) => match pos {
            0..=6 | 8..=14 | 29 => Kind::Digit,
            7 => Kind::Sex,
            15..=17 => Kind::Alpha,
            _ => Kind::Any,
        },
        _ => Kind::Alpha,
    }
}

fn box_blur(p: &Plane, r: usize) -> Plane {
    if r == 0 {
        return p.clone();
    }
    let mut out = Plane::new(p.w, p.h);
    let ri = r as i64;
    for y in 0..p.h {
        for x in 0..p.w {
            let mut s = 0.0;
            let mut n = 0.0;
            for dy in -ri..=ri {
                for dx in -ri..=ri {
                    s += p.clamped(x as i64 + dx, y as i64 + dy);
                    n += 1.0;
                }
            }
            out.set(x, y, s / n);
        }
    }
    out
}

/// Ink (darkness relative to the local paper) in 0–1 per pixel.
fn ink(p: &Plane) -> (Plane, f32) {
    let thr = crate::raster::otsu(p.v.iter().copied());
    let mut out = Plane::new(p.w, p.h);
    for (o, &v) in out.v.iter_mut().zip(&p.v) {
        *o = if v < thr { 1.0 } else { 0.0 };
    }
    (out, thr)
}

/// Text bands (top, bottom rows) from the row profile, at most the last `want` + a few.
fn find_bands(p: &Plane, want: usize) -> Vec<(usize, usize)> {
    let (inkp, _) = ink(p);
    let mut rows = Vec::with_capacity(p.h);
    for y in 0..p.h {
        let mut s = 0.0;
        for x in 0..p.w {
            s += inkp.at(x, y);
        }
        rows.push(s / p.w.max(1) as f32);
    }
    let peak = rows.iter().copied().fold(0.0f32, f32::max);
    // Low, so that a line of mostly fillers (ink at mid-height only) keeps its full height.
    let on = (peak * 0.06).max(3.0 / p.w.max(1) as f32);
    let mut bands = Vec::new();
    let mut start = None;
    for (y, &r) in rows.iter().enumerate() {
        match (start, r > on) {
            (None, true) => start = Some(y),
            (Some(s), false) => {
                bands.push((s, y));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        bands.push((s, p.h));
    }
    // Keep bands of plausible MRZ character height (ICAO: 2.0–3.0 mm).
    bands.retain(|&(a, b)| (14..=48).contains(&(b - a)));
    let _ = want;
    bands
}

/// The `n` cells (left edge, width) of a band: every MRZ position carries ink (fillers
/// included), so the first and last glyphs' centres fix the pitch, and cells are spaced evenly
/// between them (a rectification's small scale error spreads over the line instead of
/// accumulating).
fn cells(p: &Plane, band: (usize, usize), n: usize) -> Option<Vec<(f32, f32)>> {
    if n < 2 {
        return None;
    }
    let (inkp, _) = ink(p);
    let mut col = vec![0.0f32; p.w];
    for (x, c) in col.iter_mut().enumerate() {
        for y in band.0..band.1 {
            *c += inkp.at(x, y);
        }
    }
    // Runs of inked columns.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (x, &c) in col.iter().enumerate() {
        match (start, c >= 1.0) {
            (None, true) => start = Some(x),
            (Some(s0), false) => {
                runs.push((s0, x));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s0) = start {
        runs.push((s0, col.len()));
    }
    // Specks narrower than 2 columns are noise; ink within 2 mm of the edges is the
    // background showing past an imprecise corner (ICAO margins are wider).
    let w = p.w;
    runs.retain(|&(a, b)| b - a >= 2 && a >= 20 && b + 20 <= w);
    let centre = |r: (usize, usize)| -> f32 {
        let (mut s, mut w) = (0.0, 0.0);
        for x in r.0..r.1 {
            let c = col.get(x).copied().unwrap_or(0.0);
            s += c * x as f32;
            w += c;
        }
        if w > 0.0 {
            s / w
        } else {
            (r.0 + r.1) as f32 / 2.0
        }
    };
    let first = centre(*runs.first()?);
    let last = centre(*runs.last()?);
    let pitch = (last - first) / (n - 1) as f32;
    if pitch < 8.0 {
        return None;
    }
    Some(
        (0..n)
            .map(|i| (first + i as f32 * pitch - pitch / 2.0, pitch))
            .collect(),
    )
}

/// The feature of one cell: the band's height scaled to `FH`, centred on the cell's ink.
fn feature(p: &Plane, cell: (f32, f32), band: (usize, usize), dy: i32) -> Feature {
    let (x0, w) = cell;
    let (top, bot) = (band.0 as f32, band.1 as f32);
    let bh = (bot - top).max(1.0);
    // Ink centroid in x, for centring.
    let mut sx = 0.0;
    let mut sw = 0.0;
    let mut paper = 0.0f32;
    let xs = x0.max(0.0) as usize;
    let xe = (x0 + w).max(0.0) as usize;
    for y in band.0..band.1 {
        for x in xs..xe {
            paper = paper.max(p.at(x, y));
        }
    }
    for y in band.0..band.1 {
        for x in xs..xe {
            let d = (paper - p.at(x, y)).max(0.0);
            sx += d * x as f32;
            sw += d;
        }
    }
    let cx = if sw > 0.0 { sx / sw } else { x0 + w / 2.0 };
    let scale = bh * 1.3 / FH as f32;
    let mut f = [0.0f32; FW * FH];
    let y_start = top - bh * 0.15 + dy as f32 * scale;
    for (j, row) in f.chunks_exact_mut(FW).enumerate() {
        for (i, v) in row.iter_mut().enumerate() {
            let x = cx + (i as f32 - FW as f32 / 2.0 + 0.5) * scale;
            let y = y_start + (j as f32 + 0.5) * scale;
            *v = -(p.sample(x, y).unwrap_or(paper));
        }
    }
    let mean = f.iter().sum::<f32>() / f.len() as f32;
    let mut norm = 0.0;
    for v in &mut f {
        *v -= mean;
        norm += *v * *v;
    }
    let norm = norm.sqrt().max(1e-6);
    for v in &mut f {
        *v /= norm;
    }
    f
}
