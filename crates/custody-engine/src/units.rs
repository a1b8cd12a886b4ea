//! Durations (`30m`, `4h`, `400d`), sizes (`16MiB`) and instants (RFC 3339), normalised once in Rust so that
//! policies compare integers.

/// Nanoseconds in one unit of a custody duration.
const MINUTE_NS: i64 = 60 * 1_000_000_000;

/// Parse `<int><m|h|d>` into nanoseconds. `None` for anything else (including overflow).
pub fn duration_ns(text: &str) -> Option<i64> {
    let unit = text.chars().last()?;
    let digits = &text[..text.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    let per = match unit {
        'm' => MINUTE_NS,
        'h' => 60 * MINUTE_NS,
        'd' => 24 * 60 * MINUTE_NS,
        _ => return None,
    };
    n.checked_mul(per)
}

/// A strict RFC 3339 `date-time` with an offset (and a real calendar day) as nanoseconds since the epoch;
/// `None` for anything else, including the other forms `instant_ns`'s parser would accept. The result is
/// 128-bit: every instant of the years 0000 to 9999 (`retention.until: 9999-12-31T00:00:00Z`, the usual
/// "indefinitely") compares correctly, where 64-bit nanoseconds end in 2262.
///
/// The grammar: `YYYY-MM-DD`, `T` (or `t` or a space, as RFC 3339 allows), `hh:mm:ss` (no leap second), an
/// optional fraction of one to nine digits, and `Z` (or `z`) or `+hh:mm`/`-hh:mm` with hours up to 23. It is
/// read field by field because it runs for every event of every bundle (docs/performance.md); the tests
/// hold it to a strict regex followed by jiff's parser on every day of eleven years and on generated strings.
pub fn rfc3339_ns(text: &str) -> Option<i128> {
    let b = text.as_bytes();
    let num = |from: usize, to: usize| -> Option<i64> {
        b.get(from..to)?.iter().try_fold(0_i64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let separators = b.len() >= 19
        && b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't' | b' ')
        && b[13] == b':'
        && b[16] == b':';
    if !separators {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut at = 19;
    let mut nanos = 0_i64;
    if b.get(at) == Some(&b'.') {
        let digits = b[at + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if !(1..=9).contains(&digits) {
            return None;
        }
        nanos = num(at + 1, at + 1 + digits)? * 10_i64.pow(9 - digits as u32);
        at += 1 + digits;
    }
    let offset_seconds = match &b[at..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (num(at + 1, at + 3)?, num(at + 4, at + 6)?);
            if h > 23 || m > 59 {
                return None;
            }
            let seconds = h * 3600 + m * 60;
            if *sign == b'-' {
                -seconds
            } else {
                seconds
            }
        }
        _ => return None,
    };
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
        - offset_seconds;
    Some(i128::from(seconds) * 1_000_000_000 + i128::from(nanos))
}

/// The days of `month` (1–12) in `year` of the proleptic Gregorian calendar.
fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a valid proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// A duration `<int><m|h|d>` of at most 8, 6 or 5 digits (as the schema states) as nanoseconds.
pub fn bounded_duration_ns(text: &str) -> Option<i64> {
    let digits = text.len().checked_sub(1)?;
    let max = match text.as_bytes().last()? {
        b'm' => 8,
        b'h' => 6,
        b'd' => 5,
        _ => return None,
    };
    if digits == 0 || digits > max {
        return None;
    }
    duration_ns(text)
}

/// Parse an RFC 3339 timestamp that carries an offset into nanoseconds since the Unix epoch.
pub fn instant_ns(text: &str) -> Option<i64> {
    // jiff accepts RFC 3339 / RFC 9557 strings; require an explicit offset, as docs/manifest.md does.
    let ts: jiff::Timestamp = text.parse().ok()?;
    i64::try_from(ts.as_nanosecond()).ok()
}

/// Parse a byte size: a plain integer, or with a unit `B`, `KB`, `KiB`, `MB`, `MiB`, `GB`, `GiB`.
pub fn size_bytes(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let mult: u64 = match unit.trim() {
        "" | "B" => 1,
        "KB" | "kB" => 1_000,
        "KiB" => 1 << 10,
        "MB" => 1_000_000,
        "MiB" => 1 << 20,
        "GB" => 1_000_000_000,
        "GiB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// Format nanoseconds since the epoch as RFC 3339 UTC.
pub fn format_instant(ns: i64) -> String {
    jiff::Timestamp::from_nanosecond(i128::from(ns))
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_compare_across_units() {
        assert_eq!(duration_ns("480m"), duration_ns("8h"));
        assert_eq!(duration_ns("1d"), duration_ns("24h"));
        assert_eq!(duration_ns("0m"), Some(0));
        for bad in [
            "",
            "h",
            "8",
            "8s",
            "-1h",
            "1.5h",
            "8 h",
            "99999999999999999999d",
        ] {
            assert_eq!(duration_ns(bad), None, "{bad}");
        }
    }

    #[test]
    fn instants_need_offsets() {
        assert_eq!(instant_ns("1970-01-01T00:00:01Z"), Some(1_000_000_000));
        assert_eq!(
            instant_ns("2026-11-20T10:00:00+01:00"),
            instant_ns("2026-11-20T09:00:00Z")
        );
        assert_eq!(instant_ns("2026-11-20T10:00:00"), None);
        assert_eq!(instant_ns("yesterday"), None);
        assert_eq!(format_instant(1_000_000_000), "1970-01-01T00:00:01Z");
    }

    /// What `rfc3339_ns` replaced: the shape checked by a regex, then the instant parsed by jiff.
    fn rfc3339_by_regex_and_jiff(text: &str) -> Option<i128> {
        static SHAPE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
                r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
            )
            .unwrap()
        });
        if !SHAPE.is_match(text) {
            return None;
        }
        let ts: jiff::Timestamp = text
            .replace(['t', ' '], "T")
            .replace('z', "Z")
            .parse()
            .ok()?;
        Some(ts.as_nanosecond())
    }

    #[test]
    fn instants_up_to_the_year_9999_compare_correctly() {
        let far = rfc3339_ns("9999-12-31T23:59:59Z").unwrap();
        let later = rfc3339_ns("2300-01-01T00:00:00Z").unwrap();
        let now = rfc3339_ns("2026-11-25T12:00:00Z").unwrap();
        assert!(now < later && later < far);
        assert_eq!(
            rfc3339_ns("2263-01-01T00:00:00Z"),
            rfc3339_by_regex_and_jiff("2263-01-01T00:00:00Z")
        );
        assert!(rfc3339_ns("1677-01-01T00:00:00Z").unwrap() < 0);
        assert_eq!(
            rfc3339_ns("9999-12-31T23:59:59.999999999-23:59").unwrap() - far,
            (23 * 3600 + 59 * 60) * 1_000_000_000 + 999_999_999
        );
    }

    #[test]
    fn rfc3339_instants_read_field_by_field() {
        let ns = |t: &str| rfc3339_ns(t);
        assert_eq!(ns("1970-01-01T00:00:01Z"), Some(1_000_000_000));
        assert_eq!(ns("2026-11-20T10:00:00+01:00"), ns("2026-11-20t09:00:00z"));
        assert_eq!(
            ns("2026-11-20 09:00:00.5Z"),
            Some(ns("2026-11-20T09:00:00Z").unwrap() + 500_000_000)
        );
        assert_eq!(ns("1969-12-31T23:59:59.999999999Z"), Some(-1));
        assert_eq!(ns("2024-02-29T00:00:00Z"), Some(1_709_164_800_000_000_000));
        for bad in [
            "2026-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-11-20T24:00:00Z",
            "2026-11-20T23:59:60Z",
            "2026-11-20T10:00:00",
            "2026-11-20T10:00:00.Z",
            "2026-11-20T10:00:00.1234567890Z",
            "2026-11-20T10:00:00+24:00",
            "2026-11-20T10:00:00+0100",
            "2026-11-20T10:00:00Z ",
            "2026-11-20",
            "２026-11-20T10:00:00Z",
        ] {
            assert_eq!(ns(bad), None, "{bad}");
        }
    }

    /// Every month and day (and the days just past them) of years around the leap-year rules and the
    /// edges of 64-bit nanoseconds, at times and offsets that cross a day, as the regex and jiff read them.
    #[test]
    fn rfc3339_agrees_with_the_regex_and_jiff_on_every_day() {
        let mut valid = 0;
        for year in [
            1677, 1678, 1900, 1969, 1970, 2000, 2024, 2026, 2100, 2262, 2263,
        ] {
            for month in 0..=13 {
                for day in 0..=32 {
                    for time in ["00:00:00", "23:59:59.999999999", "12:30:00.5"] {
                        for offset in ["Z", "+23:59", "-23:59", "+05:30", "-00:00"] {
                            let text = format!("{year:04}-{month:02}-{day:02}T{time}{offset}");
                            let want = rfc3339_by_regex_and_jiff(&text);
                            assert_eq!(rfc3339_ns(&text), want, "{text}");
                            valid += usize::from(want.is_some());
                        }
                    }
                }
            }
        }
        assert!(valid > 40_000, "{valid} valid instants compared");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// Near-instants (every field a little out of range at times, any separators) read as the regex and
        /// jiff read them.
        #[test]
        fn rfc3339_agrees_with_the_regex_and_jiff(
            text in "(1[6-9]|2[0-3]|00|99)[0-9]{2}-[01][0-9]-[0-3][0-9][Tt x][0-2][0-9]:[0-6][0-9]:[0-6][0-9](\\.[0-9]{0,10})?([Zzx]|[+-][0-2][0-9]:[0-6][0-9]|[+-][0-9]{4}|)"
        ) {
            proptest::prop_assert_eq!(rfc3339_ns(&text), rfc3339_by_regex_and_jiff(&text), "{}", text);
        }

        #[test]
        fn rfc3339_agrees_on_any_text(text in "\\PC{0,32}") {
            proptest::prop_assert_eq!(rfc3339_ns(&text), rfc3339_by_regex_and_jiff(&text));
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(size_bytes("16MiB"), Some(16 * 1024 * 1024));
        assert_eq!(size_bytes("1024"), Some(1024));
        assert_eq!(size_bytes("2 KB"), Some(2000));
        assert_eq!(size_bytes("lots"), None);
    }
}
