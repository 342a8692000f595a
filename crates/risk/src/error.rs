//! The crate's error: a policy file that is not TOML, or not a valid policy.

use std::fmt;

use serde::Serialize;

/// Why a policy file was refused. Every problem names the key path and line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// Not TOML at all.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
        /// What the TOML parser said.
        message: String,
    },
    /// TOML, but not a valid policy: every problem found, in file order.
    #[error("{}", Problems(.0))]
    Invalid(Vec<Problem>),
}

impl PolicyError {
    /// Stable code: `policy_syntax` or `policy_invalid`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::Syntax { .. } => "policy_syntax",
            PolicyError::Invalid(_) => "policy_invalid",
        }
    }

    /// The problems of an invalid policy (empty for a syntax error).
    #[must_use]
    pub fn problems(&self) -> &[Problem] {
        match self {
            PolicyError::Syntax { .. } => &[],
            PolicyError::Invalid(p) => p,
        }
    }
}

struct Problems<'a>(&'a [Problem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// Dotted key path, e.g. `factors.face.weight`, `hard_rules[2].checks[0]`.
    pub path: String,
    /// 1-based line of the offending key or value.
    pub line: usize,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl Problem {
    /// Stable code of the problem (see [`ProblemKind::code`]).
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.path, self.kind)
    }
}

/// What is wrong with one key of a policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// A key the format does not have (a typo, or a key of another version).
    UnknownKey {
        /// The keys allowed here.
        allowed: Vec<&'static str>,
    },
    /// A required key is absent.
    Missing,
    /// A value of the wrong TOML type.
    WrongType {
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: &'static str,
    },
    /// A number outside its range.
    OutOfRange {
        /// Lowest allowed.
        min: f64,
        /// Highest allowed.
        max: f64,
        /// Found.
        found: f64,
    },
    /// Two values that must be ordered are not (`thresholds.review` above `thresholds.decline`).
    OutOfOrder {
        /// Key that must be lower (or equal, see `strict`).
        lower: &'static str,
        /// Its value.
        lower_value: f64,
        /// Key that must be higher.
        upper: &'static str,
        /// Its value.
        upper_value: f64,
        /// Whether equality is also refused.
        strict: bool,
    },
    /// The factor weights do not sum to 1.
    WeightsSum {
        /// Their sum.
        sum: f64,
    },
    /// A string that is not a check pattern.
    InvalidPattern {
        /// The pattern.
        pattern: String,
        /// Why.
        why: &'static str,
    },
    /// A pattern whose engine does not exist.
    UnknownEngine {
        /// The pattern.
        pattern: String,
    },
    /// A pattern that matches no check any engine reports.
    UnknownCheck {
        /// The pattern.
        pattern: String,
    },
    /// A pattern counted by two factors.
    Overlap {
        /// The pattern.
        pattern: String,
        /// The other factor's pattern, as `factors.<name>: <pattern>`.
        other: String,
    },
    /// A name used twice (hard-rule ids).
    Duplicate {
        /// The name.
        name: String,
    },
    /// An empty list, table or string where content is needed.
    Empty,
    /// A name (version, id, factor, document type) with characters the format does not allow.
    InvalidName {
        /// The name.
        name: String,
    },
    /// A string that is not one of the allowed values.
    InvalidValue {
        /// Allowed values.
        allowed: &'static [&'static str],
        /// Found.
        found: String,
    },
    /// A hard rule without any condition (it would fire on every matching check).
    RuleWithoutCondition,
}

impl ProblemKind {
    /// Stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ProblemKind::UnknownKey { .. } => "unknown_key",
            ProblemKind::Missing => "missing",
            ProblemKind::WrongType { .. } => "wrong_type",
            ProblemKind::OutOfRange { .. } => "out_of_range",
            ProblemKind::OutOfOrder { .. } => "out_of_order",
            ProblemKind::WeightsSum { .. } => "weights_sum",
            ProblemKind::InvalidPattern { .. } => "invalid_pattern",
            ProblemKind::UnknownEngine { .. } => "unknown_engine",
            ProblemKind::UnknownCheck { .. } => "unknown_check",
            ProblemKind::Overlap { .. } => "overlap",
            ProblemKind::Duplicate { .. } => "duplicate",
            ProblemKind::Empty => "empty",
            ProblemKind::InvalidName { .. } => "invalid_name",
            ProblemKind::InvalidValue { .. } => "invalid_value",
            ProblemKind::RuleWithoutCondition => "rule_without_condition",
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::UnknownKey { allowed } => {
                write!(f, "unknown key (allowed here: {})", allowed.join(", "))
            }
            ProblemKind::Missing => f.write_str("is required"),
            ProblemKind::WrongType { expected, found } => {
                write!(f, "must be {expected}, found {found}")
            }
            ProblemKind::OutOfRange { min, max, found } => {
                write!(f, "must be between {min} and {max} (found {found})")
            }
            ProblemKind::OutOfOrder {
                lower,
                lower_value,
                upper,
                upper_value,
                strict,
            } => write!(
                f,
                "`{lower}` ({lower_value}) must be {} `{upper}` ({upper_value})",
                if *strict { "below" } else { "at most" }
            ),
            ProblemKind::WeightsSum { sum } => {
                write!(f, "the factor weights must sum to 1 (they sum to {sum})")
            }
            ProblemKind::InvalidPattern { pattern, why } => {
                write!(f, "`{pattern}` is not a check pattern: {why}")
            }
            ProblemKind::UnknownEngine { pattern } => write!(
                f,
                "`{pattern}` names no engine (engines: {})",
                crate::pattern::ENGINES.join(", ")
            ),
            ProblemKind::UnknownCheck { pattern } => write!(
                f,
                "`{pattern}` matches no check an engine reports (a typo? a new check goes in `extra_checks`)"
            ),
            ProblemKind::Overlap { pattern, other } => write!(
                f,
                "`{pattern}` overlaps {other}: a check counts towards one factor only"
            ),
            ProblemKind::Duplicate { name } => write!(f, "`{name}` is used twice"),
            ProblemKind::Empty => f.write_str("must not be empty"),
            ProblemKind::InvalidName { name } => write!(
                f,
                "`{name}` is not a valid name (letters, digits, `_`, `-`, `.`; at most 64)"
            ),
            ProblemKind::InvalidValue { allowed, found } => {
                write!(f, "must be one of {} (found `{found}`)", allowed.join(", "))
            }
            ProblemKind::RuleWithoutCondition => f.write_str(
                "a hard rule needs at least one of `status`, `reasons`, `score_below`, `score_at_least`, `below_threshold_by`",
            ),
        }
    }
}
