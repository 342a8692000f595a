//! Eye openness for the eyes-closed gate: MediaPipe's face mesh places the eyes, its iris model
//! reads the lids.
//!
//! The mesh model takes a 192×192 crop, rotated so the eyes are level, 1.5 times the detector's
//! box (MediaPipe's `face_detection_to_roi`), scaled to `[0, 1]`; its eye corners (points 33/133
//! and 263/362) place a 64×64 crop of each eye, 2.3 eye widths wide (MediaPipe's iris ROI; the
//! subject's right eye mirrored), which the iris model reads into a 71-point eye contour. The
//! mesh's own lids barely move when the eyes close; the contour's do. Openness per eye is the
//! lid gap at mid-eye (contour points 4 and 12) over the corner distance (points 0 and 8),
//! an eye aspect ratio (Soukupová & Čech 2016): 0.28–0.44 open on the development set, about
//! 0.15 with the eyes painted shut.

use imaging::Image;
use inference::Model;

use crate::FaceError;
use crate::align::rotated_square;
use crate::detect::{Detection, Point, keypoint, to_nchw};

const SIZE: u32 = 192;
const POINTS: usize = 468;
// Mesh points: (outer corner, inner corner) of the subject's right and left eye.
const RIGHT_EYE: [usize; 2] = [33, 133];
const LEFT_EYE: [usize; 2] = [263, 362];
const IRIS_SIZE: u32 = 64;
const CONTOUR: usize = 71;

/// What the mesh says about the eyes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Eyes {
    /// Openness of the subject's right eye (lid gap / eye width).
    pub right: Option<f32>,
    /// Openness of the left eye; not measured when the right eye was already open enough.
    pub left: Option<f32>,
    /// The mesh model's own face-presence confidence, 0..1.
    pub face_confidence: f32,
}

impl Eyes {
    /// The more open of the two eyes (a wink is not "eyes closed").
    #[must_use]
    pub fn openness(&self) -> f32 {
        self.right.unwrap_or(0.0).max(self.left.unwrap_or(0.0))
    }
}

/// Runs the mesh model, then the iris model on each eye, for `face` in `img`. When the right eye's
/// openness reaches `enough`, the left eye is not measured (the gate needs the more open eye).
pub fn eyes(
    mesh_model: &dyn Model,
    iris_model: &dyn Model,
    img: &Image,
    face: &Detection,
    enough: f32,
) -> Result<Eyes, FaceError> {
    let mesh = landmarks(mesh_model, img, face)?;
    eyes_from(&mesh, iris_model, img, enough)
}

/// The face mesh of one face: 468 points in source-image pixels (MediaPipe's canonical
/// numbering; `z` in the crop's pixel scale, relative) and the mesh model's face-presence
/// confidence. Liveness reads head pose, mouth and smile from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Mesh {
    /// The points, `[x, y, z]` each, image pixels.
    pub points: Vec<[f32; 3]>,
    /// The mesh model's own face-presence confidence, 0..1.
    pub face_confidence: f32,
    /// The roll the crop was levelled by (radians), from the detector's eyes.
    pub angle: f32,
}

impl Mesh {
    /// Point `i` in image pixels (x, y); `None` past the end.
    #[must_use]
    pub fn point(&self, i: usize) -> Option<Point> {
        self.points.get(i).map(|p| Point { x: p[0], y: p[1] })
    }
}

/// Runs the mesh model for `face` in `img`.
pub fn landmarks(mesh_model: &dyn Model, img: &Image, face: &Detection) -> Result<Mesh, FaceError> {
    let [x0, y0, x1, y1] = face.bbox;
    let side = 1.5 * (x1 - x0).max(y1 - y0);
    let centre = Point {
        x: (x0 + x1) / 2.0,
        y: (y0 + y1) / 2.0,
    };
    let (r, l) = (
        face.keypoints[keypoint::RIGHT_EYE],
        face.keypoints[keypoint::LEFT_EYE],
    );
    let angle = (l.y - r.y).atan2(l.x - r.x);
    let crop = rotated_square(img, centre, side, angle, SIZE)
        .ok_or_else(|| FaceError::ModelOutput("mesh crop".into()))?;
    let input = to_nchw(&[&crop], 1.0 / 255.0, 0.0)
        .ok_or_else(|| FaceError::ModelOutput("mesh input".into()))?;
    let out = mesh_model.run(&[input])?;
    let mesh = out
        .iter()
        .find(|t| t.data().len() == POINTS * 3)
        .ok_or_else(|| FaceError::ModelOutput("mesh output".into()))?;
    let flag = out
        .iter()
        .find(|t| t.data().len() == 1)
        .and_then(|t| t.data().first().copied())
        .unwrap_or(0.0);
    // Crop pixels → image pixels.
    let k = side / SIZE as f32;
    let (sin, cos) = angle.sin_cos();
    let half = SIZE as f32 / 2.0;
    let points = mesh
        .data()
        .chunks_exact(3)
        .map(|q| {
            let (qx, qy, qz) = (
                q.first().copied().unwrap_or(0.0),
                q.get(1).copied().unwrap_or(0.0),
                q.get(2).copied().unwrap_or(0.0),
            );
            [
                centre.x + k * (cos * (qx - half) - sin * (qy - half)),
                centre.y + k * (sin * (qx - half) + cos * (qy - half)),
                k * qz,
            ]
        })
        .collect();
    Ok(Mesh {
        points,
        face_confidence: 1.0 / (1.0 + (-flag.clamp(-100.0, 100.0)).exp()),
        angle,
    })
}

/// Eye openness from an already computed mesh (the iris model on each eye).
pub fn eyes_from(
    mesh: &Mesh,
    iris_model: &dyn Model,
    img: &Image,
    enough: f32,
) -> Result<Eyes, FaceError> {
    let angle = mesh.angle;
    let p = |i: usize| mesh.point(i).unwrap_or(Point { x: 0.0, y: 0.0 });
    let mut open: [Option<f32>; 2] = [None; 2];
    let mut best = 0.0f32;
    for (slot, ([outer, inner], mirror)) in
        open.iter_mut().zip([(RIGHT_EYE, true), (LEFT_EYE, false)])
    {
        if best >= enough {
            break;
        }
        let (o, i) = (p(outer), p(inner));
        let width = o.dist(i);
        if width.is_nan() || width <= 1.0 {
            *slot = Some(0.0);
            continue;
        }
        let mid = Point {
            x: (o.x + i.x) / 2.0,
            y: (o.y + i.y) / 2.0,
        };
        let crop = rotated_square(img, mid, 2.3 * width, angle, IRIS_SIZE)
            .ok_or_else(|| FaceError::ModelOutput("eye crop".into()))?;
        let crop = if mirror {
            crate::align::mirrored(&crop)
                .ok_or_else(|| FaceError::ModelOutput("eye mirror".into()))?
        } else {
            crop
        };
        let input = to_nchw(&[&crop], 1.0 / 255.0, 0.0)
            .ok_or_else(|| FaceError::ModelOutput("iris input".into()))?;
        let out = iris_model.run(&[input])?;
        let contour = out
            .iter()
            .find(|t| t.data().len() == CONTOUR * 3)
            .ok_or_else(|| FaceError::ModelOutput("iris output".into()))?;
        let c = |j: usize| Point {
            x: contour.data().get(3 * j).copied().unwrap_or(0.0),
            y: contour.data().get(3 * j + 1).copied().unwrap_or(0.0),
        };
        let w = c(0).dist(c(8));
        let v = c(4).dist(c(12));
        let value = if w > 1e-3 && v.is_finite() {
            v / w
        } else {
            0.0
        };
        best = best.max(value);
        *slot = Some(value);
    }
    Ok(Eyes {
        right: open[0],
        left: open[1],
        face_confidence: mesh.face_confidence,
    })
}
