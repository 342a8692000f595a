//! Parses arbitrary bytes as BER-TLV, walking every nested value; must never panic, and any
//! data object it accepts must re-encode to the same bytes when its length was minimal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlv::{Tag, Tlv, Tlvs};

fn walk(input: &[u8], depth: usize) {
    for item in Tlvs::new(input) {
        let Ok(t) = item else { return };
        let _ = t.find_path(&[Tag::new(0x7F61), Tag::new(0x5F2E)]);
        let re = tlv::encode(t.tag(), t.value()).expect("value fits");
        if re.len() == t.raw().len() {
            assert_eq!(re, t.raw(), "minimal encoding must round-trip");
        }
        if depth < 16 {
            walk(t.value(), depth + 1);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    walk(data, 0);
    let _ = Tlvs::new(data).skip_padding().count();
});
