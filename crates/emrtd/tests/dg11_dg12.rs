//! DG11 and DG12 over the public API: every element, both date codings, Latin-1 fallback,
//! unknown elements kept, malformed input as typed errors, no personal data in `Debug`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use emrtd::lds::{Dg11, Dg12};
use emrtd_testkit::der_out::tlv;
use proptest::prelude::*;

fn el(tag: u32, v: &[u8]) -> Vec<u8> {
    tlv(tag, &[v])
}

#[test]
fn dg11_every_element() {
    let dg11 = tlv(
        0x6B,
        &[
            &el(0x5C, &[0x5F, 0x0E, 0x5F, 0x10]),
            &el(0x5F0E, "ERIKSSON<<ANNA<MARIA".as_bytes()),
            &tlv(
                0xA0,
                &[
                    &el(0x02, &[2]),
                    &el(0x5F0F, b"SMITH<<ANNA"),
                    &el(0x5F0F, "Ér<<Zoé".as_bytes()),
                ],
            ),
            &el(0x5F10, b"123456789"),
            &el(0x5F2B, b"19740812"),
            &el(0x5F11, b"ZENITH<UTOPIA"),
            &el(0x5F42, b"123 MAPLE RD<ANYTOWN<UT"),
            &el(0x5F12, b"1-555-555-1212"),
            &el(0x5F13, b"TRAVEL AGENT"),
            &el(0x5F14, b"DR"),
            &el(0x5F15, b"SUMMARY"),
            &el(0x5F16, &[0xFF, 0xD8, 0xFF]),
            &el(0x5F17, b"L898902C3"),
            &el(0x5F18, b"CUSTODY"),
            &el(0x5F40, b"future"),
        ],
    );
    let d = Dg11::parse(&dg11).unwrap();
    let name = d.full_name.as_ref().unwrap();
    assert_eq!(
        (name.primary.as_str(), name.secondary.as_str()),
        ("ERIKSSON", "ANNA MARIA")
    );
    assert_eq!(d.other_names.len(), 2);
    assert_eq!(d.other_names[1].secondary, "Zoé");
    assert_eq!(d.personal_number.as_deref(), Some("123456789"));
    assert_eq!(d.full_date_of_birth.as_deref(), Some("19740812"));
    assert_eq!(d.place_of_birth.as_deref(), Some("ZENITH<UTOPIA"));
    assert_eq!(
        d.proof_of_citizenship.as_deref(),
        Some(&[0xFF, 0xD8, 0xFF][..])
    );
    assert_eq!(d.custody_information.as_deref(), Some("CUSTODY"));
    assert_eq!(d.other.len(), 1);
    let debug = format!("{d:?}");
    assert!(
        !debug.contains("ERIKSSON") && !debug.contains("123456789") && !debug.contains("1974"),
        "{debug}"
    );
}

#[test]
fn old_chips_bcd_dates_and_latin1_text() {
    let dg11 = tlv(
        0x6B,
        &[
            &el(0x5F2B, &[0x19, 0x74, 0x08, 0x12]),
            &el(0x5F0E, b"M\xDCLLER<<J\xD6RG"),
        ],
    );
    let d = Dg11::parse(&dg11).unwrap();
    assert_eq!(d.full_date_of_birth.as_deref(), Some("19740812"));
    assert_eq!(d.full_name.as_ref().unwrap().primary, "MÜLLER");
    assert_eq!(d.latin1_fallback.len(), 1);
    // A lone 5F0F outside A0 is accepted too.
    let d = Dg11::parse(&tlv(0x6B, &[&el(0x5F0F, b"X<<Y")])).unwrap();
    assert_eq!(d.other_names.len(), 1);
}

#[test]
fn dg12_every_element() {
    let dg12 = tlv(
        0x6C,
        &[
            &el(0x5C, &[0x5F, 0x19]),
            &el(0x5F19, b"MINISTRY OF TRAVEL"),
            &el(0x5F26, &[0x20, 0x12, 0x04, 0x15]),
            &tlv(0xA0, &[&el(0x02, &[1]), &el(0x5F1A, b"CHILD<<ONE")]),
            &el(0x5F1B, b"NONE"),
            &el(0x5F1C, b"NONE"),
            &el(0x5F1D, &[0xFF, 0xD8]),
            &el(0x5F1E, &[0xFF, 0xD8]),
            &el(0x5F55, b"20120415103000"),
            &el(0x5F56, b"SYS-42"),
        ],
    );
    let d = Dg12::parse(&dg12).unwrap();
    assert_eq!(d.issuing_authority.as_deref(), Some("MINISTRY OF TRAVEL"));
    assert_eq!(d.date_of_issue.as_deref(), Some("20120415"));
    assert_eq!(d.other_persons[0].primary, "CHILD");
    assert_eq!(d.personalization_time.as_deref(), Some("20120415103000"));
    assert_eq!(d.personalization_system_serial.as_deref(), Some("SYS-42"));
    assert_eq!(d.image_front.as_ref().map(Vec::len), Some(2));
    assert!(!format!("{d:?}").contains("MINISTRY"));
}

#[test]
fn malformed_dg11_and_dg12() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            tlv(0x6B, &[&el(0x5F2B, b"1974-08-12")]),
            "lds_invalid_element",
        ),
        (
            tlv(
                0x6B,
                &[&tlv(0xA0, &[&el(0x02, &[3]), &el(0x5F0F, b"A<<B")])],
            ),
            "lds_invalid_element",
        ),
        (vec![0x6B, 0x03, 0x5F, 0x0E], "tlv_truncated"),
        (vec![0x6C, 0x00], "tlv_unexpected_tag"),
    ];
    for (bytes, code) in cases {
        assert_eq!(
            Dg11::parse(&bytes).unwrap_err().code(),
            code,
            "{bytes:02x?}"
        );
    }
    assert_eq!(
        Dg12::parse(&tlv(0x6C, &[&el(0x5F55, b"2012")]))
            .unwrap_err()
            .code(),
        "lds_invalid_element"
    );
}

proptest! {
    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = Dg11::parse(&bytes);
        let _ = Dg12::parse(&bytes);
        let _ = Dg11::parse(&tlv(0x6B, &[&bytes]));
        let _ = Dg12::parse(&tlv(0x6C, &[&bytes]));
    }
}
