//! ICAO 9303 chip data (the Logical Data Structure of ICAO Doc 9303-10), sans I/O.
//!
//! Built so far: the LDS file map ([`lds::LdsFile`]: file identifiers, short file identifiers and
//! outer tags of every elementary file), EF.COM ([`lds::EfCom`]) and DG1 ([`lds::Dg1`], the MRZ
//! through the `mrz` crate, so that a caller can compare the chip's MRZ with the printed one).
//! Other data groups are kept as raw bytes ([`lds::RawFile`]), never an error.
//!
//! Not built yet (issue 3): DG2/DG7/DG11/DG12/DG14/DG15 and EF.CardAccess contents, EF.SOD,
//! Passive Authentication and Active Authentication.
//!
//! Every error ([`Error`]) has a stable [`Error::code`] and, for malformed bytes, the byte offset.
#![forbid(unsafe_code)]

mod error;
pub mod lds;

pub use error::Error;
