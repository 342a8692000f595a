//! The challenge logic on frame sequences made from real photos of the deepface development
//! set: one person's photos in different head poses stitched into a sequence (each photo held
//! for a few frames, sensor noise added, lit by the nonce's colour sequence during its first
//! seconds, as a screen's reflection would), and the ways such a sequence fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod common;

use checks::{Check, Status};
use liveness::plan::{Challenge, Nonce, Plan, PlanConfig};
use liveness::{JudgeConfig, Session};

fn plan(challenges: &[Challenge]) -> Plan {
    Plan {
        challenges: challenges.to_vec(),
        nonce: Nonce([0x5a; 16]),
        issued_at_ms: 1_000_000,
        deadline_ms: 1_120_000,
    }
}

/// Person 1 (img1…img11): img10 looks straight (the baseline, during the colours), img11 is
/// turned to their left, img4 to their right, img1 smiles.
fn genuine(p: &Plan, nonce_for_colours: &Plan) -> Vec<liveness::frame::FrameObs> {
    let colours = nonce_for_colours.colours(&PlanConfig::default());
    let total: u32 = colours.iter().map(|c| c.duration_ms).sum();
    let baseline = usize::try_from(total / 100 + 2).unwrap();
    let _ = p;
    let mut names: Vec<&str> = vec!["img10.jpg"; baseline];
    for n in [
        "img11.jpg",
        "img11.jpg",
        "img10.jpg",
        "img4.jpg",
        "img4.jpg",
        "img10.jpg",
        "img1.jpg",
        "img1.jpg",
    ] {
        names.push(n);
    }
    common::observe(&common::sequence(&names, 1, Some(&colours), 7))
}

fn reference() -> face::Embedding {
    let img = common::photo("img2.jpg");
    liveness::frame::observe_image(common::engine(), 0, 0, &img)
        .embedding
        .unwrap()
}

fn judge(p: &Plan, frames: &[liveness::frame::FrameObs]) -> Vec<Check> {
    let r = reference();
    let colours = p.colours(&PlanConfig::default());
    liveness::judge::judge(
        &Session {
            plan: p,
            colours: &colours,
            frames,
            received_ms: &[],
            reference: Some(("document", &r)),
        },
        &JudgeConfig::default(),
    )
}

fn get<'a>(checks: &'a [Check], name: &str) -> &'a Check {
    checks
        .iter()
        .find(|c| c.check == name)
        .unwrap_or_else(|| panic!("{name} missing: {checks:#?}"))
}

fn show(checks: &[Check]) -> String {
    checks
        .iter()
        .map(|c| {
            format!(
                "{} {:?} {} {:?} {}",
                c.check,
                c.status,
                c.reason,
                c.score,
                serde_json::to_string(&c.evidence).unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn one_person_turning_and_smiling_in_order_passes() {
    let p = plan(&[Challenge::TurnLeft, Challenge::TurnRight, Challenge::Smile]);
    let frames = genuine(&p, &p);
    let out = judge(&p, &frames);
    let text = show(&out);
    println!("{text}");
    for name in [
        "liveness.challenge",
        "liveness.same_person",
        "liveness.reference_match",
        "liveness.frames",
        "liveness.timing",
        "liveness.colour",
        "liveness.passive",
        "liveness.verdict",
    ] {
        assert_eq!(get(&out, name).status, Status::Pass, "{name}\n{text}");
    }
    let ch = get(&out, "liveness.challenge");
    let list = ch.evidence.get("challenges").unwrap().as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert!(list.iter().all(|c| c["performed"] == true), "{text}");
    assert_eq!(get(&out, "liveness.verdict").reason, liveness::reason::LIVE);
}

#[test]
fn the_same_movements_in_another_order_are_out_of_order() {
    let asked = plan(&[Challenge::TurnRight, Challenge::TurnLeft, Challenge::Smile]);
    // The person turned left first, then right: the colours are still this plan's.
    let frames = genuine(&asked, &asked);
    let out = judge(&asked, &frames);
    let c = get(&out, "liveness.challenge");
    assert_eq!(c.status, Status::Fail, "{}", show(&out));
    assert_eq!(c.reason, liveness::reason::CHALLENGE_OUT_OF_ORDER);
    assert_eq!(get(&out, "liveness.verdict").status, Status::Fail);
}

#[test]
fn a_challenge_the_photos_do_not_show_is_not_performed() {
    let p = plan(&[Challenge::TurnLeft, Challenge::Blink, Challenge::TurnRight]);
    let frames = genuine(&p, &p);
    let out = judge(&p, &frames);
    let c = get(&out, "liveness.challenge");
    assert_eq!(
        c.reason,
        liveness::reason::CHALLENGE_NOT_PERFORMED,
        "{}",
        show(&out)
    );
    let list = c.evidence.get("challenges").unwrap().as_array().unwrap();
    assert_eq!(list[0]["performed"], true);
    assert_eq!(list[1]["performed"], false);
    // Blink failed, but turning right after turning left still counts in its place.
    assert_eq!(list[2]["performed"], true);
}

#[test]
fn a_single_photo_repeated_is_a_static_image() {
    let p = plan(&[Challenge::TurnLeft, Challenge::TurnRight, Challenge::Smile]);
    // The same decoded photo, frame after frame: no noise, no reflection.
    let img = common::photo("img10.jpg");
    let frames: Vec<_> = (0..30u32)
        .map(|i| liveness::frame::observe_image(common::engine(), i, i64::from(i) * 100, &img))
        .collect();
    let out = judge(&p, &frames);
    let f = get(&out, "liveness.frames");
    assert_eq!(f.status, Status::Fail, "{}", show(&out));
    assert_eq!(f.reason, liveness::reason::STATIC_IMAGE);
    assert_eq!(
        get(&out, "liveness.challenge").reason,
        liveness::reason::CHALLENGE_NOT_PERFORMED
    );
    assert_ne!(get(&out, "liveness.colour").status, Status::Pass);
    assert_eq!(get(&out, "liveness.verdict").status, Status::Fail);
}

#[test]
fn another_person_mid_sequence_is_a_changed_face() {
    let p = plan(&[Challenge::TurnLeft, Challenge::TurnRight, Challenge::Smile]);
    let colours = p.colours(&PlanConfig::default());
    let total: u32 = colours.iter().map(|c| c.duration_ms).sum();
    let baseline = usize::try_from(total / 100 + 2).unwrap();
    let mut names: Vec<&str> = vec!["img10.jpg"; baseline];
    // img21 (another person) turns left for them.
    names.extend([
        "img21.jpg",
        "img21.jpg",
        "img10.jpg",
        "img4.jpg",
        "img10.jpg",
        "img1.jpg",
    ]);
    let frames = common::observe(&common::sequence(&names, 1, Some(&colours), 9));
    let out = judge(&p, &frames);
    let s = get(&out, "liveness.same_person");
    assert_eq!(s.status, Status::Fail, "{}", show(&out));
    assert_eq!(s.reason, liveness::reason::FACE_CHANGED);
    assert_eq!(get(&out, "liveness.verdict").status, Status::Fail);
    assert_eq!(
        get(&out, "liveness.verdict").reason,
        liveness::reason::FACE_CHANGED
    );
}

#[test]
fn a_recording_lit_by_another_sessions_colours_is_injection_suspected() {
    let p = plan(&[Challenge::TurnLeft, Challenge::TurnRight, Challenge::Smile]);
    let mut other = p.clone();
    other.nonce = Nonce([0x17; 16]);
    assert_ne!(
        other.colours(&PlanConfig::default())[0..3],
        p.colours(&PlanConfig::default())[0..3]
    );
    let frames = genuine(&p, &other);
    let out = judge(&p, &frames);
    let c = get(&out, "liveness.colour");
    assert_eq!(c.status, Status::Fail, "{}", show(&out));
    assert_eq!(c.reason, liveness::reason::INJECTION_SUSPECTED);
    // The same frames pass under the plan whose colours lit them.
    let out = judge(&other, &frames);
    assert_eq!(
        get(&out, "liveness.colour").status,
        Status::Pass,
        "{}",
        show(&out)
    );
}
