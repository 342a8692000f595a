//! Phone capture of a rendered side: perspective, light, blur, noise, JPEG, EXIF; and the
//! physical (photocopy, screen) and digital (tampering) attacks.

use crate::Error;
use crate::exif::{ExifTags, app1};
use crate::raster::Canvas;
use crate::rng::Rng;

/// A 3×3 homography, row-major.
#[derive(Debug, Clone, Copy)]
pub struct Homography(pub [f64; 9]);

impl Homography {
    /// The map taking `src[i]` to `dst[i]` (4 points); `None` if degenerate.
    pub fn from_points(src: &[[f64; 2]; 4], dst: &[[f64; 2]; 4]) -> Option<Homography> {
        let mut a = [[0.0f64; 9]; 8];
        for i in 0..4 {
            let [x, y] = src[i];
            let [u, v] = dst[i];
            a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        for col in 0..8 {
            let piv = (col..8).max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))?;
            if a[piv][col].abs() < 1e-12 {
                return None;
            }
            a.swap(col, piv);
            for r in 0..8 {
                if r != col {
                    let f = a[r][col] / a[col][col];
                    for k in col..9 {
                        a[r][k] -= f * a[col][k];
                    }
                }
            }
        }
        let mut h = [0.0; 9];
        for i in 0..8 {
            h[i] = a[i][8] / a[i][i];
        }
        h[8] = 1.0;
        Some(Homography(h))
    }

    /// Applies the map.
    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let h = &self.0;
        let w = h[6] * x + h[7] * y + h[8];
        (
            (h[0] * x + h[1] * y + h[2]) / w,
            (h[3] * x + h[4] * y + h[5]) / w,
        )
    }

    /// The inverse map (adjugate).
    pub fn inverse(&self) -> Homography {
        let m = &self.0;
        let inv = [
            m[4] * m[8] - m[5] * m[7],
            m[2] * m[7] - m[1] * m[8],
            m[1] * m[5] - m[2] * m[4],
            m[5] * m[6] - m[3] * m[8],
            m[0] * m[8] - m[2] * m[6],
            m[2] * m[3] - m[0] * m[5],
            m[3] * m[7] - m[4] * m[6],
            m[1] * m[6] - m[0] * m[7],
            m[0] * m[4] - m[1] * m[3],
        ];
        Homography(inv)
    }
}

/// Where the side lies in the capture.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    /// Document → capture map.
    pub h: Homography,
    /// The four corners in the capture (top-left, top-right, bottom-right, bottom-left of the
    /// document as printed).
    pub corners: [[f64; 2]; 4],
}

/// Capture size (a phone photo scaled to 1600 × 1200, as capture pages send).
pub const CAPTURE_W: usize = 1600;
/// Capture height.
pub const CAPTURE_H: usize = 1200;

/// A placement of a `dw × dh` document: fraction of the capture width it covers, rotation
/// (degrees), perspective strength (fraction of width for corner jitter), centre offset.
pub fn place(
    rng: &mut Rng,
    dw: usize,
    dh: usize,
    cover: f32,
    rot_deg: f32,
    persp: f32,
    offset: (f32, f32),
) -> Option<Placement> {
    let s = f64::from(cover) * CAPTURE_W as f64 / dw as f64;
    let (cx, cy) = (
        CAPTURE_W as f64 / 2.0 + f64::from(offset.0),
        CAPTURE_H as f64 / 2.0 + f64::from(offset.1),
    );
    let t = f64::from(rot_deg).to_radians();
    let (sn, cs) = t.sin_cos();
    let src = [
        [0.0, 0.0],
        [dw as f64, 0.0],
        [dw as f64, dh as f64],
        [0.0, dh as f64],
    ];
    let mut dst = [[0.0; 2]; 4];
    let j = f64::from(persp) * CAPTURE_W as f64 * f64::from(cover);
    for i in 0..4 {
        let x = (src[i][0] - dw as f64 / 2.0) * s;
        let y = (src[i][1] - dh as f64 / 2.0) * s;
        dst[i] = [
            cx + x * cs - y * sn + f64::from(rng.uniform(-1.0, 1.0)) * j,
            cy + x * sn + y * cs + f64::from(rng.uniform(-1.0, 1.0)) * j,
        ];
    }
    let h = Homography::from_points(&src, &dst)?;
    Some(Placement { h, corners: dst })
}

/// A dark desk-like background with low-frequency texture.
pub fn background(rng: &mut Rng) -> Canvas {
    let base = [
        rng.uniform(40.0, 110.0),
        rng.uniform(35.0, 90.0),
        rng.uniform(25.0, 80.0),
    ];
    let f = rng.uniform(0.005, 0.02);
    let ph = rng.uniform(0.0, 6.0);
    let mut c = Canvas::new(CAPTURE_W, CAPTURE_H, [0, 0, 0]);
    for y in 0..CAPTURE_H {
        for x in 0..CAPTURE_W {
            let g = ((x as f32 * f + (y as f32 * 0.01 + ph).sin() * 3.0).sin() * 0.5 + 0.5) * 18.0;
            c.set(
                x as i64,
                y as i64,
                [
                    (base[0] + g) as u8,
                    (base[1] + g * 0.8) as u8,
                    (base[2] + g * 0.6) as u8,
                ],
            );
        }
    }
    c
}

/// Draws the document into the capture through the placement (inverse mapping, bilinear).
pub fn composite(scene: &mut Canvas, doc: &Canvas, pl: &Placement) {
    let inv = pl.h.inverse();
    let xs: Vec<f64> = pl.corners.iter().map(|c| c[0]).collect();
    let ys: Vec<f64> = pl.corners.iter().map(|c| c[1]).collect();
    let x0 = xs.iter().copied().fold(f64::MAX, f64::min).floor().max(0.0) as usize;
    let x1 = (xs.iter().copied().fold(f64::MIN, f64::max).ceil() as usize).min(scene.w);
    let y0 = ys.iter().copied().fold(f64::MAX, f64::min).floor().max(0.0) as usize;
    let y1 = (ys.iter().copied().fold(f64::MIN, f64::max).ceil() as usize).min(scene.h);
    for y in y0..y1 {
        for x in x0..x1 {
            let (u, v) = inv.apply(x as f64 + 0.5, y as f64 + 0.5);
            if u < 0.0 || v < 0.0 || u >= doc.w as f64 || v >= doc.h as f64 {
                continue;
            }
            let p = doc.sample(u as f32 - 0.5, v as f32 - 0.5);
            scene.set(x as i64, y as i64, [p[0] as u8, p[1] as u8, p[2] as u8]);
        }
    }
}

/// Multiplicative uneven light: a linear gradient and a vignette.
pub fn light(c: &mut Canvas, rng: &mut Rng, strength: f32) {
    let gx = rng.uniform(-strength, strength);
    let gy = rng.uniform(-strength, strength);
    // Phones expose for the document: the brightest corner stays at about the chosen gain.
    let gain = rng.uniform(0.9, 1.0) / (1.0 + (gx.abs() + gy.abs()) / 2.0);
    let (w, h) = (c.w as f32, c.h as f32);
    for y in 0..c.h {
        for x in 0..c.w {
            let nx = x as f32 / w - 0.5;
            let ny = y as f32 / h - 0.5;
            let f =
                gain * (1.0 + gx * nx + gy * ny) * (1.0 - 0.25 * strength * (nx * nx + ny * ny));
            let i = (y * c.w + x) * 3;
            for k in 0..3 {
                c.px[i + k] = (f32::from(c.px[i + k]) * f).clamp(0.0, 255.0) as u8;
            }
        }
    }
}

/// Box blur of radius `r`, twice (close to a Gaussian).
pub fn blur(c: &mut Canvas, r: usize) {
    if r == 0 {
        return;
    }
    for _ in 0..2 {
        box_pass(c, r, true);
        box_pass(c, r, false);
    }
}

fn box_pass(c: &mut Canvas, r: usize, horizontal: bool) {
    let (w, h) = (c.w, c.h);
    let src = c.px.clone();
    let (outer, inner) = if horizontal { (h, w) } else { (w, h) };
    let n = (2 * r + 1) as u32;
    for o in 0..outer {
        let idx = |i: usize| {
            if horizontal {
                (o * w + i) * 3
            } else {
                (i * w + o) * 3
            }
        };
        for k in 0..3 {
            let mut acc: u32 = 0;
            for i in 0..=2 * r {
                let ii = i.saturating_sub(r).min(inner - 1);
                acc += u32::from(src[idx(ii) + k]);
            }
            for i in 0..inner {
                c.px[idx(i) + k] = (acc / n) as u8;
                let add = (i + r + 1).min(inner - 1);
                let sub = i.saturating_sub(r);
                acc = acc + u32::from(src[idx(add) + k]) - u32::from(src[idx(sub) + k]);
            }
        }
    }
}

/// Gaussian sensor noise of standard deviation `sigma`.
pub fn noise(c: &mut Canvas, rng: &mut Rng, sigma: f32) {
    for v in &mut c.px {
        *v = (f32::from(*v) + rng.normal() * sigma).clamp(0.0, 255.0) as u8;
    }
}

/// A saturated specular highlight (ellipse) centred at (x, y).
pub fn glare(c: &mut Canvas, x: f32, y: f32, rx: f32, ry: f32) {
    for yy in 0..c.h {
        for xx in 0..c.w {
            let d = ((xx as f32 - x) / rx).powi(2) + ((yy as f32 - y) / ry).powi(2);
            if d < 1.6 {
                let a = if d < 1.0 { 1.0 } else { (1.6 - d) / 0.6 };
                c.blend(xx as i64, yy as i64, [255, 255, 255], a);
            }
        }
    }
}

/// Photocopy of the printed side: grey, contrast, then halftone dots or toner speckle.
pub fn photocopy(doc: &mut Canvas, rng: &mut Rng, halftone: bool) {
    let period = rng.uniform(3.0, 4.5);
    let contrast = rng.uniform(1.2, 1.5);
    for y in 0..doc.h {
        for x in 0..doc.w {
            let p = doc.get(x as i64, y as i64);
            let l = 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]);
            let mut v = ((l - 128.0) * contrast + 140.0).clamp(0.0, 255.0);
            if halftone {
                let cx = (x as f32 / period).fract() - 0.5;
                let cy = (y as f32 / period).fract() - 0.5;
                let r2 = cx * cx + cy * cy;
                let darkness = 1.0 - v / 255.0;
                v = if r2 < darkness * 0.5 { 30.0 } else { 245.0 };
            } else if rng.chance(0.01) {
                v = (v - 90.0).max(0.0);
            }
            let t = rng.uniform(-2.0, 2.0);
            doc.set(
                x as i64,
                y as i64,
                [(v + t) as u8, (v + t) as u8, (v + t + 1.0) as u8],
            );
        }
    }
}

/// What a screen does to the picture it shows: display gamma, the pixel grid with its RGB
/// sub-pixels (period `p` capture pixels, slightly rotated: moiré), and a soft reflection.
pub fn screen(c: &mut Canvas, rng: &mut Rng) {
    let p = rng.uniform(3.2, 5.5);
    let ang = rng.uniform(-0.08, 0.08);
    let (sn, cs) = ang.sin_cos();
    let gamma = rng.uniform(0.75, 0.9);
    let depth = rng.uniform(0.25, 0.45);
    let gx = rng.uniform(0.2, 0.8) * c.w as f32;
    let gy = rng.uniform(0.2, 0.8) * c.h as f32;
    let gr = rng.uniform(250.0, 450.0);
    for y in 0..c.h {
        for x in 0..c.w {
            let u = x as f32 * cs + y as f32 * sn;
            let v = -(x as f32) * sn + y as f32 * cs;
            let fu = (u / p).fract();
            let fv = (v / p).fract();
            let row = if fv < 0.18 { 1.0 - depth } else { 1.0 };
            let sub = ((fu * 3.0) as usize).min(2);
            let d = ((x as f32 - gx).powi(2) + (y as f32 - gy).powi(2)).sqrt() / gr;
            let sheen = (1.0 - d).max(0.0) * 30.0;
            let i = (y * c.w + x) * 3;
            for k in 0..3 {
                let lin = (f32::from(c.px[i + k]) / 255.0).powf(gamma) * 255.0;
                let m = if k == sub { 1.0 } else { 1.0 - depth * 0.8 };
                c.px[i + k] = (lin * m * row + sheen).clamp(0.0, 255.0) as u8;
            }
        }
    }
}

/// Encodes RGB8 as baseline JPEG at `quality` with an optional APP1 EXIF segment.
pub fn encode_jpeg(c: &Canvas, quality: u8, exif: Option<&ExifTags>) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, quality);
    if let Some(seg) = exif.and_then(app1) {
        enc.add_app_segment(1, &seg).map_err(|_| Error::Encode)?;
    }
    enc.encode(&c.px, c.w as u16, c.h as u16, jpeg_encoder::ColorType::Rgb)
        .map_err(|_| Error::Encode)?;
    Ok(out)
}

/// Decodes a JPEG back into a canvas (the edit-and-save path of tampering).
pub fn decode(bytes: &[u8]) -> Result<Canvas, Error> {
    let img = imaging::decode(bytes, &imaging::Limits::default()).map_err(|_| Error::Decode)?;
    Ok(Canvas {
        w: img.width() as usize,
        h: img.height() as usize,
        px: img.pixels().to_vec(),
    })
}

/// Pastes a document-space patch into the capture through the placement, with no sensor
/// noise or blur (what an image editor does).
pub fn paste_patch(scene: &mut Canvas, patch: &Canvas, at: [f32; 2], pl: &Placement) {
    let inv = pl.h.inverse();
    let pts = [
        pl.h.apply(f64::from(at[0]), f64::from(at[1])),
        pl.h.apply(f64::from(at[0]) + patch.w as f64, f64::from(at[1])),
        pl.h.apply(f64::from(at[0]), f64::from(at[1]) + patch.h as f64),
        pl.h.apply(
            f64::from(at[0]) + patch.w as f64,
            f64::from(at[1]) + patch.h as f64,
        ),
    ];
    let x0 = pts.iter().map(|p| p.0).fold(f64::MAX, f64::min).max(0.0) as usize;
    let x1 = (pts.iter().map(|p| p.0).fold(f64::MIN, f64::max).ceil() as usize).min(scene.w);
    let y0 = pts.iter().map(|p| p.1).fold(f64::MAX, f64::min).max(0.0) as usize;
    let y1 = (pts.iter().map(|p| p.1).fold(f64::MIN, f64::max).ceil() as usize).min(scene.h);
    for y in y0..y1 {
        for x in x0..x1 {
            let (u, v) = inv.apply(x as f64 + 0.5, y as f64 + 0.5);
            let (pu, pv) = (u - f64::from(at[0]), v - f64::from(at[1]));
            if pu < 0.0 || pv < 0.0 || pu >= patch.w as f64 || pv >= patch.h as f64 {
                continue;
            }
            let p = patch.sample(pu as f32 - 0.5, pv as f32 - 0.5);
            scene.set(x as i64, y as i64, [p[0] as u8, p[1] as u8, p[2] as u8]);
        }
    }
}

/// Copies a capture rectangle onto another place of the capture (copy-move forgery).
pub fn copy_move(scene: &mut Canvas, src: [usize; 4], dst: [usize; 2]) {
    let patch = scene.crop(src[0], src[1], src[2], src[3]);
    for y in 0..src[3] {
        for x in 0..src[2] {
            let p = patch.get(x as i64, y as i64);
            scene.set((dst[0] + x) as i64, (dst[1] + y) as i64, p);
        }
    }
}
