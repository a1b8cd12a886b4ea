//! Bounded resources and fail-closed mechanics: the budgets a hostile input can exhaust (named in `CUS-P001`
//! findings and configurable under `limits:` in `.custody.yaml`), a line reader that never holds more than one
//! line's budget in memory, and the guard that turns a panic during one evaluation into a tool error for that
//! input instead of a crash.
//!
//! | budget | default | config key |
//! |---|---|---|
//! | file size (YAML/JSON documents) | 16 MiB | `limits.maxFileSize` |
//! | nesting depth | 128 | `limits.maxDepth` (at most 256) |
//! | nodes per file | 5,000,000 | `limits.maxNodes` |
//! | alias uses per file | 10,000 | `limits.maxAliases` |
//! | events replayed through aliases per file | 100,000 | `limits.maxAliasEvents` |
//! | documents per file | 100,000 | `limits.maxDocuments` |
//! | events per bundle | 1,000,000 | `limits.maxEvents` |
//! | line length (JSON Lines, `events.jsonl`, casts) | 16 MiB | `limits.maxLineLength` |
//! | policy evaluation time per document (every query and engine it takes) | 10 s | `limits.maxEvalSeconds` |

use std::io::{self, BufRead, Read};
use std::panic::{self, AssertUnwindSafe};

/// The deepest nesting a configuration may allow: parsing recurses once per level, and every thread that parses
/// runs on a stack sized for this ceiling ([`STACK_SIZE`]).
pub const MAX_DEPTH_CEILING: usize = 256;

/// Stack size of every thread that parses or evaluates input (the main work thread and rayon workers).
pub const STACK_SIZE: usize = 64 * 1024 * 1024;

/// The `limits:` keys of `.custody.yaml`, in documentation order.
pub const LIMIT_KEYS: &[&str] = &[
    "maxFileSize",
    "maxDepth",
    "maxNodes",
    "maxAliases",
    "maxAliasEvents",
    "maxDocuments",
    "maxEvents",
    "maxLineLength",
    "maxEvalSeconds",
];

/// The message of a `CUS-P001` finding for an exceeded budget: what was exceeded, the limit, and its key.
pub fn exceeded(what: &str, limit: impl std::fmt::Display, key: &str) -> String {
    format!(
        "exceeds the {what} budget of {limit} (limits.{key}); simplify the input, or raise the limit in .custody.yaml for input you trust"
    )
}

/// What a file larger than `limits.maxFileSize` (`max` bytes) is told.
pub fn file_too_large(max: u64) -> String {
    format!("the file is larger than the size limit of {max} bytes (limits.maxFileSize); split it or raise the limit")
}

/// Read a whole file of at most `max` bytes; a larger one (or an endless device) is an error naming the
/// limit, found after reading `max + 1` bytes at most.
pub fn read_file_bounded(path: &std::path::Path, max: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the file is larger than {max} bytes"),
        ));
    }
    Ok(bytes)
}

/// What [`read_line_bounded`] read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineRead {
    /// End of input.
    Eof,
    /// A line (in the buffer, with its `\n` when present); the bytes consumed.
    Line(usize),
    /// A line longer than the budget: skipped to its end without being kept; the bytes consumed.
    TooLong(usize),
}

/// Read one line of at most `max` bytes (not counting its `\n`) into `buf`. A longer line is consumed to its
/// end in bounded chunks and reported as [`LineRead::TooLong`]: memory never exceeds `max + 1` bytes whatever
/// the input.
pub fn read_line_bounded<R: BufRead>(
    reader: &mut R,
    max: usize,
    buf: &mut Vec<u8>,
) -> io::Result<LineRead> {
    buf.clear();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let n = reader.by_ref().take(limit).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(LineRead::Eof);
    }
    if buf.last() == Some(&b'\n') || n <= max {
        return Ok(LineRead::Line(n));
    }
    // Over budget: drop what was read and skip the rest of the line.
    buf.clear();
    let mut consumed = n;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            break;
        }
        match available.iter().position(|b| *b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                consumed += i + 1;
                break;
            }
            None => {
                let len = available.len();
                reader.consume(len);
                consumed += len;
            }
        }
    }
    Ok(LineRead::TooLong(consumed))
}

/// Run one unit of work; a panic inside it becomes `Err` with a message for the input instead of ending the
/// process.
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let detail = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_owned());
        format!("internal error ({detail}); this input was not evaluated — please report the bug")
    })
}

/// Panic when the debug-only fault `name` is requested through `CUSTODY_FAULT` (e.g. `panic-worker` in every
/// policy evaluation), so tests can prove that a worker failure is fail-closed; release builds have no hook.
#[cfg(debug_assertions)]
pub fn inject_fault(name: &str) {
    static FAULT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let fault = FAULT.get_or_init(|| std::env::var("CUSTODY_FAULT").ok());
    if fault.as_deref() == Some(name) {
        panic!("fault injected by CUSTODY_FAULT={name}");
    }
}

/// Release builds have no fault injection.
#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn inject_fault(_name: &str) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_bounded_and_long_ones_skipped() {
        let text = b"short\n0123456789abcdef\nok\nexact";
        let mut reader = io::BufReader::with_capacity(4, &text[..]);
        let mut buf = Vec::new();
        assert_eq!(
            read_line_bounded(&mut reader, 8, &mut buf).unwrap(),
            LineRead::Line(6)
        );
        assert_eq!(buf, b"short\n");
        assert_eq!(
            read_line_bounded(&mut reader, 8, &mut buf).unwrap(),
            LineRead::TooLong(17)
        );
        assert!(buf.is_empty());
        assert_eq!(
            read_line_bounded(&mut reader, 8, &mut buf).unwrap(),
            LineRead::Line(3)
        );
        assert_eq!(
            read_line_bounded(&mut reader, 5, &mut buf).unwrap(),
            LineRead::Line(5)
        );
        assert_eq!(
            read_line_bounded(&mut reader, 8, &mut buf).unwrap(),
            LineRead::Eof
        );
        // Exactly at the budget, with and without the newline.
        let mut reader = io::BufReader::new(&b"12345678\n123456789"[..]);
        assert_eq!(
            read_line_bounded(&mut reader, 8, &mut buf).unwrap(),
            LineRead::Line(9)
        );
        assert_eq!(
            read_line_bounded(&mut reader, 8, &mut buf).unwrap(),
            LineRead::TooLong(9)
        );
    }

    #[test]
    fn panics_become_errors() {
        let r: Result<(), String> = guarded(|| panic!("boom"));
        assert!(r.unwrap_err().contains("internal error (boom)"));
        assert_eq!(guarded(|| 7).unwrap(), 7);
    }
}
