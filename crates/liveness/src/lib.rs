//! Liveness for idverify: is the face in front of the camera a live person, the same one
//! throughout, the one on the document, and is the stream really coming from a camera pointed
//! at them now? Frames, timestamps and the challenge plan in, [`checks::Check`]s out.
//!
//! - [`plan`]: when a step starts, the server draws ([`plan::Plan::draw`], randomness handed in)
//!   3–4 challenges (turn left, turn right, look up, nod, smile, blink, open mouth) in a random
//!   order, a 128-bit nonce and a deadline; the capture page's colour sequence is derived from
//!   the nonce ([`plan::colour_sequence`]).
//! - [`frame`]: each JPEG frame → an observation (head pose, eye and mouth openness, smile from
//!   the face mesh and iris models; the embedding; skin colour; passive measures).
//! - [`judge`]: the observations → checks: the challenge state machine (each challenge seen
//!   after the previous one, within time), same person across frames (embedding consistency),
//!   the live face against the document portrait or selfie, identical frames (SHA-256, dHash,
//!   thumbnails), impossible timing, screen moiré and flat depth, and the colour sequence.
//!
//! # What the colour sequence does and does not stop
//! While recording, the capture page fills the screen with the nonce's colours (5 steps of
//! 0.5–0.9 s). A face in front of the screen reflects them: the skin's chromaticity shifts
//! with each colour, a fraction of a second later. The server correlates the shifts it sees
//! with the sequence it issued. It **stops** a stream prepared before the nonce existed: a
//! replayed recording, a static picture or a deep-fake video fed through a virtual camera or an
//! injected `getUserMedia`, unless the attacker can re-light it in real time. It **does not
//! stop** an attacker who renders the reflections live from the nonce (the colours are sent to
//! the page, so any code running there can read them), a printed photo or a mask held in front
//! of the screen (they reflect the colours too: the challenges and the passive signals are
//! what answer those), nor does it work in bright daylight or with the screen dimmed, where the
//! reflection drowns (the check then fails as `colour_not_measured`, and the person retries in
//! a dimmer place). It is one signal among the others, never a proof of liveness alone.
//!
//! Deliberately not here: I/O, clocks, randomness (the caller draws the 32 plan bytes),
//! loading models (a [`face::FaceEngine`] is handed in), any trained anti-spoofing model (none
//! we can ship separates attacks reliably; see `field-notes.md`).
//!
//! Main types: [`LivenessEngine`], [`plan::Plan`], [`frame::FrameObs`], [`judge::JudgeConfig`],
//! [`reason`].
#![forbid(unsafe_code)]

pub mod frame;
pub mod judge;
pub mod passive;
pub mod plan;

use checks::Check;
use face::{Embedding, FaceEngine, Role};

pub use judge::{JudgeConfig, Session};
pub use plan::{Challenge, Colour, ColourStep, Plan, PlanConfig};

/// The liveness engine's reason codes (documented in `docs/reason-codes.md`).
pub mod reason {
    use checks::ReasonCode;
    /// Every liveness check passed.
    pub const LIVE: ReasonCode = ReasonCode::new("live");
    /// Every challenge was performed, in order, in time.
    pub const CHALLENGES_PERFORMED: ReasonCode = ReasonCode::new("challenges_performed");
    /// A challenge of the plan was not seen.
    pub const CHALLENGE_NOT_PERFORMED: ReasonCode = ReasonCode::new("challenge_not_performed");
    /// A challenge was seen, but before the one it had to follow.
    pub const CHALLENGE_OUT_OF_ORDER: ReasonCode = ReasonCode::new("challenge_out_of_order");
    /// A challenge came too long after the previous one.
    pub const CHALLENGE_TIMEOUT: ReasonCode = ReasonCode::new("challenge_timeout");
    /// Every frame shows the same person.
    pub const SAME_PERSON: ReasonCode = ReasonCode::new("same_person");
    /// A frame shows a different person from the one at the start.
    pub const FACE_CHANGED: ReasonCode = ReasonCode::new("face_changed");
    /// Too many frames without a face.
    pub const FACE_LOST: ReasonCode = ReasonCode::new("face_lost");
    /// No frame shows a face.
    pub const NO_FACE: ReasonCode = ReasonCode::new("no_face");
    /// No liveness frames were uploaded.
    pub const NO_FRAMES: ReasonCode = ReasonCode::new("no_frames");
    /// The liveness step was never started (no plan), so the frames prove nothing.
    pub const NO_PLAN: ReasonCode = ReasonCode::new("liveness_not_started");
    /// The frames differ as a live capture's do.
    pub const FRAMES_VARY: ReasonCode = ReasonCode::new("frames_vary");
    /// Most frames are byte- or perceptually identical: a still picture.
    pub const STATIC_IMAGE: ReasonCode = ReasonCode::new("static_image");
    /// The frame timestamps are plausible.
    pub const TIMING_OK: ReasonCode = ReasonCode::new("timing_ok");
    /// The timestamps cannot come from a live capture (see the evidence's `problems`).
    pub const TIMING_IMPOSSIBLE: ReasonCode = ReasonCode::new("timing_impossible");
    /// No passive attack signal.
    pub const NO_ATTACK_SIGNAL: ReasonCode = ReasonCode::new("no_attack_signal");
    /// Screen moiré or a pixel grid in most frames: a replay on a screen.
    pub const SCREEN_REPLAY_SUSPECTED: ReasonCode = ReasonCode::new("screen_replay_suspected");
    /// The face foreshortens without the nose moving against the cheeks: a flat picture tilted.
    pub const FLAT_DEPTH_SUSPECTED: ReasonCode = ReasonCode::new("flat_depth_suspected");
    /// The skin's colour followed the nonce's colour sequence.
    pub const COLOUR_SEQUENCE_MATCHED: ReasonCode = ReasonCode::new("colour_sequence_matched");
    /// The skin's colour did not follow the sequence: the stream was not lit by this session's
    /// screen (an injected or replayed stream).
    pub const INJECTION_SUSPECTED: ReasonCode = ReasonCode::new("injection_suspected");
    /// Too few frames with a face during the colour sequence to tell.
    pub const COLOUR_NOT_MEASURED: ReasonCode = ReasonCode::new("colour_not_measured");
}

/// One uploaded frame.
#[derive(Clone, Copy)]
pub struct FrameInput<'a> {
    /// Upload index.
    pub index: u32,
    /// Client timestamp, ms since the recording (and the colour sequence) started.
    pub t_ms: i64,
    /// When the server received it, Unix ms, if known.
    pub received_ms: Option<i64>,
    /// The JPEG bytes.
    pub bytes: &'a [u8],
}

impl std::fmt::Debug for FrameInput<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameInput")
            .field("index", &self.index)
            .field("t_ms", &self.t_ms)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// The engine: a face engine plus thresholds. Shareable across threads.
#[derive(Debug, Clone)]
pub struct LivenessEngine {
    face: FaceEngine,
    /// The judgement's thresholds.
    pub judge: JudgeConfig,
    /// Plan parameters (the colour sequence's length).
    pub plan: PlanConfig,
    /// Threads [`LivenessEngine::observe`] may use (default 2: the target machine's cores).
    pub threads: usize,
}

impl LivenessEngine {
    /// An engine over a face engine.
    #[must_use]
    pub fn new(face: FaceEngine) -> Self {
        LivenessEngine {
            face,
            judge: JudgeConfig::default(),
            plan: PlanConfig::default(),
            threads: 2,
        }
    }

    /// The face engine.
    #[must_use]
    pub fn face(&self) -> &FaceEngine {
        &self.face
    }

    /// Observes every frame, on up to [`LivenessEngine::threads`] threads (frames are
    /// independent; the models are shared).
    #[must_use]
    pub fn observe(&self, frames: &[FrameInput<'_>]) -> Vec<frame::FrameObs> {
        let one = |f: &FrameInput<'_>| frame::observe(&self.face, f.index, f.t_ms, f.bytes);
        let threads = self.threads.clamp(1, 16);
        if threads == 1 || frames.len() < 2 {
            return frames.iter().map(one).collect();
        }
        let chunk = frames.len().div_ceil(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = frames
                .chunks(chunk)
                .map(|part| s.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
                .collect();
            let mut out = Vec::with_capacity(frames.len());
            for (h, part) in handles.into_iter().zip(frames.chunks(chunk)) {
                // A panicking analysis (never expected) costs its frames, not the session.
                match h.join() {
                    Ok(v) => out.extend(v),
                    Err(_) => out.extend(part.iter().map(|f| {
                        frame::FrameObs::unreadable(f.index, f.t_ms, f.bytes, "internal_error")
                    })),
                }
            }
            out
        })
    }

    /// The embedding of a reference photo (document portrait or selfie), if it has a face.
    #[must_use]
    pub fn reference(&self, bytes: &[u8], role: Role) -> Option<Embedding> {
        self.face.analyse(bytes, role).ok()?.embedding
    }

    /// Every liveness check of a session.
    #[must_use]
    pub fn assess(
        &self,
        plan: &Plan,
        frames: &[FrameInput<'_>],
        reference: Option<(&str, &Embedding)>,
    ) -> Vec<Check> {
        let obs = self.observe(frames);
        let received: Vec<i64> = frames.iter().filter_map(|f| f.received_ms).collect();
        self.judge_observations(plan, &obs, &received, reference)
    }

    /// The judgement of already observed frames.
    #[must_use]
    pub fn judge_observations(
        &self,
        plan: &Plan,
        obs: &[frame::FrameObs],
        received_ms: &[i64],
        reference: Option<(&str, &Embedding)>,
    ) -> Vec<Check> {
        let colours = plan.colours(&self.plan);
        judge::judge(
            &Session {
                plan,
                colours: &colours,
                frames: obs,
                received_ms,
                reference,
            },
            &self.judge,
        )
    }
}
