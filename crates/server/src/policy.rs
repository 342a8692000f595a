//! The decision policy the risk engine applies: a TOML file (`[policy] file`, which `idverify
//! init` writes as a copy of the shipped default) or, without one, the shipped default itself.
//!
//! **Hot reload:** every decision asks [`PolicyStore::current`], which looks at the file's
//! modification time and, when it changed, parses and validates it again. A valid new policy
//! takes effect for the next decision (each result records the version and hash that decided
//! it); an invalid one is refused with every problem logged, and the previous policy stays.
//! At start-up an invalid policy is an error: the server does not start on a policy it cannot
//! read.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use crate::{Config, Error};

/// The policy in force, and where it comes from.
#[derive(Debug)]
pub struct PolicyStore {
    path: Option<PathBuf>,
    current: RwLock<Loaded>,
}

#[derive(Debug, Clone)]
struct Loaded {
    policy: Arc<risk::Policy>,
    modified: Option<SystemTime>,
}

fn describe(e: &risk::PolicyError) -> String {
    let problems: Vec<String> = e.problems().iter().map(ToString::to_string).collect();
    if problems.is_empty() {
        e.to_string()
    } else {
        problems.join("; ")
    }
}

impl PolicyStore {
    /// Loads the configured policy (or the shipped default).
    ///
    /// # Errors
    /// `config_invalid` naming the file and every problem in it.
    pub fn load(config: &Config) -> Result<PolicyStore, Error> {
        let path = config.policy.file.as_ref().map(|p| config.path(p));
        let loaded = match &path {
            None => Loaded {
                policy: Arc::new(risk::Policy::builtin().map_err(|e| Error::Config(describe(&e)))?),
                modified: None,
            },
            Some(p) => Self::read(p)?,
        };
        Ok(PolicyStore {
            path,
            current: RwLock::new(loaded),
        })
    }

    fn read(path: &PathBuf) -> Result<Loaded, Error> {
        let io = |e| Error::Io(path.display().to_string(), e);
        let modified = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .map_err(io)?;
        let text = std::fs::read_to_string(path).map_err(io)?;
        let policy = risk::Policy::from_toml(&text)
            .map_err(|e| Error::Config(format!("{}: {}", path.display(), describe(&e))))?;
        Ok(Loaded {
            policy: Arc::new(policy),
            modified: Some(modified),
        })
    }

    /// The policy to decide with now, reloaded first if its file changed.
    #[must_use]
    pub fn current(&self) -> Arc<risk::Policy> {
        let loaded = match self.current.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let Some(path) = &self.path else {
            return loaded.policy;
        };
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        if modified.is_none() || modified == loaded.modified {
            return loaded.policy;
        }
        match Self::read(path) {
            Ok(new) => {
                tracing::info!(
                    version = new.policy.version(),
                    hash = new.policy.hash(),
                    "policy reloaded"
                );
                let policy = new.policy.clone();
                match self.current.write() {
                    Ok(mut g) => *g = new,
                    Err(poisoned) => *poisoned.into_inner() = new,
                }
                policy
            }
            Err(e) => {
                tracing::error!(error = %e, "policy file changed but is invalid; the previous policy stays");
                // Remember the bad version so it is not parsed again for every decision.
                let mut kept = loaded.clone();
                kept.modified = modified;
                match self.current.write() {
                    Ok(mut g) => *g = kept,
                    Err(poisoned) => *poisoned.into_inner() = kept,
                }
                loaded.policy
            }
        }
    }
}
