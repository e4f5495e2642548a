//! Timed schedulers (Buildbot's `schedulers/timed.py`): `Periodic` builds every
//! `periodicBuildTimer` seconds (at once when it never built), `Nightly` at the times its cron
//! fields name (UTC; by default minute 0 of every hour). A time missed while the master was
//! down is built at once. The time of the last build is kept in the database (`last_build`),
//! so a restart keeps the rhythm.
//!
//! With `onlyIfChanged` (or `createAbsoluteSourceStamps`) the scheduler watches the changes
//! its `change_filter` and `branch` take, classified by `fileIsImportant` as the branch
//! schedulers do, and records them in the database (`scheduler_changes`) until the next build.
//! At its time it then builds only if one of them is important (or it never built, or
//! `onlyIfChanged` was off at its last build: state `last_only_if_changed`), one buildset for
//! all recorded changes with the latest change of each codebase. A codebase without changes
//! (all of them when there are none) gets its default source stamp: the scheduler's
//! `codebases` entry (`repository`, `branch`, `revision`; the codebase `''` with none of them
//! when `codebases` is not given: `branch` only filters changes), or with
//! `createAbsoluteSourceStamps` the last change seen in it (state `lastCodebases`).
//!
//! "Now" comes from a [`Clock`]: the system clock, or tokio's paused one in tests.

use std::collections::BTreeMap;
use std::sync::Arc;

use oxbot_core::config::{SchedulerConfig, Value};
use oxbot_core::python::PythonCallbacks;
use oxbot_db::{ChangeModel, NewBuildset, NewSourceStamp};
use tracing::{info, warn};

use super::basic::{ChangeClassifier, latest_sourcestamps};
use crate::clock::Clock;
use crate::data::updates::Updates;
use crate::mq::Mq;

/// One cron field: any value, or the listed ones.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Any,
    Values(Vec<u32>),
}

impl Field {
    fn parse(value: Option<&Value>, name: &str) -> Result<Field, String> {
        match value {
            None | Some(Value::Null) => Ok(Field::Any),
            Some(Value::String(s)) if s == "*" => Ok(Field::Any),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(|n| Field::Values(vec![n as u32]))
                .ok_or_else(|| format!("invalid {name} {n}")),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_u64()
                        .map(|n| n as u32)
                        .ok_or_else(|| format!("invalid {name} {i}"))
                })
                .collect::<Result<_, _>>()
                .map(Field::Values),
            Some(Value::String(text)) => Field::parse_text(text, name),
            Some(other) => Err(format!(
                "not supported yet by oxbot: Nightly {name}={other}"
            )),
        }
    }

    /// A field given as text, as Buildbot hands it to croniter: comma-separated numbers,
    /// `a-b` ranges, `*` or ranges with a `/step`, and month and weekday names. In
    /// `dayOfWeek` a plain number counts from Monday = 0 (Buildbot converts it); ranges, steps
    /// and names are cron's (Sunday = 0 or 7).
    fn parse_text(text: &str, name: &str) -> Result<Field, String> {
        const MONTHS: [&str; 12] = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
        let weekday = name == "dayOfWeek";
        let (low, high) = match name {
            "minute" => (0, 59),
            "hour" => (0, 23),
            "dayOfMonth" => (1, 31),
            "month" => (1, 12),
            _ => (0, 7),
        };
        let bad = || format!("invalid {name} '{text}'");
        let number = |s: &str| -> Result<u32, String> {
            let s = s.trim().to_ascii_lowercase();
            if let Ok(n) = s.parse::<u32>() {
                return Ok(n);
            }
            let (names, first): (&[&str], u32) = match name {
                "month" => (&MONTHS, 1),
                "dayOfWeek" => (&DAYS, 0),
                _ => (&[], 0),
            };
            let index = names.iter().position(|n| *n == s).ok_or_else(bad)?;
            Ok(u32::try_from(index).map_err(|_| bad())? + first)
        };
        let mut values = std::collections::BTreeSet::new();
        for item in text.split(',').map(str::trim) {
            if weekday && let Ok(n) = item.parse::<u32>() {
                if n > 6 {
                    return Err(bad());
                }
                values.insert(n);
                continue;
            }
            let (range, step) = match item.split_once('/') {
                Some((range, step)) => (
                    range,
                    step.parse::<usize>()
                        .ok()
                        .filter(|s| *s > 0)
                        .ok_or_else(bad)?,
                ),
                None => (item, 1),
            };
            let (from, to) = if range == "*" {
                (low, if weekday { 6 } else { high })
            } else if let Some((a, b)) = range.split_once('-') {
                (number(a)?, number(b)?)
            } else {
                let n = number(range)?;
                (n, if step > 1 { high } else { n })
            };
            if from < low || to > high || from > to {
                return Err(bad());
            }
            for v in (from..=to).step_by(step) {
                // Cron's Sunday = 0 (or 7) to Monday = 0.
                values.insert(if weekday { (v + 6) % 7 } else { v });
            }
        }
        Ok(Field::Values(values.into_iter().collect()))
    }

    fn matches(&self, value: u32) -> bool {
        match self {
            Field::Any => true,
            Field::Values(values) => values.contains(&value),
        }
    }
}

/// When a timed scheduler builds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Timing {
    Every(u64),
    Cron {
        minute: Field,
        hour: Field,
        day_of_month: Field,
        month: Field,
        day_of_week: Field,
    },
}

/// The civil date (year, month 1-12, day 1-31) and weekday (Monday = 0, as Buildbot counts)
/// of a day number since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    // 1970-01-01 was a Thursday (Monday = 0 gives 3).
    let weekday = (days + 3).rem_euclid(7) as u32;
    (year, month, day, weekday)
}

impl Timing {
    /// The first build time strictly after `after` (seconds since the epoch).
    fn next_after(&self, after: i64) -> Option<i64> {
        match self {
            Timing::Every(period) => Some(after + *period as i64),
            Timing::Cron {
                minute,
                hour,
                day_of_month,
                month,
                day_of_week,
            } => {
                let mut t = (after / 60 + 1) * 60;
                // At most a little over a year of minutes.
                for _ in 0..(60 * 24 * 370) {
                    let days = t.div_euclid(86_400);
                    let secs = t.rem_euclid(86_400);
                    let (_, mon, dom, dow) = civil(days);
                    let day_ok = match (day_of_month, day_of_week) {
                        (Field::Any, Field::Any) => true,
                        (dm, Field::Any) => dm.matches(dom),
                        (Field::Any, dw) => dw.matches(dow),
                        (dm, dw) => dm.matches(dom) || dw.matches(dow),
                    };
                    if day_ok
                        && month.matches(mon)
                        && hour.matches((secs / 3600) as u32)
                        && minute.matches((secs % 3600 / 60) as u32)
                    {
                        return Some(t);
                    }
                    t += 60;
                }
                None
            }
        }
    }
}

/// Whose changes a timed scheduler watches: Buildbot's `branch` argument, which (unlike the
/// branch schedulers') is checked apart from `change_filter`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum BranchFilter {
    /// No `branch` given: changes on every branch.
    Any,
    /// Only changes on this branch (`None`: the default branch).
    Only(Option<String>),
}

/// The codebase `''` as `createAbsoluteSourceStamps` remembers it (Buildbot's state
/// `lastCodebases`, `codebase -> {repository, branch, revision, lastChange}`).
const LAST_CODEBASES: &str = "lastCodebases";

/// A `Periodic` or `Nightly` scheduler.
#[derive(Clone)]
pub struct TimedScheduler {
    kind: String,
    name: String,
    builderids: Vec<i64>,
    properties: Vec<(String, Value, String)>,
    branch: BranchFilter,
    reason: String,
    priority: i64,
    timing: Timing,
    /// Which changes count, when the scheduler watches them (`onlyIfChanged` or
    /// `createAbsoluteSourceStamps`).
    changes: ChangeClassifier,
    only_if_changed: bool,
    absolute_sourcestamps: bool,
    /// The scheduler's `codebases`, as default source stamps; `None` when not given.
    codebases: Option<Vec<NewSourceStamp>>,
    clock: Clock,
}

impl TimedScheduler {
    /// Builds a scheduler from its config; `Err` names what is not supported.
    pub fn from_config(
        config: &SchedulerConfig,
        builderids: &std::collections::BTreeMap<String, i64>,
        callbacks: Option<Arc<dyn PythonCallbacks>>,
    ) -> Result<TimedScheduler, String> {
        let args = &config.args;
        let timing = match config.kind.as_str() {
            "Periodic" => {
                let period = args
                    .get("periodicBuildTimer")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0);
                if period <= 0.0 {
                    return Err("periodicBuildTimer must be positive".to_owned());
                }
                Timing::Every(period.ceil() as u64)
            }
            // Buildbot's defaults: minute 0 of every hour.
            "Nightly" | "NightlyTriggerable" => Timing::Cron {
                minute: Field::parse(args.get("minute").or(Some(&Value::from(0))), "minute")?,
                hour: Field::parse(args.get("hour"), "hour")?,
                day_of_month: Field::parse(args.get("dayOfMonth"), "dayOfMonth")?,
                month: Field::parse(args.get("month"), "month")?,
                day_of_week: Field::parse(args.get("dayOfWeek"), "dayOfWeek")?,
            },
            other => return Err(format!("not supported yet by oxbot: scheduler {other}")),
        };
        // Timed schedulers filter by `change_filter` only; `branch` is checked on its own.
        let description = args.get("change_filter").cloned().unwrap_or(Value::Null);
        let changes = ChangeClassifier::from_config(config, &description, callbacks)?;
        let flag = |key: &str| args.get(key).and_then(Value::as_bool).unwrap_or(false);
        Ok(TimedScheduler {
            kind: config.kind.clone(),
            name: config.name.clone(),
            builderids: config
                .builder_names
                .iter()
                .filter_map(|n| builderids.get(n).copied())
                .collect(),
            properties: super::buildset_properties(config),
            branch: match args.get("branch") {
                None => BranchFilter::Any,
                Some(branch) => BranchFilter::Only(branch.as_str().map(str::to_owned)),
            },
            reason: super::reason(config),
            priority: super::priority(config),
            timing,
            changes,
            only_if_changed: flag("onlyIfChanged"),
            absolute_sourcestamps: flag("createAbsoluteSourceStamps"),
            codebases: config.codebases.as_ref().map(codebase_defaults),
            clock: Clock::System,
        })
    }

    /// The same scheduler reading `clock` (tests give one following tokio's paused time).
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> TimedScheduler {
        self.clock = clock;
        self
    }

    /// Whether the scheduler watches changes (Buildbot's `startConsumingChanges` in `activate`).
    fn watches_changes(&self) -> bool {
        self.kind != "NightlyTriggerable" && (self.only_if_changed || self.absolute_sourcestamps)
    }

    /// Builds on schedule until `shutdown` resolves, recording the changes it watches.
    pub async fn run(
        self,
        mq: Mq,
        updates: Updates,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        let db = updates.db().clone();
        let ids = async {
            let objectid = db.get_object_id(&self.name, &self.kind).await?;
            let schedulerid = db.find_scheduler_id(&self.name).await?;
            let last = db.get_state(objectid, "last_build").await?;
            Ok::<_, oxbot_db::DbError>((objectid, schedulerid, last))
        };
        let (objectid, schedulerid, last) = match ids.await {
            Ok(ids) => ids,
            Err(err) => {
                return warn!(scheduler = %self.name, cause = %err, "cannot read scheduler state");
            }
        };
        let mut last = last.and_then(|v| v.as_i64());
        // A scheduler that never built builds at its first time whatever changed.
        let mut first_build = last.is_none();
        let mut changes = if self.watches_changes() {
            Some(mq.subscribe(vec![
                Some("changes".to_owned()),
                None,
                Some("new".to_owned()),
            ]))
        } else {
            // Changes classified while it watched them are of no use any more.
            if let Err(err) = db.flush_change_classifications(schedulerid, None).await {
                warn!(scheduler = %self.name, cause = %err, "cannot forget classified changes");
            }
            None
        };
        loop {
            let now = self.clock.now();
            let next = match (&self.timing, last) {
                (Timing::Every(_), None) => Some(now),
                (timing, last) => timing.next_after(last.unwrap_or(now)),
            };
            let Some(next) = next else {
                return warn!(scheduler = %self.name, "its time fields never match");
            };
            // A time missed while the master was down is built at once, as Buildbot does.
            let at = next.max(now);
            loop {
                tokio::select! {
                    () = &mut shutdown => return,
                    () = self.clock.sleep_until(at) => break,
                    event = async {
                        match changes.as_mut() {
                            Some(changes) => changes.next().await,
                            None => std::future::pending().await,
                        }
                    } => {
                        let Some(event) = event else { return };
                        if let Some(changeid) = event.body.get("changeid").and_then(Value::as_i64) {
                            self.got_change(&db, objectid, schedulerid, changeid).await;
                        }
                    }
                }
            }
            last = Some(at);
            if let Err(err) = db.set_state(objectid, "last_build", &Value::from(at)).await {
                warn!(scheduler = %self.name, cause = %err, "cannot record the last build time");
            }
            self.add_buildset(&updates, objectid, schedulerid, first_build)
                .await;
            first_build = false;
        }
    }

    /// Buildbot's `Timed.gotChange`: records a change on the scheduler's branch that its filter
    /// takes, important or not, until the next build.
    async fn got_change(&self, db: &oxbot_db::Db, objectid: i64, schedulerid: i64, changeid: i64) {
        let result = async {
            let change = db.get_change(changeid).await?;
            if let BranchFilter::Only(branch) = &self.branch
                && change.branch != *branch
            {
                return Ok(());
            }
            if !super::is_enabled(db, &self.name).await {
                return Ok(());
            }
            let Some(important) = self.changes.classify(&change) else {
                return Ok(());
            };
            db.classify_changes(schedulerid, &BTreeMap::from([(changeid, important)]))
                .await?;
            if self.absolute_sourcestamps {
                record_change(db, objectid, &change).await?;
            }
            Ok::<(), oxbot_db::DbError>(())
        };
        if let Err(err) = result.await {
            warn!(scheduler = %self.name, changeid, cause = %err, "cannot record a change");
        }
    }

    /// Buildbot's `Timed.startBuild`: with `onlyIfChanged`, nothing unless an important change
    /// came since the last build (or the scheduler never built, or `onlyIfChanged` was off
    /// then); a buildset for the recorded changes (the latest of each codebase), or for the
    /// default source stamp when there are none.
    async fn add_buildset(
        &self,
        updates: &Updates,
        objectid: i64,
        schedulerid: i64,
        first_build: bool,
    ) {
        if !super::is_enabled(updates.db(), &self.name).await {
            return info!(scheduler = %self.name, "disabled: no buildset");
        }
        if self.kind == "NightlyTriggerable" {
            return self.build_last_trigger(updates).await;
        }
        let db = updates.db();
        let result = async {
            let classified = db.get_change_classifications(schedulerid).await?;
            let last_only_if_changed = db
                .get_state(objectid, "last_only_if_changed")
                .await?
                .and_then(|v| v.as_bool())
                .unwrap_or(true);
            if last_only_if_changed
                && self.only_if_changed
                && !classified.values().any(|important| *important)
                && !first_build
            {
                info!(scheduler = %self.name, "no important changes: no buildset");
                return Ok(None);
            }
            if last_only_if_changed != self.only_if_changed {
                db.set_state(
                    objectid,
                    "last_only_if_changed",
                    &Value::from(self.only_if_changed),
                )
                .await?;
            }
            let mut changes = Vec::with_capacity(classified.len());
            for changeid in classified.keys() {
                changes.push(db.get_change(*changeid).await?);
            }
            let sourcestamp_ids = self.sourcestamp_ids(db, objectid, &changes).await?;
            if let Some(&max_changeid) = classified.keys().next_back() {
                db.flush_change_classifications(schedulerid, Some(max_changeid + 1))
                    .await?;
            }
            updates
                .add_buildset(NewBuildset {
                    sourcestamp_ids,
                    reason: self.reason.clone(),
                    properties: self.properties.clone(),
                    builderids: self.builderids.clone(),
                    priority: self.priority,
                    ..NewBuildset::default()
                })
                .await
                .map(Some)
        }
        .await;
        match result {
            Ok(Some((bsid, _))) => info!(scheduler = %self.name, bsid, "timed buildset added"),
            Ok(None) => {}
            Err(err) => warn!(scheduler = %self.name, cause = %err, "could not add a buildset"),
        }
    }

    /// The source stamps of a buildset for `changes` (Buildbot's `addBuildsetForChanges`, or
    /// `addBuildsetForSourceStampsWithDefaults` without changes): per codebase the latest
    /// change's, or the codebase's default (with `createAbsoluteSourceStamps`, the last change
    /// seen in it).
    async fn sourcestamp_ids(
        &self,
        db: &oxbot_db::Db,
        objectid: i64,
        changes: &[ChangeModel],
    ) -> Result<Vec<i64>, oxbot_db::DbError> {
        let defaults = match &self.codebases {
            None if !changes.is_empty() => return Ok(latest_sourcestamps(changes)),
            None => &vec![NewSourceStamp::default()],
            Some(codebases) => codebases,
        };
        let last_seen = if self.absolute_sourcestamps {
            db.get_state(objectid, LAST_CODEBASES).await?
        } else {
            None
        };
        let mut ids = Vec::with_capacity(defaults.len());
        for default in defaults {
            let latest = changes
                .iter()
                .filter(|c| c.codebase == default.codebase)
                .max_by_key(|c| c.changeid);
            if let Some(change) = latest {
                ids.push(change.sourcestampid);
                continue;
            }
            let ss = match last_seen.as_ref().and_then(|v| v.get(&default.codebase)) {
                Some(last) => stamp(&default.codebase, last),
                None => default.clone(),
            };
            ids.push(db.find_sourcestamp_id(&ss).await?);
        }
        Ok(ids)
    }

    /// `NightlyTriggerable`: builds the last trigger, if any, and forgets it. Its properties
    /// are the scheduler's, overridden by the triggering build's.
    async fn build_last_trigger(&self, updates: &Updates) {
        use crate::schedulers::triggerable::{LAST_TRIGGER, LastTrigger};
        let result = async {
            let db = updates.db();
            let objectid = db.get_object_id(&self.name, &self.kind).await?;
            let Some(last) = db
                .get_state(objectid, LAST_TRIGGER)
                .await?
                .and_then(|v| serde_json::from_value::<LastTrigger>(v).ok())
            else {
                return Ok(None);
            };
            db.set_state(objectid, LAST_TRIGGER, &Value::Null).await?;
            let mut properties = self.properties.clone();
            properties.retain(|(name, _, _)| !last.properties.iter().any(|(n, _, _)| n == name));
            properties.extend(last.properties);
            updates
                .add_buildset(NewBuildset {
                    sourcestamp_ids: last.sourcestamp_ids,
                    reason: self.reason.clone(),
                    properties,
                    builderids: self.builderids.clone(),
                    parent_buildid: last.parent_buildid,
                    parent_relationship: last.parent_relationship,
                    ..NewBuildset::default()
                })
                .await
                .map(Some)
        }
        .await;
        match result {
            Ok(Some((bsid, _))) => info!(scheduler = %self.name, bsid, "triggered buildset added"),
            Ok(None) => {}
            Err(err) => warn!(scheduler = %self.name, cause = %err, "could not add a buildset"),
        }
    }
}

/// A scheduler's `codebases` as default source stamps: Buildbot's dict of
/// `{repository, branch, revision}` per codebase, or a list of codebase names.
fn codebase_defaults(codebases: &Value) -> Vec<NewSourceStamp> {
    match codebases {
        Value::Object(map) => map
            .iter()
            .map(|(codebase, attrs)| stamp(codebase, attrs))
            .collect(),
        Value::Array(names) => names
            .iter()
            .filter_map(Value::as_str)
            .map(|codebase| stamp(codebase, &Value::Null))
            .collect(),
        _ => vec![NewSourceStamp::default()],
    }
}

/// A codebase's source stamp from its `repository`, `branch` and `revision`.
fn stamp(codebase: &str, attrs: &Value) -> NewSourceStamp {
    let text = |key: &str| attrs.get(key).and_then(Value::as_str).map(str::to_owned);
    NewSourceStamp {
        codebase: codebase.to_owned(),
        repository: text("repository").unwrap_or_default(),
        branch: text("branch"),
        revision: text("revision"),
        ..NewSourceStamp::default()
    }
}

/// `createAbsoluteSourceStamps`: remembers `change` as the latest of its codebase, unless a
/// later one is already remembered (Buildbot's `AbsoluteSourceStampsMixin.recordChange`).
async fn record_change(
    db: &oxbot_db::Db,
    objectid: i64,
    change: &ChangeModel,
) -> Result<(), oxbot_db::DbError> {
    let mut codebases = match db.get_state(objectid, LAST_CODEBASES).await? {
        Some(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let seen = codebases
        .get(&change.codebase)
        .and_then(|c| c.get("lastChange"))
        .and_then(Value::as_i64)
        .unwrap_or(-1);
    if change.changeid <= seen {
        return Ok(());
    }
    codebases.insert(
        change.codebase.clone(),
        serde_json::json!({
            "repository": change.repository,
            "branch": change.branch,
            "revision": change.revision,
            "lastChange": change.changeid,
        }),
    );
    db.set_state(objectid, LAST_CODEBASES, &Value::Object(codebases))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_not_given_takes_every_branch_but_none_only_the_default() {
        let branch = |args: Value| {
            let config = SchedulerConfig {
                kind: "Nightly".to_owned(),
                name: "n".to_owned(),
                builder_names: Vec::new(),
                properties: serde_json::Map::new(),
                codebases: None,
                args: args.as_object().cloned().unwrap_or_default(),
            };
            TimedScheduler::from_config(&config, &BTreeMap::new(), None)
                .unwrap()
                .branch
        };
        assert_eq!(branch(serde_json::json!({})), BranchFilter::Any);
        assert_eq!(
            branch(serde_json::json!({"branch": null})),
            BranchFilter::Only(None)
        );
        assert_eq!(
            branch(serde_json::json!({"branch": "main"})),
            BranchFilter::Only(Some("main".to_owned()))
        );
    }

    #[test]
    fn cron_text_fields() {
        let parse = |text: &str, name: &str| Field::parse(Some(&Value::from(text)), name);
        assert_eq!(parse("*", "minute"), Ok(Field::Any));
        assert_eq!(
            parse("*/15", "minute"),
            Ok(Field::Values(vec![0, 15, 30, 45]))
        );
        assert_eq!(parse("0,30", "minute"), Ok(Field::Values(vec![0, 30])));
        assert_eq!(parse("9-17/4", "hour"), Ok(Field::Values(vec![9, 13, 17])));
        assert_eq!(parse("1", "month"), Ok(Field::Values(vec![1])));
        assert_eq!(parse("jan,Jul", "month"), Ok(Field::Values(vec![1, 7])));
        // A plain number is Buildbot's (Monday = 0); a range and a name are cron's.
        assert_eq!(parse("5,sun", "dayOfWeek"), Ok(Field::Values(vec![5, 6])));
        assert_eq!(
            parse("1-5", "dayOfWeek"),
            Ok(Field::Values(vec![0, 1, 2, 3, 4]))
        );
        assert!(parse("60", "minute").is_err());
        assert!(parse("0", "dayOfMonth").is_err());
        assert!(parse("noon", "hour").is_err());
        assert!(parse("5-1", "hour").is_err());
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), (1970, 1, 1, 3));
        // 2026-11-24 is a Tuesday.
        assert_eq!(civil(20_781), (2026, 11, 24, 1));
    }

    #[test]
    fn nightly_next_time() {
        let at_3am = Timing::Cron {
            minute: Field::Values(vec![0]),
            hour: Field::Values(vec![3]),
            day_of_month: Field::Any,
            month: Field::Any,
            day_of_week: Field::Any,
        };
        // 2026-11-24 12:00 UTC -> 2026-11-25 03:00 UTC.
        let noon = 20_781 * 86_400 + 12 * 3600;
        assert_eq!(at_3am.next_after(noon), Some(20_782 * 86_400 + 3 * 3600));
        let mondays = Timing::Cron {
            minute: Field::Values(vec![30]),
            hour: Field::Any,
            day_of_month: Field::Any,
            month: Field::Any,
            day_of_week: Field::Values(vec![0]),
        };
        // Next Monday after Tuesday 2026-11-24 is 2026-11-30, at 00:30.
        assert_eq!(mondays.next_after(noon), Some(20_787 * 86_400 + 30 * 60));
        assert_eq!(Timing::Every(60).next_after(100), Some(160));
    }
}
