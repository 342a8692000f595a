//! Property tests: generate → parse → same fields, for every format; never panics.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use mrz::{Date, Format, Mrz, MrzFields, ParseOptions, Sex, generate};
use proptest::prelude::*;

fn date_in(years: std::ops::Range<u16>) -> impl Strategy<Value = Date> {
    (years, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).unwrap())
}

fn fields() -> impl Strategy<Value = MrzFields> {
    (
        prop::sample::select(Format::ALL.to_vec()),
        "[A-Z]{1,12}",
        "[A-Z]{0,8}( [A-Z]{1,8})?",
        "[A-Z0-9]{1,9}",
        prop::sample::select(vec!["UTO", "D", "FRA", "XXA", "GBR", "UNO"]),
        date_in(1930..2026),
        date_in(2027..2045),
        prop::sample::select(vec![
            Sex::Male,
            Sex::Female,
            Sex::Unspecified,
            Sex::NotGiven,
        ]),
        "[A-Z0-9]{0,7}",
        "[A-Z0-9]{0,3}",
    )
        .prop_map(
            |(format, primary, secondary, doc, nat, birth, expiry, sex, opt, long_ext)| {
                let (code, state) = match format {
                    Format::Td3 => ("P", nat),
                    Format::MrvA | Format::MrvB => ("V", nat),
                    Format::Td1 | Format::Td2 => ("I", nat),
                    Format::FrenchId => ("ID", "FRA"),
                };
                let mut document_number = doc;
                if matches!(format, Format::Td1 | Format::Td2) && document_number.len() == 9 {
                    document_number.push_str(&long_ext);
                }
                if format == Format::FrenchId {
                    document_number = format!("{document_number:0>12}");
                }
                MrzFields {
                    format,
                    document_code: code.into(),
                    issuing_state: state.into(),
                    primary_identifier: primary,
                    secondary_identifier: secondary.trim().into(),
                    document_number,
                    nationality: nat.into(),
                    birth_date: birth,
                    sex,
                    expiry_date: Some(expiry),
                    optional_data: if format == Format::FrenchId {
                        "075123".into()
                    } else {
                        if format == Format::Td2 {
                            String::new()
                        } else {
                            opt
                        }
                    },
                    optional_data_2: "AB1".into(),
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generate_then_parse_round_trips(f in fields()) {
        let text = generate(&f).unwrap();
        let m = Mrz::parse(&text, &ParseOptions::new(Date::new(2026, 11, 22).unwrap())).unwrap();
        prop_assert!(m.is_consistent(), "{text}\n{:?}", m.problems());
        prop_assert_eq!(m.format(), f.format);
        prop_assert_eq!(m.document_code(), f.document_code.as_str());
        prop_assert_eq!(m.issuing_state(), f.issuing_state.as_str());
        prop_assert_eq!(m.document_number(), f.document_number.trim_end_matches('<'));
        prop_assert_eq!(m.birth_date(), Some(f.birth_date));
        prop_assert_eq!(m.sex(), f.sex);
        if m.names_truncated() {
            // A name that fills its zone: what was kept is a prefix of what was given.
            prop_assert!(f.primary_identifier.starts_with(&m.primary_identifier()));
        } else {
            prop_assert_eq!(m.primary_identifier(), f.primary_identifier.clone());
            prop_assert_eq!(m.secondary_identifier(), f.secondary_identifier.clone());
        }
        if f.format == Format::FrenchId {
            prop_assert_eq!(m.expiry_date(), None);
            prop_assert_eq!(m.department(), Some("075"));
        } else {
            prop_assert_eq!(m.expiry_date(), f.expiry_date);
            prop_assert_eq!(m.nationality(), Some(f.nationality.as_str()));
            prop_assert_eq!(m.optional_data(), f.optional_data.as_str());
        }
        if f.format == Format::Td1 {
            prop_assert_eq!(m.optional_data_2(), Some("AB1"));
        }
        // The unbroken form parses to the same value.
        let unbroken: String = text.split('\n').collect();
        prop_assert_eq!(&Mrz::parse(&unbroken, &ParseOptions::new(Date::new(2026, 11, 22).unwrap())).unwrap(), &m);
    }

    #[test]
    fn never_panics_on_arbitrary_strings(s in "\\PC*", repair in any::<bool>()) {
        let opts = ParseOptions::new(Date::new(2026, 11, 22).unwrap()).with_repair(repair);
        if let Ok(m) = Mrz::parse(&s, &opts) {
            let _ = m.checks();
            let _ = (m.primary_identifier(), m.secondary_identifier(), m.names_truncated());
        }
    }

    #[test]
    fn never_panics_on_mrz_shaped_input(
        lines in prop::sample::select(vec![(3usize, 30usize), (2, 44), (2, 36), (1, 90), (1, 88), (1, 72)]),
        chars in prop::collection::vec(prop::sample::select(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<<<<".to_vec()), 90),
        repair in any::<bool>(),
    ) {
        let (n, len) = lines;
        let text: Vec<String> = (0..n).map(|i| String::from_utf8(chars[i * len % 90..][..len.min(90 - i * len % 90)].to_vec()).unwrap()).collect();
        let opts = ParseOptions::new(Date::new(2026, 11, 22).unwrap()).with_repair(repair);
        if let Ok(m) = Mrz::parse(&text.join("\n"), &opts) {
            let _ = m.checks();
            let _ = mrz::bac::BacKeys::from_mrz(&m);
            let _ = (m.primary_identifier(), m.secondary_identifier(), m.document_number());
        }
    }
}
