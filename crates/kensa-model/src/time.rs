//! The one time and date module: RFC 3339 timestamps as feeds write them
//! (`2024-06-10T08:52:54Z`, `2023-11-01T05:17:03.123456Z`, offsets allowed)
//! turned into something that orders correctly (string comparison does not
//! once precisions differ: `…54Z` sorts after `…54.1Z`), UTC formatting for
//! reports and APIs, and the clock.
//!
//! The clock functions (`now_*`) are for the edges (the CLI, the updater, the
//! server); pure crates take times as inputs, so their results depend on
//! nothing but their arguments.

/// Nanoseconds since 1970-01-01T00:00:00Z, or `None` for text that is not a
/// timestamp.
pub fn parse_rfc3339_nanoseconds(text: &str) -> Option<i128> {
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

/// `YYYY-MM-DDTHH:MM:SS.000` (UTC) for seconds since the epoch, as NVD's API
/// takes dates.
pub fn format_utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000", of_day / 3600, of_day % 3600 / 60, of_day % 60)
}

/// `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC) for seconds since the epoch.
pub fn rfc3339_utc(seconds: i64) -> String {
    let mut text = format_utc(seconds);
    text.truncate(19);
    text.push('Z');
    text
}

/// `YYYY-MM-DD` (UTC) for seconds since the epoch.
pub fn date_utc(seconds: i64) -> String {
    let mut text = format_utc(seconds);
    text.truncate(10);
    text
}

/// Seconds since the Unix epoch, now (0 on a clock set before 1970).
pub fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Milliseconds since the Unix epoch, now (0 on a clock set before 1970).
pub fn now_milliseconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
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
    use super::parse_rfc3339_nanoseconds as parse;

    #[test]
    fn utc_formatting_round_trips() {
        for seconds in [0i64, 951_868_800, 1_700_000_000, 4_102_444_800] {
            let text = super::format_utc(seconds);
            assert_eq!(parse(&format!("{text}Z")), Some(i128::from(seconds) * 1_000_000_000), "{text}");
        }
        assert_eq!(super::format_utc(951_868_800), "2000-03-01T00:00:00.000");
        assert_eq!(super::rfc3339_utc(951_868_800), "2000-03-01T00:00:00Z");
        assert_eq!(super::date_utc(951_868_800), "2000-03-01");
    }

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
