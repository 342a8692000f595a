//! One chip, verified end to end: Passive Authentication, Active Authentication, and DG1 parsed
//! so the caller can hold it against the printed MRZ.

use std::collections::BTreeMap;

use checks::{Check, Status};
use der::DateTime;
use serde::Serialize;

use crate::aa::{self, Challenge};
use crate::hash::HashAlgorithm;
use crate::lds::{Dg1, DgNumber};
use crate::pa::{self, PaReport};
use crate::pki::TrustStore;

/// The files read from a chip.
#[derive(Clone, Default)]
pub struct ChipFiles {
    /// EF.SOD.
    pub sod: Option<Vec<u8>>,
    /// Data groups by number (full file bytes, outer tag included).
    pub data_groups: BTreeMap<DgNumber, Vec<u8>>,
}

impl std::fmt::Debug for ChipFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChipFiles")
            .field("sod", &self.sod.as_ref().map(Vec::len))
            .field(
                "data_groups",
                &self.data_groups.keys().map(|d| d.get()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// An Active Authentication exchange to check: the challenge issued and the chip's answer.
#[derive(Debug, Clone)]
pub struct AaExchange {
    /// The challenge, bound to this verification.
    pub challenge: Challenge,
    /// The chip's response to INTERNAL AUTHENTICATE.
    pub response: Vec<u8>,
}

/// The report on one chip.
#[derive(Debug, Serialize)]
pub struct ChipReport {
    /// Worst status over Passive and Active Authentication.
    pub status: Status,
    /// Passive Authentication.
    pub passive_authentication: Option<PaReport>,
    /// Active Authentication.
    pub active_authentication: Check,
    /// DG1, parsed (None if absent or unreadable; see `dg1_error`).
    #[serde(skip)]
    pub dg1: Option<Dg1>,
    /// Why DG1 could not be read, if it could not.
    pub dg1_error: Option<String>,
    /// The faces of DG2: format, size, and whether the image decodes (the pixels are for the
    /// face engine, not for the report).
    pub faces: Vec<FaceSummary>,
    /// Why DG2 could not be read, if it could not.
    pub dg2_error: Option<String>,
}

/// One DG2 face, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct FaceSummary {
    /// The format the bytes have (`jpeg`, `jp2`, `jpeg2000-codestream`), or None if unknown.
    pub format: Option<&'static str>,
    /// Whether the ISO/IEC 19794-5 header declares another type than the bytes have.
    pub declared_type_mismatch: bool,
    /// Decoded width and height.
    pub width: Option<u32>,
    /// Decoded height.
    pub height: Option<u32>,
    /// Why the image did not decode, if it did not.
    pub decode_error: Option<String>,
}

impl ChipReport {
    /// Every check of the report, Passive Authentication's first.
    #[must_use]
    pub fn checks(&self) -> Vec<&Check> {
        let mut all: Vec<&Check> = self
            .passive_authentication
            .iter()
            .flat_map(|pa| pa.checks.iter())
            .collect();
        all.push(&self.active_authentication);
        all
    }

    /// True when every check that ran passed (checks not performed because their input is absent
    /// do not count against it; warnings and unsupported algorithms do).
    #[must_use]
    pub fn all_present_checks_pass(&self) -> bool {
        self.passive_authentication.is_some()
            && self
                .checks()
                .iter()
                .all(|c| matches!(c.status, Status::Pass | Status::NotPerformed))
    }
}

/// Verifies one chip at time `at` against `trust`. `mrz_options` is used to parse DG1.
#[must_use]
pub fn verify_chip(
    files: &ChipFiles,
    trust: &TrustStore,
    at: DateTime,
    aa_exchange: Option<AaExchange>,
    mrz_options: &mrz::ParseOptions,
) -> ChipReport {
    let pa = files
        .sod
        .as_deref()
        .map(|sod| pa::passive_authentication(sod, &files.data_groups, trust, at));
    let dg15 = files.data_groups.get(&DgNumber::DG15).map(Vec::as_slice);
    let ec_hash = files
        .data_groups
        .get(&DgNumber::DG14)
        .and_then(|d| aa_hash_from_dg14(d));
    let active = match aa_exchange {
        Some(x) => aa::verify(dg15, ec_hash, x.challenge, Some(&x.response)),
        None if dg15.is_some() => Check::not_performed(aa::CHECK, aa::reason::NO_RESPONSE),
        None => Check::not_performed(aa::CHECK, aa::reason::NOT_SUPPORTED_BY_CHIP),
    };
    let (dg1, dg1_error) = match files.data_groups.get(&DgNumber::DG1) {
        Some(bytes) => match Dg1::parse(bytes, mrz_options) {
            Ok(d) => (Some(d), None),
            Err(e) => (None, Some(format!("{}: {e}", e.code()))),
        },
        None => (None, None),
    };
    let (faces, dg2_error) = match files.data_groups.get(&DgNumber::DG2) {
        Some(bytes) => match crate::lds::Dg2::parse(bytes) {
            Ok(dg2) => (
                dg2.faces().map(|f| summarise_face(&f.image)).collect(),
                None,
            ),
            Err(e) => (Vec::new(), Some(format!("{}: {e}", e.code()))),
        },
        None => (Vec::new(), None),
    };
    let mut status = pa.as_ref().map_or(Status::NotPerformed, |p| p.status);
    status = status.worst(active.status);
    ChipReport {
        status,
        passive_authentication: pa,
        active_authentication: active,
        dg1,
        dg1_error,
        faces,
        dg2_error,
    }
}

fn summarise_face(image: &crate::lds::FaceImage) -> FaceSummary {
    let decoded = image.decode(&imaging::Limits::default());
    FaceSummary {
        format: image.sniffed_format().map(imaging::ImageFormat::name),
        declared_type_mismatch: image.declared_type_mismatch(),
        width: decoded.as_ref().ok().map(imaging::Image::width),
        height: decoded.as_ref().ok().map(imaging::Image::height),
        decode_error: decoded.err().map(|e| format!("{}: {e}", e.code())),
    }
}

/// The hash of DG14's ActiveAuthenticationInfo signature algorithm (ICAO 9303-11 §9.2.2).
fn aa_hash_from_dg14(dg14: &[u8]) -> Option<HashAlgorithm> {
    crate::lds::SecurityInfos::parse_dg14(dg14)
        .ok()?
        .active_authentication_hash()
}
