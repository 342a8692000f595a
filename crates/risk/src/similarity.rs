//! Pure helpers the caller uses to build [`crate::Signals`]: the duplicate-face search over
//! past cases' embeddings, and a holder's age on a given day.

use serde::Serialize;

/// The best match of a duplicate-face search.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FaceMatch<K> {
    /// The key of the past case (the caller's id).
    pub key: K,
    /// Cosine similarity, −1..1.
    pub similarity: f64,
}

/// Cosine similarity of two embeddings; `None` if their lengths differ, either is empty or
/// zero, or a value is not finite.
#[must_use]
pub fn cosine(a: &[f32], b: &[f32]) -> Option<f64> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    let denom = (na * nb).sqrt();
    if !denom.is_finite() || denom <= 0.0 || !dot.is_finite() {
        return None;
    }
    Some((dot / denom).clamp(-1.0, 1.0))
}

/// The past case most similar to `probe` (a linear scan; ties keep the first). Embeddings that
/// cannot be compared (other length, zero, not finite) are skipped. `None` for an empty
/// gallery or an unusable probe.
///
/// Pass past *approved* cases of *other* applicants; the best similarity goes into
/// [`crate::Signals::duplicate_face_similarity`].
pub fn best_face_match<'a, K, I>(probe: &[f32], past: I) -> Option<FaceMatch<K>>
where
    I: IntoIterator<Item = (K, &'a [f32])>,
{
    let mut best: Option<FaceMatch<K>> = None;
    for (key, emb) in past {
        if let Some(similarity) = cosine(probe, emb)
            && best.as_ref().is_none_or(|b| similarity > b.similarity)
        {
            best = Some(FaceMatch { key, similarity });
        }
    }
    best
}

/// Age in whole years on `on`, given a birth date, both as (year, month, day). `None` if `on` is
/// before the birth date. A 29 February birthday counts from 1 March in common years.
#[must_use]
pub fn age_years(birth: (i32, u32, u32), on: (i32, u32, u32)) -> Option<u32> {
    if on < birth {
        return None;
    }
    let years = on.0 - birth.0 - i32::from((on.1, on.2) < (birth.1, birth.2));
    u32::try_from(years).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_basics() {
        assert_eq!(cosine(&[1.0, 0.0], &[2.0, 0.0]), Some(1.0));
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 3.0]), Some(0.0));
        assert_eq!(cosine(&[1.0, 0.0], &[-1.0, 0.0]), Some(-1.0));
        assert_eq!(cosine(&[1.0], &[1.0, 0.0]), None);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), None);
        assert_eq!(cosine(&[f32::NAN, 0.0], &[1.0, 0.0]), None);
        assert_eq!(cosine(&[], &[]), None);
    }

    #[test]
    fn best_match_scans_and_skips_unusable() {
        let gallery: Vec<(&str, Vec<f32>)> = vec![
            ("a", vec![0.0, 1.0, 0.0]),
            ("bad", vec![1.0, 0.0]),
            ("b", vec![0.9, 0.1, 0.0]),
            ("zero", vec![0.0, 0.0, 0.0]),
        ];
        let m = best_face_match(
            &[1.0, 0.0, 0.0],
            gallery.iter().map(|(k, v)| (*k, v.as_slice())),
        )
        .unwrap();
        assert_eq!(m.key, "b");
        assert!(m.similarity > 0.99);
        assert!(best_face_match::<&str, _>(&[1.0], std::iter::empty()).is_none());
    }

    #[test]
    fn ages() {
        assert_eq!(age_years((2008, 6, 15), (2026, 6, 14)), Some(17));
        assert_eq!(age_years((2008, 6, 15), (2026, 6, 15)), Some(18));
        assert_eq!(age_years((2008, 2, 29), (2026, 2, 28)), Some(17));
        assert_eq!(age_years((2008, 2, 29), (2026, 3, 1)), Some(18));
        assert_eq!(age_years((2030, 1, 1), (2026, 1, 1)), None);
    }
}
