//! Planar rasters, the perspective map and warps used by every step.

/// A single-channel f32 raster (luminance or one colour channel).
#[derive(Clone)]
pub struct Plane {
    /// Width.
    pub w: usize,
    /// Height.
    pub h: usize,
    /// Row-major values.
    pub v: Vec<f32>,
}

impl std::fmt::Debug for Plane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Plane({}x{})", self.w, self.h)
    }
}

impl Plane {
    /// A plane of zeros.
    pub fn new(w: usize, h: usize) -> Plane {
        Plane {
            w,
            h,
            v: vec![0.0; w.saturating_mul(h)],
        }
    }

    /// Value at (x, y); 0 outside.
    #[inline]
    pub fn at(&self, x: usize, y: usize) -> f32 {
        if x >= self.w {
            return 0.0;
        }
        self.v.get(y * self.w + x).copied().unwrap_or(0.0)
    }

    /// Value at signed (x, y), clamped to the edge.
    #[inline]
    pub fn clamped(&self, x: i64, y: i64) -> f32 {
        let x = x.clamp(0, self.w as i64 - 1).max(0) as usize;
        let y = y.clamp(0, self.h as i64 - 1).max(0) as usize;
        self.at(x, y)
    }

    /// Sets (x, y) (ignored outside).
    #[inline]
    pub fn set(&mut self, x: usize, y: usize, val: f32) {
        if let (true, Some(p)) = (x < self.w, self.v.get_mut(y * self.w + x)) {
            *p = val;
        }
    }

    /// Bilinear sample; `None` outside.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> Option<f32> {
        if !(x >= 0.0 && y >= 0.0 && x <= (self.w as f32 - 1.0) && y <= (self.h as f32 - 1.0)) {
            return None;
        }
        let x0 = x.floor();
        let y0 = y.floor();
        let (fx, fy) = (x - x0, y - y0);
        let (x0, y0) = (x0 as usize, y0 as usize);
        let a = self.at(x0, y0);
        let b = self.at((x0 + 1).min(self.w - 1), y0);
        let c = self.at(x0, (y0 + 1).min(self.h - 1));
        let d = self.at((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        Some((a * (1.0 - fx) + b * fx) * (1.0 - fy) + (c * (1.0 - fx) + d * fx) * fy)
    }

    /// Gaussian blur of `sigma` px, separable, edges clamped.
    pub fn gaussian(&self, sigma: f32) -> Plane {
        let r = (sigma * 2.5).ceil().max(1.0) as usize;
        let k: Vec<f32> = (0..=2 * r)
            .map(|i| {
                let d = i as f32 - r as f32;
                (-(d * d) / (2.0 * sigma * sigma)).exp()
            })
            .collect();
        let sum: f32 = k.iter().sum();
        let k: Vec<f32> = k.iter().map(|v| v / sum).collect();
        let (w, h) = (self.w, self.h);
        // Tap i of the kernel reads offset i − r, clamped to 0..n.
        let tap = |c: usize, i: usize, n: usize| (c + i).saturating_sub(r).min(n.max(1) - 1);
        let pass = |src: &Plane, horizontal: bool| {
            let mut v = Vec::with_capacity(w * h);
            for y in 0..h {
                for x in 0..w {
                    let s: f32 = k
                        .iter()
                        .enumerate()
                        .map(|(i, kv)| {
                            kv * if horizontal {
                                src.at(tap(x, i, w), y)
                            } else {
                                src.at(x, tap(y, i, h))
                            }
                        })
                        .sum();
                    v.push(s);
                }
            }
            Plane { w, h, v }
        };
        pass(&pass(self, true), false)
    }

    /// Box-shrinks by an integer factor.
    pub fn shrink(&self, f: usize) -> Plane {
        let f = f.max(1);
        let (w, h) = (self.w / f, self.h / f);
        let mut out = Plane::new(w, h);
        let n = (f * f) as f32;
        for y in 0..h {
            for x in 0..w {
                let mut s = 0.0;
                for dy in 0..f {
                    for dx in 0..f {
                        s += self.at(x * f + dx, y * f + dy);
                    }
                }
                out.set(x, y, s / n);
            }
        }
        out
    }
}

/// An RGB image as three planes (0–255).
#[derive(Clone, Debug)]
pub struct Rgb {
    /// Red, green, blue.
    pub c: [Plane; 3],
}

impl Rgb {
    /// From a decoded image.
    pub fn from_image(img: &imaging::Image) -> Rgb {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let mut c = [Plane::new(w, h), Plane::new(w, h), Plane::new(w, h)];
        for (i, px) in img.pixels().chunks_exact(3).enumerate() {
            for (k, plane) in c.iter_mut().enumerate() {
                if let (Some(dst), Some(&src)) = (plane.v.get_mut(i), px.get(k)) {
                    *dst = f32::from(src);
                }
            }
        }
        Rgb { c }
    }

    /// Width.
    pub fn w(&self) -> usize {
        self.c[0].w
    }

    /// Height.
    pub fn h(&self) -> usize {
        self.c[0].h
    }

    /// Luminance (Rec. 601).
    pub fn luma(&self) -> Plane {
        let [r, g, b] = &self.c;
        let mut out = Plane::new(r.w, r.h);
        for (i, o) in out.v.iter_mut().enumerate() {
            let (Some(&rr), Some(&gg), Some(&bb)) = (r.v.get(i), g.v.get(i), b.v.get(i)) else {
                continue;
            };
            *o = 0.299 * rr + 0.587 * gg + 0.114 * bb;
        }
        out
    }

    /// Interleaved RGB8 (for the face crop).
    pub fn to_rgb8(&self) -> Vec<u8> {
        let n = self.w() * self.h();
        let mut out = Vec::with_capacity(n * 3);
        for i in 0..n {
            for plane in &self.c {
                out.push(plane.v.get(i).copied().unwrap_or(0.0).clamp(0.0, 255.0) as u8);
            }
        }
        out
    }
}

/// A 3×3 homography, row-major.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography(pub [f64; 9]);

impl Homography {
    /// The map taking `src[i]` to `dst[i]`; `None` when degenerate.
    pub fn from_points(src: &[[f64; 2]; 4], dst: &[[f64; 2]; 4]) -> Option<Homography> {
        let mut a = [[0.0f64; 9]; 8];
        for (i, (s, d)) in src.iter().zip(dst).enumerate() {
            let [x, y] = *s;
            let [u, v] = *d;
            *a.get_mut(2 * i)? = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            *a.get_mut(2 * i + 1)? = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        for col in 0..8 {
            let piv = (col..8).max_by(|&p, &q| {
                let ap = a.get(p).and_then(|r| r.get(col)).map_or(0.0, |v| v.abs());
                let aq = a.get(q).and_then(|r| r.get(col)).map_or(0.0, |v| v.abs());
                ap.total_cmp(&aq)
            })?;
            a.swap(col, piv);
            let pivot_row = *a.get(col)?;
            let pv = *pivot_row.get(col)?;
            if pv.abs() < 1e-12 {
                return None;
            }
            for (r, row) in a.iter_mut().enumerate() {
                if r == col {
                    continue;
                }
                let f = row.get(col).copied().unwrap_or(0.0) / pv;
                for (k, cell) in row.iter_mut().enumerate().skip(col) {
                    *cell -= f * pivot_row.get(k).copied().unwrap_or(0.0);
                }
            }
        }
        let mut h = [0.0; 9];
        for (i, hv) in h.iter_mut().enumerate().take(8) {
            let row = a.get(i)?;
            *hv = row.get(8)? / row.get(i)?;
        }
        h[8] = 1.0;
        h.iter().all(|v| v.is_finite()).then_some(Homography(h))
    }

    /// Applies the map.
    #[inline]
    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let h = &self.0;
        let w = h[6] * x + h[7] * y + h[8];
        let w = if w.abs() < 1e-12 { 1e-12 } else { w };
        (
            (h[0] * x + h[1] * y + h[2]) / w,
            (h[3] * x + h[4] * y + h[5]) / w,
        )
    }
}

/// Warps `src` into a `w × h` plane where output (x, y) takes `src` at `map(x, y)`.
pub fn warp(src: &Plane, map: &Homography, w: usize, h: usize) -> Plane {
    let [out] = warp_planes([src], map, w, h);
    out
}

/// [`warp`] of several planes of one picture at once: the map and the bilinear weights are
/// computed once per output pixel, not once per plane (rectifying is the reader's largest
/// cost after the OCR).
pub fn warp_planes<const K: usize>(
    src: [&Plane; K],
    map: &Homography,
    w: usize,
    h: usize,
) -> [Plane; K] {
    let mut out: [Plane; K] = std::array::from_fn(|_| Plane::new(w, h));
    let Some(first) = src.first() else {
        return out;
    };
    let (sw, sh) = (first.w, first.h);
    if src.iter().any(|p| p.w != sw || p.h != sh) || sw == 0 || sh == 0 {
        return out;
    }
    let (xmax, ymax) = (sw as f64 - 1.0, sh as f64 - 1.0);
    let m = &map.0;
    for y in 0..h {
        let yc = y as f64 + 0.5;
        // Numerators and denominator are affine along the row: step them, divide once.
        let (mut nu, mut nv, mut dw) = (
            m[0] * 0.5 + m[1] * yc + m[2],
            m[3] * 0.5 + m[4] * yc + m[5],
            m[6] * 0.5 + m[7] * yc + m[8],
        );
        for x in 0..w {
            let d = if dw.abs() < 1e-12 { 1e-12 } else { dw };
            let (u, v) = (nu / d - 0.5, nv / d - 0.5);
            nu += m[0];
            nv += m[3];
            dw += m[6];
            if !(u >= 0.0 && v >= 0.0 && u <= xmax && v <= ymax) {
                continue;
            }
            // Non-negative: truncation is the floor.
            let (x0, y0) = (u as usize, v as usize);
            let (fx, fy) = ((u - x0 as f64) as f32, (v - y0 as f64) as f32);
            let x1 = (x0 + 1).min(sw - 1);
            let y1 = (y0 + 1).min(sh - 1);
            let (i00, i01, i10, i11) = (y0 * sw + x0, y0 * sw + x1, y1 * sw + x0, y1 * sw + x1);
            let o = y * w + x;
            for (p, q) in src.iter().zip(out.iter_mut()) {
                let g = |i: usize| p.v.get(i).copied().unwrap_or(0.0);
                let val = (g(i00) * (1.0 - fx) + g(i01) * fx) * (1.0 - fy)
                    + (g(i10) * (1.0 - fx) + g(i11) * fx) * fy;
                if let Some(t) = q.v.get_mut(o) {
                    *t = val;
                }
            }
        }
    }
    out
}

/// Otsu's threshold over values in 0–255.
pub fn otsu(values: impl Iterator<Item = f32>) -> f32 {
    let mut hist = [0u64; 256];
    let mut n = 0u64;
    for v in values {
        let b = v.clamp(0.0, 255.0) as usize;
        if let Some(c) = hist.get_mut(b) {
            *c += 1;
        }
        n += 1;
    }
    if n == 0 {
        return 128.0;
    }
    let total: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut wb, mut sb, mut best, mut thr) = (0.0f64, 0.0f64, -1.0f64, 128usize);
    for (i, &c) in hist.iter().enumerate() {
        wb += c as f64;
        if wb == 0.0 {
            continue;
        }
        let wf = n as f64 - wb;
        if wf == 0.0 {
            break;
        }
        sb += i as f64 * c as f64;
        let mb = sb / wb;
        let mf = (total - sb) / wf;
        let between = wb * wf * (mb - mf) * (mb - mf);
        if between > best {
            best = between;
            thr = i;
        }
    }
    thr as f32 + 0.5
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn stepped_warp_samples_where_the_map_says() {
        let mut src = Plane::new(64, 48);
        for y in 0..48 {
            for x in 0..64 {
                src.set(x, y, ((x * 7 + y * 13) % 251) as f32);
            }
        }
        let map = Homography::from_points(
            &[[0.0, 0.0], [40.0, 0.0], [40.0, 30.0], [0.0, 30.0]],
            &[[3.0, 2.0], [60.0, 5.0], [55.0, 45.0], [1.0, 40.0]],
        )
        .unwrap();
        let out = warp(&src, &map, 40, 30);
        for y in 0..30 {
            for x in 0..40 {
                let (u, v) = map.apply(x as f64 + 0.5, y as f64 + 0.5);
                let want = src.sample(u as f32 - 0.5, v as f32 - 0.5).unwrap_or(0.0);
                assert!((out.at(x, y) - want).abs() < 0.05, "({x}, {y})");
            }
        }
        // Degenerate inputs give empty planes, not a panic.
        let [a, b] = warp_planes([&src, &Plane::new(3, 3)], &map, 5, 5);
        assert!(a.v.iter().chain(&b.v).all(|&v| v == 0.0));
    }
}
