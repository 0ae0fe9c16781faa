//! The terminals of the EIP-4361 grammar: RFC 3986 URIs and authorities, the statement's
//! character set, nonces, request ids, and RFC 3339 date-times.

use std::cmp::Ordering;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// RFC 3986 `unreserved`.
fn is_unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
}

/// RFC 3986 `sub-delims`.
fn is_sub_delim(c: u8) -> bool {
    matches!(
        c,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

/// RFC 3986 `gen-delims`.
fn is_gen_delim(c: u8) -> bool {
    matches!(c, b':' | b'/' | b'?' | b'#' | b'[' | b']' | b'@')
}

/// The statement: `*( reserved / unreserved / " " )`, so printable ASCII without `"`, `%`,
/// `<`, `>`, `\`, `^`, `` ` ``, `{`, `|`, `}`, and no line breaks.
pub(super) fn check_statement(s: &str) -> Result<(), String> {
    match s
        .bytes()
        .find(|c| !(is_unreserved(*c) || is_gen_delim(*c) || is_sub_delim(*c) || *c == b' '))
    {
        None => Ok(()),
        Some(b'\n') => Err("contains a line break".into()),
        Some(c) if c.is_ascii() => Err(format!(
            "contains {:?}, which EIP-4361 does not allow in a statement (only RFC 3986 \
             reserved and unreserved characters and spaces)",
            c as char
        )),
        Some(_) => Err("contains a non-ASCII character, which EIP-4361 does not allow".into()),
    }
}

/// `nonce = 8*( ALPHA / DIGIT )`.
pub(super) fn check_nonce(s: &str) -> Result<(), String> {
    if s.len() < 8 {
        return Err(format!(
            "{s:?} has {} characters; at least 8 letters or digits are required",
            s.len()
        ));
    }
    if !s.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "{s:?} has characters other than ASCII letters and digits"
        ));
    }
    Ok(())
}

/// `pct-encoded = "%" HEXDIG HEXDIG`; the rest of `s` from `i` on. Returns the bytes consumed.
fn pct_encoded(s: &[u8], i: usize) -> Option<usize> {
    match s.get(i..i + 3) {
        Some([b'%', a, b]) if a.is_ascii_hexdigit() && b.is_ascii_hexdigit() => Some(3),
        _ => None,
    }
}

/// Checks that every character of `s` is allowed by `ok` or is a valid percent-encoding.
fn check_chars(s: &str, what: &str, ok: impl Fn(u8) -> bool) -> Result<(), String> {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            i += pct_encoded(b, i)
                .ok_or_else(|| format!("{what}: `%` not followed by two hex digits"))?;
        } else if ok(c) {
            i += 1;
        } else {
            return Err(format!("{what}: character {:?} is not allowed", c as char));
        }
    }
    Ok(())
}

/// RFC 3986 `pchar` (without pct-encoded, which [`check_chars`] handles).
fn is_pchar(c: u8) -> bool {
    is_unreserved(c) || is_sub_delim(c) || c == b':' || c == b'@'
}

/// `request-id = *pchar`.
pub(super) fn check_request_id(s: &str) -> Result<(), String> {
    check_chars(s, "request id", is_pchar)
}

/// RFC 3986 `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
pub(super) fn check_scheme(s: &str) -> Result<(), String> {
    let mut bytes = s.bytes();
    match bytes.next() {
        Some(c) if c.is_ascii_alphabetic() => {}
        _ => return Err(format!("scheme {s:?} must start with a letter")),
    }
    if bytes.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')) {
        Ok(())
    } else {
        Err(format!(
            "scheme {s:?} has a character other than letters, digits, `+`, `-`, `.`"
        ))
    }
}

/// RFC 3986 `authority = [ userinfo "@" ] host [ ":" port ]`, with a non-empty host (an empty
/// `reg-name` is grammatical but names nothing a wallet could compare).
pub(super) fn check_authority(s: &str) -> Result<(), String> {
    let (userinfo, hostport) = match s.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, s),
    };
    if let Some(u) = userinfo {
        check_chars(u, "userinfo", |c| {
            is_unreserved(c) || is_sub_delim(c) || c == b':'
        })?;
    }
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        let (literal, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("{s:?}: `[` without `]`"))?;
        check_ip_literal(literal)?;
        match after {
            "" => (hostport, None),
            p => (
                hostport,
                Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| format!("{s:?}: unexpected {p:?} after `]`"))?,
                ),
            ),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => {
                check_chars(h, "host", |c| is_unreserved(c) || is_sub_delim(c))?;
                (h, Some(p))
            }
            None => {
                check_chars(hostport, "host", |c| is_unreserved(c) || is_sub_delim(c))?;
                (hostport, None)
            }
        }
    };
    if host.is_empty() {
        return Err(format!("{s:?} has an empty host"));
    }
    if let Some(p) = port
        && !p.bytes().all(|c| c.is_ascii_digit())
    {
        return Err(format!("port {p:?} is not a number"));
    }
    Ok(())
}

/// `IP-literal = "[" ( IPv6address / IPvFuture ) "]"` (the part between the brackets).
fn check_ip_literal(s: &str) -> Result<(), String> {
    if let Some(future) = s.strip_prefix(['v', 'V']) {
        let (version, rest) = future
            .split_once('.')
            .ok_or_else(|| format!("IPvFuture {s:?} has no `.`"))?;
        if version.is_empty()
            || !version.bytes().all(|c| c.is_ascii_hexdigit())
            || rest.is_empty()
            || !rest
                .bytes()
                .all(|c| is_unreserved(c) || is_sub_delim(c) || c == b':')
        {
            return Err(format!("invalid IPvFuture {s:?}"));
        }
        return Ok(());
    }
    s.parse::<std::net::Ipv6Addr>()
        .map(drop)
        .map_err(|_| format!("[{s}] is not an IPv6 address"))
}

/// An RFC 3986 `URI = scheme ":" hier-part [ "?" query ] [ "#" fragment ]`.
pub(super) fn check_uri(s: &str) -> Result<(), String> {
    let (scheme, rest) = s
        .split_once(':')
        .ok_or_else(|| format!("{s:?} is not an absolute URI (no scheme)"))?;
    check_scheme(scheme)?;
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    if let Some(f) = fragment {
        check_chars(f, "fragment", |c| is_pchar(c) || c == b'/' || c == b'?')?;
    }
    let (hier, query) = match rest.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (rest, None),
    };
    if let Some(q) = query {
        check_chars(q, "query", |c| is_pchar(c) || c == b'/' || c == b'?')?;
    }
    let path = if let Some(after) = hier.strip_prefix("//") {
        let end = after.find('/').unwrap_or(after.len());
        let (authority, path) = after.split_at(end);
        check_authority(authority)?;
        path
    } else {
        hier
    };
    check_chars(path, "path", |c| is_pchar(c) || c == b'/')
}

/// An RFC 3339 `date-time`, kept as written (the message is signed as text) with the instant
/// it names.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DateTime {
    text: String,
    /// Seconds since the Unix epoch (UTC).
    unix: i64,
    /// Nanoseconds of the fraction, truncated to 9 digits.
    nanos: u32,
}

impl DateTime {
    /// Parses `full-date "T" full-time` with `time-offset` `Z` or `±hh:mm` (RFC 3339, case
    /// sensitive as EIP-4361's grammar is). Refuses out-of-range months, days (by month and
    /// leap year), hours, minutes, seconds (60 only as a leap second) and offsets.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("{s:?} is not an RFC 3339 date-time: {why}");
        let b = s.as_bytes();
        let num = |from: usize, len: usize| -> Result<i64, String> {
            let digits = b
                .get(from..from + len)
                .filter(|d| d.iter().all(u8::is_ascii_digit))
                .ok_or_else(|| bad("expected YYYY-MM-DDTHH:MM:SS"))?;
            Ok(digits
                .iter()
                .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')))
        };
        let sep = |at: usize, c: u8| -> Result<(), String> {
            if b.get(at) == Some(&c) {
                Ok(())
            } else {
                Err(bad(&format!(
                    "expected {:?} at position {}",
                    c as char,
                    at + 1
                )))
            }
        };
        let year = num(0, 4)?;
        sep(4, b'-')?;
        let month = num(5, 2)?;
        sep(7, b'-')?;
        let day = num(8, 2)?;
        sep(10, b'T')?;
        let hour = num(11, 2)?;
        sep(13, b':')?;
        let minute = num(14, 2)?;
        sep(16, b':')?;
        let second = num(17, 2)?;
        if !(1..=12).contains(&month) {
            return Err(bad("month out of range"));
        }
        if day < 1 || day > days_in_month(year, month) {
            return Err(bad("day out of range for the month"));
        }
        if hour > 23 || minute > 59 || second > 60 {
            return Err(bad("time out of range"));
        }
        let mut i = 19;
        let mut nanos = 0u32;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            let mut end = start;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
            if end == start {
                return Err(bad("`.` without fraction digits"));
            }
            let digits = b.get(start..end).unwrap_or(&[]);
            for k in 0..9 {
                nanos = nanos * 10 + u32::from(digits.get(k).map_or(0, |d| d - b'0'));
            }
            i = end;
        }
        let offset_minutes = match b.get(i) {
            Some(b'Z') if i + 1 == b.len() => 0,
            Some(sign @ (b'+' | b'-')) if i + 6 == b.len() => {
                let oh = num(i + 1, 2)?;
                sep(i + 3, b':')?;
                let om = num(i + 4, 2)?;
                if oh > 23 || om > 59 {
                    return Err(bad("offset out of range"));
                }
                let m = oh * 60 + om;
                if *sign == b'-' { -m } else { m }
            }
            _ => {
                return Err(bad(
                    "expected `Z` or an offset `+hh:mm` / `-hh:mm` at the end",
                ));
            }
        };
        let days = days_from_civil(year, month, day);
        let unix = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
        Ok(Self {
            text: s.to_owned(),
            unix,
            nanos,
        })
    }

    /// The instant `unix` seconds after the epoch, written `YYYY-MM-DDTHH:MM:SSZ`. Refuses
    /// instants outside the years 0000 to 9999.
    pub fn from_unix(unix: i64) -> Result<Self, String> {
        let days = unix.div_euclid(86_400);
        let secs = unix.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        if !(0..=9999).contains(&y) {
            return Err(format!("{unix} is outside the years 0000 to 9999"));
        }
        let text = format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        Ok(Self {
            text,
            unix,
            nanos: 0,
        })
    }

    /// The instant of a [`SystemTime`], to the second.
    pub fn from_system_time(t: SystemTime) -> Result<Self, String> {
        Self::from_unix(unix_of(t).0)
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> i64 {
        self.unix
    }

    /// Compares the instant with a [`SystemTime`].
    pub fn cmp_system_time(&self, t: SystemTime) -> Ordering {
        (self.unix, self.nanos).cmp(&unix_of(t))
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.text)
    }
}

/// Seconds and nanoseconds of `t` relative to the Unix epoch.
fn unix_of(t: SystemTime) -> (i64, u32) {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (
            i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            d.subsec_nanos(),
        ),
        Err(e) => {
            let d = e.duration();
            let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            match d.subsec_nanos() {
                0 => (-secs, 0),
                n => (-secs - 1, 1_000_000_000 - n),
            }
        }
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
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
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times() {
        let t = DateTime::parse("2021-09-30T16:25:24Z").unwrap();
        assert_eq!(t.unix_seconds(), 1_633_019_124);
        assert_eq!(
            DateTime::from_unix(1_633_019_124).unwrap().as_str(),
            "2021-09-30T16:25:24Z"
        );
        let o = DateTime::parse("2021-09-30T18:25:24.123+02:00").unwrap();
        assert_eq!(o.unix_seconds(), 1_633_019_124);
        assert_eq!(o.nanos, 123_000_000);
        assert_eq!(
            DateTime::parse("2000-02-29T00:00:00Z")
                .unwrap()
                .unix_seconds(),
            951_782_400
        );
        for bad in [
            "2021-09-30 16:25:24Z",
            "2021-09-30T16:25:24",
            "2021-09-30t16:25:24z",
            "2021-13-01T00:00:00Z",
            "2021-02-29T00:00:00Z",
            "2021-04-31T00:00:00Z",
            "2021-01-01T24:00:00Z",
            "2021-01-01T00:00:00.Z",
            "2021-01-01T00:00:00+0100",
            "21-01-01T00:00:00Z",
            "2021-01-01T00:00:00Zjunk",
        ] {
            assert!(DateTime::parse(bad).is_err(), "{bad}");
        }
        for unix in [0, 951_782_400, 4_102_444_800, 253_402_300_799] {
            let t = DateTime::from_unix(unix).unwrap();
            assert_eq!(DateTime::parse(t.as_str()).unwrap().unix_seconds(), unix);
        }
    }

    #[test]
    fn uris_and_authorities() {
        for ok in [
            "https://example.com/login",
            "https://user:pw@example.com:8443/a/b?x=1&y=%20#frag",
            "did:key:z6Mkabc",
            "ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/",
            "https://[::1]:3000/",
            "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
        ] {
            check_uri(ok).unwrap();
        }
        for bad in [
            "example.com",
            "1http://x",
            "https://exa mple.com",
            "https://x/%zz",
            "https://[zz]/",
        ] {
            assert!(check_uri(bad).is_err(), "{bad}");
        }
        for ok in [
            "example.com",
            "localhost:3000",
            "192.168.1.1:8080",
            "[2001:db8::1]:443",
            "u@h",
        ] {
            check_authority(ok).unwrap();
        }
        for bad in ["", ":80", "exa mple.com", "example.com:http", "a/b"] {
            assert!(check_authority(bad).is_err(), "{bad}");
        }
    }
}
