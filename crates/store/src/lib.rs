//! Storage adapters: the database (SQLite or PostgreSQL, [`db`]) and the object store that holds
//! evidence blobs (already sealed by
//! `crates/envelope`: this layer never sees plaintext), with a local-directory implementation and an S3-compatible one for clusters.
#![forbid(unsafe_code)]

pub mod db;
pub mod objects;
pub mod s3;

pub use db::{
    ApiKeyRow, ClaimRefusal, Db, DbError, Delivery, OverrideRequest, QueueFilter, QueueItem,
    ReviewRow, SessionRow, User, Verification, VerificationStatus,
};
pub use objects::{LocalDir, ObjectKey, ObjectStore};
pub use s3::{S3, S3Config};
