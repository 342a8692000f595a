//! Writes a complete test chip and its trust material, to try `idverify chip verify` by hand and
//! to seed the fuzzers:
//!
//! ```text
//! cargo run -p emrtd-testkit --example demo_chip -- /tmp/demo
//! idverify chip verify /tmp/demo/chip --trust /tmp/demo/csca.pem --at 2026-11-23
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "example")]

use emrtd::HashAlgorithm;
use emrtd_testkit::{
    AaKey, ChipBuilder, Issued, KeyKind, SigScheme, TestKey, Validity, date, dg1, master_list, pem,
};

fn main() {
    let out = std::path::PathBuf::from(std::env::args().nth(1).expect("usage: demo_chip OUT_DIR"));
    let v = Validity::new(date(2020, 1, 1), date(2035, 1, 1));
    let csca = Issued::csca(
        "CN=CSCA Utopia,O=Utopia Government,C=UT",
        KeyKind::EcBrainpoolP256r1,
        SigScheme::Ecdsa(HashAlgorithm::Sha256),
        v,
        true,
        1,
    );
    let dsc = csca.issue_dsc(
        "CN=Document Signer 1,O=Utopia Government,C=UT",
        KeyKind::EcP256,
        SigScheme::Ecdsa(HashAlgorithm::Sha256),
        &[1],
        v,
        2,
    );
    let chip = ChipBuilder::new(&dsc)
        .data_group(1, dg1("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"))
        .aa_key(AaKey::Ec(TestKey::generate(KeyKind::EcP256, 3), HashAlgorithm::Sha256))
        .build();
    chip.write_dir(&out.join("chip"));
    std::fs::write(out.join("csca.pem"), csca.cert_pem()).unwrap();
    std::fs::write(
        out.join("csca.crl"),
        pem(
            "X509 CRL",
            &csca.crl(&[], date(2026, 1, 1), date(2027, 1, 1)),
        ),
    )
    .unwrap();
    let signer = csca.issue_ml_signer("CN=Master List Signer,C=UT", KeyKind::EcP256, &[9], v, 4);
    std::fs::write(out.join("UT.ml"), master_list(&signer, &[&csca.cert_der])).unwrap();
    let challenge = [1u8, 2, 3, 4, 5, 6, 7, 8];
    let response: String = chip
        .respond(&challenge)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(
        out.join("aa.txt"),
        format!("challenge 0102030405060708\nresponse {response}\n"),
    )
    .unwrap();
    println!("wrote {}", out.display());
}
