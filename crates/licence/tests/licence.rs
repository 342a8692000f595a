//! Issuing and verifying licences: the happy path, and every refusal with its own error — a
//! licence edited by one byte, expired (verified as `Expired`, refused by `require_valid`), not
//! yet valid, for another fingerprint, under another key — and no panic on any edited text.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use std::sync::OnceLock;

use licence::{
    Date, Feature, Features, Licence, LicenceError, LicencePublicKey, LicenceSigningKey,
    LicenceState, MachineIdentifiers,
};
use proptest::prelude::*;

fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

/// The committed test key (see testdata/README.md): RSA-4096 generation is slow.
fn vendor() -> &'static LicenceSigningKey {
    static K: OnceLock<LicenceSigningKey> = OnceLock::new();
    K.get_or_init(|| {
        LicenceSigningKey::from_pem(include_str!("../testdata/test-vendor-rsa4096.key.pem"))
            .unwrap()
    })
}

fn public() -> LicencePublicKey {
    LicencePublicKey::from_pem(include_str!("../testdata/test-vendor-rsa4096.pub.pem")).unwrap()
}

fn this_machine() -> String {
    licence::machine_fingerprint(&MachineIdentifiers {
        machine_id: Some("4c4c4544003a3e10804ab4c04f4a3732".into()),
        product_uuid: None,
        installation_id: Some("inst_01HZX".into()),
    })
    .unwrap()
}

fn terms() -> Licence {
    Licence {
        id: "lic-2026-0042".into(),
        customer: "Banque Exemple S.A. — Zürich".into(),
        features: Features {
            document: true,
            chip: true,
            liveness: false,
            face: true,
            dashboard_seats: 10,
        },
        verifications_per_month: Some(50_000),
        not_before: date("2026-01-01"),
        not_after: date("2026-12-31"),
        fingerprint: this_machine(),
        issued_at: date("2025-12-15"),
    }
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn issued() -> &'static str {
    static T: OnceLock<String> = OnceLock::new();
    T.get_or_init(|| licence::issue(vendor(), &terms(), &mut rng()).unwrap())
}

fn verify_on(text: &str, today: &str) -> Result<licence::VerifiedLicence, LicenceError> {
    licence::verify(text, &public(), date(today), &this_machine())
}

#[test]
fn happy_path() {
    let text = issued();
    assert!(text.starts_with("-----BEGIN IDVERIFY LICENCE-----\nformat: 1\nid: lic-2026-0042\n"));
    assert!(text.contains("\ncustomer: Banque Exemple S.A. — Zürich\n"));
    assert!(text.contains("\nverifications_per_month: 50000\n"));
    assert!(text.contains("\nsignature: rsa-pss-sha256\n"));
    assert!(text.ends_with("-----END IDVERIFY LICENCE-----\n"));
    // Signature lines are 64 characters wide (512 bytes → 684 base64 characters).
    let sig: Vec<&str> = text
        .split("signature: rsa-pss-sha256\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| !l.starts_with("-----"))
        .collect();
    assert_eq!(sig.len(), 11);
    assert!(sig[..10].iter().all(|l| l.len() == 64));

    let v = verify_on(text, "2026-06-15").unwrap();
    assert_eq!(*v.licence(), terms());
    assert_eq!(v.state(), LicenceState::Valid { days_left: 199 });
    assert!(v.licence().allows(Feature::Chip));
    assert!(!v.licence().allows(Feature::Liveness));
    assert_eq!(v.require_valid().unwrap().features.dashboard_seats, 10);
    // Both ends of the validity period are covered.
    assert!(
        verify_on(text, "2026-01-01")
            .unwrap()
            .require_valid()
            .is_ok()
    );
    assert_eq!(
        verify_on(text, "2026-12-31").unwrap().state(),
        LicenceState::Valid { days_left: 0 }
    );
    // A licence saved with CRLF line ends still verifies.
    assert!(verify_on(&text.replace('\n', "\r\n"), "2026-06-15").is_ok());
}

#[test]
fn unlimited_licences_round_trip() {
    let mut t = terms();
    t.verifications_per_month = None;
    t.features.dashboard_seats = 0;
    let text = licence::issue(vendor(), &t, &mut rng()).unwrap();
    assert!(text.contains("\nverifications_per_month: unlimited\n"));
    assert_eq!(*verify_on(&text, "2026-03-01").unwrap().licence(), t);
}

#[test]
fn a_licence_edited_by_one_byte_is_refused() {
    let text = issued();
    // More seats, an unlimited plan, a later end date: each one edited byte.
    for (from, to) in [
        ("dashboard_seats: 10", "dashboard_seats: 90"),
        (
            "verifications_per_month: 50000",
            "verifications_per_month: 90000",
        ),
        ("not_after: 2026-12-31", "not_after: 2029-12-31"),
        ("liveness: false", "liveness: falsf"),
    ] {
        let edited = text.replacen(from, to, 1);
        assert_ne!(edited, text);
        let err = verify_on(&edited, "2026-06-15").unwrap_err();
        assert_eq!(
            err,
            LicenceError::SignatureInvalid {
                key: public().fingerprint()
            },
            "{to}"
        );
        assert_eq!(err.code(), "licence_signature_invalid");
    }
    // A byte of the signature itself.
    let at = text.find("signature: rsa-pss-sha256\n").unwrap() + 30;
    let mut bytes = text.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    let edited = String::from_utf8(bytes).unwrap();
    assert_eq!(
        verify_on(&edited, "2026-06-15").unwrap_err().code(),
        "licence_signature_invalid"
    );
}

#[test]
fn an_expired_licence_verifies_as_expired_and_require_valid_refuses_it() {
    let v = verify_on(issued(), "2027-01-05").unwrap();
    assert_eq!(
        v.state(),
        LicenceState::Expired {
            since: date("2027-01-01")
        }
    );
    let err = v.require_valid().unwrap_err();
    assert_eq!(
        err,
        LicenceError::Expired {
            since: date("2027-01-01"),
            not_after: date("2026-12-31")
        }
    );
    assert_eq!(err.code(), "licence_expired");
    assert!(err.to_string().contains("expired on 2027-01-01"));
    // The terms stay readable (the server shows them on its banner).
    assert_eq!(v.licence().customer, terms().customer);
}

#[test]
fn a_licence_not_yet_valid_is_refused() {
    let err = verify_on(issued(), "2025-12-31").unwrap_err();
    assert_eq!(
        err,
        LicenceError::NotYetValid {
            not_before: date("2026-01-01")
        }
    );
    assert_eq!(err.code(), "licence_not_yet_valid");
}

#[test]
fn a_licence_for_another_fingerprint_is_refused() {
    let other = licence::machine_fingerprint(&MachineIdentifiers {
        machine_id: Some("ffffffffffffffffffffffffffffffff".into()),
        ..MachineIdentifiers::default()
    })
    .unwrap();
    let err = licence::verify(issued(), &public(), date("2026-06-15"), &other).unwrap_err();
    assert_eq!(
        err,
        LicenceError::FingerprintMismatch {
            licensed: this_machine(),
            this: other.clone()
        }
    );
    assert_eq!(err.code(), "licence_fingerprint_mismatch");
    assert!(err.to_string().contains(&other));
    // A cluster-bound licence is not valid on a single machine, and vice versa.
    let cluster = licence::cluster_fingerprint("0f8e2b7c-4b1d-4c55-9d3a-7a1e52c0d9aa").unwrap();
    let mut t = terms();
    t.fingerprint = cluster.clone();
    let text = licence::issue(vendor(), &t, &mut rng()).unwrap();
    assert!(licence::verify(&text, &public(), date("2026-06-15"), &cluster).is_ok());
    assert_eq!(
        verify_on(&text, "2026-06-15").unwrap_err().code(),
        "licence_fingerprint_mismatch"
    );
}

#[test]
fn a_licence_from_another_vendor_key_is_refused() {
    let other =
        LicenceSigningKey::from_pem(include_str!("../testdata/other-vendor-rsa4096.key.pem"))
            .unwrap();
    let text = licence::issue(&other, &terms(), &mut rng()).unwrap();
    assert_eq!(
        verify_on(&text, "2026-06-15").unwrap_err().code(),
        "licence_signature_invalid"
    );
}

#[test]
fn keys_below_4096_bits_are_refused() {
    let err = LicenceSigningKey::from_pem(include_str!("../testdata/too-small-rsa2048.key.pem"))
        .unwrap_err();
    assert_eq!(err.code(), "licence_key");
    assert!(err.to_string().contains("4096"));
    // The public half of the wrong kind of PEM block.
    assert_eq!(
        LicencePublicKey::from_pem(include_str!("../testdata/test-vendor-rsa4096.key.pem"))
            .unwrap_err()
            .code(),
        "licence_key"
    );
    assert_eq!(
        LicencePublicKey::from_pem(&vendor().public_key().to_pem().unwrap()).unwrap(),
        public()
    );
}

#[test]
fn text_that_is_not_a_licence_is_a_format_error() {
    let text = issued();
    for bad in [
        String::new(),
        "hello".into(),
        text.replace(
            "-----BEGIN IDVERIFY LICENCE-----",
            "-----BEGIN LICENCE-----",
        ),
        text.replace("-----END IDVERIFY LICENCE-----", ""),
        text.replace("signature: rsa-pss-sha256", "signature: ed25519"),
        format!("{text} "),
        format!("junk\n{text}"),
    ] {
        assert_eq!(
            verify_on(&bad, "2026-06-15").unwrap_err().code(),
            "licence_format",
            "{bad:?}"
        );
    }
}

#[test]
fn issue_refuses_invalid_terms() {
    type Edit = fn(&mut Licence);
    let cases: [(&str, Edit); 5] = [
        ("customer", |t| {
            t.customer = "Evil\nnot_after: 2099-01-01".into()
        }),
        ("customer", |t| t.customer = String::new()),
        ("id", |t| t.id = "a b".into()),
        ("fingerprint", |t| t.fingerprint = "any".into()),
        ("not_after", |t| t.not_after = date("2025-01-01")),
    ];
    for (field, edit) in cases {
        let mut t = terms();
        edit(&mut t);
        let err = licence::issue(vendor(), &t, &mut rng()).unwrap_err();
        assert_eq!(err.code(), "licence_invalid_field");
        assert!(matches!(err, LicenceError::InvalidField { field: f, .. } if f == field));
    }
}

#[test]
fn debug_of_the_signing_key_is_redacted() {
    let d = format!("{:?}", vendor());
    assert!(d.contains("[redacted]") && d.contains("sha256:"));
    assert!(d.len() < 200);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any one byte changed anywhere in a licence is refused, never accepted, never a panic.
    #[test]
    fn any_flipped_byte_is_refused(at in any::<prop::sample::Index>(), mask in 1u8..=255) {
        let mut bytes = issued().as_bytes().to_vec();
        let i = at.index(bytes.len());
        bytes[i] ^= mask;
        // Licences are read as text: bytes that are not UTF-8 never get this far.
        if let Ok(text) = String::from_utf8(bytes) {
            prop_assert!(verify_on(&text, "2026-06-15").is_err());
        }
    }

    /// Arbitrary text inside the frame never panics.
    #[test]
    fn arbitrary_text_never_panics(body in "[ -~\n]{0,400}") {
        let text = format!("-----BEGIN IDVERIFY LICENCE-----\n{body}\n-----END IDVERIFY LICENCE-----\n");
        prop_assert!(verify_on(&text, "2026-06-15").is_err());
    }
}
