//! Arbitrary bytes as an image: decoding must never panic, and never allocate past the limit.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = imaging::Limits { max_pixels: 4_000_000 };
    if let Ok(img) = imaging::decode(data, &limits) {
        assert_eq!(img.pixels().len() as u64, u64::from(img.width()) * u64::from(img.height()) * 3);
    }
});
