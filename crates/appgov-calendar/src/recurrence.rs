//! Recurring duties: every N months or N days, counted from the schedule
//! or from the last completion.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime, UtcOffset};

/// How often.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Calendar months (12 = yearly; 36 = every three years).
    Months(u32),
    /// Days (for short cycles).
    Days(u32),
}

/// What the next due date is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The schedule: due dates stay on the original day of the month
    /// whenever the duty was done (an annual audit due each 31 March).
    Schedule,
    /// The last completion: "at least once every 12 months" means 12
    /// months after it was last done (article 17's assessment).
    Completion,
}

/// A recurring duty's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurrence {
    pub every: Period,
    pub anchor: Anchor,
}

/// `d` plus `months` calendar months, the day kept where the month has it
/// and otherwise the month's last day (31 Jan + 1 month = 28 or 29 Feb).
pub fn add_months(d: Date, months: u32) -> Date {
    let m0 = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1 + i64::from(months);
    let year = i32::try_from(m0.div_euclid(12))
        .unwrap_or(i32::MAX)
        .min(9999);
    let month = Month::try_from((m0.rem_euclid(12) + 1) as u8).expect("1..=12");
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, d.day().min(last)).unwrap_or(Date::MAX)
}

fn add(d: Date, p: Period, times: u32) -> Date {
    match p {
        Period::Months(m) => add_months(d, m.saturating_mul(times)),
        Period::Days(n) => d
            .checked_add(time::Duration::days(i64::from(n) * i64::from(times)))
            .unwrap_or(Date::MAX),
    }
}

/// When the duty is next due. `first_due` starts the schedule;
/// `completed` is the date it was last done (None: never).
///
/// - [`Anchor::Completion`]: one period after the completion (or the first
///   due date if never done).
/// - [`Anchor::Schedule`]: the first date of the schedule (first_due,
///   first_due + 1 period, + 2 periods, … each counted from first_due so
///   month ends do not drift) that lies after the completion — a late
///   completion does not move the schedule, an early one does not skip a
///   cycle it did not cover.
pub fn next_due(rule: Recurrence, first_due: Date, completed: Option<Date>) -> Date {
    let Some(done) = completed else {
        return first_due;
    };
    if matches!(rule.every, Period::Months(0) | Period::Days(0)) {
        return first_due.max(done);
    }
    match rule.anchor {
        Anchor::Completion => add(done, rule.every, 1),
        Anchor::Schedule => {
            // The cycle whose due date is the first one after `done`;
            // estimated by arithmetic, then corrected (month lengths vary).
            let mut k: u32 = match rule.every {
                Period::Months(m) => {
                    let months = (i64::from(done.year()) - i64::from(first_due.year())) * 12
                        + i64::from(u8::from(done.month()))
                        - i64::from(u8::from(first_due.month()));
                    u32::try_from(months.max(0) / i64::from(m)).unwrap_or(0)
                }
                Period::Days(n) => {
                    let days = (done - first_due).whole_days();
                    u32::try_from(days.max(0) / i64::from(n)).unwrap_or(0)
                }
            };
            k = k.saturating_sub(1);
            loop {
                let due = add(first_due, rule.every, k);
                if due > done || due == Date::MAX {
                    return due;
                }
                k = k.saturating_add(1);
            }
        }
    }
}

/// The Beijing date (UTC+8 all year; China keeps no summer time) of an
/// instant: a duty done at 17:00 UTC on 31 December was done on 1 January.
pub fn beijing_date(t: OffsetDateTime) -> Date {
    t.to_offset(UtcOffset::from_hms(8, 0, 0).expect("UTC+8"))
        .date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    #[test]
    fn month_ends_and_leap_years() {
        assert_eq!(add_months(date!(2024 - 01 - 31), 1), date!(2024 - 02 - 29));
        assert_eq!(add_months(date!(2025 - 01 - 31), 1), date!(2025 - 02 - 28));
        assert_eq!(add_months(date!(2024 - 02 - 29), 12), date!(2025 - 02 - 28));
        assert_eq!(add_months(date!(2024 - 02 - 29), 48), date!(2028 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 11 - 30), 3), date!(2027 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 12 - 15), 1), date!(2027 - 01 - 15));
    }

    #[test]
    fn a_schedule_keeps_its_day_after_a_short_month() {
        // Due on the 31st quarterly: 31 Jan, 30 Apr, 31 Jul, 31 Oct — not
        // 30 Jul after April.
        let rule = Recurrence {
            every: Period::Months(3),
            anchor: Anchor::Schedule,
        };
        let first = date!(2026 - 01 - 31);
        assert_eq!(
            next_due(rule, first, Some(date!(2026 - 01 - 20))),
            date!(2026 - 01 - 31)
        );
        assert_eq!(
            next_due(rule, first, Some(date!(2026 - 02 - 10))),
            date!(2026 - 04 - 30)
        );
        assert_eq!(
            next_due(rule, first, Some(date!(2026 - 05 - 02))),
            date!(2026 - 07 - 31)
        );
    }

    #[test]
    fn late_completion_moves_a_completion_anchored_duty_not_a_schedule() {
        let first = date!(2026 - 03 - 31);
        let late = date!(2026 - 06 - 15);
        let by_completion = Recurrence {
            every: Period::Months(12),
            anchor: Anchor::Completion,
        };
        let by_schedule = Recurrence {
            anchor: Anchor::Schedule,
            ..by_completion
        };
        assert_eq!(
            next_due(by_completion, first, Some(late)),
            date!(2027 - 06 - 15)
        );
        assert_eq!(
            next_due(by_schedule, first, Some(late)),
            date!(2027 - 03 - 31)
        );
        assert_eq!(next_due(by_schedule, first, None), first);
    }

    #[test]
    fn beijing_dates_turn_at_16_utc() {
        assert_eq!(
            beijing_date(datetime!(2026-12-31 15:59:59 UTC)),
            date!(2026 - 12 - 31)
        );
        assert_eq!(
            beijing_date(datetime!(2026-12-31 16:00:00 UTC)),
            date!(2027 - 01 - 01)
        );
        assert_eq!(
            beijing_date(datetime!(2024-02-28 20:30:00 UTC)),
            date!(2024 - 02 - 29)
        );
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (1990i32..2200, 1u8..=12, 1u8..=31).prop_map(|(y, m, d)| {
            let month = Month::try_from(m).unwrap();
            Date::from_calendar_date(y, month, d.min(time::util::days_in_month(month, y))).unwrap()
        })
    }

    proptest! {
        #[test]
        fn adding_months_lands_in_the_right_month_and_never_past_the_day(d in any_date(), n in 0u32..600) {
            let r = add_months(d, n);
            let months = (i64::from(r.year()) - i64::from(d.year())) * 12
                + i64::from(u8::from(r.month())) - i64::from(u8::from(d.month()));
            prop_assert_eq!(months, i64::from(n));
            prop_assert!(r.day() <= d.day());
            prop_assert!(r.day() == d.day() || r.day() == time::util::days_in_month(r.month(), r.year()));
        }

        #[test]
        fn the_next_due_date_is_after_the_completion_and_on_the_schedule(
            first in any_date(), done in any_date(), m in 1u32..=36, days in 1u32..400, by_days in any::<bool>()
        ) {
            let every = if by_days { Period::Days(days) } else { Period::Months(m) };
            let rule = Recurrence { every, anchor: Anchor::Schedule };
            let due = next_due(rule, first, Some(done));
            prop_assert!(due > done);
            prop_assert!(due >= first);
            // On the schedule: some k with first + k periods = due, and the
            // cycle before it (if any) is not after the completion.
            let mut k = 0u32;
            while add(first, every, k) < due { k += 1; }
            prop_assert_eq!(add(first, every, k), due);
            if k > 0 {
                prop_assert!(add(first, every, k - 1) <= done);
            }
            let by_completion = next_due(Recurrence { every, anchor: Anchor::Completion }, first, Some(done));
            prop_assert_eq!(by_completion, add(done, every, 1));
        }
    }
}
