//! Decoding JPEG, JPEG 2000 codestreams and JP2 files; limits; corrupt and truncated input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use imaging::{Error, ImageFormat, Limits, decode, sniff};
use proptest::prelude::*;

const JPG: &[u8] = include_bytes!("data/face.jpg");
const JP2: &[u8] = include_bytes!("data/face.jp2");
const J2K: &[u8] = include_bytes!("data/face.j2k");
const GREY: &[u8] = include_bytes!("data/face-grey.jp2");

/// The generator's colour at (x, y), see data/README.md.
fn expected(x: u32, y: u32) -> [i32; 3] {
    let r = (x * 255 / 95) as i32;
    let g = (y * 255 / 127) as i32;
    let b = if (x / 16 + y / 16).is_multiple_of(2) {
        128
    } else {
        32
    };
    [r, g, b]
}

fn close(img: &imaging::Image, tolerance: i32) {
    assert_eq!((img.width(), img.height()), (96, 128));
    assert_eq!(img.pixels().len(), 96 * 128 * 3);
    // Sample away from the checkerboard edges, where lossy coding rings.
    for (x, y) in [(8, 8), (40, 24), (88, 120), (56, 72), (24, 104)] {
        let got = img.pixel(x, y).unwrap();
        let want = expected(x, y);
        for c in 0..3 {
            assert!(
                (i32::from(got[c]) - want[c]).abs() <= tolerance,
                "({x},{y}) channel {c}: {got:?} vs {want:?}"
            );
        }
    }
}

#[test]
fn sniffs_each_format() {
    assert_eq!(sniff(JPG), Some(ImageFormat::Jpeg));
    assert_eq!(sniff(JP2), Some(ImageFormat::Jp2));
    assert_eq!(sniff(J2K), Some(ImageFormat::Jpeg2000Codestream));
    assert_eq!(sniff(b"GIF89a"), None);
}

#[test]
fn decodes_jpeg() {
    let img = decode(JPG, &Limits::default()).unwrap();
    assert_eq!(img.source(), ImageFormat::Jpeg);
    close(&img, 12);
}

#[test]
fn decodes_jpeg2000_file_and_codestream() {
    let jp2 = decode(JP2, &Limits::default()).unwrap();
    assert_eq!(jp2.source(), ImageFormat::Jp2);
    close(&jp2, 16);
    let j2k = decode(J2K, &Limits::default()).unwrap();
    assert_eq!(j2k.source(), ImageFormat::Jpeg2000Codestream);
    assert_eq!(
        jp2.pixels(),
        j2k.pixels(),
        "same codestream inside and outside the JP2 box"
    );
}

#[test]
fn decodes_greyscale_jpeg2000_to_rgb() {
    let img = decode(GREY, &Limits::default()).unwrap();
    let p = img.pixel(48, 10).unwrap();
    assert_eq!(p[0], p[1]);
    assert_eq!(p[1], p[2]);
    assert_eq!(i32::from(p[0]), expected(48, 10)[0], "lossless");
}

#[test]
fn limits_are_checked_before_decoding() {
    let small = Limits { max_pixels: 1000 };
    for bytes in [JPG, JP2, J2K] {
        let err = decode(bytes, &small).unwrap_err();
        assert_eq!(err.code(), "image_too_large");
        assert!(matches!(
            err,
            Error::TooLarge {
                width: 96,
                height: 128,
                ..
            }
        ));
    }
}

#[test]
fn corrupt_and_truncated_images_are_errors() {
    assert_eq!(
        decode(b"not an image", &Limits::default())
            .unwrap_err()
            .code(),
        "image_unknown_format"
    );
    for bytes in [JPG, JP2, J2K] {
        for cut in [20, 60, bytes.len() / 3, bytes.len() - 2] {
            let err = decode(&bytes[..cut], &Limits::default()).unwrap_err();
            assert_eq!(err.code(), "image_corrupt", "{cut}: {err}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn never_panics_on_mutated_images(which in 0usize..3, at in 0usize..4000, byte in any::<u8>(), cut in 0usize..4000) {
        let base = [JPG, JP2, J2K][which];
        let mut bytes = base.to_vec();
        let i = at % bytes.len();
        bytes[i] = byte;
        bytes.truncate(cut.max(4));
        let _ = decode(&bytes, &Limits::default());
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(prefix in 0usize..3, tail in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut bytes = [&[0xFFu8, 0xD8, 0xFF][..], &[0xFF, 0x4F, 0xFF, 0x51], &JP2[..12]][prefix].to_vec();
        bytes.extend(tail);
        let _ = decode(&bytes, &Limits::default());
    }
}
