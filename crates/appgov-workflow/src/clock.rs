//! Dates and times as the ledger records them.

/// Now in UTC as RFC 3339 (`2026-12-01T08:30:00Z`), or the time
/// `SOURCE_DATE_EPOCH` gives, for reproducible reports.
pub fn now_rfc3339() -> String {
    let t = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc);
    rfc3339(t)
}

/// `2026-12-01T08:30:00Z`: UTC to the second, as reports, link checks and
/// the ledger record times.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    format!("{}Z", to_second(t.to_offset(time::UtcOffset::UTC), 'T'))
}

/// `2026-12-01<sep>08:30:00` in `t`'s own offset.
fn to_second(t: time::OffsetDateTime, sep: char) -> String {
    format!(
        "{:04}-{:02}-{:02}{sep}{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Today in China (the notice's deadlines are Beijing dates).
pub fn today_cn() -> String {
    date(time::OffsetDateTime::now_utc() + time::Duration::hours(8))
}

/// Today in UTC.
pub fn today_utc() -> String {
    date(time::OffsetDateTime::now_utc())
}

fn date(t: time::OffsetDateTime) -> String {
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// An RFC 3339 instant as Beijing time for people (`2026-12-02 15:18:29`);
/// China keeps UTC+8 all year. Text that is not RFC 3339 comes back as is.
pub fn beijing(at: &str) -> String {
    match time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339) {
        Ok(t) => to_second(
            t.to_offset(time::UtcOffset::from_hms(8, 0, 0).expect("UTC+8")),
            ' ',
        ),
        Err(_) => at.to_string(),
    }
}

#[cfg(test)]
mod beijing_tests {
    use super::beijing;

    #[test]
    fn utc_instants_show_in_beijing_time() {
        assert_eq!(
            beijing("2026-12-02T07:18:29.584847Z"),
            "2026-12-02 15:18:29"
        );
        assert_eq!(beijing("2026-12-31T16:00:00Z"), "2027-01-01 00:00:00");
        assert_eq!(beijing("2024-02-28T20:30:00+00:00"), "2024-02-29 04:30:00");
        assert_eq!(beijing("not a time"), "not a time");
    }
}
