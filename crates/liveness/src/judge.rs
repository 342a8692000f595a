//! The judgement of one liveness session: observations and the plan in, checks out. Pure and
//! model-free, so every rule is tested on hand-made observations as well as on real photos.

use checks::{Check, Evidence, ReasonCode, Status};
use face::Embedding;

use crate::frame::{FaceObs, FrameObs};
use crate::passive::thumb_distance;
use crate::plan::{Challenge, ColourStep, Plan, colour_at};
use crate::reason;

/// Thresholds of every rule. Defaults are set on the development sequences (see
/// `docs/benchmarks.md`, "Liveness").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JudgeConfig {
    /// Frames with a face at the start that set the neutral baseline.
    pub baseline_frames: usize,
    /// Yaw change (from the baseline) of a turn.
    pub turn_yaw: f32,
    /// Pitch-proxy change of a look up (down) or of a nod's dip.
    pub pitch_delta: f32,
    /// Mouth width over its baseline for a smile.
    pub smile_ratio: f32,
    /// Smallest mouth aspect ratio of an open mouth, and its rise over the baseline.
    pub open_mar: f32,
    /// Eye openness below this share of the baseline is "closed" (a blink's first half).
    pub blink_closed_ratio: f32,
    /// Longest time from one challenge to the next, ms.
    pub max_challenge_ms: i64,
    /// Shortest time between two challenges a person can manage, ms.
    pub min_challenge_ms: i64,
    /// Lowest cosine of any frame's embedding to the session's anchor embedding.
    pub same_person_cosine: f64,
    /// Lowest calibrated face-match score of the anchor against the reference photo.
    pub reference_match_score: f64,
    /// Most frames without a face, as a share.
    pub max_faceless_share: f32,
    /// Thumbnail distance (grey levels) at or below which two frames are "identical".
    pub identical_distance: f32,
    /// Most consecutive-identical pairs, as a share, before the sequence is a static image.
    pub max_identical_share: f32,
    /// Shortest interval between client timestamps, ms.
    pub min_frame_interval_ms: i64,
    /// The moiré measure at or above which a frame looks like a screen.
    pub moire_threshold: f32,
    /// Most frames above the moiré threshold, as a share.
    pub max_moire_share: f32,
    /// Relative face-aspect change that, without yaw, shows a flat picture being tilted.
    pub flat_aspect_change: f32,
    /// The yaw range below which the head did not turn.
    pub flat_yaw_range: f32,
    /// Lowest correlation between the expected and observed skin colour shifts.
    pub colour_min_correlation: f64,
    /// Fewest frames with a face inside the colour sequence.
    pub colour_min_frames: usize,
    /// Camera latencies tried when matching colours, ms (the best one counts).
    pub colour_max_lag_ms: i64,
}

impl Default for JudgeConfig {
    fn default() -> Self {
        JudgeConfig {
            baseline_frames: 3,
            turn_yaw: 0.15,
            pitch_delta: 0.07,
            smile_ratio: 1.12,
            open_mar: 0.3,
            blink_closed_ratio: 0.6,
            max_challenge_ms: 15_000,
            min_challenge_ms: 150,
            same_person_cosine: 0.35,
            reference_match_score: face::calibrate::MATCH_THRESHOLD,
            max_faceless_share: 0.3,
            identical_distance: 0.1,
            max_identical_share: 0.5,
            min_frame_interval_ms: 15,
            moire_threshold: 1.5,
            max_moire_share: 0.3,
            flat_aspect_change: 0.15,
            flat_yaw_range: 0.08,
            colour_min_correlation: 0.5,
            colour_min_frames: 6,
            colour_max_lag_ms: 300,
        }
    }
}

/// One session to judge.
#[derive(Debug, Clone, Copy)]
pub struct Session<'a> {
    /// The plan the server issued.
    pub plan: &'a Plan,
    /// Its colour sequence.
    pub colours: &'a [ColourStep],
    /// The frames, in upload order.
    pub frames: &'a [FrameObs],
    /// When the server received each frame, Unix ms (same order; may be empty when unknown).
    pub received_ms: &'a [i64],
    /// The photo the live face must match (the document portrait, or the selfie), if any, and
    /// its name for the evidence.
    pub reference: Option<(&'a str, &'a Embedding)>,
}

/// Per-challenge evidence.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChallengeResult {
    /// The challenge.
    pub challenge: Challenge,
    /// Seen, in its turn.
    pub performed: bool,
    /// Seen, but before the challenge it should follow.
    pub out_of_order: bool,
    /// The frame that completed it.
    pub frame: Option<u32>,
    /// Its client timestamp, ms.
    pub t_ms: Option<i64>,
    /// The extreme value reached (after its turn started), for the record.
    pub peak: Option<f32>,
    /// The baseline value.
    pub baseline: Option<f32>,
}

fn round(v: f64) -> f64 {
    if v.is_finite() {
        (v * 1000.0).round() / 1000.0
    } else {
        0.0
    }
}

#[derive(Debug, Clone, Copy)]
struct Baseline {
    yaw: f32,
    pitch: f32,
    smile: f32,
    mar: f32,
    eye: Option<f32>,
}

fn median(mut v: Vec<f32>) -> Option<f32> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f32::total_cmp);
    v.get(v.len() / 2).copied()
}

fn baseline(faces: &[(usize, &FaceObs)], n: usize) -> Option<Baseline> {
    let first: Vec<&FaceObs> = faces.iter().take(n.max(1)).map(|(_, f)| *f).collect();
    if first.is_empty() {
        return None;
    }
    let m = |g: fn(&FaceObs) -> f32| median(first.iter().map(|f| g(f)).collect());
    Some(Baseline {
        yaw: m(|f| f.yaw)?,
        pitch: m(|f| f.pitch)?,
        smile: m(|f| f.smile)?,
        mar: m(|f| f.mar)?,
        eye: median(first.iter().filter_map(|f| f.eye_open).collect()),
    })
}

/// The value a challenge watches, for the evidence.
fn watched(c: Challenge, f: &FaceObs) -> Option<f32> {
    match c {
        Challenge::TurnLeft | Challenge::TurnRight => Some(f.yaw),
        Challenge::LookUp | Challenge::Nod => Some(f.pitch),
        Challenge::Smile => Some(f.smile),
        Challenge::OpenMouth => Some(f.mar),
        Challenge::Blink => f.eye_open,
    }
}

fn watched_baseline(c: Challenge, b: &Baseline) -> Option<f32> {
    match c {
        Challenge::TurnLeft | Challenge::TurnRight => Some(b.yaw),
        Challenge::LookUp | Challenge::Nod => Some(b.pitch),
        Challenge::Smile => Some(b.smile),
        Challenge::OpenMouth => Some(b.mar),
        Challenge::Blink => b.eye,
    }
}

/// Scans `faces` (position in the frame list, observation) from `start` for challenge `c`;
/// returns the position of the frame that completes it.
fn find(
    c: Challenge,
    faces: &[(usize, &FaceObs)],
    start: usize,
    end: usize,
    b: &Baseline,
    k: &JudgeConfig,
) -> Option<usize> {
    let mut first_phase = false;
    for &(pos, f) in faces.iter().filter(|(p, _)| *p >= start && *p < end) {
        let hit = match c {
            Challenge::TurnLeft => f.yaw - b.yaw >= k.turn_yaw,
            Challenge::TurnRight => f.yaw - b.yaw <= -k.turn_yaw,
            Challenge::LookUp => f.pitch - b.pitch <= -k.pitch_delta,
            Challenge::Smile => b.smile > 0.0 && f.smile / b.smile >= k.smile_ratio,
            Challenge::OpenMouth => f.mar >= k.open_mar.max(b.mar + k.open_mar * 0.5),
            Challenge::Nod => {
                if first_phase {
                    f.pitch - b.pitch <= k.pitch_delta * 0.5
                } else {
                    first_phase = f.pitch - b.pitch >= k.pitch_delta;
                    false
                }
            }
            Challenge::Blink => match (f.eye_open, b.eye) {
                (Some(e), Some(be)) if be > 0.0 => {
                    if first_phase {
                        e >= be * 0.8
                    } else {
                        first_phase = e <= be * k.blink_closed_ratio;
                        false
                    }
                }
                _ => false,
            },
        };
        if hit {
            return Some(pos);
        }
    }
    None
}

/// The challenge state machine: each challenge must be completed after the one before it, by
/// the same face track, within `max_challenge_ms` of the previous one.
#[must_use]
pub fn challenges(s: &Session<'_>, k: &JudgeConfig) -> (Vec<ChallengeResult>, ReasonCode) {
    let faces: Vec<(usize, &FaceObs)> = s
        .frames
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.face.as_ref().map(|o| (i, o)))
        .collect();
    let Some(b) = baseline(&faces, k.baseline_frames) else {
        let results = s
            .plan
            .challenges
            .iter()
            .map(|&c| ChallengeResult {
                challenge: c,
                performed: false,
                out_of_order: false,
                frame: None,
                t_ms: None,
                peak: None,
                baseline: None,
            })
            .collect();
        return (results, reason::CHALLENGE_NOT_PERFORMED);
    };
    // Challenges are looked for after the baseline frames.
    let after_baseline = faces
        .get(k.baseline_frames.saturating_sub(1))
        .map_or(0, |(p, _)| p + 1);
    let end = s.frames.len();
    let mut cursor = after_baseline;
    let mut last_t: Option<i64> = None;
    let mut worst: Option<ReasonCode> = None;
    let mut results = Vec::new();
    for &c in &s.plan.challenges {
        let found = find(c, &faces, cursor, end, &b, k);
        let peak_of = |from: usize, to: usize| {
            let vals = faces
                .iter()
                .filter(|(p, _)| *p >= from && *p < to)
                .filter_map(|(_, f)| watched(c, f));
            let base = watched_baseline(c, &b).unwrap_or(0.0);
            vals.max_by(|x, y| (x - base).abs().total_cmp(&(y - base).abs()))
        };
        let mut r = ChallengeResult {
            challenge: c,
            performed: false,
            out_of_order: false,
            frame: None,
            t_ms: None,
            peak: peak_of(cursor, found.map_or(end, |p| p + 1)),
            baseline: watched_baseline(c, &b),
        };
        match found {
            Some(pos) => {
                let f = s.frames.get(pos);
                let t = f.map(|f| f.t_ms);
                let late = matches!((last_t, t), (Some(a), Some(b)) if b.saturating_sub(a) > k.max_challenge_ms);
                r.performed = !late;
                r.frame = f.map(|f| f.index);
                r.t_ms = t;
                if late {
                    worst.get_or_insert(reason::CHALLENGE_TIMEOUT);
                }
                last_t = t;
                cursor = pos + 1;
            }
            None => {
                // Done before its turn (out of order), or never.
                let earlier = find(c, &faces, after_baseline, cursor, &b, k);
                r.out_of_order = earlier.is_some();
                worst.get_or_insert(if r.out_of_order {
                    reason::CHALLENGE_OUT_OF_ORDER
                } else {
                    reason::CHALLENGE_NOT_PERFORMED
                });
            }
        }
        results.push(r);
    }
    (results, worst.unwrap_or(reason::LIVE))
}

fn check(name: &'static str, status: Status, reason: ReasonCode) -> Check {
    Check::new(name, status, reason)
}

/// Every liveness check of one session: `liveness.challenge`, `liveness.same_person`,
/// `liveness.reference_match`, `liveness.frames`, `liveness.timing`, `liveness.passive`,
/// `liveness.colour`, and the summary `liveness.verdict` (a pass only when all of them pass).
#[must_use]
pub fn judge(s: &Session<'_>, k: &JudgeConfig) -> Vec<Check> {
    let mut out = Vec::new();
    if s.frames.is_empty() {
        out.push(
            check("liveness.verdict", Status::Fail, reason::NO_FRAMES)
                .with_evidence(Evidence::new().with("frames", 0)),
        );
        return out;
    }
    // Challenges.
    let (results, why) = challenges(s, k);
    let done = results.iter().filter(|r| r.performed).count();
    #[allow(clippy::cast_precision_loss)]
    let frac = done as f64 / results.len().max(1) as f64;
    out.push(
        check(
            "liveness.challenge",
            if why == reason::LIVE {
                Status::Pass
            } else {
                Status::Fail
            },
            if why == reason::LIVE {
                reason::CHALLENGES_PERFORMED
            } else {
                why
            },
        )
        .with_score(frac)
        .with_threshold(1.0)
        .with_evidence(
            Evidence::new()
                .with(
                    "challenges",
                    serde_json::to_value(&results).unwrap_or_default(),
                )
                .with("frames", s.frames.len()),
        ),
    );
    out.push(same_person(s, k));
    out.push(reference_match(s, k));
    out.push(identical_frames(s, k));
    out.push(timing(s, k, &results));
    out.push(passive(s, k));
    out.push(colour(s, k));
    // The summary: a pass only if every sub-check passed; its score is the lowest sub-score.
    let failed = out.iter().find(|c| c.status != Status::Pass);
    let score = out.iter().filter_map(|c| c.score).fold(1.0f64, f64::min);
    let summary = match failed {
        None => check("liveness.verdict", Status::Pass, reason::LIVE),
        Some(c) => check(
            "liveness.verdict",
            if c.status == Status::Error {
                Status::Error
            } else {
                Status::Fail
            },
            c.reason.clone(),
        ),
    };
    let failing: Vec<String> = out
        .iter()
        .filter(|c| c.status != Status::Pass)
        .map(|c| format!("{}:{}", c.check, c.reason))
        .collect();
    out.insert(
        0,
        summary
            .with_score(round(score))
            .with_evidence(Evidence::new().with("failing", failing)),
    );
    out
}

fn anchor<'a>(s: &Session<'a>) -> Option<(usize, &'a Embedding)> {
    // The first frame with a face and an embedding: the person at the start, looking straight.
    s.frames
        .iter()
        .enumerate()
        .find_map(|(i, f)| f.embedding.as_ref().map(|e| (i, e)))
}

fn same_person(s: &Session<'_>, k: &JudgeConfig) -> Check {
    let n = s.frames.len();
    let faceless = s.frames.iter().filter(|f| f.face.is_none()).count();
    let several = s
        .frames
        .iter()
        .filter(|f| f.face.is_some_and(|o| o.faces > 1))
        .count();
    #[allow(clippy::cast_precision_loss)]
    let faceless_share = faceless as f32 / n.max(1) as f32;
    let Some((_, a)) = anchor(s) else {
        return check("liveness.same_person", Status::Fail, reason::NO_FACE)
            .with_score(0.0)
            .with_evidence(Evidence::new().with("frames_without_face", faceless));
    };
    let mut lowest = 1.0f64;
    let mut lowest_frame = None;
    for f in s.frames {
        if let Some(e) = &f.embedding {
            let c = a.cosine(e);
            if c < lowest {
                lowest = c;
                lowest_frame = Some(f.index);
            }
        }
    }
    let evidence = Evidence::new()
        .with("lowest_cosine", round(lowest))
        .with("lowest_frame", lowest_frame)
        .with("frames_without_face", faceless)
        .with("frames_with_several_faces", several);
    let (status, why) = if lowest < k.same_person_cosine {
        (Status::Fail, reason::FACE_CHANGED)
    } else if several > 0 {
        (Status::Fail, face::reason::SEVERAL_FACES)
    } else if faceless_share > k.max_faceless_share {
        (Status::Fail, reason::FACE_LOST)
    } else {
        (Status::Pass, reason::SAME_PERSON)
    };
    // Score: the cosine margin mapped so that the threshold is 0.5.
    let score = (0.5 + (lowest - k.same_person_cosine)).clamp(0.0, 1.0);
    check("liveness.same_person", status, why)
        .with_score(round(score))
        .with_threshold(k.same_person_cosine)
        .with_evidence(evidence)
}

fn reference_match(s: &Session<'_>, k: &JudgeConfig) -> Check {
    let Some((name, reference)) = s.reference else {
        return Check::not_performed("liveness.reference_match", checks::reason::INPUT_MISSING);
    };
    let Some((_, a)) = anchor(s) else {
        return check("liveness.reference_match", Status::Fail, reason::NO_FACE);
    };
    // The best of the frames: the most frontal one is usually the best match.
    let best = s
        .frames
        .iter()
        .filter_map(|f| f.embedding.as_ref())
        .map(|e| e.cosine(reference))
        .fold(a.cosine(reference), f64::max);
    let score = face::calibrate::score(best);
    let pass = score >= k.reference_match_score;
    check(
        "liveness.reference_match",
        if pass { Status::Pass } else { Status::Fail },
        if pass {
            face::reason::FACE_MATCH
        } else {
            face::reason::FACE_MISMATCH
        },
    )
    .with_score(round(score))
    .with_threshold(k.reference_match_score)
    .with_evidence(
        Evidence::new()
            .with("reference", name)
            .with("cosine", round(best)),
    )
}

fn identical_frames(s: &Session<'_>, k: &JudgeConfig) -> Check {
    let pairs = s.frames.len().saturating_sub(1);
    let mut byte_identical = 0usize;
    let mut identical = 0usize;
    let mut dhash_equal = 0usize;
    let mut motion = 0.0f32;
    for w in s.frames.windows(2) {
        let [a, b] = w else { continue };
        if a.sha256 == b.sha256 {
            byte_identical += 1;
        }
        if a.dhash == b.dhash {
            dhash_equal += 1;
        }
        let d = thumb_distance(&a.thumb, &b.thumb);
        if a.sha256 == b.sha256 || d <= k.identical_distance {
            identical += 1;
        }
        if d.is_finite() {
            motion = motion.max(d);
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let share = if pairs == 0 {
        1.0
    } else {
        identical as f32 / pairs as f32
    };
    let fail = pairs == 0 || share > k.max_identical_share;
    check(
        "liveness.frames",
        if fail { Status::Fail } else { Status::Pass },
        if fail {
            reason::STATIC_IMAGE
        } else {
            reason::FRAMES_VARY
        },
    )
    .with_score(round(f64::from(1.0 - share)))
    .with_threshold(f64::from(1.0 - k.max_identical_share))
    .with_evidence(
        Evidence::new()
            .with("pairs", pairs)
            .with("byte_identical_pairs", byte_identical)
            .with("identical_pairs", identical)
            .with("dhash_equal_pairs", dhash_equal)
            .with("largest_change", round(f64::from(motion))),
    )
}

fn timing(s: &Session<'_>, k: &JudgeConfig, results: &[ChallengeResult]) -> Check {
    let mut problems: Vec<&'static str> = Vec::new();
    for w in s.frames.windows(2) {
        let [a, b] = w else { continue };
        if b.t_ms <= a.t_ms {
            problems.push("timestamps_not_increasing");
            break;
        }
        if b.t_ms.saturating_sub(a.t_ms) < k.min_frame_interval_ms {
            problems.push("frames_too_close");
            break;
        }
    }
    let first = s.frames.first().map_or(0, |f| f.t_ms);
    let last = s.frames.last().map_or(0, |f| f.t_ms);
    if first < 0 {
        problems.push("timestamp_before_start");
    }
    let span = last.saturating_sub(first);
    if let Some(&last_rx) = s.received_ms.iter().max() {
        // The recording cannot have lasted longer than the step has existed.
        if span
            > last_rx
                .saturating_sub(s.plan.issued_at_ms)
                .saturating_add(2_000)
        {
            problems.push("longer_than_the_step");
        }
        if last_rx > s.plan.deadline_ms {
            problems.push("after_deadline");
        }
        if s.received_ms.iter().any(|&r| r < s.plan.issued_at_ms) {
            problems.push("before_the_step");
        }
    }
    let times: Vec<i64> = results.iter().filter_map(|r| r.t_ms).collect();
    if times
        .windows(2)
        .any(|w| matches!(w, [a, b] if b.saturating_sub(*a) < k.min_challenge_ms))
    {
        problems.push("challenges_too_fast");
    }
    let fail = !problems.is_empty();
    check(
        "liveness.timing",
        if fail { Status::Fail } else { Status::Pass },
        if fail {
            reason::TIMING_IMPOSSIBLE
        } else {
            reason::TIMING_OK
        },
    )
    .with_score(if fail { 0.0 } else { 1.0 })
    .with_evidence(
        Evidence::new()
            .with("span_ms", span)
            .with("problems", problems),
    )
}

fn passive(s: &Session<'_>, k: &JudgeConfig) -> Check {
    let faces: Vec<&FaceObs> = s.frames.iter().filter_map(|f| f.face.as_ref()).collect();
    let above = faces
        .iter()
        .filter(|f| f.moire >= k.moire_threshold)
        .count();
    #[allow(clippy::cast_precision_loss)]
    let moire_share = above as f32 / faces.len().max(1) as f32;
    let moire_max = faces.iter().map(|f| f.moire).fold(0.0f32, f32::max);
    let range = |g: fn(&FaceObs) -> f32| {
        let v: Vec<f32> = faces
            .iter()
            .map(|f| g(f))
            .filter(|x| x.is_finite())
            .collect();
        let lo = v.iter().copied().fold(f32::INFINITY, f32::min);
        let hi = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        (lo, hi)
    };
    let (alo, ahi) = range(|f| f.aspect);
    let (ylo, yhi) = range(|f| f.yaw);
    let aspect_change = if alo > 0.0 && ahi.is_finite() {
        ahi / alo - 1.0
    } else {
        0.0
    };
    let yaw_range = if yhi.is_finite() && ylo.is_finite() {
        yhi - ylo
    } else {
        0.0
    };
    let flat = aspect_change >= k.flat_aspect_change && yaw_range < k.flat_yaw_range;
    let screen = moire_share > k.max_moire_share;
    let (status, why) = if screen {
        (Status::Fail, reason::SCREEN_REPLAY_SUSPECTED)
    } else if flat {
        (Status::Fail, reason::FLAT_DEPTH_SUSPECTED)
    } else {
        (Status::Pass, reason::NO_ATTACK_SIGNAL)
    };
    check("liveness.passive", status, why)
        .with_score(round(f64::from(1.0 - moire_share)))
        .with_threshold(f64::from(1.0 - k.max_moire_share))
        .with_evidence(
            Evidence::new()
                .with("moire_frames", above)
                .with("moire_max", round(f64::from(moire_max)))
                .with("moire_threshold", f64::from(k.moire_threshold))
                .with("aspect_change", round(f64::from(aspect_change)))
                .with("yaw_range", round(f64::from(yaw_range))),
        )
}

/// Chromaticity (r, g, b over their sum).
fn chroma(c: [f32; 3]) -> Option<[f64; 3]> {
    let sum: f64 = c.iter().map(|v| f64::from(*v)).sum();
    (sum > 1.0).then(|| c.map(|v| f64::from(v) / sum))
}

/// The correlation between the observed skin chromaticity shifts and the screen colours shown
/// `lag` ms earlier, over the frames inside the sequence; and how many frames and colours took
/// part.
fn colour_correlation(s: &Session<'_>, lag: i64) -> (f64, usize, usize) {
    let mut obs: Vec<[f64; 3]> = Vec::new();
    let mut exp: Vec<[f64; 3]> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for f in s.frames {
        let (Some(face), Some(shown)) = (
            f.face.as_ref(),
            colour_at(s.colours, f.t_ms.saturating_sub(lag)),
        ) else {
            continue;
        };
        let (Some(o), Some(e)) = (chroma(face.skin), chroma(shown.rgb().map(f32::from))) else {
            continue;
        };
        seen.insert(shown);
        obs.push(o);
        exp.push(e);
    }
    let n = obs.len();
    if n < 2 {
        return (0.0, n, seen.len());
    }
    #[allow(clippy::cast_precision_loss)]
    let nf = n as f64;
    let mut mo = [0.0f64; 3];
    let mut me = [0.0f64; 3];
    for (o, e) in obs.iter().zip(&exp) {
        for ((m, v), (n, w)) in mo.iter_mut().zip(o).zip(me.iter_mut().zip(e)) {
            *m += v / nf;
            *n += w / nf;
        }
    }
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (o, e) in obs.iter().zip(&exp) {
        for ((v, m), (w, n)) in o.iter().zip(&mo).zip(e.iter().zip(&me)) {
            let (x, y) = (v - m, w - n);
            sxy += x * y;
            sxx += x * x;
            syy += y * y;
        }
    }
    let r = if sxx > 0.0 && syy > 0.0 {
        sxy / (sxx.sqrt() * syy.sqrt())
    } else {
        0.0
    };
    (r, n, seen.len())
}

fn colour(s: &Session<'_>, k: &JudgeConfig) -> Check {
    let mut best = (f64::NEG_INFINITY, 0usize, 0usize, 0i64);
    let mut lag = 0;
    while lag <= k.colour_max_lag_ms {
        let (r, n, colours) = colour_correlation(s, lag);
        if r > best.0 {
            best = (r, n, colours, lag);
        }
        lag += 50;
    }
    let (r, n, colours, lag) = best;
    let measured = n >= k.colour_min_frames && colours >= 3;
    let pass = measured && r >= k.colour_min_correlation;
    check(
        "liveness.colour",
        if pass { Status::Pass } else { Status::Fail },
        if pass {
            reason::COLOUR_SEQUENCE_MATCHED
        } else if measured {
            reason::INJECTION_SUSPECTED
        } else {
            reason::COLOUR_NOT_MEASURED
        },
    )
    .with_score(round(r.clamp(0.0, 1.0)))
    .with_threshold(k.colour_min_correlation)
    .with_evidence(
        Evidence::new()
            .with("correlation", round(r.max(-1.0)))
            .with("frames", n)
            .with("colours_seen", colours)
            .with("lag_ms", lag),
    )
}
