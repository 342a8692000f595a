//! One module per command group; each fronts one library crate.

pub mod audit;
pub mod backup;
pub mod chip;
mod chip_read;
pub mod document;
pub mod face;
pub mod licence;
pub mod models;
pub mod mrz;
pub mod server;
