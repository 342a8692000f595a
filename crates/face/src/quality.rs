//! Quality measures of one face, each compared with a documented limit.
//!
//! Measures are taken on the aligned 112×112 crop (so they do not depend on the photo's size)
//! or on the detector's keypoints:
//! - sharpness: variance of the 4-neighbour Laplacian of the luma over the inner face;
//! - exposure: mean luma of the inner face, and the share of clipped (≥ 250) pixels;
//! - pose: with the eyes levelled and the eye distance as unit, the nose tip's horizontal
//!   offset from the eyes' midpoint (yaw), the nose's height between eye line and mouth
//!   (pitch) and the eye line's angle (roll).

use imaging::Image;

use crate::detect::{Detection, Point, keypoint};

/// The inner face in the aligned crop: cheeks to cheeks, brows to chin.
const INNER: (usize, usize, usize, usize) = (24, 32, 88, 104);

/// Measures of one face.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Measures {
    /// Eye distance in the source photo, pixels.
    pub eye_distance_px: f32,
    /// Laplacian variance of the aligned crop's inner face.
    pub sharpness: f32,
    /// Mean luma (0..255) of the inner face.
    pub mean_luma: f32,
    /// Share of inner-face pixels at luma ≥ 250.
    pub clipped_fraction: f32,
    /// Nose offset from the eyes' midpoint, in eye distances (0 = frontal, ±0.5 ≈ profile).
    pub yaw: f32,
    /// Nose height between eye line (0) and mouth (1); about 0.4–0.6 frontal.
    pub pitch: f32,
    /// Eye line angle, degrees.
    pub roll_deg: f32,
    /// Eye openness from the mesh (the more open eye), when measured.
    pub eye_openness: Option<f32>,
}

fn luma(px: &[u8]) -> f32 {
    match px {
        [r, g, b, ..] => 0.299 * f32::from(*r) + 0.587 * f32::from(*g) + 0.114 * f32::from(*b),
        _ => 0.0,
    }
}

/// Sharpness and exposure of an aligned crop.
#[must_use]
pub fn crop_measures(crop: &Image) -> (f32, f32, f32) {
    let w = crop.width() as usize;
    let h = crop.height() as usize;
    let (x0, y0, x1, y1) = INNER;
    let (x1, y1) = (x1.min(w.saturating_sub(1)), y1.min(h.saturating_sub(1)));
    let y: Vec<f32> = crop.pixels().chunks_exact(3).map(luma).collect();
    let at = |x: usize, yy: usize| y.get(yy * w + x).copied().unwrap_or(0.0);
    let (mut sum, mut sum2, mut n) = (0.0f64, 0.0f64, 0u32);
    let (mut lsum, mut clipped, mut ln) = (0.0f64, 0u32, 0u32);
    for yy in y0.max(1)..y1 {
        for x in x0.max(1)..x1 {
            let c = at(x, yy);
            let lap = at(x - 1, yy) + at(x + 1, yy) + at(x, yy - 1) + at(x, yy + 1) - 4.0 * c;
            sum += f64::from(lap);
            sum2 += f64::from(lap) * f64::from(lap);
            n += 1;
            lsum += f64::from(c);
            ln += 1;
            if c >= 250.0 {
                clipped += 1;
            }
        }
    }
    if n == 0 || ln == 0 {
        return (0.0, 0.0, 0.0);
    }
    let mean = sum / f64::from(n);
    let var = (sum2 / f64::from(n) - mean * mean).max(0.0);
    #[allow(clippy::cast_possible_truncation)]
    let out = (
        var as f32,
        (lsum / f64::from(ln)) as f32,
        clipped as f32 / ln as f32,
    );
    out
}

/// Pose proxies from the keypoints: (yaw, pitch, roll in degrees).
#[must_use]
pub fn pose(face: &Detection) -> (f32, f32, f32) {
    let k = &face.keypoints;
    let (r, l) = (k[keypoint::RIGHT_EYE], k[keypoint::LEFT_EYE]);
    let d = r.dist(l);
    if d.is_nan() || d <= 1e-3 {
        return (f32::INFINITY, f32::INFINITY, 0.0);
    }
    let angle = (l.y - r.y).atan2(l.x - r.x);
    let (sin, cos) = angle.sin_cos();
    let mid = Point {
        x: (r.x + l.x) / 2.0,
        y: (r.y + l.y) / 2.0,
    };
    // Into the levelled frame, eye distance = 1.
    let level = |p: Point| {
        let (dx, dy) = (p.x - mid.x, p.y - mid.y);
        ((cos * dx + sin * dy) / d, (-sin * dx + cos * dy) / d)
    };
    let (nx, ny) = level(k[keypoint::NOSE]);
    let (_, my) = level(k[keypoint::MOUTH]);
    let pitch = if my > 1e-3 { ny / my } else { f32::INFINITY };
    (nx, pitch, angle.to_degrees())
}
