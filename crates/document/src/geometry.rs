//! Finding the document: the largest bright region, its four corners, the refusals, and the
//! rectified document at 10 px/mm.

use crate::raster::{Homography, Plane, Rgb, otsu, warp_planes};

/// Pixels per millimetre of the rectified document.
pub const PX_PER_MM: f64 = 10.0;

/// The document formats by size (ISO/IEC 7810).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// ID-1 (TD1 cards), 85.6 × 54 mm.
    Id1,
    /// ID-3 (TD3 passport pages), 125 × 88 mm.
    Id3,
}

impl Size {
    /// Rectified size in pixels.
    pub fn px(self) -> (usize, usize) {
        match self {
            Size::Id1 => (856, 540),
            Size::Id3 => (1250, 880),
        }
    }

    /// Name.
    pub fn as_str(self) -> &'static str {
        match self {
            Size::Id1 => "ID-1",
            Size::Id3 => "ID-3",
        }
    }
}

/// Why no document could be taken from the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No document-like region.
    NotFound,
    /// The region touches the picture's edge.
    CutOff,
}

/// The located document.
#[derive(Debug, Clone)]
pub struct Located {
    /// Corners in the picture: top-left, top-right, bottom-right, bottom-left (as found,
    /// before orientation).
    pub corners: [[f64; 2]; 4],
    /// Size class from the aspect ratio.
    pub size: Size,
    /// Fraction of the picture the document covers.
    pub coverage: f64,
    /// The quadrilateral's aspect ratio as measured (perspective blurs the two classes'
    /// 1.585 and 1.42).
    pub aspect: f64,
}

/// Aspect ratios between which the size class is uncertain under perspective.
pub const AMBIGUOUS_ASPECT: std::ops::RangeInclusive<f64> = 1.44..=1.57;

impl Size {
    /// The other size class.
    pub fn other(self) -> Size {
        match self {
            Size::Id1 => Size::Id3,
            Size::Id3 => Size::Id1,
        }
    }
}

/// Finds the document (a bright quadrilateral) in the picture's luminance.
pub fn locate(luma: &Plane) -> Result<Located, Refusal> {
    let f = (luma.w.max(luma.h) / 800).max(1);
    let small = luma.shrink(f);
    let (w, h) = (small.w, small.h);
    if w < 16 || h < 16 {
        return Err(Refusal::NotFound);
    }
    let thr = otsu(small.v.iter().copied());
    let fg: Vec<bool> = small.v.iter().map(|&v| v > thr).collect();
    // A document stands out from its background; two shades of one surface do not.
    let (mut hi, mut nh, mut lo, mut nl) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for &v in &small.v {
        if v > thr {
            hi += f64::from(v);
            nh += 1.0;
        } else {
            lo += f64::from(v);
            nl += 1.0;
        }
    }
    if nh == 0.0 || nl == 0.0 || hi / nh - lo / nl < 40.0 {
        return Err(Refusal::NotFound);
    }
    // Largest 4-connected bright component.
    let mut label = vec![0u32; w * h];
    let mut best: (usize, u32) = (0, 0);
    let mut next = 1u32;
    let mut stack = Vec::new();
    for start in 0..w * h {
        if !fg.get(start).copied().unwrap_or(false) || label.get(start).copied().unwrap_or(1) != 0 {
            continue;
        }
        let mut count = 0usize;
        stack.push(start);
        if let Some(l) = label.get_mut(start) {
            *l = next;
        }
        while let Some(i) = stack.pop() {
            count += 1;
            let (x, y) = (i % w, i / w);
            let mut push = |j: usize| {
                if fg.get(j).copied().unwrap_or(false) && label.get(j).copied() == Some(0) {
                    if let Some(l) = label.get_mut(j) {
                        *l = next;
                    }
                    stack.push(j);
                }
            };
            if x > 0 {
                push(i - 1);
            }
            if x + 1 < w {
                push(i + 1);
            }
            if y > 0 {
                push(i - w);
            }
            if y + 1 < h {
                push(i + w);
            }
        }
        if count > best.0 {
            best = (count, next);
        }
        next += 1;
    }
    let (area, id) = best;
    let coverage = area as f64 / (w * h) as f64;
    if coverage < 0.08 {
        return Err(Refusal::NotFound);
    }
    // Extremes along the diagonals give the corners of a mildly rotated quadrilateral.
    let mut tl = (f64::MAX, [0.0, 0.0]);
    let mut br = (f64::MIN, [0.0, 0.0]);
    let mut tr = (f64::MIN, [0.0, 0.0]);
    let mut bl = (f64::MIN, [0.0, 0.0]);
    let mut border = 0usize;
    for (i, &l) in label.iter().enumerate() {
        if l != id {
            continue;
        }
        let (x, y) = ((i % w) as f64, (i / w) as f64);
        if i % w == 0 || i % w == w - 1 || i / w == 0 || i / w == h - 1 {
            border += 1;
        }
        let (s, d) = (x + y, x - y);
        if s < tl.0 {
            tl = (s, [x, y]);
        }
        if s > br.0 {
            br = (s, [x + 1.0, y + 1.0]);
        }
        if d > tr.0 {
            tr = (d, [x + 1.0, y]);
        }
        if -d > bl.0 {
            bl = (-d, [x, y + 1.0]);
        }
    }
    let sc = f as f64;
    let coarse = [tl.1, tr.1, br.1, bl.1];
    let corners = refine(&label, id, w, h, coarse)
        .unwrap_or(coarse)
        .map(|[x, y]| [x * sc, y * sc]);
    let quad_area = polygon_area(&corners) / (sc * sc);
    let fill = area as f64 / quad_area.max(1.0);
    if border > (w + h) / 20 {
        return Err(Refusal::CutOff);
    }
    if !(0.6..=1.15).contains(&fill) {
        return Err(Refusal::NotFound);
    }
    let top = dist(corners[0], corners[1]);
    let bottom = dist(corners[3], corners[2]);
    let left = dist(corners[0], corners[3]);
    let right = dist(corners[1], corners[2]);
    let aspect = (top + bottom) / (left + right).max(1.0);
    let size = if aspect > 1.51 {
        Size::Id1
    } else if aspect > 1.2 {
        Size::Id3
    } else {
        return Err(Refusal::NotFound);
    };
    // A card standing upright (portrait) is outside what this reader handles.
    Ok(Located {
        corners,
        size,
        coverage,
        aspect,
    })
}

/// Corners from straight lines fitted to the region's four edges (each edge's middle 80 %),
/// intersected: far more precise than the extreme pixels.
fn refine(label: &[u32], id: u32, w: usize, h: usize, c: [[f64; 2]; 4]) -> Option<[[f64; 2]; 4]> {
    let is = |x: usize, y: usize| label.get(y * w + x).copied() == Some(id);
    let mut left = Vec::new();
    let mut right = Vec::new();
    for y in 0..h {
        let Some(x0) = (0..w).find(|&x| is(x, y)) else {
            continue;
        };
        let x1 = (0..w).rev().find(|&x| is(x, y)).unwrap_or(x0);
        left.push((y as f64 + 0.5, x0 as f64));
        right.push((y as f64 + 0.5, x1 as f64 + 1.0));
    }
    let mut top = Vec::new();
    let mut bottom = Vec::new();
    for x in 0..w {
        let Some(y0) = (0..h).find(|&y| is(x, y)) else {
            continue;
        };
        let y1 = (0..h).rev().find(|&y| is(x, y)).unwrap_or(y0);
        top.push((x as f64 + 0.5, y0 as f64));
        bottom.push((x as f64 + 0.5, y1 as f64 + 1.0));
    }
    let [tl, tr, br, bl] = c;
    let within = |pts: &[(f64, f64)], a: f64, b: f64| -> Vec<(f64, f64)> {
        let (lo, hi) = (a.min(b), a.max(b));
        let m = (hi - lo) * 0.1;
        pts.iter()
            .copied()
            .filter(|p| p.0 > lo + m && p.0 < hi - m)
            .collect()
    };
    // x = a·y + b for the sides, y = a·x + b for top and bottom.
    let l = fit(&within(&left, tl[1], bl[1]))?;
    let r = fit(&within(&right, tr[1], br[1]))?;
    let t = fit(&within(&top, tl[0], tr[0]))?;
    let b = fit(&within(&bottom, bl[0], br[0]))?;
    let meet = |side: (f64, f64), tb: (f64, f64)| -> Option<[f64; 2]> {
        // x = s.0·y + s.1, y = t.0·x + t.1
        let den = 1.0 - side.0 * tb.0;
        if den.abs() < 1e-9 {
            return None;
        }
        let x = (side.0 * tb.1 + side.1) / den;
        let y = tb.0 * x + tb.1;
        (x.is_finite() && y.is_finite()).then_some([x, y])
    };
    Some([meet(l, t)?, meet(r, t)?, meet(r, b)?, meet(l, b)?])
}

/// Least squares v = a·u + b.
fn fit(pts: &[(f64, f64)]) -> Option<(f64, f64)> {
    if pts.len() < 5 {
        return None;
    }
    let n = pts.len() as f64;
    let (su, sv) = pts.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
    let (mu, mv) = (su / n, sv / n);
    let (mut suu, mut suv) = (0.0, 0.0);
    for p in pts {
        suu += (p.0 - mu) * (p.0 - mu);
        suv += (p.0 - mu) * (p.1 - mv);
    }
    if suu < 1e-9 {
        return None;
    }
    let a = suv / suu;
    Some((a, mv - a * mu))
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

fn polygon_area(p: &[[f64; 2]; 4]) -> f64 {
    let mut s = 0.0;
    for (a, b) in p.iter().zip(p.iter().cycle().skip(1)) {
        s += a[0] * b[1] - b[0] * a[1];
    }
    s.abs() / 2.0
}

/// The map from rectified document pixels to picture pixels; `rotate180` turns it over.
pub fn doc_to_picture(loc: &Located, rotate180: bool) -> Option<Homography> {
    let (w, h) = loc.size.px();
    let (w, h) = (w as f64, h as f64);
    let src = [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]];
    let c = loc.corners;
    let dst = if rotate180 {
        [c[2], c[3], c[0], c[1]]
    } else {
        c
    };
    Homography::from_points(&src, &dst)
}

/// The rectified document (all three channels).
pub fn rectify(rgb: &Rgb, loc: &Located, map: &Homography) -> Rgb {
    let (w, h) = loc.size.px();
    let [r, g, b] = &rgb.c;
    Rgb {
        c: warp_planes([r, g, b], map, w, h),
    }
}

/// Fraction of 16 × 16 blocks of the rectified document that are blown out (≥ 90 % of pixels
/// at ≥ 240 in all channels), outside the portrait: a specular highlight.
pub fn glare_fraction(doc: &Rgb) -> f64 {
    let (w, h) = (doc.w(), doc.h());
    let (bw, bh) = (w / 16, h / 16);
    let mut blown = 0usize;
    let mut counted = 0usize;
    for by in 0..bh {
        for bx in 0..bw {
            // The portrait (left of every supported layout) may have a white studio background.
            if bx * 100 < bw * 36 && by * 100 > bh * 20 {
                continue;
            }
            counted += 1;
            let mut n = 0;
            for y in by * 16..by * 16 + 16 {
                for x in bx * 16..bx * 16 + 16 {
                    if doc.c.iter().all(|p| p.at(x, y) >= 240.0) {
                        n += 1;
                    }
                }
            }
            if n >= 230 {
                blown += 1;
            }
        }
    }
    blown as f64 / counted.max(1) as f64
}

/// Sharpness: the 99th percentile of the gradient magnitude over the rectified luminance,
/// relative to its contrast (1st–99th percentile), in percent: the steepness of the text's
/// edges, which blur flattens and noise barely moves.
pub fn sharpness(luma: &Plane) -> f64 {
    let (w, h) = (luma.w, luma.h);
    let mut grads = Vec::with_capacity(w * h / 4);
    let mut vals = Vec::with_capacity(w * h / 4);
    for y in (2..h.saturating_sub(2)).step_by(2) {
        for x in (2..w.saturating_sub(2)).step_by(2) {
            let gx = (luma.at(x + 1, y) - luma.at(x - 1, y)) / 2.0;
            let gy = (luma.at(x, y + 1) - luma.at(x, y - 1)) / 2.0;
            grads.push(gx.abs() + gy.abs());
            vals.push(luma.at(x, y));
        }
    }
    if grads.len() < 100 {
        return 0.0;
    }
    let pct = |v: &mut Vec<f32>, p: f64| -> f32 {
        let k = ((v.len() - 1) as f64 * p) as usize;
        v.select_nth_unstable_by(k, f32::total_cmp);
        v.get(k).copied().unwrap_or(0.0)
    };
    let g = pct(&mut grads, 0.99);
    let hi = pct(&mut vals, 0.99);
    let lo = pct(&mut vals, 0.01);
    f64::from(g) / f64::from((hi - lo).max(20.0)) * 100.0
}

/// How much of a region (x0, y0, x1, y1 as fractions) is dark against the region's own white
/// (its 95th percentile): a portrait is mostly dark, printed text mostly background. Relative
/// to the region's own white, so uneven light across the document does not move it.
pub fn region_dark_fraction(doc: &Rgb, r: [f64; 4]) -> f64 {
    let (w, h) = (doc.w() as f64, doc.h() as f64);
    let luma = doc.luma();
    let (x0, y0, x1, y1) = (
        (r[0] * w) as usize,
        (r[1] * h) as usize,
        (r[2] * w) as usize,
        (r[3] * h) as usize,
    );
    let mut vals: Vec<f32> = Vec::new();
    for y in (y0..y1).step_by(2) {
        for x in (x0..x1).step_by(2) {
            vals.push(luma.at(x, y));
        }
    }
    if vals.is_empty() {
        return 0.0;
    }
    let k = ((vals.len() - 1) as f64 * 0.95) as usize;
    let mut sorted = vals.clone();
    sorted.select_nth_unstable_by(k, f32::total_cmp);
    let white = sorted.get(k).copied().unwrap_or(0.0);
    let dark = vals.iter().filter(|v| **v < 0.7 * white).count();
    dark as f64 / vals.len() as f64
}
