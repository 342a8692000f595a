//! The pipeline on real photos (the deepface development set) with the pinned models from the
//! setup step: figures on the development set, matching checks, every quality reason code from
//! a crafted image, refusal of altered models, no panic on mangled photos.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

mod common;

use checks::Status;
use face::eval::{Roc, Scored, tmr_at_fmr};
use face::{DetectorKind, FaceEngine, FaceEvidence, Role, reason};
use imaging::{Affine, Image, ImageFormat};

fn decode(name: &str) -> Image {
    imaging::decode(&common::photo(name), &imaging::Limits::default()).unwrap()
}

fn map_pixels(img: &Image, f: impl Fn(u8) -> u8) -> Image {
    let p = img.pixels().iter().map(|&v| f(v)).collect();
    Image::from_rgb8(img.width(), img.height(), p, ImageFormat::Jpeg).unwrap()
}

fn scale(img: &Image, s: f32) -> Image {
    let (w, h) = (
        (img.width() as f32 * s) as u32,
        (img.height() as f32 * s) as u32,
    );
    let m = Affine {
        a: 1.0 / s,
        b: 0.0,
        c: 0.0,
        d: 0.0,
        e: 1.0 / s,
        f: 0.0,
    };
    img.warp_affine(&m, w, h).unwrap()
}

fn issues(e: &FaceEngine, img: &Image, role: Role) -> Vec<String> {
    e.analyse_image(img, role)
        .unwrap()
        .issues
        .iter()
        .map(|i| i.reason.to_string())
        .collect()
}

fn scores(e: &FaceEngine) -> Vec<Scored> {
    let mut cache = std::collections::HashMap::new();
    let mut emb = |n: &str| {
        cache
            .entry(n.to_owned())
            .or_insert_with(|| {
                e.analyse(&common::photo(n), Role::DocumentPhoto)
                    .unwrap()
                    .embedding
            })
            .clone()
    };
    common::pairs()
        .iter()
        .map(|(a, b, same)| {
            let score = match (emb(a), emb(b)) {
                (Some(x), Some(y)) => face::calibrate::score(x.cosine(&y)),
                _ => 0.0,
            };
            Scored { score, same: *same }
        })
        .collect()
}

#[test]
fn development_set_figures() {
    for kind in [DetectorKind::FullRange, DetectorKind::ShortRange] {
        let e = if kind == DetectorKind::default() {
            common::engine().clone()
        } else {
            common::engine_with(kind)
        };
        let s = scores(&e);
        let roc = Roc::compute(&s).unwrap();
        let t1 = tmr_at_fmr(&s, 0.01).unwrap();
        let t01 = tmr_at_fmr(&s, 0.001).unwrap();
        println!(
            "{kind:?}: {} genuine / {} impostor pairs; EER {:.4} (score {:.3}); TMR@FMR1% {:.4}; TMR@FMR0.1% {:.4}; AUC {:.5}; lowest genuine score {:.3}, highest impostor {:.3}",
            roc.genuine,
            roc.impostor,
            roc.eer,
            roc.eer_threshold,
            t1.0,
            t01.0,
            roc.auc,
            roc.genuine_min,
            roc.impostor_max
        );
        assert_eq!((roc.genuine, roc.impostor), (38, 262));
        assert!(roc.eer <= 0.02, "{kind:?}: EER {}", roc.eer);
        assert!(roc.auc >= 0.99);
    }
}

#[test]
fn the_document_readers_portrait_is_used_where_it_holds_a_face() {
    let e = common::engine();
    let selfie = common::photo("img1.jpg");
    let page = common::photo("img2.jpg");
    let portrait = imaging::decode(&page, &imaging::Limits::default()).unwrap();
    let document = |portrait: Option<&Image>| {
        let checks = e.verify(&FaceEvidence {
            selfie: Some(&selfie),
            document_photo: Some(&page),
            document_portrait: portrait,
            chip_photo: None,
        });
        let quality = checks
            .iter()
            .find(|c| c.check == "face.quality.document")
            .unwrap()
            .clone();
        let matched = checks
            .iter()
            .find(|c| c.check == "face.selfie_vs_document")
            .unwrap()
            .clone();
        (quality, matched)
    };
    let (q, m) = document(Some(&portrait));
    assert_eq!(q.evidence.get("source").unwrap(), "document_portrait");
    assert_eq!(m.status, Status::Pass, "{}", m.reason);
    // A crop without a face (here: blank) falls back to the photo as uploaded.
    let blank = Image::from_rgb8(200, 260, vec![200; 200 * 260 * 3], ImageFormat::Jpeg).unwrap();
    let (q, m) = document(Some(&blank));
    assert_eq!(q.evidence.get("source").unwrap(), "document_photo");
    assert_eq!(m.status, Status::Pass, "{}", m.reason);
}

#[test]
fn same_person_matches_and_others_do_not() {
    let e = common::engine();
    let ev = FaceEvidence {
        selfie: Some(&common::photo("img1.jpg")),
        document_photo: Some(&common::photo("img2.jpg")),
        chip_photo: Some(&common::photo("img3.jpg")),
        document_portrait: None,
    };
    let checks = e.verify(&ev);
    let names: Vec<&str> = checks.iter().map(|c| c.check.as_ref()).collect();
    assert_eq!(
        names,
        [
            "face.quality.selfie",
            "face.quality.document",
            "face.quality.chip",
            "face.selfie_vs_document",
            "face.selfie_vs_chip",
            "face.document_vs_chip"
        ]
    );
    // img1 and img2 are the same person; img3 is someone else.
    for c in &checks {
        println!("{} {} {:?} {}", c.check, c.status, c.score, c.reason);
    }
    assert!(checks[..3].iter().all(|c| c.status == Status::Pass));
    let sd = &checks[3];
    assert_eq!(
        (sd.status, sd.reason.as_str()),
        (Status::Pass, "face_match")
    );
    assert!(sd.score.unwrap() >= sd.threshold.unwrap());
    for c in &checks[4..] {
        assert_eq!(
            (c.status, c.reason.as_str()),
            (Status::Fail, "face_mismatch"),
            "{}",
            c.check
        );
        assert!(c.score.unwrap() < c.threshold.unwrap());
    }
    // Missing photos are not performed, never a pass.
    let only = e.verify(&FaceEvidence {
        selfie: Some(&common::photo("img1.jpg")),
        ..FaceEvidence::default()
    });
    assert!(
        only.iter()
            .filter(|c| c.check.ends_with("_vs_chip") || c.check.ends_with("_vs_document"))
            .all(|c| c.status == Status::NotPerformed && c.reason.as_str() == "input_missing")
    );
    // Undecodable bytes are an error with the image's code.
    let bad = e.compare_bytes("face.compare", b"not an image", &common::photo("img1.jpg"));
    assert_eq!(
        (bad.status, bad.reason.as_str()),
        (Status::Error, "image_unknown_format")
    );
}

#[test]
fn selfie_matches_a_jpeg2000_chip_portrait() {
    let e = common::engine();
    let chip = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/img2-portrait.jp2"
    ))
    .unwrap();
    let ev = FaceEvidence {
        selfie: Some(&common::photo("img1.jpg")),
        document_photo: Some(&common::photo("img17.jpg")),
        chip_photo: Some(&chip),
        document_portrait: None,
    };
    let checks = e.verify(&ev);
    let get = |name: &str| checks.iter().find(|c| c.check == name).unwrap();
    assert_eq!(
        get("face.quality.chip").status,
        Status::Pass,
        "{:?}",
        get("face.quality.chip")
    );
    let sc = get("face.selfie_vs_chip");
    assert_eq!(
        (sc.status, sc.reason.as_str()),
        (Status::Pass, "face_match"),
        "{sc:?}"
    );
    for name in ["face.selfie_vs_document", "face.document_vs_chip"] {
        assert_eq!(get(name).status, Status::Fail, "{:?}", get(name));
    }
}

#[test]
fn every_quality_reason_code_from_a_crafted_image() {
    let e = common::engine();
    let img = decode("img1.jpg");
    assert!(issues(e, &img, Role::Selfie).is_empty());

    let grey = Image::from_rgb8(640, 480, vec![128; 640 * 480 * 3], ImageFormat::Jpeg).unwrap();
    assert_eq!(issues(e, &grey, Role::Selfie), [reason::NO_FACE.as_str()]);

    // Two people side by side.
    let small = scale(&img, 0.4);
    let (w, h) = (small.width(), small.height());
    let mut two = Vec::with_capacity((w * 2 * h * 3) as usize);
    for row in small.pixels().chunks_exact((w * 3) as usize) {
        two.extend_from_slice(row);
        two.extend_from_slice(row);
    }
    let two = Image::from_rgb8(w * 2, h, two, ImageFormat::Jpeg).unwrap();
    assert!(issues(e, &two, Role::Selfie).contains(&"several_faces".to_owned()));
    // On a document, the largest face is the subject; a second one is not a failure.
    assert!(!issues(e, &two, Role::DocumentPhoto).contains(&"several_faces".to_owned()));

    let tiny = scale(&img, 0.06);
    assert!(
        issues(e, &tiny, Role::Selfie).contains(&"face_too_small".to_owned()),
        "{:?}",
        issues(e, &tiny, Role::Selfie)
    );

    let blurred = scale(&scale(&img, 0.08), 1.0 / 0.08);
    assert!(
        issues(e, &blurred, Role::Selfie).contains(&"face_blurred".to_owned()),
        "{:?}",
        e.analyse_image(&blurred, Role::Selfie).unwrap().measures
    );

    let bright = map_pixels(&img, |v| (u16::from(v) * 2 + 90).min(255) as u8);
    assert!(
        issues(e, &bright, Role::Selfie).contains(&"overexposed".to_owned()),
        "{:?}",
        e.analyse_image(&bright, Role::Selfie).unwrap().measures
    );
    let dark = map_pixels(&img, |v| v / 5);
    assert!(
        issues(e, &dark, Role::Selfie).contains(&"underexposed".to_owned()),
        "{:?}",
        e.analyse_image(&dark, Role::Selfie).unwrap().measures
    );

    // Rolled by 55°: beyond the roll limit.
    let (cx, cy) = (img.width() as f32 / 2.0, img.height() as f32 / 2.0);
    let (sin, cos) = 55f32.to_radians().sin_cos();
    let rot = Affine {
        a: cos,
        b: -sin,
        c: cx - cos * cx + sin * cy,
        d: sin,
        e: cos,
        f: cy - sin * cx - cos * cy,
    };
    let rolled = img.warp_affine(&rot, img.width(), img.height()).unwrap();
    assert!(
        issues(e, &rolled, Role::Selfie).contains(&"extreme_pose".to_owned()),
        "{:?}",
        e.analyse_image(&rolled, Role::Selfie).unwrap().measures
    );

    // Eyes painted over with the skin below them.
    let a = e.analyse_image(&img, Role::Selfie).unwrap();
    let face = a.subject.unwrap();
    let d = face.eye_distance();
    let mut p = img.pixels().to_vec();
    let w = img.width() as usize;
    for eye in [face.keypoints[0], face.keypoints[1]] {
        let skin = img.pixel(eye.x as u32, (eye.y + 0.45 * d) as u32).unwrap();
        for y in (eye.y - 0.16 * d) as usize..(eye.y + 0.12 * d) as usize {
            for x in (eye.x - 0.28 * d) as usize..(eye.x + 0.28 * d) as usize {
                p[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&skin);
            }
        }
        // The lash line of a closed lid.
        for x in (eye.x - 0.22 * d) as usize..(eye.x + 0.22 * d) as usize {
            let t = (x as f32 - eye.x) / (0.22 * d);
            let yc = eye.y + 0.02 * d + 0.05 * d * (1.0 - t * t);
            for y in (yc - 0.012 * d) as usize..(yc + 0.012 * d) as usize {
                p[(y * w + x) * 3..(y * w + x) * 3 + 3].copy_from_slice(&[40, 30, 30]);
            }
        }
    }
    let closed = Image::from_rgb8(img.width(), img.height(), p, ImageFormat::Jpeg).unwrap();
    if let Some(out) = std::env::var_os("FACE_DEBUG_PPM") {
        let mut f = format!("P6 {} {} 255\n", closed.width(), closed.height()).into_bytes();
        f.extend_from_slice(closed.pixels());
        std::fs::write(out, f).unwrap();
    }
    assert!(
        issues(e, &closed, Role::Selfie).contains(&"eyes_closed".to_owned()),
        "{:?}",
        e.analyse_image(&closed, Role::Selfie).unwrap().measures
    );
}

#[test]
fn altered_or_missing_model_is_refused_at_startup() {
    let src = common::models_dir();
    let dir = std::env::temp_dir().join(format!("face-models-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    assert!(inference::ModelDir::open_pinned(&dir).is_ok());
    let target = dir.join("mobilefacenet.onnx");
    let mut bytes = std::fs::read(&target).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&target, &bytes).unwrap();
    let err = inference::ModelDir::open_pinned(&dir).unwrap_err();
    assert_eq!(err.code(), "model_hash_mismatch");
    assert!(err.to_string().contains("mobilefacenet.onnx"));
    std::fs::remove_file(&target).unwrap();
    assert_eq!(
        inference::ModelDir::open_pinned(&dir).unwrap_err().code(),
        "model_missing"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = common::engine().analyse(&bytes, Role::Selfie);
        }

        #[test]
        fn on_mangled_photos(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..12), cut in any::<prop::sample::Index>()) {
            let mut bytes = common::photo("img5.jpg");
            for (i, v) in edits {
                let i = i.index(bytes.len());
                bytes[i] = v;
            }
            let _ = common::engine().analyse(&bytes, Role::DocumentPhoto);
            let keep = cut.index(bytes.len());
            let _ = common::engine().analyse(&bytes[..keep], Role::ChipPhoto);
        }

        #[test]
        fn on_arbitrary_pixels(w in 1u32..300, h in 1u32..300, seed in any::<u8>()) {
            let p = (0..w * h * 3).map(|i| (i as u8).wrapping_mul(seed)).collect();
            let img = Image::from_rgb8(w, h, p, ImageFormat::Jpeg).unwrap();
            let _ = common::engine().analyse_image(&img, Role::Selfie);
        }
    }
}
