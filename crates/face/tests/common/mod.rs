//! Shared by the integration tests: the models from the setup step, the development photos.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::sync::OnceLock;

use face::{DetectorKind, FaceConfig, FaceEngine, FaceModels};

/// `target/models/` as written by `scripts/setup.d/40-models.sh` (or `IDVERIFY_MODELS_DIR`).
pub fn models_dir() -> PathBuf {
    std::env::var_os("IDVERIFY_MODELS_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models"),
        PathBuf::from,
    )
}

/// The deepface development set (read-only, beside the repository).
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/faces-deepface")
}

pub fn photo(name: &str) -> Vec<u8> {
    let p = data_dir().join(name);
    std::fs::read(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (the deepface set must sit beside the repository)",
            p.display()
        )
    })
}

pub fn engine_with(kind: DetectorKind) -> FaceEngine {
    let dir = inference::ModelDir::open_pinned(&models_dir()).unwrap_or_else(|e| {
        panic!("models not usable ({e}); run scripts/setup (scripts/setup.d/40-models.sh) first")
    });
    FaceEngine::new(FaceModels::load(&dir, kind).unwrap(), FaceConfig::default())
}

pub fn engine() -> &'static FaceEngine {
    static E: OnceLock<FaceEngine> = OnceLock::new();
    E.get_or_init(|| engine_with(DetectorKind::default()))
}

pub fn pairs() -> Vec<(String, String, bool)> {
    let text = std::fs::read_to_string(data_dir().join("master.csv")).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.trim().split(',').collect();
            (f[0].to_owned(), f[1].to_owned(), f[2] == "Yes")
        })
        .collect()
}
