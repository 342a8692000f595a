//! Fuzz the MRZ parser (with and without repair), its accessors, checks and BAC key derivation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mrz::{Date, Mrz, ParseOptions};

fuzz_target!(|data: &[u8]| {
    let Some(today) = Date::new(2026, 11, 22) else { return };
    for repair in [false, true] {
        let opts = ParseOptions::new(today).with_repair(repair);
        if let Ok(m) = Mrz::parse_bytes(data, &opts) {
            let _ = m.checks();
            let _ = (m.primary_identifier(), m.secondary_identifier(), m.names_truncated());
            let _ = (m.document_number(), m.optional_data(), m.optional_data_2());
            let _ = mrz::bac::BacKeys::from_mrz(&m);
        }
    }
});
