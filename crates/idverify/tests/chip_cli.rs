//! `idverify chip verify`: a test chip written to a directory, trust from PEM, DER, CRL and
//! master-list files, Active Authentication from the command line, exit codes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use emrtd::HashAlgorithm;
use emrtd_testkit::{
    AaKey, ChipBuilder, Csca, Face, Issued, KeyKind, SigScheme, TestChip, TestKey, Validity, date,
    dg1, dg2, master_list, pem,
};

const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("idverify-chip-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_idverify"))
        .args(args)
        .output()
        .unwrap()
}

fn pki() -> (Csca, TestChip) {
    let v = Validity::new(date(2020, 1, 1), date(2035, 1, 1));
    let csca = Issued::csca(
        "CN=CSCA Utopia,C=UT",
        KeyKind::EcBrainpoolP256r1,
        SigScheme::Ecdsa(HashAlgorithm::Sha256),
        v,
        true,
        1,
    );
    let dsc = csca.issue_dsc(
        "CN=DS 1,C=UT",
        KeyKind::EcP256,
        SigScheme::Ecdsa(HashAlgorithm::Sha256),
        &[5],
        v,
        2,
    );
    let chip = ChipBuilder::new(&dsc)
        .data_group(1, dg1(MRZ))
        .data_group(
            2,
            dg2(&[Face {
                image: include_bytes!("../../imaging/tests/data/face.jp2"),
                data_type: 1,
                width: 96,
                height: 128,
            }]),
        )
        .aa_key(AaKey::Rsa(
            TestKey::generate(KeyKind::Rsa1024, 3),
            HashAlgorithm::Sha1,
        ))
        .build();
    (csca, chip)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn a_good_chip_passes_with_pem_trust_and_aa() {
    let (csca, chip) = pki();
    let dir = tmp("good");
    chip.write_dir(&dir.join("chip"));
    let trust = write(&dir, "csca.pem", csca.cert_pem().as_bytes());
    let challenge = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let response = hex::encode(chip.respond(&challenge));
    let chip_dir = dir.join("chip").to_string_lossy().into_owned();
    let out = run(&[
        "chip",
        "verify",
        &chip_dir,
        "--trust",
        &trust,
        "--at",
        "2026-11-23",
        "--aa-challenge",
        "0102030405060708",
        "--aa-response",
        &response,
        "--json",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["active_authentication"]["status"], "pass");
    assert_eq!(
        v["passive_authentication"]["csca"]["key"],
        "EC brainpoolP256r1 (explicit parameters)"
    );
    assert_eq!(v["dg1"]["fields"]["document_number"], "L898902C3");
    assert_eq!(v["faces"][0]["format"], "jp2");
    assert_eq!(v["faces"][0]["width"], 96);

    // Human output names each check.
    let out = run(&[
        "chip",
        "verify",
        &chip_dir,
        "--trust",
        &trust,
        "--at",
        "2026-11-23",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("chip.sod.signature") && text.contains("aa_no_response"),
        "{text}"
    );
}

#[test]
fn tampering_a_data_group_or_replaying_aa_exits_1() {
    let (csca, mut chip) = pki();
    let dir = tmp("bad");
    let trust = write(&dir, "csca.der", &csca.cert_der);
    // A replayed AA response (answer to another challenge).
    chip.write_dir(&dir.join("chip"));
    let chip_dir = dir.join("chip").to_string_lossy().into_owned();
    let old = hex::encode(chip.respond(&[9u8; 8]));
    let out = run(&[
        "chip",
        "verify",
        &chip_dir,
        "--trust",
        &trust,
        "--at",
        "2026-11-23",
        "--aa-challenge",
        "0102030405060708",
        "--aa-response",
        &old,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["active_authentication"]["reason"], "aa_signature_invalid");

    // A changed DG1.
    let dg1 = chip.files.get_mut(&1).unwrap();
    let n = dg1.len();
    dg1[n - 5] = b'9';
    chip.write_dir(&dir.join("chip"));
    let out = run(&[
        "chip",
        "verify",
        &chip_dir,
        "--trust",
        &trust,
        "--at",
        "2026-11-23",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let checks = v["passive_authentication"]["checks"].as_array().unwrap();
    let dg1_check = checks
        .iter()
        .find(|c| c["check"] == "chip.dg_hash.dg1")
        .unwrap();
    assert_eq!(dg1_check["reason"], "dg_hash_mismatch");
}

#[test]
fn master_list_and_crl_files_are_trust_material() {
    let (csca, chip) = pki();
    let v = Validity::new(date(2020, 1, 1), date(2035, 1, 1));
    let dir = tmp("ml");
    chip.write_dir(&dir.join("chip"));
    let signer = csca.issue_ml_signer("CN=ML Signer,C=UT", KeyKind::EcP256, &[0x44], v, 9);
    let trust_dir = dir.join("trust");
    std::fs::create_dir_all(&trust_dir).unwrap();
    write(
        &trust_dir,
        "UT.ml",
        &master_list(&signer, &[&csca.cert_der]),
    );
    write(
        &trust_dir,
        "UT.crl",
        pem(
            "X509 CRL",
            &csca.crl(&[&[5]], date(2026, 11, 1), date(2027, 1, 1)),
        )
        .as_bytes(),
    );
    let chip_dir = dir.join("chip").to_string_lossy().into_owned();
    let out = run(&[
        "chip",
        "verify",
        &chip_dir,
        "--trust",
        &trust_dir.to_string_lossy(),
        "--at",
        "2026-11-23",
        "--json",
    ]);
    // The CRL lists the DSC (serial 05): revoked.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let checks = v["passive_authentication"]["checks"].as_array().unwrap();
    let rev = checks
        .iter()
        .find(|c| c["check"] == "chip.dsc.revocation")
        .unwrap();
    assert_eq!(rev["reason"], "dsc_revoked");
    assert_eq!(
        checks
            .iter()
            .find(|c| c["check"] == "chip.csca.chain")
            .unwrap()["status"],
        "pass"
    );
}

#[test]
fn usage_and_io_errors_exit_2() {
    let dir = tmp("errors");
    let missing = dir.join("nope").to_string_lossy().into_owned();
    let out = run(&["chip", "verify", &missing, "--trust", &missing]);
    assert_eq!(out.status.code(), Some(2));
    let garbage = write(&dir, "garbage.pem", b"not a certificate");
    let (_, chip) = pki();
    chip.write_dir(&dir.join("chip"));
    let out = run(&[
        "chip",
        "verify",
        &dir.join("chip").to_string_lossy(),
        "--trust",
        &garbage,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("masterlist")
            || String::from_utf8_lossy(&out.stderr).contains("cms_invalid"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&[
        "chip",
        "verify",
        &dir.join("chip").to_string_lossy(),
        "--trust",
        &garbage,
        "--aa-challenge",
        "01",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
