//! Reading `# METADATA` comment blocks: the rule metadata (id, title, severity, frameworks, remediation) of a
//! Rego source. `build.rs` includes this file too (by `#[path]`), so the metadata it reads from the built-in
//! rule sets and embeds in the binary is the metadata a run would read from the same text.

use serde::Deserialize;

/// One rule's METADATA block, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub id: String,
    pub title: String,
    pub description: String,
    /// `custom.severity: warning` (absent or `error` is an error).
    pub warning: bool,
    pub frameworks: Vec<String>,
    pub remediation: String,
    /// The 1-based line after the block: the rule it describes.
    pub line: usize,
}

#[derive(Deserialize)]
struct MetaBlock {
    title: Option<String>,
    description: Option<String>,
    custom: Option<MetaCustom>,
}

#[derive(Deserialize)]
struct MetaCustom {
    id: Option<String>,
    severity: Option<String>,
    #[serde(default)]
    frameworks: Vec<String>,
    remediation: Option<String>,
}

/// Every `# METADATA` block of `text` that names a `custom.id`; an error naming `file` and the block's line
/// when a block is not valid YAML or its severity is neither `error` nor `warning`.
pub fn blocks(file: &str, text: &str) -> Result<Vec<Block>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "# METADATA" {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut yaml = String::new();
        i += 1;
        while i < lines.len() && lines[i].trim_start().starts_with('#') {
            let body = lines[i].trim_start().trim_start_matches('#');
            yaml.push_str(body.strip_prefix(' ').unwrap_or(body));
            yaml.push('\n');
            i += 1;
        }
        let meta: MetaBlock = serde_saphyr::from_str(&yaml)
            .map_err(|e| format!("{file}:{start}: METADATA block is not valid YAML: {e}"))?;
        let Some(custom) = meta.custom else { continue };
        let Some(id) = custom.id else { continue };
        let warning = match custom.severity.as_deref() {
            Some("warning") => true,
            Some("error") | None => false,
            Some(other) => {
                return Err(format!(
                    "{file}:{start}: METADATA severity `{other}` must be error or warning"
                ))
            }
        };
        out.push(Block {
            title: meta.title.unwrap_or_else(|| id.clone()),
            id,
            description: meta.description.unwrap_or_default().trim().to_owned(),
            warning,
            frameworks: custom.frameworks,
            remediation: custom.remediation.unwrap_or_default().trim().to_owned(),
            line: i + 1,
        });
    }
    Ok(out)
}
