//! Tampering forensics on the uploaded JPEG: aligned double-JPEG analysis on the 8 × 8 DCT grid
//! (a block map of regions that lack the first compression's trace), error level on that grid,
//! and copy-move detection with block matching and a shift-vector histogram.
//!
//! Aligned double JPEG (after Lin, He, Tang and Tang, "Fast, automatic and fine-grained tampered
//! JPEG image detection via DCT coefficient analysis", Pattern Recognition 42, 2009): a phone's
//! JPEG opened in an editor and saved again carries, in every 8 × 8 block, coefficients that
//! were quantised twice. Where the first step was coarser than the second, the histogram of a
//! frequency's quantised values has empty bins (values the second step can never produce from
//! multiples of the first step). A region pasted in the editor (a photo, re-rendered text) or
//! moved off the grid (copy-move) was quantised only once: its coefficients fall into those
//! empty bins. Each block gets a log-likelihood ratio; strongly negative blocks form the map.
//!
//! A genuine capture saved once has no such periodicity: the analysis then reports
//! `double_compressed: false` and suspects nothing (a re-save of an unedited picture is
//! consistent everywhere and suspects nothing either).

use crate::raster::Plane;

/// Zig-zag position → natural (row-major) index of the 8 × 8 block (ITU-T T.81 figure A.6).
const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// The luminance quantisation table of a baseline or progressive JPEG (natural order): the
/// table the first frame component uses (ITU-T T.81 §B.2.4.1 DQT, §B.2.2 SOF). `None` when the
/// bytes are not a JPEG or carry no such table.
pub fn luma_quant_table(bytes: &[u8]) -> Option<[u16; 64]> {
    if bytes.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut tables: [Option<[u16; 64]>; 4] = [None; 4];
    let mut luma_id = 0usize;
    let mut i = 2usize;
    while i + 4 <= bytes.len() {
        if bytes.get(i).copied()? != 0xFF {
            return None;
        }
        let marker = bytes.get(i + 1).copied()?;
        if marker == 0xFF {
            i += 1;
            continue;
        }
        if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([
            bytes.get(i + 2).copied()?,
            bytes.get(i + 3).copied()?,
        ]));
        if len < 2 {
            return None;
        }
        let seg = bytes.get(i + 4..i + 2 + len)?;
        match marker {
            0xDB => {
                let mut p = 0usize;
                while p < seg.len() {
                    let pq_tq = seg.get(p).copied()?;
                    let (precision, id) = (pq_tq >> 4, usize::from(pq_tq & 0x0F));
                    p += 1;
                    let mut t = [0u16; 64];
                    for &nat in &ZIGZAG {
                        let v = if precision == 0 {
                            let v = u16::from(seg.get(p).copied()?);
                            p += 1;
                            v
                        } else {
                            let v = u16::from_be_bytes([
                                seg.get(p).copied()?,
                                seg.get(p + 1).copied()?,
                            ]);
                            p += 2;
                            v
                        };
                        *t.get_mut(nat)? = v.max(1);
                    }
                    if let Some(slot) = tables.get_mut(id) {
                        *slot = Some(t);
                    }
                }
            }
            // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC): the first component's table.
            0xC0..=0xCF if marker != 0xC4 && marker != 0xC8 && marker != 0xCC => {
                // P, Y(2), X(2), Nf, then per component: C, H|V, Tq.
                luma_id = usize::from(seg.get(8).copied()? & 0x03);
            }
            0xDA => break,
            _ => {}
        }
        i += 2 + len;
    }
    tables.get(luma_id).copied().flatten()
}

/// Cosines of the 8-point DCT-II with JPEG's normalisation folded in.
fn dct_basis() -> [[f32; 8]; 8] {
    let mut b = [[0.0f32; 8]; 8];
    for (u, row) in b.iter_mut().enumerate() {
        let cu = if u == 0 {
            std::f32::consts::FRAC_1_SQRT_2
        } else {
            1.0
        };
        for (x, v) in row.iter_mut().enumerate() {
            *v = 0.5 * cu * ((2 * x + 1) as f32 * u as f32 * std::f32::consts::PI / 16.0).cos();
        }
    }
    b
}

/// The 8 × 8 DCT (natural order, JPEG scaling) of the block at block coordinates (bx, by).
fn block_dct(luma: &Plane, bx: usize, by: usize, basis: &[[f32; 8]; 8]) -> [f32; 64] {
    let mut px = [0.0f32; 64];
    for y in 0..8 {
        for x in 0..8 {
            if let Some(p) = px.get_mut(y * 8 + x) {
                *p = luma.at(bx * 8 + x, by * 8 + y) - 128.0;
            }
        }
    }
    // Rows, then columns.
    let mut tmp = [0.0f32; 64];
    for y in 0..8 {
        for (u, bu) in basis.iter().enumerate() {
            let mut s = 0.0;
            for (x, b) in bu.iter().enumerate() {
                s += px.get(y * 8 + x).copied().unwrap_or(0.0) * b;
            }
            if let Some(t) = tmp.get_mut(y * 8 + u) {
                *t = s;
            }
        }
    }
    let mut out = [0.0f32; 64];
    for u in 0..8 {
        for (v, bv) in basis.iter().enumerate() {
            let mut s = 0.0;
            for (y, b) in bv.iter().enumerate() {
                s += tmp.get(y * 8 + u).copied().unwrap_or(0.0) * b;
            }
            if let Some(o) = out.get_mut(v * 8 + u) {
                *o = s;
            }
        }
    }
    out
}

/// A frequency whose empty bins hold at most this share of their expected mass is clear
/// evidence of a first compression (two such frequencies make the picture double-compressed).
const STRONG_RHO: f32 = 0.25;

/// Zig-zag positions analysed (low and middle frequencies: enough non-zero values).
const FREQS: std::ops::RangeInclusive<usize> = 1..=20;
/// Largest |quantised value| histogrammed.
const KMAX: usize = 24;

/// One frequency's estimate of the first quantisation step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FirstStep {
    /// Zig-zag position.
    pub zigzag: usize,
    /// The file's (second) step.
    pub q2: u16,
    /// The estimated first step.
    pub q1: u16,
    /// Observed ÷ expected mass in the bins the first step leaves empty (0 = perfectly empty).
    pub rho: f32,
    /// Share of the mass a once-quantised picture would put in those bins.
    pub p_single: f32,
    /// Bins (1..=KMAX) the first step leaves empty, bracketed by reachable ones.
    empty: u32,
    /// Bins that take part (the empty ones and the reachable ones around them).
    counted: u32,
}

/// The double-JPEG analysis of a picture.
#[derive(Debug, Clone, Default)]
pub struct DoubleJpeg {
    /// Blocks across.
    pub bw: usize,
    /// Blocks down.
    pub bh: usize,
    /// Per-frequency first-step estimates (empty when the picture was compressed once).
    pub steps: Vec<FirstStep>,
    /// Per block: log-likelihood ratio of "quantised twice" against "once" (positive: consistent
    /// with the rest of the picture).
    pub llr: Vec<f32>,
    /// Per block: the mean squared error of re-quantising the block's coefficients at the
    /// estimated first steps, relative to the step (error level on the DCT grid).
    pub error_level: Vec<f32>,
}

impl DoubleJpeg {
    /// Whether the picture shows a first compression at all.
    pub fn double_compressed(&self) -> bool {
        self.steps.iter().filter(|s| s.rho <= STRONG_RHO).count() >= 2
    }
}

/// The bins of |value ÷ q2| that multiples of `q1` can land in after the second rounding, with
/// `slack` coefficient units for the decoder's pixel rounding (a value near a half lands on
/// either side).
fn reachable_bins(q1: u16, q2: u16) -> u32 {
    let (q1, q2) = (f32::from(q1), f32::from(q2));
    let reach = q2 / 2.0 + SLACK;
    let mut mask = 0u32;
    for k in 1..=KMAX {
        let c = k as f32 * q2;
        let d = (c - (c / q1).round() * q1).abs();
        if d <= reach {
            mask |= 1 << k;
        }
    }
    mask
}

/// Coefficient units of rounding noise between the two compressions.
const SLACK: f32 = 0.6;

/// Aligned double-JPEG analysis of the picture's luminance with the file's table `q2`.
pub fn double_jpeg(luma: &Plane, q2: &[u16; 64]) -> DoubleJpeg {
    let (bw, bh) = (luma.w / 8, luma.h / 8);
    if bw < 4 || bh < 4 {
        return DoubleJpeg::default();
    }
    let basis = dct_basis();
    let nf = FREQS.count();
    // Per block, per analysed frequency: the coefficient divided by the file's step.
    let mut vals = vec![0.0f32; bw * bh * nf];
    let mut hist = vec![[0u32; KMAX + 1]; nf];
    for by in 0..bh {
        for bx in 0..bw {
            let c = block_dct(luma, bx, by, &basis);
            for (fi, z) in FREQS.enumerate() {
                let nat = ZIGZAG.get(z).copied().unwrap_or(0);
                let q = f32::from(q2.get(nat).copied().unwrap_or(1));
                let v = c.get(nat).copied().unwrap_or(0.0) / q;
                if let Some(s) = vals.get_mut((by * bw + bx) * nf + fi) {
                    *s = v;
                }
                let k = v.abs().round() as usize;
                if let Some(h) = hist.get_mut(fi).and_then(|h| h.get_mut(k)) {
                    *h += 1;
                }
            }
        }
    }
    let mut steps = Vec::new();
    for (fi, z) in FREQS.enumerate() {
        let nat = ZIGZAG.get(z).copied().unwrap_or(0);
        let q2f = q2.get(nat).copied().unwrap_or(1);
        let Some(h) = hist.get(fi) else { continue };
        if let Some(s) = first_step(h, q2f) {
            steps.push(FirstStep { zigzag: z, ..s });
        }
    }
    let mut llr = vec![0.0f32; bw * bh];
    let mut error_level = vec![0.0f32; bw * bh];
    for (b, (l, e)) in llr.iter_mut().zip(error_level.iter_mut()).enumerate() {
        let (mut el, mut en) = (0.0f32, 0.0f32);
        for s in &steps {
            let fi = s.zigzag - FREQS.start();
            let v = vals.get(b * nf + fi).copied().unwrap_or(0.0);
            let k = v.abs().round() as usize;
            if k == 0 || k > KMAX || s.counted & (1 << k) == 0 {
                continue;
            }
            let empty_single = s.p_single;
            let empty_double = (s.rho.max(0.03) * s.p_single).min(0.9);
            if s.empty & (1 << k) != 0 {
                *l += (empty_double / empty_single).ln();
            } else {
                *l += ((1.0 - empty_double) / (1.0 - empty_single).max(0.05)).ln();
            }
            // Error level: distance of the value from the first step's lattice.
            let r = f32::from(s.q1) / f32::from(s.q2);
            let d = (v.abs() / r - (v.abs() / r).round()).abs();
            el += d * d;
            en += 1.0;
        }
        *e = if en > 0.0 { el / en } else { 0.0 };
    }
    DoubleJpeg {
        bw,
        bh,
        steps,
        llr,
        error_level,
    }
}

/// The first step that best explains a frequency's histogram of |quantised values|, if its
/// empty bins are clearly empty. The count a once-quantised picture would put in a bin the
/// candidate leaves empty is the log-linear interpolation between the nearest reachable bins on
/// either side (coefficient histograms are close to Laplacian); only bracketed bins count.
fn first_step(h: &[u32; KMAX + 1], q2: u16) -> Option<FirstStep> {
    let nonzero: u32 = h.iter().skip(1).sum();
    if nonzero < 300 {
        return None;
    }
    let lh = |k: usize| (h.get(k).copied().unwrap_or(0) as f32 + 1.0).ln();
    let mut best: Option<(f32, FirstStep)> = None;
    for q1 in q2 + 1..=q2.saturating_mul(10).min(255) {
        let reach = reachable_bins(q1, q2);
        let (mut exp_empty, mut obs_empty) = (0.0f32, 0.0f32);
        let (mut empty, mut counted) = (0u32, 0u32);
        let mut last_full: Option<usize> = None;
        let mut pending: Vec<usize> = Vec::new();
        for k in 1..=KMAX {
            if reach & (1 << k) == 0 {
                if last_full.is_some() {
                    pending.push(k);
                }
                continue;
            }
            if let Some(lo) = last_full {
                for &e in &pending {
                    let t = (e - lo) as f32 / (k - lo) as f32;
                    let est = (lh(lo) * (1.0 - t) + lh(k) * t).exp() - 1.0;
                    exp_empty += est.max(0.0);
                    obs_empty += h.get(e).copied().unwrap_or(0) as f32;
                    empty |= 1 << e;
                }
                for b in lo..=k {
                    counted |= 1 << b;
                }
            }
            pending.clear();
            last_full = Some(k);
        }
        if exp_empty < 40.0 {
            continue;
        }
        let total: f32 = (1..=KMAX)
            .filter(|k| counted & (1 << k) != 0)
            .map(|k| h.get(k).copied().unwrap_or(0) as f32)
            .sum();
        if total <= 0.0 {
            continue;
        }
        let rho = obs_empty / exp_empty;
        let p_single = (exp_empty / total).min(0.9);
        if rho > 0.35 || p_single < 0.05 {
            continue;
        }
        // The evidence the candidate explains: its empty mass against all non-zero values.
        let merit = (1.0 - rho) * exp_empty / nonzero as f32;
        if best.as_ref().is_none_or(|(m, _)| merit > *m) {
            best = Some((
                merit,
                FirstStep {
                    zigzag: 0,
                    q2,
                    q1,
                    rho,
                    p_single,
                    empty,
                    counted,
                },
            ));
        }
    }
    best.map(|(_, s)| s)
}

/// The suspicious-block map: blocks whose 3 × 3 neighbourhood's log-likelihood ratio is below
/// `-threshold` and whose centre `inside` accepts (the document).
pub fn suspicious_blocks(
    dq: &DoubleJpeg,
    threshold: f32,
    inside: impl Fn(f64, f64) -> bool,
) -> Vec<bool> {
    let (bw, bh) = (dq.bw, dq.bh);
    let mut out = vec![false; bw * bh];
    if !dq.double_compressed() {
        return out;
    }
    for by in 0..bh {
        for bx in 0..bw {
            let mut s = 0.0;
            for y in by.saturating_sub(1)..=(by + 1).min(bh - 1) {
                for x in bx.saturating_sub(1)..=(bx + 1).min(bw - 1) {
                    s += dq.llr.get(y * bw + x).copied().unwrap_or(0.0);
                }
            }
            let (cx, cy) = ((bx * 8 + 4) as f64, (by * 8 + 4) as f64);
            if s < -threshold
                && inside(cx, cy)
                && let Some(o) = out.get_mut(by * bw + bx)
            {
                *o = true;
            }
        }
    }
    out
}

/// The largest 8-connected cluster of a block map: its size and bounding box (blocks,
/// `[x0, y0, x1, y1]` inclusive).
pub fn largest_cluster(map: &[bool], bw: usize, bh: usize) -> (usize, [usize; 4]) {
    let mut seen = vec![false; map.len()];
    let mut best = (0usize, [0usize; 4]);
    let mut stack = Vec::new();
    for start in 0..map.len().min(bw * bh) {
        if !map.get(start).copied().unwrap_or(false) || seen.get(start).copied().unwrap_or(true) {
            continue;
        }
        let (sx, sy) = (start % bw, start / bw);
        let mut bb = [sx, sy, sx, sy];
        let mut n = 0usize;
        stack.push(start);
        if let Some(s) = seen.get_mut(start) {
            *s = true;
        }
        while let Some(i) = stack.pop() {
            n += 1;
            let (x, y) = (i % bw, i / bw);
            bb = [bb[0].min(x), bb[1].min(y), bb[2].max(x), bb[3].max(y)];
            for ny in y.saturating_sub(1)..=(y + 1).min(bh - 1) {
                for nx in x.saturating_sub(1)..=(x + 1).min(bw - 1) {
                    let j = ny * bw + nx;
                    if map.get(j).copied().unwrap_or(false) && !seen.get(j).copied().unwrap_or(true)
                    {
                        if let Some(s) = seen.get_mut(j) {
                            *s = true;
                        }
                        stack.push(j);
                    }
                }
            }
        }
        if n > best.0 {
            best = (n, bb);
        }
    }
    best
}

/// A block map as evidence: the map's bounding box, reduced by `step` in each direction (a cell
/// is set if any block in it is), as rows of hex digits (4 cells a digit, most significant
/// first). Bounded: at most 64 × 64 cells, 1 KB of text.
pub fn map_evidence(map: &[bool], bw: usize, bh: usize, bb: [usize; 4]) -> serde_json::Value {
    let [x0, y0, x1, y1] = bb;
    let (w, h) = ((x1 + 1).saturating_sub(x0), (y1 + 1).saturating_sub(y0));
    let step = w.max(h).div_ceil(64).max(1);
    let (cw, ch) = (w.div_ceil(step), h.div_ceil(step));
    let mut rows = Vec::with_capacity(ch);
    for cy in 0..ch {
        let mut row = String::with_capacity(cw.div_ceil(4));
        let mut nibble = 0u8;
        for cx in 0..cw {
            let mut set = false;
            for y in y0 + cy * step..(y0 + (cy + 1) * step).min(bh).min(y1 + 1) {
                for x in x0 + cx * step..(x0 + (cx + 1) * step).min(bw).min(x1 + 1) {
                    set |= map.get(y * bw + x).copied().unwrap_or(false);
                }
            }
            nibble = (nibble << 1) | u8::from(set);
            if cx % 4 == 3 || cx + 1 == cw {
                let shift = 3 - (cx % 4);
                nibble <<= shift;
                row.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
                nibble = 0;
            }
        }
        rows.push(row);
    }
    serde_json::json!({
        "origin_block": [x0, y0],
        "cell_blocks": step,
        "cols": cw,
        "rows": rows,
    })
}

/// Copy-move: 16 × 16 blocks at every position of `region` (picture pixels, `[x0, y0, x1,
/// y1]`), each described by the means of its 4 × 4 cells; textured blocks are sorted by a
/// coarse key (the quadrant means) then the cells, neighbours in that order that agree within
/// `tol` on every cell and lie ≥ 32 px apart vote for their shift vector. Returns the best
/// shift's votes (its ±1 neighbours merged), the shift, and the bounding box of the blocks that
/// voted for it (picture pixels, both copies).
pub fn copy_move(luma: &Plane, region: [usize; 4]) -> CopyMove {
    const B: usize = 16;
    let x0 = region[0];
    let y0 = region[1];
    let x1 = region[2].min(luma.w);
    let y1 = region[3].min(luma.h);
    if x1 < x0 + B + 1 || y1 < y0 + B + 1 {
        return CopyMove::default();
    }
    let (w, h) = (x1 - x0, y1 - y0);
    // Integral image of the region.
    let mut ii = vec![0.0f64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0.0f64;
        for x in 0..w {
            row += f64::from(luma.at(x0 + x, y0 + y));
            let above = ii.get(y * (w + 1) + x + 1).copied().unwrap_or(0.0);
            if let Some(v) = ii.get_mut((y + 1) * (w + 1) + x + 1) {
                *v = above + row;
            }
        }
    }
    // The mean of the 4 × 4 cell at every position, once (each is a cell of 16 blocks).
    let cw = w - 3;
    let mut cells = vec![(0.0f64, 0u8); cw * (h - 3)];
    for y in 0..h - 3 {
        for x in 0..cw {
            let g = |xx: usize, yy: usize| ii.get(yy * (w + 1) + xx).copied().unwrap_or(0.0);
            let m = (g(x + 4, y + 4) - g(x, y + 4) - g(x + 4, y) + g(x, y)) / 16.0;
            if let Some(c) = cells.get_mut(y * cw + x) {
                *c = (m, m.round().clamp(0.0, 255.0) as u8);
            }
        }
    }
    // (coarse key, cells, x, y)
    let mut descs: Vec<([u8; 4], [u8; 16], u16, u16)> = Vec::new();
    for y in 0..=h - B {
        for x in 0..=w - B {
            let mut d = [0u8; 16];
            let (mut s, mut s2) = (0.0f64, 0.0f64);
            for cy in 0..4 {
                for cx in 0..4 {
                    let (m, r) = cells
                        .get((y + cy * 4) * cw + x + cx * 4)
                        .copied()
                        .unwrap_or((0.0, 0));
                    s += m;
                    s2 += m * m;
                    if let Some(v) = d.get_mut(cy * 4 + cx) {
                        *v = r;
                    }
                }
            }
            let var = s2 / 16.0 - (s / 16.0).powi(2);
            if var < 200.0 || !two_dimensional(&d) {
                continue;
            }
            let mut key = [0u8; 4];
            for (q, k) in key.iter_mut().enumerate() {
                let (qx, qy) = ((q % 2) * 2, (q / 2) * 2);
                let sum: u32 = [(0, 0), (1, 0), (0, 1), (1, 1)]
                    .iter()
                    .map(|(dx, dy)| u32::from(d.get((qy + dy) * 4 + qx + dx).copied().unwrap_or(0)))
                    .sum();
                *k = (sum / 4 / 12) as u8;
            }
            let (Ok(px), Ok(py)) = (u16::try_from(x0 + x), u16::try_from(y0 + y)) else {
                continue;
            };
            descs.push((key, d, px, py));
        }
    }
    descs.sort_unstable();
    // Candidate pairs: neighbours in the sorted order, close on every cell, far apart; then the
    // raw pixels must agree too (a copy keeps the picture's own noise, a look-alike does not).
    let mut pairs: Vec<((i64, i64), f32, usize, usize)> = Vec::new();
    for i in 0..descs.len() {
        let Some(a) = descs.get(i) else { continue };
        for j in i + 1..(i + 6).min(descs.len()) {
            let Some(b) = descs.get(j) else { continue };
            if a.0 != b.0 {
                break;
            }
            let close =
                a.1.iter()
                    .zip(b.1.iter())
                    .all(|(p, q)| (i16::from(*p) - i16::from(*q)).abs() <= CELL_TOL);
            if !close {
                continue;
            }
            let (dx, dy) = (
                i64::from(b.2) - i64::from(a.2),
                i64::from(b.3) - i64::from(a.3),
            );
            if dx * dx + dy * dy < 32 * 32 {
                continue;
            }
            let (ax, ay, bx, by) = (
                usize::from(a.2),
                usize::from(a.3),
                usize::from(b.2),
                usize::from(b.3),
            );
            let mut sad = 0.0f32;
            for y in 0..B {
                for x in 0..B {
                    sad += (luma.at(ax + x, ay + y) - luma.at(bx + x, by + y)).abs();
                }
            }
            let mad = sad / (B * B) as f32;
            let key = if dx < 0 || (dx == 0 && dy < 0) {
                (-dx, -dy)
            } else {
                (dx, dy)
            };
            pairs.push((key, mad, i, j));
        }
    }
    let mut votes: std::collections::HashMap<(i64, i64), usize> = std::collections::HashMap::new();
    for p in pairs.iter().filter(|p| p.1 <= MAD_MAX) {
        *votes.entry(p.0).or_insert(0) += 1;
    }
    let mut best = (0usize, (0i64, 0i64));
    for &(dx, dy) in votes.keys() {
        let mut v = 0;
        for ey in -1..=1 {
            for ex in -1..=1 {
                v += votes.get(&(dx + ex, dy + ey)).copied().unwrap_or(0);
            }
        }
        if v > best.0 || (v == best.0 && (dx, dy) < best.1) {
            best = (v, (dx, dy));
        }
    }
    let (v, (dx, dy)) = best;
    if v == 0 {
        return CopyMove::default();
    }
    // The blocks that voted: their box (both copies) and their spread.
    let mut bb = [usize::MAX, usize::MAX, 0, 0];
    let mut mads = Vec::new();
    for &(k, mad, i, j) in &pairs {
        if (k.0 - dx).abs() > 1 || (k.1 - dy).abs() > 1 {
            continue;
        }
        mads.push(mad);
        if mad > MAD_MAX {
            continue;
        }
        for p in [descs.get(i), descs.get(j)].into_iter().flatten() {
            let (px, py) = (usize::from(p.2), usize::from(p.3));
            bb = [
                bb[0].min(px),
                bb[1].min(py),
                bb[2].max(px + B),
                bb[3].max(py + B),
            ];
        }
    }
    if bb[0] == usize::MAX {
        bb = [0; 4];
    }
    let mid = mads.len() / 2;
    if mid < mads.len() {
        mads.select_nth_unstable_by(mid, f32::total_cmp);
    }
    CopyMove {
        votes: v,
        shift: [dx, dy],
        region: bb,
        median_mad: mads.get(mid).copied().unwrap_or(0.0),
    }
}

/// Whether a 4 × 4 cell descriptor has texture in two directions (the smaller eigenvalue of its
/// gradient structure tensor is a fair share of the larger): a straight edge or a text line
/// looks the same all along itself and would match its own continuation.
fn two_dimensional(d: &[u8; 16]) -> bool {
    let v = |x: usize, y: usize| f64::from(d.get(y * 4 + x).copied().unwrap_or(0));
    let (mut sxx, mut syy, mut sxy) = (0.0f64, 0.0f64, 0.0f64);
    for y in 0..3 {
        for x in 0..3 {
            let gx = v(x + 1, y) - v(x, y) + v(x + 1, y + 1) - v(x, y + 1);
            let gy = v(x, y + 1) - v(x, y) + v(x + 1, y + 1) - v(x + 1, y);
            sxx += gx * gx;
            syy += gy * gy;
            sxy += gx * gy;
        }
    }
    let tr = sxx + syy;
    let det_part = (((sxx - syy) / 2.0).powi(2) + sxy * sxy).sqrt();
    let lmin = tr / 2.0 - det_part;
    tr > 0.0 && lmin >= MIN_ISOTROPY * tr
}

/// Share of the gradient energy the weaker direction must carry.
const MIN_ISOTROPY: f64 = 0.15;

/// Cell-mean tolerance of a candidate pair.
const CELL_TOL: i16 = 4;
/// Mean absolute pixel difference under which a candidate pair is a copy.
const MAD_MAX: f32 = 2.5;

/// What copy-move detection found.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CopyMove {
    /// Pairs of 16 px blocks voting for the best shift (its ±1 neighbours merged).
    pub votes: usize,
    /// The shift (picture pixels).
    pub shift: [i64; 2],
    /// Bounding box of the voting blocks, both copies (picture pixels, `[x0, y0, x1, y1]`).
    pub region: [usize; 4],
    /// Median pixel difference of the candidate pairs on that shift.
    pub median_mad: f32,
}

/// Whether (x, y) lies inside the convex quadrilateral `q` (either winding).
pub fn inside_quad(q: &[[f64; 2]; 4], x: f64, y: f64) -> bool {
    let mut sign = 0i8;
    for (a, b) in q.iter().zip(q.iter().cycle().skip(1)) {
        let cross = (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]);
        let s = if cross > 0.0 {
            1
        } else if cross < 0.0 {
            -1
        } else {
            0
        };
        if s != 0 {
            if sign != 0 && s != sign {
                return false;
            }
            sign = s;
        }
    }
    true
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn jpeg_with_table(t: &[u8; 64]) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xDB, 0x00, 67, 0x00];
        b.extend_from_slice(t);
        // SOF0: length 11, P 8, 16×16, one component id 1, 1×1, table 0.
        b.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 16, 1, 1, 0x11, 0]);
        b.extend_from_slice(&[0xFF, 0xDA, 0, 2, 0xFF, 0xD9]);
        b
    }

    #[test]
    fn reads_the_luma_table_in_natural_order() {
        let mut zz = [0u8; 64];
        for (i, v) in zz.iter_mut().enumerate() {
            *v = i as u8 + 1;
        }
        let t = luma_quant_table(&jpeg_with_table(&zz)).unwrap();
        // Zig-zag position 2 is natural index 8 (row 1, column 0).
        assert_eq!(t[0], 1);
        assert_eq!(t[1], 2);
        assert_eq!(t[8], 3);
        assert_eq!(t[63], 64);
    }

    #[test]
    fn rejects_non_jpeg_and_truncated_bytes() {
        assert_eq!(luma_quant_table(b"not a jpeg"), None);
        let b = jpeg_with_table(&[1; 64]);
        for n in 0..b.len() {
            let _ = luma_quant_table(&b[..n]);
        }
        assert_eq!(luma_quant_table(&b[..10]), None);
    }

    #[test]
    fn dct_of_a_flat_block_is_dc_only() {
        let mut p = Plane::new(8, 8);
        for v in &mut p.v {
            *v = 138.0;
        }
        let c = block_dct(&p, 0, 0, &dct_basis());
        assert!((c[0] - 80.0).abs() < 1e-3, "{}", c[0]);
        assert!(c[1..].iter().all(|v| v.abs() < 1e-3));
    }

    /// Quantises a block's coefficients in the DCT domain and back to pixels (a JPEG round
    /// trip of the luminance without entropy coding), with a step per frequency.
    fn requantise(p: &mut Plane, step: impl Fn(usize) -> f32, keep: impl Fn(usize, usize) -> bool) {
        let basis = dct_basis();
        for by in 0..p.h / 8 {
            for bx in 0..p.w / 8 {
                if !keep(bx, by) {
                    continue;
                }
                let mut c = block_dct(p, bx, by, &basis);
                for (k, v) in c.iter_mut().enumerate() {
                    let q = step(k);
                    *v = (*v / q).round() * q;
                }
                for y in 0..8 {
                    for x in 0..8 {
                        let mut s = 0.0;
                        for v in 0..8 {
                            for u in 0..8 {
                                s += c[v * 8 + u] * basis[u][x] * basis[v][y];
                            }
                        }
                        p.set(
                            bx * 8 + x,
                            by * 8 + y,
                            (s + 128.0).round().clamp(0.0, 255.0),
                        );
                    }
                }
            }
        }
    }

    fn textured(w: usize, h: usize, seed: u64) -> Plane {
        let mut p = Plane::new(w, h);
        let mut s = seed;
        for (i, v) in p.v.iter_mut().enumerate() {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let n = ((s >> 33) % 61) as f32 - 30.0;
            let (x, y) = ((i % w) as f32, (i / w) as f32);
            *v = 128.0 + 40.0 * (x * 0.21).sin() * (y * 0.13).cos() + n;
        }
        p
    }

    #[test]
    fn a_pasted_region_in_a_twice_compressed_picture_is_found() {
        let (w, h) = (320, 240);
        let mut p = textured(w, h, 7);
        // First compression (coarse), then a fresh patch pasted, then the second (fine).
        requantise(&mut p, |k| if k == 0 { 16.0 } else { 9.0 }, |_, _| true);
        let fresh = textured(w, h, 99);
        for y in 80..160 {
            for x in 120..200 {
                p.set(x, y, fresh.at(x, y));
            }
        }
        requantise(&mut p, |k| if k == 0 { 8.0 } else { 4.0 }, |_, _| true);
        let mut q2 = [4u16; 64];
        q2[0] = 8;
        let dq = double_jpeg(&p, &q2);
        assert!(dq.double_compressed(), "{:?}", dq.steps);
        assert!(dq.steps.iter().all(|s| s.q1 == 9), "{:?}", dq.steps);
        let map = suspicious_blocks(&dq, 3.0, |_, _| true);
        let (n, bb) = largest_cluster(&map, dq.bw, dq.bh);
        assert!(n >= 60, "{n} {bb:?}");
        assert!(
            bb[0] >= 14 && bb[2] <= 25 && bb[1] >= 9 && bb[3] <= 20,
            "{bb:?}"
        );
        let ev = map_evidence(&map, dq.bw, dq.bh, bb);
        assert!(ev.to_string().len() < 2000);
    }

    #[test]
    fn a_picture_compressed_once_suspects_nothing() {
        let mut p = textured(320, 240, 3);
        requantise(&mut p, |k| if k == 0 { 8.0 } else { 4.0 }, |_, _| true);
        let mut q2 = [4u16; 64];
        q2[0] = 8;
        let dq = double_jpeg(&p, &q2);
        assert!(!dq.double_compressed(), "{:?}", dq.steps);
        let map = suspicious_blocks(&dq, 3.0, |_, _| true);
        assert!(map.iter().all(|b| !b));
    }

    #[test]
    fn copy_move_finds_the_shift() {
        let mut p = textured(300, 200, 5);
        for y in 0..50 {
            for x in 0..70 {
                let v = p.at(20 + x, 30 + y);
                p.set(170 + x, 110 + y, v);
            }
        }
        let cm = copy_move(&p, [0, 0, 300, 200]);
        assert!(cm.votes > 500, "{cm:?}");
        assert_eq!(cm.shift, [150, 80]);
        assert!(cm.region[0] <= 25 && cm.region[2] >= 230, "{cm:?}");
        let cm = copy_move(&textured(300, 200, 6), [0, 0, 300, 200]);
        assert!(cm.votes < 20, "{cm:?}");
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let p = Plane::new(5, 3);
        let dq = double_jpeg(&p, &[1; 64]);
        assert!(!dq.double_compressed());
        assert_eq!(largest_cluster(&[], 0, 0).0, 0);
        assert_eq!(copy_move(&p, [0, 0, 5, 3]).votes, 0);
        assert_eq!(copy_move(&p, [9, 9, 2, 2]).votes, 0);
        let _ = map_evidence(&[true], 1, 1, [0, 0, 0, 0]);
        let q = [[0.0, 0.0], [10.0, 0.0], [10.0, 5.0], [0.0, 5.0]];
        assert!(inside_quad(&q, 5.0, 2.0));
        assert!(!inside_quad(&q, 11.0, 2.0));
    }
}
