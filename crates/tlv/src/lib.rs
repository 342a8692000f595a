//! BER-TLV (ISO/IEC 7816-4, ICAO 9303-10 §4) parsing and encoding, sans I/O.
//!
//! (Being built: see ARCHITECTURE.md.)
#![forbid(unsafe_code)]
