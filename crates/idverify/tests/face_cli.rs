//! `idverify face compare` and `idverify face eval` on the deepface development set, with the
//! models from the setup step: exit codes, JSON output, refusal of a missing models directory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn photo(name: &str) -> String {
    root()
        .join("../shared/data/faces-deepface")
        .join(name)
        .display()
        .to_string()
}

fn run(args: &[&str]) -> Output {
    let models = root().join("target/models");
    Command::new(env!("CARGO_BIN_EXE_idverify"))
        .arg("face")
        .args(args)
        .args(["--models", models.to_str().unwrap()])
        .output()
        .unwrap()
}

#[test]
fn compare_exit_codes_and_json() {
    let same = run(&["compare", &photo("img1.jpg"), &photo("img2.jpg")]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );
    assert!(String::from_utf8_lossy(&same.stdout).contains("face_match"));
    let other = run(&["compare", &photo("img1.jpg"), &photo("img3.jpg"), "--json"]);
    assert_eq!(other.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&other.stdout).unwrap();
    assert_eq!(v["check"], "face.compare");
    assert_eq!(v["reason"], "face_mismatch");
    assert!(v["score"].as_f64().unwrap() < v["threshold"].as_f64().unwrap());
    let missing = run(&["compare", &photo("img1.jpg"), "/nonexistent.jpg"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn missing_models_are_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_idverify"))
        .args([
            "face",
            "compare",
            &photo("img1.jpg"),
            &photo("img2.jpg"),
            "--models",
            "/nonexistent-models",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is missing") && err.contains("scripts/setup"),
        "{err}"
    );
}

#[test]
fn eval_prints_roc_figures() {
    let out = run(&["eval", &photo("master.csv"), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["roc"]["genuine"], 38);
    assert_eq!(v["roc"]["impostor"], 262);
    assert!(v["roc"]["eer"].as_f64().unwrap() <= 0.02);
    assert!(v["roc"]["auc"].as_f64().unwrap() >= 0.99);
}
