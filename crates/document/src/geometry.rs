//! Finding the document: the largest bright region, its four corners, the refusals, and the
//! rectified document at 10 px/mm.

use crate::raster::{Homography, Plane, Rgb, otsu, warp};

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
}

/// Finds the document (a bright quadrilateral) in the picture's luminance.
pub fn locate(luma: &Plane) -> Result<Located, Refusal> {
    let f = (luma.w.max(luma.h) / 400).max(1);
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
    let corners = [tl.1, tr.1, br.1, bl.1].map(|[x, y]| [x * sc, y * sc]);
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
    })
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

fn polygon_area(p: &[[f64; 2]; 4]) -> f64 {
    let mut s = 0.0;
    for i in 0..4 {
        let a = p[i];
        let b = p[(i + 1) % 4];
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
    Rgb {
        c: [
            warp(&rgb.c[0], map, w, h),
            warp(&rgb.c[1], map, w, h),
            warp(&rgb.c[2], map, w, h),
        ],
    }
}

/// Fraction of 16 × 16 blocks of the rectified document that are blown out (≥ 90 % of pixels
/// at ≥ 240 in all channels): a specular highlight.
pub fn glare_fraction(doc: &Rgb) -> f64 {
    let (w, h) = (doc.w(), doc.h());
    let (bw, bh) = (w / 16, h / 16);
    let mut blown = 0usize;
    for by in 0..bh {
        for bx in 0..bw {
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
    blown as f64 / (bw * bh).max(1) as f64
}

/// Sharpness: the variance of the Laplacian over the rectified luminance.
pub fn sharpness(luma: &Plane) -> f64 {
    let (w, h) = (luma.w, luma.h);
    let (mut s, mut s2, mut n) = (0.0f64, 0.0f64, 0.0f64);
    for y in (2..h.saturating_sub(2)).step_by(2) {
        for x in (2..w.saturating_sub(2)).step_by(2) {
            let l = 4.0 * luma.at(x, y)
                - luma.at(x - 1, y)
                - luma.at(x + 1, y)
                - luma.at(x, y - 1)
                - luma.at(x, y + 1);
            let l = f64::from(l);
            s += l;
            s2 += l * l;
            n += 1.0;
        }
    }
    if n == 0.0 {
        return 0.0;
    }
    s2 / n - (s / n).powi(2)
}

/// Colour variance of a region (x0, y0, x1, y1 as fractions): the portrait's side of a card
/// is the colourful one.
pub fn region_energy(doc: &Rgb, r: [f64; 4]) -> f64 {
    let (w, h) = (doc.w() as f64, doc.h() as f64);
    let luma = doc.luma();
    let (x0, y0, x1, y1) = (
        (r[0] * w) as usize,
        (r[1] * h) as usize,
        (r[2] * w) as usize,
        (r[3] * h) as usize,
    );
    let (mut s, mut s2, mut n) = (0.0f64, 0.0f64, 0.0f64);
    for y in (y0..y1).step_by(2) {
        for x in (x0..x1).step_by(2) {
            let v = f64::from(luma.at(x, y));
            s += v;
            s2 += v * v;
            n += 1.0;
        }
    }
    if n == 0.0 {
        0.0
    } else {
        s2 / n - (s / n).powi(2)
    }
}
