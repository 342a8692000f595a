//! The checks the server reports for an MRZ.

use checks::{Check, Evidence, ReasonCode, Status};

use crate::{Mrz, ProblemCode};

const COMPOSITE_MISMATCH: ReasonCode = ReasonCode::new("composite_check_digit_mismatch");
const NO_COMPOSITE: ReasonCode = ReasonCode::new("no_composite_in_format");
const DOCUMENT_EXPIRED: ReasonCode = ReasonCode::new("document_expired");
const NO_EXPIRY: ReasonCode = ReasonCode::new("no_expiry_in_format");
const EXPIRY_UNREADABLE: ReasonCode = ReasonCode::new("expiry_unreadable");
const OCR_REPAIRED: ReasonCode = ReasonCode::new("ocr_repaired");
const NO_REPAIR: ReasonCode = ReasonCode::new("no_repair");

impl Mrz {
    /// The MRZ checks, in a fixed order: `mrz.format`, `mrz.check_digits`,
    /// `mrz.composite_check_digit`, `mrz.dates`, `mrz.country_codes`, `mrz.sex`, `mrz.names`,
    /// `mrz.expiry`, `mrz.ocr_repair`. Evidence names fields and positions, never values.
    #[must_use]
    pub fn checks(&self) -> Vec<Check> {
        let mut out = Vec::with_capacity(9);
        let group = |name: &'static str, codes: &[ProblemCode]| -> Check {
            let hits: Vec<_> = self
                .problems()
                .iter()
                .filter(|p| codes.contains(&p.code))
                .collect();
            match hits.first() {
                None => Check::pass(name),
                Some(first) => {
                    let fields: Vec<serde_json::Value> = hits
                        .iter()
                        .map(|p| serde_json::json!({"field": p.field.as_str(), "position": p.position}))
                        .collect();
                    Check::fail(name, ReasonCode::new(first.code.as_str()))
                        .with_evidence(Evidence::new().with("problems", fields))
                }
            }
        };
        out.push(
            group("mrz.format", &[ProblemCode::InvalidDocumentCode])
                .with_evidence(Evidence::new().with("format", self.format().as_str())),
        );
        out.push(group(
            "mrz.check_digits",
            &[
                ProblemCode::CheckDigitMismatch,
                ProblemCode::InvalidLongDocumentNumber,
            ],
        ));
        if crate::parse::layout(self.format()).composite.is_some() {
            let c = group(
                "mrz.composite_check_digit",
                &[ProblemCode::CompositeCheckDigitMismatch],
            );
            out.push(if c.status == Status::Fail {
                Check {
                    reason: COMPOSITE_MISMATCH,
                    ..c
                }
            } else {
                c
            });
        } else {
            out.push(Check::not_performed(
                "mrz.composite_check_digit",
                NO_COMPOSITE,
            ));
        }
        out.push(group("mrz.dates", &[ProblemCode::InvalidDate]));
        out.push(group(
            "mrz.country_codes",
            &[ProblemCode::UnknownCountryCode],
        ));
        out.push(group("mrz.sex", &[ProblemCode::InvalidSex]));
        out.push(group("mrz.names", &[ProblemCode::InvalidName]));
        out.push(match (self.expiry_date_raw(), self.is_expired()) {
            (None, _) => Check::not_performed("mrz.expiry", NO_EXPIRY),
            (Some(_), None) => Check::fail("mrz.expiry", EXPIRY_UNREADABLE),
            (Some(_), Some(true)) => Check::fail("mrz.expiry", DOCUMENT_EXPIRED),
            (Some(_), Some(false)) => Check::pass("mrz.expiry"),
        });
        out.push(if self.repairs().is_empty() {
            Check::new("mrz.ocr_repair", Status::Pass, NO_REPAIR)
        } else {
            let list: Vec<serde_json::Value> = self
                .repairs()
                .iter()
                .map(|r| serde_json::json!({"field": r.field.as_str(), "position": r.position}))
                .collect();
            Check::new("mrz.ocr_repair", Status::Warn, OCR_REPAIRED)
                .with_evidence(Evidence::new().with("repairs", list))
        });
        out
    }
}
