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

/// The shape of an RFC 3339 `date-time` (an offset is required; `T`/`t`/space and `Z`/`z` as RFC 3339 allows).
static RFC3339: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
    )
    .expect("the RFC 3339 pattern compiles")
});

/// A strict RFC 3339 `date-time` with an offset (and a real calendar day) as nanoseconds since the epoch;
/// `None` for anything else, including the other forms `instant_ns`'s parser would accept.
pub fn rfc3339_ns(text: &str) -> Option<i64> {
    if !RFC3339.is_match(text) {
        return None;
    }
    // The separators jiff does not take are normalised; the usual `T…Z` form is parsed as it is.
    if text.bytes().any(|b| matches!(b, b't' | b' ' | b'z')) {
        instant_ns(&text.replace(['t', ' '], "T").replace('z', "Z"))
    } else {
        instant_ns(text)
    }
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
    // jiff accepts RFC 3339 / RFC 9557 strings; require an explicit offset as the SPEC does.
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

    #[test]
    fn sizes() {
        assert_eq!(size_bytes("16MiB"), Some(16 * 1024 * 1024));
        assert_eq!(size_bytes("1024"), Some(1024));
        assert_eq!(size_bytes("2 KB"), Some(2000));
        assert_eq!(size_bytes("lots"), None);
    }
}
