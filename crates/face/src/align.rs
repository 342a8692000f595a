//! Alignment: the similarity transform (rotation, uniform scale, translation) that takes the
//! embedding model's canonical landmark positions to the detected ones, least squares
//! (Umeyama 1991, without reflection), and the crops made with it.

use imaging::{Affine, Image};

use crate::detect::{Detection, Point, keypoint};

/// The ArcFace/InsightFace 112×112 template (subject's right eye, left eye, nose tip, right and
/// left mouth corners), which MobileFaceNet was trained on. BlazeFace gives the mouth centre,
/// matched to the mean of the two corners.
pub const TEMPLATE_112: [(f32, f32); 4] = [
    (38.2946, 51.6963),
    (73.5318, 51.5014),
    (56.0252, 71.7366),
    ((41.5493 + 70.7299) / 2.0, (92.3655 + 92.2041) / 2.0),
];

/// The side of the aligned crop.
pub const CROP_SIZE: u32 = 112;

/// The similarity map `dst → src` that best takes `dst[i]` to `src[i]` (least squares).
/// `None` for fewer than two points or coincident points.
#[must_use]
pub fn similarity(dst: &[(f32, f32)], src: &[(f32, f32)]) -> Option<Affine> {
    if dst.len() != src.len() || dst.len() < 2 {
        return None;
    }
    let n = dst.len() as f32;
    let mean = |p: &[(f32, f32)]| {
        let (sx, sy) = p.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
        (sx / n, sy / n)
    };
    let (mdx, mdy) = mean(dst);
    let (msx, msy) = mean(src);
    let (mut dot, mut cross, mut var) = (0.0f32, 0.0f32, 0.0f32);
    for (&(dx, dy), &(sx, sy)) in dst.iter().zip(src) {
        let (dx, dy, sx, sy) = (dx - mdx, dy - mdy, sx - msx, sy - msy);
        dot += dx * sx + dy * sy;
        cross += dx * sy - dy * sx;
        var += dx * dx + dy * dy;
    }
    if var.is_nan() || var <= 1e-9 || !dot.is_finite() || !cross.is_finite() {
        return None;
    }
    let (a, b) = (dot / var, cross / var);
    // src = [a -b; b a] · dst + t
    Some(Affine {
        a,
        b: -b,
        c: msx - (a * mdx - b * mdy),
        d: b,
        e: a,
        f: msy - (b * mdx + a * mdy),
    })
}

/// The 112×112 crop of `face` in `img`, aligned to [`TEMPLATE_112`].
#[must_use]
pub fn aligned_crop(img: &Image, face: &Detection) -> Option<Image> {
    let k = &face.keypoints;
    let src: Vec<(f32, f32)> = [
        k[keypoint::RIGHT_EYE],
        k[keypoint::LEFT_EYE],
        k[keypoint::NOSE],
        k[keypoint::MOUTH],
    ]
    .iter()
    .map(|p| (p.x, p.y))
    .collect();
    let map = similarity(&TEMPLATE_112, &src)?;
    img.warp_affine(&map, CROP_SIZE, CROP_SIZE)
}

/// A `size × size` crop centred on `centre`, `side` source pixels wide, rotated by `angle`
/// (radians, the direction of the subject's right eye → left eye).
#[must_use]
pub fn rotated_square(
    img: &Image,
    centre: Point,
    side: f32,
    angle: f32,
    size: u32,
) -> Option<Image> {
    let k = side / size as f32;
    let (sin, cos) = angle.sin_cos();
    let half = size as f32 / 2.0;
    let (a, b, d, e) = (cos * k, -sin * k, sin * k, cos * k);
    let map = Affine {
        a,
        b,
        c: centre.x - half * (a + b),
        d,
        e,
        f: centre.y - half * (d + e),
    };
    img.warp_affine(&map, size, size)
}

/// The mirror image (left–right) of a crop.
#[must_use]
pub fn mirrored(img: &Image) -> Option<Image> {
    let w = img.width() as f32;
    let map = Affine {
        a: -1.0,
        b: 0.0,
        c: w,
        d: 0.0,
        e: 1.0,
        f: 0.0,
    };
    img.warp_affine(&map, img.width(), img.height())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_recovers_a_known_map() {
        let (s, t, tx, ty) = (2.5f32, 0.3f32, 100.0f32, 40.0f32);
        let src: Vec<(f32, f32)> = TEMPLATE_112
            .iter()
            .map(|&(x, y)| {
                (
                    s * (t.cos() * x - t.sin() * y) + tx,
                    s * (t.sin() * x + t.cos() * y) + ty,
                )
            })
            .collect();
        let m = similarity(&TEMPLATE_112, &src).unwrap();
        for (&(x, y), &(sx, sy)) in TEMPLATE_112.iter().zip(&src) {
            let (px, py) = m.apply(x, y);
            assert!((px - sx).abs() < 1e-2 && (py - sy).abs() < 1e-2);
        }
        assert!(similarity(&[(1.0, 1.0), (1.0, 1.0)], &[(0.0, 0.0), (3.0, 3.0)]).is_none());
        assert!(similarity(&[(1.0, 1.0)], &[(0.0, 0.0)]).is_none());
    }
}
