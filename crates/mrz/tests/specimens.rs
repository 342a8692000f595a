//! ICAO specimens of every format, and one negative test per problem and error code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use checks::Status;
use mrz::{Date, Field, Format, Mrz, ParseOptions, ProblemCode, Sex};

fn today() -> ParseOptions {
    ParseOptions::new(Date::new(2010, 1, 1).unwrap())
}

fn load(name: &str) -> String {
    std::fs::read_to_string(format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn codes(m: &Mrz) -> Vec<&'static str> {
    m.problems().iter().map(|p| p.code.as_str()).collect()
}

#[test]
fn td3_specimen() {
    let m = Mrz::parse(&load("td3_icao_9303_4.mrz"), &today()).unwrap();
    assert_eq!(m.format(), Format::Td3);
    assert!(m.is_consistent(), "{:?}", m.problems());
    assert_eq!(m.document_code(), "P");
    assert_eq!(m.issuing_state(), "UTO");
    assert_eq!(m.primary_identifier(), "ERIKSSON");
    assert_eq!(m.secondary_identifier(), "ANNA MARIA");
    assert!(!m.names_truncated());
    assert_eq!(m.document_number(), "L898902C3");
    assert_eq!(m.nationality(), Some("UTO"));
    assert_eq!(m.birth_date(), Date::new(1974, 8, 12));
    assert_eq!(m.sex(), Sex::Female);
    assert_eq!(m.expiry_date(), Date::new(2012, 4, 15));
    assert_eq!(m.optional_data(), "ZE184226B");
    assert_eq!(m.optional_data_2(), None);
    assert!(
        m.checks().iter().all(|c| c.status.is_pass()),
        "{:?}",
        m.checks()
    );
    // Unbroken DG1 form.
    let unbroken: String = load("td3_icao_9303_4.mrz").split_whitespace().collect();
    let u = Mrz::parse(&unbroken, &today()).unwrap();
    assert_eq!(u, m);
    assert_eq!(Mrz::parse_bytes(unbroken.as_bytes(), &today()).unwrap(), m);
    // Expired relative to a later today.
    let later = Mrz::parse(
        &unbroken,
        &ParseOptions::new(Date::new(2026, 11, 22).unwrap()),
    )
    .unwrap();
    assert_eq!(later.is_expired(), Some(true));
    let c = later
        .checks()
        .into_iter()
        .find(|c| c.check == "mrz.expiry")
        .unwrap();
    assert_eq!(
        (c.status, c.reason.as_str()),
        (Status::Fail, "document_expired")
    );
}

#[test]
fn td1_specimen_and_crlf() {
    let text = load("td1_icao_9303_5.mrz").replace('\n', "\r\n");
    let m = Mrz::parse(&format!("  \r\n{text}\r\n\r\n "), &today()).unwrap();
    assert_eq!(m.format(), Format::Td1);
    assert!(m.is_consistent(), "{:?}", m.problems());
    assert_eq!(m.document_code(), "I");
    assert_eq!(m.document_number(), "D23145890");
    assert_eq!(m.birth_date(), Date::new(1974, 8, 12));
    assert_eq!(m.expiry_date(), Date::new(2012, 4, 15));
    assert_eq!(m.nationality(), Some("UTO"));
    assert_eq!(m.primary_identifier(), "ERIKSSON");
    assert_eq!(m.secondary_identifier(), "ANNA MARIA");
    assert_eq!(m.optional_data(), "");
    assert_eq!(m.optional_data_2(), Some(""));
    assert_eq!(m.lines().count(), 3);
}

#[test]
fn td1_long_document_number() {
    let m = Mrz::parse(&load("td1_long_document_number.mrz"), &today()).unwrap();
    assert!(m.is_consistent(), "{:?}", m.problems());
    assert_eq!(m.document_number(), "D23145890734");
    assert_eq!(m.optional_data(), "");
    // Break the continuation's check digit.
    let bad = load("td1_long_document_number.mrz").replacen("7349", "7348", 1);
    let b = Mrz::parse(&bad, &today()).unwrap();
    assert!(codes(&b).contains(&"check_digit_mismatch"));
    assert_eq!(b.problems()[0].field, Field::DocumentNumber);
    assert_eq!(b.problems()[0].position, 18);
}

#[test]
fn td2_specimen() {
    let m = Mrz::parse(&load("td2_icao_9303_6.mrz"), &today()).unwrap();
    assert_eq!(m.format(), Format::Td2);
    assert!(m.is_consistent(), "{:?}", m.problems());
    assert_eq!(m.document_number(), "D23145890");
    assert_eq!(m.primary_identifier(), "ERIKSSON");
    assert_eq!(m.expiry_date(), Date::new(2012, 4, 15));
}

#[test]
fn visa_specimens() {
    let a = Mrz::parse(&load("mrva_icao_9303_7.mrz"), &today()).unwrap();
    assert_eq!(a.format(), Format::MrvA);
    assert!(a.is_consistent(), "{:?}", a.problems());
    assert_eq!(a.document_number(), "L8988901C");
    assert_eq!(a.nationality(), Some("XXX"));
    assert_eq!(a.birth_date(), Date::new(1940, 9, 7));
    assert_eq!(a.expiry_date(), Date::new(1996, 12, 10));
    assert_eq!(a.optional_data(), "6ZE184226B");
    let c = a
        .checks()
        .into_iter()
        .find(|c| c.check == "mrz.composite_check_digit")
        .unwrap();
    assert_eq!(c.status, Status::NotPerformed);
    let b = Mrz::parse(&load("mrvb_icao_9303_7.mrz"), &today()).unwrap();
    assert_eq!(b.format(), Format::MrvB);
    assert!(b.is_consistent(), "{:?}", b.problems());
    assert_eq!(b.secondary_identifier(), "ANNA MARIA");
}

#[test]
fn french_id_specimen() {
    let m = Mrz::parse(&load("french_id_specimen.mrz"), &today()).unwrap();
    assert_eq!(m.format(), Format::FrenchId);
    assert!(m.is_consistent(), "{:?}", m.problems());
    assert_eq!(m.document_code(), "ID");
    assert_eq!(m.issuing_state(), "FRA");
    assert_eq!(m.primary_identifier(), "DOUEL");
    assert_eq!(m.secondary_identifier(), "CHRISTIANE NI");
    assert_eq!(m.document_number(), "050693202043");
    assert_eq!(m.department(), Some("932"));
    assert_eq!(m.office(), Some("013"));
    assert_eq!(m.birth_date(), Date::new(1929, 6, 20));
    assert_eq!(m.expiry_date(), None);
    assert_eq!(m.nationality(), None);
    let c = m
        .checks()
        .into_iter()
        .find(|c| c.check == "mrz.expiry")
        .unwrap();
    assert_eq!(c.status, Status::NotPerformed);
}

#[test]
fn debug_is_masked() {
    let m = Mrz::parse(&load("td3_icao_9303_4.mrz"), &today()).unwrap();
    let d = format!("{m:?}");
    assert!(
        !d.contains("ERIKSSON") && !d.contains("L898902C") && !d.contains("740812"),
        "{d}"
    );
}

// ---- one negative test per problem code ----

const TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

fn with(pos: usize, c: char) -> String {
    let mut u: Vec<char> = TD3.replace('\n', "").chars().collect();
    u[pos] = c;
    u.into_iter().collect()
}

fn problem(text: &str) -> (ProblemCode, Field, usize) {
    let m = Mrz::parse(text, &today()).unwrap();
    let p = m
        .problems()
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no problem in {text}"));
    (p.code, p.field, p.position)
}

#[test]
fn negative_check_digit_mismatch() {
    assert_eq!(
        problem(&with(53, '7')),
        (ProblemCode::CheckDigitMismatch, Field::DocumentNumber, 53)
    );
    assert_eq!(problem(&with(63, 'A')).0, ProblemCode::CheckDigitMismatch);
    let m = Mrz::parse(&with(71, '0'), &today()).unwrap();
    // Expiry check digit and the composite both fail: every problem is reported.
    assert_eq!(
        codes(&m),
        ["check_digit_mismatch", "composite_check_digit_mismatch"]
    );
    let cd = m
        .checks()
        .into_iter()
        .find(|c| c.check == "mrz.check_digits")
        .unwrap();
    assert_eq!(
        (cd.status, cd.reason.as_str()),
        (Status::Fail, "check_digit_mismatch")
    );
}

#[test]
fn negative_composite() {
    assert_eq!(
        problem(&with(87, '1')),
        (
            ProblemCode::CompositeCheckDigitMismatch,
            Field::Composite,
            87
        )
    );
}

#[test]
fn negative_invalid_date() {
    // 741312: month 13. Check digit recomputed would still fail; the date problem is reported.
    let m = Mrz::parse(&with(59, '3').replacen("7408122", "7413122", 1), &today()).unwrap();
    assert!(codes(&m).contains(&"invalid_date"));
    assert_eq!(m.birth_date(), None);
}

#[test]
fn negative_unknown_country_code() {
    assert_eq!(
        problem(&with(2, 'Q').replacen("QTO", "QQQ", 1)).0,
        ProblemCode::UnknownCountryCode
    );
    let m = Mrz::parse(&with(54, 'Z').replacen("ZTO", "ZZZ", 1), &today()).unwrap();
    assert!(
        m.problems()
            .iter()
            .any(|p| p.code == ProblemCode::UnknownCountryCode && p.field == Field::Nationality)
    );
}

#[test]
fn negative_invalid_sex() {
    assert_eq!(
        problem(&with(64, 'Q')),
        (ProblemCode::InvalidSex, Field::Sex, 64)
    );
}

#[test]
fn negative_invalid_document_code() {
    assert_eq!(
        problem(&with(0, 'I')),
        (ProblemCode::InvalidDocumentCode, Field::DocumentCode, 0)
    );
}

#[test]
fn negative_invalid_name() {
    assert_eq!(
        problem(&with(6, '4')),
        (ProblemCode::InvalidName, Field::Name, 6)
    );
}

#[test]
fn negative_invalid_long_document_number() {
    let text = "I<UTOD23145890<<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    let m = Mrz::parse(text, &today()).unwrap();
    assert_eq!(m.problems()[0].code, ProblemCode::InvalidLongDocumentNumber);
}

#[test]
fn negative_errors() {
    assert_eq!(
        Mrz::parse("  \n \r\n", &today()).unwrap_err().code(),
        "empty_input"
    );
    let e = Mrz::parse(&TD3.replacen("ERIK", "ERiK", 1), &today()).unwrap_err();
    assert_eq!(e.code(), "invalid_character");
    assert_eq!(
        e,
        mrz::Error::InvalidCharacter {
            line: 1,
            column: 8,
            offset: 7
        }
    );
    assert_eq!(
        Mrz::parse("P<UTO", &today()).unwrap_err().code(),
        "unrecognised_shape"
    );
    let e = Mrz::parse(&format!("{TD3}<"), &today()).unwrap_err();
    assert_eq!(e.code(), "line_length_mismatch");
    assert!(Mrz::parse_bytes(&[0xff, 0xfe], &today()).is_err());
}

#[test]
fn special_country_codes() {
    for code in [
        "D<<", "XXA", "XXB", "XXC", "XXX", "UNO", "UNA", "UNK", "EUE",
    ] {
        let m = Mrz::parse(
            &TD3.replacen("UTO7408", &format!("{code}7408"), 1),
            &today(),
        )
        .unwrap();
        assert!(m.is_consistent(), "{code}: {:?}", m.problems());
    }
}

#[test]
fn sex_values() {
    for (c, s) in [
        ('M', Sex::Male),
        ('F', Sex::Female),
        ('X', Sex::Unspecified),
        ('<', Sex::NotGiven),
    ] {
        let m = Mrz::parse(&with(64, c), &today()).unwrap();
        assert_eq!(m.sex(), s);
        assert!(
            !m.problems()
                .iter()
                .any(|p| p.code == ProblemCode::InvalidSex)
        );
    }
}

#[test]
fn truncated_name() {
    let m = Mrz::parse(&with(43, 'X'), &today()).unwrap();
    assert!(m.names_truncated());
}

// ---- OCR repair ----

#[test]
fn repair_fixes_proven_confusions_only() {
    // O for 0 in the issuing state and a Z for 2 in the birth date.
    let broken = TD3
        .replacen("P<UTO", "P<UT0", 1)
        .replacen("7408122", "74O8122", 1);
    let plain = Mrz::parse(&broken, &today()).unwrap();
    assert!(!plain.is_consistent());
    assert!(plain.repairs().is_empty());
    let r = Mrz::parse(&broken, &today().with_repair(true)).unwrap();
    assert!(r.is_consistent(), "{:?}", r.problems());
    assert_eq!(r.repairs().len(), 2);
    assert!(
        r.repairs()
            .iter()
            .any(|x| x.field == Field::IssuingState && x.from == '0' && x.to == 'O')
    );
    assert!(
        r.repairs()
            .iter()
            .any(|x| x.field == Field::BirthDate && x.from == 'O' && x.to == '0')
    );
    let c = r
        .checks()
        .into_iter()
        .find(|c| c.check == "mrz.ocr_repair")
        .unwrap();
    assert_eq!(
        (c.status, c.reason.as_str()),
        (Status::Warn, "ocr_repaired")
    );
}

#[test]
fn repair_document_number_with_check_digit_proof() {
    // L898902C3 with the 0 read as O: only one substitution makes the check digit 6 match.
    let broken = TD3.replacen("L898902C36", "L8989O2C36", 1);
    let r = Mrz::parse(&broken, &today().with_repair(true)).unwrap();
    assert_eq!(r.document_number(), "L898902C3");
    assert!(r.is_consistent(), "{:?}", r.problems());
    assert_eq!(r.repairs().len(), 1);
}

#[test]
fn repair_refuses_ambiguous_document_number() {
    // 8 read as B: two different single substitutions satisfy the check digit, so nothing is changed.
    let broken = TD3.replacen("L898902C36", "L89B902C36", 1);
    let r = Mrz::parse(&broken, &today().with_repair(true)).unwrap();
    assert!(r.repairs().is_empty());
    assert_eq!(r.problems()[0].code, ProblemCode::CheckDigitMismatch);
}

#[test]
fn repair_composite_check_digit() {
    // Composite 0 read as O; personal-number check digit fine.
    let broken = format!("{}O", &TD3[..TD3.len() - 1]);
    let r = Mrz::parse(&broken, &today().with_repair(true)).unwrap();
    assert!(r.is_consistent(), "{:?}", r.problems());
    assert_eq!(r.repairs()[0].field, Field::Composite);
    assert_eq!((r.repairs()[0].from, r.repairs()[0].to), ('O', '0'));
}

#[test]
fn repair_refuses_unproven_change() {
    // A letter in the birth date whose digit form does not satisfy the check digit stays.
    let broken = TD3.replacen("7408122", "74S8122", 1);
    let r = Mrz::parse(&broken, &today().with_repair(true)).unwrap();
    assert!(r.repairs().is_empty());
    assert!(!r.is_consistent());
}
