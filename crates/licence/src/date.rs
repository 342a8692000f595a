//! Calendar dates (proleptic Gregorian, UTC) as a licence states them: `YYYY-MM-DD`.

use std::fmt;

/// A calendar date, years 1970 to 9999. Ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
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

impl Date {
    /// The date, if it exists (years 1970 to 9999).
    #[must_use]
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        ((1970..=9999).contains(&year) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Date { year, month, day })
    }

    /// The UTC date of a Unix time (seconds since 1970-01-01T00:00:00Z), as the caller's clock
    /// gives it.
    #[must_use]
    pub fn from_unix_seconds(seconds: i64) -> Option<Date> {
        Date::from_days(seconds.div_euclid(86_400))
    }

    /// Days since 1970-01-01 (H. Hinnant's `days_from_civil`).
    #[must_use]
    pub fn days_since_epoch(self) -> i64 {
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01 (H. Hinnant's `civil_from_days`).
    #[must_use]
    pub fn from_days(days: i64) -> Option<Date> {
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
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

    /// The next day.
    #[must_use]
    pub fn next_day(self) -> Option<Date> {
        Date::from_days(self.days_since_epoch() + 1)
    }

    /// Days from `self` to `later` (negative if `later` is earlier).
    #[must_use]
    pub fn days_until(self, later: Date) -> i64 {
        later.days_since_epoch() - self.days_since_epoch()
    }

    /// Parses exactly `YYYY-MM-DD`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Date> {
        let b = text.as_bytes();
        if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<u16> {
            let part = text.get(range)?;
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        Date::new(
            num(0..4)?,
            u8::try_from(num(5..7)?).ok()?,
            u8::try_from(num(8..10)?).ok()?,
        )
    }

    /// The year.
    #[must_use]
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month (1–12).
    #[must_use]
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month.
    #[must_use]
    pub fn day(self) -> u8 {
        self.day
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let d = Date::parse("2028-02-29").unwrap();
        assert_eq!(d.to_string(), "2028-02-29");
        for bad in [
            "2027-02-29",
            "2026-13-01",
            "2026-1-01",
            "+026-01-01",
            "2026-01-00",
            "1969-12-31",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn unix_time_and_day_arithmetic() {
        assert_eq!(Date::from_unix_seconds(0), Date::new(1970, 1, 1));
        // 2026-12-01T19:42:57Z
        assert_eq!(
            Date::from_unix_seconds(1_796_154_177),
            Date::new(2026, 12, 1)
        );
        let d = Date::new(2026, 12, 31).unwrap();
        assert_eq!(d.next_day(), Date::new(2027, 1, 1));
        assert_eq!(Date::new(2026, 1, 1).unwrap().days_until(d), 364);
        for days in [0, 59, 60, 365, 10_957, 20_000, 2_932_896] {
            assert_eq!(Date::from_days(days).unwrap().days_since_epoch(), days);
        }
    }
}
