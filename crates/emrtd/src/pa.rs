//! Passive Authentication (ICAO Doc 9303-11 §5.1, 9303-12): the data groups hash to what the
//! SOD lists, the SOD is signed by a Document Signer, and the Document Signer was issued by a
//! trusted CSCA, valid and not revoked.
//!
//! The result is a report of separate checks, never one boolean: a chip whose signature holds
//! but whose DG2 was swapped fails exactly one check, `chip.dg_hash.dg2`.

use std::collections::BTreeMap;

use checks::{Check, Evidence, ReasonCode, Status};
use der::DateTime;
use serde::Serialize;
use subtle::ConstantTimeEq;
use x509_cert::ext::pkix::KeyUsages;

use crate::crypto::{SignatureAlgorithm, SignatureError};
use crate::lds::DgNumber;
use crate::pki::{Certificate, CertificateSummary, TrustStore, hex};
use crate::sod::Sod;

/// Stable reason codes of Passive Authentication (documented in `docs/reason-codes.md`).
pub mod reason {
    use checks::ReasonCode;
    /// EF.SOD does not parse.
    pub const SOD_MALFORMED: ReasonCode = ReasonCode::new("sod_malformed");
    /// A data group's hash differs from the SOD's.
    pub const DG_HASH_MISMATCH: ReasonCode = ReasonCode::new("dg_hash_mismatch");
    /// A data group was read that the SOD does not list: its content is unauthenticated.
    pub const DG_NOT_IN_SOD: ReasonCode = ReasonCode::new("dg_not_in_sod");
    /// The SOD lists a data group that was not supplied.
    pub const DG_NOT_READ: ReasonCode = ReasonCode::new("dg_not_read");
    /// A hash or signature algorithm we do not implement.
    pub const ALGORITHM_UNSUPPORTED: ReasonCode = ReasonCode::new("algorithm_unsupported");
    /// The SignerInfo has no signed attributes (ICAO requires them).
    pub const SIGNED_ATTRIBUTES_MISSING: ReasonCode = ReasonCode::new("signed_attributes_missing");
    /// The contentType attribute is absent or differs from eContentType.
    pub const CONTENT_TYPE_MISMATCH: ReasonCode = ReasonCode::new("content_type_mismatch");
    /// The messageDigest attribute is absent or differs from the hash of the LDSSecurityObject.
    pub const MESSAGE_DIGEST_MISMATCH: ReasonCode = ReasonCode::new("message_digest_mismatch");
    /// The Document Signer certificate named by the SignerInfo is not in the SOD.
    pub const DSC_NOT_FOUND: ReasonCode = ReasonCode::new("dsc_not_found");
    /// The Document Signer's key does not decode or is of an unsupported type.
    pub const DSC_KEY_UNUSABLE: ReasonCode = ReasonCode::new("dsc_key_unusable");
    /// The SOD's signature does not verify with the Document Signer's key.
    pub const SOD_SIGNATURE_INVALID: ReasonCode = ReasonCode::new("sod_signature_invalid");
    /// The Document Signer certificate is expired at verification time.
    pub const DSC_EXPIRED: ReasonCode = ReasonCode::new("dsc_expired");
    /// The Document Signer certificate is not yet valid at verification time.
    pub const DSC_NOT_YET_VALID: ReasonCode = ReasonCode::new("dsc_not_yet_valid");
    /// The Document Signer's key usage does not allow digital signatures.
    pub const DSC_KEY_USAGE: ReasonCode = ReasonCode::new("dsc_key_usage");
    /// No trusted CSCA matches the Document Signer's issuer.
    pub const CSCA_NOT_FOUND: ReasonCode = ReasonCode::new("csca_not_found");
    /// A matching CSCA exists but did not sign the Document Signer certificate.
    pub const DSC_SIGNATURE_INVALID: ReasonCode = ReasonCode::new("dsc_signature_invalid");
    /// The CSCA certificate is expired or not yet valid at verification time.
    pub const CSCA_EXPIRED: ReasonCode = ReasonCode::new("csca_expired");
    /// The CSCA is not a CA with keyCertSign.
    pub const CSCA_KEY_USAGE: ReasonCode = ReasonCode::new("csca_key_usage");
    /// The CSCA's CRL lists the Document Signer.
    pub const DSC_REVOKED: ReasonCode = ReasonCode::new("dsc_revoked");
    /// No CRL of the CSCA is in the trust store.
    pub const CRL_UNAVAILABLE: ReasonCode = ReasonCode::new("crl_unavailable");
    /// The CSCA's CRL is past its nextUpdate (still consulted).
    pub const CRL_STALE: ReasonCode = ReasonCode::new("crl_stale");
    /// A CRL naming the CSCA does not carry the CSCA's signature.
    pub const CRL_SIGNATURE_INVALID: ReasonCode = ReasonCode::new("crl_signature_invalid");
    /// A step could not run because an earlier one failed.
    pub const DEPENDENCY_FAILED: ReasonCode = checks::reason::DEPENDENCY_FAILED;
}

/// Names of the checks, stable in the API.
pub mod check {
    /// EF.SOD parses.
    pub const SOD_PARSE: &str = "chip.sod.parse";
    /// contentType signed attribute.
    pub const SOD_CONTENT_TYPE: &str = "chip.sod.content_type";
    /// messageDigest signed attribute.
    pub const SOD_MESSAGE_DIGEST: &str = "chip.sod.message_digest";
    /// Signature of the SOD by the Document Signer.
    pub const SOD_SIGNATURE: &str = "chip.sod.signature";
    /// Validity of the Document Signer certificate.
    pub const DSC_VALIDITY: &str = "chip.dsc.validity";
    /// Key usage of the Document Signer certificate.
    pub const DSC_KEY_USAGE: &str = "chip.dsc.key_usage";
    /// Document Signer issued by a trusted CSCA.
    pub const CHAIN: &str = "chip.csca.chain";
    /// Validity of the CSCA certificate.
    pub const CSCA_VALIDITY: &str = "chip.csca.validity";
    /// Key usage and CA flag of the CSCA certificate.
    pub const CSCA_KEY_USAGE: &str = "chip.csca.key_usage";
    /// Revocation status of the Document Signer.
    pub const REVOCATION: &str = "chip.dsc.revocation";
}

/// The result of Passive Authentication.
#[derive(Debug, Clone, Serialize)]
pub struct PaReport {
    /// The worst status of `checks`.
    pub status: Status,
    /// Every check, in the order they ran.
    pub checks: Vec<Check>,
    /// The Document Signer, if found.
    pub document_signer: Option<CertificateSummary>,
    /// The CSCA that issued it, if found.
    pub csca: Option<CertificateSummary>,
    /// The SOD's signature algorithm, if readable.
    pub signature_algorithm: Option<String>,
    /// The data-group hash algorithm.
    pub hash_algorithm: Option<String>,
}

fn fail(name: &'static str, reason: ReasonCode) -> Check {
    Check::fail(name, reason)
}

fn not_performed(name: &'static str, reason: ReasonCode) -> Check {
    Check::not_performed(name, reason)
}

fn sig_check(name: &'static str, r: &Result<(), SignatureError>, invalid: ReasonCode) -> Check {
    match r {
        Ok(()) => Check::pass(name),
        Err(SignatureError::Unsupported(what)) => {
            Check::new(name, Status::Unsupported, reason::ALGORITHM_UNSUPPORTED)
                .with_evidence(Evidence::new().with("unsupported", what.clone()))
        }
        Err(SignatureError::KeyMismatch) => fail(name, invalid)
            .with_evidence(Evidence::new().with("detail", "key type does not fit the algorithm")),
        Err(e) => fail(name, invalid).with_evidence(Evidence::new().with("detail", e.code())),
    }
}

/// The checks that need the CSCA.
const AFTER_CHAIN: &[&str] = &[
    check::CSCA_VALIDITY,
    check::CSCA_KEY_USAGE,
    check::REVOCATION,
];
/// The checks that need the Document Signer.
const AFTER_SIGNATURE: &[&str] = &[
    check::DSC_VALIDITY,
    check::DSC_KEY_USAGE,
    check::CHAIN,
    check::CSCA_VALIDITY,
    check::CSCA_KEY_USAGE,
    check::REVOCATION,
];

/// Marks every remaining check as not performed because an earlier one failed, and finishes the
/// report.
fn finish_early(
    mut report: PaReport,
    mut checks: Vec<Check>,
    remaining: &[&'static str],
) -> PaReport {
    for name in remaining {
        checks.push(not_performed(name, reason::DEPENDENCY_FAILED));
    }
    report.status = checks::summarise(&checks);
    report.checks = checks;
    report
}

/// Runs Passive Authentication of `sod` over the data groups read from the chip (full file
/// bytes, by number), trusting `trust`, at time `at`.
#[must_use]
pub fn passive_authentication(
    sod: &[u8],
    data_groups: &BTreeMap<DgNumber, Vec<u8>>,
    trust: &TrustStore,
    at: DateTime,
) -> PaReport {
    let mut checks = Vec::new();
    let mut report = PaReport {
        status: Status::NotPerformed,
        checks: Vec::new(),
        document_signer: None,
        csca: None,
        signature_algorithm: None,
        hash_algorithm: None,
    };
    let sod = match Sod::parse(sod) {
        Ok(s) => {
            checks.push(
                Check::pass(check::SOD_PARSE).with_evidence(
                    Evidence::new()
                        .with("lds_security_object_version", s.version)
                        .with(
                            "data_groups",
                            s.data_group_hashes()
                                .keys()
                                .map(|d| d.get())
                                .collect::<Vec<_>>(),
                        ),
                ),
            );
            s
        }
        Err(e) => {
            checks.push(
                fail(check::SOD_PARSE, reason::SOD_MALFORMED).with_evidence(
                    Evidence::new()
                        .with("error_code", e.code())
                        .with("error", e.to_string()),
                ),
            );
            let remaining = [
                &[
                    check::SOD_CONTENT_TYPE,
                    check::SOD_MESSAGE_DIGEST,
                    check::SOD_SIGNATURE,
                ][..],
                AFTER_SIGNATURE,
            ]
            .concat();
            return finish_early(report, checks, &remaining);
        }
    };
    report.hash_algorithm = Some(
        sod.hash_algorithm
            .map_or_else(|| sod.hash_oid.to_string(), |h| h.name().to_owned()),
    );

    dg_hash_checks(&sod, data_groups, &mut checks);
    signer_attribute_checks(&sod, &mut checks);

    // The Document Signer and the SOD signature.
    let dsc = sod
        .certificates
        .iter()
        .filter_map(|der| Certificate::from_der(der).ok())
        .find(|c| c.matches(&sod.signer.sid));
    let alg = SignatureAlgorithm::from_identifier(
        &sod.signer.signature_oid,
        sod.signer.signature_parameters.as_deref(),
        sod.signer.digest_algorithm,
    );
    report.signature_algorithm = Some(match &alg {
        Ok(a) => a.name(),
        Err(_) => sod.signer.signature_oid.to_string(),
    });
    let Some(dsc) = dsc else {
        checks.push(fail(check::SOD_SIGNATURE, reason::DSC_NOT_FOUND));
        return finish_early(report, checks, AFTER_SIGNATURE);
    };
    report.document_signer = Some(dsc.summary());
    let sig_result = match (&alg, dsc.public_key(), &sod.signer.signed_bytes) {
        (Err(e), _, _) => Err(e.clone()),
        (_, Err(e), _) => Err(SignatureError::Unsupported(format!(
            "document signer key: {e}"
        ))),
        (_, _, None) => Err(SignatureError::Malformed),
        (Ok(alg), Ok(key), Some(signed)) => alg.verify(key, signed, &sod.signer.signature),
    };
    let mut sig_check = if sod.signer.signed_bytes.is_none() {
        fail(check::SOD_SIGNATURE, reason::SIGNED_ATTRIBUTES_MISSING)
    } else if matches!(dsc.public_key(), Err(crate::crypto::KeyError::Malformed(_))) {
        fail(check::SOD_SIGNATURE, reason::DSC_KEY_UNUSABLE)
    } else {
        sig_check(
            check::SOD_SIGNATURE,
            &sig_result,
            reason::SOD_SIGNATURE_INVALID,
        )
    };
    sig_check.evidence.insert(
        "algorithm",
        report.signature_algorithm.clone().unwrap_or_default(),
    );
    sig_check.evidence.insert("document_signer", dsc.subject());
    sig_check
        .evidence
        .insert("document_signer_serial", dsc.serial_hex());
    checks.push(sig_check);

    checks.push(validity_check(
        check::DSC_VALIDITY,
        &dsc,
        at,
        reason::DSC_EXPIRED,
        reason::DSC_NOT_YET_VALID,
    ));
    checks.push(if dsc.allows(KeyUsages::DigitalSignature) {
        Check::pass(check::DSC_KEY_USAGE)
    } else {
        fail(check::DSC_KEY_USAGE, reason::DSC_KEY_USAGE)
            .with_evidence(Evidence::new().with("key_usage_present", dsc.key_usage().is_some()))
    });

    // The chain to a trusted CSCA.
    let candidates: Vec<&Certificate> = trust
        .anchors()
        .iter()
        .filter(|c| dsc.may_be_issued_by(c))
        .collect();
    let mut unsupported = None;
    let mut csca = None;
    for candidate in &candidates {
        let Ok(key) = candidate.public_key() else {
            unsupported.get_or_insert_with(|| "CSCA key".to_owned());
            continue;
        };
        match dsc.verify_signed_by(key) {
            Ok(()) => {
                csca = Some(*candidate);
                break;
            }
            Err(SignatureError::Unsupported(what)) => {
                unsupported.get_or_insert(what);
            }
            Err(_) => {}
        }
    }
    let Some(csca) = csca else {
        let chain = match (candidates.is_empty(), unsupported) {
            (true, _) => fail(check::CHAIN, reason::CSCA_NOT_FOUND),
            (false, Some(what)) => Check::new(
                check::CHAIN,
                Status::Unsupported,
                reason::ALGORITHM_UNSUPPORTED,
            )
            .with_evidence(Evidence::new().with("unsupported", what)),
            (false, None) => fail(check::CHAIN, reason::DSC_SIGNATURE_INVALID),
        };
        checks.push(
            chain
                .with_evidence_entry("document_signer_issuer", dsc.issuer())
                .with_evidence_entry("candidates", candidates.len()),
        );
        return finish_early(report, checks, AFTER_CHAIN);
    };
    report.csca = Some(csca.summary());
    checks.push(
        Check::pass(check::CHAIN)
            .with_evidence_entry("csca", csca.subject())
            .with_evidence_entry("csca_serial", csca.serial_hex())
            .with_evidence_entry(
                "csca_key",
                csca.public_key()
                    .map(|k| k.description())
                    .unwrap_or_default(),
            ),
    );
    checks.push(validity_check(
        check::CSCA_VALIDITY,
        csca,
        at,
        reason::CSCA_EXPIRED,
        reason::CSCA_EXPIRED,
    ));
    checks.push(if csca.is_ca() && csca.allows(KeyUsages::KeyCertSign) {
        Check::pass(check::CSCA_KEY_USAGE)
    } else {
        fail(check::CSCA_KEY_USAGE, reason::CSCA_KEY_USAGE).with_evidence(
            Evidence::new()
                .with("ca", csca.is_ca())
                .with("key_cert_sign", csca.allows(KeyUsages::KeyCertSign)),
        )
    });
    checks.push(revocation_check(&dsc, csca, trust, at));

    report.status = checks::summarise(&checks);
    report.checks = checks;
    report
}

/// Each data group against the SOD's hash.
fn dg_hash_checks(sod: &Sod, data_groups: &BTreeMap<DgNumber, Vec<u8>>, checks: &mut Vec<Check>) {
    let listed = sod.data_group_hashes();
    let mut numbers: Vec<DgNumber> = listed.keys().chain(data_groups.keys()).copied().collect();
    numbers.sort();
    numbers.dedup();
    for n in numbers {
        let name = format!("chip.dg_hash.dg{}", n.get());
        let check = match (listed.get(&n), data_groups.get(&n), sod.hash_algorithm) {
            (Some(_), None, _) => Check::not_performed(name, reason::DG_NOT_READ),
            (None, Some(_), _) => Check::fail(name, reason::DG_NOT_IN_SOD),
            (Some(_), Some(_), None) => {
                Check::new(name, Status::Unsupported, reason::ALGORITHM_UNSUPPORTED)
                    .with_evidence(Evidence::new().with("hash_algorithm", sod.hash_oid.to_string()))
            }
            (Some(expected), Some(bytes), Some(h)) => {
                let actual = h.digest(bytes);
                let ok: bool = actual.ct_eq(expected).into();
                let c = if ok {
                    Check::pass(name)
                } else {
                    Check::fail(name, reason::DG_HASH_MISMATCH)
                };
                c.with_evidence(
                    Evidence::new()
                        .with("hash_algorithm", h.name())
                        .with("expected", hex(expected))
                        .with("actual", hex(&actual)),
                )
            }
            (None, None, _) => continue,
        };
        checks.push(check);
    }
}

/// contentType and messageDigest signed attributes (RFC 5652 §5.3, §11.1–11.2).
fn signer_attribute_checks(sod: &Sod, checks: &mut Vec<Check>) {
    let signer = &sod.signer;
    checks.push(match signer.content_type {
        Some(ct) if ct == crate::oid::LDS_SECURITY_OBJECT => Check::pass(check::SOD_CONTENT_TYPE),
        Some(ct) => fail(check::SOD_CONTENT_TYPE, reason::CONTENT_TYPE_MISMATCH)
            .with_evidence(Evidence::new().with("content_type", ct.to_string())),
        None if signer.signed_bytes.is_none() => {
            fail(check::SOD_CONTENT_TYPE, reason::SIGNED_ATTRIBUTES_MISSING)
        }
        None => fail(check::SOD_CONTENT_TYPE, reason::CONTENT_TYPE_MISMATCH)
            .with_evidence(Evidence::new().with("content_type", "absent")),
    });
    checks.push(match (&signer.message_digest, signer.digest_algorithm) {
        (None, _) => fail(check::SOD_MESSAGE_DIGEST, reason::MESSAGE_DIGEST_MISMATCH)
            .with_evidence(Evidence::new().with("message_digest", "absent")),
        (Some(_), None) => Check::new(
            check::SOD_MESSAGE_DIGEST,
            Status::Unsupported,
            reason::ALGORITHM_UNSUPPORTED,
        )
        .with_evidence(Evidence::new().with("digest_algorithm", signer.digest_oid.to_string())),
        (Some(md), Some(h)) => {
            let ok: bool = h.digest(&sod.content).ct_eq(md).into();
            if ok {
                Check::pass(check::SOD_MESSAGE_DIGEST)
                    .with_evidence(Evidence::new().with("digest_algorithm", h.name()))
            } else {
                fail(check::SOD_MESSAGE_DIGEST, reason::MESSAGE_DIGEST_MISMATCH)
                    .with_evidence(Evidence::new().with("digest_algorithm", h.name()))
            }
        }
    });
}

fn validity_check(
    name: &'static str,
    cert: &Certificate,
    at: DateTime,
    expired: ReasonCode,
    early: ReasonCode,
) -> Check {
    let c = if at > cert.not_after() {
        fail(name, expired)
    } else if at < cert.not_before() {
        fail(name, early)
    } else {
        Check::pass(name)
    };
    c.with_evidence(
        Evidence::new()
            .with("not_before", cert.not_before().to_string())
            .with("not_after", cert.not_after().to_string())
            .with("at", at.to_string()),
    )
}

fn revocation_check(
    dsc: &Certificate,
    csca: &Certificate,
    trust: &TrustStore,
    at: DateTime,
) -> Check {
    let name = check::REVOCATION;
    if csca.public_key().is_err() {
        return not_performed(name, reason::CRL_UNAVAILABLE);
    }
    let mut bad_signature = false;
    let mut newest: Option<&crate::pki::Crl> = None;
    for crl in trust.crls().iter().filter(|c| c.is_issued_by(csca)) {
        if !crl.is_signed_by(csca) {
            bad_signature = true;
            continue;
        }
        if newest.is_none_or(|n| crl.this_update() > n.this_update()) {
            newest = Some(crl);
        }
    }
    let Some(crl) = newest else {
        return if bad_signature {
            fail(name, reason::CRL_SIGNATURE_INVALID)
        } else {
            not_performed(name, reason::CRL_UNAVAILABLE)
        };
    };
    let evidence = Evidence::new()
        .with("crl_issuer", crl.issuer())
        .with("crl_this_update", crl.this_update().to_string())
        .with(
            "crl_next_update",
            crl.next_update().map(|t| t.to_string()).unwrap_or_default(),
        )
        .with("document_signer_serial", dsc.serial_hex());
    if let Some(when) = crl.revocation_of(dsc.serial()) {
        return fail(name, reason::DSC_REVOKED)
            .with_evidence(evidence.with("revoked_at", when.to_string()));
    }
    if crl.next_update().is_some_and(|next| next < at) {
        return Check::new(name, Status::Warn, reason::CRL_STALE).with_evidence(evidence);
    }
    Check::pass(name).with_evidence(evidence)
}

/// Adds one evidence entry to a check (a small convenience for the report code above).
trait WithEvidenceEntry {
    fn with_evidence_entry(self, key: &str, value: impl Into<serde_json::Value>) -> Self;
}

impl WithEvidenceEntry for Check {
    fn with_evidence_entry(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.evidence.insert(key, value);
        self
    }
}
