//! custody's extension functions (`custody.glob_match`, `custody.event_facts`, …; see docs/policy-input.md),
//! with each worker's compiled glob and regex patterns. The interpreter's extensions and the VM's host calls
//! both go through [`call_extension`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use regorus::{Engine, Value};

pub use super::program::EXTENSIONS;
use super::PolicyError;

/// A list of glob patterns, their matchers, and the verdicts they gave ([`MEMO`]).
#[derive(Clone)]
pub(super) struct GlobList {
    patterns: Vec<String>,
    matchers: Vec<Arc<globset::GlobMatcher>>,
    verdicts: HashMap<Box<str>, bool>,
}

/// The most glob lists a worker keeps per case; past it they are all dropped and compiled again when next
/// needed (from the compiled patterns, which are kept). A bundle's rules match against a few lists: deny
/// and allow commands, and its workflow's target hosts, which differ from workflow to workflow, so a run
/// over many workflows uses as many lists.
pub(super) const GLOB_LISTS: usize = 4096;

/// The most results a worker remembers per glob list, and of command splits: sessions run the same commands
/// on the same hosts over and over, and a remembered result costs a hash lookup where globset's matching or a
/// split costs about ten times as much. Past it the memory is emptied and filled again.
pub(super) const MEMO: usize = 4096;

/// Compiled glob and regex patterns of one worker, so a pattern matched for every event is compiled once.
#[derive(Clone, Default)]
pub struct PatternCache {
    /// Case-sensitive globs, then case-insensitive ones (two maps: a lookup by `&str` allocates nothing).
    /// Shared (`Arc`), not cloned: a cloned matcher's regex starts with an empty search cache.
    globs: [HashMap<String, Arc<globset::GlobMatcher>>; 2],
    /// Per case, the glob lists matched so far, by a hash of their patterns (a bucket holds the lists whose
    /// patterns hash alike). A list holds matchers of [`PatternCache::globs`], so a pattern shared by
    /// several lists is compiled once.
    lists: [HashMap<u64, Vec<GlobList>>; 2],
    /// How many lists `lists` holds, per case.
    list_count: [usize; 2],
    /// Command lines split into segments ([`crate::evidence::command_line::segments`]), as arrays.
    segments: HashMap<Box<str>, Value>,
    /// Identity facts ([`crate::identity::facts`]) of the identity strings seen so far, as objects.
    identities: HashMap<Box<str>, Value>,
    regexes: HashMap<String, regex::Regex>,
}

/// Remember `value` for `key` in `memo`, emptied first when it holds [`MEMO`] entries.
pub(super) fn remember<V>(memo: &mut HashMap<Box<str>, V>, key: &str, value: V) {
    if memo.len() >= MEMO {
        memo.clear();
    }
    memo.insert(key.into(), value);
}

impl PatternCache {
    /// The compiled matcher of one glob in `case` (1: case-insensitive), compiled on first use; the error
    /// says what is wrong with the glob.
    fn matcher(&mut self, pattern: &str, case: usize) -> Result<Arc<globset::GlobMatcher>, String> {
        if let Some(m) = self.globs[case].get(pattern) {
            return Ok(Arc::clone(m));
        }
        let m = Arc::new(crate::patterns::glob(pattern, case == 1)?);
        self.globs[case].insert(pattern.to_owned(), Arc::clone(&m));
        Ok(m)
    }

    /// Whether `subject` matches any glob of `list` in `case`; `None` when a pattern is not a valid glob
    /// or not a string (the caller then matches pattern by pattern, to report it).
    fn glob_list_match(&mut self, list: &[Value], case: usize, subject: &str) -> Option<bool> {
        let same = |patterns: &Vec<String>| {
            patterns.len() == list.len()
                && patterns
                    .iter()
                    .zip(list)
                    .all(|(p, v)| matches!(v, Value::String(s) if s.as_ref() == p.as_str()))
        };
        // FNV-1a over the patterns (with a separator byte that no UTF-8 text holds): the lists come from
        // the run's own manifests, and a collision only makes a bucket hold two lists.
        let mut key: u64 = 0xcbf2_9ce4_8422_2325;
        for value in list {
            let Value::String(pattern) = value else {
                return None;
            };
            for &b in pattern.as_bytes().iter().chain(&[0xff]) {
                key = (key ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        let known = self.lists[case]
            .get(&key)
            .and_then(|bucket| bucket.iter().position(|l| same(&l.patterns)));
        let index = match known {
            Some(i) => i,
            None => {
                let mut patterns = Vec::with_capacity(list.len());
                let mut matchers = Vec::with_capacity(list.len());
                for value in list {
                    let Value::String(pattern) = value else {
                        return None;
                    };
                    matchers.push(self.matcher(pattern, case).ok()?);
                    patterns.push(pattern.to_string());
                }
                if self.list_count[case] >= GLOB_LISTS {
                    self.lists[case].clear();
                    self.list_count[case] = 0;
                }
                self.list_count[case] += 1;
                let bucket = self.lists[case].entry(key).or_default();
                bucket.push(GlobList {
                    patterns,
                    matchers,
                    verdicts: HashMap::new(),
                });
                bucket.len() - 1
            }
        };
        let list = self.lists[case].get_mut(&key)?.get_mut(index)?;
        if let Some(&hit) = list.verdicts.get(subject) {
            return Some(hit);
        }
        let hit = list.matchers.iter().any(|m| m.is_match(subject));
        remember(&mut list.verdicts, subject, hit);
        Some(hit)
    }

    /// `custody.identity(x)`: the facts of an identity string as an object `{key, skeleton, invisible,
    /// mixedScript}` (see [`crate::identity`]).
    fn identity(&mut self, raw: &str) -> Value {
        if let Some(facts) = self.identities.get(raw) {
            return facts.clone();
        }
        let facts = crate::identity::facts(raw);
        let value = Value::from(BTreeMap::from([
            (Value::from("key"), Value::from(facts.key)),
            (Value::from("skeleton"), Value::from(facts.skeleton)),
            (Value::from("invisible"), Value::from(facts.invisible)),
            (Value::from("mixedScript"), Value::from(facts.mixed_script)),
        ]));
        remember(&mut self.identities, raw, value.clone());
        value
    }

    /// The segments of a command line, as an array of strings.
    fn segments(&mut self, command: &str) -> Value {
        if let Some(segments) = self.segments.get(command) {
            return segments.clone();
        }
        let segments = Value::from(
            crate::evidence::command_line::segments(command)
                .into_iter()
                .map(Value::from)
                .collect::<Vec<_>>(),
        );
        remember(&mut self.segments, command, segments.clone());
        segments
    }

    /// `custody.event_facts(events)`: what the session rules would otherwise gather event by event, in one
    /// pass. `timed` counts the events whose `time` is a valid instant (as `custody.instant` reads it), and
    /// `first_ns`/`last_ns` are the earliest and latest of those instants (absent when none is valid);
    /// `command_segments` is the set of the segments of every event whose `type` is `"command"` and whose
    /// `command` is a string (as `custody.command_segments` splits it); `principals` is the set of the
    /// values that events give as `principal`, whatever their type. Anything that is not an array of events
    /// has the facts of no events; an event that is not an object gives no fact.
    fn event_facts(&mut self, events: &Value) -> Value {
        let mut timed = 0_u64;
        let mut window: Option<(i128, i128)> = None;
        let mut segments = BTreeSet::new();
        let mut principals = BTreeSet::new();
        if let Value::Array(events) = events {
            for event in events.iter() {
                let Value::Object(event) = event else {
                    continue;
                };
                // One pass over the event's keys, instead of a lookup (a binary search comparing values)
                // per key.
                let (mut time, mut kind, mut command, mut principal) = (None, None, None, None);
                for (key, value) in event.iter() {
                    if let Value::String(key) = key {
                        match key.as_ref() {
                            "time" => time = Some(value),
                            "type" => kind = Some(value),
                            "command" => command = Some(value),
                            "principal" => principal = Some(value),
                            _ => {}
                        }
                    }
                }
                if let Some(ns) = time.and_then(|t| match t {
                    Value::String(t) => crate::units::rfc3339_ns(t),
                    _ => None,
                }) {
                    timed += 1;
                    window = Some(window.map_or((ns, ns), |(a, b)| (a.min(ns), b.max(ns))));
                }
                if matches!(kind, Some(Value::String(k)) if k.as_ref() == "command") {
                    if let Some(Value::String(command)) = command {
                        if let Value::Array(split) = self.segments(command) {
                            segments.extend(split.iter().cloned());
                        }
                    }
                }
                if let Some(principal) = principal {
                    principals.insert(principal.clone());
                }
            }
        }
        let mut facts = BTreeMap::new();
        facts.insert(Value::from("timed"), Value::from(timed));
        if let Some((first, last)) = window {
            facts.insert(Value::from("first_ns"), Value::from(first));
            facts.insert(Value::from("last_ns"), Value::from(last));
        }
        facts.insert(Value::from("command_segments"), Value::from(segments));
        facts.insert(Value::from("principals"), Value::from(principals));
        Value::from(facts)
    }
}

/// Call the extension function `name` (one of [`EXTENSIONS`]) on `args`. The interpreter's extensions and
/// the compiled engine's host calls both go through here.
pub fn call_extension(
    name: &str,
    args: &[Value],
    cache: &mut PatternCache,
) -> anyhow::Result<Value> {
    let arg = |i: usize| args.get(i).unwrap_or(&Value::Undefined);
    // A string argument, without building an error value (and its backtrace) for the total functions.
    let text = |i: usize| match arg(i) {
        Value::String(s) => Some(s.as_ref()),
        _ => None,
    };
    Ok(match name {
        "custody.duration_ns" => {
            let t = arg(0).as_string()?;
            crate::units::duration_ns(t)
                .map(Value::from)
                .ok_or_else(|| anyhow::anyhow!("invalid duration {t:?}: expected <int><m|h|d>"))?
        }
        "custody.time_ns" => {
            let t = arg(0).as_string()?;
            crate::units::instant_ns(t)
                .map(Value::from)
                .ok_or_else(|| anyhow::anyhow!("invalid RFC 3339 timestamp {t:?}"))?
        }
        "custody.instant" => text(0)
            .and_then(crate::units::rfc3339_ns)
            .map_or(Value::Undefined, Value::from),
        "custody.duration" => text(0)
            .and_then(crate::units::bounded_duration_ns)
            .map_or(Value::Undefined, Value::from),
        "custody.glob_match" => {
            let case_insensitive = *arg(1).as_bool()?;
            let subject = arg(2).as_string()?;
            let list = arg(0).as_array()?;
            let case = usize::from(case_insensitive);
            if let Some(hit) = cache.glob_list_match(list.as_slice(), case, subject) {
                return Ok(Value::from(hit));
            }
            // A list with an invalid glob or a non-string: matched pattern by pattern, so the result (a hit
            // before the bad pattern, else the error naming it) is the same as ever.
            let mut hit = false;
            for pattern in list.iter() {
                let pattern: &str = pattern.as_string()?;
                let matcher = cache
                    .matcher(pattern, usize::from(case_insensitive))
                    .map_err(|e| anyhow::anyhow!("invalid glob {pattern:?}: {e}"))?;
                if matcher.is_match(subject.as_ref()) {
                    hit = true;
                    break;
                }
            }
            Value::from(hit)
        }
        "custody.regex_match" => {
            let pattern = arg(0).as_string()?;
            let subject = arg(1).as_string()?;
            let pattern: &str = pattern;
            let hit = match cache.regexes.get(pattern) {
                Some(re) => re.is_match(subject),
                None => {
                    let re = regex::Regex::new(pattern)?;
                    let hit = re.is_match(subject);
                    cache.regexes.insert(pattern.to_owned(), re);
                    hit
                }
            };
            Value::from(hit)
        }
        "custody.command_segments" => cache.segments(arg(0).as_string()?),
        "custody.event_facts" => cache.event_facts(arg(0)),
        "custody.identity" => text(0).map_or(Value::Undefined, |raw| cache.identity(raw)),
        other => anyhow::bail!("unknown extension function {other}"),
    })
}

/// Register custody's extension functions with an interpreter engine.
pub fn add_extensions(engine: &mut Engine) -> Result<(), PolicyError> {
    for &(name, arity) in EXTENSIONS {
        let mut cache = PatternCache::default();
        engine
            .add_extension(
                name.to_owned(),
                arity,
                Box::new(move |args: Vec<Value>| call_extension(name, &args, &mut cache)),
            )
            .map_err(|e| PolicyError::Engine(e.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_lists_match_the_same_whichever_way_they_are_cached() {
        let mut cache = PatternCache::default();
        let list =
            |ps: &[&str]| Value::from(ps.iter().map(|p| Value::from(*p)).collect::<Vec<_>>());
        let mut glob = |ps: &[&str], ci: bool, subject: &str| {
            call_extension(
                "custody.glob_match",
                &[list(ps), Value::from(ci), Value::from(subject)],
                &mut cache,
            )
            .map_err(|e| e.to_string())
        };
        let deny = ["rm -rf *", "* DROP DATABASE *"];
        let allow = ["psql *", "pg_dump *"];
        for _ in 0..2 {
            assert_eq!(glob(&deny, true, "RM -RF /"), Ok(Value::from(true)));
            assert_eq!(glob(&deny, true, "psql x"), Ok(Value::from(false)));
            // Lists of either case, in turn: each is found again among the recent ones.
            assert_eq!(glob(&allow, false, "psql x"), Ok(Value::from(true)));
            assert_eq!(glob(&allow, false, "PSQL x"), Ok(Value::from(false)));
            assert_eq!(glob(&["psql"], true, "psql"), Ok(Value::from(true)));
            assert_eq!(glob(&allow, true, "PSQL x"), Ok(Value::from(true)));
            assert_eq!(glob(&[], false, "anything"), Ok(Value::from(false)));
            // Literal, prefix, suffix, extension and wildcard globs in one list, each subject twice (the
            // second answer is the remembered one).
            let mixed = ["exact", "pre*", "*.suf", "*.[ch]", "a?c/*/x", "*mid*"];
            for (subject, hit) in [
                ("exact", true),
                ("exactly", false),
                ("prefix", true),
                ("x/y.suf", true),
                ("main.c", true),
                ("abc/d/e/x", true),
                ("amidst", true),
                ("nothing", false),
                ("EXACT", false),
            ] {
                for _ in 0..2 {
                    assert_eq!(
                        glob(&mixed, false, subject),
                        Ok(Value::from(hit)),
                        "{subject}"
                    );
                }
            }
            assert_eq!(glob(&mixed, true, "EXACT"), Ok(Value::from(true)));
        }
        // More lists than a worker keeps: the dropped ones are compiled again, to the same verdicts.
        for n in 0..(GLOB_LISTS + 4) {
            let own = format!("host-{n}-*");
            assert_eq!(
                glob(&[own.as_str()], true, &format!("HOST-{n}-a")),
                Ok(Value::from(true))
            );
            assert_eq!(glob(&deny, true, "rm -rf /"), Ok(Value::from(true)));
        }
        // A list with an invalid glob: a hit before it still counts, a miss reports it.
        let bad = ["ok-*", "bad-[x"];
        assert_eq!(glob(&bad, false, "ok-1"), Ok(Value::from(true)));
        let error = glob(&bad, false, "zzz").expect_err("an invalid glob is an error");
        assert!(error.contains("bad-[x"), "{error}");
        assert_eq!(
            glob(&deny, true, "x DROP DATABASE y"),
            Ok(Value::from(true))
        );
        assert!(cache.list_count[1] <= GLOB_LISTS);
        assert_eq!(
            cache.list_count[1],
            cache.lists[1].values().map(Vec::len).sum::<usize>()
        );
    }

    #[test]
    fn remembered_command_splits_and_glob_verdicts_stay_bounded_and_right() {
        let mut cache = PatternCache::default();
        let mut split = |command: &str| {
            call_extension(
                "custody.command_segments",
                &[Value::from(command)],
                &mut cache,
            )
            .unwrap()
        };
        let expect = Value::from(vec![Value::from("ls -l"), Value::from("rm x")]);
        assert_eq!(split("ls -l; rm x"), expect);
        assert_eq!(split("ls -l; rm x"), expect, "the remembered split");
        for n in 0..(MEMO + 10) {
            assert_eq!(
                split(&format!("a{n} | b")),
                Value::from(vec![Value::from(format!("a{n}")), Value::from("b")])
            );
        }
        assert_eq!(split("ls -l; rm x"), expect);
        assert!(cache.segments.len() <= MEMO);
        let list = Value::from(vec![Value::from("a1*")]);
        for n in 0..(MEMO + 10) {
            let subject = Value::from(format!("A{n}"));
            let hit = call_extension(
                "custody.glob_match",
                &[list.clone(), Value::from(true), subject],
                &mut cache,
            );
            assert_eq!(
                hit.unwrap(),
                Value::from(format!("{n}").starts_with('1')),
                "{n}"
            );
        }
        assert!(cache.lists[1]
            .values()
            .flatten()
            .all(|l| l.verdicts.len() <= MEMO));
        assert_eq!(cache.list_count[1], 1);
    }

    #[test]
    fn event_facts_gather_what_the_rules_read_from_each_event() {
        let json = |text: &str| Value::from_json_str(text).unwrap();
        let facts = |events: Value| {
            call_extension(
                "custody.event_facts",
                &[events],
                &mut PatternCache::default(),
            )
            .unwrap()
        };
        let events = json(
            r#"[
                {"type": "command", "command": "ls; rm x", "time": "2026-11-20T10:05:00Z", "principal": "Ana"},
                {"type": "command", "command": "ls", "time": "2026-11-20T09:00:00-02:00", "principal": "ana"},
                {"type": "login", "command": "whoami", "time": "2026-11-20T09:59:00Z", "principal": null},
                {"type": "command", "command": ["ls"], "time": 1795608000},
                {"type": "command ", "command": "id", "time": "2026-02-30T10:00:00Z"},
                "not an event",
                ["neither"]
            ]"#,
        );
        let instant = |t: &str| Value::from(crate::units::rfc3339_ns(t).unwrap());
        let got = facts(events);
        assert_eq!(got["timed"], Value::from(3_u64));
        assert_eq!(got["first_ns"], instant("2026-11-20T09:59:00Z"));
        assert_eq!(got["last_ns"], instant("2026-11-20T11:00:00Z"));
        let set = |items: &[Value]| Value::from(items.iter().cloned().collect::<BTreeSet<_>>());
        assert_eq!(
            got["command_segments"],
            set(&[Value::from("ls"), Value::from("rm x")])
        );
        assert_eq!(
            got["principals"],
            set(&[Value::from("Ana"), Value::from("ana"), Value::Null])
        );
        // No events, or anything that is not a list of events: no facts, and no window.
        for nothing in [
            json("[]"),
            json(r#"{"file": "events.jsonl"}"#),
            Value::Undefined,
        ] {
            let got = facts(nothing);
            assert_eq!(got["timed"], Value::from(0_u64));
            assert_eq!(got["first_ns"], Value::Undefined);
            assert_eq!(got["last_ns"], Value::Undefined);
            assert_eq!(got["command_segments"], set(&[]));
            assert_eq!(got["principals"], set(&[]));
        }
    }
}
