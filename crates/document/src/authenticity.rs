//! Authenticity signals, each a number with its evidence; the thresholds live in `lib.rs`.

use crate::raster::{Homography, Plane, Rgb};

/// What the EXIF says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExifFacts {
    /// Whether an EXIF block was found at all.
    pub present: bool,
    /// Make.
    pub make: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Software.
    pub software: Option<String>,
    /// DateTime (file changed).
    pub date_time: Option<String>,
    /// DateTimeOriginal (taken).
    pub date_time_original: Option<String>,
}

/// Reads the EXIF tags the checks use; absent or unreadable EXIF gives `present: false`.
pub fn exif_facts(bytes: &[u8]) -> ExifFacts {
    let mut cursor = std::io::Cursor::new(bytes);
    let Ok(exif) = exif::Reader::new().read_from_container(&mut cursor) else {
        return ExifFacts::default();
    };
    let get = |tag: exif::Tag| -> Option<String> {
        let f = exif.get_field(tag, exif::In::PRIMARY)?;
        match &f.value {
            exif::Value::Ascii(v) => {
                let s: String = v
                    .iter()
                    .flat_map(|p| p.iter())
                    .map(|&b| char::from(b))
                    .filter(|c| !c.is_control())
                    .take(128)
                    .collect();
                let s = s.trim().to_owned();
                (!s.is_empty()).then_some(s)
            }
            _ => None,
        }
    };
    ExifFacts {
        present: true,
        make: get(exif::Tag::Make),
        model: get(exif::Tag::Model),
        software: get(exif::Tag::Software),
        date_time: get(exif::Tag::DateTime),
        date_time_original: get(exif::Tag::DateTimeOriginal),
    }
}

/// Image editors that name themselves in `Software`.
pub const EDITORS: &[&str] = &[
    "photoshop",
    "gimp",
    "snapseed",
    "pixlr",
    "lightroom",
    "affinity",
    "paint.net",
    "canva",
    "picsart",
    "facetune",
    "fotor",
    "photopea",
];

/// `YYYY:MM:DD HH:MM:SS` as seconds since 0000 (comparable), if well formed.
pub fn exif_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        std::str::from_utf8(b.get(r)?).ok()?.parse::<i64>().ok()
    };
    let (y, mo, d, h, mi, se) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some((((y * 372 + (mo - 1) * 31 + (d - 1)) * 24 + h) * 60 + mi) * 60 + se)
}

/// In-place radix-2 FFT of (re, im); `n` must be a power of two.
fn fft(re: &mut [f32], im: &mut [f32]) {
    let n = re.len();
    if n < 2 || !n.is_power_of_two() || im.len() != n {
        return;
    }
    let mut j = 0usize;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let ang = -std::f32::consts::TAU / len as f32;
        for start in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (s, c) = (ang * k as f32).sin_cos();
                let (a, b) = (start + k, start + k + len / 2);
                let (Some(&br), Some(&bi)) = (re.get(b), im.get(b)) else {
                    continue;
                };
                let (Some(&ar), Some(&ai)) = (re.get(a), im.get(a)) else {
                    continue;
                };
                let (tr, ti) = (br * c - bi * s, br * s + bi * c);
                if let (Some(x), Some(y)) = (re.get_mut(b), im.get_mut(b)) {
                    *x = ar - tr;
                    *y = ai - ti;
                }
                if let (Some(x), Some(y)) = (re.get_mut(a), im.get_mut(a)) {
                    *x = ar + tr;
                    *y = ai + ti;
                }
            }
        }
        len <<= 1;
    }
}

const N: usize = 128;

/// The strongest isolated spectral peak of a 128 × 128 window centred at (cx, cy) of the
/// picture's luminance, relative to the median of the mid/high band: a screen's pixel grid is
/// a sharp periodic pattern, print and paper are not. JPEG's 8-px block harmonics are skipped.
pub fn periodic_peak(luma: &Plane, cx: usize, cy: usize) -> f32 {
    periodic_spectrum(luma, cx, cy)
        .iter()
        .copied()
        .fold(0.0f32, f32::max)
}

/// The window's band-limited magnitude spectrum (the half-plane, `N / 2 × N` bins, row-major
/// by vertical frequency) relative to its band median; bins outside the band are 0. Averaged
/// over several windows, a screen's grid (the same frequency everywhere in the picture) keeps
/// its height while a document's own structures (different in every window) flatten out.
pub fn periodic_spectrum(luma: &Plane, cx: usize, cy: usize) -> Vec<f32> {
    let x0 = cx.saturating_sub(N / 2);
    let y0 = cy.saturating_sub(N / 2);
    let mut re = vec![0.0f32; N * N];
    let mut im = vec![0.0f32; N * N];
    let hann: Vec<f32> = (0..N)
        .map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / (N - 1) as f32).cos())
        .collect();
    for y in 0..N {
        for x in 0..N {
            let (px, py) = (x0 + x, y0 + y);
            // High-pass: the pixel minus its 3 × 3 mean.
            let mut m = 0.0;
            for dy in 0..3 {
                for dx in 0..3 {
                    m += luma.clamped(px as i64 + dx - 1, py as i64 + dy - 1);
                }
            }
            let v = luma.clamped(px as i64, py as i64) - m / 9.0;
            let wgt = hann.get(x).copied().unwrap_or(0.0) * hann.get(y).copied().unwrap_or(0.0);
            if let Some(r) = re.get_mut(y * N + x) {
                *r = v * wgt;
            }
        }
    }
    for row in 0..N {
        let (Some(r), Some(i)) = (
            re.get_mut(row * N..row * N + N),
            im.get_mut(row * N..row * N + N),
        ) else {
            continue;
        };
        fft(r, i);
    }
    let mut cr = vec![0.0f32; N];
    let mut ci = vec![0.0f32; N];
    for col in 0..N {
        for (y, (r, i)) in cr.iter_mut().zip(ci.iter_mut()).enumerate() {
            *r = re.get(y * N + col).copied().unwrap_or(0.0);
            *i = im.get(y * N + col).copied().unwrap_or(0.0);
        }
        fft(&mut cr, &mut ci);
        for (y, (r, i)) in cr.iter().zip(ci.iter()).enumerate() {
            if let (Some(dr), Some(di)) = (re.get_mut(y * N + col), im.get_mut(y * N + col)) {
                *dr = *r;
                *di = *i;
            }
        }
    }
    let mut band = Vec::new();
    let mut out = vec![0.0f32; N * N / 2];
    for ky in 0..N {
        for kx in 0..N / 2 {
            let fy = if ky > N / 2 {
                ky as i64 - N as i64
            } else {
                ky as i64
            };
            let fx = kx as i64;
            let r = ((fx * fx + fy * fy) as f32).sqrt();
            if !(12.0..=60.0).contains(&r) {
                continue;
            }
            // JPEG block harmonics (period 8 px and its halves) on the axes and their grid.
            let near = |f: i64| (f.rem_euclid(16) <= 1) || (f.rem_euclid(16) >= 15);
            if near(fx) && near(fy) {
                continue;
            }
            let m = {
                let r2 = re.get(ky * N + kx).copied().unwrap_or(0.0);
                let i2 = im.get(ky * N + kx).copied().unwrap_or(0.0);
                (r2 * r2 + i2 * i2).sqrt()
            };
            band.push(m);
            if let Some(o) = out.get_mut(ky * (N / 2) + kx) {
                *o = m;
            }
        }
    }
    if band.is_empty() {
        return out;
    }
    let mid = band.len() / 2;
    band.select_nth_unstable_by(mid, f32::total_cmp);
    let median = band.get(mid).copied().unwrap_or(0.0).max(1e-3);
    for o in &mut out {
        *o /= median;
    }
    out
}

/// Colourfulness (Hasler & Süsstrunk 2003) of the rectified document: a grey photocopy has
/// almost none.
pub fn colourfulness(doc: &Rgb) -> f64 {
    let [r, g, b] = &doc.c;
    let (mut srg, mut srg2, mut syb, mut syb2, mut n) = (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for i in (0..r.v.len()).step_by(3) {
        let (Some(&rr), Some(&gg), Some(&bb)) = (r.v.get(i), g.v.get(i), b.v.get(i)) else {
            continue;
        };
        let rg = f64::from(rr - gg);
        let yb = f64::from(0.5 * (rr + gg) - bb);
        srg += rg;
        srg2 += rg * rg;
        syb += yb;
        syb2 += yb * yb;
        n += 1.0;
    }
    if n == 0.0 {
        return 0.0;
    }
    let (mrg, myb) = (srg / n, syb / n);
    let vrg = (srg2 / n - mrg * mrg).max(0.0);
    let vyb = (syb2 / n - myb * myb).max(0.0);
    (vrg + vyb).sqrt() + 0.3 * (mrg * mrg + myb * myb).sqrt()
}

/// Block noise levels of the picture inside the document (16 × 16 blocks of the rectified
/// luminance's high-pass residual): an edited region lacks the sensor noise around it.
#[derive(Debug, Clone)]
pub struct NoiseMap {
    /// Blocks across.
    pub bw: usize,
    /// Blocks down.
    pub bh: usize,
    /// Per block: the mean of the lower half of |residual| (robust to text edges).
    pub level: Vec<f32>,
}

/// The noise map of the capture's luminance sampled in document space at the picture's own
/// scale (no interpolation blur: nearest pixel through the map).
pub fn noise_map(luma: &Plane, map: &Homography, doc_w: usize, doc_h: usize) -> NoiseMap {
    const B: usize = 16;
    let (bw, bh) = (doc_w / B, doc_h / B);
    let mut level = Vec::with_capacity(bw * bh);
    let mut vals = Vec::with_capacity(B * B);
    for by in 0..bh {
        for bx in 0..bw {
            vals.clear();
            // The block's centre in the picture; residuals taken on picture pixels around it.
            let (cx, cy) = map.apply((bx * B + B / 2) as f64, (by * B + B / 2) as f64);
            let (cx, cy) = (cx.round() as i64, cy.round() as i64);
            for dy in -6..6 {
                for dx in -6..6 {
                    let (x, y) = (cx + dx, cy + dy);
                    let c = luma.clamped(x, y);
                    let m = (luma.clamped(x - 1, y)
                        + luma.clamped(x + 1, y)
                        + luma.clamped(x, y - 1)
                        + luma.clamped(x, y + 1))
                        / 4.0;
                    vals.push((c - m).abs());
                }
            }
            if vals.is_empty() {
                level.push(0.0);
                continue;
            }
            // The mean of the lower half: sensor noise without the text edges.
            vals.sort_unstable_by(f32::total_cmp);
            let half = vals.get(..vals.len() / 2).unwrap_or(&[]);
            level.push(half.iter().sum::<f32>() / half.len().max(1) as f32);
        }
    }
    NoiseMap { bw, bh, level }
}

/// Clean clusters in a noise map: blocks whose noise is below `ratio` × the median, grouped
/// 8-connected; a cluster counts only if it is also that much cleaner than the ring of blocks
/// around it and covers at most a quarter of the document (a whole picture low in noise is a
/// camera's processing, not an edit). Returns the largest such cluster's block count and its
/// bounding box (blocks).
pub fn clean_cluster(m: &NoiseMap, ratio: f32) -> (usize, [usize; 4]) {
    let mut sorted: Vec<f32> = m.level.clone();
    if sorted.is_empty() || m.bw < 3 || m.bh < 3 {
        return (0, [0; 4]);
    }
    let mid = sorted.len() / 2;
    sorted.select_nth_unstable_by(mid, f32::total_cmp);
    let median = sorted.get(mid).copied().unwrap_or(0.0);
    let thr = median * ratio;
    let clean: Vec<bool> = m.level.iter().map(|&v| v < thr).collect();
    let mut seen = vec![false; clean.len()];
    let mut best = (0usize, [0usize; 4]);
    let mut stack = Vec::new();
    let max_size = m.level.len() / 4;
    for start in 0..clean.len() {
        let (sx, sy) = (start % m.bw, start / m.bw);
        // The outer ring of blocks straddles the document's edge: skip it.
        if sx == 0 || sy == 0 || sx + 1 >= m.bw || sy + 1 >= m.bh {
            continue;
        }
        if !clean.get(start).copied().unwrap_or(false) || seen.get(start).copied().unwrap_or(true) {
            continue;
        }
        let mut members = Vec::new();
        let mut bb = [sx, sy, sx, sy];
        stack.push(start);
        if let Some(s) = seen.get_mut(start) {
            *s = true;
        }
        while let Some(i) = stack.pop() {
            members.push(i);
            let (x, y) = (i % m.bw, i / m.bw);
            bb = [bb[0].min(x), bb[1].min(y), bb[2].max(x), bb[3].max(y)];
            for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                    if nx < 1 || ny < 1 || nx + 1 >= m.bw as i64 || ny + 1 >= m.bh as i64 {
                        continue;
                    }
                    let j = ny as usize * m.bw + nx as usize;
                    if clean.get(j).copied().unwrap_or(false)
                        && !seen.get(j).copied().unwrap_or(true)
                    {
                        if let Some(s) = seen.get_mut(j) {
                            *s = true;
                        }
                        stack.push(j);
                    }
                }
            }
        }
        if members.len() <= best.0 || members.len() > max_size {
            continue;
        }
        // The ring: blocks within two of the cluster's box, not in the cluster.
        let inside: std::collections::HashSet<usize> = members.iter().copied().collect();
        let mut ring = Vec::new();
        for y in bb[1].saturating_sub(2)..=(bb[3] + 2).min(m.bh - 1) {
            for x in bb[0].saturating_sub(2)..=(bb[2] + 2).min(m.bw - 1) {
                let j = y * m.bw + x;
                if let (false, Some(&v)) = (inside.contains(&j), m.level.get(j)) {
                    ring.push(v);
                }
            }
        }
        if ring.is_empty() {
            continue;
        }
        let rm = ring.len() / 2;
        ring.select_nth_unstable_by(rm, f32::total_cmp);
        let ring_median = ring.get(rm).copied().unwrap_or(0.0);
        let mean =
            members.iter().filter_map(|&i| m.level.get(i)).sum::<f32>() / members.len() as f32;
        if mean < ring_median * ratio {
            best = (members.len(), bb);
        }
    }
    best
}

/// The portrait's noise against the document's: the 20th percentile of the noise levels of
/// the blocks wholly inside `inner` (document pixels) over the median of the blocks outside
/// `outer`. A portrait pasted in an editor has none of the sensor noise of the capture around
/// it, so its flattest parts (background, cheek) are far quieter than the card's own print.
/// `None` when either side has too few blocks.
pub fn portrait_noise_ratio(m: &NoiseMap, inner: [usize; 4], outer: [usize; 4]) -> Option<f32> {
    const B: usize = 16;
    let (mut ins, mut outs) = (Vec::new(), Vec::new());
    for by in 1..m.bh.saturating_sub(1) {
        for bx in 1..m.bw.saturating_sub(1) {
            let Some(&v) = m.level.get(by * m.bw + bx) else {
                continue;
            };
            let (x0, y0, x1, y1) = (bx * B, by * B, bx * B + B, by * B + B);
            if x0 >= inner[0] && y0 >= inner[1] && x1 <= inner[2] && y1 <= inner[3] {
                ins.push(v);
            } else if x1 <= outer[0] || y1 <= outer[1] || x0 >= outer[2] || y0 >= outer[3] {
                outs.push(v);
            }
        }
    }
    if ins.len() < 8 || outs.len() < 8 {
        return None;
    }
    let (pi, po) = (ins.len() / 5, outs.len() / 2);
    ins.select_nth_unstable_by(pi, f32::total_cmp);
    outs.select_nth_unstable_by(po, f32::total_cmp);
    let (vi, vo) = (ins.get(pi).copied()?, outs.get(po).copied()?);
    Some(vi / vo.max(1e-3))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn map(level: impl Fn(usize, usize) -> f32) -> NoiseMap {
        let (bw, bh) = (40, 30);
        NoiseMap {
            bw,
            bh,
            level: (0..bw * bh).map(|i| level(i % bw, i / bw)).collect(),
        }
    }

    #[test]
    fn a_quiet_portrait_is_far_below_the_page() {
        let (inner, outer) = ([64, 64, 256, 320], [48, 48, 272, 336]);
        let pasted = map(|x, y| {
            if (4..16).contains(&x) && (4..20).contains(&y) {
                0.2
            } else {
                2.0
            }
        });
        let r = portrait_noise_ratio(&pasted, inner, outer).unwrap();
        assert!((r - 0.1).abs() < 1e-3, "{r}");
        let genuine = map(|x, y| 2.0 + ((x * 7 + y * 3) % 5) as f32 * 0.1);
        let r = portrait_noise_ratio(&genuine, inner, outer).unwrap();
        assert!((0.85..1.15).contains(&r), "{r}");
    }

    #[test]
    fn too_few_blocks_give_no_ratio() {
        let m = map(|_, _| 1.0);
        assert_eq!(
            portrait_noise_ratio(&m, [0, 0, 20, 20], [0, 0, 30, 30]),
            None
        );
        assert_eq!(
            portrait_noise_ratio(&m, [0, 0, 0, 0], [0, 0, 4000, 4000]),
            None
        );
    }
}
