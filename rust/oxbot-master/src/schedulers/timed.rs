//! Timed schedulers (Buildbot's `schedulers/timed.py`): `Periodic` builds every
//! `periodicBuildTimer` seconds (at once when it never built), `Nightly` at the times its cron
//! fields name. The time of the last build is kept in the database, so a restart keeps the
//! rhythm. Times are UTC. Not yet: `onlyIfChanged` and codebases (refused at start, naming them).

use std::time::Duration;

use oxbot_core::config::{SchedulerConfig, Value};
use oxbot_db::{NewBuildset, NewSourceStamp};
use tracing::{info, warn};

use crate::data::updates::Updates;

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
            Some(other) => Err(format!(
                "not supported yet by oxbot: Nightly {name}={other}"
            )),
        }
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

/// A `Periodic` or `Nightly` scheduler.
#[derive(Debug, Clone)]
pub struct TimedScheduler {
    kind: String,
    name: String,
    builderids: Vec<i64>,
    properties: Vec<(String, Value, String)>,
    branch: Option<String>,
    reason: String,
    timing: Timing,
}

impl TimedScheduler {
    pub fn from_config(
        config: &SchedulerConfig,
        builderids: &std::collections::BTreeMap<String, i64>,
    ) -> Result<TimedScheduler, String> {
        let args = &config.args;
        if args.get("onlyIfChanged").and_then(Value::as_bool) == Some(true) {
            return Err(format!(
                "not supported yet by oxbot: {} onlyIfChanged",
                config.kind
            ));
        }
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
            "Nightly" | "NightlyTriggerable" => Timing::Cron {
                minute: Field::parse(args.get("minute"), "minute")?,
                hour: Field::parse(args.get("hour"), "hour")?,
                day_of_month: Field::parse(args.get("dayOfMonth"), "dayOfMonth")?,
                month: Field::parse(args.get("month"), "month")?,
                day_of_week: Field::parse(args.get("dayOfWeek"), "dayOfWeek")?,
            },
            other => return Err(format!("not supported yet by oxbot: scheduler {other}")),
        };
        let properties = super::buildset_properties(config);
        let reason = super::reason(config);
        Ok(TimedScheduler {
            kind: config.kind.clone(),
            name: config.name.clone(),
            builderids: config
                .builder_names
                .iter()
                .filter_map(|n| builderids.get(n).copied())
                .collect(),
            properties,
            branch: args
                .get("branch")
                .and_then(Value::as_str)
                .map(str::to_owned),
            reason,
            timing,
        })
    }

    /// Builds on schedule until `shutdown` resolves.
    pub async fn run(self, updates: Updates, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let db = updates.db().clone();
        let objectid = match db.get_object_id(&self.name, &self.kind).await {
            Ok(id) => id,
            Err(err) => {
                return warn!(scheduler = %self.name, cause = %err, "cannot read scheduler state");
            }
        };
        let mut last = db
            .get_state(objectid, "last_build")
            .await
            .ok()
            .flatten()
            .and_then(|v| v.as_i64());
        loop {
            let now = oxbot_db::now();
            let next = match (&self.timing, last) {
                (Timing::Every(_), None) => Some(now),
                (timing, last) => timing.next_after(last.unwrap_or(now).max(now - 1)),
            };
            let Some(next) = next else {
                return warn!(scheduler = %self.name, "its time fields never match");
            };
            let wait = Duration::from_secs(u64::try_from(next - now).unwrap_or(0));
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(wait) => {}
            }
            self.add_buildset(&updates).await;
            last = Some(next);
            if let Err(err) = db
                .set_state(objectid, "last_build", &Value::from(next))
                .await
            {
                warn!(scheduler = %self.name, cause = %err, "cannot record the last build time");
            }
        }
    }

    async fn add_buildset(&self, updates: &Updates) {
        if !super::is_enabled(updates.db(), &self.name).await {
            return info!(scheduler = %self.name, "disabled: no buildset");
        }
        if self.kind == "NightlyTriggerable" {
            return self.build_last_trigger(updates).await;
        }
        let ss = NewSourceStamp {
            branch: self.branch.clone(),
            ..NewSourceStamp::default()
        };
        let result = async {
            let ssid = updates.db().find_sourcestamp_id(&ss).await?;
            updates
                .add_buildset(NewBuildset {
                    sourcestamp_ids: vec![ssid],
                    reason: self.reason.clone(),
                    properties: self.properties.clone(),
                    builderids: self.builderids.clone(),
                    ..NewBuildset::default()
                })
                .await
        }
        .await;
        match result {
            Ok((bsid, _)) => info!(scheduler = %self.name, bsid, "timed buildset added"),
            Err(err) => warn!(scheduler = %self.name, cause = %err, "could not add a buildset"),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
