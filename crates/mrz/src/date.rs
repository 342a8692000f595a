//! Calendar dates and the MRZ century rule.

use std::fmt;

/// A calendar date (proleptic Gregorian). Personal data when it is a birth date: `Debug` is
/// plain here because the type itself is also used for `today`; [`crate::Mrz`] masks its dates.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A valid date, or `None`.
    #[must_use]
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let ok = (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && year <= 9999;
        ok.then_some(Date { year, month, day })
    }

    /// Year.
    #[must_use]
    pub fn year(self) -> u16 {
        self.year
    }
    /// Month, 1–12.
    #[must_use]
    pub fn month(self) -> u8 {
        self.month
    }
    /// Day, 1–31.
    #[must_use]
    pub fn day(self) -> u8 {
        self.day
    }

    /// The date `days` days after 1970-01-01 (negative: before). For the binary's clock.
    #[must_use]
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        // Civil-from-days (H. Hinnant's algorithm).
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        Date::new(
            u16::try_from(y).ok()?,
            u8::try_from(m).ok()?,
            u8::try_from(d).ok()?,
        )
    }

    /// The same day `years` years later (29 February becomes 28 February if needed).
    #[must_use]
    pub fn plus_years(self, years: u16) -> Date {
        let year = self.year.saturating_add(years).min(9999);
        let day = self.day.min(days_in_month(year, self.month));
        Date {
            year,
            month: self.month,
            day,
        }
    }

    /// `YYMMDD` as in the MRZ.
    #[must_use]
    pub fn to_yymmdd(self) -> [u8; 6] {
        let yy = self.year % 100;
        let two = |v: u16| [b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8];
        let [a, b] = two(yy);
        let [c, d] = two(u16::from(self.month));
        let [e, f] = two(u16::from(self.day));
        [a, b, c, d, e, f]
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Two ASCII digits as a number.
fn two_digits(b: &[u8]) -> Option<u8> {
    match b {
        [a, c] if a.is_ascii_digit() && c.is_ascii_digit() => Some((a - b'0') * 10 + (c - b'0')),
        _ => None,
    }
}

/// Splits `YYMMDD` into numbers; `None` unless all six are digits.
pub(crate) fn split_yymmdd(b: &[u8]) -> Option<(u8, u8, u8)> {
    Some((
        two_digits(b.get(0..2)?)?,
        two_digits(b.get(2..4)?)?,
        two_digits(b.get(4..6)?)?,
    ))
}

/// The century rule: the latest valid date with these two-digit year, month and day that is
/// not after `limit`. Birth dates use `limit = today`; expiry dates `today + window`.
pub(crate) fn resolve_century(yymmdd: &[u8], limit: Date) -> Option<Date> {
    let (yy, mm, dd) = split_yymmdd(yymmdd)?;
    let base = limit.year / 100 * 100;
    [Some(base), base.checked_sub(100), base.checked_sub(200)]
        .into_iter()
        .flatten()
        .filter_map(|c| Date::new(c + u16::from(yy), mm, dd))
        .find(|d| *d <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_days() {
        assert_eq!(Date::from_days_since_epoch(0), Date::new(1970, 1, 1));
        assert_eq!(Date::from_days_since_epoch(11_016), Date::new(2000, 2, 29));
        assert_eq!(Date::from_days_since_epoch(-1), Date::new(1969, 12, 31));
    }

    proptest::proptest! {
        #[test]
        fn century_rule_never_passes_the_limit(
            yy in 0u8..100, mm in 1u8..=12, dd in 1u8..=28,
            ty in 1950u16..2200, tm in 1u8..=12, td in 1u8..=28, window in 0u16..60,
        ) {
            let today = Date::new(ty, tm, td).unwrap();
            let text = format!("{yy:02}{mm:02}{dd:02}");
            let birth = resolve_century(text.as_bytes(), today).unwrap();
            proptest::prop_assert!(birth <= today);
            proptest::prop_assert!(birth > Date::new(ty - 100, tm, td).unwrap());
            let limit = today.plus_years(window);
            let expiry = resolve_century(text.as_bytes(), limit).unwrap();
            proptest::prop_assert!(expiry <= limit);
            proptest::prop_assert_eq!(expiry.to_yymmdd(), <[u8; 6]>::try_from(text.as_bytes()).unwrap());
        }
    }

    #[test]
    fn century_rule() {
        let today = Date::new(2026, 11, 22).unwrap();
        assert_eq!(resolve_century(b"740812", today), Date::new(1974, 8, 12));
        assert_eq!(resolve_century(b"261122", today), Date::new(2026, 11, 22));
        assert_eq!(resolve_century(b"261123", today), Date::new(1926, 11, 23));
        let limit = today.plus_years(20);
        assert_eq!(resolve_century(b"460101", limit), Date::new(2046, 1, 1));
        assert_eq!(resolve_century(b"940623", limit), Date::new(1994, 6, 23));
        assert_eq!(resolve_century(b"000229", today), Date::new(2000, 2, 29));
        assert_eq!(resolve_century(b"001301", today), None);
        assert_eq!(resolve_century(b"0A0101", today), None);
    }
}
