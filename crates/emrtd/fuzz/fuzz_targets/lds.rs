//! Parses arbitrary bytes as each LDS file this crate interprets; must never panic.
#![no_main]

use emrtd::lds::{Dg1, Dg2, Dg7, Dg11, Dg12, Dg15, EfCom, SecurityInfos};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = EfCom::parse(data);
    if let Some(today) = mrz::Date::new(2026, 1, 1) {
        let _ = Dg1::parse(data, &mrz::ParseOptions::new(today));
    }
    if let Ok(dg2) = Dg2::parse(data) {
        for face in dg2.faces() {
            let _ = face.image.decode(&imaging_limits());
        }
    }
    let _ = Dg7::parse(data);
    let _ = Dg11::parse(data);
    let _ = Dg12::parse(data);
    let _ = Dg15::parse(data);
    let _ = SecurityInfos::parse_dg14(data);
    let _ = SecurityInfos::parse_card_access(data);
});

fn imaging_limits() -> imaging::Limits {
    imaging::Limits { max_pixels: 4_000_000 }
}
