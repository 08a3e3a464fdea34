//! RFC 3339 timestamps as OSV writes them (`2024-06-10T08:52:54Z`,
//! `2023-11-01T05:17:03.123456Z`, offsets allowed), turned into something
//! that orders correctly: string comparison does not once precisions differ
//! (`…54Z` sorts after `…54.1Z`).

/// Nanoseconds since 1970-01-01T00:00:00Z, or `None` for text that is not a
/// timestamp.
pub(crate) fn parse(text: &str) -> Option<i128> {
    let text = text.trim();
    let (date, time) = text.split_once(['T', 't', ' '])?;
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: u32 = date_parts.next()?.parse().ok()?;
    let day: u32 = date_parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (clock, offset_seconds) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0i64)
    } else {
        let sign_at = time.rfind(['+', '-'])?;
        let (clock, offset) = time.split_at(sign_at);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (hours, minutes) = offset.get(1..)?.split_once(':')?;
        let offset_hours: i64 = hours.parse().ok()?;
        let offset_minutes: i64 = minutes.parse().ok()?;
        (clock, sign * (offset_hours * 3600 + offset_minutes * 60))
    };
    let (whole, fraction) = match clock.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (clock, ""),
    };
    let mut clock_parts = whole.splitn(3, ':');
    let hour: i64 = clock_parts.next()?.parse().ok()?;
    let minute: i64 = clock_parts.next()?.parse().ok()?;
    let second: i64 = clock_parts.next()?.parse().ok()?;
    if hour > 23 || minute > 59 || second > 60 || !fraction.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    // Nine digits of nanoseconds, padded or cut.
    let nanos: i64 = format!("{fraction:0<9}").get(..9)?.parse().ok()?;
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(i128::from(seconds) * 1_000_000_000 + i128::from(nanos))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn precision_and_offsets_order_correctly() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse("1970-01-02T00:00:00Z"), Some(86_400_000_000_000));
        assert!(parse("2024-06-10T08:52:54Z") < parse("2024-06-10T08:52:54.1Z"));
        assert_eq!(parse("2024-06-10T10:52:54+02:00"), parse("2024-06-10T08:52:54Z"));
        assert_eq!(parse("2000-03-01T00:00:00Z"), Some(951_868_800 * 1_000_000_000));
        assert_eq!(parse("2023-11-01T05:17:03.123456Z").map(|nanos| nanos % 1_000_000_000), Some(123_456_000));
        for bad in ["", "2024-13-01T00:00:00Z", "yesterday", "2024-06-10", "2024-06-10T08:52:54.x1Z"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
