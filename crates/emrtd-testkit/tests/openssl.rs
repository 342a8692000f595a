//! An independent check of the test PKI: OpenSSL verifies the certificates, CRLs, EF.SOD
//! SignedData and master lists the kit makes, so the chip tests do not only agree with
//! themselves. (OpenSSL 3 refuses CSCAs with explicit EC parameters, so these use named curves;
//! the explicit form is checked by `emrtd`'s tests and the German master list.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use emrtd::HashAlgorithm;
use emrtd_testkit::{
    ChipBuilder, Issued, KeyKind, SigScheme, Validity, date, dg1, master_list, pem,
};

const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("testkit-openssl-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl must be installed (scripts/setup installs it)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn openssl_accepts_what_the_kit_makes() {
    for (name, kind, csca_scheme, dsc_scheme) in [
        (
            "rsa",
            KeyKind::Rsa2048,
            SigScheme::RsaPkcs1v15(HashAlgorithm::Sha256),
            SigScheme::RsaPkcs1v15(HashAlgorithm::Sha256),
        ),
        (
            "pss",
            KeyKind::Rsa2048,
            SigScheme::RsaPss(HashAlgorithm::Sha256),
            SigScheme::RsaPss(HashAlgorithm::Sha256),
        ),
        (
            "p256",
            KeyKind::EcP256,
            SigScheme::Ecdsa(HashAlgorithm::Sha256),
            SigScheme::Ecdsa(HashAlgorithm::Sha256),
        ),
        (
            "bp384",
            KeyKind::EcBrainpoolP384r1,
            SigScheme::Ecdsa(HashAlgorithm::Sha384),
            SigScheme::Ecdsa(HashAlgorithm::Sha384),
        ),
    ] {
        let dir = tmp(name);
        let v = Validity::new(date(2020, 1, 1), date(2035, 1, 1));
        let csca = Issued::csca("CN=CSCA Utopia,O=Gov,C=UT", kind, csca_scheme, v, false, 11);
        let dsc = csca.issue_dsc("CN=DS,O=Gov,C=UT", kind, dsc_scheme, &[0x42], v, 12);
        std::fs::write(dir.join("csca.pem"), csca.cert_pem()).unwrap();
        std::fs::write(dir.join("dsc.pem"), dsc.cert_pem()).unwrap();
        let (ok, text) = openssl(
            &dir,
            &[
                "verify",
                "-attime",
                "1764000000",
                "-CAfile",
                "csca.pem",
                "dsc.pem",
            ],
        );
        assert!(ok, "{name}: certificate chain: {text}");

        let crl = csca.crl(&[&[0x42]], date(2026, 1, 1), date(2027, 1, 1));
        std::fs::write(dir.join("crl.pem"), pem("X509 CRL", &crl)).unwrap();
        let (ok, text) = openssl(
            &dir,
            &[
                "crl", "-in", "crl.pem", "-CAfile", "csca.pem", "-noout", "-text",
            ],
        );
        assert!(
            ok && text.contains("verify OK") && text.contains("Serial Number: 42"),
            "{name}: CRL: {text}"
        );

        // EF.SOD without its 77 wrapper is a CMS ContentInfo.
        let chip = ChipBuilder::new(&dsc)
            .data_group(1, dg1(MRZ))
            .hash(dsc_scheme.hash())
            .build();
        let content_info = tlv::Tlv::parse_tagged(&chip.sod, tlv::Tag::new(0x77))
            .unwrap()
            .value()
            .to_vec();
        std::fs::write(dir.join("sod.der"), content_info).unwrap();
        let (ok, text) = openssl(
            &dir,
            &[
                "cms",
                "-verify",
                "-inform",
                "DER",
                "-in",
                "sod.der",
                "-CAfile",
                "csca.pem",
                "-purpose",
                "any",
                "-attime",
                "1764000000",
                "-out",
                "lso.der",
            ],
        );
        assert!(
            ok && text.contains("Verification successful"),
            "{name}: SOD: {text}"
        );
        // What OpenSSL extracts is the LDSSecurityObject our parser read.
        let lso = std::fs::read(dir.join("lso.der")).unwrap();
        assert_eq!(lso, emrtd::sod::Sod::parse(&chip.sod).unwrap().content);

        let signer = csca.issue_ml_signer("CN=ML Signer,C=UT", kind, &[7], v, 13);
        std::fs::write(dir.join("ml.der"), master_list(&signer, &[&csca.cert_der])).unwrap();
        let (ok, text) = openssl(
            &dir,
            &[
                "cms",
                "-verify",
                "-inform",
                "DER",
                "-in",
                "ml.der",
                "-CAfile",
                "csca.pem",
                "-purpose",
                "any",
                "-attime",
                "1764000000",
                "-out",
                "/dev/null",
            ],
        );
        assert!(
            ok && text.contains("Verification successful"),
            "{name}: master list: {text}"
        );
    }
}
