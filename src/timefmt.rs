//! UTC timestamps as whole Unix seconds: parsing the formats the AWS caches contain and
//! printing the one form every reader accepts (`2024-01-01T20:00:00Z`).
//!
//! Pure and clock-free: callers pass `now` in, so expiry decisions are testable. We keep our
//! own conversions rather than a date crate because the warm path only needs these two and
//! the formats are fixed by the AWS CLI (fractions are truncated, as the CLI does when it
//! writes). Also the durations people type on the command line (`10m`, `1h30m`).

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, UTC.
pub type Timestamp = i64;

/// The wall clock as a [`Timestamp`]. A clock before 1970 reads as the epoch.
pub fn now() -> Timestamp {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Formats as RFC 3339 in UTC with a `Z` suffix and no fraction: `2024-01-01T20:00:00Z`.
pub fn format_rfc3339(ts: Timestamp) -> String {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// Formats as the AWS CLI's role cache writes assume-role expirations: `2024-01-01T12:00:00UTC`.
pub fn format_cli_utc(ts: Timestamp) -> String {
    let mut s = format_rfc3339(ts);
    s.pop();
    s.push_str("UTC");
    s
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|UTC|±HH:MM|±HHMM)`; a space may stand for `T`.
/// These are the forms botocore, the AWS CLI and the Rust SDK write into shared caches.
pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" | "UTC" | "" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hm: String = rest[1..].chars().filter(|c| *c != ':').collect();
            if hm.len() != 4 || !hm.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let h: i64 = hm[..2].parse().ok()?;
            let m: i64 = hm[2..].parse().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + min * 60 + sec - offset)
}

/// Howard Hinnant's `days_from_civil`: proleptic Gregorian date → days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Formats a duration for people: `59m`, `7h 58m`, `2d 3h`.
pub fn human_duration(secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{}m", secs / 60)
    } else if secs < 86_400 {
        format!("{}h {}m", secs / 3600, (secs / 60) % 60)
    } else {
        format!("{}d {}h", secs / 86_400, (secs / 3600) % 24)
    }
}

/// A duration as people type it (`10m`, `90s`, `1h30m`) and as `--help` shows a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span(pub std::time::Duration);

impl std::str::FromStr for Span {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_duration(s).map(Span)
    }
}

impl std::fmt::Display for Span {
    /// Each non-zero unit, largest first: `5m`, `1h30m`, `2d`; what [`parse_duration`] reads.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut secs = self.0.as_secs();
        if secs == 0 {
            return f.write_str("0s");
        }
        for (unit, name) in [(86_400, 'd'), (3600, 'h'), (60, 'm'), (1, 's')] {
            if secs >= unit {
                write!(f, "{}{name}", secs / unit)?;
                secs %= unit;
            }
        }
        Ok(())
    }
}

/// Parses a duration like `10m`, `90s`, `1h30m`, `2h` or plain seconds (`600`).
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(secs));
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    let mut any = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => {
                return Err(format!(
                    "`{s}` is not a duration (use e.g. 30s, 50m, 1h30m)"
                ));
            }
        };
        let n: u64 = num
            .parse()
            .map_err(|_| format!("`{s}` is not a duration (use e.g. 30s, 50m, 1h30m)"))?;
        total = total.saturating_add(n.saturating_mul(unit));
        num.clear();
        any = true;
    }
    if !num.is_empty() || !any {
        return Err(format!(
            "`{s}` is not a duration (use e.g. 30s, 50m, 1h30m)"
        ));
    }
    Ok(std::time::Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_parse_in_the_usual_units() {
        use std::time::Duration;
        assert_eq!(parse_duration("50m"), Ok(Duration::from_mins(50)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_mins(90)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_hours(48)));
        assert!(parse_duration("5 minutes").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("10m5").is_err());
    }

    use super::*;

    #[test]
    fn spans_print_as_they_are_typed() {
        for (secs, text) in [
            (300, "5m"),
            (600, "10m"),
            (5400, "1h30m"),
            (90, "1m30s"),
            (0, "0s"),
        ] {
            let span = Span(std::time::Duration::from_secs(secs));
            assert_eq!(span.to_string(), text);
            assert_eq!(text.parse::<Span>(), Ok(span));
        }
    }

    #[test]
    fn round_trips_the_cli_format() {
        let ts = parse_rfc3339("2024-01-01T20:00:00Z").unwrap();
        assert_eq!(ts, 1_704_139_200);
        assert_eq!(format_rfc3339(ts), "2024-01-01T20:00:00Z");
        assert_eq!(format_cli_utc(ts), "2024-01-01T20:00:00UTC");
    }

    #[test]
    fn reads_what_other_writers_put_in_caches() {
        let want = Some(1_704_139_200);
        assert_eq!(parse_rfc3339("2024-01-01T20:00:00.123456Z"), want);
        assert_eq!(parse_rfc3339("2024-01-01T20:00:00UTC"), want);
        assert_eq!(parse_rfc3339("2024-01-01T20:00:00+00:00"), want);
        assert_eq!(parse_rfc3339("2024-01-01T22:00:00+02:00"), want);
        assert_eq!(parse_rfc3339("2024-01-01T19:30:00-0030"), want);
        assert_eq!(parse_rfc3339("2024-01-01 20:00:00Z"), want);
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-01-01T20:00:00+5",
            "2024-01-01T20:00:00.Z",
            "２０２４-01-01T20:00:00Z",
            "2024-01-01T20:00:00Zjunk",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn civil_conversion_covers_leap_years_and_the_epoch() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(parse_rfc3339("2100-03-01T00:00:00Z"), Some(4_107_542_400));
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn human_durations_read_naturally() {
        assert_eq!(human_duration(-5), "0s");
        assert_eq!(human_duration(59 * 60 + 59), "59m");
        assert_eq!(human_duration(7 * 3600 + 58 * 60), "7h 58m");
        assert_eq!(human_duration(2 * 86_400 + 3 * 3600), "2d 3h");
    }
}
