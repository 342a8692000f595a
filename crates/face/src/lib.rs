//! Face detection, alignment, embedding, matching and quality gates.
//!
//! (Being built: see ARCHITECTURE.md.)
#![forbid(unsafe_code)]
