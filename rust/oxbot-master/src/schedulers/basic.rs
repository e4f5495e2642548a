//! `SingleBranchScheduler` and `AnyBranchScheduler` (Buildbot's `schedulers/basic.py`): they
//! take the changes their filter accepts and, once the tree has been stable for
//! `treeStableTimer` seconds (at once when it is `None`), add a buildset for the latest of
//! them. `AnyBranchScheduler` waits and builds per branch.
//!
//! Not yet: `fileIsImportant`/`onlyImportant` callables and keeping pending changes across a
//! restart (Buildbot's `scheduler_changes`); a config using the callables is refused at start
//! with a message naming them.

use std::collections::BTreeMap;
use std::time::Duration;

use oxbot_core::config::{SchedulerConfig, Value};
use oxbot_db::ChangeModel;
use tokio::time::Instant;
use tracing::{info, warn};

use crate::changes::filter::ChangeFilter;
use crate::data::updates::Updates;
use crate::mq::Mq;
use oxbot_db::NewBuildset;

/// A change-driven scheduler.
#[derive(Debug, Clone)]
pub struct BranchScheduler {
    kind: String,
    name: String,
    builderids: Vec<i64>,
    properties: Vec<(String, Value, String)>,
    filter: ChangeFilter,
    tree_stable: Option<Duration>,
    per_branch: bool,
    reason: String,
}

impl BranchScheduler {
    /// Builds a scheduler from its config; `Err` names what is not supported.
    pub fn from_config(
        config: &SchedulerConfig,
        builderids: &BTreeMap<String, i64>,
    ) -> Result<BranchScheduler, String> {
        let args = &config.args;
        for callable in ["fileIsImportant", "change_filter_fn"] {
            if args.get(callable).is_some_and(|v| !v.is_null()) {
                return Err(format!(
                    "not supported yet by oxbot: {} {callable}",
                    config.kind
                ));
            }
        }
        let filter = match (args.get("change_filter"), args.get("branch")) {
            (Some(f), _) if !f.is_null() => {
                ChangeFilter::from_config(f).map_err(|e| e.to_string())?
            }
            (_, Some(Value::String(branch))) => ChangeFilter::branch(Some(branch.clone())),
            _ => ChangeFilter::default(),
        };
        let properties = super::buildset_properties(config);

        Ok(BranchScheduler {
            kind: config.kind.clone(),
            name: config.name.clone(),
            builderids: config
                .builder_names
                .iter()
                .filter_map(|n| builderids.get(n).copied())
                .collect(),
            properties,
            filter,
            tree_stable: args
                .get("treeStableTimer")
                .and_then(Value::as_f64)
                .map(Duration::from_secs_f64),
            per_branch: config.kind == "AnyBranchScheduler",
            reason: super::reason(config),
        })
    }

    /// Runs until `shutdown` resolves: classifies each new change and adds buildsets.
    pub async fn run(
        self,
        mq: Mq,
        updates: Updates,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        let mut changes = mq.subscribe(vec![
            Some("changes".to_owned()),
            None,
            Some("new".to_owned()),
        ]);
        // Pending changes per branch key ("" for SingleBranchScheduler), with their deadline.
        let mut pending: BTreeMap<String, (Vec<ChangeModel>, Instant)> = BTreeMap::new();
        loop {
            let next_deadline = pending.values().map(|(_, at)| *at).min();
            tokio::select! {
                () = &mut shutdown => return,
                event = changes.next() => {
                    let Some(event) = event else { return };
                    let Some(changeid) = event.body.get("changeid").and_then(Value::as_i64) else { continue };
                    let change = match updates.db().get_change(changeid).await {
                        Ok(c) => c,
                        Err(err) => {
                            warn!(scheduler = %self.name, cause = %err, "cannot read change");
                            continue;
                        }
                    };
                    if !self.filter.matches(&change) {
                        continue;
                    }
                    match self.tree_stable {
                        None => self.add_buildset(&updates, &[change]).await,
                        Some(wait) => {
                            let key = if self.per_branch { change.branch.clone().unwrap_or_default() } else { String::new() };
                            let entry = pending.entry(key).or_insert_with(|| (Vec::new(), Instant::now()));
                            entry.0.push(change);
                            entry.1 = Instant::now() + wait;
                        }
                    }
                }
                () = async { match next_deadline { Some(at) => tokio::time::sleep_until(at).await, None => std::future::pending().await } } => {
                    let now = Instant::now();
                    let due: Vec<String> = pending.iter().filter(|(_, (_, at))| *at <= now).map(|(k, _)| k.clone()).collect();
                    for key in due {
                        if let Some((batch, _)) = pending.remove(&key) {
                            self.add_buildset(&updates, &batch).await;
                        }
                    }
                }
            }
        }
    }

    /// Buildbot's `addBuildsetForChanges`: one source stamp per codebase, from its latest change.
    async fn add_buildset(&self, updates: &Updates, changes: &[ChangeModel]) {
        let mut latest: BTreeMap<&str, &ChangeModel> = BTreeMap::new();
        for change in changes {
            let slot = latest.entry(change.codebase.as_str()).or_insert(change);
            if change.changeid > slot.changeid {
                *slot = change;
            }
        }
        let buildset = NewBuildset {
            sourcestamp_ids: latest.values().map(|c| c.sourcestampid).collect(),
            reason: self.reason.clone(),
            properties: self.properties.clone(),
            builderids: self.builderids.clone(),
            ..NewBuildset::default()
        };
        match updates.add_buildset(buildset).await {
            Ok((bsid, _)) => {
                info!(scheduler = %self.name, kind = %self.kind, bsid, changes = changes.len(), "buildset added");
            }
            Err(err) => warn!(scheduler = %self.name, cause = %err, "could not add a buildset"),
        }
    }
}
