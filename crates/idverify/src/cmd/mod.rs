//! One module per command group; each is owned by the crate it fronts.

pub mod chip;
pub mod chip_read;
pub mod chip_verify;
pub mod face;
pub mod mrz;
pub mod server;
