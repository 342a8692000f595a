//! `idverify document read`: exit codes and output on generated document photos.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::Command;

fn idverify() -> Command {
    Command::new(env!("CARGO_BIN_EXE_idverify"))
}

fn sample(spec: docgen::Spec) -> docgen::Sample {
    let today = mrz::Date::new(2026, 12, 1).unwrap();
    let faces = docgen::FaceSet::load_dir(&docgen::FaceSet::default_dir(), 3).unwrap();
    let g = docgen::Generator::new(docgen::Fonts::system().unwrap(), faces, today).unwrap();
    g.sample(11, spec).unwrap()
}

#[test]
fn reads_a_passport_page_and_refuses_a_blurred_one() {
    let dir = std::env::temp_dir().join(format!("idverify-doc-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut spec = docgen::Spec {
        kind: docgen::DocKind::Passport,
        difficulty: docgen::Difficulty::Clean,
        refusal: None,
        attack: None,
    };
    let good = sample(spec);
    let path = dir.join("page.jpg");
    std::fs::write(&path, &good.front.jpeg).unwrap();
    let out = idverify()
        .args(["document", "read", "--json"])
        .arg(&path)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<String> = v["mrz_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(lines, good.mrz);
    // The printed surname, read by Tesseract, is the one the generator printed.
    let printed = good.viz.iter().find(|f| f.name == "surname").unwrap();
    let read = v["viz"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "surname")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(
        read["value"].as_str(),
        document::viz::normalise_name(&printed.text).as_deref(),
        "{v:#}"
    );
    // The sample's EXIF is dated 2026-12-01, before now: no check fails.
    assert_eq!(out.status.code(), Some(0), "{v:#}");

    spec.refusal = Some(docgen::Refusal::TooBlurry);
    std::fs::write(&path, sample(spec).front.jpeg).unwrap();
    let out = idverify()
        .args(["document", "read"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("too_blurry"));

    std::fs::write(&path, b"not a picture").unwrap();
    let out = idverify()
        .args(["document", "read"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = idverify()
        .args(["document", "read"])
        .arg(dir.join("missing.jpg"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = idverify().args(["document", "read"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
