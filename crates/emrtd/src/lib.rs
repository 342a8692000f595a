//! ICAO 9303 chip data: LDS parsing, Passive Authentication to the CSCA, Active Authentication.
//!
//! (Being built: see ARCHITECTURE.md.)
#![forbid(unsafe_code)]
