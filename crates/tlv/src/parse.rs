//! Parsing: borrowed data objects over the input, with absolute offsets.

use std::fmt;

use crate::{Error, Tag};

/// One BER-TLV data object borrowed from the input.
///
/// `Debug` shows the tag, offset and length only, never the value: values are often personal
/// data (DG1 holds the MRZ) or keys.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    tag: Tag,
    value: &'a [u8],
    raw: &'a [u8],
    offset: usize,
}

impl fmt::Debug for Tlv<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tlv")
            .field("tag", &self.tag)
            .field("offset", &self.offset)
            .field("len", &self.value.len())
            .finish()
    }
}

/// Reads a length at the start of `input` (ISO/IEC 7816-4 §5.2.2.2); returns it and its size.
fn parse_length(input: &[u8], base: usize) -> Result<(usize, usize), Error> {
    let Some(&first) = input.first() else {
        return Err(Error::Truncated {
            what: "length",
            offset: base,
            needed: 1,
        });
    };
    match first {
        0x00..=0x7F => Ok((usize::from(first), 1)),
        0x80 => Err(Error::IndefiniteLength { offset: base }),
        0x81..=0x84 => {
            let n = usize::from(first & 0x7F);
            let Some(bytes) = input.get(1..=n) else {
                return Err(Error::Truncated {
                    what: "length",
                    offset: base,
                    needed: n + 1 - input.len(),
                });
            };
            let len = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            // At most 4 bytes: fits in u64, and in usize on every target we build for
            // (a value larger than the input is rejected as truncated anyway).
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            Ok((len, n + 1))
        }
        _ => Err(Error::LengthTooLong {
            offset: base,
            bytes: usize::from(first & 0x7F),
        }),
    }
}

impl<'a> Tlv<'a> {
    /// Parses the first data object of `input`; returns it and the bytes after it.
    ///
    /// # Errors
    /// Any [`Error`] about the tag, the length, or a value that runs past the input.
    pub fn parse(input: &'a [u8]) -> Result<(Tlv<'a>, &'a [u8]), Error> {
        Self::parse_at(input, 0)
    }

    /// Parses exactly one data object that fills `input`.
    ///
    /// # Errors
    /// As [`Tlv::parse`], and [`Error::TrailingData`] when bytes are left over.
    pub fn parse_exact(input: &'a [u8]) -> Result<Tlv<'a>, Error> {
        let (tlv, rest) = Self::parse(input)?;
        if rest.is_empty() {
            Ok(tlv)
        } else {
            Err(Error::TrailingData {
                offset: tlv.raw.len(),
                count: rest.len(),
            })
        }
    }

    /// Parses one data object that fills `input` and must carry `tag` (e.g. an LDS file's
    /// outer template, ICAO 9303-10 §4.6).
    ///
    /// # Errors
    /// As [`Tlv::parse_exact`], and [`Error::UnexpectedTag`].
    pub fn parse_tagged(input: &'a [u8], tag: Tag) -> Result<Tlv<'a>, Error> {
        let tlv = Self::parse_exact(input)?;
        if tlv.tag == tag {
            Ok(tlv)
        } else {
            Err(Error::UnexpectedTag {
                offset: 0,
                expected: tag,
                found: tlv.tag,
            })
        }
    }

    /// Parses the first data object of `input`, whose first byte is at `base` in the outermost input.
    pub(crate) fn parse_at(input: &'a [u8], base: usize) -> Result<(Tlv<'a>, &'a [u8]), Error> {
        let (tag, tag_len) = Tag::parse(input, base)?;
        let after_tag = input.get(tag_len..).unwrap_or_default();
        let (len, len_len) = parse_length(after_tag, base + tag_len)?;
        let header = tag_len + len_len;
        let available = input.len() - header.min(input.len());
        if len > available {
            return Err(Error::Truncated {
                what: "value",
                offset: base + header,
                needed: len - available,
            });
        }
        let end = header + len;
        match (input.get(header..end), input.get(..end), input.get(end..)) {
            (Some(value), Some(raw), Some(rest)) => Ok((
                Tlv {
                    tag,
                    value,
                    raw,
                    offset: base,
                },
                rest,
            )),
            // Unreachable: `len <= available` was checked above.
            _ => Err(Error::Truncated {
                what: "value",
                offset: base + header,
                needed: len,
            }),
        }
    }

    /// The tag.
    #[must_use]
    pub fn tag(&self) -> Tag {
        self.tag
    }

    /// The value bytes.
    #[must_use]
    pub fn value(&self) -> &'a [u8] {
        self.value
    }

    /// The whole data object: tag, length and value, as they were in the input (hashes over
    /// LDS files and signed attributes are taken over these exact bytes).
    #[must_use]
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Offset of the tag's first byte in the outermost input.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Offset of the value's first byte in the outermost input.
    #[must_use]
    pub fn value_offset(&self) -> usize {
        self.offset + self.raw.len() - self.value.len()
    }

    /// The data objects inside a constructed value.
    ///
    /// # Errors
    /// [`Error::NotConstructed`] for a primitive tag. Errors inside the value come from the iterator.
    pub fn children(&self) -> Result<Tlvs<'a>, Error> {
        if self.tag.is_constructed() {
            Ok(Tlvs::with_base(self.value, self.value_offset()))
        } else {
            Err(Error::NotConstructed {
                offset: self.offset,
                tag: self.tag,
            })
        }
    }

    /// The value parsed as a sequence of data objects, whatever the tag says (some
    /// specifications wrap TLVs in primitive or context tags, e.g. secure messaging's `85`).
    #[must_use]
    pub fn value_as_tlvs(&self) -> Tlvs<'a> {
        Tlvs::with_base(self.value, self.value_offset())
    }

    /// The first direct child with `tag`, if any.
    ///
    /// # Errors
    /// [`Error::NotConstructed`], or a parse error among the children before the match.
    pub fn find(&self, tag: Tag) -> Result<Option<Tlv<'a>>, Error> {
        for child in self.children()? {
            let child = child?;
            if child.tag == tag {
                return Ok(Some(child));
            }
        }
        Ok(None)
    }

    /// Follows `path` through nested constructed objects: `find(path[0])`, then `find(path[1])`
    /// inside it, and so on. An empty path gives `self`.
    ///
    /// # Errors
    /// As [`Tlv::find`] at each step.
    pub fn find_path(&self, path: &[Tag]) -> Result<Option<Tlv<'a>>, Error> {
        let mut current = *self;
        for &tag in path {
            match current.find(tag)? {
                Some(next) => current = next,
                None => return Ok(None),
            }
        }
        Ok(Some(current))
    }
}

/// An iterator over a sequence of data objects. After the first error it yields nothing more.
#[derive(Debug, Clone)]
pub struct Tlvs<'a> {
    rest: &'a [u8],
    offset: usize,
    skip_padding: bool,
    failed: bool,
}

impl<'a> Tlvs<'a> {
    /// The data objects of `input`, which must be nothing but data objects.
    #[must_use]
    pub fn new(input: &'a [u8]) -> Self {
        Self::with_base(input, 0)
    }

    fn with_base(input: &'a [u8], offset: usize) -> Self {
        Tlvs {
            rest: input,
            offset,
            skip_padding: false,
            failed: false,
        }
    }

    /// Skips `00` and `FF` bytes before, between and after data objects, as ISO/IEC 7816-4
    /// §5.2.2.1 allows (files on chips are often padded after their content).
    #[must_use]
    pub fn skip_padding(mut self) -> Self {
        self.skip_padding = true;
        self
    }

    /// Collects every data object, or the first error.
    ///
    /// # Errors
    /// The first parse error in the sequence.
    pub fn collect_all(self) -> Result<Vec<Tlv<'a>>, Error> {
        self.collect()
    }
}

impl<'a> Iterator for Tlvs<'a> {
    type Item = Result<Tlv<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        if self.skip_padding {
            let pad = self
                .rest
                .iter()
                .take_while(|&&b| b == 0x00 || b == 0xFF)
                .count();
            self.rest = self.rest.get(pad..).unwrap_or_default();
            self.offset += pad;
        }
        if self.rest.is_empty() {
            return None;
        }
        match Tlv::parse_at(self.rest, self.offset) {
            Ok((tlv, rest)) => {
                self.offset += tlv.raw.len();
                self.rest = rest;
                Some(Ok(tlv))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    #[test]
    fn lengths() {
        assert_eq!(parse_length(&[0x00], 0), Ok((0, 1)));
        assert_eq!(parse_length(&[0x7F], 0), Ok((127, 1)));
        assert_eq!(parse_length(&[0x81, 0x80], 0), Ok((128, 2)));
        assert_eq!(parse_length(&[0x82, 0x01, 0x00], 0), Ok((256, 3)));
        assert_eq!(parse_length(&[0x83, 0x01, 0x00, 0x00], 0), Ok((65536, 4)));
        assert_eq!(parse_length(&[0x84, 0, 0, 1, 0], 0), Ok((256, 5)));
        assert_eq!(
            parse_length(&[0x80], 4),
            Err(Error::IndefiniteLength { offset: 4 })
        );
        assert_eq!(
            parse_length(&[0x85, 0, 0, 0, 0, 1], 1),
            Err(Error::LengthTooLong {
                offset: 1,
                bytes: 5
            })
        );
        assert_eq!(
            parse_length(&[0x82, 0x01], 2),
            Err(Error::Truncated {
                what: "length",
                offset: 2,
                needed: 1
            })
        );
    }

    #[test]
    fn nested_lds_like_structure() {
        // EF.COM-like: 60 { 5F01 "0107", 5F36 "040000", 5C [61 75] }
        let data = h("60 14 5F01 04 30313037 5F36 06 303430303030 5C 02 6175");
        let com = Tlv::parse_tagged(&data, Tag::new(0x60)).unwrap();
        let children: Vec<_> = com.children().unwrap().collect_all().unwrap();
        assert_eq!(children.len(), 3);
        assert_eq!(children[0].tag(), Tag::new(0x5F01));
        assert_eq!(children[0].value(), b"0107");
        assert_eq!(children[0].offset(), 2);
        assert_eq!(children[0].value_offset(), 5);
        assert_eq!(children[2].value(), &[0x61, 0x75]);
        assert_eq!(
            com.find(Tag::new(0x5F36)).unwrap().unwrap().value(),
            b"040000"
        );
        assert_eq!(com.find(Tag::new(0x99)).unwrap(), None);
        assert_eq!(com.raw(), &data[..]);
    }

    #[test]
    fn find_path_through_templates() {
        // 75 { 7F61 { 02 01 01, 7F60 { 5F2E 02 AABB } } }
        let data = h("75 0E 7F61 0B 020101 7F60 05 5F2E 02 AABB");
        let dg2 = Tlv::parse_exact(&data).unwrap();
        let bdb = dg2
            .find_path(&[Tag::new(0x7F61), Tag::new(0x7F60), Tag::new(0x5F2E)])
            .unwrap()
            .unwrap();
        assert_eq!(bdb.value(), &[0xAA, 0xBB]);
        assert_eq!(bdb.value_offset(), 14);
        assert_eq!(dg2.find_path(&[]).unwrap(), Some(dg2));
        assert_eq!(
            dg2.find_path(&[Tag::new(0x7F61), Tag::new(0x01)]).unwrap(),
            None
        );
    }

    #[test]
    fn errors_carry_absolute_offsets() {
        // The second child's value runs past its parent.
        let data = h("61 07 5F1F 01 41 04 05 00");
        let outer = Tlv::parse_exact(&data).unwrap();
        let mut it = outer.children().unwrap();
        assert!(it.next().unwrap().is_ok());
        assert_eq!(
            it.next().unwrap(),
            Err(Error::Truncated {
                what: "value",
                offset: 8,
                needed: 4
            })
        );
        assert_eq!(it.next(), None, "iteration stops after an error");
    }

    #[test]
    fn primitive_has_no_children() {
        let data = h("04 02 0102");
        let t = Tlv::parse_exact(&data).unwrap();
        assert_eq!(
            t.children().unwrap_err(),
            Error::NotConstructed {
                offset: 0,
                tag: Tag::new(0x04)
            }
        );
        assert_eq!(t.children().unwrap_err().code(), "tlv_not_constructed");
        // value_as_tlvs reads it anyway.
        assert_eq!(
            t.value_as_tlvs().next().unwrap().unwrap_err().code(),
            "tlv_truncated"
        );
    }

    #[test]
    fn exactness_and_padding() {
        let data = h("04 01 AA 00 FF");
        assert_eq!(
            Tlv::parse_exact(&data),
            Err(Error::TrailingData {
                offset: 3,
                count: 2
            })
        );
        let strict: Result<Vec<_>, _> = Tlvs::new(&data).collect();
        assert_eq!(strict.unwrap_err(), Error::Padding { offset: 3, byte: 0 });
        let padded_input = h("FF 04 01 AA 00 00 05 00 FF FF");
        let padded = Tlvs::new(&padded_input)
            .skip_padding()
            .collect_all()
            .unwrap();
        assert_eq!(padded.len(), 2);
        assert_eq!(padded[1].offset(), 6);
        assert_eq!(
            Tlv::parse_tagged(&h("04 00"), Tag::new(0x05)),
            Err(Error::UnexpectedTag {
                offset: 0,
                expected: Tag::new(0x05),
                found: Tag::new(0x04)
            })
        );
    }

    #[test]
    fn debug_hides_values() {
        let data = h("5F1F 03 414243");
        let t = Tlv::parse_exact(&data).unwrap();
        let dbg = format!("{t:?}");
        assert!(!dbg.contains("414243") && !dbg.contains("65, 66"), "{dbg}");
        assert!(dbg.contains("5F1F"));
    }
}
