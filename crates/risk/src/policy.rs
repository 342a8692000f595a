//! The policy: parsed from TOML, validated with every problem reported, hashed.
//!
//! A [`Policy`] exists only if [`Policy::from_toml`] accepted it; the types it holds are
//! read-only views.

use std::ops::Range;

use checks::{ReasonCode, Status};
use serde::Serialize;
use sha2::{Digest, Sha256};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::error::{PolicyError, Problem, ProblemKind};
use crate::pattern::{ENGINES, Pattern, is_known};

/// The default policy shipped with the crate (`policy/default.toml`).
pub const DEFAULT_POLICY_TOML: &str = include_str!("../policy/default.toml");

/// Tolerance on the sum of the factor weights.
const WEIGHT_SUM_TOLERANCE: f64 = 1e-6;

/// What a hard rule does when it fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// At least review.
    Review,
    /// Decline, whatever the score.
    Decline,
}

/// Score thresholds: `score < review` approves (if nothing else stops it), `review ≤ score <
/// decline` is review, `score ≥ decline` declines.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    /// From this score on, at least review.
    pub review: f64,
    /// From this score on, decline.
    pub decline: f64,
}

/// The risk (0..1) of a check of each non-pass status (`pass` is 0, `fail` is 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StatusRisk {
    /// `warn`.
    pub warn: f64,
    /// `error`.
    pub error: f64,
    /// `unsupported`.
    pub unsupported: f64,
    /// `not_performed` (a factor with no performed check, unless the factor sets `absent`).
    pub not_performed: f64,
}

impl Default for StatusRisk {
    fn default() -> Self {
        StatusRisk {
            warn: 0.5,
            error: 0.75,
            unsupported: 0.75,
            not_performed: 0.5,
        }
    }
}

impl StatusRisk {
    /// The risk of a status.
    #[must_use]
    pub fn of(&self, status: Status) -> f64 {
        match status {
            Status::Pass => 0.0,
            Status::Fail => 1.0,
            Status::Warn => self.warn,
            Status::Error => self.error,
            Status::Unsupported => self.unsupported,
            Status::NotPerformed => self.not_performed,
        }
    }
}

/// One weighted factor: a group of checks scored together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    /// Its name (`chip`, `face`, …).
    pub name: String,
    /// Its weight; the weights of a policy sum to 1.
    pub weight: f64,
    /// The checks it counts.
    pub checks: Vec<Pattern>,
    /// Where a passing or warning check has a score, its risk is `1 − score`.
    pub use_scores: bool,
    /// The risk when none of its checks was performed (default: `status_risk.not_performed`).
    pub absent: Option<f64>,
}

/// A rule that declines or sends to review whatever the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HardRule {
    /// Stable id, recorded in the result.
    pub id: String,
    /// For people.
    pub description: Option<String>,
    /// The checks it looks at.
    pub checks: Vec<Pattern>,
    /// Fires on a check with one of these statuses (any status if empty).
    pub status: Vec<Status>,
    /// … and one of these reason codes (any reason if empty).
    pub reasons: Vec<String>,
    /// … and a score below this (checks without a score never match).
    pub score_below: Option<f64>,
    /// … and a score at least this (checks without a score never match).
    pub score_at_least: Option<f64>,
    /// … and a score more than this below the check's own threshold (checks without both
    /// never match): "clearly below threshold", whatever the engine's calibration.
    pub below_threshold_by: Option<f64>,
    /// What it does.
    pub effect: Effect,
}

impl HardRule {
    /// Whether the rule fires on this check.
    #[must_use]
    pub fn fires_on(&self, c: &checks::Check) -> bool {
        self.checks.iter().any(|p| p.matches(&c.check))
            && (self.status.is_empty() || self.status.contains(&c.status))
            && (self.reasons.is_empty() || self.reasons.iter().any(|r| r == c.reason.as_str()))
            && self
                .score_below
                .is_none_or(|t| c.score.is_some_and(|s| s < t))
            && self
                .score_at_least
                .is_none_or(|t| c.score.is_some_and(|s| s >= t))
            && self
                .below_threshold_by
                .is_none_or(|m| matches!((c.score, c.threshold), (Some(s), Some(t)) if s < t - m))
    }
}

/// What one document type requires.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentRule {
    /// The document type (`TD3`, `TD1`, …, or `default`).
    pub document_type: String,
    /// Each entry needs at least one passing check, else at least review.
    pub require: Vec<Pattern>,
}

/// A numeric signal mapped to risk: 0 up to `pass_at_most`, 1 from `fail_at_least`, linear
/// between (status `pass`, `fail`, `warn`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ramp {
    /// Up to here: pass.
    pub pass_at_most: f64,
    /// From here: fail.
    pub fail_at_least: f64,
}

impl Ramp {
    /// The risk of a value (NaN is risk 1).
    #[must_use]
    pub fn risk(&self, x: f64) -> f64 {
        if x.is_nan() || x >= self.fail_at_least {
            1.0
        } else if x <= self.pass_at_most {
            0.0
        } else {
            ((x - self.pass_at_most) / (self.fail_at_least - self.pass_at_most)).clamp(0.0, 1.0)
        }
    }
}

/// The session duration band: `warn` below `warn_below_s` (too fast: scripted or replayed) and
/// above `warn_above_s` (too slow: coached, or a handed-over session).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Band {
    /// Seconds.
    pub warn_below_s: f64,
    /// Seconds.
    pub warn_above_s: f64,
}

/// How behavioural signals become checks (`behaviour.*`). An absent rule derives no check.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct SignalRules {
    /// `behaviour.attempts`: attempts by this applicant, this one included.
    pub attempts: Option<Ramp>,
    /// `behaviour.device_repeat`: other verifications from the same device.
    pub device_repeat: Option<Ramp>,
    /// `behaviour.duplicate_face`: best similarity to a past approved case of another person.
    pub duplicate_face: Option<Ramp>,
    /// `behaviour.session_duration`.
    pub session_duration: Option<Band>,
}

/// Data rules (`data.*` checks derived here).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct DataRules {
    /// `data.minimum_age`: the holder's minimum age in whole years.
    pub minimum_age: Option<u32>,
}

/// A validated policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    version: String,
    description: Option<String>,
    hash: String,
    thresholds: Thresholds,
    status_risk: StatusRisk,
    factors: Vec<Factor>,
    hard_rules: Vec<HardRule>,
    documents: Vec<DocumentRule>,
    signals: SignalRules,
    data: DataRules,
    extra_checks: Vec<Pattern>,
}

impl Policy {
    /// Parses and validates a policy file.
    ///
    /// # Errors
    /// [`PolicyError::Syntax`] when the text is not TOML; [`PolicyError::Invalid`] with every
    /// problem (key path, line, what is wrong) when it is not a valid policy.
    pub fn from_toml(src: &str) -> Result<Policy, PolicyError> {
        let root = DeTable::parse(src).map_err(|e| syntax(src, &e))?;
        let span = root.span();
        let root = Spanned::new(span, DeValue::Table(root.into_inner()));
        let mut cx = Cx {
            src,
            problems: Vec::new(),
        };
        let policy = parse_root(&mut cx, &root);
        match policy {
            Some(p) if cx.problems.is_empty() => Ok(p),
            _ => {
                cx.problems.sort_by_key(|p| p.line);
                Err(PolicyError::Invalid(cx.problems))
            }
        }
    }

    /// The default policy shipped with the crate.
    ///
    /// # Errors
    /// Never in a released build (a test parses it); typed so no caller needs `expect`.
    pub fn builtin() -> Result<Policy, PolicyError> {
        Policy::from_toml(DEFAULT_POLICY_TOML)
    }

    /// The `version` the file declares (recorded with every decision).
    #[must_use]
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The file's description.
    #[must_use]
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// `sha256:<hex>` of the exact file text: two files with the same `version` but different
    /// content are told apart (hot reload compares it).
    #[must_use]
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The score thresholds.
    #[must_use]
    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    /// The risk of each status.
    #[must_use]
    pub fn status_risk(&self) -> StatusRisk {
        self.status_risk
    }

    /// The factors, in file order.
    #[must_use]
    pub fn factors(&self) -> &[Factor] {
        &self.factors
    }

    /// The hard rules, in file order.
    #[must_use]
    pub fn hard_rules(&self) -> &[HardRule] {
        &self.hard_rules
    }

    /// The per-document-type requirements, in file order.
    #[must_use]
    pub fn documents(&self) -> &[DocumentRule] {
        &self.documents
    }

    /// The requirements for a document type: its own entry, else `default`, else none.
    #[must_use]
    pub fn document_rule(&self, document_type: Option<&str>) -> Option<&DocumentRule> {
        document_type
            .and_then(|t| self.documents.iter().find(|d| d.document_type == t))
            .or_else(|| self.documents.iter().find(|d| d.document_type == "default"))
    }

    /// Behavioural signal rules.
    #[must_use]
    pub fn signals(&self) -> SignalRules {
        self.signals
    }

    /// Data rules.
    #[must_use]
    pub fn data(&self) -> DataRules {
        self.data
    }

    /// Checks the file declares beyond the built-in catalogue.
    #[must_use]
    pub fn extra_checks(&self) -> &[Pattern] {
        &self.extra_checks
    }
}

fn syntax(src: &str, e: &toml::de::Error) -> PolicyError {
    let at = e.span().map_or(0, |s| s.start);
    let before = src.get(..at).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    PolicyError::Syntax {
        line,
        column,
        message: e.message().trim().to_owned(),
    }
}

fn sha256_hex(s: &str) -> String {
    use std::fmt::Write as _;
    let d = Sha256::digest(s.as_bytes());
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in d.iter() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The walker: every accessor reports its own problems and returns `None` on a bad value, so the
// whole file is checked in one pass.

type V<'i> = Spanned<DeValue<'i>>;

struct Cx<'s> {
    src: &'s str,
    problems: Vec<Problem>,
}

impl Cx<'_> {
    fn line(&self, at: usize) -> usize {
        self.src
            .get(..at)
            .map_or(1, |s| s.matches('\n').count() + 1)
    }

    fn report(&mut self, path: &str, span: &Range<usize>, kind: ProblemKind) {
        let line = self.line(span.start);
        self.problems.push(Problem {
            path: path.to_owned(),
            line,
            kind,
        });
    }
}

/// A table's entries in file order.
struct Obj<'a, 'i> {
    path: String,
    span: Range<usize>,
    entries: Vec<(&'a str, Range<usize>, &'a V<'i>)>,
}

impl<'a, 'i> Obj<'a, 'i> {
    fn get(&self, key: &str) -> Option<&'a V<'i>> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, v)| *v)
    }

    fn sub(&self, key: &str) -> String {
        join(&self.path, key)
    }

    fn required(&self, cx: &mut Cx<'_>, key: &str) -> Option<&'a V<'i>> {
        let v = self.get(key);
        if v.is_none() {
            cx.report(&self.sub(key), &self.span, ProblemKind::Missing);
        }
        v
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn wrong(cx: &mut Cx<'_>, path: &str, v: &V<'_>, expected: &'static str) {
    cx.report(
        path,
        &v.span(),
        ProblemKind::WrongType {
            expected,
            found: v.get_ref().type_str(),
        },
    );
}

/// A table; keys outside `allowed` are reported (`None`: any key).
fn obj<'a, 'i>(
    cx: &mut Cx<'_>,
    path: &str,
    v: &'a V<'i>,
    allowed: Option<&[&'static str]>,
) -> Option<Obj<'a, 'i>> {
    let DeValue::Table(t) = v.get_ref() else {
        wrong(cx, path, v, "a table");
        return None;
    };
    let mut entries: Vec<(&'a str, Range<usize>, &'a V<'i>)> = t
        .iter()
        .map(|(k, val)| (k.get_ref().as_ref(), k.span(), val))
        .collect();
    entries.sort_by_key(|(_, span, _)| span.start);
    if let Some(allowed) = allowed {
        entries.retain(|(k, span, _)| {
            let ok = allowed.contains(k);
            if !ok {
                cx.report(
                    &join(path, k),
                    span,
                    ProblemKind::UnknownKey {
                        allowed: allowed.to_vec(),
                    },
                );
            }
            ok
        });
    }
    Some(Obj {
        path: path.to_owned(),
        span: v.span(),
        entries,
    })
}

fn string<'a>(cx: &mut Cx<'_>, path: &str, v: &'a V<'_>) -> Option<&'a str> {
    if let DeValue::String(s) = v.get_ref() {
        Some(s.as_ref())
    } else {
        wrong(cx, path, v, "a string");
        None
    }
}

fn boolean(cx: &mut Cx<'_>, path: &str, v: &V<'_>) -> Option<bool> {
    if let DeValue::Boolean(b) = v.get_ref() {
        Some(*b)
    } else {
        wrong(cx, path, v, "true or false");
        None
    }
}

fn number(cx: &mut Cx<'_>, path: &str, v: &V<'_>, min: f64, max: f64) -> Option<f64> {
    let x = match v.get_ref() {
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            #[allow(clippy::cast_precision_loss)] // policy numbers are small
            i64::from_str_radix(&digits, i.radix())
                .ok()
                .map(|n| n as f64)
        }
        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
        _ => None,
    };
    let Some(x) = x.filter(|x| x.is_finite()) else {
        wrong(cx, path, v, "a finite number");
        return None;
    };
    if x < min || x > max {
        cx.report(
            path,
            &v.span(),
            ProblemKind::OutOfRange { min, max, found: x },
        );
        return None;
    }
    Some(x)
}

fn unit(cx: &mut Cx<'_>, path: &str, v: &V<'_>) -> Option<f64> {
    number(cx, path, v, 0.0, 1.0)
}

fn array<'a, 'i>(cx: &mut Cx<'_>, path: &str, v: &'a V<'i>) -> Option<&'a [V<'i>]> {
    if let DeValue::Array(a) = v.get_ref() {
        Some(a)
    } else {
        wrong(cx, path, v, "an array");
        None
    }
}

fn valid_name(s: &str, extra: &[u8]) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || extra.contains(&b))
}

fn name(cx: &mut Cx<'_>, path: &str, v: &V<'_>, extra: &[u8]) -> Option<String> {
    let s = string(cx, path, v)?;
    if valid_name(s, extra) {
        Some(s.to_owned())
    } else {
        cx.report(
            path,
            &v.span(),
            ProblemKind::InvalidName { name: s.to_owned() },
        );
        None
    }
}

/// One pattern: syntax, engine, and whether any check matches it.
fn pattern(cx: &mut Cx<'_>, path: &str, v: &V<'_>, extra: &[Pattern]) -> Option<Pattern> {
    let s = string(cx, path, v)?;
    let p = match Pattern::parse(s) {
        Ok(p) => p,
        Err(why) => {
            cx.report(
                path,
                &v.span(),
                ProblemKind::InvalidPattern {
                    pattern: s.to_owned(),
                    why,
                },
            );
            return None;
        }
    };
    if let Some(engine) = p.engine()
        && !ENGINES.contains(&engine)
    {
        cx.report(
            path,
            &v.span(),
            ProblemKind::UnknownEngine {
                pattern: s.to_owned(),
            },
        );
        return None;
    }
    if !is_known(&p, extra) {
        cx.report(
            path,
            &v.span(),
            ProblemKind::UnknownCheck {
                pattern: s.to_owned(),
            },
        );
        return None;
    }
    Some(p)
}

/// A list of patterns with their spans; `None` if any entry was bad.
fn patterns(
    cx: &mut Cx<'_>,
    path: &str,
    v: &V<'_>,
    extra: &[Pattern],
    non_empty: bool,
) -> Option<Vec<(Pattern, Range<usize>)>> {
    let items = array(cx, path, v)?;
    if non_empty && items.is_empty() {
        cx.report(path, &v.span(), ProblemKind::Empty);
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match pattern(cx, &format!("{path}[{i}]"), item, extra) {
            Some(p) => out.push((p, item.span())),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

const ROOT_KEYS: &[&str] = &[
    "version",
    "description",
    "extra_checks",
    "thresholds",
    "status_risk",
    "factors",
    "hard_rules",
    "documents",
    "signals",
    "data",
];

fn parse_root(cx: &mut Cx<'_>, root: &V<'_>) -> Option<Policy> {
    let o = obj(cx, "", root, Some(ROOT_KEYS))?;

    let version = o
        .required(cx, "version")
        .and_then(|v| name(cx, "version", v, b"-."));
    let description = o
        .get("description")
        .and_then(|v| string(cx, "description", v))
        .map(str::to_owned);

    // extra_checks first: the other patterns are validated against them.
    let mut extra_checks = Vec::new();
    if let Some(v) = o.get("extra_checks")
        && let Some(items) = array(cx, "extra_checks", v)
    {
        for (i, item) in items.iter().enumerate() {
            let path = format!("extra_checks[{i}]");
            let Some(s) = string(cx, &path, item) else {
                continue;
            };
            match Pattern::parse(s) {
                Ok(p) if p.engine().is_some_and(|e| ENGINES.contains(&e)) => extra_checks.push(p),
                Ok(_) => cx.report(
                    &path,
                    &item.span(),
                    ProblemKind::UnknownEngine {
                        pattern: s.to_owned(),
                    },
                ),
                Err(why) => cx.report(
                    &path,
                    &item.span(),
                    ProblemKind::InvalidPattern {
                        pattern: s.to_owned(),
                        why,
                    },
                ),
            }
        }
    }

    let thresholds = o
        .required(cx, "thresholds")
        .and_then(|v| parse_thresholds(cx, v));
    let status_risk = match o.get("status_risk") {
        None => Some(StatusRisk::default()),
        Some(v) => parse_status_risk(cx, v),
    };
    let factors = o
        .required(cx, "factors")
        .and_then(|v| parse_factors(cx, v, &extra_checks));
    let hard_rules = match o.get("hard_rules") {
        None => Some(Vec::new()),
        Some(v) => parse_hard_rules(cx, v, &extra_checks),
    };
    let documents = match o.get("documents") {
        None => Some(Vec::new()),
        Some(v) => parse_documents(cx, v, &extra_checks),
    };
    let signals = match o.get("signals") {
        None => Some(SignalRules::default()),
        Some(v) => parse_signals(cx, v),
    };
    let data = match o.get("data") {
        None => Some(DataRules::default()),
        Some(v) => parse_data(cx, v),
    };

    Some(Policy {
        version: version?,
        description,
        hash: sha256_hex(cx.src),
        thresholds: thresholds?,
        status_risk: status_risk?,
        factors: factors?,
        hard_rules: hard_rules?,
        documents: documents?,
        signals: signals?,
        data: data?,
        extra_checks,
    })
}

fn parse_thresholds(cx: &mut Cx<'_>, v: &V<'_>) -> Option<Thresholds> {
    let o = obj(cx, "thresholds", v, Some(&["review", "decline"]))?;
    let review = o
        .required(cx, "review")
        .and_then(|v| unit(cx, "thresholds.review", v));
    let decline = o
        .required(cx, "decline")
        .and_then(|v| unit(cx, "thresholds.decline", v));
    let (review, decline) = (review?, decline?);
    if review > decline {
        let span = o.get("review").map_or(o.span.clone(), |v| v.span());
        cx.report(
            "thresholds",
            &span,
            ProblemKind::OutOfOrder {
                lower: "review",
                lower_value: review,
                upper: "decline",
                upper_value: decline,
                strict: false,
            },
        );
        return None;
    }
    Some(Thresholds { review, decline })
}

fn parse_status_risk(cx: &mut Cx<'_>, v: &V<'_>) -> Option<StatusRisk> {
    let keys = ["warn", "error", "unsupported", "not_performed"];
    let o = obj(cx, "status_risk", v, Some(&keys))?;
    let mut r = StatusRisk::default();
    let mut ok = true;
    for key in keys {
        let Some(v) = o.get(key) else { continue };
        match unit(cx, &o.sub(key), v) {
            Some(x) => match key {
                "warn" => r.warn = x,
                "error" => r.error = x,
                "unsupported" => r.unsupported = x,
                _ => r.not_performed = x,
            },
            None => ok = false,
        }
    }
    ok.then_some(r)
}

fn parse_factors(cx: &mut Cx<'_>, v: &V<'_>, extra: &[Pattern]) -> Option<Vec<Factor>> {
    let o = obj(cx, "factors", v, None)?;
    if o.entries.is_empty() {
        cx.report("factors", &o.span, ProblemKind::Empty);
        return None;
    }
    let mut ok = true;
    let mut factors: Vec<(Factor, Vec<Range<usize>>)> = Vec::new();
    for (key, key_span, val) in &o.entries {
        let path = o.sub(key);
        if !valid_name(key, &[]) {
            cx.report(
                &path,
                key_span,
                ProblemKind::InvalidName {
                    name: (*key).to_owned(),
                },
            );
            ok = false;
            continue;
        }
        let Some(f) = obj(
            cx,
            &path,
            val,
            Some(&["weight", "checks", "use_scores", "absent"]),
        ) else {
            ok = false;
            continue;
        };
        let weight = f
            .required(cx, "weight")
            .and_then(|v| unit(cx, &f.sub("weight"), v));
        let checks = f
            .required(cx, "checks")
            .and_then(|v| patterns(cx, &f.sub("checks"), v, extra, true));
        let use_scores = match f.get("use_scores") {
            None => Some(false),
            Some(v) => boolean(cx, &f.sub("use_scores"), v),
        };
        let absent = match f.get("absent") {
            None => Some(None),
            Some(v) => unit(cx, &f.sub("absent"), v).map(Some),
        };
        match (weight, checks, use_scores, absent) {
            (Some(weight), Some(checks), Some(use_scores), Some(absent)) => {
                let (checks, spans) = checks.into_iter().unzip();
                factors.push((
                    Factor {
                        name: (*key).to_owned(),
                        weight,
                        checks,
                        use_scores,
                        absent,
                    },
                    spans,
                ));
            }
            _ => ok = false,
        }
    }
    if !ok {
        return None;
    }
    // The weights sum to 1, so the score is in 0..1 and each factor's points read as a share.
    let sum: f64 = factors.iter().map(|(f, _)| f.weight).sum();
    if (sum - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
        cx.report("factors", &o.span, ProblemKind::WeightsSum { sum });
        ok = false;
    }
    // A check counts towards one factor only: otherwise its points would be counted twice.
    for (j, (fj, spans)) in factors.iter().enumerate() {
        for (k, (pj, span)) in fj.checks.iter().zip(spans).enumerate() {
            let earlier = factors.iter().take(j).find_map(|(fi, _)| {
                fi.checks
                    .iter()
                    .find(|pi| pi.overlaps(pj))
                    .map(|pi| format!("`{pi}` in factors.{}", fi.name))
            });
            if let Some(other) = earlier {
                cx.report(
                    &format!("factors.{}.checks[{k}]", fj.name),
                    span,
                    ProblemKind::Overlap {
                        pattern: pj.to_string(),
                        other,
                    },
                );
                ok = false;
            }
        }
    }
    ok.then(|| factors.into_iter().map(|(f, _)| f).collect())
}

const STATUSES: &[&str] = &[
    "pass",
    "fail",
    "warn",
    "not_performed",
    "unsupported",
    "error",
];

fn status_of(s: &str) -> Option<Status> {
    Some(match s {
        "pass" => Status::Pass,
        "fail" => Status::Fail,
        "warn" => Status::Warn,
        "not_performed" => Status::NotPerformed,
        "unsupported" => Status::Unsupported,
        "error" => Status::Error,
        _ => return None,
    })
}

const RULE_KEYS: &[&str] = &[
    "id",
    "description",
    "checks",
    "status",
    "reasons",
    "score_below",
    "score_at_least",
    "below_threshold_by",
    "effect",
];

fn parse_hard_rules(cx: &mut Cx<'_>, v: &V<'_>, extra: &[Pattern]) -> Option<Vec<HardRule>> {
    let items = array(cx, "hard_rules", v)?;
    let mut ok = true;
    let mut rules: Vec<HardRule> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("hard_rules[{i}]");
        let Some(o) = obj(cx, &path, item, Some(RULE_KEYS)) else {
            ok = false;
            continue;
        };
        let id = o
            .required(cx, "id")
            .and_then(|v| name(cx, &o.sub("id"), v, &[]));
        if let (Some(id), Some(v)) = (&id, o.get("id"))
            && ids.contains(id)
        {
            cx.report(
                &o.sub("id"),
                &v.span(),
                ProblemKind::Duplicate { name: id.clone() },
            );
            ok = false;
        }
        if let Some(id) = &id {
            ids.push(id.clone());
        }
        let description = o
            .get("description")
            .and_then(|v| string(cx, &o.sub("description"), v))
            .map(str::to_owned);
        let checks = o
            .required(cx, "checks")
            .and_then(|v| patterns(cx, &o.sub("checks"), v, extra, true));
        let status = match o.get("status") {
            None => Some(Vec::new()),
            Some(v) => list_of(cx, &o.sub("status"), v, |cx, p, item| {
                let s = string(cx, p, item)?;
                let st = status_of(s);
                if st.is_none() {
                    cx.report(
                        p,
                        &item.span(),
                        ProblemKind::InvalidValue {
                            allowed: STATUSES,
                            found: s.to_owned(),
                        },
                    );
                }
                st
            }),
        };
        let reasons = match o.get("reasons") {
            None => Some(Vec::new()),
            Some(v) => list_of(cx, &o.sub("reasons"), v, |cx, p, item| {
                let s = string(cx, p, item)?;
                let r = ReasonCode::parse(s).map(|r| r.as_str().to_owned());
                if r.is_none() {
                    cx.report(
                        p,
                        &item.span(),
                        ProblemKind::InvalidName { name: s.to_owned() },
                    );
                }
                r
            }),
        };
        let score_below = match o.get("score_below") {
            None => Some(None),
            Some(v) => unit(cx, &o.sub("score_below"), v).map(Some),
        };
        let score_at_least = match o.get("score_at_least") {
            None => Some(None),
            Some(v) => unit(cx, &o.sub("score_at_least"), v).map(Some),
        };
        let below_threshold_by = match o.get("below_threshold_by") {
            None => Some(None),
            Some(v) => unit(cx, &o.sub("below_threshold_by"), v).map(Some),
        };
        let effect = o.required(cx, "effect").and_then(|v| {
            let s = string(cx, &o.sub("effect"), v)?;
            match s {
                "decline" => Some(Effect::Decline),
                "review" => Some(Effect::Review),
                _ => {
                    cx.report(
                        &o.sub("effect"),
                        &v.span(),
                        ProblemKind::InvalidValue {
                            allowed: &["decline", "review"],
                            found: s.to_owned(),
                        },
                    );
                    None
                }
            }
        });
        let (
            Some(id),
            Some(checks),
            Some(status),
            Some(reasons),
            Some(score_below),
            Some(score_at_least),
            Some(below_threshold_by),
            Some(effect),
        ) = (
            id,
            checks,
            status,
            reasons,
            score_below,
            score_at_least,
            below_threshold_by,
            effect,
        )
        else {
            ok = false;
            continue;
        };
        if status.is_empty()
            && reasons.is_empty()
            && score_below.is_none()
            && score_at_least.is_none()
            && below_threshold_by.is_none()
        {
            cx.report(&path, &item.span(), ProblemKind::RuleWithoutCondition);
            ok = false;
            continue;
        }
        rules.push(HardRule {
            id,
            description,
            checks: checks.into_iter().map(|(p, _)| p).collect(),
            status,
            reasons,
            score_below,
            score_at_least,
            below_threshold_by,
            effect,
        });
    }
    ok.then_some(rules)
}

/// A list whose every item `f` accepts; `None` if any item was bad.
fn list_of<T>(
    cx: &mut Cx<'_>,
    path: &str,
    v: &V<'_>,
    mut f: impl FnMut(&mut Cx<'_>, &str, &V<'_>) -> Option<T>,
) -> Option<Vec<T>> {
    let items = array(cx, path, v)?;
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match f(cx, &format!("{path}[{i}]"), item) {
            Some(x) => out.push(x),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn parse_documents(cx: &mut Cx<'_>, v: &V<'_>, extra: &[Pattern]) -> Option<Vec<DocumentRule>> {
    let o = obj(cx, "documents", v, None)?;
    let mut ok = true;
    let mut out = Vec::new();
    for (key, key_span, val) in &o.entries {
        let path = o.sub(key);
        if !valid_name(key, b"-") {
            cx.report(
                &path,
                key_span,
                ProblemKind::InvalidName {
                    name: (*key).to_owned(),
                },
            );
            ok = false;
            continue;
        }
        let Some(d) = obj(cx, &path, val, Some(&["require"])) else {
            ok = false;
            continue;
        };
        match d
            .required(cx, "require")
            .and_then(|v| patterns(cx, &d.sub("require"), v, extra, false))
        {
            Some(req) => out.push(DocumentRule {
                document_type: (*key).to_owned(),
                require: req.into_iter().map(|(p, _)| p).collect(),
            }),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn parse_ramp(cx: &mut Cx<'_>, path: &str, v: &V<'_>, max: f64) -> Option<Ramp> {
    let o = obj(cx, path, v, Some(&["pass_at_most", "fail_at_least"]))?;
    let pass = o
        .required(cx, "pass_at_most")
        .and_then(|v| number(cx, &o.sub("pass_at_most"), v, 0.0, max));
    let fail = o
        .required(cx, "fail_at_least")
        .and_then(|v| number(cx, &o.sub("fail_at_least"), v, 0.0, max));
    let (pass, fail) = (pass?, fail?);
    if pass >= fail {
        cx.report(
            path,
            &o.span,
            ProblemKind::OutOfOrder {
                lower: "pass_at_most",
                lower_value: pass,
                upper: "fail_at_least",
                upper_value: fail,
                strict: true,
            },
        );
        return None;
    }
    Some(Ramp {
        pass_at_most: pass,
        fail_at_least: fail,
    })
}

fn parse_signals(cx: &mut Cx<'_>, v: &V<'_>) -> Option<SignalRules> {
    let keys = [
        "attempts",
        "device_repeat",
        "duplicate_face",
        "session_duration",
    ];
    let o = obj(cx, "signals", v, Some(&keys))?;
    let mut r = SignalRules::default();
    let mut ok = true;
    let counts = f64::from(u32::MAX);
    if let Some(v) = o.get("attempts") {
        r.attempts = parse_ramp(cx, &o.sub("attempts"), v, counts);
        ok &= r.attempts.is_some();
    }
    if let Some(v) = o.get("device_repeat") {
        r.device_repeat = parse_ramp(cx, &o.sub("device_repeat"), v, counts);
        ok &= r.device_repeat.is_some();
    }
    if let Some(v) = o.get("duplicate_face") {
        r.duplicate_face = parse_ramp(cx, &o.sub("duplicate_face"), v, 1.0);
        ok &= r.duplicate_face.is_some();
    }
    if let Some(v) = o.get("session_duration") {
        let path = o.sub("session_duration");
        r.session_duration =
            obj(cx, &path, v, Some(&["warn_below_s", "warn_above_s"])).and_then(|b| {
                let day = 86_400.0;
                let lo = b
                    .required(cx, "warn_below_s")
                    .and_then(|v| number(cx, &b.sub("warn_below_s"), v, 0.0, day));
                let hi = b
                    .required(cx, "warn_above_s")
                    .and_then(|v| number(cx, &b.sub("warn_above_s"), v, 0.0, day));
                let (lo, hi) = (lo?, hi?);
                if lo >= hi {
                    cx.report(
                        &path,
                        &b.span,
                        ProblemKind::OutOfOrder {
                            lower: "warn_below_s",
                            lower_value: lo,
                            upper: "warn_above_s",
                            upper_value: hi,
                            strict: true,
                        },
                    );
                    return None;
                }
                Some(Band {
                    warn_below_s: lo,
                    warn_above_s: hi,
                })
            });
        ok &= r.session_duration.is_some();
    }
    ok.then_some(r)
}

fn parse_data(cx: &mut Cx<'_>, v: &V<'_>) -> Option<DataRules> {
    let o = obj(cx, "data", v, Some(&["minimum_age"]))?;
    let mut r = DataRules::default();
    if let Some(v) = o.get("minimum_age") {
        if !matches!(v.get_ref(), DeValue::Integer(_)) {
            wrong(cx, "data.minimum_age", v, "an integer");
            return None;
        }
        let age = number(cx, "data.minimum_age", v, 0.0, 150.0)?;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        // an integer checked to be in 0..=150
        let age = age as u32;
        r.minimum_age = Some(age);
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
version = "t-1"
[thresholds]
review = 0.25
decline = 0.5
[factors.all]
weight = 1.0
checks = ["*"]
"#;

    fn problems(src: &str) -> Vec<String> {
        match Policy::from_toml(src) {
            Ok(_) => panic!("accepted"),
            Err(e) => {
                assert_eq!(e.code(), "policy_invalid", "{e}");
                e.problems().iter().map(ToString::to_string).collect()
            }
        }
    }

    #[test]
    fn minimal_policy_parses_and_is_hashed() {
        let p = Policy::from_toml(MINIMAL).unwrap();
        assert_eq!(p.version(), "t-1");
        assert!(p.hash().starts_with("sha256:"));
        assert_eq!(p.hash().len(), 7 + 64);
        let q = Policy::from_toml(&MINIMAL.replace("0.25", "0.250")).unwrap();
        assert_ne!(p.hash(), q.hash(), "content changes change the hash");
        assert_eq!(p.status_risk(), StatusRisk::default());
    }

    #[test]
    fn builtin_policy_parses() {
        let p = Policy::builtin().unwrap();
        assert_eq!(p.version(), "default-2026-12");
    }

    #[test]
    fn syntax_errors_name_line_and_column() {
        let e = Policy::from_toml("version = \"x\"\n[thresholds\n").unwrap_err();
        assert_eq!(e.code(), "policy_syntax");
        let PolicyError::Syntax { line, .. } = e else {
            panic!()
        };
        assert_eq!(line, 2, "{e}");
    }

    #[test]
    fn weight_out_of_range_names_the_key_and_line() {
        let src = MINIMAL.replace("weight = 1.0", "weight = 1.5");
        assert_eq!(
            problems(&src),
            vec!["line 7: factors.all.weight: must be between 0 and 1 (found 1.5)"]
        );
    }

    #[test]
    fn unknown_keys_are_rejected_everywhere() {
        let src = format!("{MINIMAL}use_score = true\n[thresholds2]\nx = 1\n");
        let p = problems(&src);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].starts_with("line 9: factors.all.use_score: unknown key (allowed here: weight, checks, use_scores, absent)"),
            "{p:?}"
        );
        assert!(
            p[1].starts_with("line 10: thresholds2: unknown key"),
            "{p:?}"
        );
    }

    #[test]
    fn thresholds_out_of_order() {
        let src = MINIMAL.replace("review = 0.25", "review = 0.7");
        assert_eq!(
            problems(&src),
            vec!["line 4: thresholds: `review` (0.7) must be at most `decline` (0.5)"]
        );
    }

    #[test]
    fn missing_and_wrong_types() {
        let src = "version = 3\n[thresholds]\nreview = \"low\"\n[factors.a]\nchecks = [\"mrz\"]\n";
        let p = problems(src);
        assert_eq!(
            p,
            vec![
                "line 1: version: must be a string, found integer",
                "line 2: thresholds.decline: is required",
                "line 3: thresholds.review: must be a finite number, found string",
                "line 4: factors.a.weight: is required",
            ],
            "{p:?}"
        );
    }

    #[test]
    fn hard_rule_with_an_unknown_check_pattern() {
        let src = format!(
            "{MINIMAL}[[hard_rules]]\nid = \"x\"\nchecks = [\"mrz.check_digit\", \"passport.x\", \"chip..aa\"]\nstatus = [\"failed\"]\neffect = \"deny\"\n"
        );
        let p = problems(&src);
        assert_eq!(
            p,
            vec![
                "line 11: hard_rules[0].checks[0]: `mrz.check_digit` matches no check an engine reports (a typo? a new check goes in `extra_checks`)",
                "line 11: hard_rules[0].checks[1]: `passport.x` names no engine (engines: document, mrz, chip, face, liveness, data, behaviour)",
                "line 11: hard_rules[0].checks[2]: `chip..aa` is not a check pattern: empty segment (two dots, or a leading or trailing dot)",
                "line 12: hard_rules[0].status[0]: must be one of pass, fail, warn, not_performed, unsupported, error (found `failed`)",
                "line 13: hard_rules[0].effect: must be one of decline, review (found `deny`)",
            ],
            "{p:?}"
        );
    }

    #[test]
    fn extra_checks_make_new_checks_known() {
        let src = format!(
            "extra_checks = [\"face.new_model\"]\n{MINIMAL}[[hard_rules]]\nid = \"x\"\nchecks = [\"face.new_model\"]\nstatus = [\"fail\"]\neffect = \"decline\"\n"
        );
        let p = Policy::from_toml(&src).unwrap();
        assert_eq!(p.hard_rules().len(), 1);
        assert_eq!(p.extra_checks().len(), 1);
    }

    #[test]
    fn rule_without_condition_and_duplicate_ids() {
        let rule = "[[hard_rules]]\nid = \"x\"\nchecks = [\"mrz\"]\neffect = \"review\"\n";
        let src = format!("{MINIMAL}{rule}{rule}");
        let p = problems(&src);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].contains("hard_rules[0]: a hard rule needs at least one of"));
        assert!(p[1].contains("hard_rules[1]: a hard rule needs"));
        assert!(
            p[2].starts_with("line 14: hard_rules[1].id: `x` is used twice"),
            "{p:?}"
        );
    }

    #[test]
    fn weights_must_sum_to_one_and_factors_must_not_overlap() {
        let src = r#"
version = "t"
[thresholds]
review = 0.2
decline = 0.6
[factors.chip]
weight = 0.5
checks = ["chip"]
[factors.aa]
weight = 0.4
checks = ["chip.active_authentication"]
"#;
        let p = problems(src);
        assert_eq!(
            p,
            vec![
                "line 6: factors: the factor weights must sum to 1 (they sum to 0.9)",
                "line 11: factors.aa.checks[0]: `chip.active_authentication` overlaps `chip` in factors.chip: a check counts towards one factor only",
            ],
            "{p:?}"
        );
    }

    #[test]
    fn signal_ramps_are_ordered() {
        let src = format!(
            "{MINIMAL}[signals]\nattempts = {{ pass_at_most = 5, fail_at_least = 3 }}\nduplicate_face = {{ pass_at_most = 0.5, fail_at_least = 1.2 }}\n[data]\nminimum_age = 17.5\n"
        );
        let p = problems(&src);
        assert_eq!(
            p,
            vec![
                "line 10: signals.attempts: `pass_at_most` (5) must be below `fail_at_least` (3)",
                "line 11: signals.duplicate_face.fail_at_least: must be between 0 and 1 (found 1.2)",
                "line 13: data.minimum_age: must be an integer, found float",
            ],
            "{p:?}"
        );
    }

    #[test]
    fn every_problem_has_a_stable_code() {
        let e = Policy::from_toml(&MINIMAL.replace("weight = 1.0", "weight = -1")).unwrap_err();
        assert_eq!(e.problems()[0].code(), "out_of_range");
        let v = serde_json::to_value(e.problems()).unwrap();
        assert_eq!(v[0]["kind"]["code"], "out_of_range");
        assert_eq!(v[0]["path"], "factors.all.weight");
    }
}
