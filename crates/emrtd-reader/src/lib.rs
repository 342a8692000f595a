//! ICAO 9303-11 chip access: APDUs, BAC, PACE, Chip Authentication, secure messaging, virtual chip.
//!
//! (Being built: see ARCHITECTURE.md.)
#![forbid(unsafe_code)]
