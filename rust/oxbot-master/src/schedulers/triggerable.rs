//! `Triggerable` (Buildbot's `schedulers/triggerable.py`): a scheduler that only `Trigger`
//! steps start. Its configuration is data the step reads; there is nothing to run.

use std::collections::BTreeMap;

use oxbot_core::config::{MasterConfig, Value};

/// A triggerable scheduler as a `Trigger` step uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct Triggerable {
    pub name: String,
    pub builderids: Vec<i64>,
    /// The scheduler's own properties (source `Scheduler`).
    pub properties: Vec<(String, Value, String)>,
    /// A configured `reason`, if any.
    pub reason: Option<String>,
}

/// The configuration's `Triggerable` schedulers by name.
pub fn triggerables(
    config: &MasterConfig,
    builderids: &BTreeMap<String, i64>,
) -> BTreeMap<String, Triggerable> {
    config
        .schedulers
        .iter()
        .filter(|s| s.kind == "Triggerable")
        .map(|s| {
            let triggerable = Triggerable {
                name: s.name.clone(),
                builderids: s
                    .builder_names
                    .iter()
                    .filter_map(|n| builderids.get(n).copied())
                    .collect(),
                properties: s
                    .properties
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone(), "Scheduler".to_owned()))
                    .collect(),
                reason: s
                    .args
                    .get("reason")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            };
            (s.name.clone(), triggerable)
        })
        .collect()
}
