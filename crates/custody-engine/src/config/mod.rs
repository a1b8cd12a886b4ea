//! `.custody.yaml` (docs/configuration.md): extra policies, limits, excludes, rule parameters, severity
//! overrides and governed exceptions. Every problem is a configuration error (exit 2) that names the key's
//! line. The file is read and decoded by [`crate::load`].

// Configuration errors are rare and end the run; their size (a source snippet for the label) is not a cost.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::{NamedSource, SourceSpan};

use crate::catalogue::is_locked;
use crate::findings::Severity;
use crate::load::FileError;
use crate::source::{self, Budgets, Node, Pos, Value};

/// A configuration error: the file, the position of the offending key and what to do.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
    #[help]
    pub help: Option<String>,
    #[source_code]
    pub src: Option<NamedSource<String>>,
    #[label("here")]
    pub span: Option<SourceSpan>,
}

/// A severity override.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleSetting {
    Off,
    Level(Severity),
}

/// What an exception waives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExceptionScope {
    Workflow(String),
    Session(String),
}

/// A governed waiver.
#[derive(Clone, Debug, PartialEq)]
pub struct Exception {
    pub rule: String,
    pub scope: ExceptionScope,
    /// A finding's `path` (`spec.approval.separationOfDuties`): the exception then waives the finding at that
    /// node only (what `custody baseline` writes), not every finding of the rule in its scope.
    pub path: Option<String>,
    pub reason: String,
    /// The date as written (`2027-03-31`).
    pub expires: String,
    /// The end of the expiry day, UTC, in nanoseconds since the epoch (valid through that day).
    pub expires_end_ns: i64,
    pub pos: Pos,
}

/// The loaded configuration.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The config file as given (`None`: no config file).
    pub file: Option<String>,
    text: String,
    pub policies: Vec<PathBuf>,
    pub max_file_size: Option<u64>,
    /// Every `limits:` entry as (key, value), validated; apply with [`Config::budgets`].
    pub limits: Vec<(String, u64)>,
    pub exclude: Vec<String>,
    pub params: BTreeMap<String, String>,
    pub rules: Vec<(String, RuleSetting, Pos)>,
    pub exceptions: Vec<Exception>,
    /// `trust.allowedSigners`: the OpenSSH allowed_signers file `check` verifies evidence signatures by.
    pub allowed_signers: Option<PathBuf>,
}

const TOP_KEYS: &[&str] = &[
    "policies",
    "limits",
    "exclude",
    "params",
    "rules",
    "exceptions",
    "trust",
];
const TRUST_KEYS: &[&str] = &["allowedSigners"];
const EXCEPTION_KEYS: &[&str] = &["rule", "workflow", "session", "path", "reason", "expires"];

/// The rule parameters `params` may set: those with a built-in default.
fn param_keys() -> Vec<&'static str> {
    crate::engine::DEFAULT_PARAMS
        .iter()
        .map(|(k, _)| *k)
        .collect()
}

impl Config {
    /// Load `path`, or else the nearest `.custody.yaml` ([`Config::find`]) when there is one. A
    /// `.custody.yaml` that is present but is not a readable file (a directory, a dangling symlink,
    /// unreadable) is an error, never a run without configuration.
    pub fn discover(path: Option<&Path>) -> Result<Config, ConfigError> {
        match path {
            Some(p) => Config::load(p),
            None => match Config::find(Path::new(".")) {
                None => Ok(Config::default()),
                Some(found) => match std::fs::metadata(&found) {
                    Ok(meta) if meta.is_file() => Config::load(&found),
                    Ok(meta) => {
                        let what = if meta.is_dir() {
                            "a directory"
                        } else {
                            "not a regular file"
                        };
                        Err(unreadable(&found, format!("it is {what}")))
                    }
                    Err(e) => Err(unreadable(&found, e.to_string())),
                },
            },
        }
    }

    /// The nearest `.custody.yaml` from `start` up, as cargo and ruff look for theirs: `start` itself, then
    /// each parent, stopping at the first directory that holds `.git` (the repository's root) or at the
    /// filesystem's root. The path is relative to `start` (`../../.custody.yaml`), for messages.
    pub fn find(start: &Path) -> Option<PathBuf> {
        let absolute = crate::discover::absolute(start)?;
        let mut relative = start.to_path_buf();
        for dir in absolute.ancestors() {
            let candidate = dir.join(".custody.yaml");
            if std::fs::symlink_metadata(&candidate).is_ok() {
                let shown = relative.join(".custody.yaml");
                return Some(
                    shown
                        .strip_prefix("./")
                        .map(Path::to_path_buf)
                        .unwrap_or(shown),
                );
            }
            if std::fs::symlink_metadata(dir.join(".git")).is_ok() {
                return None;
            }
            relative = relative.join("..");
        }
        None
    }

    /// Read and decode `path` through the loader, then [`Config::parse`] it.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let max = Budgets::default().max_file_size;
        let text = crate::load::read::text(path, max).map_err(|e| match e {
            FileError::Io(_) | FileError::TooLarge(_) => unreadable(path, e.to_string()),
            FileError::Decode(_) | FileError::Parse(_) => {
                plain_error(&file, e.pos(), e.to_string())
            }
        })?;
        let mut config = Config::parse(&file, text)?;
        config.rebase(path.parent().unwrap_or(Path::new("")));
        Ok(config)
    }

    /// Make the paths the file gives relative to the directory `dir` that holds it: each relative
    /// `policies` entry and `trust.allowedSigners` are joined to `dir`, and each relative `exclude` glob anchored there (as an absolute
    /// glob, see [`crate::discover::Excludes`]). Nothing changes for a file in the working directory.
    fn rebase(&mut self, dir: &Path) {
        if dir.as_os_str().is_empty() || dir == Path::new(".") {
            return;
        }
        for policy in &mut self.policies {
            if policy.is_relative() {
                *policy = dir.join(&*policy);
            }
        }
        if let Some(file) = &mut self.allowed_signers {
            if file.is_relative() {
                *file = dir.join(&*file);
            }
        }
        let Some(anchor) = crate::discover::absolute(dir) else {
            return;
        };
        let anchor = globset::escape(&anchor.to_string_lossy());
        for glob in &mut self.exclude {
            if Path::new(glob.as_str()).is_relative() {
                let rest = glob.trim_start_matches("./");
                *glob = format!("{}/{rest}", anchor.trim_end_matches('/'));
            }
        }
    }

    pub fn parse(file: &str, text: String) -> Result<Config, ConfigError> {
        let syntax = source::Syntax::of(std::path::Path::new(file));
        let docs = source::parse_file(&text, syntax, &Budgets::default())
            .map_err(|e| plain_error(file, e.pos, e.message))?;
        let mut config = Config {
            file: Some(file.to_owned()),
            text,
            ..Config::default()
        };
        let root = match docs.len() {
            0 => return Ok(config),
            1 => &docs[0],
            _ => {
                return Err(config.error(
                    docs[1].pos,
                    "the configuration file must hold one YAML document",
                    None,
                ))
            }
        };
        let entries = config.map(root, "the configuration")?;
        for (key, value) in entries {
            match key.name.as_str() {
                "policies" => {
                    for item in config.strings(value, "policies")? {
                        config.policies.push(PathBuf::from(item.0));
                    }
                }
                "exclude" => {
                    for (glob, pos) in config.strings(value, "exclude")? {
                        if let Err(e) = crate::patterns::glob(&glob, false) {
                            return Err(config.error(
                                pos,
                                &format!("invalid exclude glob `{glob}`: {e}"),
                                None,
                            ));
                        }
                        config.exclude.push(glob);
                    }
                }
                "limits" => {
                    for (k, v) in config.map(value, "limits")? {
                        let name = k.name.as_str();
                        if !crate::budget::LIMIT_KEYS.contains(&name) {
                            return Err(config.unknown(
                                k.pos,
                                name,
                                "limits",
                                crate::budget::LIMIT_KEYS,
                            ));
                        }
                        let bytes = matches!(name, "maxFileSize" | "maxLineLength");
                        let amount = match &v.value {
                            Value::Int(i) if *i > 0 => Some(*i as u64),
                            Value::Str(s) if bytes => crate::units::size_bytes(s),
                            _ => None,
                        };
                        let Some(amount) = amount else {
                            let what = if bytes {
                                "a size in bytes or with a unit such as 16MiB"
                            } else {
                                "a positive whole number"
                            };
                            return Err(config.error(
                                v.pos,
                                &format!("limits.{name} must be {what}"),
                                None,
                            ));
                        };
                        if let Err(message) = Budgets::default().set(name, amount) {
                            return Err(config.error(v.pos, &message, None));
                        }
                        if name == "maxFileSize" {
                            config.max_file_size = Some(amount);
                        }
                        config.limits.push((name.to_owned(), amount));
                    }
                }
                "params" => {
                    for (k, v) in config.map(value, "params")? {
                        if !param_keys().contains(&k.name.as_str()) {
                            return Err(config.unknown(k.pos, &k.name, "params", &param_keys()));
                        }
                        let text = v
                            .as_str()
                            .filter(|s| crate::units::duration_ns(s).is_some());
                        let Some(text) = text else {
                            return Err(config.error(
                                v.pos,
                                &format!(
                                    "params.{} must be a duration such as 30m, 8h or 365d",
                                    k.name
                                ),
                                None,
                            ));
                        };
                        config.params.insert(k.name.clone(), text.to_owned());
                    }
                }
                "rules" => {
                    for (k, v) in config.map(value, "rules")? {
                        let setting = match v.as_str() {
                            Some("off") => RuleSetting::Off,
                            Some("warning") => RuleSetting::Level(Severity::Warning),
                            Some("error") => RuleSetting::Level(Severity::Error),
                            _ => {
                                return Err(config.error(
                                    v.pos,
                                    &format!("rules.{} must be off, warning or error", k.name),
                                    None,
                                ))
                            }
                        };
                        if is_locked(&k.name) && setting != RuleSetting::Level(Severity::Error) {
                            return Err(config.error(
                                k.pos,
                                &format!("{} can be neither turned off nor downgraded: evaluation is fail-closed", k.name),
                                Some("remove this entry; fix the input instead"),
                            ));
                        }
                        config.rules.push((k.name.clone(), setting, k.pos));
                    }
                }
                "exceptions" => {
                    let Value::Seq(items) = &value.value else {
                        return Err(config.error(value.pos, "exceptions must be a list", None));
                    };
                    for item in items {
                        let exception = config.exception(item)?;
                        config.exceptions.push(exception);
                    }
                }
                "trust" => {
                    for (k, v) in config.map(value, "trust")? {
                        if k.name != "allowedSigners" {
                            return Err(config.unknown(k.pos, &k.name, "trust", TRUST_KEYS));
                        }
                        let Some(path) = v.as_str().filter(|p| !p.is_empty()) else {
                            return Err(config.error(
                                v.pos,
                                "trust.allowedSigners must be the path of an OpenSSH allowed_signers file",
                                None,
                            ));
                        };
                        config.allowed_signers = Some(PathBuf::from(path));
                    }
                }
                other => return Err(config.unknown(key.pos, other, "the configuration", TOP_KEYS)),
            }
        }
        Ok(config)
    }

    fn exception(&self, item: &Node) -> Result<Exception, ConfigError> {
        let entries = self.map(item, "an exception")?;
        let mut fields: BTreeMap<&str, &Node> = BTreeMap::new();
        for (k, v) in entries {
            if !EXCEPTION_KEYS.contains(&k.name.as_str()) {
                return Err(self.unknown(k.pos, &k.name, "an exception", EXCEPTION_KEYS));
            }
            fields.insert(k.name.as_str(), v);
        }
        let text = |name: &str| -> Result<Option<String>, ConfigError> {
            match fields.get(name) {
                None => Ok(None),
                Some(n) => match &n.value {
                    Value::Str(s) if !s.trim().is_empty() => Ok(Some(s.clone())),
                    _ => Err(self.error(
                        n.pos,
                        &format!("exception `{name}` must be a non-empty string"),
                        None,
                    )),
                },
            }
        };
        let rule = text("rule")?
            .ok_or_else(|| self.error(item.pos, "an exception needs a `rule`", None))?;
        if is_locked(&rule) {
            return Err(self.error(
                fields["rule"].pos,
                &format!("{rule} cannot be waived: evaluation is fail-closed"),
                Some("remove this exception; fix the input instead"),
            ));
        }
        let scope = match (text("workflow")?, text("session")?) {
            (Some(w), None) => ExceptionScope::Workflow(w),
            (None, Some(s)) => ExceptionScope::Session(s),
            _ => {
                return Err(self.error(
                    item.pos,
                    "an exception names exactly one of `workflow` or `session`",
                    None,
                ))
            }
        };
        let reason = text("reason")?.ok_or_else(|| {
            self.error(
                item.pos,
                "an exception without a `reason` is not a governed waiver",
                Some("say why the risk is accepted and where the fix is tracked"),
            )
        })?;
        let expires = text("expires")?.ok_or_else(|| {
            self.error(
                item.pos,
                "an exception without `expires` would waive the rule forever",
                Some("add `expires: YYYY-MM-DD`"),
            )
        })?;
        let date: jiff::civil::Date = expires.parse().map_err(|_| {
            self.error(
                fields["expires"].pos,
                "`expires` must be a date such as 2027-03-31",
                None,
            )
        })?;
        let end = date
            .tomorrow()
            .ok()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
            // An expiry after 2262 is past every evaluation time 64-bit nanoseconds hold: saturate.
            .map(|z| i64::try_from(z.timestamp().as_nanosecond() - 1).unwrap_or(i64::MAX))
            .unwrap_or(i64::MAX);
        Ok(Exception {
            rule,
            scope,
            path: text("path")?,
            reason,
            expires,
            expires_end_ns: end,
            pos: item.pos,
        })
    }

    /// Whether `rules` or `exceptions` name any rule (whose ids [`Config::check_rule_ids`] then checks).
    pub fn names_rules(&self) -> bool {
        !self.rules.is_empty() || !self.exceptions.is_empty()
    }

    /// Check rule ids named in `rules` and `exceptions` against the catalogue (built-in and user rules).
    pub fn check_rule_ids(&self, known: &[String]) -> Result<(), ConfigError> {
        let known_id = |id: &str| known.iter().any(|k| k == id);
        for (id, _, pos) in &self.rules {
            if !known_id(id) {
                return Err(self.error(
                    *pos,
                    &format!("unknown rule id `{id}`"),
                    Some("`custody rules` lists the rule ids"),
                ));
            }
        }
        for e in &self.exceptions {
            if !known_id(&e.rule) {
                return Err(self.error(
                    e.pos,
                    &format!("exception for unknown rule id `{}`", e.rule),
                    Some("`custody rules` lists the rule ids"),
                ));
            }
        }
        Ok(())
    }

    /// The default budgets with this configuration's `limits:` applied.
    pub fn budgets(&self) -> Budgets {
        let mut budgets = Budgets::default();
        for (key, value) in &self.limits {
            // Validated while loading.
            let _ = budgets.set(key, *value);
        }
        budgets
    }

    /// The severity override of a rule, if any.
    pub fn setting(&self, rule: &str) -> Option<RuleSetting> {
        self.rules
            .iter()
            .find(|(id, _, _)| id == rule)
            .map(|(_, s, _)| *s)
    }

    /// Rules turned off, for the run summary.
    pub fn rules_off(&self) -> Vec<String> {
        let mut off: Vec<String> = self
            .rules
            .iter()
            .filter(|(_, s, _)| *s == RuleSetting::Off)
            .map(|(id, _, _)| id.clone())
            .collect();
        off.sort();
        off
    }

    /// The longest an exception may run past the evaluation time before `CUS-C003` warns: the
    /// `exceptionMaxAge` parameter as written and in nanoseconds (its default when unset or unreadable).
    pub fn exception_horizon_ns(&self) -> (String, i64) {
        self.duration_param("exceptionMaxAge")
    }

    /// A duration parameter (`params.NAME`, else its default) as written and in nanoseconds; its default
    /// when the configured value is unreadable.
    pub fn duration_param(&self, name: &str) -> (String, i64) {
        let default = crate::engine::DEFAULT_PARAMS
            .iter()
            .find(|(k, _)| *k == name)
            .map_or("365d", |(_, v)| *v);
        let text = self.params.get(name).map_or(default, String::as_str);
        match crate::units::duration_ns(text) {
            Some(ns) => (text.to_owned(), ns),
            None => (
                default.to_owned(),
                crate::units::duration_ns(default).unwrap_or(i64::MAX),
            ),
        }
    }

    pub fn file_name(&self) -> String {
        self.file
            .clone()
            .unwrap_or_else(|| ".custody.yaml".to_owned())
    }

    fn map<'a>(
        &self,
        node: &'a Node,
        what: &str,
    ) -> Result<&'a [(source::Key, Node)], ConfigError> {
        match &node.value {
            Value::Map(entries) => Ok(entries),
            Value::Null => Ok(&[]),
            _ => Err(self.error(node.pos, &format!("{what} must be a mapping"), None)),
        }
    }

    fn strings(&self, node: &Node, what: &str) -> Result<Vec<(String, Pos)>, ConfigError> {
        match &node.value {
            Value::Seq(items) => items
                .iter()
                .map(|i| match &i.value {
                    Value::Str(s) => Ok((s.clone(), i.pos)),
                    _ => Err(self.error(i.pos, &format!("{what} must be a list of strings"), None)),
                })
                .collect(),
            Value::Str(s) => Ok(vec![(s.clone(), node.pos)]),
            _ => Err(self.error(node.pos, &format!("{what} must be a list of strings"), None)),
        }
    }

    fn unknown(&self, pos: Pos, key: &str, within: &str, allowed: &[&str]) -> ConfigError {
        self.error(
            pos,
            &format!("unknown key `{key}` in {within}"),
            Some(&format!("allowed keys: {}", allowed.join(", "))),
        )
    }

    fn error(&self, pos: Pos, message: &str, help: Option<&str>) -> ConfigError {
        let file = self.file_name();
        ConfigError {
            file: file.clone(),
            line: pos.line,
            column: pos.column,
            message: message.to_owned(),
            help: help.map(str::to_owned),
            src: Some(NamedSource::new(file, self.text.clone())),
            span: pos
                .offset
                .map(|o| SourceSpan::new((o as usize).into(), pos.len as usize)),
        }
    }
}

/// A configuration file that cannot be read, and why.
fn unreadable(path: &Path, reason: String) -> ConfigError {
    ConfigError {
        file: path.display().to_string(),
        line: 1,
        column: 1,
        message: format!("cannot read the configuration file: {reason}"),
        help: Some(
            "make it a readable file, remove it, or name another one with --config".to_owned(),
        ),
        src: None,
        span: None,
    }
}

fn plain_error(file: &str, pos: Option<Pos>, message: String) -> ConfigError {
    ConfigError {
        file: file.to_owned(),
        line: pos.map_or(1, |p| p.line),
        column: pos.map_or(1, |p| p.column),
        message,
        help: Some("fix the YAML syntax of the configuration file".to_owned()),
        src: None,
        span: None,
    }
}

#[cfg(test)]
mod tests;
