//! Working days in mainland China: weekdays, less the public holidays,
//! plus the make-up working Saturdays and Sundays (调休上班), per year as
//! the State Council's notice sets them (data/cn-holidays.toml, each year
//! with its source).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use time::{Date, Weekday};

use crate::{format_date, parse_date};

/// The holiday data this build ships.
pub const BUILTIN: &str = include_str!("../data/cn-holidays.toml");

#[derive(Debug, thiserror::Error)]
pub enum HolidayError {
    #[error("holidays: {0}")]
    Parse(String),
    #[error("holidays: {}", .0.join("; "))]
    Invalid(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    schema: u32,
    year: Vec<YearFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    source: String,
    off: Vec<[String; 2]>,
    work: Vec<String>,
}

/// One year's days off and make-up working days.
#[derive(Debug, Clone, Default)]
struct Year {
    off: BTreeSet<Date>,
    work: BTreeSet<Date>,
}

/// The known years' holidays.
#[derive(Debug, Clone, Default)]
pub struct HolidayCalendar {
    years: BTreeMap<i32, Year>,
    sources: BTreeMap<i32, String>,
}

/// A count of working days, and whether every day counted lay in a year
/// whose notice is known (otherwise weekends alone were skipped there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingDays {
    pub date: Date,
    pub exact: bool,
}

fn weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

impl HolidayCalendar {
    /// The shipped data, validated.
    pub fn builtin() -> Result<HolidayCalendar, HolidayError> {
        HolidayCalendar::parse(BUILTIN)
    }

    /// Parses and checks a holiday file: schema 1, each year once with a
    /// source, every date a real date in its year, ranges in order, make-up
    /// days on weekends and not inside a holiday.
    pub fn parse(text: &str) -> Result<HolidayCalendar, HolidayError> {
        let f: File = toml::from_str(text).map_err(|e| HolidayError::Parse(e.to_string()))?;
        let mut problems = Vec::new();
        if f.schema != 1 {
            problems.push(format!("schema {}, this build reads schema 1", f.schema));
        }
        let mut cal = HolidayCalendar::default();
        for y in &f.year {
            if cal.years.contains_key(&y.year) {
                problems.push(format!("{} is listed twice", y.year));
                continue;
            }
            if y.source.trim().is_empty() {
                problems.push(format!("{} has no source", y.year));
            }
            let mut year = Year::default();
            let date = |s: &str| match parse_date(s) {
                Some(d) if d.year() == y.year => Ok(d),
                Some(_) => Err(format!("{s} is not in {}", y.year)),
                None => Err(format!("{s:?} is not a date")),
            };
            for [a, b] in &y.off {
                let (a, b) = match (date(a), date(b)) {
                    (Ok(a), Ok(b)) => (a, b),
                    (a, b) => {
                        problems.extend(a.err());
                        problems.extend(b.err());
                        continue;
                    }
                };
                if b < a {
                    problems.push(format!("{} before {}", format_date(b), format_date(a)));
                    continue;
                }
                let mut d = a;
                while d <= b {
                    year.off.insert(d);
                    d = d.next_day().expect("within the year");
                }
            }
            for w in &y.work {
                let d = match date(w) {
                    Ok(d) => d,
                    Err(e) => {
                        problems.push(e);
                        continue;
                    }
                };
                if !weekend(d) {
                    problems.push(format!("make-up day {w} is not a Saturday or Sunday"));
                }
                year.work.insert(d);
            }
            for d in year.work.intersection(&year.off) {
                problems.push(format!(
                    "{} is both a holiday and a working day",
                    format_date(*d)
                ));
            }
            cal.sources.insert(y.year, y.source.clone());
            cal.years.insert(y.year, year);
        }
        if problems.is_empty() {
            Ok(cal)
        } else {
            Err(HolidayError::Invalid(problems))
        }
    }

    /// The years whose notice is known, with their sources.
    pub fn known_years(&self) -> impl Iterator<Item = (i32, &str)> {
        self.sources.iter().map(|(y, s)| (*y, s.as_str()))
    }

    /// Whether `d` is a working day, and whether that is known (false: the
    /// year's notice is not in the data, so weekends alone decided).
    pub fn is_working_day(&self, d: Date) -> (bool, bool) {
        match self.years.get(&d.year()) {
            Some(y) if y.work.contains(&d) => (true, true),
            Some(y) if y.off.contains(&d) => (false, true),
            Some(_) => (!weekend(d), true),
            None => (!weekend(d), false),
        }
    }

    /// The date `n` working days after `start` (the start itself not
    /// counted: a complaint received on a Friday before a 9-day Spring
    /// Festival is due 15 working days later, counted from Monday after).
    pub fn add_working_days(&self, start: Date, n: u32) -> WorkingDays {
        let mut d = start;
        let mut left = n;
        let mut exact = true;
        while left > 0 {
            let Some(next) = d.next_day() else {
                return WorkingDays {
                    date: Date::MAX,
                    exact: false,
                };
            };
            d = next;
            let (working, known) = self.is_working_day(d);
            exact &= known;
            if working {
                left -= 1;
            }
        }
        WorkingDays { date: d, exact }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn the_builtin_data_is_valid_and_sourced() {
        let c = HolidayCalendar::builtin().unwrap();
        let years: Vec<i32> = c.known_years().map(|(y, _)| y).collect();
        assert_eq!(years, vec![2025, 2026]);
        assert!(c.known_years().all(|(_, s)| s.contains("gov.cn")));
    }

    #[test]
    fn spring_festival_and_make_up_saturdays() {
        let c = HolidayCalendar::builtin().unwrap();
        assert_eq!(
            c.is_working_day(date!(2026 - 02 - 14)),
            (true, true),
            "a make-up Saturday"
        );
        assert_eq!(
            c.is_working_day(date!(2026 - 02 - 16)),
            (false, true),
            "a Monday in the holiday"
        );
        assert_eq!(c.is_working_day(date!(2026 - 03 - 02)), (true, true));
        assert_eq!(
            c.is_working_day(date!(2027 - 02 - 08)),
            (true, false),
            "2027 not yet known"
        );
        // A complaint received Friday 13 Feb 2026: Sat 14 (make-up) is the
        // 1st, 15–23 are off, Tue 24–Fri 27 the 2nd–5th, Sat 28 (make-up)
        // the 6th, 2–6 Mar the 7th–11th, 9–12 Mar the 12th–15th.
        let due = c.add_working_days(date!(2026 - 02 - 13), 15);
        assert_eq!(
            due,
            WorkingDays {
                date: date!(2026 - 03 - 12),
                exact: true
            }
        );
        // National Day 2025 (1–8 Oct off): 9, 10 Oct, Sat 11 Oct (make-up),
        // 13–17, 20–24, 27 and 28 Oct.
        let due = c.add_working_days(date!(2025 - 09 - 30), 15);
        assert_eq!(due.date, date!(2025 - 10 - 28));
        // Across into an unknown year: approximate, and said so.
        let due = c.add_working_days(date!(2026 - 12 - 25), 15);
        assert!(!due.exact);
    }

    #[test]
    fn bad_data_is_refused_with_reasons() {
        let bad = r#"
schema = 1
[[year]]
year = 2026
source = ""
off = [["2026-02-23", "2026-02-15"], ["2025-01-01", "2025-01-01"]]
work = ["2026-02-16", "2026-02-30"]
"#;
        let e = HolidayCalendar::parse(bad).unwrap_err().to_string();
        for what in [
            "has no source",
            "before",
            "is not in 2026",
            "not a Saturday or Sunday",
            "not a date",
        ] {
            assert!(e.contains(what), "{what}: {e}");
        }
    }

    proptest! {
        #[test]
        fn n_working_days_later_is_a_working_day_and_never_sooner_than_n_days(
            y in 2025i32..2028, doy in 1u16..=365, n in 1u32..40
        ) {
            let c = HolidayCalendar::builtin().unwrap();
            let start = Date::from_ordinal_date(y, doy).unwrap();
            let r = c.add_working_days(start, n);
            prop_assert!(c.is_working_day(r.date).0);
            prop_assert!((r.date - start).whole_days() >= i64::from(n));
            // Exactly n working days lie in (start, r.date].
            let mut count = 0;
            let mut d = start;
            while d < r.date { d = d.next_day().unwrap(); if c.is_working_day(d).0 { count += 1; } }
            prop_assert_eq!(count, n);
        }
    }
}
