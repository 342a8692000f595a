//! Storage adapters. Built so far: the object store that holds evidence blobs (already sealed by
//! `crates/envelope`: this layer never sees plaintext), with a local-directory implementation.
#![forbid(unsafe_code)]

pub mod objects;

pub use objects::{LocalDir, ObjectKey, ObjectStore};
