//! RFC 3339 timestamps (what EIP-4361 and Sign-In With Solana messages carry, and what
//! JavaScript's `Date.prototype.toISOString` writes), to and from Unix milliseconds.

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` into Unix milliseconds
/// (fractions beyond milliseconds are truncated). Refuses anything else, saying why.
pub(crate) fn parse_rfc3339_ms(text: &str) -> Result<i64, String> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Result<i64, String> {
        let part = b
            .get(range.clone())
            .ok_or_else(|| "is too short for an RFC 3339 timestamp".to_owned())?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return Err(format!(
                "has non-digits at bytes {}..{}",
                range.start, range.end
            ));
        }
        Ok(part
            .iter()
            .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')))
    };
    let sep = |i: usize, want: &[u8]| -> Result<(), String> {
        match b.get(i) {
            Some(c) if want.contains(c) => Ok(()),
            _ => Err(format!(
                "expected {:?} at byte {i} (YYYY-MM-DDTHH:MM:SSZ)",
                want.first().map(|c| char::from(*c)).unwrap_or('?')
            )),
        }
    };
    let year = digits(0..4)?;
    sep(4, b"-")?;
    let month = digits(5..7)?;
    sep(7, b"-")?;
    let day = digits(8..10)?;
    sep(10, b"Tt")?;
    let hour = digits(11..13)?;
    sep(13, b":")?;
    let minute = digits(14..16)?;
    sep(16, b":")?;
    let second = digits(17..19)?;
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        let mut end = start;
        while b.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        if end == start {
            return Err("has a '.' without fraction digits".to_owned());
        }
        for (k, pos) in (start..end.min(start + 3)).enumerate() {
            let d = i64::from(b.get(pos).copied().unwrap_or(b'0') - b'0');
            millis += d * [100, 10, 1].get(k).copied().unwrap_or(0);
        }
        i = end;
    }
    let offset_minutes = match b.get(i) {
        Some(b'Z' | b'z') => {
            i += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            let sign = if *sign == b'-' { -1 } else { 1 };
            let oh = digits(i + 1..i + 3)?;
            sep(i + 3, b":")?;
            let om = digits(i + 4..i + 6)?;
            if oh > 23 || om > 59 {
                return Err("has an out-of-range UTC offset".to_owned());
            }
            i += 6;
            sign * (oh * 60 + om)
        }
        _ => return Err("has no time zone (Z or +HH:MM)".to_owned()),
    };
    if i != b.len() {
        return Err(format!("has {} unexpected bytes at the end", b.len() - i));
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err("is not a valid date and time".to_owned());
    }
    // A leap second counts as the next second's start.
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second
        - offset_minutes * 60;
    Ok(seconds * 1_000 + millis)
}

/// Formats Unix milliseconds as JavaScript's `toISOString` does: `2026-01-02T03:04:05.678Z`.
pub(crate) fn format_rfc3339_ms(unix_ms: i64) -> String {
    let days = unix_ms.div_euclid(86_400_000);
    let rest = unix_ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1_000 % 60,
        rest % 1_000
    )
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_timestamps() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(
            parse_rfc3339_ms("2021-09-30T16:25:24.000Z"),
            Ok(1_633_019_124_000)
        );
        assert_eq!(
            parse_rfc3339_ms("2021-09-30T18:25:24.1234+02:00"),
            Ok(1_633_019_124_123)
        );
        assert_eq!(
            parse_rfc3339_ms("2024-02-29T00:00:00-00:30"),
            Ok(1_709_166_600_000)
        );
        assert_eq!(
            format_rfc3339_ms(1_633_019_124_123),
            "2021-09-30T16:25:24.123Z"
        );
        assert_eq!(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        for bad in [
            "",
            "2021-09-30",
            "2021-09-30T16:25:24",
            "2021-02-29T00:00:00Z",
            "2021-13-01T00:00:00Z",
            "2021-09-30T16:25:24.Z",
            "2021-09-30T16:25:24Zx",
            "2021-09-30 16:25:24Z",
            "２021-09-30T16:25:24Z",
        ] {
            assert!(parse_rfc3339_ms(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn round_trips() {
        for ms in [0, 1, 951_782_400_000, 1_709_164_800_999, 4_102_444_799_999] {
            assert_eq!(parse_rfc3339_ms(&format_rfc3339_ms(ms)), Ok(ms));
        }
    }
}
