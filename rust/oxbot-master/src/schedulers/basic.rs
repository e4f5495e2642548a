//! `SingleBranchScheduler` and `AnyBranchScheduler` (Buildbot's `schedulers/basic.py`): they
//! take the changes their filter accepts and, once the tree has been stable for
//! `treeStableTimer` seconds (at once when it is `None`), add a buildset for the latest of
//! them. `AnyBranchScheduler` waits and builds per branch. `fileIsImportant(change)` (user
//! Python) classifies changes: an unimportant one does not start the timer (nor a build
//! without `treeStableTimer`) but rides along with the next build; `onlyImportant` drops it.
//!
//! With `treeStableTimer`, the waiting changes are also recorded in the database
//! (`scheduler_changes`, flushed once built): after a restart they wait their timer again.
//! `AnyBranchScheduler` keeps one timer per codebase, project, repository and branch.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use oxbot_core::config::{SchedulerConfig, Value};
use oxbot_core::python::{PythonCallbacks, handle_of};
use oxbot_db::ChangeModel;
use tokio::time::Instant;
use tracing::{info, warn};

use crate::changes::filter::ChangeFilter;
use crate::data::updates::Updates;
use crate::mq::Mq;
use oxbot_db::NewBuildset;

/// Which changes a scheduler takes and which of them are important: Buildbot's
/// `startConsumingChanges(fileIsImportant, change_filter, onlyImportant)`, shared by the
/// branch schedulers here and the timed ones (`onlyIfChanged`).
#[derive(Clone)]
pub(crate) struct ChangeClassifier {
    scheduler: String,
    filter: ChangeFilter,
    /// `fileIsImportant(change)`.
    file_is_important: Option<u64>,
    callbacks: Option<Arc<dyn PythonCallbacks>>,
    only_important: bool,
}

impl ChangeClassifier {
    /// The classifier of a scheduler's config, with the change filter `description`; `Err`
    /// names what is not supported.
    pub(crate) fn from_config(
        config: &SchedulerConfig,
        description: &Value,
        callbacks: Option<Arc<dyn PythonCallbacks>>,
    ) -> Result<ChangeClassifier, String> {
        let filter =
            ChangeFilter::from_config(description, callbacks.clone()).map_err(|e| e.to_string())?;
        let file_is_important = match config.args.get("fileIsImportant").filter(|v| !v.is_null()) {
            None => None,
            Some(function) => Some(handle_of(function).ok_or_else(|| {
                format!(
                    "not supported yet by oxbot: {} fileIsImportant that is not a function",
                    config.kind
                )
            })?),
        };
        Ok(ChangeClassifier {
            scheduler: config.name.clone(),
            filter,
            file_is_important,
            callbacks,
            only_important: config
                .args
                .get("onlyImportant")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }

    /// Whether the scheduler takes a change, and if so whether it is important. User Python
    /// runs here, on the calling task's thread.
    pub(crate) fn classify(&self, change: &ChangeModel) -> Option<bool> {
        let python = self.filter.calls_python() || self.file_is_important.is_some();
        let decide = || {
            if !self.filter.matches(change) {
                return None;
            }
            let (Some(handle), Some(callbacks)) = (self.file_is_important, &self.callbacks) else {
                return Some(true);
            };
            let object = crate::changes::filter::change_object(change);
            match callbacks.change_predicate(handle, &object) {
                Ok(important) if !important && self.only_important => None,
                Ok(important) => Some(important),
                Err(err) => {
                    warn!(scheduler = %self.scheduler, cause = %err, "fileIsImportant failed; the change is ignored");
                    None
                }
            }
        };
        // `block_in_place` lets the other tasks run while Python holds this thread; a
        // current-thread runtime (the tests') cannot hand them over, and calls directly.
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if python && multi_thread {
            tokio::task::block_in_place(decide)
        } else {
            decide()
        }
    }
}

/// Buildbot's `addBuildsetForChanges`: the source stamps of a buildset for `changes`, one per
/// codebase, from its latest change.
pub(crate) fn latest_sourcestamps(changes: &[ChangeModel]) -> Vec<i64> {
    let mut latest: BTreeMap<&str, &ChangeModel> = BTreeMap::new();
    for change in changes {
        let slot = latest.entry(change.codebase.as_str()).or_insert(change);
        if change.changeid > slot.changeid {
            *slot = change;
        }
    }
    latest.values().map(|c| c.sourcestampid).collect()
}

/// Which stable timer a change waits on: `None` for `SingleBranchScheduler`'s only one,
/// `(codebase, project, repository, branch)` for `AnyBranchScheduler`.
type TimerKey = Option<(String, String, String, Option<String>)>;

/// The changes waiting on each timer, with the timer's deadline once it runs.
type Pending = BTreeMap<TimerKey, (Vec<ChangeModel>, Option<Instant>)>;

/// A change-driven scheduler.
#[derive(Clone)]
pub struct BranchScheduler {
    kind: String,
    name: String,
    builderids: Vec<i64>,
    properties: Vec<(String, Value, String)>,
    changes: ChangeClassifier,
    tree_stable: Option<Duration>,
    per_branch: bool,
    reason: String,
    priority: i64,
}

impl BranchScheduler {
    /// Builds a scheduler from its config; `Err` names what is not supported.
    pub fn from_config(
        config: &SchedulerConfig,
        builderids: &BTreeMap<String, i64>,
        callbacks: Option<Arc<dyn PythonCallbacks>>,
    ) -> Result<BranchScheduler, String> {
        let args = &config.args;
        let given = |key: &str| args.get(key).filter(|v| !v.is_null());
        // Buildbot's `ChangeFilter.fromSchedulerConstructorArgs`.
        let description = given("change_filter").cloned().unwrap_or_else(|| {
            let mut criteria = serde_json::Map::new();
            if let Some(branch) = given("branch").or_else(|| given("branches")) {
                criteria.insert("branch".to_owned(), branch.clone());
            }
            if let Some(categories) = given("categories") {
                criteria.insert("category".to_owned(), categories.clone());
            }
            Value::Object(criteria)
        });
        let changes = ChangeClassifier::from_config(config, &description, callbacks)?;
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
            changes,
            tree_stable: args
                .get("treeStableTimer")
                .and_then(Value::as_f64)
                .map(Duration::from_secs_f64),
            per_branch: config.kind == "AnyBranchScheduler",
            reason: super::reason(config),
            priority: super::priority(config),
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
        let db = updates.db().clone();
        let schedulerid = match db.find_scheduler_id(&self.name).await {
            Ok(id) => id,
            Err(err) => return warn!(scheduler = %self.name, cause = %err, "cannot read scheduler"),
        };
        // Classified changes per timer, with the deadline of their stable timer once an
        // important change started it.
        let mut pending: Pending = BTreeMap::new();
        if let Err(err) = self.resume(&db, schedulerid, &mut pending).await {
            warn!(scheduler = %self.name, cause = %err, "cannot read the changes left waiting");
        }
        loop {
            let next_deadline = pending.values().filter_map(|(_, at)| *at).min();
            tokio::select! {
                () = &mut shutdown => return,
                event = changes.next() => {
                    let Some(event) = event else { return };
                    let Some(changeid) = event.body.get("changeid").and_then(Value::as_i64) else { continue };
                    let change = match db.get_change(changeid).await {
                        Ok(c) => c,
                        Err(err) => {
                            warn!(scheduler = %self.name, cause = %err, "cannot read change");
                            continue;
                        }
                    };
                    if !super::is_enabled(&db, &self.name).await {
                        continue;
                    }
                    let Some(important) = self.changes.classify(&change) else { continue };
                    match self.tree_stable {
                        None if important => self.add_buildset(&updates, &[change]).await,
                        None => {}
                        Some(wait) => {
                            self.wait(&mut pending, change, important, wait);
                            let recorded = BTreeMap::from([(changeid, important)]);
                            if let Err(err) = db.classify_changes(schedulerid, &recorded).await {
                                warn!(scheduler = %self.name, cause = %err, "cannot record a change");
                            }
                        }
                    }
                }
                () = async { match next_deadline { Some(at) => tokio::time::sleep_until(at).await, None => std::future::pending().await } } => {
                    let now = Instant::now();
                    let due: Vec<TimerKey> = pending.iter().filter(|(_, (_, at))| at.is_some_and(|at| at <= now)).map(|(k, _)| k.clone()).collect();
                    for key in due {
                        if let Some((batch, _)) = pending.remove(&key) {
                            self.add_buildset(&updates, &batch).await;
                            // As Buildbot: every recorded change up to the latest built one.
                            let max = batch.iter().map(|c| c.changeid).max().unwrap_or(0);
                            if let Err(err) = db.flush_change_classifications(schedulerid, Some(max + 1)).await {
                                warn!(scheduler = %self.name, cause = %err, "cannot forget built changes");
                            }
                        }
                    }
                }
            }
        }
    }

    /// The timer a change waits on: one for `SingleBranchScheduler`, one per codebase,
    /// project, repository and branch for `AnyBranchScheduler`.
    fn timer_key(&self, change: &ChangeModel) -> TimerKey {
        self.per_branch.then(|| {
            (
                change.codebase.clone(),
                change.project.clone(),
                change.repository.clone(),
                change.branch.clone(),
            )
        })
    }

    /// Adds a change to its timer's batch; an important change (re)starts the timer, an
    /// unimportant one restarts it only if it runs.
    fn wait(&self, pending: &mut Pending, change: ChangeModel, important: bool, wait: Duration) {
        let entry = pending
            .entry(self.timer_key(&change))
            .or_insert_with(|| (Vec::new(), None));
        if important || entry.1.is_some() {
            entry.1 = Some(Instant::now() + wait);
        }
        entry.0.push(change);
    }

    /// At start (Buildbot's `scanExistingClassifiedChanges`): the changes recorded by an earlier
    /// run wait again, their timers starting now; without `treeStableTimer` they are forgotten.
    async fn resume(
        &self,
        db: &oxbot_db::Db,
        schedulerid: i64,
        pending: &mut Pending,
    ) -> Result<(), oxbot_db::DbError> {
        let Some(wait) = self.tree_stable else {
            return db.flush_change_classifications(schedulerid, None).await;
        };
        for (changeid, important) in db.get_change_classifications(schedulerid).await? {
            let change = db.get_change(changeid).await?;
            self.wait(pending, change, important, wait);
        }
        Ok(())
    }

    /// Buildbot's `addBuildsetForChanges`: one source stamp per codebase, from its latest change.
    async fn add_buildset(&self, updates: &Updates, changes: &[ChangeModel]) {
        if !super::is_enabled(updates.db(), &self.name).await {
            return info!(scheduler = %self.name, "disabled: no buildset");
        }
        let sourcestamp_ids = latest_sourcestamps(changes);
        let mut properties = self.properties.clone();
        if let Err(err) =
            super::add_change_properties(updates.db(), &sourcestamp_ids, &mut properties).await
        {
            return warn!(scheduler = %self.name, cause = %err, "could not add a buildset");
        }
        let buildset = NewBuildset {
            sourcestamp_ids,
            reason: self.reason.clone(),
            properties,
            builderids: self.builderids.clone(),
            priority: self.priority,
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
