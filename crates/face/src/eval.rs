//! ROC figures over scored pairs: equal error rate, true match rate at a fixed false match rate,
//! area under the curve. Used by `idverify face eval` and the tests.

/// One scored pair: its score (higher = more alike) and whether it is the same person.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    /// The comparison score.
    pub score: f64,
    /// Ground truth: the same person.
    pub same: bool,
}

/// ROC summary of a set of scored pairs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Roc {
    /// Genuine (same-person) pairs.
    pub genuine: usize,
    /// Impostor (different-person) pairs.
    pub impostor: usize,
    /// Equal error rate (mean of FMR and FNMR where they are closest).
    pub eer: f64,
    /// The threshold at the EER.
    pub eer_threshold: f64,
    /// Area under the ROC curve (ties count one half).
    pub auc: f64,
    /// Largest genuine score below which no genuine pair falls (the lowest genuine score).
    pub genuine_min: f64,
    /// The highest impostor score.
    pub impostor_max: f64,
}

impl Roc {
    /// Computes the summary; `None` without at least one pair of each kind.
    #[must_use]
    pub fn compute(pairs: &[Scored]) -> Option<Roc> {
        let mut genuine: Vec<f64> = pairs.iter().filter(|p| p.same).map(|p| p.score).collect();
        let mut imp: Vec<f64> = pairs.iter().filter(|p| !p.same).map(|p| p.score).collect();
        if genuine.is_empty() || imp.is_empty() {
            return None;
        }
        genuine.sort_by(f64::total_cmp);
        imp.sort_by(f64::total_cmp);
        let (g, i) = (genuine.len() as f64, imp.len() as f64);
        // Candidate thresholds: every score (accept when score >= t).
        let mut best = (f64::INFINITY, 0.0, 0.0);
        let mut ts: Vec<f64> = genuine.iter().chain(&imp).copied().collect();
        ts.sort_by(f64::total_cmp);
        ts.push(f64::INFINITY);
        for &t in &ts {
            let fmr = imp.iter().filter(|&&s| s >= t).count() as f64 / i;
            let fnmr = genuine.iter().filter(|&&s| s < t).count() as f64 / g;
            let gap = (fmr - fnmr).abs();
            if gap < best.0 {
                best = (gap, t, (fmr + fnmr) / 2.0);
            }
        }
        let mut wins = 0.0;
        for &a in &genuine {
            for &b in &imp {
                wins += if a > b {
                    1.0
                } else if a == b {
                    0.5
                } else {
                    0.0
                };
            }
        }
        Some(Roc {
            genuine: genuine.len(),
            impostor: imp.len(),
            eer: best.2,
            eer_threshold: best.1,
            auc: wins / (g * i),
            genuine_min: genuine.first().copied().unwrap_or(f64::NAN),
            impostor_max: imp.last().copied().unwrap_or(f64::NAN),
        })
    }
}

/// True match rate at false match rate `fmr`: the threshold is the lowest score that accepts
/// at most `fmr` of the impostors; returns (TMR, threshold). With N impostors an FMR below
/// 1/N means "no impostor accepted".
#[must_use]
pub fn tmr_at_fmr(pairs: &[Scored], fmr: f64) -> Option<(f64, f64)> {
    let mut imp: Vec<f64> = pairs.iter().filter(|p| !p.same).map(|p| p.score).collect();
    let genuine: Vec<f64> = pairs.iter().filter(|p| p.same).map(|p| p.score).collect();
    if imp.is_empty() || genuine.is_empty() {
        return None;
    }
    imp.sort_by(|a, b| b.total_cmp(a));
    // Allowed impostor accepts.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let allowed = (fmr * imp.len() as f64).floor() as usize;
    // Accept when score > threshold; threshold = the (allowed+1)-th highest impostor score.
    let threshold = imp.get(allowed).copied().unwrap_or(f64::NEG_INFINITY);
    let tmr = genuine.iter().filter(|&&s| s > threshold).count() as f64 / genuine.len() as f64;
    Some((tmr, threshold))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(score: f64, same: bool) -> Scored {
        Scored { score, same }
    }

    #[test]
    fn separable_sets() {
        let p = [
            s(0.9, true),
            s(0.8, true),
            s(0.2, false),
            s(0.1, false),
            s(0.3, false),
        ];
        let roc = Roc::compute(&p).unwrap();
        assert_eq!(roc.eer, 0.0);
        assert_eq!(roc.auc, 1.0);
        assert_eq!(tmr_at_fmr(&p, 0.01).unwrap(), (1.0, 0.3));
    }

    #[test]
    fn overlapping_sets() {
        let p = [s(0.9, true), s(0.4, true), s(0.5, false), s(0.1, false)];
        let roc = Roc::compute(&p).unwrap();
        assert!((roc.eer - 0.5).abs() < 1e-9);
        assert!((roc.auc - 0.75).abs() < 1e-9);
        assert_eq!(tmr_at_fmr(&p, 0.0).unwrap().0, 0.5);
        assert!(Roc::compute(&[s(1.0, true)]).is_none());
    }
}
