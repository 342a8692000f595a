//! Reading Arabic by synthesis: the OCR's read of an Arabic field is drawn again in the
//! template's typeface and compared with the crop; where the drawing does not explain the ink,
//! a beam search over one-letter edits looks for the text whose drawing does.
//!
//! Why: Tesseract's Arabic model drops the first letter of the stacked ligatures of a Naskh
//! face (سمير read مير, محمد read مد, حميدي read ميدي) and reads كريم as two glyphs of
//! another alphabet; 42 of 164 Arabic names of the training seeds were misread, most of them
//! so. The template says which face and size a field is printed in, as it says where; a face
//! known in advance is what a font-specific recogniser exploits (the MRZ's OCR-B classifier
//! does the same). The choice is the image's alone: neither the MRZ nor the Latin name is
//! consulted, so `document.viz_names` still compares two independent reads.
//!
//! The score is the cosine similarity of the two inks, each blurred, at the best of a few
//! shifts around the aligned right edges and mean rows: a missing letter leaves crop ink
//! unexplained, an extra one adds ink the crop lacks, and both lower it. Candidates are scored
//! on a half-resolution copy first and the best few again at full resolution.

use std::collections::{HashMap, HashSet};

use ab_glyph::{Font, FontRef, GlyphId, PxScale, point};

use crate::raster::Plane;
use crate::viz::GreyLine;

/// An Arabic typeface a template prints its names in (Debian `fonts-hosny-amiri`'s
/// `Amiri-Regular.ttf` for the templates here), checked to parse for both the shaper and the
/// rasteriser.
pub struct ArabicFont {
    data: Vec<u8>,
}

impl std::fmt::Debug for ArabicFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArabicFont")
            .field("bytes", &self.data.len())
            .finish()
    }
}

impl ArabicFont {
    /// The face in `data` (TrueType or OpenType); `None` when either the shaper or the
    /// rasteriser cannot use it, or it has no Arabic letter.
    pub fn new(data: Vec<u8>) -> Option<ArabicFont> {
        let font = FontRef::try_from_slice(&data).ok()?;
        if font.glyph_id('م').0 == 0 {
            return None;
        }
        rustybuzz::Face::from_slice(&data, 0)?;
        Some(ArabicFont { data })
    }
}

/// Where Debian's `fonts-hosny-amiri` puts the face the templates here print Arabic in.
pub const AMIRI: &str = "/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf";

/// What [`settle`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    /// The text whose drawing explains the crop best.
    pub text: String,
    /// The similarity of the OCR's own read, 0–1.
    pub read_similarity: f32,
    /// The similarity of `text`, 0–1.
    pub similarity: f32,
    /// Whether `text` replaces the read ([`MARGIN`], [`DOT_MARGIN`], [`MIN_SIMILARITY`]).
    pub changed: bool,
}

/// At or above this similarity the OCR's read explains the crop and is kept as it is: on the
/// training seeds, correct reads scored 0.95–0.99 and the misreads of a whole letter below
/// 0.93.
pub const ACCEPT: f32 = 0.965;
/// A search result replaces the read only if it is this much more similar: below it, two
/// readings that differ by the dots of one letter are a tie the crop cannot settle.
pub const MARGIN: f32 = 0.012;
/// A read the drawing explains (at or above [`ACCEPT`]) gives way to one letter's dot sibling
/// only if that is this much more similar.
pub const DOT_MARGIN: f32 = 0.005;
/// Nor unless it is at least this similar: a drawing that still explains the crop poorly is
/// no better evidence than the OCR.
pub const MIN_SIMILARITY: f32 = 0.91;

/// The letters a candidate is built from: the Arabic alphabet, taa marbuta, alef maqsura and
/// the hamza forms, and the space between two names.
const ALPHABET: &str = "ابتثجحخدذرزسشصضطظعغفقكلمنهويةىأإآؤئء ";
/// Beam width, rounds of edits, the candidates scored again at full resolution per round, and
/// the most candidates one field may cost (the search from مير for سمير takes 72 ms:
/// `cargo bench -p document -- arabic_by_synthesis`).
const BEAM: usize = 8;
const ROUNDS: usize = 5;
const REFINE: usize = 16;
const BUDGET: usize = 20000;
/// The blur of both inks, px at full resolution.
const SIGMA: f32 = 1.2;
/// Crop pixels lighter than this share of full ink are paper.
const PAPER: f32 = 0.25;

/// One crop made ready for drawing against: its inks at both resolutions and a painter of the
/// face at the template's size.
pub struct Settler<'a> {
    target: Target,
    painter: Painter<'a>,
}

impl std::fmt::Debug for Settler<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settler").finish_non_exhaustive()
    }
}

impl<'a> Settler<'a> {
    /// `line` is a crop at 10 px/mm of a field printed in `font` at `px_height`, the face's
    /// ascent-to-descent height in crop pixels. `None` when the crop is malformed or blank or
    /// the size is out of range.
    pub fn new(font: &'a ArabicFont, line: &GreyLine<'_>, px_height: f32) -> Option<Settler<'a>> {
        let crop = ink_of(line)?;
        Some(Settler {
            target: Target::new(&crop)?,
            painter: Painter::new(font, px_height)?,
        })
    }

    /// How well `text`, drawn, explains the crop, 0–1 (0 for a text that draws nothing).
    pub fn similarity(&mut self, text: &str) -> f32 {
        let start = canonical(text);
        self.painter
            .paint(&start)
            .map_or(0.0, |ink| self.target.fine(&ink))
    }

    /// Settles the OCR's `read`: kept where its drawing explains the crop (but for a letter's
    /// dots, tried against its siblings), else searched for from it and from what `seeds`
    /// gives (other reads of the same crop, asked for only then).
    pub fn settle(&mut self, read: &str, seeds: impl FnOnce() -> Vec<String>) -> Settled {
        let start = canonical(read);
        let s0 = self.similarity(read);
        let (best, margin) = if s0 < ACCEPT {
            let mut starts = vec![(s0, start.clone())];
            for seed in &seeds() {
                let c = canonical(seed);
                if !c.is_empty() && starts.iter().all(|(_, t)| *t != c) {
                    let v = self.similarity(&c);
                    starts.push((v, c));
                }
            }
            (search(&self.target, &mut self.painter, starts), MARGIN)
        } else {
            (
                dots(&self.target, &mut self.painter, &start, s0),
                DOT_MARGIN,
            )
        };
        let changed = best.0 >= MIN_SIMILARITY && best.0 - s0 >= margin && best.1 != start;
        Settled {
            text: best.1,
            read_similarity: s0,
            similarity: best.0,
            changed,
        }
    }
}

/// `text` drawn in `font` at `px_height` as a crop would show it: grey on white, with a white
/// border of `border` px (tests and benchmarks make their crops with it).
pub fn draw(
    font: &ArabicFont,
    text: &str,
    px_height: f32,
    border: usize,
) -> Option<(usize, usize, Vec<u8>)> {
    let ink = Painter::new(font, px_height)?.paint(text)?;
    let (w, h) = (ink.w + 2 * border, ink.h + 2 * border);
    let mut out = vec![255u8; w.checked_mul(h)?];
    for (y, row) in ink.v.chunks(ink.w.max(1)).enumerate() {
        let at = (y + border) * w + border;
        for (o, v) in out.get_mut(at..at + ink.w)?.iter_mut().zip(row) {
            *o = (255.0 * (1.0 - v)).round().clamp(0.0, 255.0) as u8;
        }
    }
    Some((w, h, out))
}

/// [`Settler::settle`] of one read without seeds; `None` as [`Settler::new`].
pub fn settle(
    font: &ArabicFont,
    line: &GreyLine<'_>,
    px_height: f32,
    read: &str,
) -> Option<Settled> {
    Some(Settler::new(font, line, px_height)?.settle(read, Vec::new))
}

/// The text a settled read gives: the drawing's where it explains the crop clearly better
/// than the OCR's read, else `None` (the read stands).
pub fn chosen(s: &Settled) -> Option<&str> {
    s.changed.then_some(s.text.as_str())
}

/// Letters that share a body and differ by their dots (or a hamza, or a final form), the
/// confusions of a read whose drawing already explains the crop but for a letter's dots.
const DOT_SIBLINGS: [&str; 11] = [
    "بتثني",
    "جحخ",
    "دذ",
    "رز",
    "سش",
    "صض",
    "طظ",
    "عغ",
    "فق",
    "هة",
    "يى",
];

/// A read the drawing explains, tried again with each letter swapped for its dot siblings.
fn dots(target: &Target, painter: &mut Painter<'_>, start: &str, s0: f32) -> (f32, String) {
    let chars: Vec<char> = start.chars().collect();
    let mut best = (s0, start.to_owned());
    for (i, &c) in chars.iter().enumerate() {
        for set in DOT_SIBLINGS.iter().filter(|set| set.contains(c)) {
            for k in set.chars().filter(|&k| k != c) {
                let mut v = chars.clone();
                if let Some(slot) = v.get_mut(i) {
                    *slot = k;
                }
                let cand: String = v.into_iter().collect();
                if let Some(ink) = painter.paint(&cand) {
                    let score = target.fine(&ink);
                    if score > best.0 {
                        best = (score, cand);
                    }
                }
            }
        }
    }
    best
}

/// A beam search over one-letter edits from `starts` (scored texts; the first is the OCR's).
fn search(target: &Target, painter: &mut Painter<'_>, starts: Vec<(f32, String)>) -> (f32, String) {
    let fallback = starts.first().cloned().unwrap_or((0.0, String::new()));
    let mut seen: HashSet<String> = starts.iter().map(|(_, t)| t.clone()).collect();
    let mut beam = starts;
    beam.sort_by(|a, b| b.0.total_cmp(&a.0));
    beam.truncate(BEAM);
    let mut spent = 0usize;
    for _ in 0..ROUNDS {
        let mut coarse: Vec<(f32, String)> = Vec::new();
        for (_, text) in &beam {
            for cand in neighbours(text) {
                if spent >= BUDGET || !seen.insert(cand.clone()) {
                    continue;
                }
                spent += 1;
                if let Some(ink) = painter.paint(&cand) {
                    coarse.push((target.coarse(&ink).0, cand));
                }
            }
        }
        coarse.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut next = beam.clone();
        for (_, cand) in coarse.into_iter().take(REFINE) {
            if let Some(ink) = painter.paint(&cand) {
                next.push((target.fine(&ink), cand));
            }
        }
        next.sort_by(|a, b| b.0.total_cmp(&a.0));
        next.truncate(BEAM);
        let top = |b: &[(f32, String)]| b.first().map_or(f32::MIN, |t| t.0);
        let improved = top(&next) > top(&beam);
        beam = next;
        if !improved || spent >= BUDGET {
            break;
        }
    }
    beam.into_iter().next().unwrap_or(fallback)
}

/// Every text one edit (an inserted, deleted or replaced letter) from `text`, trimmed, without
/// a doubled space.
fn neighbours(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut push = |v: Vec<char>| {
        let s: String = v.into_iter().collect();
        let t = s.trim();
        if !t.is_empty() && !t.contains("  ") {
            out.push(t.to_owned());
        }
    };
    for i in 0..=chars.len() {
        for c in ALPHABET.chars() {
            let mut v = chars.clone();
            v.insert(i, c);
            push(v);
        }
    }
    for (i, &old) in chars.iter().enumerate() {
        let mut v = chars.clone();
        v.remove(i);
        push(v.clone());
        for c in ALPHABET.chars().filter(|&c| c != old) {
            v.insert(i, c);
            push(v.clone());
            v.remove(i);
        }
    }
    out
}

/// The OCR's text in the letters candidates are built from (the Arabic alphabet, taa marbuta,
/// alef maqsura, the hamza forms, space): the Persian forms OCR engines return for ya and kaf
/// mapped to the Arabic ones, anything else dropped, spaces single.
pub fn canonical(read: &str) -> String {
    let mut out = String::new();
    for c in read.chars() {
        let c = match c {
            '\u{06CC}' | '\u{06D2}' => 'ي',
            '\u{06A9}' | '\u{06AA}' | '\u{06AB}' => 'ك',
            c if c.is_whitespace() => ' ',
            c if ALPHABET.contains(c) => c,
            _ => continue,
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    out.trim_end().to_owned()
}

// ---------------------------------------------------------------------------------------------
// Inks.

/// A plane of ink coverage, 0 (paper) to 1.
type Ink = Plane;

/// The crop's ink: darkness, paper (under [`PAPER`]) zeroed; `None` for a malformed, tiny or
/// blank crop.
fn ink_of(line: &GreyLine<'_>) -> Option<Ink> {
    let (w, h) = (line.width, line.height);
    if w < 4 || h < 4 || w.checked_mul(h)? != line.pixels.len() {
        return None;
    }
    let v: Vec<f32> = line
        .pixels
        .iter()
        .map(|&p| {
            let ink = 1.0 - f32::from(p) / 255.0;
            if ink < PAPER { 0.0 } else { ink }
        })
        .collect();
    v.iter().any(|x| *x > 0.0).then_some(Plane { w, h, v })
}

fn norm(ink: &Ink) -> f32 {
    ink.v.iter().map(|v| v * v).sum::<f32>().sqrt()
}

/// The rightmost column holding ink (the start of a right-to-left line).
fn right_edge(ink: &Ink) -> usize {
    (0..ink.w)
        .rev()
        .find(|&x| (0..ink.h).map(|y| ink.at(x, y)).sum::<f32>() >= 0.5)
        .unwrap_or(ink.w - 1)
}

/// The ink's mean row. (The row of most ink, the baseline, moved by a dozen rows between
/// a drawing and its half-resolution copy where the stroke fell across two rows.)
fn middle(ink: &Ink) -> usize {
    let (mut sum, mut weighted) = (0.0f32, 0.0f32);
    for (y, row) in ink.v.chunks(ink.w.max(1)).enumerate() {
        let s: f32 = row.iter().sum();
        sum += s;
        weighted += s * y as f32;
    }
    if sum > 0.0 {
        (weighted / sum).round() as usize
    } else {
        0
    }
}

/// The crop, prepared once at both resolutions.
struct Target {
    full: Prepared,
    half: Prepared,
}

struct Prepared {
    ink: Ink,
    norm: f32,
    right: isize,
    middle: isize,
    /// Ink per column and per row (of the blurred ink).
    cols: Vec<f32>,
    rows: Vec<f32>,
}

impl Prepared {
    fn new(ink: &Ink, sigma: f32) -> Option<Prepared> {
        let right = right_edge(ink) as isize;
        let middle = middle(ink) as isize;
        let ink = ink.gaussian(sigma);
        let norm = norm(&ink);
        let mut cols = vec![0.0; ink.w];
        let mut rows = vec![0.0; ink.h];
        for (row, rsum) in ink.v.chunks(ink.w.max(1)).zip(rows.iter_mut()) {
            for (v, csum) in row.iter().zip(cols.iter_mut()) {
                *csum += v;
                *rsum += v;
            }
        }
        (norm > 0.0).then_some(Prepared {
            ink,
            norm,
            right,
            middle,
            cols,
            rows,
        })
    }

    /// The best cosine similarity of `r` placed on the crop with its origin within `sx`
    /// columns and `sy` rows of `centre`.
    fn matched(
        &self,
        r: &Prepared,
        centre: (isize, isize),
        sx: isize,
        sy: isize,
    ) -> (f32, (isize, isize)) {
        let mut best = (0.0f32, centre);
        for dy in -sy..=sy {
            for dx in -sx..=sx {
                let (ox, oy) = (centre.0 + dx, centre.1 + dy);
                let v = self.dot(r, ox, oy) / (self.norm * r.norm);
                if v > best.0 {
                    best = (v, (ox, oy));
                }
            }
        }
        best
    }

    /// As [`Prepared::matched`] over ±`sx` × ±`sy`, at a fraction of its cost: the column and
    /// row ink profiles place `r` along each axis alone, and only the 3 × 3 shifts around that
    /// place are compared whole.
    fn placed(
        &self,
        r: &Prepared,
        centre: (isize, isize),
        sx: isize,
        sy: isize,
    ) -> (f32, (isize, isize)) {
        let best_shift = |a: &[f32], b: &[f32], c: isize, s: isize| {
            let mut best = (f32::MIN, c);
            for o in c - s..=c + s {
                let v: f32 = b
                    .iter()
                    .enumerate()
                    .filter_map(|(i, bv)| {
                        let j = usize::try_from(i as isize + o).ok()?;
                        a.get(j).map(|av| av * bv)
                    })
                    .sum();
                if v > best.0 {
                    best = (v, o);
                }
            }
            best.1
        };
        let ox = best_shift(&self.cols, &r.cols, centre.0, sx);
        let oy = best_shift(&self.rows, &r.rows, centre.1, sy);
        self.matched(r, (ox, oy), 1, 1)
    }

    /// Σ crop·render with the render's pixel (0, 0) on the crop's (ox, oy).
    fn dot(&self, r: &Prepared, ox: isize, oy: isize) -> f32 {
        let (cw, ch) = (self.ink.w as isize, self.ink.h as isize);
        let (rw, rh) = (r.ink.w as isize, r.ink.h as isize);
        let (y0, y1) = (oy.max(0), (oy + rh).min(ch));
        let (x0, x1) = (ox.max(0), (ox + rw).min(cw));
        if x0 >= x1 {
            return 0.0;
        }
        let mut s = 0.0;
        for y in y0..y1 {
            let c = self
                .ink
                .v
                .get((y * cw + x0) as usize..(y * cw + x1) as usize);
            let at = (y - oy) * rw - ox;
            let rr = r.ink.v.get((at + x0) as usize..(at + x1) as usize);
            if let (Some(c), Some(rr)) = (c, rr) {
                s += c.iter().zip(rr).map(|(a, b)| a * b).sum::<f32>();
            }
        }
        s
    }

    /// Where `r`'s origin goes when the right edges and the mean rows coincide.
    fn anchor(&self, r: &Prepared) -> (isize, isize) {
        (self.right - r.right, self.middle - r.middle)
    }
}

impl Target {
    fn new(crop: &Ink) -> Option<Target> {
        Some(Target {
            full: Prepared::new(crop, SIGMA)?,
            half: Prepared::new(&crop.shrink(2), SIGMA / 2.0)?,
        })
    }

    /// The half-resolution score of `render` and where its origin went, searched ±6 columns
    /// and ±6 rows (±12 px at full resolution) around the aligned right edges and mean rows: a
    /// letter missing at the start, or a label's remnants above, move them that much.
    fn coarse(&self, render: &Ink) -> (f32, (isize, isize)) {
        let Some(r) = Prepared::new(&render.shrink(2), SIGMA / 2.0) else {
            return (0.0, (0, 0));
        };
        self.half.placed(&r, self.half.anchor(&r), 6, 6)
    }

    /// The full-resolution score, searched ±2 px around the coarse position.
    fn fine(&self, render: &Ink) -> f32 {
        let (_, (hx, hy)) = self.coarse(render);
        let Some(r) = Prepared::new(render, SIGMA) else {
            return 0.0;
        };
        self.full.matched(&r, (2 * hx, 2 * hy), 2, 2).0
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing.

/// Shapes and draws text in one face at one size, each glyph rasterised once.
struct Painter<'a> {
    face: rustybuzz::Face<'a>,
    font: FontRef<'a>,
    scale: PxScale,
    px_per_unit: f32,
    glyphs: HashMap<u16, Option<Glyph>>,
}

/// A glyph's coverage, placed relative to its pen position on the baseline.
struct Glyph {
    dx: i32,
    dy: i32,
    w: usize,
    h: usize,
    cov: Vec<f32>,
}

impl<'a> Painter<'a> {
    fn new(font: &'a ArabicFont, px_height: f32) -> Option<Painter<'a>> {
        if !(4.0..=400.0).contains(&px_height) {
            return None;
        }
        let face = rustybuzz::Face::from_slice(&font.data, 0)?;
        let font = FontRef::try_from_slice(&font.data).ok()?;
        let px_per_unit = px_height / font.height_unscaled().max(1.0);
        Some(Painter {
            face,
            font,
            scale: PxScale::from(px_height),
            px_per_unit,
            glyphs: HashMap::new(),
        })
    }

    fn glyph(&mut self, id: u16) -> Option<&Glyph> {
        let (font, scale) = (&self.font, self.scale);
        self.glyphs
            .entry(id)
            .or_insert_with(|| {
                let g = GlyphId(id).with_scale_and_position(scale, point(0.0, 0.0));
                let outlined = font.outline_glyph(g)?;
                let b = outlined.px_bounds();
                let (w, h) = (b.width() as usize, b.height() as usize);
                let mut cov = vec![0.0; w.checked_mul(h)?];
                outlined.draw(|x, y, c| {
                    if let Some(p) = cov.get_mut(y as usize * w + x as usize) {
                        *p = c;
                    }
                });
                Some(Glyph {
                    dx: b.min.x as i32,
                    dy: b.min.y as i32,
                    w,
                    h,
                    cov,
                })
            })
            .as_ref()
    }

    /// `text` drawn right to left, cut to its ink with a 2 px margin.
    fn paint(&mut self, text: &str) -> Option<Ink> {
        let mut buf = rustybuzz::UnicodeBuffer::new();
        buf.push_str(text);
        buf.set_direction(rustybuzz::Direction::RightToLeft);
        buf.guess_segment_properties();
        let shaped = rustybuzz::shape(&self.face, &[], buf);
        let mut placed = Vec::new();
        let mut pen = 0.0f32;
        for (info, pos) in shaped.glyph_infos().iter().zip(shaped.glyph_positions()) {
            let gx = pen + pos.x_offset as f32 * self.px_per_unit;
            let gy = -(pos.y_offset as f32) * self.px_per_unit;
            placed.push((info.glyph_id as u16, gx.round() as i32, gy.round() as i32));
            pen += pos.x_advance as f32 * self.px_per_unit;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (i32::MAX, i32::MAX, i32::MIN, i32::MIN);
        for &(id, gx, gy) in &placed {
            if let Some(g) = self.glyph(id) {
                x0 = x0.min(gx + g.dx);
                y0 = y0.min(gy + g.dy);
                x1 = x1.max(gx + g.dx + g.w as i32);
                y1 = y1.max(gy + g.dy + g.h as i32);
            }
        }
        if x0 >= x1 || y0 >= y1 {
            return None;
        }
        let m = 2;
        let (w, h) = ((x1 - x0 + 2 * m) as usize, (y1 - y0 + 2 * m) as usize);
        if w > 4096 || h > 1024 {
            return None;
        }
        let mut px = vec![0.0f32; w * h];
        for &(id, gx, gy) in &placed {
            let Some(g) = self.glyph(id) else { continue };
            let (ox, oy) = ((gx + g.dx - x0 + m) as usize, (gy + g.dy - y0 + m) as usize);
            for (yy, row) in g.cov.chunks(g.w.max(1)).enumerate() {
                let at = (oy + yy) * w + ox;
                if let Some(out) = px.get_mut(at..at + g.w) {
                    for (o, c) in out.iter_mut().zip(row) {
                        *o = (*o + c).min(1.0);
                    }
                }
            }
        }
        Some(Plane { w, h, v: px })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn amiri() -> Option<ArabicFont> {
        let bytes = std::fs::read(AMIRI).expect("Amiri (scripts/setup installs fonts-hosny-amiri)");
        ArabicFont::new(bytes)
    }

    fn crop(font: &ArabicFont, text: &str, px: f32) -> (usize, usize, Vec<u8>) {
        draw(font, text, px, 5).unwrap()
    }

    /// `read` settled against a crop of `printed`, drawn at the templates' size.
    fn settled(font: &ArabicFont, printed: &str, read: &str) -> Settled {
        let (w, h, px) = crop(font, printed, 57.8);
        let line = GreyLine {
            width: w,
            height: h,
            pixels: &px,
        };
        settle(font, &line, 57.8, read).unwrap()
    }

    #[test]
    fn canonical_maps_persian_forms_and_drops_the_rest() {
        assert_eq!(canonical("\u{200e}کریم\u{200f}"), "كريم");
        assert_eq!(canonical("  بن   علی "), "بن علي");
        assert_eq!(canonical("vw.“"), "");
    }

    #[test]
    fn neighbours_are_one_edit_away() {
        let n = neighbours("مير");
        assert!(n.contains(&"سمير".to_owned()));
        assert!(n.contains(&"مي".to_owned()));
        assert!(n.contains(&"ميز".to_owned()));
        assert!(n.iter().all(|s| !s.contains("  ") && s.trim() == s));
    }

    #[test]
    fn a_dropped_first_letter_of_a_ligature_is_drawn_back() {
        let font = amiri().unwrap();
        let s = settled(&font, "سمير", "مير");
        assert_eq!(s.text, "سمير");
        assert!(s.read_similarity < ACCEPT);
        assert_eq!(chosen(&s), Some("سمير"));
        // A read the drawing already explains is kept without a search.
        let kept = settled(&font, "سمير", "سمير");
        assert!(kept.read_similarity >= ACCEPT);
        assert_eq!(chosen(&kept), None);
    }

    #[test]
    fn another_read_of_the_crop_seeds_the_search() {
        let font = amiri().unwrap();
        let (w, h, mut px) = crop(&font, "أمينة", 57.8);
        // A stray blob above the value, as a label's remnants leave.
        for y in 0..3 {
            for x in w / 3..w / 3 + 6 {
                px[y * w + x] = 60;
            }
        }
        let line = GreyLine {
            width: w,
            height: h,
            pixels: &px,
        };
        let mut settler = Settler::new(&font, &line, 57.8).unwrap();
        let s = settler.settle("أ", || vec!["سم".to_owned(), "امينة".to_owned()]);
        assert_eq!(chosen(&s), Some("أمينة"));
        // A dot sibling of one letter is settled even where the read explains the crop.
        let s = settled(&font, "تواتي", "تواني");
        assert!(s.read_similarity >= ACCEPT, "{s:?}");
        assert_eq!(chosen(&s), Some("تواتي"));
    }

    #[test]
    fn malformed_or_blank_crops_settle_nothing() {
        let font = amiri().unwrap();
        let blank = vec![255u8; 40 * 20];
        let line = |w, h, p: &'static [u8]| GreyLine {
            width: w,
            height: h,
            pixels: p,
        };
        let blank: &'static [u8] = Box::leak(blank.into_boxed_slice());
        assert!(settle(&font, &line(40, 20, blank), 57.8, "سمير").is_none());
        assert!(settle(&font, &line(41, 20, blank), 57.8, "سمير").is_none());
        assert!(settle(&font, &line(0, 0, &[]), 57.8, "").is_none());
        let mut dark = vec![255u8; 40 * 20];
        dark[200] = 0;
        let dark: &'static [u8] = Box::leak(dark.into_boxed_slice());
        assert!(settle(&font, &line(40, 20, dark), f32::NAN, "سمير").is_none());
        assert!(ArabicFont::new(vec![1, 2, 3]).is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]
        #[test]
        fn settling_any_crop_and_read_never_panics(
            w in 0usize..48,
            h in 0usize..32,
            seed in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            read in "\\PC{0,6}",
            px in 1.0f32..120.0,
        ) {
            let font = amiri().unwrap();
            let pixels: Vec<u8> = (0..w * h).map(|i| seed.get(i % seed.len().max(1)).copied().unwrap_or(255)).collect();
            let line = GreyLine { width: w, height: h, pixels: &pixels };
            if let Some(s) = settle(&font, &line, px, &read) {
                proptest::prop_assert!((0.0..=1.0001).contains(&s.similarity));
            }
        }
    }
}
