//! `custody check-command`: how a declared workflow's command policy judges one command line, segment by
//! segment. The judgement is the session rule set's own (`verdicts` in policies/session/commands.rego, the
//! logic of CUS-S014); this module finds the workflow and asks the policy.

use std::path::PathBuf;

use crate::engine::Policies;
use crate::load::workflows;
use crate::source::{Budgets, Node};

/// One segment of the command line and what decided it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SegmentVerdict {
    pub segment: String,
    /// `denied`, `allowed` or `not allowed`.
    pub decision: String,
    /// The globs that decided: the deny globs that match, or the allow globs that match.
    pub globs: Vec<String>,
}

impl SegmentVerdict {
    pub fn allowed(&self) -> bool {
        self.decision == "allowed"
    }
}

/// The workflow `id` as declared under `paths`: an error when no schema-valid manifest declares it, when
/// several do, or when a path cannot be read.
pub fn find_workflow(
    paths: &[PathBuf],
    exclude: &[String],
    budgets: &Budgets,
    id: &str,
) -> Result<Node, String> {
    let files = workflows::read_files(paths, exclude, budgets);
    if let Some(e) = files.errors.first() {
        return Err(e.message.clone());
    }
    let declared = workflows::workflows(&files.files);
    let matching: Vec<_> = declared
        .iter()
        .filter(|w| w.id.as_deref() == Some(id))
        .collect();
    match matching.as_slice() {
        [] => Err(format!(
            "no manifest under the given --workflows declares workflow `{id}`"
        )),
        [w] if !w.schema_ok() => Err(format!(
            "workflow `{id}` ({}) does not match its schema: run `custody validate` on it first",
            w.file.display
        )),
        [w] => Ok(w.doc.node.clone()),
        several => Err(format!(
            "workflow `{id}` is declared more than once ({}): give each manifest its own metadata.id",
            several
                .iter()
                .map(|w| w.file.display.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The verdict of `workflow`'s command policy on each segment of `command_line`, in order.
pub fn judge(
    policies: &Policies,
    workflow: &Node,
    command_line: &str,
) -> Result<Vec<SegmentVerdict>, String> {
    let mut engine = policies.engine()?;
    let mut custody = std::collections::BTreeMap::new();
    custody.insert(regorus::Value::from("workflow"), workflow.to_rego());
    let mut input = std::collections::BTreeMap::new();
    input.insert(
        regorus::Value::from("custody"),
        regorus::Value::from(custody),
    );
    input.insert(
        regorus::Value::from("command_line"),
        regorus::Value::from(command_line),
    );
    engine.set_input(regorus::Value::from(input));
    let value = engine
        .eval_rule("data.custody.session.commands.command_line_verdicts".to_owned())
        .map_err(|e| format!("the command policy could not be evaluated: {e}"))?;
    let json = value
        .to_json_str()
        .map_err(|e| format!("the command policy gave no verdicts: {e}"))?;
    serde_json::from_str(&json).map_err(|e| format!("the command policy gave no verdicts: {e}"))
}
