//! Encoding: minimal definite lengths (DER-compatible), into caller-owned buffers.

use crate::{Error, Tag};

/// Largest value length a 4-byte long-form length can carry.
const MAX_LEN: usize = 0xFFFF_FFFF;

/// Size of the length field for a value of `len` bytes (1 to 5).
fn length_size(len: usize) -> usize {
    match len {
        0..=0x7F => 1,
        0x80..=0xFF => 2,
        0x100..=0xFFFF => 3,
        0x1_0000..=0xFF_FFFF => 4,
        _ => 5,
    }
}

/// Appends the minimal length field for `len` to `out` (ISO/IEC 7816-4 §5.2.2.2).
///
/// # Errors
/// [`Error::ValueTooLong`] above 2³² − 1 bytes.
pub fn encode_length(len: usize, out: &mut Vec<u8>) -> Result<(), Error> {
    if len > MAX_LEN {
        return Err(Error::ValueTooLong { len });
    }
    let size = length_size(len);
    if size == 1 {
        out.extend(u8::try_from(len));
    } else {
        let n = size - 1;
        // 0x80 | n with n in 1..=4.
        out.push(0x80 | u8::try_from(n).unwrap_or(4));
        let bytes = (len as u64).to_be_bytes();
        out.extend_from_slice(bytes.get(8 - n..).unwrap_or_default());
    }
    Ok(())
}

/// Total encoded size of a data object with `tag` and a value of `value_len` bytes.
#[must_use]
pub fn encoded_len(tag: Tag, value_len: usize) -> usize {
    tag.len() + length_size(value_len) + value_len
}

/// Appends one data object to `out`.
///
/// # Errors
/// [`Error::ValueTooLong`].
pub fn encode_into(tag: Tag, value: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
    if value.len() > MAX_LEN {
        return Err(Error::ValueTooLong { len: value.len() });
    }
    out.reserve(encoded_len(tag, value.len()));
    tag.write(out);
    encode_length(value.len(), out)?;
    out.extend_from_slice(value);
    Ok(())
}

/// One data object as a new buffer.
///
/// # Errors
/// [`Error::ValueTooLong`].
pub fn encode(tag: Tag, value: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    encode_into(tag, value, &mut out)?;
    Ok(out)
}

/// Builds a constructed data object from children.
///
/// ```
/// use tlv::{Builder, Tag};
/// let dg1 = Builder::new(Tag::new(0x61)).primitive(Tag::new(0x5F1F), b"AB").finish().unwrap();
/// assert_eq!(dg1, [0x61, 0x05, 0x5F, 0x1F, 0x02, b'A', b'B']);
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    tag: Tag,
    value: Vec<u8>,
    error: Option<Error>,
}

impl Builder {
    /// A constructed data object with `tag` and no children yet.
    #[must_use]
    pub fn new(tag: Tag) -> Self {
        Builder {
            tag,
            value: Vec::new(),
            error: None,
        }
    }

    /// Adds a primitive child.
    #[must_use]
    pub fn primitive(mut self, tag: Tag, value: &[u8]) -> Self {
        if self.error.is_none()
            && let Err(e) = encode_into(tag, value, &mut self.value)
        {
            self.error = Some(e);
        }
        self
    }

    /// Adds an already-encoded child (e.g. the result of another builder).
    #[must_use]
    pub fn raw(mut self, encoded: &[u8]) -> Self {
        self.value.extend_from_slice(encoded);
        self
    }

    /// Adds a constructed child built by `child`.
    #[must_use]
    pub fn nested(self, child: Builder) -> Self {
        match child.finish() {
            Ok(bytes) => self.raw(&bytes),
            Err(e) => {
                let mut s = self;
                s.error.get_or_insert(e);
                s
            }
        }
    }

    /// The encoded data object.
    ///
    /// # Errors
    /// The first [`Error::ValueTooLong`] met while building.
    pub fn finish(self) -> Result<Vec<u8>, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        encode(self.tag, &self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_lengths() {
        let enc = |n| {
            let mut v = Vec::new();
            encode_length(n, &mut v).unwrap();
            v
        };
        assert_eq!(enc(0), [0x00]);
        assert_eq!(enc(0x7F), [0x7F]);
        assert_eq!(enc(0x80), [0x81, 0x80]);
        assert_eq!(enc(0xFF), [0x81, 0xFF]);
        assert_eq!(enc(0x100), [0x82, 0x01, 0x00]);
        assert_eq!(enc(0x1_0000), [0x83, 0x01, 0x00, 0x00]);
        assert_eq!(enc(0x100_0000), [0x84, 0x01, 0x00, 0x00, 0x00]);
        assert_eq!(encoded_len(Tag::new(0x5F2E), 300), 2 + 3 + 300);
    }

    #[test]
    fn builder_nests() {
        let dg2 = Builder::new(Tag::new(0x75))
            .nested(
                Builder::new(Tag::new(0x7F61))
                    .primitive(Tag::new(0x02), &[1])
                    .nested(
                        Builder::new(Tag::new(0x7F60)).primitive(Tag::new(0x5F2E), &[0xAA, 0xBB]),
                    ),
            )
            .finish()
            .unwrap();
        assert_eq!(hex::encode_upper(&dg2), "750E7F610B0201017F60055F2E02AABB");
    }
}
