//! `idverify mrz parse`: output, exit codes, stdin, repair.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\r\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\r\n";

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_idverify"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails on its arguments exits without reading standard input: a broken pipe
    // here is expected, not a test failure.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn testdata(name: &str) -> String {
    format!("{}/../mrz/testdata/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn valid_td3_from_stdin_human() {
    let out = run(&["mrz", "parse", "--today", "2010-01-01"], TD3);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("MRZ td3 — valid"), "{text}");
    assert!(text.contains("ANNA MARIA"));
    assert!(text.contains("check mrz.expiry"));
}

#[test]
fn valid_files_json_every_format() {
    for (file, format) in [
        ("td1_icao_9303_5.mrz", "td1"),
        ("td2_icao_9303_6.mrz", "td2"),
        ("td3_icao_9303_4.mrz", "td3"),
        ("mrva_icao_9303_7.mrz", "mrv_a"),
        ("mrvb_icao_9303_7.mrz", "mrv_b"),
        ("french_id_specimen.mrz", "french_id"),
        ("td1_long_document_number.mrz", "td1"),
    ] {
        let out = run(
            &[
                "mrz",
                "parse",
                &testdata(file),
                "--json",
                "--today",
                "2010-01-01",
            ],
            "",
        );
        assert_eq!(out.status.code(), Some(0), "{file}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["format"], format);
        assert_eq!(v["valid"], true);
        assert!(v["checks"].as_array().unwrap().len() >= 9);
    }
}

#[test]
fn expired_is_a_failed_check_but_exit_zero() {
    let out = run(
        &["mrz", "parse", "-", "--json", "--today", "2026-11-22"],
        TD3,
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let expiry = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "mrz.expiry")
        .unwrap();
    assert_eq!(expiry["reason"], "document_expired");
}

#[test]
fn invalid_check_digit_exits_one_and_lists_problems() {
    let bad = TD3.replacen("L898902C36", "L898902C37", 1);
    let out = run(&["mrz", "parse", "--json", "--today", "2010-01-01"], &bad);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], false);
    let codes: Vec<_> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        codes,
        ["check_digit_mismatch", "composite_check_digit_mismatch"]
    );
}

#[test]
fn repair_flag() {
    let ocr = TD3.replacen("P<UTO", "P<UT0", 1);
    assert_eq!(
        run(&["mrz", "parse", "--today", "2010-01-01"], &ocr)
            .status
            .code(),
        Some(1)
    );
    let out = run(
        &[
            "mrz",
            "parse",
            "--repair",
            "--json",
            "--today",
            "2010-01-01",
        ],
        &ocr,
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["repairs"][0]["from"], "0");
    assert_eq!(v["repairs"][0]["to"], "O");
}

#[test]
fn unreadable_input_and_usage_errors_exit_two() {
    assert_eq!(run(&["mrz", "parse"], "not an mrz").status.code(), Some(2));
    let out = run(&["mrz", "parse", "--json"], "P<UTO");
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "unrecognised_shape");
    assert_eq!(
        run(&["mrz", "parse", "/nonexistent/file"], "")
            .status
            .code(),
        Some(2)
    );
    assert_eq!(run(&["mrz", "parse", "--bogus"], "").status.code(), Some(2));
    assert_eq!(
        run(&["mrz", "parse", "--today", "2026-13-01"], TD3)
            .status
            .code(),
        Some(2)
    );
}
