//! One module per command group; each fronts one library crate.

pub mod chip;
pub mod mrz;
