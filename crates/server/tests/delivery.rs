//! What the vendor ships, checked where it runs: the model bundle (signature, versions, hashes,
//! decrypted into memory only) and the licence (signature, binding, dates), each refusal with
//! its own code and a message naming what is wrong; the happy paths start.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{Backend, T0, fresh_config, harness, launch};
use server::{Config, ManualClock};

const DAY_MS: i64 = 86_400_000;

fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

fn models_dir() -> PathBuf {
    std::env::var_os("IDVERIFY_MODELS_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models"),
        PathBuf::from,
    )
}

fn licence_testdata(name: &str) -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../licence/testdata")
            .join(name),
    )
    .unwrap()
}

fn write_private(path: &Path, bytes: &[u8]) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Model bundles

const VENDOR_SEED: [u8; 32] = [7; 32];

/// How to spoil a bundle.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Spoil {
    None,
    FlipByte,
    OtherSigner,
    MissingModel,
    OtherVersion,
}

/// Packs every pinned model from the models directory into `dir/models.idvb`, spoiled as asked;
/// writes the vendor public key and the content key beside it and points `config` at them.
fn pack_bundle(config: &mut Config, spoil: Spoil) {
    let dir = &config.data_dir;
    std::fs::create_dir_all(dir.join("secrets")).unwrap();
    let manifest = inference::Manifest::pinned().unwrap();
    let files: Vec<(String, String, Vec<u8>)> = manifest
        .models
        .iter()
        .map(|m| {
            let bytes = inference::read_verified(&models_dir().join(&m.file), &m.sha256).unwrap();
            (m.name.clone(), m.version.clone(), bytes)
        })
        .collect();
    let mut models: Vec<bundle::ModelFile<'_>> = files
        .iter()
        .map(|(name, version, bytes)| bundle::ModelFile {
            name,
            version,
            bytes,
        })
        .collect();
    if spoil == Spoil::MissingModel {
        models.retain(|m| m.name != "mobilefacenet");
    }
    if spoil == Spoil::OtherVersion {
        for m in &mut models {
            if m.name == "mobilefacenet" {
                m.version = "0.9.9";
            }
        }
    }
    let vendor = bundle::VendorSigningKey::ed25519_from_seed(&VENDOR_SEED);
    let signer = if spoil == Spoil::OtherSigner {
        bundle::VendorSigningKey::ed25519_from_seed(&[8; 32])
    } else {
        bundle::VendorSigningKey::ed25519_from_seed(&VENDOR_SEED)
    };
    let content = bundle::ContentKey::generate(&mut rng());
    let mut bytes = bundle::pack(
        &models,
        &bundle::PackOptions {
            product_version: "0.1.0",
            created_at: "2026-12-01T00:00:00Z",
        },
        &content,
        &signer,
        &mut rng(),
    )
    .unwrap();
    if spoil == Spoil::FlipByte {
        // A byte in the middle of the last model's ciphertext.
        let at = bytes.len() - 1000;
        bytes[at] ^= 0x01;
    }
    std::fs::write(dir.join("models.idvb"), &bytes).unwrap();
    std::fs::write(
        dir.join("vendor-models.pem"),
        vendor.public_key().to_pem().unwrap(),
    )
    .unwrap();
    write_private(
        &dir.join("secrets/models.key"),
        hex::encode(content.expose_secret()).as_bytes(),
    );
    config.models.dir = Some(models_dir());
    config.models.bundle = Some("models.idvb".into());
    config.models.vendor_key = Some("vendor-models.pem".into());
    config.models.content_key_file = Some("secrets/models.key".into());
}

async fn start_with_bundle(spoil: Spoil) -> Result<server::Running, server::Error> {
    let mut config = fresh_config(Backend::Sqlite, "bundle").await;
    pack_bundle(&mut config, spoil);
    server::init::init(config.clone(), T0).await.unwrap();
    launch(config, Arc::new(ManualClock::new(T0))).await
}

fn deepface(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/faces-deepface")
            .join(name),
    )
    .unwrap()
}

#[tokio::test]
async fn a_good_bundle_starts_and_its_models_run_from_memory() {
    let running = start_with_bundle(Spoil::None).await.unwrap();
    let face = running
        .state
        .engines
        .iter()
        .find(|e| e.name() == "face")
        .unwrap();
    let photo = deepface("img1.jpg");
    let mut files = BTreeMap::new();
    files.insert("selfie".to_owned(), zeroize::Zeroizing::new(photo.clone()));
    files.insert("document/front".to_owned(), zeroize::Zeroizing::new(photo));
    let checks = face.run(&server::pipeline::Inputs {
        verification: "00000000-0000-4000-8000-000000000000".into(),
        files,
        aa_challenge: None,
        now_ms: T0,
    });
    let matched = checks
        .iter()
        .find(|c| c.check == "face.selfie_vs_document")
        .unwrap();
    assert_eq!(matched.status, checks::Status::Pass, "{checks:?}");
    // No decrypted model was written anywhere in the data directory.
    let dir = &running.state.config.data_dir;
    for entry in walk(dir) {
        let name = entry.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            !name.ends_with(".onnx"),
            "a model file appeared at {}",
            entry.display()
        );
    }
    running.shutdown().await;
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn every_spoilt_bundle_is_refused_with_its_own_message() {
    for (spoil, code, says) in [
        (Spoil::FlipByte, "bundle_hash_mismatch", "iris_landmark"),
        (Spoil::OtherSigner, "bundle_signature_invalid", "signature"),
        (Spoil::MissingModel, "bundle_file_missing", "mobilefacenet"),
        (
            Spoil::OtherVersion,
            "bundle_version_mismatch",
            "mobilefacenet",
        ),
    ] {
        let Err(err) = start_with_bundle(spoil).await else {
            panic!("a spoilt bundle started ({code})");
        };
        assert_eq!(err.code(), code, "{err}");
        let message = err.to_string();
        assert!(message.contains("models.idvb"), "{message}");
        assert!(message.contains(says), "{code}: {message}");
    }
}

// ---------------------------------------------------------------------------------------------
// Licences

fn vendor_licence_key() -> licence::LicenceSigningKey {
    licence::LicenceSigningKey::from_pem(&licence_testdata("test-vendor-rsa4096.key.pem")).unwrap()
}

fn date(s: &str) -> licence::Date {
    licence::Date::parse(s).unwrap()
}

/// Terms for `fingerprint`, valid from 2026-01-01 to `not_after`.
fn terms(fingerprint: &str, not_after: &str) -> licence::Licence {
    licence::Licence {
        id: "lic-test-0001".into(),
        customer: "Banque Exemple".into(),
        features: licence::Features {
            document: true,
            chip: true,
            liveness: false,
            face: true,
            dashboard_seats: 5,
        },
        verifications_per_month: Some(3),
        not_before: date("2026-01-01"),
        not_after: date(not_after),
        fingerprint: fingerprint.to_owned(),
        issued_at: date("2026-01-01"),
    }
}

fn issue(terms: &licence::Licence) -> String {
    licence::issue(&vendor_licence_key(), terms, &mut rng()).unwrap()
}

/// Initialises a data directory bound by `binding`; returns its config, the API key and the
/// installation's fingerprint.
async fn licensed_config(backend: Backend, binding: &str) -> (Config, String, String) {
    let mut config = fresh_config(backend, "licence").await;
    config.licence.file = Some("licence.txt".into());
    config.licence.public_key = Some("vendor-licence.pem".into());
    config.licence.binding = binding.to_owned();
    let done = server::init::init(config.clone(), T0).await.unwrap();
    std::fs::write(
        config.data_dir.join("vendor-licence.pem"),
        licence_testdata("test-vendor-rsa4096.pub.pem"),
    )
    .unwrap();
    let db = store::Db::connect(&config.database_url(), config.database.schema.as_deref())
        .await
        .unwrap();
    let fingerprint = server::licensing::fingerprint(&config, &db, T0)
        .await
        .unwrap();
    (config, done.api_key.to_string(), fingerprint)
}

fn write_licence(config: &Config, text: &str) {
    std::fs::write(config.data_dir.join("licence.txt"), text).unwrap();
}

#[tokio::test]
async fn a_valid_licence_starts_and_limits_what_it_says() {
    let (config, api_key, fp) = licensed_config(Backend::Sqlite, "machine").await;
    write_licence(&config, &issue(&terms(&fp, "2026-12-31")));
    let clock = Arc::new(ManualClock::new(T0));
    let running = launch(config.clone(), clock.clone()).await.unwrap();
    let h = harness(running, &config, api_key, clock, Backend::Sqlite);
    let ready = h.get_json("/readyz").await;
    assert_eq!(ready["licence"], "valid");
    assert_eq!(ready["read_only"], false);
    // Liveness is not in this licence: its engine says so, never a pass.
    let liveness = h
        .state()
        .engines
        .iter()
        .find(|e| e.name() == "liveness")
        .unwrap();
    let out = liveness.run(&server::pipeline::Inputs {
        verification: "x".into(),
        files: BTreeMap::new(),
        aa_challenge: None,
        now_ms: T0,
    });
    assert_eq!(out[0].status, checks::Status::NotPerformed);
    assert_eq!(out[0].reason.as_str(), "not_licensed");
    // Three verifications a month: the fourth is refused, with its code.
    for _ in 0..3 {
        h.create().await;
    }
    let res = h.try_create().await;
    assert_eq!(res.status(), 403);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "licence_limit_reached");
    // Next month the budget is back.
    h.clock.advance(10 * DAY_MS);
    h.create().await;
    h.shutdown().await;
}

#[tokio::test]
async fn edited_foreign_and_early_licences_stop_the_start_with_their_own_message() {
    let (config, _, fp) = licensed_config(Backend::Sqlite, "machine").await;
    let good = issue(&terms(&fp, "2026-12-31"));
    let other_machine = licence::machine_fingerprint(&licence::MachineIdentifiers {
        machine_id: Some("00000000000000000000000000000001".into()),
        product_uuid: None,
        installation_id: Some("x".into()),
    })
    .unwrap();
    let mut early = terms(&fp, "2027-12-31");
    early.not_before = date("2027-01-01");
    let other_key =
        licence::LicenceSigningKey::from_pem(&licence_testdata("other-vendor-rsa4096.key.pem"))
            .unwrap();
    for (text, code, says) in [
        (
            good.replacen("dashboard_seats: 5", "dashboard_seats: 9", 1),
            "licence_signature_invalid",
            "edited",
        ),
        (
            issue(&terms(&other_machine, "2026-12-31")),
            "licence_fingerprint_mismatch",
            &fp,
        ),
        (
            licence::issue(&other_key, &terms(&fp, "2026-12-31"), &mut rng()).unwrap(),
            "licence_signature_invalid",
            "vendor",
        ),
        (issue(&early), "licence_not_yet_valid", "2027-01-01"),
    ] {
        write_licence(&config, &text);
        let Err(err) = launch(config.clone(), Arc::new(ManualClock::new(T0))).await else {
            panic!("{code}: the server started");
        };
        assert_eq!(err.code(), code, "{err}");
        assert!(err.to_string().contains(says), "{code}: {err}");
    }
    // One edited byte: whichever byte, it does not start.
    let bytes = good.as_bytes();
    for at in [40, bytes.len() / 2, bytes.len() - 40] {
        let mut edited = bytes.to_vec();
        edited[at] = if edited[at] == b'A' { b'B' } else { b'A' };
        write_licence(&config, &String::from_utf8_lossy(&edited));
        assert!(
            launch(config.clone(), Arc::new(ManualClock::new(T0)))
                .await
                .is_err(),
            "a licence edited at byte {at} started"
        );
    }
}

#[tokio::test]
async fn an_expired_licence_serves_read_only_and_a_renewal_lifts_it_without_restart() {
    let (config, api_key, fp) = licensed_config(Backend::Sqlite, "machine").await;
    // Valid until the day after T0 (2026-11-23).
    write_licence(&config, &issue(&terms(&fp, "2026-11-24")));
    let clock = Arc::new(ManualClock::new(T0));
    let running = launch(config.clone(), clock.clone()).await.unwrap();
    let h = harness(running, &config, api_key, clock, Backend::Sqlite);
    assert!(
        h.state()
            .licence
            .banner()
            .unwrap()
            .contains("expires in 1 days")
    );
    let (id, _, _) = h.create().await;

    // Two days later, the daily check finds it expired: read-only, with a banner.
    h.clock.advance(2 * DAY_MS);
    server::jobs::housekeeping(h.state()).await.unwrap();
    assert!(h.state().licence.read_only());
    assert!(
        h.state()
            .licence
            .banner()
            .unwrap()
            .contains("expired on 2026-11-25")
    );
    let res = h.try_create().await;
    assert_eq!(res.status(), 403);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "licence_expired");
    // Nothing is lost: the existing verification is still there and readable.
    let res = h
        .client
        .get(h.url(&format!("/v1/verifications/{id}")))
        .bearer_auth(&h.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // The state change is in the audit trail.
    let events = h.state().db.audit_events().await.unwrap();
    assert!(events.iter().any(|e| e.entry.action == "licence.state"));

    // A restart while expired still starts (read-only), never refuses.
    // A renewed licence dropped in place takes effect at the next daily check.
    write_licence(&config, &issue(&terms(&fp, "2027-12-31")));
    h.clock.advance(DAY_MS);
    server::jobs::housekeeping(h.state()).await.unwrap();
    assert!(!h.state().licence.read_only());
    h.create().await;
    h.shutdown().await;

    let restarted = launch(
        config.clone(),
        Arc::new(ManualClock::new(T0 + 800 * DAY_MS)),
    )
    .await
    .unwrap();
    assert!(restarted.state.licence.read_only());
    restarted.shutdown().await;
}

/// A cluster licence: every node on the shared database computes the same fingerprint.
#[tokio::test]
async fn a_cluster_licence_binds_to_the_shared_database() {
    let (config, _, fp) = licensed_config(Backend::Postgres, "cluster").await;
    let mut second = config.clone();
    second.data_dir = config.data_dir.with_extension("node2");
    std::fs::create_dir_all(&second.data_dir).unwrap();
    let db = store::Db::connect(&second.database_url(), second.database.schema.as_deref())
        .await
        .unwrap();
    assert_eq!(
        server::licensing::fingerprint(&second, &db, T0)
            .await
            .unwrap(),
        fp,
        "a second node sees another cluster fingerprint"
    );
    write_licence(&config, &issue(&terms(&fp, "2026-12-31")));
    let running = launch(config.clone(), Arc::new(ManualClock::new(T0)))
        .await
        .unwrap();
    assert!(!running.state.licence.read_only());
    running.shutdown().await;
    // The machine fingerprint of the same directory is another one.
    let mut machine = config.clone();
    machine.licence.binding = "machine".into();
    assert_ne!(
        server::licensing::fingerprint(&machine, &db, T0)
            .await
            .unwrap(),
        fp
    );
}
