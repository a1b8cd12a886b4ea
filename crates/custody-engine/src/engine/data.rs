//! The data document the policies read: `data.custody.params` (defaults, then the configuration's `params`),
//! with `--data` documents merged over it.

use std::collections::BTreeMap;

/// Default rule parameters, overridable by the configuration's `params` and by `--data`
/// (docs/configuration.md, docs/policy-input.md). The only place they are set: the policies read
/// `data.custody.params`, which [`data_document`] always fills.
pub const DEFAULT_PARAMS: &[(&str, &str)] = &[
    ("retentionMinimum", "365d"),
    ("maxDuration", "8h"),
    ("breakGlassReviewMax", "72h"),
    ("credentialMaxAge", "90d"),
    ("exceptionMaxAge", "365d"),
    ("baselineMaxAge", "90d"),
];

/// The data document: `data.custody.params` defaults, overridden by `params`, then merged with `--data` files.
pub fn data_document(
    params: &BTreeMap<String, String>,
    extra: &[serde_json::Value],
) -> serde_json::Value {
    let mut merged: serde_json::Map<String, serde_json::Value> = DEFAULT_PARAMS
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
        .collect();
    for (k, v) in params {
        merged.insert(k.clone(), serde_json::Value::from(v.as_str()));
    }
    let mut data = serde_json::json!({"custody": {"params": merged}});
    for doc in extra {
        deep_merge(&mut data, doc);
    }
    data
}

fn deep_merge(into: &mut serde_json::Value, from: &serde_json::Value) {
    match (into, from) {
        (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(existing) => deep_merge(existing, v),
                    None => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (slot, value) => *slot = value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_merge_in_order() {
        let mut params = BTreeMap::new();
        params.insert("maxDuration".to_owned(), "4h".to_owned());
        let data = data_document(
            &params,
            &[serde_json::json!({"custody": {"params": {"retentionMinimum": "400d"}}, "extra": 1})],
        );
        assert_eq!(data["custody"]["params"]["maxDuration"], "4h");
        assert_eq!(data["custody"]["params"]["retentionMinimum"], "400d");
        assert_eq!(data["custody"]["params"]["credentialMaxAge"], "90d");
        assert_eq!(data["extra"], 1);
    }
}
