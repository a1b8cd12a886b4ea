//! The recording of a session: its SHA-256, streamed, and its reading as an asciinema cast.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::hex;

/// Facts about the recording file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordingFacts {
    pub file: bool,
    pub sha256_ok: Option<bool>,
    pub cast_duration_ns: Option<i64>,
}

/// Stream a file through SHA-256 (recordings are not bounded by the document size limit).
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// A recording file read as an asciinema cast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cast {
    /// asciicast v2: a JSON header with `"version": 2`, then `[time, code, data]` lines; the offset of its
    /// last event in nanoseconds.
    V2 { duration_ns: i64 },
    /// A cast header of another version (asciicast v3 stores intervals between events, not offsets, so it
    /// must not be read as v2).
    Unsupported { version: i64 },
    /// Not a cast, or a v2 cast that does not parse.
    Invalid,
}

/// Read a recording as an asciinema cast (streamed line by line; a line longer than `max_line` bytes makes
/// it invalid, never an unbounded read).
pub fn read_cast(path: &Path, max_line: usize) -> Cast {
    use crate::budget::{read_line_bounded, LineRead};
    let Ok(file) = std::fs::File::open(path) else {
        return Cast::Invalid;
    };
    let mut reader = std::io::BufReader::new(file);
    let mut buf = Vec::new();
    let mut next_line = move || -> Option<Option<String>> {
        match read_line_bounded(&mut reader, max_line, &mut buf) {
            Ok(LineRead::Line(_)) => Some(String::from_utf8(buf.clone()).ok()),
            Ok(LineRead::Eof) => None,
            Ok(LineRead::TooLong(_)) | Err(_) => Some(None),
        }
    };
    let Some(Some(first)) = next_line() else {
        return Cast::Invalid;
    };
    let Ok(header) =
        serde_json::from_str::<serde_json::Value>(first.trim_start_matches('\u{feff}'))
    else {
        return Cast::Invalid;
    };
    match header.get("version").and_then(serde_json::Value::as_i64) {
        Some(2) if header.is_object() => {}
        Some(version) if header.is_object() => return Cast::Unsupported { version },
        _ => return Cast::Invalid,
    }
    let mut last = 0.0f64;
    while let Some(line) = next_line() {
        let Some(line) = line else {
            return Cast::Invalid;
        };
        if line.trim().is_empty() {
            continue;
        }
        let Ok(serde_json::Value::Array(event)) = serde_json::from_str::<serde_json::Value>(&line)
        else {
            return Cast::Invalid;
        };
        let (Some(time), Some(true), Some(true)) = (
            event.first().and_then(serde_json::Value::as_f64),
            event.get(1).map(serde_json::Value::is_string),
            event.get(2).map(serde_json::Value::is_string),
        ) else {
            return Cast::Invalid;
        };
        if !time.is_finite() || time < 0.0 {
            return Cast::Invalid;
        }
        last = last.max(time);
    }
    Cast::V2 {
        duration_ns: (last * 1e9) as i64,
    }
}

/// Duration of an asciinema v2 cast: the offset of its last event, in nanoseconds. `None` when the file is
/// not a v2 cast, or has a line longer than `max_line` bytes.
pub fn cast_duration_ns(path: &Path, max_line: usize) -> Option<i64> {
    match read_cast(path, max_line) {
        Cast::V2 { duration_ns } => Some(duration_ns),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casts_are_read_as_v2_and_v3_is_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let v2 = write(
            "a.cast",
            "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"o\", \"$ \"]\n[12.25, \"o\", \"exit\\r\\n\"]\n",
        );
        assert_eq!(
            read_cast(&v2, 1 << 20),
            Cast::V2 {
                duration_ns: 12_250_000_000
            }
        );
        let v3 = write(
            "b.cast",
            "{\"version\": 3, \"term\": {\"cols\": 80, \"rows\": 24}}\n[0.5, \"o\", \"$ \"]\n[1.25, \"o\", \"x\"]\n",
        );
        assert_eq!(read_cast(&v3, 1 << 20), Cast::Unsupported { version: 3 });
        assert_eq!(cast_duration_ns(&v3, 1 << 20), None);
        let bad = write("c.cast", "{\"version\": 2}\n[\"x\", \"o\", \"y\"]\n");
        assert_eq!(read_cast(&bad, 1 << 20), Cast::Invalid);
        let not_json = write("d.cast", "hello\n");
        assert_eq!(read_cast(&not_json, 1 << 20), Cast::Invalid);
    }
}
