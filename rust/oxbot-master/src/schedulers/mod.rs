//! Schedulers (Buildbot's `schedulers/`): what turns changes into buildsets. The
//! `ForceScheduler` lives in `master.rs` (it answers the force action); change-driven
//! schedulers are here.

pub mod basic;
pub mod dependent;
pub mod timed;
pub mod triggerable;

use oxbot_core::config::{SchedulerConfig, Value};
use oxbot_db::Db;

/// The properties a scheduler gives its buildsets: its own, and `scheduler` naming it (all with
/// source `Scheduler`, as Buildbot's `addBuildsetFor...` sets them).
pub fn buildset_properties(config: &SchedulerConfig) -> Vec<(String, Value, String)> {
    let mut properties: Vec<(String, Value, String)> = config
        .properties
        .iter()
        .map(|(k, v)| (k.clone(), v.clone(), "Scheduler".to_owned()))
        .collect();
    properties.push((
        "scheduler".to_owned(),
        Value::from(config.name.clone()),
        "Scheduler".to_owned(),
    ));
    properties
}

/// Buildbot's `addBuildsetForSourceStamps` given source stamp ids: the properties of each
/// stamp's change (its latest) go over the scheduler's, with their source (`Change`).
pub async fn add_change_properties(
    db: &oxbot_db::Db,
    ssids: &[i64],
    properties: &mut Vec<(String, Value, String)>,
) -> Result<(), oxbot_db::DbError> {
    for ssid in ssids {
        if let Some(change) = db.get_change_from_ssid(*ssid).await? {
            for (name, (value, source)) in change.properties {
                properties.retain(|(n, _, _)| *n != name);
                properties.push((name, value, source));
            }
        }
    }
    Ok(())
}

/// The buildset reason: the scheduler's `reason`, or Buildbot's default, with `%(classname)s`
/// and `%(name)s` filled in.
/// The scheduler's `priority` for the buildsets it adds from changes (Buildbot's
/// `addBuildsetForChanges`); 0 when unset. A callable priority is listed as not supported
/// and counts as 0.
pub fn priority(config: &SchedulerConfig) -> i64 {
    config
        .args
        .get("priority")
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

pub fn reason(config: &SchedulerConfig) -> String {
    config
        .args
        .get("reason")
        .and_then(Value::as_str)
        .unwrap_or("The %(classname)s scheduler named '%(name)s' triggered this build")
        .replace("%(classname)s", &config.kind)
        .replace("%(name)s", &config.name)
}

/// Whether a scheduler is enabled (the `enable` control action turns it on and off; Buildbot's
/// disabled schedulers consume no changes and fire no timers). One that cannot be read counts
/// as enabled.
pub async fn is_enabled(db: &Db, name: &str) -> bool {
    let enabled = async {
        let id = db.find_scheduler_id(name).await?;
        Ok::<bool, oxbot_db::DbError>(db.get_scheduler(id).await?.enabled)
    };
    match enabled.await {
        Ok(enabled) => enabled,
        Err(err) => {
            tracing::warn!(scheduler = name, cause = %err, "cannot read whether the scheduler is enabled");
            true
        }
    }
}
