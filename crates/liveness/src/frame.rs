//! One frame → its observation: head pose, eye and mouth openness, smile, skin colour, the
//! passive measures (moiré peak, thumbnail for identical-frame detection) and the embedding.
//!
//! Pose and expressions come from MediaPipe's 468-point face mesh (`face::mesh::landmarks`) as
//! geometric ratios, which need no camera calibration:
//! - yaw: the nose tip's offset from the middle of the two cheek contours, over half the face
//!   width (points 1, 234, 454), in the frame levelled by the roll; positive when the nose moves
//!   to the right of a non-mirrored frame (the person turning to their own left);
//! - pitch: the nose tip's height below the eye line over the chin's (points 1, 152 and the eye
//!   corners): smaller when looking up, larger when looking down;
//! - roll: the angle of the line through the outer eye corners (33, 263);
//! - eye openness: the iris model's lid gap over eye width (`face::mesh::eyes_from`; the mesh's
//!   own lids barely move);
//! - mouth opening (MAR): the inner-lip gap (13, 14) over the mouth width (78, 308);
//! - smile: the mouth-corner width (61, 291) over the outer eye-corner distance;
//! - face aspect: the cheek-to-cheek width over the forehead-to-chin height (10, 152), which a
//!   flat picture turned about a vertical axis compresses without moving the nose.

use face::{Detection, Embedding, FaceEngine, Point};
use imaging::Image;
use sha2::{Digest, Sha256};

use crate::passive;

/// Mesh points used here (MediaPipe canonical face-mesh numbering).
mod pt {
    pub const NOSE_TIP: usize = 1;
    pub const CHIN: usize = 152;
    pub const FOREHEAD: usize = 10;
    pub const RIGHT_CHEEK_EDGE: usize = 234;
    pub const LEFT_CHEEK_EDGE: usize = 454;
    pub const RIGHT_EYE_OUTER: usize = 33;
    pub const RIGHT_EYE_INNER: usize = 133;
    pub const LEFT_EYE_OUTER: usize = 263;
    pub const LEFT_EYE_INNER: usize = 362;
    pub const UPPER_LIP_INNER: usize = 13;
    pub const LOWER_LIP_INNER: usize = 14;
    pub const MOUTH_INNER_RIGHT: usize = 78;
    pub const MOUTH_INNER_LEFT: usize = 308;
    pub const MOUTH_RIGHT: usize = 61;
    pub const MOUTH_LEFT: usize = 291;
    pub const RIGHT_CHEEK: usize = 50;
    pub const LEFT_CHEEK: usize = 280;
    pub const FOREHEAD_MID: usize = 151;
}

/// What the face in one frame looks like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceObs {
    /// Faces the detector found in the frame.
    pub faces: usize,
    /// The detector's confidence for the subject.
    pub score: f32,
    /// Yaw proxy (see the module docs), about −1…1.
    pub yaw: f32,
    /// Pitch proxy (nose height / chin height below the eye line), about 0.2…0.8.
    pub pitch: f32,
    /// Roll, degrees.
    pub roll_deg: f32,
    /// The more open eye's openness (iris model), when measured.
    pub eye_open: Option<f32>,
    /// Mouth aspect ratio (inner-lip gap / inner mouth width).
    pub mar: f32,
    /// Mouth width / outer eye-corner distance.
    pub smile: f32,
    /// Face width / face height.
    pub aspect: f32,
    /// Face width, pixels (scale for the passive measures).
    pub width_px: f32,
    /// Mean linear-ish RGB of the cheeks and forehead, 0..255.
    pub skin: [f32; 3],
    /// The moiré / pixel-grid peak measure of a patch of the face at native resolution.
    pub moire: f32,
}

/// One frame's observation.
#[derive(Clone, PartialEq)]
pub struct FrameObs {
    /// Frame index (upload order).
    pub index: u32,
    /// Client timestamp, ms since the recording started.
    pub t_ms: i64,
    /// SHA-256 of the frame's bytes.
    pub sha256: [u8; 32],
    /// 64-bit difference hash of the whole frame.
    pub dhash: u64,
    /// 32×32 grey thumbnail of the whole frame (identical-frame and motion measure).
    pub thumb: Vec<u8>,
    /// The subject, if a face was found.
    pub face: Option<FaceObs>,
    /// The subject's embedding.
    pub embedding: Option<Embedding>,
    /// Why the frame could not be read, as a stable code.
    pub error: Option<&'static str>,
}

impl std::fmt::Debug for FrameObs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameObs")
            .field("index", &self.index)
            .field("t_ms", &self.t_ms)
            .field("face", &self.face)
            .field("embedding", &self.embedding)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl FrameObs {
    /// An observation of a frame that did not decode.
    #[must_use]
    pub fn unreadable(index: u32, t_ms: i64, bytes: &[u8], code: &'static str) -> FrameObs {
        FrameObs {
            index,
            t_ms,
            sha256: Sha256::digest(bytes).into(),
            dhash: 0,
            thumb: Vec::new(),
            face: None,
            embedding: None,
            error: Some(code),
        }
    }
}

/// Observes one JPEG frame. Never panics; an unreadable frame is an observation with `error`.
#[must_use]
pub fn observe(engine: &FaceEngine, index: u32, t_ms: i64, bytes: &[u8]) -> FrameObs {
    match imaging::decode(bytes, &engine.config().limits) {
        Ok(img) => {
            let mut obs = observe_image(engine, index, t_ms, &img);
            obs.sha256 = Sha256::digest(bytes).into();
            obs
        }
        Err(e) => FrameObs::unreadable(index, t_ms, bytes, e.code()),
    }
}

/// Observes one decoded frame (`sha256` is over its pixels; [`observe`] replaces it by the
/// file's).
#[must_use]
pub fn observe_image(engine: &FaceEngine, index: u32, t_ms: i64, img: &Image) -> FrameObs {
    let thumb = passive::thumbnail(img, 32);
    let mut obs = FrameObs {
        index,
        t_ms,
        sha256: Sha256::digest(img.pixels()).into(),
        dhash: passive::dhash(img),
        thumb,
        face: None,
        embedding: None,
        error: None,
    };
    let faces = match engine.detect(img) {
        Ok(f) => f,
        Err(e) => {
            obs.error = Some(e.code());
            return obs;
        }
    };
    let Some(subject) = faces
        .iter()
        .copied()
        .max_by(|a, b| a.area().total_cmp(&b.area()))
    else {
        return obs;
    };
    match face_obs(engine, img, &subject, faces.len()) {
        Ok(f) => obs.face = Some(f),
        Err(e) => {
            obs.error = Some(e.code());
            return obs;
        }
    }
    obs.embedding = engine
        .align(img, &subject)
        .and_then(|crop| engine.embed(&crop).ok());
    obs
}

fn face_obs(
    engine: &FaceEngine,
    img: &Image,
    subject: &Detection,
    faces: usize,
) -> Result<FaceObs, face::FaceError> {
    let models = engine.models();
    let mesh = face::mesh::landmarks(models.mesh.as_ref(), img, subject)?;
    let eyes = face::mesh::eyes_from(&mesh, models.iris.as_ref(), img, f32::INFINITY)?;
    let p = |i: usize| mesh.point(i).unwrap_or(Point { x: 0.0, y: 0.0 });
    let g = Geometry::from_points(&p);
    let skin = passive::mean_rgb(
        img,
        &[p(pt::RIGHT_CHEEK), p(pt::LEFT_CHEEK), p(pt::FOREHEAD_MID)],
        (0.06 * g.width_px).max(2.0),
    );
    let moire = passive::moire(img, p(pt::NOSE_TIP), 128);
    Ok(FaceObs {
        faces,
        score: subject.score,
        yaw: g.yaw,
        pitch: g.pitch,
        roll_deg: g.roll_deg,
        eye_open: eyes.right.into_iter().chain(eyes.left).reduce(f32::max),
        mar: g.mar,
        smile: g.smile,
        aspect: g.aspect,
        width_px: g.width_px,
        skin,
        moire,
    })
}

/// The geometric measures of one mesh.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    /// See [`FaceObs::yaw`].
    pub yaw: f32,
    /// See [`FaceObs::pitch`].
    pub pitch: f32,
    /// See [`FaceObs::roll_deg`].
    pub roll_deg: f32,
    /// See [`FaceObs::mar`].
    pub mar: f32,
    /// See [`FaceObs::smile`].
    pub smile: f32,
    /// See [`FaceObs::aspect`].
    pub aspect: f32,
    /// See [`FaceObs::width_px`].
    pub width_px: f32,
}

impl Geometry {
    /// The measures from mesh points (`p(i)` in image pixels). Degenerate meshes give
    /// non-finite or zero values, which no challenge accepts.
    pub fn from_points(p: &dyn Fn(usize) -> Point) -> Geometry {
        let (ro, lo) = (p(pt::RIGHT_EYE_OUTER), p(pt::LEFT_EYE_OUTER));
        let angle = (lo.y - ro.y).atan2(lo.x - ro.x);
        let eye_mid = mean(&[ro, lo, p(pt::RIGHT_EYE_INNER), p(pt::LEFT_EYE_INNER)]);
        let (sin, cos) = angle.sin_cos();
        // Into the frame levelled by the roll, origin at the eye centre.
        let level = |q: Point| {
            let (dx, dy) = (q.x - eye_mid.x, q.y - eye_mid.y);
            Point {
                x: cos * dx + sin * dy,
                y: -sin * dx + cos * dy,
            }
        };
        let (rc, lc) = (
            level(p(pt::RIGHT_CHEEK_EDGE)),
            level(p(pt::LEFT_CHEEK_EDGE)),
        );
        let nose = level(p(pt::NOSE_TIP));
        let chin = level(p(pt::CHIN));
        let top = level(p(pt::FOREHEAD));
        let width = (lc.x - rc.x).abs();
        let centre = (lc.x + rc.x) / 2.0;
        let yaw = if width > 1e-3 {
            (nose.x - centre) / (width / 2.0)
        } else {
            f32::NAN
        };
        let pitch = if chin.y > 1e-3 {
            nose.y / chin.y
        } else {
            f32::NAN
        };
        let height = (chin.y - top.y).abs();
        let mouth_w = p(pt::MOUTH_INNER_RIGHT).dist(p(pt::MOUTH_INNER_LEFT));
        let gap = p(pt::UPPER_LIP_INNER).dist(p(pt::LOWER_LIP_INNER));
        let eye_w = ro.dist(lo);
        Geometry {
            yaw,
            pitch,
            roll_deg: angle.to_degrees(),
            mar: if mouth_w > 1e-3 {
                gap / mouth_w
            } else {
                f32::NAN
            },
            smile: if eye_w > 1e-3 {
                p(pt::MOUTH_RIGHT).dist(p(pt::MOUTH_LEFT)) / eye_w
            } else {
                f32::NAN
            },
            aspect: if height > 1e-3 {
                width / height
            } else {
                f32::NAN
            },
            width_px: width,
        }
    }
}

fn mean(points: &[Point]) -> Point {
    #[allow(clippy::cast_precision_loss)]
    let n = points.len().max(1) as f32;
    Point {
        x: points.iter().map(|q| q.x).sum::<f32>() / n,
        y: points.iter().map(|q| q.y).sum::<f32>() / n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frontal face: eyes level, nose centred, mouth closed.
    fn frontal(i: usize) -> Point {
        let (x, y) = match i {
            pt::RIGHT_EYE_OUTER => (60.0, 100.0),
            pt::RIGHT_EYE_INNER => (85.0, 100.0),
            pt::LEFT_EYE_INNER => (115.0, 100.0),
            pt::LEFT_EYE_OUTER => (140.0, 100.0),
            pt::RIGHT_CHEEK_EDGE => (40.0, 120.0),
            pt::LEFT_CHEEK_EDGE => (160.0, 120.0),
            pt::NOSE_TIP => (100.0, 140.0),
            pt::CHIN => (100.0, 200.0),
            pt::FOREHEAD => (100.0, 40.0),
            pt::UPPER_LIP_INNER => (100.0, 165.0),
            pt::LOWER_LIP_INNER => (100.0, 167.0),
            pt::MOUTH_INNER_RIGHT => (85.0, 166.0),
            pt::MOUTH_INNER_LEFT => (115.0, 166.0),
            pt::MOUTH_RIGHT => (80.0, 166.0),
            pt::MOUTH_LEFT => (120.0, 166.0),
            _ => (0.0, 0.0),
        };
        Point { x, y }
    }

    #[test]
    fn geometry_of_a_frontal_face() {
        let g = Geometry::from_points(&frontal);
        assert!(g.yaw.abs() < 1e-4, "{g:?}");
        assert!((g.pitch - 0.4).abs() < 1e-4);
        assert!(g.roll_deg.abs() < 1e-4);
        assert!((g.mar - 2.0 / 30.0).abs() < 1e-4);
        assert!((g.smile - 0.5).abs() < 1e-4);
        assert!((g.aspect - 0.75).abs() < 1e-4);
    }

    #[test]
    fn the_nose_moving_right_is_a_positive_yaw_and_rolling_does_not_change_it() {
        let turned = |i: usize| {
            let mut q = frontal(i);
            if i == pt::NOSE_TIP {
                q.x += 30.0;
            }
            q
        };
        let g = Geometry::from_points(&turned);
        assert!((g.yaw - 0.5).abs() < 1e-4);
        // The same face rolled by 20°: same yaw, roll measured.
        let a = 20f32.to_radians();
        let rolled = |i: usize| {
            let q = turned(i);
            let (dx, dy) = (q.x - 100.0, q.y - 100.0);
            Point {
                x: 100.0 + a.cos() * dx - a.sin() * dy,
                y: 100.0 + a.sin() * dx + a.cos() * dy,
            }
        };
        let r = Geometry::from_points(&rolled);
        assert!((r.yaw - 0.5).abs() < 1e-3, "{r:?}");
        assert!((r.roll_deg - 20.0).abs() < 1e-3);
    }

    #[test]
    fn a_degenerate_mesh_gives_no_finite_pose() {
        let g = Geometry::from_points(&|_| Point { x: 5.0, y: 5.0 });
        assert!(!g.yaw.is_finite());
        assert!(!g.pitch.is_finite());
    }
}
