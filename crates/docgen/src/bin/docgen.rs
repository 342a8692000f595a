//! Writes generated samples to a directory for inspection:
//! `docgen OUT_DIR [COUNT] [FIRST_SEED]` → `NNNN-front.jpg`, `NNNN-back.jpg`, `NNNN.txt` (labels).
#![allow(
    clippy::print_stdout,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(
        args.next()
            .ok_or("usage: docgen OUT_DIR [COUNT] [FIRST_SEED]")?,
    );
    let count: u64 = args.next().map_or(Ok(12), |s| s.parse())?;
    let first: u64 = args.next().map_or(Ok(1), |s| s.parse())?;
    std::fs::create_dir_all(&out)?;
    let faces = docgen::FaceSet::load_dir(&docgen::FaceSet::default_dir(), 24)?;
    let today = mrz::Date::new(2026, 12, 1).ok_or("date")?;
    let g = docgen::Generator::new(docgen::Fonts::system()?, faces, today)?;
    for seed in first..first + count {
        let spec = docgen::Generator::mixed_spec(seed);
        let s = g.sample(seed, spec)?;
        std::fs::write(out.join(format!("{seed:04}-front.jpg")), &s.front.jpeg)?;
        if std::env::var_os("DOCGEN_PNG").is_some() {
            let c = docgen::capture::decode(&s.front.jpeg)?.half();
            std::fs::write(out.join(format!("{seed:04}-front.png")), png(&c))?;
            if let Some(b) = &s.back {
                let c = docgen::capture::decode(&b.jpeg)?.half();
                std::fs::write(out.join(format!("{seed:04}-back.png")), png(&c))?;
            }
        }
        if let Some(b) = &s.back {
            std::fs::write(out.join(format!("{seed:04}-back.jpg")), &b.jpeg)?;
        }
        let mut f = std::fs::File::create(out.join(format!("{seed:04}.txt")))?;
        writeln!(f, "{:?}\n{:?}", s.spec, s.conditions)?;
        for l in &s.mrz {
            writeln!(f, "{l}")?;
        }
        for v in &s.viz {
            writeln!(f, "{} = {}", v.name, v.text)?;
        }
    }
    Ok(())
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// An uncompressed PNG (stored deflate blocks), for looking at samples without other tools.
fn png(c: &docgen::raster::Canvas) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..c.h {
        raw.push(0);
        raw.extend_from_slice(&c.px[y * c.w * 3..(y + 1) * c.w * 3]);
    }
    let mut z = vec![0x78, 0x01];
    for (i, chunk) in raw.chunks(65_535).enumerate() {
        let last = (i + 1) * 65_535 >= raw.len();
        z.push(u8::from(last));
        let n = chunk.len() as u16;
        z.extend_from_slice(&n.to_le_bytes());
        z.extend_from_slice(&(!n).to_le_bytes());
        z.extend_from_slice(chunk);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&(c.w as u32).to_be_bytes());
    ihdr.extend_from_slice(&(c.h as u32).to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &z);
    chunk(b"IEND", &[]);
    out
}
