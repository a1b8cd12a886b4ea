//! The resource budgets of one file, and the message that names the budget a parser error exceeded.

/// Resource budgets for one file. Exceeding one is a `CUS-P001` finding that names the budget.
#[derive(Clone, Copy, Debug)]
pub struct Budgets {
    pub max_file_size: u64,
    pub max_depth: usize,
    pub max_nodes: usize,
    pub max_aliases: usize,
    pub max_documents: usize,
    /// Events replayed through aliases across a file ("billion laughs" guard).
    pub max_alias_events: usize,
    /// Events in one session bundle (inline or from `events.jsonl`).
    pub max_events: usize,
    /// Bytes in one line of a JSON Lines stream, `events.jsonl` or a recording (its `\n` not counted).
    pub max_line: usize,
    /// Seconds one policy query may run on one document (regorus execution timer).
    pub max_eval_seconds: u64,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            max_file_size: 16 * 1024 * 1024,
            max_depth: 128,
            max_nodes: 5_000_000,
            max_aliases: 10_000,
            max_documents: 100_000,
            max_alias_events: 100_000,
            max_events: 1_000_000,
            max_line: 16 * 1024 * 1024,
            max_eval_seconds: 10,
        }
    }
}

impl Budgets {
    /// Set the budget named by a `limits:` key of the configuration (see [`crate::budget::LIMIT_KEYS`]).
    /// `Err` says why the value is not accepted.
    pub fn set(&mut self, key: &str, value: u64) -> Result<(), String> {
        let count = usize::try_from(value).unwrap_or(usize::MAX);
        if value == 0 {
            return Err(format!("limits.{key} must be greater than 0"));
        }
        match key {
            "maxFileSize" => self.max_file_size = value,
            "maxDepth" => {
                if count > crate::budget::MAX_DEPTH_CEILING {
                    return Err(format!(
                        "limits.maxDepth may be at most {}: deeper nesting would exhaust the parser's stack",
                        crate::budget::MAX_DEPTH_CEILING
                    ));
                }
                self.max_depth = count;
            }
            "maxNodes" => self.max_nodes = count,
            "maxAliases" => self.max_aliases = count,
            "maxAliasEvents" => self.max_alias_events = count,
            "maxDocuments" => self.max_documents = count,
            "maxEvents" => self.max_events = count,
            "maxLineLength" => self.max_line = count,
            "maxEvalSeconds" => self.max_eval_seconds = value,
            other => return Err(format!("unknown limit `{other}`")),
        }
        Ok(())
    }
}

/// The message for a parser error that is an exceeded budget, naming the budget and its config key.
pub(super) fn budget_message(err: &serde_saphyr::Error, budgets: &Budgets) -> Option<String> {
    use crate::budget::exceeded;
    use serde_saphyr::budget::BudgetBreach;
    let mut err = err;
    while let serde_saphyr::Error::WithSnippet { error, .. }
    | serde_saphyr::Error::AliasError { error, .. } = err
    {
        err = error;
    }
    match err {
        serde_saphyr::Error::Budget { breach, .. } => Some(match breach {
            BudgetBreach::Depth { .. } => exceeded("nesting-depth", budgets.max_depth, "maxDepth"),
            BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => {
                exceeded("node", budgets.max_nodes, "maxNodes")
            }
            BudgetBreach::Aliases { .. } => exceeded("alias", budgets.max_aliases, "maxAliases"),
            BudgetBreach::Documents { .. } => {
                exceeded("document", budgets.max_documents, "maxDocuments")
            }
            BudgetBreach::AliasAnchorRatio { aliases, anchors } => format!(
                "uses {aliases} aliases for {anchors} anchors, a pattern of alias bombs; expand the aliases"
            ),
            other => format!("exceeds a parser budget ({other:?})"),
        }),
        serde_saphyr::Error::AliasReplayLimitExceeded { .. }
        | serde_saphyr::Error::AliasExpansionLimitExceeded { .. }
        | serde_saphyr::Error::AliasReplayStackDepthExceeded { .. }
        | serde_saphyr::Error::AliasReplayCounterOverflow { .. } => Some(exceeded(
            "alias-expansion",
            format!("{} events", budgets.max_alias_events),
            "maxAliasEvents",
        )),
        _ => None,
    }
}
