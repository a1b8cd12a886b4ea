//! What `custody check` knows of its `--workflows`: the declared workflows by id, the ids declared more than
//! once (a bundle naming one is not judged), and the workflow rules' findings on the manifests the bundles
//! name (docs/bundle.md, "What check reports about its workflows").

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::discover::ToolError;
use crate::document::DocumentKind;
use crate::engine::Policies;
use crate::load::workflows::{self, Workflow};
use crate::source::Node;

use super::run::{Report, RunOptions};
use super::stages;

/// The workflows a `check` run judges against.
pub(super) struct Declared {
    /// The schema-valid workflows by id.
    pub(super) by_id: HashMap<String, Arc<Node>>,
    /// Ids declared by more than one manifest, with where (`file:line, file:line`): a bundle naming one is not
    /// judged.
    pub(super) ambiguous: HashMap<String, String>,
}

/// The declared workflows; the P001/P002 findings and tool errors of reading them (`declared`) go to
/// `report`. The workflow rules run later, on the workflows the bundles name ([`workflow_findings`]).
pub(super) fn declared_workflows(
    workflows: &[Workflow<'_>],
    declared: Report,
    report: &mut Report,
) -> Declared {
    let by_id = workflows::by_id(workflows);
    if workflows.is_empty() && declared.tool_errors.is_empty() && declared.findings.is_empty() {
        report.tool_errors.push(ToolError::new(
            "--workflows holds no workflow manifest; every bundle would be CUS-S001",
        ));
    }
    let mut places: HashMap<&str, Vec<String>> = HashMap::new();
    for w in workflows {
        if let Some(id) = &w.id {
            let at = format!("{}:{}", w.file.display, stages::id_line(w));
            places.entry(id.as_str()).or_default().push(at);
        }
    }
    let ambiguous = places
        .into_iter()
        .filter(|(_, at)| at.len() > 1)
        .map(|(id, at)| (id.to_owned(), at.join(", ")))
        .collect();
    report.findings.extend(declared.findings);
    report.tool_errors.extend(declared.tool_errors);
    report.sources.extend(declared.sources);
    Declared { by_id, ambiguous }
}

/// The workflow rules' findings on the manifests the run's bundles name (`named`), and `CUS-P003` on every
/// repeated declaration of an id, named or not.
pub(super) fn workflow_findings(
    workflows: &[Workflow<'_>],
    declared: &Declared,
    named: &HashSet<String>,
    policies: &Policies,
    opts: &RunOptions,
    report: &mut Report,
) {
    let wanted = |w: &Workflow<'_>| {
        w.id.as_ref()
            .is_some_and(|id| named.contains(id) || declared.ambiguous.contains_key(id))
    };
    let count = workflows.iter().filter(|w| wanted(w)).count();
    if count == 0 {
        return;
    }
    let choice = crate::engine::EngineChoice::from_env();
    policies.prepare_vm(DocumentKind::Workflow, Some(count), choice);
    let duplicate_of = stages::duplicates(&[], workflows);
    let results = stages::evaluate_workflows(workflows, &duplicate_of, wanted, policies, opts);
    for (w, result) in workflows.iter().zip(results) {
        let governs = w.id.as_ref().is_some_and(|id| named.contains(id));
        report.findings.extend(
            result
                .findings
                .into_iter()
                .filter(|f| governs || f.rule == "CUS-P003"),
        );
        report.not_evaluated.extend(result.not_evaluated);
    }
}
