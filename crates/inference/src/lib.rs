//! One model-runner interface over the chosen inference runtime, and model loading with hash checks.
//!
//! (Being built: see ARCHITECTURE.md.)
#![forbid(unsafe_code)]
