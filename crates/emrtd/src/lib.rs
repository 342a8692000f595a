//! ICAO 9303 chip data, sans I/O: the Logical Data Structure (ICAO Doc 9303-10), Passive
//! Authentication up to the country's CSCA (9303-11 §5.1, 9303-12) and Active Authentication
//! (9303-11 §6.1).
//!
//! Every error ([`Error`]) has a stable [`Error::code`] and, for malformed bytes, the byte offset.
#![forbid(unsafe_code)]

pub mod aa;
pub mod chip;
mod cms;
pub mod crypto;
mod error;
pub mod hash;
pub mod lds;
pub mod oid;
pub mod pa;
pub mod pki;
pub mod sod;

pub use error::Error;
pub use hash::HashAlgorithm;
