//! Storage: SQLite/PostgreSQL, object store, envelope encryption, audit chain.
//!
//! (Being built: see ARCHITECTURE.md.)
#![forbid(unsafe_code)]
