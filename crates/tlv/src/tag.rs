//! Tags: ISO/IEC 7816-4 §5.2.2.1.

use std::fmt;

use crate::Error;

/// The class of a tag: bits 8–7 of its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// `00`: universal (ASN.1 types).
    Universal,
    /// `01`: application (the LDS tags `60`, `61`, `75`, `77`, …).
    Application,
    /// `10`: context-specific (`80`, `A0`, … inside templates).
    ContextSpecific,
    /// `11`: private.
    Private,
}

/// A BER-TLV tag of 1 to 4 bytes, held as its big-endian bytes in a `u32`
/// (`0x5F1F` is the two-byte tag `5F 1F`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(u32);

impl Tag {
    /// A tag from its big-endian value, e.g. `Tag::new(0x5F1F)`. The value is taken as given;
    /// [`Tag::parse`] checks the coding of tags read from outside.
    #[must_use]
    pub const fn new(value: u32) -> Self {
        Tag(value)
    }

    /// The tag's big-endian value.
    #[must_use]
    pub const fn value(self) -> u32 {
        self.0
    }

    /// Number of bytes the tag occupies when encoded (1 to 4).
    #[must_use]
    pub const fn len(self) -> usize {
        match self.0 {
            0..=0xFF => 1,
            0x100..=0xFFFF => 2,
            0x1_0000..=0xFF_FFFF => 3,
            _ => 4,
        }
    }

    /// Always false: a tag has at least one byte (present for clippy's `len_without_is_empty`).
    #[must_use]
    pub const fn is_empty(self) -> bool {
        false
    }

    fn first_byte(self) -> u8 {
        let shift = (self.len() - 1) * 8;
        // The top byte of a `len()`-byte value fits in a u8 by construction.
        u8::try_from((self.0 >> shift) & 0xFF).unwrap_or(0)
    }

    /// True when b6 of the first byte is set: the value is itself a sequence of data objects.
    #[must_use]
    pub fn is_constructed(self) -> bool {
        self.first_byte() & 0x20 != 0
    }

    /// The tag's class.
    #[must_use]
    pub fn class(self) -> Class {
        match self.first_byte() >> 6 {
            0 => Class::Universal,
            1 => Class::Application,
            2 => Class::ContextSpecific,
            _ => Class::Private,
        }
    }

    /// Appends the encoded tag to `out`.
    pub fn write(self, out: &mut Vec<u8>) {
        let bytes = self.0.to_be_bytes();
        out.extend_from_slice(bytes.get(4 - self.len()..).unwrap_or(&bytes));
    }

    /// Reads a tag at the start of `input`; `base` is `input`'s offset in the outermost input.
    /// Returns the tag and the number of bytes it took.
    ///
    /// # Errors
    /// [`Error::Truncated`], [`Error::TagTooLong`], [`Error::MalformedTag`], or [`Error::Padding`]
    /// for a first byte 0x00 or 0xFF (ISO/IEC 7816-4 §5.2.2.1: not a valid first tag byte).
    pub fn parse(input: &[u8], base: usize) -> Result<(Tag, usize), Error> {
        let Some(&first) = input.first() else {
            return Err(Error::Truncated {
                what: "tag",
                offset: base,
                needed: 1,
            });
        };
        if first == 0x00 || first == 0xFF {
            return Err(Error::Padding {
                offset: base,
                byte: first,
            });
        }
        let mut value = u32::from(first);
        if first & 0x1F != 0x1F {
            return Ok((Tag(value), 1));
        }
        for i in 1..4 {
            let Some(&b) = input.get(i) else {
                return Err(Error::Truncated {
                    what: "tag",
                    offset: base,
                    needed: 1,
                });
            };
            if i == 1 && b & 0x7F == 0 {
                return Err(Error::MalformedTag { offset: base });
            }
            value = (value << 8) | u32::from(b);
            if b & 0x80 == 0 {
                return Ok((Tag(value), i + 1));
            }
        }
        Err(Error::TagTooLong { offset: base })
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({self})")
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:0width$X}", self.0, width = self.len() * 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_and_multi_byte_tags() {
        assert_eq!(Tag::parse(&[0x61, 0x00], 0), Ok((Tag::new(0x61), 1)));
        assert_eq!(
            Tag::parse(&[0x5F, 0x1F, 0x01], 0),
            Ok((Tag::new(0x5F1F), 2))
        );
        assert_eq!(Tag::parse(&[0x7F, 0x61], 0), Ok((Tag::new(0x7F61), 2)));
        assert_eq!(
            Tag::parse(&[0x5F, 0x81, 0x01], 0),
            Ok((Tag::new(0x5F8101), 3))
        );
        assert_eq!(Tag::new(0x5F1F).to_string(), "5F1F");
        assert_eq!(Tag::new(0x04).to_string(), "04");
    }

    #[test]
    fn class_and_construction() {
        assert!(Tag::new(0x61).is_constructed());
        assert_eq!(Tag::new(0x61).class(), Class::Application);
        assert!(!Tag::new(0x5F1F).is_constructed());
        assert!(Tag::new(0x7F61).is_constructed());
        assert_eq!(Tag::new(0x30).class(), Class::Universal);
        assert_eq!(Tag::new(0x80).class(), Class::ContextSpecific);
        assert_eq!(Tag::new(0xDF01).class(), Class::Private);
    }

    #[test]
    fn bad_tags() {
        assert_eq!(
            Tag::parse(&[], 7),
            Err(Error::Truncated {
                what: "tag",
                offset: 7,
                needed: 1
            })
        );
        assert_eq!(
            Tag::parse(&[0x5F], 3),
            Err(Error::Truncated {
                what: "tag",
                offset: 3,
                needed: 1
            })
        );
        assert_eq!(
            Tag::parse(&[0x5F, 0x80, 0x01], 0),
            Err(Error::MalformedTag { offset: 0 })
        );
        assert_eq!(
            Tag::parse(&[0x5F, 0x81, 0x81, 0x81, 0x01], 2),
            Err(Error::TagTooLong { offset: 2 })
        );
        assert_eq!(
            Tag::parse(&[0xFF], 0),
            Err(Error::Padding {
                offset: 0,
                byte: 0xFF
            })
        );
        assert_eq!(
            Tag::parse(&[0x00], 0),
            Err(Error::Padding {
                offset: 0,
                byte: 0x00
            })
        );
    }

    #[test]
    fn write_round_trips() {
        for t in [0x04, 0x5F1F, 0x7F61, 0x5F8101, 0x1F81_8101] {
            let mut out = Vec::new();
            Tag::new(t).write(&mut out);
            assert_eq!(out.len(), Tag::new(t).len());
            assert_eq!(Tag::parse(&out, 0), Ok((Tag::new(t), out.len())));
        }
    }
}
