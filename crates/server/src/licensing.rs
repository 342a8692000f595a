//! The licence in force: verified at start-up and again every day, never phoning home.
//!
//! - **At start-up** a licence that is malformed, edited, signed by another key, bound to another
//!   machine or cluster, or not yet valid stops the server with its own code and message
//!   (`crates/licence` says which check failed). An expired one does **not**: the server starts
//!   read-only (see below), so a lapsed renewal never loses data or locks reviewers out.
//! - **Every day** (and whenever the housekeeping job sees the date change) the licence file is
//!   read and verified again, so a renewed licence dropped in place takes effect without a
//!   restart, and an expiry is noticed the day it happens.
//! - **Read-only** (expired): new verifications are refused with `403 licence_expired`;
//!   verifications already created can still be completed, read, exported and erased; the
//!   dashboard stays readable with a banner, and refuses changes.
//! - **Features**: an engine the licence does not cover reports `not_performed` /
//!   `not_licensed` (never a pass); the monthly limit refuses creations past it with
//!   `403 licence_limit_reached`.
//! - **Official builds** pin the vendor's key fingerprints at build time
//!   (`IDVERIFY_VENDOR_LICENCE_KEYS`, comma-separated `sha256:…`): such a build needs a licence
//!   and accepts no other key, so a customer cannot sign their own. A build without pins (built
//!   from source) runs unlicensed if no licence is configured, with a banner saying so.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError, RwLock};

use checks::{Check, ReasonCode};
use licence::{Date, LicencePublicKey, LicenceState};

use crate::pipeline::Engine;
use crate::{ApiError, Config, Error};

/// Licence key fingerprints an official build accepts (set when the vendor builds a release).
pub const PINNED_LICENCE_KEYS: Option<&str> = option_env!("IDVERIFY_VENDOR_LICENCE_KEYS");

/// Model-bundle key fingerprints an official build accepts.
pub const PINNED_MODEL_KEYS: Option<&str> = option_env!("IDVERIFY_VENDOR_MODEL_KEYS");

/// An engine the licence does not cover.
pub const NOT_LICENSED: ReasonCode = ReasonCode::new("not_licensed");

const DAY_MS: i64 = 86_400_000;

/// The pins of a list as set at build time: unset or empty means none.
fn pins(list: Option<&str>) -> Option<&str> {
    list.filter(|l| !l.trim().is_empty())
}

/// Whether this is an official build (the vendor pinned its licence keys).
#[must_use]
pub fn official_build() -> bool {
    pins(PINNED_LICENCE_KEYS).is_some()
}

/// Whether `fingerprint` is acceptable under `list` (unset or empty: no pins, any configured
/// key).
#[must_use]
pub fn key_is_pinned(list: Option<&str>, fingerprint: &str) -> bool {
    pins(list).is_none_or(|list| {
        list.split(',')
            .map(str::trim)
            .any(|p| !p.is_empty() && p == fingerprint)
    })
}

/// Where the licence stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// A build without pinned vendor keys, and no licence configured: everything enabled.
    Unlicensed,
    /// Valid today.
    Valid {
        /// The licence id.
        id: String,
        /// Its last day.
        not_after: Date,
        /// Whole days left after today.
        days_left: u32,
    },
    /// Past its last day: read-only.
    Expired {
        /// The licence id.
        id: String,
        /// The first day it no longer covers.
        since: Date,
    },
}

impl Status {
    /// `unlicensed`, `valid` or `expired`.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Unlicensed => "unlicensed",
            Status::Valid { .. } => "valid",
            Status::Expired { .. } => "expired",
        }
    }
}

/// What is needed to check the licence again.
#[derive(Debug)]
struct Source {
    file: PathBuf,
    key: LicencePublicKey,
    fingerprint: String,
}

#[derive(Debug, Default)]
struct MonthCount {
    /// The month's first day (days since the epoch) the count is for.
    month_start_day: i64,
    count: i64,
    refreshed_at_ms: i64,
}

/// The licence state the server consults.
#[derive(Debug)]
pub struct Licensing {
    status: RwLock<Status>,
    last_check_day: Mutex<i64>,
    features: licence::Features,
    per_month: Option<u64>,
    source: Option<Source>,
    month: tokio::sync::Mutex<MonthCount>,
}

fn today(now_ms: i64) -> Result<Date, Error> {
    Date::from_days(now_ms.div_euclid(DAY_MS))
        .ok_or_else(|| Error::Licence("licence_clock", "the clock is out of range".into()))
}

fn licence_error(e: &licence::LicenceError) -> Error {
    Error::Licence(e.code(), e.to_string())
}

fn status_of(verified: &licence::VerifiedLicence) -> Status {
    let l = verified.licence();
    match verified.state() {
        LicenceState::Valid { days_left } => Status::Valid {
            id: l.id.clone(),
            not_after: l.not_after,
            days_left,
        },
        LicenceState::Expired { since } => Status::Expired {
            id: l.id.clone(),
            since,
        },
    }
}

/// This installation's fingerprint under the configured binding: the machine (its machine id
/// and the data directory's installation id) or the cluster (the id in the shared database,
/// created by the first node that asks).
///
/// # Errors
/// `licence_identifiers` when no stable identifier exists; database errors.
pub async fn fingerprint(config: &Config, db: &store::Db, now_ms: i64) -> Result<String, Error> {
    if config.licence.binding == "cluster" {
        let candidate = hex::encode(crate::random_bytes::<16>());
        let id = db
            .installation_value("cluster_id", &candidate, now_ms)
            .await?;
        return licence::cluster_fingerprint(&id).map_err(|e| licence_error(&e));
    }
    let path = config.data_dir.join("installation-id");
    if !path.exists() {
        // A directory initialised by an older release: made once, stable from then on.
        let id = format!("{}\n", hex::encode(crate::random_bytes::<16>()));
        std::fs::write(&path, id).map_err(|e| Error::Io(path.display().to_string(), e))?;
    }
    let installation =
        std::fs::read_to_string(&path).map_err(|e| Error::Io(path.display().to_string(), e))?;
    let ids = licence::identifiers::read_machine_identifiers(Some(installation.trim().to_owned()));
    licence::machine_fingerprint(&ids).map_err(|e| licence_error(&e))
}

fn read_key(config: &Config) -> Result<Option<LicencePublicKey>, Error> {
    let Some(path) = &config.licence.public_key else {
        return Ok(None);
    };
    let path = config.path(path);
    let text =
        std::fs::read_to_string(&path).map_err(|e| Error::Io(path.display().to_string(), e))?;
    let key = LicencePublicKey::from_pem(&text).map_err(|e| licence_error(&e))?;
    if !key_is_pinned(PINNED_LICENCE_KEYS, &key.fingerprint()) {
        return Err(Error::Licence(
            "licence_key_not_pinned",
            format!(
                "{}: key {} is not a vendor licence key this build accepts",
                path.display(),
                key.fingerprint()
            ),
        ));
    }
    Ok(Some(key))
}

impl Licensing {
    /// Verifies the configured licence (see the module docs for what stops the start).
    ///
    /// # Errors
    /// `licence_*` codes from `crates/licence`, `licence_required` for an official build with
    /// no licence, `licence_key_not_pinned`, and file errors naming the file.
    pub async fn load(config: &Config, db: &store::Db, now_ms: i64) -> Result<Licensing, Error> {
        let Some(file) = &config.licence.file else {
            if official_build() {
                return Err(Error::Licence(
                    "licence_required",
                    "no [licence] file configured: this build needs the licence the vendor issued for this installation".into(),
                ));
            }
            tracing::warn!("no licence configured: running unlicensed (development build)");
            return Ok(Licensing::unlicensed());
        };
        let file = config.path(file);
        let key = read_key(config)?.ok_or_else(|| {
            Error::Config("licence.public_key: required with licence.file".into())
        })?;
        let fingerprint = fingerprint(config, db, now_ms).await?;
        let text =
            std::fs::read_to_string(&file).map_err(|e| Error::Io(file.display().to_string(), e))?;
        let verified = licence::verify(&text, &key, today(now_ms)?, &fingerprint)
            .map_err(|e| licence_error(&e))?;
        let status = status_of(&verified);
        if let Status::Expired { id, since } = &status {
            tracing::warn!(licence = %id, %since, "licence expired: serving read-only");
        }
        let l = verified.licence();
        Ok(Licensing {
            status: RwLock::new(status),
            last_check_day: Mutex::new(now_ms.div_euclid(DAY_MS)),
            features: l.features,
            per_month: l.verifications_per_month,
            source: Some(Source {
                file,
                key,
                fingerprint,
            }),
            month: tokio::sync::Mutex::default(),
        })
    }

    /// No licence: everything enabled (development builds only).
    #[must_use]
    pub fn unlicensed() -> Licensing {
        Licensing {
            status: RwLock::new(Status::Unlicensed),
            last_check_day: Mutex::new(0),
            features: licence::Features {
                document: true,
                chip: true,
                liveness: true,
                face: true,
                dashboard_seats: u32::MAX,
            },
            per_month: None,
            source: None,
            month: tokio::sync::Mutex::default(),
        }
    }

    /// The status now.
    #[must_use]
    pub fn status(&self) -> Status {
        self.status
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The features the licence enabled at start-up (engines are built then).
    #[must_use]
    pub fn features(&self) -> licence::Features {
        self.features
    }

    /// Whether the server is read-only (the licence expired).
    #[must_use]
    pub fn read_only(&self) -> bool {
        matches!(self.status(), Status::Expired { .. })
    }

    /// The banner every dashboard page shows, if any.
    #[must_use]
    pub fn banner(&self) -> Option<String> {
        match self.status() {
            Status::Unlicensed => {
                Some("Development build without a licence: not for production use.".into())
            }
            Status::Expired { id, since } => Some(format!(
                "Licence {id} expired on {since}: idverify is read-only. Existing verifications stay readable; new verifications are refused. Install the renewed licence file (no restart needed)."
            )),
            Status::Valid { id, days_left, .. } if days_left < 30 => {
                Some(format!("Licence {id} expires in {days_left} days."))
            }
            Status::Valid { .. } => None,
        }
    }

    /// Verifies the licence file again if the date changed since the last check; returns the
    /// new status when it changed. A renewed file takes effect here. A file that no longer
    /// verifies (edited, moved to another machine) makes the server read-only rather than
    /// stopping it: nothing is lost, and the operator sees why in the log and the banner.
    pub fn recheck(&self, now_ms: i64) -> Option<Status> {
        let Some(source) = &self.source else {
            return None;
        };
        let day = now_ms.div_euclid(DAY_MS);
        {
            let mut last = self
                .last_check_day
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if *last == day {
                return None;
            }
            *last = day;
        }
        let today = Date::from_days(day)?;
        let new = match std::fs::read_to_string(&source.file)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                licence::verify(&text, &source.key, today, &source.fingerprint)
                    .map_err(|e| e.code().to_owned())
            }) {
            Ok(v) => status_of(&v),
            Err(code) => {
                tracing::error!(%code, "licence re-check failed: serving read-only");
                Status::Expired {
                    id: "(unverifiable)".into(),
                    since: today,
                }
            }
        };
        let mut status = self.status.write().unwrap_or_else(PoisonError::into_inner);
        if *status == new {
            return None;
        }
        *status = new.clone();
        Some(new)
    }

    /// Whether a new verification may be created now: not read-only, and under the monthly
    /// limit. The month's count comes from the database at most once a minute (every node
    /// counts the whole cluster's creations) and is kept up to date locally in between.
    ///
    /// # Errors
    /// `403 licence_expired`, `403 licence_limit_reached`.
    pub async fn admit_creation(&self, db: &store::Db, now_ms: i64) -> Result<(), ApiError> {
        if let Status::Expired { since, .. } = self.status() {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "licence_expired",
                format!("the licence expired on {since}: no new verifications until it is renewed"),
            ));
        }
        let Some(limit) = self.per_month else {
            return Ok(());
        };
        let day = now_ms.div_euclid(DAY_MS);
        let Some((start, end)) = month_bounds(day) else {
            return Ok(());
        };
        let mut m = self.month.lock().await;
        if m.month_start_day != start || now_ms - m.refreshed_at_ms >= 60_000 {
            m.count = db
                .count_created_between(start * DAY_MS, end * DAY_MS)
                .await?;
            m.month_start_day = start;
            m.refreshed_at_ms = now_ms;
        }
        if u64::try_from(m.count).unwrap_or(0) >= limit {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "licence_limit_reached",
                format!("the licence allows {limit} verifications a month; this month's are used"),
            ));
        }
        m.count += 1;
        Ok(())
    }
}

/// The first day of the month containing `day` and the first day of the next (days since the
/// epoch).
fn month_bounds(day: i64) -> Option<(i64, i64)> {
    let d = Date::from_days(day)?;
    let start = Date::new(d.year(), d.month(), 1)?;
    let next = if d.month() == 12 {
        Date::new(d.year().checked_add(1)?, 1, 1)?
    } else {
        Date::new(d.year(), d.month() + 1, 1)?
    };
    Some((start.days_since_epoch(), next.days_since_epoch()))
}

/// An engine the licence does not cover: it says so, for the check it would have made.
#[derive(Debug)]
struct NotLicensed {
    name: &'static str,
    check: &'static str,
}

impl Engine for NotLicensed {
    fn name(&self) -> &'static str {
        self.name
    }

    fn run(&self, _inputs: &crate::pipeline::Inputs) -> Vec<Check> {
        vec![Check::not_performed(self.check, NOT_LICENSED)]
    }
}

/// Replaces the engines `features` does not enable by ones that report `not_licensed`.
#[must_use]
pub fn gate(engines: Vec<Box<dyn Engine>>, features: licence::Features) -> Vec<Box<dyn Engine>> {
    engines
        .into_iter()
        .map(|e| {
            let (allowed, check) = match e.name() {
                "document" => (features.document, "document.authenticity"),
                "chip" => (features.chip, "chip.read"),
                "face" => (features.face, "face.selfie_vs_document"),
                "liveness" => (features.liveness, "liveness.challenge"),
                _ => (true, ""),
            };
            if allowed {
                e
            } else {
                Box::new(NotLicensed {
                    name: e.name(),
                    check,
                }) as Box<dyn Engine>
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_accept_only_their_keys() {
        assert!(key_is_pinned(None, "sha256:aa"));
        assert!(key_is_pinned(Some("sha256:aa, sha256:bb"), "sha256:bb"));
        assert!(!key_is_pinned(Some("sha256:aa"), "sha256:bb"));
        assert!(key_is_pinned(Some(" "), "sha256:aa"), "empty means no pins");
    }

    #[test]
    fn month_bounds_cross_years() {
        let dec = Date::new(2026, 12, 31).unwrap().days_since_epoch();
        let (s, e) = month_bounds(dec).unwrap();
        assert_eq!(s, Date::new(2026, 12, 1).unwrap().days_since_epoch());
        assert_eq!(e, Date::new(2027, 1, 1).unwrap().days_since_epoch());
        let feb = Date::new(2028, 2, 29).unwrap().days_since_epoch();
        assert_eq!(
            month_bounds(feb).unwrap().1,
            Date::new(2028, 3, 1).unwrap().days_since_epoch()
        );
    }

    #[test]
    fn unlicensed_enables_everything_and_says_so() {
        let l = Licensing::unlicensed();
        assert!(!l.read_only());
        assert!(l.banner().unwrap().contains("without a licence"));
        assert!(l.features().liveness);
        assert_eq!(l.recheck(10 * DAY_MS), None);
    }
}
