//! Image decoding (JPEG, PNG, JPEG 2000), EXIF, resizing and colour, with limits against decompression bombs.
//!
//! (Being built: see ARCHITECTURE.md.)
#![forbid(unsafe_code)]
