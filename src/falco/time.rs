//! Event times the way Falco's k8saudit plugin reads them and Falco prints them (docs/falco.md,
//! docs/output.md).
//!
//! **Reading.** The plugin takes an event's time from `stageTimestamp` with Go's
//! `time.Parse(time.RFC3339Nano, …)` and drops the event when that fails. [`parse_rfc3339`]
//! accepts exactly what Go accepts, which is more than RFC 3339: a one-digit hour (`T4:09:49Z`), a
//! `,` before the fraction, any number of fraction digits (cut, not rounded, after nine), and a
//! zone offset of up to `±24:60`. It refuses what Go refuses: a lowercase `t` or `z`, a space for
//! `T`, leap seconds (`:60`), hour 24, a day the month does not have, trailing text. The instant is
//! then turned into nanoseconds with Go's `UnixNano`, whose `int64` arithmetic wraps outside the
//! years 1678–2262; the plugin hands Falco that value as an unsigned 64-bit integer.
//!
//! **Printing.** Falco's JSON `time` is `strftime("%FT%T")` of the unsigned value plus
//! `.%09luZ`; the text line's time (`%evt.time.iso8601`) is the same with `+0000` instead of `Z`;
//! `output_fields["evt.time"]` is the value cast back to a signed integer. [`Nanos`] keeps the
//! signed value and prints both forms from the unsigned one, so a time before 1970 comes out
//! exactly as Falco prints it (years in the 2500s), however odd.
//!
//! The parser is written out because no date crate reproduces Go's quirks; the calendar under it
//! (which days a month has, days since 1970) is `jiff`'s.

use std::fmt;

use jiff::SignedDuration;
use jiff::civil::DateTime;

/// Nanoseconds in a second.
const NANOS_PER_SEC: i64 = 1_000_000_000;
/// 1970-01-01T00:00:00, where Unix time starts.
const UNIX_EPOCH: DateTime = jiff::civil::datetime(1970, 1, 1, 0, 0, 0, 0);

/// An event time as Falco holds it: Go's `UnixNano` of the parsed instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Nanos(pub i64);

impl Nanos {
    /// `output_fields["evt.time"]`: the signed value.
    pub fn as_i64(self) -> i64 {
        self.0
    }

    /// Falco's JSON `time`: `2018-10-25T14:09:49.761315000Z`.
    pub fn json_time(self) -> Iso<'static> {
        Iso {
            nanos: self,
            zone: "Z",
        }
    }

    /// Falco's `%evt.time.iso8601` (the text line's time): `2018-10-25T14:09:49.761315000+0000`.
    pub fn iso8601(self) -> Iso<'static> {
        Iso {
            nanos: self,
            zone: "+0000",
        }
    }
}

/// A [`Nanos`] printed as a UTC date and time with nine fraction digits and a zone suffix.
#[derive(Debug, Clone, Copy)]
pub struct Iso<'a> {
    /// The time.
    nanos: Nanos,
    /// `Z` or `+0000`.
    zone: &'a str,
}

impl fmt::Display for Iso<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Falco divides the unsigned value; the reinterpretation is the point.
        #[expect(clippy::cast_sign_loss, reason = "Falco holds the time as uint64_t")]
        let ts = self.nanos.0 as u64;
        #[expect(clippy::cast_possible_wrap, reason = "u64::MAX / 1e9 fits an i64")]
        let secs = (ts / 1_000_000_000) as i64;
        let frac = ts % 1_000_000_000;
        // At most 2554-07-21, well inside jiff's range: the error cannot happen.
        let t = UNIX_EPOCH
            .checked_add(SignedDuration::from_secs(secs))
            .map_err(|_| fmt::Error)?;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{frac:09}{}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            self.zone
        )
    }
}

/// A cursor over the bytes of a timestamp.
struct Cursor<'a> {
    /// The whole input.
    bytes: &'a [u8],
    /// The next byte to read.
    at: usize,
}

impl Cursor<'_> {
    /// The byte at `at + ahead`, if any.
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.at + ahead).copied()
    }

    /// Consumes `b`, or fails.
    fn expect(&mut self, b: u8) -> Option<()> {
        (self.peek(0)? == b).then(|| self.at += 1)
    }

    /// Consumes exactly `n` ASCII digits.
    fn digits(&mut self, n: usize) -> Option<i64> {
        let mut value = 0;
        for _ in 0..n {
            let d = self.peek(0).filter(u8::is_ascii_digit)?;
            value = value * 10 + i64::from(d - b'0');
            self.at += 1;
        }
        Some(value)
    }

    /// Go's `getnum(s, false)`: one digit, or two when the second one is a digit too.
    fn one_or_two_digits(&mut self) -> Option<i64> {
        let two = self.peek(1).is_some_and(|b| b.is_ascii_digit());
        self.digits(if two { 2 } else { 1 })
    }

    /// An optional fraction: `.` or `,` then at least one digit; nine digits count, the rest are
    /// read and dropped (Go's `parseNanoseconds`).
    fn fraction(&mut self) -> i64 {
        let has = matches!(self.peek(0), Some(b'.' | b','))
            && self.peek(1).is_some_and(|b| b.is_ascii_digit());
        if !has {
            return 0;
        }
        self.at += 1;
        let mut nanos = 0;
        let mut scale = NANOS_PER_SEC;
        while let Some(d) = self.peek(0).filter(u8::is_ascii_digit) {
            scale /= 10;
            nanos += i64::from(d - b'0') * scale;
            self.at += 1;
        }
        nanos
    }

    /// The zone: `Z`, or `±hh:mm` with `hh` up to 24 and `mm` up to 60; the offset in seconds.
    fn zone(&mut self) -> Option<i64> {
        if self.peek(0)? == b'Z' {
            self.at += 1;
            return Some(0);
        }
        let sign = match self.peek(0)? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        self.at += 1;
        let hours = self.digits(2)?;
        self.expect(b':')?;
        let minutes = self.digits(2)?;
        (hours <= 24 && minutes <= 60).then_some(sign * (hours * 3600 + minutes * 60))
    }
}

/// Parses `s` like Go's `time.Parse(time.RFC3339Nano, s)` and returns the instant as Go's
/// `UnixNano` (wrapping on overflow, as Go does); `None` where Go returns an error.
pub fn parse_rfc3339(s: &str) -> Option<Nanos> {
    let mut c = Cursor {
        bytes: s.as_bytes(),
        at: 0,
    };
    let year = c.digits(4)?;
    c.expect(b'-')?;
    let month = c.digits(2)?;
    c.expect(b'-')?;
    let day = c.digits(2)?;
    c.expect(b'T')?;
    let hour = c.one_or_two_digits()?;
    c.expect(b':')?;
    let minute = c.digits(2)?;
    c.expect(b':')?;
    let second = c.digits(2)?;
    let nanos = c.fraction();
    let offset = c.zone()?;
    if c.at != c.bytes.len() {
        return None;
    }
    // jiff refuses what Go's range checks refuse: month 0 or 13, a day the month does not have,
    // hour 24, minute 60, leap second 60.
    let civil = DateTime::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        0,
    )
    .ok()?;
    let secs = civil.duration_since(UNIX_EPOCH).as_secs() - offset;
    Some(Nanos(secs.wrapping_mul(NANOS_PER_SEC).wrapping_add(nanos)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(s: &str) -> Option<i64> {
        parse_rfc3339(s).map(Nanos::as_i64)
    }

    #[test]
    fn falco_capture_time() {
        // create_nginx_pod_unprivileged.json's stageTimestamp.
        let t = parse_rfc3339("2018-10-25T14:09:49.761315Z").expect("valid");
        assert_eq!(t.as_i64(), 1_540_476_589_761_315_000);
        assert_eq!(t.json_time().to_string(), "2018-10-25T14:09:49.761315000Z");
        assert_eq!(
            t.iso8601().to_string(),
            "2018-10-25T14:09:49.761315000+0000"
        );
    }

    #[test]
    fn accepts_what_go_accepts() {
        let base = ns("2026-03-02T08:15:00Z").expect("valid");
        assert_eq!(base, 1_772_439_300 * NANOS_PER_SEC);
        for (text, want) in [
            ("2026-03-02T08:15:00.5Z", base + 500_000_000),
            ("2026-03-02T08:15:00,5Z", base + 500_000_000),
            ("2026-03-02T08:15:00.1234567891234Z", base + 123_456_789),
            ("2026-03-02T8:15:00Z", base),
            ("2026-03-02T10:15:00+02:00", base),
            ("2026-03-02T08:15:00-00:00", base),
            ("2026-03-03T08:15:00+24:00", base),
            ("2026-03-02T09:15:00+00:60", base),
            ("2024-02-29T00:00:00Z", 1_709_164_800 * NANOS_PER_SEC),
            ("1970-01-01T00:00:00Z", 0),
            ("1969-12-31T23:59:59.999999999Z", -1),
        ] {
            assert_eq!(ns(text), Some(want), "{text}");
        }
    }

    #[test]
    fn refuses_what_go_refuses() {
        for text in [
            "",
            "2026-03-02",
            "2026-03-02 08:15:00Z",
            "2026-03-02t08:15:00Z",
            "2026-03-02T08:15:00z",
            "2026-03-02T08:15:00",
            "2026-03-02T08:15:00.Z",
            "2026-03-02T08:15:60Z",
            "2026-03-02T24:00:00Z",
            "2026-03-02T08:5:00Z",
            "2026-02-29T08:15:00Z",
            "2026-13-02T08:15:00Z",
            "2026-00-02T08:15:00Z",
            "2026-03-00T08:15:00Z",
            "2026-03-02T08:15:00+0100",
            "2026-03-02T08:15:00+25:00",
            "2026-03-02T08:15:00Z ",
            "2026-03-02T08:15:00Z\0",
            "+2026-03-02T08:15:00Z",
            "26-03-02T08:15:00Z",
        ] {
            assert_eq!(ns(text), None, "{text:?}");
        }
    }

    #[test]
    fn out_of_range_years_wrap_like_go_and_print_like_falco() {
        // Go's UnixNano wraps; Falco prints the unsigned value.
        let early = parse_rfc3339("1969-12-31T23:59:59Z").expect("valid");
        assert_eq!(early.as_i64(), -NANOS_PER_SEC);
        assert_eq!(
            early.json_time().to_string(),
            "2554-07-21T23:34:32.709551616Z"
        );
        let late = parse_rfc3339("9999-12-31T23:59:59Z").expect("valid");
        assert_eq!(
            late.as_i64(),
            253_402_300_799_i64.wrapping_mul(NANOS_PER_SEC)
        );
    }

    #[test]
    fn calendar_edges() {
        assert_eq!(
            ns("2000-02-29T00:00:00Z"),
            Some(951_782_400 * NANOS_PER_SEC)
        );
        assert_eq!(ns("1900-02-29T00:00:00Z"), None, "1900 is not a leap year");
        assert_eq!(
            ns("0000-01-01T00:00:00Z"),
            Some((-62_167_219_200_i64).wrapping_mul(NANOS_PER_SEC))
        );
        // The latest instant Falco can print.
        assert_eq!(
            Nanos(-1).json_time().to_string(),
            "2554-07-21T23:34:33.709551615Z"
        );
        assert_eq!(
            Nanos(0).iso8601().to_string(),
            "1970-01-01T00:00:00.000000000+0000"
        );
    }
}
