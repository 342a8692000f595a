//! Reading eMRTD chips (ICAO Doc 9303-11): APDUs, secure messaging, BAC, PACE, Chip
//! Authentication and Active Authentication, over any [`Transport`] — a PC/SC desk reader
//! (feature `pcsc`) or the in-process [`virtual_chip::VirtualChip`] that serves the test chips.
//!
//! The verification of what is read lives in `emrtd`; this crate only reads, so the verification
//! core carries no protocol state machines.
#![forbid(unsafe_code)]

pub mod apdu;
pub mod crypto;
pub mod ec;
mod error;
pub mod pace;
#[cfg(feature = "pcsc")]
pub mod pcsc_transport;
pub mod reader;
pub mod sm;
pub mod virtual_chip;

pub use error::Error;
pub use reader::{AccessKey, AccessProtocol, ChipRead, Reader, Stats, Transport};
pub use virtual_chip::{PaceConfig, Quirks, VirtualChip};
