//! BER-TLV data objects as used by smart cards and eMRTD chips, parsed without copying and
//! encoded into buffers. No I/O.
//!
//! The coding follows ISO/IEC 7816-4 §5.2 (BER-TLV data objects) and ICAO Doc 9303-10 §4
//! (the LDS uses it for every elementary file):
//!
//! ```text
//! tag:    1 byte, or 0bxx_x_11111 followed by bytes with b8 = 1 ... and a last byte with b8 = 0
//!         (at most 4 bytes here; ISO/IEC 7816-4 uses at most 3)
//! length: 0x00..=0x7F            one byte, the length itself
//!         0x81 L1 .. 0x84 L1..L4 long form, 1 to 4 bytes, big-endian
//!         0x80                   indefinite form: rejected (7816-4 and 9303 do not use it)
//! value:  `length` bytes; for a constructed tag (b6 of the first byte set), a sequence of TLVs
//! ```
//!
//! What this crate deliberately does not do: interpret values (that is `emrtd`'s job), accept
//! indefinite lengths, or read beyond the input — every error carries the byte offset where
//! parsing failed, counted from the start of the outermost input.
//!
//! Main types: [`Tag`], [`Tlv`] (a borrowed data object), [`Tlvs`] (an iterator over a
//! sequence), [`encode`] / [`Builder`] for writing, [`Error`].
//!
//! ```
//! let dg1 = hex::decode("61055F1F024142").unwrap();
//! let (outer, rest) = tlv::Tlv::parse(&dg1).unwrap();
//! assert!(rest.is_empty());
//! assert_eq!(outer.tag(), tlv::Tag::new(0x61));
//! let mrz = outer.find(tlv::Tag::new(0x5F1F)).unwrap().unwrap();
//! assert_eq!(mrz.value(), b"AB");
//! ```
#![forbid(unsafe_code)]

mod encode;
mod error;
mod parse;
mod tag;

pub use encode::{Builder, encode, encode_into, encode_length, encoded_len};
pub use error::Error;
pub use parse::{Tlv, Tlvs};
pub use tag::{Class, Tag};
