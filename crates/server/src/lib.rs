//! The verification server: HTTP API, auth, rate limits, audit, webhooks.
//!
//! (Being built: see ARCHITECTURE.md.)
#![forbid(unsafe_code)]
