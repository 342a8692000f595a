//! ICAO 9303 machine-readable zones: parse, validate, repair, generate, and the BAC key seed.
//!
//! (Being built: see ARCHITECTURE.md.)
#![forbid(unsafe_code)]
