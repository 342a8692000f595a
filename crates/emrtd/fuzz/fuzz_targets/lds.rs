//! Parses arbitrary bytes as each LDS file this crate interprets; must never panic.
#![no_main]

use emrtd::lds::{Dg1, EfCom};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = EfCom::parse(data);
    if let Some(today) = mrz::Date::new(2026, 1, 1) {
        let _ = Dg1::parse(data, &mrz::ParseOptions::new(today));
    }
});
