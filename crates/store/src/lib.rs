//! Storage adapters: the database (SQLite or PostgreSQL, [`db`]) and the object store that holds
//! evidence blobs (already sealed by
//! `crates/envelope`: this layer never sees plaintext), with a local-directory implementation.
#![forbid(unsafe_code)]

pub mod db;
pub mod objects;

pub use db::{Db, DbError, Delivery, Verification, VerificationStatus};
pub use objects::{LocalDir, ObjectKey, ObjectStore};
