//! `Triggerable` (Buildbot's `schedulers/triggerable.py`): a scheduler that only `Trigger`
//! steps start. Its configuration is data the step reads; there is nothing to run. A
//! `NightlyTriggerable` is triggered the same way, but only remembers the last trigger
//! (`lastTrigger` in its state), which `timed.rs` builds at the next scheduled time.

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
    /// A `NightlyTriggerable`: a trigger is remembered, not built at once.
    pub nightly: bool,
}

/// What a `NightlyTriggerable` keeps of its last trigger until its time comes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LastTrigger {
    pub sourcestamp_ids: Vec<i64>,
    /// `(name, value, source)` passed by the `Trigger` step.
    pub properties: Vec<(String, Value, String)>,
    pub parent_buildid: Option<i64>,
    pub parent_relationship: Option<String>,
}

/// The state key of a `NightlyTriggerable`'s last trigger, as Buildbot names it.
pub const LAST_TRIGGER: &str = "lastTrigger";

/// The configuration's `Triggerable` schedulers by name.
pub fn triggerables(
    config: &MasterConfig,
    builderids: &BTreeMap<String, i64>,
) -> BTreeMap<String, Triggerable> {
    config
        .schedulers
        .iter()
        .filter(|s| matches!(s.kind.as_str(), "Triggerable" | "NightlyTriggerable"))
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
                nightly: s.kind == "NightlyTriggerable",
            };
            (s.name.clone(), triggerable)
        })
        .collect()
}
