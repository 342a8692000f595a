//! EF.COM and DG1 over the public API: well-formed files built with the TLV encoder, each
//! malformation on its own, and no panic on arbitrary bytes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use emrtd::Error;
use emrtd::lds::{Dg1, EfCom, LdsFile};
use proptest::prelude::*;
use tlv::{Builder, Tag};

/// ICAO Doc 9303-4 Appendix A specimen (Utopia, ERIKSSON ANNA MARIA), unbroken as in DG1.
const TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10";
/// ICAO Doc 9303-5 Appendix A specimen, unbroken.
const TD1: &str =
    "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<";

fn options() -> mrz::ParseOptions {
    mrz::ParseOptions::new(mrz::Date::new(2010, 1, 1).unwrap())
}

fn dg1(mrz_text: &[u8]) -> Vec<u8> {
    Builder::new(Tag::new(0x61))
        .primitive(Tag::new(0x5F1F), mrz_text)
        .finish()
        .unwrap()
}

fn ef_com(lds: &[u8], uni: &[u8], list: &[u8]) -> Vec<u8> {
    Builder::new(Tag::new(0x60))
        .primitive(Tag::new(0x5F01), lds)
        .primitive(Tag::new(0x5F36), uni)
        .primitive(Tag::new(0x5C), list)
        .finish()
        .unwrap()
}

#[test]
fn ef_com_lists_data_groups() {
    let bytes = ef_com(b"0107", b"040000", &[0x61, 0x75, 0x6E, 0x6F, 0x42]);
    let com = EfCom::parse(&bytes).unwrap();
    assert_eq!(com.lds_version, "0107");
    assert_eq!(com.unicode_version, "040000");
    assert_eq!(
        com.data_groups,
        vec![LdsFile::DG1, LdsFile::DG2, LdsFile::DG14, LdsFile::DG15]
    );
    assert_eq!(
        com.unknown_tags,
        vec![0x42],
        "unknown tags are kept, not an error"
    );
}

#[test]
fn ef_com_errors() {
    let e = EfCom::parse(&ef_com(b"01A7", b"040000", &[0x61])).unwrap_err();
    assert_eq!(e.code(), "lds_invalid_element");
    let missing = Builder::new(Tag::new(0x60))
        .primitive(Tag::new(0x5F01), b"0107")
        .finish()
        .unwrap();
    let e = EfCom::parse(&missing).unwrap_err();
    assert!(
        matches!(e, Error::MissingElement { tag, .. } if tag == Tag::new(0x5F36)),
        "{e:?}"
    );
    let e = EfCom::parse(&dg1(TD3.as_bytes())).unwrap_err();
    assert_eq!(e.code(), "tlv_unexpected_tag");
    let mut truncated = ef_com(b"0107", b"040000", &[0x61]);
    truncated.pop();
    assert_eq!(
        EfCom::parse(&truncated).unwrap_err().code(),
        "tlv_truncated"
    );
}

#[test]
fn dg1_carries_the_mrz_for_comparison_with_the_printed_one() {
    let d = Dg1::parse(&dg1(TD3.as_bytes()), &options()).unwrap();
    assert_eq!(d.mrz.format(), mrz::Format::Td3);
    assert_eq!(d.mrz.document_number(), "L898902C3");
    assert!(d.mrz.problems().is_empty());
    let printed = mrz::Mrz::parse(
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n",
        &options(),
    )
    .unwrap();
    assert_eq!(printed.as_unbroken(), d.mrz.as_unbroken());

    let d = Dg1::parse(&dg1(TD1.as_bytes()), &options()).unwrap();
    assert_eq!(d.mrz.format(), mrz::Format::Td1);
    assert!(
        !format!("{d:?}").contains("ERIKSSON"),
        "Debug must mask personal data"
    );
}

#[test]
fn dg1_with_a_wrong_check_digit_parses_and_reports_it() {
    let bad = TD3.replace("L898902C36", "L898902C37");
    let d = Dg1::parse(&dg1(bad.as_bytes()), &options()).unwrap();
    assert!(!d.mrz.problems().is_empty());
}

#[test]
fn dg1_errors() {
    let e = Dg1::parse(&dg1(b"NOT AN MRZ"), &options()).unwrap_err();
    assert!(matches!(e, Error::Mrz { offset: 5, .. }), "{e:?}");
    let empty = Builder::new(Tag::new(0x61)).finish().unwrap();
    assert_eq!(
        Dg1::parse(&empty, &options()).unwrap_err().code(),
        "lds_missing_element"
    );
    assert_eq!(
        Dg1::parse(&[], &options()).unwrap_err().code(),
        "tlv_truncated"
    );
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = EfCom::parse(&bytes);
        let _ = Dg1::parse(&bytes, &options());
    }

    #[test]
    fn never_panics_inside_a_valid_dg1_template(value in prop::collection::vec(any::<u8>(), 0..120)) {
        let _ = Dg1::parse(&dg1(&value), &options());
    }
}
