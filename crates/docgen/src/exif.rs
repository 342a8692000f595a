//! A minimal EXIF (TIFF, little-endian) writer: IFD0 with Make, Model, Software, DateTime and a
//! pointer to the Exif IFD holding DateTimeOriginal — the tags phone cameras write and the
//! document engine reads.

/// The EXIF tags a generated capture carries (`None`: tag absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExifTags {
    /// 0x010F Make.
    pub make: Option<String>,
    /// 0x0110 Model.
    pub model: Option<String>,
    /// 0x0131 Software.
    pub software: Option<String>,
    /// 0x0132 DateTime (`YYYY:MM:DD HH:MM:SS`, the file's change time).
    pub date_time: Option<String>,
    /// 0x9003 DateTimeOriginal (when the picture was taken).
    pub date_time_original: Option<String>,
}

struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    data: Vec<u8>,
}

fn ascii(tag: u16, s: &str) -> Entry {
    let mut data = s.as_bytes().to_vec();
    data.push(0);
    Entry {
        tag,
        kind: 2,
        count: data.len() as u32,
        data,
    }
}

/// Writes IFD entries at `base` (offset of the IFD within the TIFF); returns the bytes of the
/// IFD followed by its out-of-line values.
fn ifd(entries: &[Entry], base: u32) -> Vec<u8> {
    let n = entries.len() as u32;
    let mut out = Vec::new();
    out.extend_from_slice(&(n as u16).to_le_bytes());
    let mut extra = Vec::new();
    let extra_base = base + 2 + n * 12 + 4;
    for e in entries {
        out.extend_from_slice(&e.tag.to_le_bytes());
        out.extend_from_slice(&e.kind.to_le_bytes());
        out.extend_from_slice(&e.count.to_le_bytes());
        if e.data.len() <= 4 {
            let mut v = e.data.clone();
            v.resize(4, 0);
            out.extend_from_slice(&v);
        } else {
            out.extend_from_slice(&(extra_base + extra.len() as u32).to_le_bytes());
            extra.extend_from_slice(&e.data);
            if extra.len() % 2 == 1 {
                extra.push(0);
            }
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&extra);
    out
}

/// The APP1 payload (`Exif\0\0` + TIFF) for these tags; `None` when there are no tags at all.
pub fn app1(tags: &ExifTags) -> Option<Vec<u8>> {
    let mut ifd0 = Vec::new();
    if let Some(s) = &tags.make {
        ifd0.push(ascii(0x010F, s));
    }
    if let Some(s) = &tags.model {
        ifd0.push(ascii(0x0110, s));
    }
    if let Some(s) = &tags.software {
        ifd0.push(ascii(0x0131, s));
    }
    if let Some(s) = &tags.date_time {
        ifd0.push(ascii(0x0132, s));
    }
    let mut exif_entries = Vec::new();
    if let Some(s) = &tags.date_time_original {
        exif_entries.push(ascii(0x9003, s));
    }
    if ifd0.is_empty() && exif_entries.is_empty() {
        return None;
    }
    // The Exif IFD pointer (0x8769, LONG) is the last entry of IFD0; its value is patched below.
    let with_ptr = !exif_entries.is_empty();
    if with_ptr {
        ifd0.push(Entry {
            tag: 0x8769,
            kind: 4,
            count: 1,
            data: vec![0; 4],
        });
    }
    let ifd0_bytes = ifd(&ifd0, 8);
    let exif_at = 8 + ifd0_bytes.len() as u32;
    if let (true, Some(last)) = (with_ptr, ifd0.last_mut()) {
        last.data = exif_at.to_le_bytes().to_vec();
    }
    let ifd0_bytes = ifd(&ifd0, 8);
    let mut tiff = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&ifd0_bytes);
    if with_ptr {
        tiff.extend_from_slice(&ifd(&exif_entries, exif_at));
    }
    let mut out = b"Exif\0\0".to_vec();
    out.extend_from_slice(&tiff);
    Some(out)
}
