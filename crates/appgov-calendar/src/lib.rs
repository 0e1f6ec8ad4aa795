//! Dates for compliance deadlines, with no I/O: when a recurring duty is
//! next due (month ends and leap years handled, late completion not
//! drifting a fixed schedule), which Beijing date an instant falls on, and
//! working days as the State Council's holiday notices make them.
//!
//! The notice's duties are counted in Beijing dates: a risk assessment
//! "at least yearly" (article 17) is due on a date, not at an instant, and
//! a complaint's 15 working days skip the Spring Festival and count its
//! make-up Saturdays.

pub mod holidays;
pub mod recurrence;

pub use holidays::{HolidayCalendar, HolidayError, WorkingDays};
pub use recurrence::{Anchor, Period, Recurrence, add_months, beijing_date, next_due};

pub use time::Date;

/// `2026-12-02` → the date, or None.
pub fn parse_date(s: &str) -> Option<Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &f).ok()
}

/// The date as `2026-12-02`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}
