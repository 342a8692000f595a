//! Passive and Active Authentication of complete test chips, built with a test PKI made here
//! (`emrtd-testkit`): the good chip on each algorithm family, then each failure on its own.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers"
)]

use checks::Status;
use emrtd::HashAlgorithm;
use emrtd::aa::Challenge;
use emrtd::chip::{AaExchange, ChipFiles, verify_chip};
use emrtd::pa::{PaReport, passive_authentication};
use emrtd::pki::TrustStore;
use emrtd_testkit::{
    AaKey, ChipBuilder, Csca, Dsc, Issued, KeyKind, SigScheme, TestChip, Validity, date, dg1,
    master_list,
};

const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

fn now() -> der::DateTime {
    date(2026, 11, 23)
}

fn ten_years() -> Validity {
    Validity::new(date(2020, 1, 1), date(2035, 1, 1))
}

fn csca(kind: KeyKind, scheme: SigScheme, explicit: bool) -> Csca {
    Issued::csca(
        "CN=CSCA Utopia,O=Utopia Government,C=UT",
        kind,
        scheme,
        ten_years(),
        explicit,
        1,
    )
}

fn dsc_of(csca: &Csca, kind: KeyKind, scheme: SigScheme) -> Dsc {
    csca.issue_dsc(
        "CN=Document Signer 7,O=Utopia Government,C=UT",
        kind,
        scheme,
        &[0x07],
        ten_years(),
        2,
    )
}

fn chip(dsc: &Dsc) -> TestChip {
    ChipBuilder::new(dsc)
        .data_group(1, dg1(MRZ))
        .data_group(2, vec![0x75, 0x03, 0x7F, 0x61, 0x00])
        .build()
}

fn trust(csca: &Csca) -> TrustStore {
    let mut t = TrustStore::new();
    t.add_certificate_der(&csca.cert_der).unwrap();
    t
}

fn run(chip: &TestChip, trust: &TrustStore) -> PaReport {
    passive_authentication(&chip.sod, &chip.data_groups(), trust, now())
}

fn status_of<'a>(report: &'a PaReport, check: &str) -> (Status, &'a str) {
    let c = report
        .checks
        .iter()
        .find(|c| c.check == check)
        .unwrap_or_else(|| panic!("no check {check} in {:#?}", report.checks));
    (c.status, c.reason.as_str())
}

/// Every check passes except revocation, which has no CRL.
fn assert_good(report: &PaReport) {
    for c in &report.checks {
        if c.check == "chip.dsc.revocation" {
            assert_eq!(
                (c.status, c.reason.as_str()),
                (Status::NotPerformed, "crl_unavailable")
            );
        } else {
            assert_eq!(
                c.status,
                Status::Pass,
                "{} failed: {} {:?}",
                c.check,
                c.reason,
                c.evidence
            );
        }
    }
    assert!(report.csca.is_some() && report.document_signer.is_some());
}

/// Only the named check is bad; everything else is as for a good chip.
fn assert_only(report: &PaReport, check: &str, status: Status, reason: &str) {
    assert_eq!(
        status_of(report, check),
        (status, reason),
        "{:#?}",
        report.checks
    );
    for c in &report.checks {
        if c.check != check
            && c.check != "chip.dsc.revocation"
            && c.reason.as_str() != "dependency_failed"
        {
            assert_eq!(
                c.status,
                Status::Pass,
                "{} also failed: {} {:?}",
                c.check,
                c.reason,
                c.evidence
            );
        }
    }
    assert!(!report.status.is_pass());
}

#[test]
fn good_chip_rsa_pkcs1() {
    let csca = csca(
        KeyKind::Rsa2048,
        SigScheme::RsaPkcs1v15(HashAlgorithm::Sha256),
        false,
    );
    let dsc = dsc_of(
        &csca,
        KeyKind::Rsa2048,
        SigScheme::RsaPkcs1v15(HashAlgorithm::Sha256),
    );
    let report = run(&chip(&dsc), &trust(&csca));
    assert_good(&report);
    assert_eq!(
        report.signature_algorithm.as_deref(),
        Some("RSA-PKCS1-v1_5/sha-256")
    );
    assert_eq!(report.csca.as_ref().unwrap().key, "RSA-2048");
}

#[test]
fn good_chip_rsa_pss_sha512() {
    // Italy signs with SHA-512 PSS; the algorithm comes from the SignerInfo, not the DSC.
    let csca = csca(
        KeyKind::Rsa3072,
        SigScheme::RsaPss(HashAlgorithm::Sha256),
        false,
    );
    let dsc = dsc_of(
        &csca,
        KeyKind::Rsa2048,
        SigScheme::RsaPss(HashAlgorithm::Sha512),
    );
    let chip = ChipBuilder::new(&dsc)
        .data_group(1, dg1(MRZ))
        .hash(HashAlgorithm::Sha512)
        .build();
    let report = run(&chip, &trust(&csca));
    assert_good(&report);
    assert_eq!(
        report.signature_algorithm.as_deref(),
        Some("RSASSA-PSS/sha-512/salt-64")
    );
}

#[test]
fn good_chip_ecdsa_p256_signer_by_key_identifier() {
    let csca = csca(
        KeyKind::EcP384,
        SigScheme::Ecdsa(HashAlgorithm::Sha384),
        false,
    );
    let dsc = dsc_of(
        &csca,
        KeyKind::EcP256,
        SigScheme::Ecdsa(HashAlgorithm::Sha256),
    );
    let chip = ChipBuilder::new(&dsc)
        .data_group(1, dg1(MRZ))
        .signer_id_ski(true)
        .build();
    assert_good(&run(&chip, &trust(&csca)));
}

#[test]
fn good_chip_brainpool_with_explicit_csca_parameters() {
    let csca = csca(
        KeyKind::EcBrainpoolP256r1,
        SigScheme::Ecdsa(HashAlgorithm::Sha256),
        true,
    );
    let dsc = dsc_of(
        &csca,
        KeyKind::EcBrainpoolP256r1,
        SigScheme::Ecdsa(HashAlgorithm::Sha256),
    );
    let report = run(&chip(&dsc), &trust(&csca));
    assert_good(&report);
    assert_eq!(
        report.csca.as_ref().unwrap().key,
        "EC brainpoolP256r1 (explicit parameters)"
    );
    // brainpoolP384r1 with SHA-1 data-group hashes, as older SODs have.
    let csca384 = Issued::csca(
        "CN=CSCA Utopia 384,C=UT",
        KeyKind::EcBrainpoolP384r1,
        SigScheme::Ecdsa(HashAlgorithm::Sha384),
        ten_years(),
        true,
        3,
    );
    let dsc384 = csca384.issue_dsc(
        "CN=DS 384,C=UT",
        KeyKind::EcBrainpoolP384r1,
        SigScheme::Ecdsa(HashAlgorithm::Sha384),
        &[9],
        ten_years(),
        4,
    );
    let chip = ChipBuilder::new(&dsc384)
        .data_group(1, dg1(MRZ))
        .hash(HashAlgorithm::Sha1)
        .build();
    assert_good(&run(&chip, &trust(&csca384)));
}

fn rsa_setup() -> (Csca, Dsc) {
    let csca = csca(
        KeyKind::Rsa2048,
        SigScheme::RsaPkcs1v15(HashAlgorithm::Sha256),
        false,
    );
    let dsc = dsc_of(
        &csca,
        KeyKind::Rsa2048,
        SigScheme::RsaPkcs1v15(HashAlgorithm::Sha256),
    );
    (csca, dsc)
}

fn ec_setup() -> (Csca, Dsc) {
    let csca = csca(
        KeyKind::EcP256,
        SigScheme::Ecdsa(HashAlgorithm::Sha256),
        false,
    );
    let dsc = dsc_of(
        &csca,
        KeyKind::EcP256,
        SigScheme::Ecdsa(HashAlgorithm::Sha256),
    );
    (csca, dsc)
}

#[test]
fn a_changed_data_group_fails_its_hash_only() {
    let (csca, dsc) = ec_setup();
    let mut chip = chip(&dsc);
    let dg1 = chip.files.get_mut(&1).unwrap();
    let last = dg1.len() - 3;
    dg1[last] = b'X'; // one character of the MRZ
    assert_only(
        &run(&chip, &trust(&csca)),
        "chip.dg_hash.dg1",
        Status::Fail,
        "dg_hash_mismatch",
    );
}

#[test]
fn a_data_group_the_sod_does_not_list_fails() {
    let (csca, dsc) = ec_setup();
    let mut chip = chip(&dsc);
    chip.files.insert(11, vec![0x6B, 0x00]);
    assert_only(
        &run(&chip, &trust(&csca)),
        "chip.dg_hash.dg11",
        Status::Fail,
        "dg_not_in_sod",
    );
}

#[test]
fn a_missing_data_group_is_not_performed_not_failed() {
    let (csca, dsc) = ec_setup();
    let mut chip = chip(&dsc);
    chip.files.remove(&2);
    let report = run(&chip, &trust(&csca));
    assert_eq!(
        status_of(&report, "chip.dg_hash.dg2"),
        (Status::NotPerformed, "dg_not_read")
    );
}

#[test]
fn a_sod_signed_by_a_dsc_of_another_csca_fails_the_chain() {
    let (csca, _) = rsa_setup();
    // Another CSCA with the same name (a forger's), and one with another name.
    let forged = Issued::csca(
        "CN=CSCA Utopia,O=Utopia Government,C=UT",
        KeyKind::Rsa2048,
        SigScheme::RsaPkcs1v15(HashAlgorithm::Sha256),
        ten_years(),
        false,
        77,
    );
    let forged_dsc = dsc_of(
        &forged,
        KeyKind::Rsa2048,
        SigScheme::RsaPkcs1v15(HashAlgorithm::Sha256),
    );
    let report = run(&chip(&forged_dsc), &trust(&csca));
    // The forged DSC carries an AKI that names the forger's key: no trusted CSCA matches.
    assert_only(&report, "chip.csca.chain", Status::Fail, "csca_not_found");

    let other = Issued::csca(
        "CN=CSCA Elsewhere,C=EW",
        KeyKind::EcP256,
        SigScheme::Ecdsa(HashAlgorithm::Sha256),
        ten_years(),
        false,
        78,
    );
    let other_dsc = other.issue_dsc(
        "CN=DS,C=EW",
        KeyKind::EcP256,
        SigScheme::Ecdsa(HashAlgorithm::Sha256),
        &[1],
        ten_years(),
        79,
    );
    assert_only(
        &run(&chip(&other_dsc), &trust(&csca)),
        "chip.csca.chain",
        Status::Fail,
        "csca_not_found",
    );
}

#[test]
fn a_csca_with_the_right_name_and_key_id_that_did_not_sign_fails_the_signature() {
    // An impostor issues a DSC in the CSCA's name and writes the real CSCA's key identifier
    // into it: name and key identifier match, only the signature can tell.
    let (csca, _) = rsa_setup();
    let impostor = Issued::csca(
        "CN=CSCA Utopia,O=Utopia Government,C=UT",
        KeyKind::Rsa2048,
        SigScheme::RsaPkcs1v15(HashAlgorithm::Sha256),
        ten_years(),
        false,
        90,
    );
    let dsc = dsc_of(
        &impostor,
        KeyKind::Rsa2048,
        SigScheme::RsaPkcs1v15(HashAlgorithm::Sha256),
    );
    let mut chip = chip(&dsc);
    let fake_id = impostor.key.key_id();
    let at = chip
        .sod
        .windows(fake_id.len())
        .position(|w| w == fake_id.as_slice())
        .unwrap();
    chip.sod[at..at + fake_id.len()].copy_from_slice(&csca.key.key_id());
    assert_only(
        &run(&chip, &trust(&csca)),
        "chip.csca.chain",
        Status::Fail,
        "dsc_signature_invalid",
    );
}

#[test]
fn an_expired_dsc_fails_validity() {
    let (csca, _) = ec_setup();
    let dsc = csca.issue_dsc(
        "CN=Old Signer,C=UT",
        KeyKind::EcP256,
        SigScheme::Ecdsa(HashAlgorithm::Sha256),
        &[0x11],
        Validity::new(date(2010, 1, 1), date(2020, 1, 1)),
        5,
    );
    assert_only(
        &run(&chip(&dsc), &trust(&csca)),
        "chip.dsc.validity",
        Status::Fail,
        "dsc_expired",
    );
}

#[test]
fn a_revoked_dsc_fails_revocation_and_a_clean_crl_passes() {
    let (csca, dsc) = ec_setup();
    let mut store = trust(&csca);
    store
        .add_crl_der(&csca.crl(
            &[&[0x99], &dsc.serial],
            date(2026, 11, 1),
            date(2026, 12, 31),
        ))
        .unwrap();
    assert_only(
        &run(&chip(&dsc), &store),
        "chip.dsc.revocation",
        Status::Fail,
        "dsc_revoked",
    );

    let mut clean = trust(&csca);
    clean
        .add_crl_der(&csca.crl(&[&[0x99]], date(2026, 11, 1), date(2026, 12, 31)))
        .unwrap();
    let report = run(&chip(&dsc), &clean);
    assert_eq!(report.status, Status::Pass, "{:#?}", report.checks);

    let mut stale = trust(&csca);
    stale
        .add_crl_der(&csca.crl(&[], date(2026, 1, 1), date(2026, 2, 1)))
        .unwrap();
    assert_eq!(
        status_of(&run(&chip(&dsc), &stale), "chip.dsc.revocation"),
        (Status::Warn, "crl_stale")
    );

    // A CRL in the CSCA's name that the CSCA did not sign is not believed.
    let impostor = Issued::csca(
        "CN=CSCA Utopia,O=Utopia Government,C=UT",
        KeyKind::EcP256,
        SigScheme::Ecdsa(HashAlgorithm::Sha256),
        ten_years(),
        false,
        66,
    );
    let mut forged = trust(&csca);
    forged
        .add_crl_der(&impostor.crl(&[], date(2026, 11, 1), date(2026, 12, 31)))
        .unwrap();
    assert_eq!(
        status_of(&run(&chip(&dsc), &forged), "chip.dsc.revocation"),
        (Status::Fail, "crl_signature_invalid")
    );
}

#[test]
fn a_wrong_message_digest_fails() {
    let (csca, dsc) = rsa_setup();
    let chip = ChipBuilder::new(&dsc)
        .data_group(1, dg1(MRZ))
        .corrupt_message_digest()
        .build();
    assert_only(
        &run(&chip, &trust(&csca)),
        "chip.sod.message_digest",
        Status::Fail,
        "message_digest_mismatch",
    );
}

#[test]
fn a_tampered_sod_signature_fails() {
    let (csca, dsc) = ec_setup();
    let mut chip = chip(&dsc);
    // The signature is the SOD's last OCTET STRING: flip a bit inside s.
    let n = chip.sod.len();
    chip.sod[n - 2] ^= 0x01;
    assert_only(
        &run(&chip, &trust(&csca)),
        "chip.sod.signature",
        Status::Fail,
        "sod_signature_invalid",
    );
}

#[test]
fn an_unsupported_algorithm_is_reported_as_unsupported_not_as_a_pass() {
    let (csca, dsc) = rsa_setup();
    let mut chip = chip(&dsc);
    // Rewrite the SignerInfo's sha256WithRSAEncryption (the SOD's last one) as
    // id-rsassa-pkcs1-v1_5-with-sha3-256 (NIST CSOR 2.16.840.1.101.3.4.3.14), same length.
    let from = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B];
    let to = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x0E];
    let at = chip.sod.windows(9).rposition(|w| w == from).unwrap();
    chip.sod[at..at + 9].copy_from_slice(&to);
    let report = run(&chip, &trust(&csca));
    assert_only(
        &report,
        "chip.sod.signature",
        Status::Unsupported,
        "algorithm_unsupported",
    );
    assert_eq!(report.status, Status::Unsupported);
}

#[test]
fn an_unparseable_sod_fails_and_nothing_else_runs() {
    let report = passive_authentication(
        &[0x77, 0x02, 0x30, 0x00],
        &Default::default(),
        &TrustStore::new(),
        now(),
    );
    assert_eq!(
        status_of(&report, "chip.sod.parse"),
        (Status::Fail, "sod_malformed")
    );
    assert!(
        report
            .checks
            .iter()
            .skip(1)
            .all(|c| c.reason.as_str() == "dependency_failed")
    );
}

#[test]
fn trust_from_pem_and_from_a_master_list() {
    let (csca, dsc) = ec_setup();
    let mut from_pem = TrustStore::new();
    assert_eq!(from_pem.add_pem(csca.cert_pem().as_bytes()).unwrap(), 1);
    assert_good(&run(&chip(&dsc), &from_pem));

    // A master list holding this CSCA and another, signed by a Master List Signer of this CSCA.
    let other = Issued::csca(
        "CN=CSCA Elsewhere,C=EW",
        KeyKind::Rsa2048,
        SigScheme::RsaPkcs1v15(HashAlgorithm::Sha256),
        ten_years(),
        false,
        31,
    );
    let signer = csca.issue_ml_signer(
        "CN=Master List Signer,C=UT",
        KeyKind::EcP256,
        &[0x31],
        ten_years(),
        32,
    );
    let ml = master_list(&signer, &[&csca.cert_der, &other.cert_der]);
    let mut from_ml = TrustStore::new();
    let import = from_ml.add_master_list(&ml, now()).unwrap();
    assert_eq!((import.imported, import.skipped), (2, 0));
    assert_good(&run(&chip(&dsc), &from_ml));

    // Tampered content: the list's own signature check refuses it.
    let mut tampered = ml.clone();
    let at = tampered
        .windows(other.cert_der.len())
        .position(|w| w == other.cert_der.as_slice())
        .unwrap();
    tampered[at + 40] ^= 0x01;
    let err = TrustStore::new()
        .add_master_list(&tampered, now())
        .unwrap_err();
    assert_eq!(err.code(), "masterlist_message_digest");

    // A list signed by someone no CSCA in it (or in the store) issued is refused.
    let rogue_ca = Issued::csca(
        "CN=Rogue,C=XX",
        KeyKind::EcP256,
        SigScheme::Ecdsa(HashAlgorithm::Sha256),
        ten_years(),
        false,
        41,
    );
    let rogue_signer = rogue_ca.issue_ml_signer(
        "CN=Rogue Signer,C=XX",
        KeyKind::EcP256,
        &[1],
        ten_years(),
        42,
    );
    let rogue = master_list(&rogue_signer, &[&other.cert_der]);
    assert_eq!(
        TrustStore::new()
            .add_master_list(&rogue, now())
            .unwrap_err()
            .code(),
        "masterlist_signer_untrusted"
    );
}

fn aa_chip(key: AaKey) -> (Csca, TestChip) {
    let (csca, dsc) = ec_setup();
    let chip = ChipBuilder::new(&dsc)
        .data_group(1, dg1(MRZ))
        .aa_key(key)
        .build();
    (csca, chip)
}

fn files(chip: &TestChip) -> ChipFiles {
    ChipFiles {
        sod: Some(chip.sod.clone()),
        data_groups: chip.data_groups(),
    }
}

fn today() -> mrz::ParseOptions {
    mrz::ParseOptions::new(mrz::Date::new(2026, 11, 23).unwrap())
}

#[test]
fn active_authentication_rsa_iso9796_2_and_ecdsa_pass() {
    for (key, scheme) in [
        (
            AaKey::Rsa(
                emrtd_testkit::TestKey::generate(KeyKind::Rsa1024, 50),
                HashAlgorithm::Sha1,
            ),
            "ISO/IEC 9796-2 scheme 1/sha-1",
        ),
        (
            AaKey::Rsa(
                emrtd_testkit::TestKey::generate(KeyKind::Rsa2048, 51),
                HashAlgorithm::Sha256,
            ),
            "ISO/IEC 9796-2 scheme 1/sha-256",
        ),
        (
            AaKey::Ec(
                emrtd_testkit::TestKey::generate(KeyKind::EcBrainpoolP256r1, 52),
                HashAlgorithm::Sha256,
            ),
            "ECDSA/sha-256",
        ),
    ] {
        let (csca, chip) = aa_chip(key);
        let mut rng = emrtd_testkit::SeededRng::new("challenge", 1);
        let challenge = Challenge::generate(&mut rng, "ver_1");
        let response = chip.respond(challenge.bytes());
        let report = verify_chip(
            &files(&chip),
            &trust(&csca),
            now(),
            Some(AaExchange {
                challenge,
                response,
            }),
            &today(),
        );
        assert_eq!(
            report.active_authentication.status,
            Status::Pass,
            "{:?}",
            report.active_authentication
        );
        assert_eq!(
            report.active_authentication.evidence.get("scheme").unwrap(),
            scheme
        );
        assert!(report.all_present_checks_pass(), "{:#?}", report.checks());
        // DG1 is exposed for the comparison with the printed MRZ.
        assert_eq!(
            report.dg1.as_ref().unwrap().mrz.document_number(),
            "L898902C3"
        );
    }
}

#[test]
fn a_clone_fails_active_authentication() {
    // Copied data groups and SOD (PA passes) but another key answers: a clone.
    let (csca, chip) = aa_chip(AaKey::Ec(
        emrtd_testkit::TestKey::generate(KeyKind::EcP256, 60),
        HashAlgorithm::Sha256,
    ));
    let (_, clone_keyholder) = aa_chip(AaKey::Ec(
        emrtd_testkit::TestKey::generate(KeyKind::EcP256, 61),
        HashAlgorithm::Sha256,
    ));
    let challenge = Challenge::from_issued(*b"\x01\x02\x03\x04\x05\x06\x07\x08", "ver_2");
    let response = clone_keyholder.respond(challenge.bytes());
    let report = verify_chip(
        &files(&chip),
        &trust(&csca),
        now(),
        Some(AaExchange {
            challenge,
            response,
        }),
        &today(),
    );
    // Passive Authentication passes (revocation is not performed: no CRL): the data is genuine.
    assert_eq!(
        report.passive_authentication.as_ref().unwrap().status,
        Status::NotPerformed
    );
    assert_eq!(
        (
            report.active_authentication.status,
            report.active_authentication.reason.as_str()
        ),
        (Status::Fail, "aa_signature_invalid")
    );
    assert!(!report.all_present_checks_pass());

    // RSA clone.
    let (csca, chip) = aa_chip(AaKey::Rsa(
        emrtd_testkit::TestKey::generate(KeyKind::Rsa1024, 62),
        HashAlgorithm::Sha1,
    ));
    let (_, other) = aa_chip(AaKey::Rsa(
        emrtd_testkit::TestKey::generate(KeyKind::Rsa1024, 63),
        HashAlgorithm::Sha1,
    ));
    let challenge = Challenge::from_issued([9; 8], "ver_3");
    let response = other.respond(challenge.bytes());
    let report = verify_chip(
        &files(&chip),
        &trust(&csca),
        now(),
        Some(AaExchange {
            challenge,
            response,
        }),
        &today(),
    );
    assert_eq!(
        report.active_authentication.reason.as_str(),
        "aa_signature_invalid"
    );
}

#[test]
fn a_replayed_active_authentication_response_fails() {
    let (csca, chip) = aa_chip(AaKey::Rsa(
        emrtd_testkit::TestKey::generate(KeyKind::Rsa2048, 51),
        HashAlgorithm::Sha256,
    ));
    let mut rng = emrtd_testkit::SeededRng::new("replay", 7);
    // A genuine exchange, recorded by an attacker…
    let first = Challenge::generate(&mut rng, "ver_a");
    let recorded = chip.respond(first.bytes());
    let ok = verify_chip(
        &files(&chip),
        &trust(&csca),
        now(),
        Some(AaExchange {
            challenge: first,
            response: recorded.clone(),
        }),
        &today(),
    );
    assert_eq!(ok.active_authentication.status, Status::Pass);
    // …replayed against the next verification's fresh challenge.
    let second = Challenge::generate(&mut rng, "ver_b");
    let replay = verify_chip(
        &files(&chip),
        &trust(&csca),
        now(),
        Some(AaExchange {
            challenge: second,
            response: recorded,
        }),
        &today(),
    );
    assert_eq!(
        (
            replay.active_authentication.status,
            replay.active_authentication.reason.as_str()
        ),
        (Status::Fail, "aa_signature_invalid")
    );
}

#[test]
fn aa_is_not_performed_without_dg15_or_without_a_response() {
    let (csca, dsc) = ec_setup();
    let report = verify_chip(&files(&chip(&dsc)), &trust(&csca), now(), None, &today());
    assert_eq!(
        report.active_authentication.reason.as_str(),
        "aa_not_supported_by_chip"
    );
    let (csca, chip) = aa_chip(AaKey::Ec(
        emrtd_testkit::TestKey::generate(KeyKind::EcP256, 60),
        HashAlgorithm::Sha256,
    ));
    let report = verify_chip(&files(&chip), &trust(&csca), now(), None, &today());
    assert_eq!(
        report.active_authentication.reason.as_str(),
        "aa_no_response"
    );
}
