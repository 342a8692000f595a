//! No input makes the engine panic: arbitrary frame bytes (and truncated or bit-flipped real
//! photos) through the frame analysis, arbitrary observations and timestamps through the
//! judgement.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
mod common;

use liveness::frame::{FaceObs, FrameObs};
use liveness::plan::{Challenge, Nonce, Plan, PlanConfig};
use liveness::{JudgeConfig, Session};
use proptest::prelude::*;

fn any_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        -2.0f32..2.0,
        Just(f32::NAN),
        Just(f32::INFINITY),
        Just(f32::NEG_INFINITY),
        Just(0.0),
    ]
}

prop_compose! {
    fn face_obs()(v in proptest::collection::vec(any_f32(), 12), faces in 0usize..4) -> FaceObs {
        FaceObs {
            faces,
            score: v[0],
            yaw: v[1],
            pitch: v[2],
            roll_deg: v[3],
            eye_open: if v[4].is_nan() { None } else { Some(v[4]) },
            mar: v[5],
            smile: v[6],
            aspect: v[7],
            width_px: v[8],
            skin: [v[9] * 100.0, v[10] * 100.0, v[11] * 100.0],
            moire: v[0] * 3.0,
        }
    }
}

prop_compose! {
    fn frame_obs()(
        index in any::<u32>(),
        t_ms in any::<i64>(),
        face in proptest::option::of(face_obs()),
        dhash in any::<u64>(),
        thumb in proptest::collection::vec(any::<u8>(), 0..4),
        same in any::<bool>(),
    ) -> FrameObs {
        FrameObs {
            index,
            t_ms,
            sha256: if same { [0; 32] } else { [index.to_le_bytes()[0]; 32] },
            dhash,
            thumb,
            face,
            embedding: None,
            error: None,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn judging_arbitrary_observations_never_panics(
        frames in proptest::collection::vec(frame_obs(), 0..40),
        received in proptest::collection::vec(any::<i64>(), 0..5),
        picks in proptest::collection::vec(0usize..7, 0..5),
        issued in any::<i64>(),
    ) {
        let plan = Plan {
            challenges: picks.iter().map(|&i| Challenge::ALL[i]).collect(),
            nonce: Nonce([3; 16]),
            issued_at_ms: issued,
            deadline_ms: issued.saturating_add(120_000),
        };
        let colours = plan.colours(&PlanConfig::default());
        let out = liveness::judge::judge(
            &Session { plan: &plan, colours: &colours, frames: &frames, received_ms: &received, reference: None },
            &JudgeConfig::default(),
        );
        let verdict = out.iter().find(|c| c.check == "liveness.verdict").unwrap();
        // Without a reference photo, never a pass.
        prop_assert_ne!(verdict.status, checks::Status::Pass);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn arbitrary_frame_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let o = liveness::frame::observe(common::engine(), 0, 0, &bytes);
        prop_assert!(o.face.is_none());
    }

    #[test]
    fn mangled_photos_never_panic(cut in 0usize..60_000, flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8)) {
        let mut b = common::jpeg("img10.jpg");
        b.truncate(cut.max(4));
        for (at, v) in flips {
            let n = b.len();
            b[at % n] ^= v;
        }
        let _ = liveness::frame::observe(common::engine(), 0, 0, &b);
    }
}
