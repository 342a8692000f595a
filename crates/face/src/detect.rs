//! Face detection: MediaPipe BlazeFace (full range or short range), as converted to ONNX.
//!
//! The photo is letterboxed (aspect kept, centred, black padding) into the model's square input,
//! scaled to `[-1, 1]`; each SSD anchor yields a score and a box with six keypoints (the
//! subject's right eye, left eye, nose tip, mouth centre, right ear tragion, left ear tragion),
//! decoded as MediaPipe's `TfLiteTensorsToDetectionsCalculator` does and merged by weighted
//! non-maximum suppression (IoU 0.3).

use imaging::{Affine, Image};
use inference::{Model, Tensor};

use crate::FaceError;

/// A point in source-image pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// x, pixels from the left edge.
    pub x: f32,
    /// y, pixels from the top edge.
    pub y: f32,
}

impl Point {
    /// Euclidean distance, pixels.
    #[must_use]
    pub fn dist(self, o: Point) -> f32 {
        (self.x - o.x).hypot(self.y - o.y)
    }
}

/// Keypoint indices of a [`Detection`].
pub mod keypoint {
    /// The subject's right eye (on the left of a non-mirrored photo).
    pub const RIGHT_EYE: usize = 0;
    /// The subject's left eye.
    pub const LEFT_EYE: usize = 1;
    /// Nose tip.
    pub const NOSE: usize = 2;
    /// Mouth centre.
    pub const MOUTH: usize = 3;
    /// Right ear tragion.
    pub const RIGHT_EAR: usize = 4;
    /// Left ear tragion.
    pub const LEFT_EAR: usize = 5;
}

/// One detected face, in source-image pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// Detector confidence, 0..1.
    pub score: f32,
    /// Box left, top, right, bottom.
    pub bbox: [f32; 4],
    /// The six keypoints, indexed by [`keypoint`].
    pub keypoints: [Point; 6],
}

impl Detection {
    /// Box area in square pixels.
    #[must_use]
    pub fn area(&self) -> f32 {
        let [x0, y0, x1, y1] = self.bbox;
        (x1 - x0).max(0.0) * (y1 - y0).max(0.0)
    }

    /// The distance between the eye centres, pixels.
    #[must_use]
    pub fn eye_distance(&self) -> f32 {
        self.keypoints[keypoint::RIGHT_EYE].dist(self.keypoints[keypoint::LEFT_EYE])
    }

    fn iou(&self, o: &Detection) -> f32 {
        let [a0, a1, a2, a3] = self.bbox;
        let [b0, b1, b2, b3] = o.bbox;
        let iw = (a2.min(b2) - a0.max(b0)).max(0.0);
        let ih = (a3.min(b3) - a1.max(b1)).max(0.0);
        let inter = iw * ih;
        let union = self.area() + o.area() - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }
}

/// Which BlazeFace model detects faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DetectorKind {
    /// `face_detection_full_range`: 192×192, faces up to ~5 m from the camera (default: also
    /// finds the small portrait on a photographed document).
    #[default]
    FullRange,
    /// `face_detection_short_range`: 128×128, faces within ~2 m (selfies).
    ShortRange,
}

impl DetectorKind {
    /// The model's name in the manifest.
    #[must_use]
    pub fn model_name(self) -> &'static str {
        match self {
            DetectorKind::FullRange => "face_detection_full_range",
            DetectorKind::ShortRange => "face_detection_short_range",
        }
    }

    /// The square input side, pixels.
    #[must_use]
    pub fn input_size(self) -> u32 {
        match self {
            DetectorKind::FullRange => 192,
            DetectorKind::ShortRange => 128,
        }
    }

    /// SSD anchor centres (normalised), in the model's output order. Short range: layers with
    /// strides 8, 16, 16, 16 and two anchors per layer and cell (those of one stride grouped);
    /// full range: stride 4, one anchor per cell.
    #[must_use]
    pub fn anchors(self) -> Vec<(f32, f32)> {
        let groups: &[(u32, usize)] = match self {
            DetectorKind::ShortRange => &[(8, 2), (16, 6)],
            DetectorKind::FullRange => &[(4, 1)],
        };
        let size = self.input_size();
        let mut out = Vec::new();
        for &(stride, per_cell) in groups {
            let fm = size / stride;
            for y in 0..fm {
                for x in 0..fm {
                    let c = ((x as f32 + 0.5) / fm as f32, (y as f32 + 0.5) / fm as f32);
                    out.extend(std::iter::repeat_n(c, per_cell));
                }
            }
        }
        out
    }
}

/// The letterbox map (model input pixels → source pixels) for `img`.
fn letterbox(img: &Image, size: u32) -> (Affine, f32, f32, f32) {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let side = w.max(h);
    let (ox, oy) = ((side - w) / 2.0, (side - h) / 2.0);
    let s = side / size as f32;
    (
        Affine {
            a: s,
            b: 0.0,
            c: -ox,
            d: 0.0,
            e: s,
            f: -oy,
        },
        side,
        ox,
        oy,
    )
}

/// An RGB8 image as an NCHW tensor, each value `v` mapped to `v * scale + offset`.
pub(crate) fn to_nchw(images: &[&Image], scale: f32, offset: f32) -> Option<Tensor> {
    let first = images.first()?;
    let (w, h) = (first.width() as usize, first.height() as usize);
    let plane = w * h;
    let mut data = vec![0f32; plane * 3 * images.len()];
    for (n, img) in images.iter().enumerate() {
        if img.width() as usize != w || img.height() as usize != h {
            return None;
        }
        let base = n * plane * 3;
        for (i, px) in img.pixels().chunks_exact(3).enumerate() {
            for (c, v) in px.iter().enumerate() {
                if let Some(slot) = data.get_mut(base + c * plane + i) {
                    *slot = f32::from(*v) * scale + offset;
                }
            }
        }
    }
    Tensor::new(vec![images.len(), 3, h, w], data)
}

/// Detects faces in `img`; returns them best score first.
pub fn detect(
    model: &dyn Model,
    kind: DetectorKind,
    img: &Image,
    min_score: f32,
) -> Result<Vec<Detection>, FaceError> {
    let size = kind.input_size();
    let (map, side, ox, oy) = letterbox(img, size);
    let input = img
        .warp_affine(&map, size, size)
        .ok_or_else(|| FaceError::ModelOutput("letterbox failed".into()))?;
    let tensor = to_nchw(&[&input], 1.0 / 127.5, -1.0)
        .ok_or_else(|| FaceError::ModelOutput("input tensor".into()))?;
    let outputs = model.run(&[tensor])?;
    let anchors = kind.anchors();
    let n = anchors.len();
    let by_width = |w: usize| {
        outputs
            .iter()
            .find(|t| t.shape().last() == Some(&w) && t.data().len() == n * w)
    };
    let (Some(reg), Some(cls)) = (by_width(16), by_width(1)) else {
        return Err(FaceError::ModelOutput(format!(
            "detector outputs {:?} do not fit {n} anchors",
            outputs
                .iter()
                .map(|t| t.shape().to_vec())
                .collect::<Vec<_>>()
        )));
    };
    let scale = size as f32;
    let to_src = |nx: f32, ny: f32| Point {
        x: nx * side - ox,
        y: ny * side - oy,
    };
    let mut raw = Vec::new();
    for (i, ((ax, ay), r)) in anchors.iter().zip(reg.data().chunks_exact(16)).enumerate() {
        let logit = cls.data().get(i).copied().unwrap_or(f32::NEG_INFINITY);
        if !logit.is_finite() || r.iter().any(|v| !v.is_finite()) {
            continue;
        }
        let score = 1.0 / (1.0 + (-logit.clamp(-100.0, 100.0)).exp());
        if score < min_score {
            continue;
        }
        let v = |k: usize| r.get(k).copied().unwrap_or(0.0) / scale;
        let (cx, cy, bw, bh) = (v(0) + ax, v(1) + ay, v(2), v(3));
        let tl = to_src(cx - bw / 2.0, cy - bh / 2.0);
        let br = to_src(cx + bw / 2.0, cy + bh / 2.0);
        let mut keypoints = [Point { x: 0.0, y: 0.0 }; 6];
        for (k, kp) in keypoints.iter_mut().enumerate() {
            *kp = to_src(v(4 + 2 * k) + ax, v(5 + 2 * k) + ay);
        }
        raw.push(Detection {
            score,
            bbox: [tl.x, tl.y, br.x, br.y],
            keypoints,
        });
    }
    Ok(weighted_nms(raw, 0.3))
}

/// MediaPipe's weighted non-maximum suppression: each cluster (IoU above `iou` with its best
/// member) becomes one detection, its box and keypoints the score-weighted mean, its score the best.
fn weighted_nms(mut dets: Vec<Detection>, iou: f32) -> Vec<Detection> {
    dets.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut out = Vec::new();
    while let Some(top) = dets.first().copied() {
        let (cluster, rest): (Vec<_>, Vec<_>) = dets.into_iter().partition(|d| top.iou(d) > iou);
        dets = rest;
        let total: f32 = cluster.iter().map(|d| d.score).sum();
        if cluster.is_empty() || total <= 0.0 {
            // The top detection always overlaps itself unless its box is empty: keep it as is.
            out.push(top);
            if !dets.is_empty() {
                dets.remove(0);
            }
            continue;
        }
        let mut merged = Detection {
            score: top.score,
            bbox: [0.0; 4],
            keypoints: [Point { x: 0.0, y: 0.0 }; 6],
        };
        for d in &cluster {
            let w = d.score / total;
            for (m, v) in merged.bbox.iter_mut().zip(d.bbox) {
                *m += w * v;
            }
            for (m, p) in merged.keypoints.iter_mut().zip(d.keypoints) {
                m.x += w * p.x;
                m.y += w * p.y;
            }
        }
        out.push(merged);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_counts_match_the_models() {
        assert_eq!(DetectorKind::ShortRange.anchors().len(), 896);
        assert_eq!(DetectorKind::FullRange.anchors().len(), 2304);
        assert_eq!(
            DetectorKind::FullRange.anchors()[0],
            (0.5 / 48.0, 0.5 / 48.0)
        );
    }

    #[test]
    fn nms_merges_overlaps_and_keeps_separate_faces() {
        let d = |x: f32, s: f32| Detection {
            score: s,
            bbox: [x, 0.0, x + 10.0, 10.0],
            keypoints: [Point { x, y: 0.0 }; 6],
        };
        let out = weighted_nms(vec![d(0.0, 0.9), d(1.0, 0.6), d(50.0, 0.7)], 0.3);
        assert_eq!(out.len(), 2);
        assert!((out[0].score - 0.9).abs() < 1e-6);
        assert!(out[0].bbox[0] > 0.0 && out[0].bbox[0] < 1.0);
        // An empty box cannot loop forever.
        let empty = Detection {
            bbox: [0.0; 4],
            ..d(0.0, 0.8)
        };
        assert_eq!(weighted_nms(vec![empty, empty], 0.3).len(), 2);
    }
}
