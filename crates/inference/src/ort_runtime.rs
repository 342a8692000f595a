//! The ONNX Runtime adapter (`ort` in load-dynamic mode).
//!
//! ONNX Runtime allows one environment per process and `ort` loads one library per process:
//! both are made once, on first use, from the library file of the first [`ModelDir`] that loads a
//! model. A later request for a different library file is an error rather than a silent reuse.
//!
//! [`ModelDir`]: crate::ModelDir

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::Tensor as OrtTensor;

use crate::{Error, Model, RunOptions, Tensor};

static ENVIRONMENT: OnceLock<Result<(PathBuf, ort::environment::Environment), String>> =
    OnceLock::new();

fn environment(lib: &Path) -> Result<&'static ort::environment::Environment, Error> {
    let slot = ENVIRONMENT.get_or_init(|| {
        let builder = ort::init_from(lib).map_err(|e| e.to_string())?;
        let env = builder
            .with_name("idverify")
            .build()
            .map_err(|e| e.to_string())?;
        Ok((lib.to_owned(), env))
    });
    match slot {
        Ok((loaded, env)) if loaded == lib => Ok(env),
        Ok((loaded, _)) => Err(Error::RuntimeLoad(format!(
            "{} is already loaded in this process; {} cannot be loaded beside it",
            loaded.display(),
            lib.display()
        ))),
        Err(e) => Err(Error::RuntimeLoad(format!("{}: {e}", lib.display()))),
    }
}

/// A model in an ONNX Runtime session.
pub(crate) struct OrtModel {
    name: String,
    inputs: Vec<String>,
    session: Mutex<Session>,
}

impl std::fmt::Debug for OrtModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OrtModel({})", self.name)
    }
}

impl OrtModel {
    pub(crate) fn load(
        lib: &Path,
        name: &str,
        bytes: &[u8],
        options: RunOptions,
    ) -> Result<OrtModel, Error> {
        let env = environment(lib)?;
        let fail = |detail: String| Error::ModelLoad {
            name: name.to_owned(),
            detail,
        };
        let session = Session::builder(env)
            .map_err(|e| fail(e.to_string()))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| fail(e.to_string()))?
            .with_intra_threads(options.intra_threads.max(1))
            .map_err(|e| fail(e.to_string()))?
            .with_inter_threads(1)
            .map_err(|e| fail(e.to_string()))?
            .commit_from_memory(bytes)
            .map_err(|e| fail(e.to_string()))?;
        let inputs = session
            .inputs()
            .iter()
            .map(|i| i.name().to_owned())
            .collect();
        Ok(OrtModel {
            name: name.to_owned(),
            inputs,
            session: Mutex::new(session),
        })
    }
}

impl Model for OrtModel {
    fn name(&self) -> &str {
        &self.name
    }

    fn run(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>, Error> {
        let run_err = |detail: String| Error::Run {
            name: self.name.clone(),
            detail,
        };
        if inputs.len() != self.inputs.len() {
            return Err(Error::InputMismatch {
                name: self.name.clone(),
                detail: format!(
                    "{} inputs given, the model takes {}",
                    inputs.len(),
                    self.inputs.len()
                ),
            });
        }
        let mut values = Vec::with_capacity(inputs.len());
        for (name, t) in self.inputs.iter().zip(inputs) {
            let v =
                OrtTensor::from_array((t.shape().to_vec(), t.data().to_vec())).map_err(|e| {
                    Error::InputMismatch {
                        name: self.name.clone(),
                        detail: e.to_string(),
                    }
                })?;
            values.push((name.as_str(), v));
        }
        let mut session = self
            .session
            .lock()
            .map_err(|_| run_err("session lock poisoned".into()))?;
        let outputs = session.run(values).map_err(|e| run_err(e.to_string()))?;
        let mut out = Vec::with_capacity(outputs.len());
        for (_, value) in outputs.iter() {
            let (shape, data) = value
                .try_extract_tensor::<f32>()
                .map_err(|e| run_err(e.to_string()))?;
            let dims = shape
                .iter()
                .map(|&d| usize::try_from(d).map_err(|_| run_err(format!("dimension {d}"))))
                .collect::<Result<Vec<_>, _>>()?;
            let t = Tensor::new(dims, data.to_vec())
                .ok_or_else(|| run_err("output size does not match its shape".into()))?;
            out.push(t);
        }
        Ok(out)
    }
}
