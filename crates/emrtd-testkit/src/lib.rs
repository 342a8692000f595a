//! A test PKI and test chips, made inside the tests (ICAO Doc 9303-10 §4.6, 9303-11 §6.1,
//! 9303-12 §7 and §9): CSCAs (RSA, RSA-PSS, ECDSA on NIST and brainpool curves, explicit curve
//! parameters), Document Signers, CRLs, CSCA Master Lists, EF.SOD over data groups, and Active
//! Authentication keys that answer challenges.
//!
//! Test-fixture code: it panics on misuse rather than returning errors, and it is a
//! dev-dependency only — no shipped crate depends on it.
#![forbid(unsafe_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "test fixtures: misuse should fail loudly"
)]

mod chip;
pub mod der_out;
mod keys;

pub use chip::{AaKey, ChipBuilder, Face, TestChip, dg1, dg2};
pub use keys::{KeyKind, SeededRng, SigScheme, TestKey};

use der::DateTime;
use emrtd::oid as o;

use der_out::*;

/// `YYYY-MM-DD` at midnight UTC.
pub fn date(y: u16, m: u8, d: u8) -> DateTime {
    DateTime::new(y, m, d, 0, 0, 0).unwrap()
}

/// Validity of a certificate or CRL.
#[derive(Debug, Clone, Copy)]
pub struct Validity {
    /// notBefore / thisUpdate.
    pub from: DateTime,
    /// notAfter / nextUpdate.
    pub to: DateTime,
}

impl Validity {
    /// From `from` to `to`.
    pub fn new(from: DateTime, to: DateTime) -> Validity {
        Validity { from, to }
    }
}

/// A certificate with its key.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The private key.
    pub key: TestKey,
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
    /// Subject DN as written.
    pub subject: String,
    /// Issuer DN as written.
    pub issuer: String,
    /// Serial number bytes.
    pub serial: Vec<u8>,
    /// How this key signs.
    pub scheme: SigScheme,
}

impl Issued {
    /// The certificate as PEM.
    pub fn cert_pem(&self) -> String {
        pem("CERTIFICATE", &self.cert_der)
    }
}

/// PEM armour (RFC 7468).
pub fn pem(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap()
}

/// A Country Signing CA.
pub type Csca = Issued;
/// A Document Signer (or a Master List Signer).
pub type Dsc = Issued;

/// What kind of certificate to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Csca,
    Dsc,
    MasterListSigner,
}

#[allow(clippy::too_many_arguments)]
fn certificate(
    role: Role,
    subject: &str,
    key: &TestKey,
    serial: &[u8],
    validity: Validity,
    issuer: &str,
    issuer_key: &TestKey,
    issuer_scheme: SigScheme,
    explicit_params: bool,
) -> Vec<u8> {
    let spki = if explicit_params {
        key.spki_der_explicit()
    } else {
        key.spki_der()
    };
    let critical = [0x01, 0x01, 0xFF];
    let key_usage = match role {
        Role::Csca => vec![0x03, 0x02, 0x01, 0x06], // keyCertSign, cRLSign
        Role::Dsc | Role::MasterListSigner => vec![0x03, 0x02, 0x07, 0x80], // digitalSignature
    };
    let mut exts = vec![
        seq(&[&oid(&o::KEY_USAGE), &critical, &octets(&key_usage)]),
        seq(&[
            &oid(&o::SUBJECT_KEY_IDENTIFIER),
            &octets(&octets(&key.key_id())),
        ]),
    ];
    if role == Role::Csca {
        exts.push(seq(&[
            &oid(&o::BASIC_CONSTRAINTS),
            &critical,
            &octets(&seq(&[&[0x01, 0x01, 0xFF]])),
        ]));
    }
    if role != Role::Csca || issuer != subject {
        exts.push(seq(&[
            &oid(&o::AUTHORITY_KEY_IDENTIFIER),
            &octets(&seq(&[&tlv(0x80, &[&issuer_key.key_id()])])),
        ]));
    }
    if role == Role::MasterListSigner {
        exts.push(seq(&[
            &oid(&o::EXT_KEY_USAGE),
            &octets(&seq(&[&oid(&o::EKU_MASTER_LIST_SIGNER)])),
        ]));
    }
    let ext_refs: Vec<&[u8]> = exts.iter().map(Vec::as_slice).collect();
    let sig_alg = issuer_scheme.algorithm_identifier();
    let tbs = seq(&[
        &explicit(0, &int(2)),
        &uint(serial),
        &sig_alg,
        &name(issuer),
        &seq(&[&time(validity.from), &time(validity.to)]),
        &name(subject),
        &spki,
        &explicit(3, &seq(&ext_refs)),
    ]);
    let signature = issuer_key.sign(issuer_scheme, &tbs);
    seq(&[&tbs, &sig_alg, &bits(&signature)])
}

impl Issued {
    /// A self-signed CSCA: CA, keyCertSign + cRLSign, SKI. `explicit_params` writes the EC
    /// curve as RFC 3279 explicit parameters.
    pub fn csca(
        subject: &str,
        kind: KeyKind,
        scheme: SigScheme,
        validity: Validity,
        explicit_params: bool,
        seed: u64,
    ) -> Csca {
        let key = TestKey::generate(kind, seed);
        let serial = vec![0x01, (seed & 0xFF) as u8];
        let cert_der = certificate(
            Role::Csca,
            subject,
            &key,
            &serial,
            validity,
            subject,
            &key,
            scheme,
            explicit_params,
        );
        Issued {
            key,
            cert_der,
            subject: subject.to_owned(),
            issuer: subject.to_owned(),
            serial,
            scheme,
        }
    }

    /// A Document Signer issued by this CSCA (digitalSignature, AKI = the CSCA's SKI), signing
    /// with `scheme`.
    pub fn issue_dsc(
        &self,
        subject: &str,
        kind: KeyKind,
        scheme: SigScheme,
        serial: &[u8],
        validity: Validity,
        seed: u64,
    ) -> Dsc {
        self.issue(Role::Dsc, subject, kind, scheme, serial, validity, seed)
    }

    /// A Master List Signer issued by this CSCA (EKU 2.23.136.1.1.3).
    pub fn issue_ml_signer(
        &self,
        subject: &str,
        kind: KeyKind,
        serial: &[u8],
        validity: Validity,
        seed: u64,
    ) -> Dsc {
        self.issue(
            Role::MasterListSigner,
            subject,
            kind,
            kind.default_scheme(),
            serial,
            validity,
            seed,
        )
    }

    /// A link certificate: `new` (a later CSCA of the same country) certified by this one.
    pub fn link_certificate(&self, new: &Csca, serial: &[u8], validity: Validity) -> Vec<u8> {
        certificate(
            Role::Csca,
            &new.subject,
            &new.key,
            serial,
            validity,
            &self.subject,
            &self.key,
            self.scheme,
            false,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn issue(
        &self,
        role: Role,
        subject: &str,
        kind: KeyKind,
        scheme: SigScheme,
        serial: &[u8],
        validity: Validity,
        seed: u64,
    ) -> Dsc {
        let key = TestKey::generate(kind, seed);
        let cert_der = certificate(
            role,
            subject,
            &key,
            serial,
            validity,
            &self.subject,
            &self.key,
            self.scheme,
            false,
        );
        Issued {
            key,
            cert_der,
            subject: subject.to_owned(),
            issuer: self.subject.clone(),
            serial: serial.to_vec(),
            scheme,
        }
    }

    /// An X.509 v2 CRL of this CSCA (RFC 5280 §5) listing `revoked` serials.
    pub fn crl(&self, revoked: &[&[u8]], this_update: DateTime, next_update: DateTime) -> Vec<u8> {
        let sig_alg = self.scheme.algorithm_identifier();
        let entries: Vec<Vec<u8>> = revoked
            .iter()
            .map(|s| seq(&[&uint(s), &time(this_update)]))
            .collect();
        let entry_refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
        let mut parts: Vec<Vec<u8>> = vec![
            int(1),
            sig_alg.clone(),
            name(&self.subject),
            time(this_update),
            time(next_update),
        ];
        if !entries.is_empty() {
            parts.push(seq(&entry_refs));
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let tbs = seq(&refs);
        let signature = self.key.sign(self.scheme, &tbs);
        seq(&[&tbs, &sig_alg, &bits(&signature)])
    }
}

/// CMS SignedData (RFC 5652 §5) in a ContentInfo, signed by `signer` with signed attributes
/// contentType and messageDigest; `sid` by issuer and serial (or by SKI).
pub(crate) fn signed_data(
    content_type: &der::asn1::ObjectIdentifier,
    content: &[u8],
    signer: &Issued,
    scheme: SigScheme,
    digest: emrtd::HashAlgorithm,
    sid_by_ski: bool,
    message_digest_override: Option<Vec<u8>>,
) -> Vec<u8> {
    let digest_alg = alg(&digest.oid(), Some(&null()));
    let md = message_digest_override.unwrap_or_else(|| digest.digest(content));
    let attrs = vec![
        seq(&[&oid(&emrtd::oid::CONTENT_TYPE), &set(&[&oid(content_type)])]),
        seq(&[&oid(&emrtd::oid::MESSAGE_DIGEST), &set(&[&octets(&md)])]),
        seq(&[
            &oid(&emrtd::oid::SIGNING_TIME),
            &set(&[&time(date(2026, 1, 2))]),
        ]),
    ];
    let signed_set = set_of(attrs);
    let signature = signer.key.sign(scheme, &signed_set);
    let signed_attrs = {
        let mut b = signed_set.clone();
        b[0] = 0xA0;
        b
    };
    let (version, sid) = if sid_by_ski {
        (3, tlv(0x80, &[&signer.key.key_id()]))
    } else {
        (1, seq(&[&name(&signer.issuer), &uint(&signer.serial)]))
    };
    let signer_info = seq(&[
        &int(version),
        &sid,
        &digest_alg,
        &signed_attrs,
        &scheme.algorithm_identifier(),
        &octets(&signature),
    ]);
    let encap = seq(&[&oid(content_type), &explicit(0, &octets(content))]);
    let signed = seq(&[
        &int(3),
        &set(&[&digest_alg]),
        &encap,
        &tlv(0xA0, &[&signer.cert_der]),
        &set(&[&signer_info]),
    ]);
    seq(&[&oid(&emrtd::oid::SIGNED_DATA), &explicit(0, &signed)])
}

/// A CSCA Master List (ICAO 9303-12 §9) of `certs`, signed by `signer`.
pub fn master_list(signer: &Dsc, certs: &[&[u8]]) -> Vec<u8> {
    let list = seq(&[&int(0), &set_of(certs.iter().map(|c| c.to_vec()).collect())]);
    signed_data(
        &emrtd::oid::CSCA_MASTER_LIST,
        &list,
        signer,
        signer.scheme,
        signer.scheme.hash(),
        false,
        None,
    )
}

/// The everyday test PKI: a P-256 CSCA `CN=CSCA Utopia,C=UT` and its P-256 Document Signer
/// `CN=DS,C=UT` (serial 03), both valid 2020–2035, ECDSA with SHA-256.
pub fn p256_pki() -> (Csca, Dsc) {
    let v = Validity::new(date(2020, 1, 1), date(2035, 1, 1));
    let scheme = SigScheme::Ecdsa(emrtd::HashAlgorithm::Sha256);
    let csca = Issued::csca("CN=CSCA Utopia,C=UT", KeyKind::EcP256, scheme, v, false, 1);
    let dsc = csca.issue_dsc("CN=DS,C=UT", KeyKind::EcP256, scheme, &[3], v, 2);
    (csca, dsc)
}
