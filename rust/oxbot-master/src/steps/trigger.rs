//! The `Trigger` step (Buildbot's `steps/trigger.py`): adds a buildset to each named
//! `Triggerable` scheduler, with the `sourceStamps` given or this build's source stamps
//! (revision updated to `got_revision` unless `updateSourceStamp=False`) and the properties it
//! is asked to pass; with `waitForFinish` it waits for them and takes the worst of their
//! results. A `NightlyTriggerable` only remembers the trigger for its next scheduled time.

use oxbot_core::Results;
use oxbot_db::{NewBuildset, NewSourceStamp};
use serde_json::{Map, Value};

use super::arg_str;
use crate::process::step::{StepContext, StepError};

/// A `Trigger` step, with its rendered arguments.
#[derive(Debug, Clone)]
pub struct Trigger {
    scheduler_names: Vec<String>,
    wait_for_finish: bool,
    set_properties: Map<String, Value>,
    copy_properties: Vec<String>,
    /// `sourceStamps`: the source stamps to trigger with, one per codebase, instead of the
    /// build's.
    source_stamps: Option<Vec<NewSourceStamp>>,
    update_sourcestamp: bool,
    always_use_latest: bool,
    parent_relationship: String,
}

impl Trigger {
    pub fn from_args(args: &Map<String, Value>) -> Result<Trigger, StepError> {
        let names: Vec<String> = oxbot_core::config::string_list(args.get("schedulerNames"));
        if names.is_empty() {
            return Err(StepError::Config(
                "You must specify a scheduler to trigger".to_owned(),
            ));
        }
        let source_stamps = match args.get("sourceStamps") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => {
                let mut by_codebase = std::collections::BTreeMap::new();
                for item in items {
                    let ss = item.as_object().ok_or_else(|| {
                        StepError::Config("Trigger sourceStamps must be dictionaries".to_owned())
                    })?;
                    let text = |k: &str| ss.get(k).and_then(Value::as_str).map(str::to_owned);
                    let codebase = text("codebase").unwrap_or_default();
                    let stamp = NewSourceStamp {
                        branch: text("branch"),
                        revision: text("revision"),
                        repository: text("repository").unwrap_or_default(),
                        project: text("project").unwrap_or_default(),
                        codebase: codebase.clone(),
                        patch: None,
                    };
                    if by_codebase.insert(codebase, stamp).is_some() {
                        return Err(StepError::Config(
                            "codebase specified multiple times".to_owned(),
                        ));
                    }
                }
                Some(by_codebase.into_values().collect())
            }
            Some(_) => {
                return Err(StepError::Config(
                    "Trigger sourceStamps must be a list".to_owned(),
                ));
            }
        };
        let flag =
            |name: &str, default: bool| args.get(name).and_then(Value::as_bool).unwrap_or(default);
        Ok(Trigger {
            scheduler_names: names,
            wait_for_finish: flag("waitForFinish", false),
            set_properties: args
                .get("set_properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            copy_properties: oxbot_core::config::string_list(args.get("copy_properties")),
            source_stamps,
            update_sourcestamp: flag("updateSourceStamp", true),
            always_use_latest: flag("alwaysUseLatest", false),
            parent_relationship: arg_str(args, "parent_relationship")
                .unwrap_or_else(|| "Triggered from".to_owned()),
        })
    }

    pub async fn run(&self, ctx: &mut StepContext) -> Result<Results, StepError> {
        let props = ctx.build.properties.lock().await.clone();
        let mut sourcestamp_ids = Vec::new();
        if let Some(stamps) = &self.source_stamps {
            for stamp in stamps {
                sourcestamp_ids.push(ctx.updates.db().find_sourcestamp_id(stamp).await?);
            }
        } else if !self.always_use_latest {
            let got = props.get("got_revision").cloned();
            for ss in &ctx.build.sourcestamps {
                let got_revision = match &got {
                    Some(Value::String(rev)) if ss.codebase.is_empty() => Some(rev.clone()),
                    Some(Value::Object(map)) => map
                        .get(&ss.codebase)
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    _ => None,
                };
                let revision = if self.update_sourcestamp {
                    got_revision.or_else(|| ss.revision.clone())
                } else {
                    ss.revision.clone()
                };
                let ssid = ctx
                    .updates
                    .db()
                    .find_sourcestamp_id(&NewSourceStamp {
                        branch: ss.branch.clone(),
                        revision,
                        repository: ss.repository.clone(),
                        project: ss.project.clone(),
                        codebase: ss.codebase.clone(),
                        patch: None,
                    })
                    .await?;
                sourcestamp_ids.push(ssid);
            }
        }
        let mut passed: Vec<(String, Value, String)> = self
            .set_properties
            .iter()
            .map(|(k, v)| (k.clone(), v.clone(), "Trigger".to_owned()))
            .collect();
        for name in &self.copy_properties {
            if let Some(value) = props.get(name) {
                passed.push((name.clone(), value.clone(), "Trigger".to_owned()));
            }
        }
        let mut completions = ctx.updates.mq().subscribe(vec![
            Some("buildsets".to_owned()),
            None,
            Some("complete".to_owned()),
        ]);
        let mut waiting = Vec::new();
        let mut requests = Vec::new();
        let mut nightly_successes = 0;
        for name in &self.scheduler_names {
            let Some(scheduler) = ctx.build.triggerables.get(name) else {
                return Err(StepError::Config(format!(
                    "triggered scheduler is not ITriggerableScheduler: '{name}'"
                )));
            };
            if scheduler.nightly {
                // Remembered for the scheduler's next time; the trigger succeeds at once.
                let last = crate::schedulers::triggerable::LastTrigger {
                    sourcestamp_ids: sourcestamp_ids.clone(),
                    properties: passed.clone(),
                    parent_buildid: Some(ctx.build.buildid),
                    parent_relationship: Some(self.parent_relationship.clone()),
                };
                let db = ctx.updates.db();
                let objectid = db.get_object_id(name, "NightlyTriggerable").await?;
                let value = serde_json::to_value(&last)
                    .map_err(|e| StepError::Data(format!("lastTrigger: {e}")))?;
                db.set_state(
                    objectid,
                    crate::schedulers::triggerable::LAST_TRIGGER,
                    &value,
                )
                .await?;
                nightly_successes += 1;
                continue;
            }
            let mut properties = scheduler.properties.clone();
            properties.extend(passed.iter().cloned());
            properties.push((
                "scheduler".to_owned(),
                Value::from(name.clone()),
                "Scheduler".to_owned(),
            ));
            let reason = passed
                .iter()
                .find(|(k, _, _)| k == "reason")
                .and_then(|(_, v, _)| v.as_str().map(str::to_owned))
                .or_else(|| scheduler.reason.clone())
                .unwrap_or_else(|| {
                    format!("The Triggerable scheduler named '{name}' triggered this build")
                });
            let (bsid, brids) = ctx
                .updates
                .add_buildset(NewBuildset {
                    sourcestamp_ids: sourcestamp_ids.clone(),
                    reason,
                    properties,
                    builderids: scheduler.builderids.clone(),
                    waited_for: self.wait_for_finish,
                    parent_buildid: Some(ctx.build.buildid),
                    parent_relationship: Some(self.parent_relationship.clone()),
                    ..NewBuildset::default()
                })
                .await?;
            // Buildbot: a link to each request, to follow it before it has a build.
            for brid in brids.values() {
                let url = format!("{}#/buildrequests/{brid}", ctx.build.buildbot_url);
                ctx.updates
                    .add_step_url(ctx.stepid, &format!("{name} #{brid}"), &url)
                    .await?;
                requests.push(*brid);
            }
            waiting.push(bsid);
        }
        let triggered = self.scheduler_names.join(", ");
        if !self.wait_for_finish {
            ctx.summary = Some(format!("triggered {triggered}"));
            return Ok(Results::Success);
        }
        let mut results = vec![Results::Success; nightly_successes];
        while results.len() < waiting.len() + nightly_successes {
            tokio::select! {
                event = completions.next() => {
                    let Some(event) = event else { return Err(StepError::Data("the event bus closed".to_owned())) };
                    let bsid = event.body.get("bsid").and_then(Value::as_i64);
                    if bsid.is_some_and(|b| waiting.contains(&b)) {
                        let code = event.body.get("results").and_then(Value::as_i64).unwrap_or(2);
                        results.push(Results::try_from(code).unwrap_or(Results::Exception));
                    }
                }
                _ = ctx.interrupt.changed() => {
                    ctx.summary = Some("interrupted".to_owned());
                    return Ok(Results::Cancelled);
                }
            }
        }
        // Buildbot's `addBuildUrls`: a link to each build of the requests, with its results.
        for brid in requests {
            let db = ctx.updates.db();
            let builds = db
                .get_builds_where(&oxbot_db::BuildFilter {
                    buildrequestid: Some(brid),
                    ..Default::default()
                })
                .await?;
            for build in builds {
                let builder = db.get_builder(build.builderid).await?;
                let status = build
                    .results
                    .and_then(|code| Results::try_from(code).ok())
                    .map_or("not finished", Results::name);
                let url = format!(
                    "{}#/builders/{}/builds/{}",
                    ctx.build.buildbot_url, build.builderid, build.number
                );
                let name = format!("{status}: {} #{}", builder.name, build.number);
                ctx.updates.add_step_url(ctx.stepid, &name, &url).await?;
            }
        }
        let mut summary = format!("triggered {triggered}");
        for status in Results::ALL {
            let count = results.iter().filter(|r| **r == status).count();
            if count > 0 {
                summary.push_str(&format!(", {count} {}", status.name_for_count(count)));
            }
        }
        // Buildbot's Trigger.getResultSummary: the text alone, without a results suffix.
        ctx.summary = Some(summary);
        Ok(results.into_iter().fold(Results::Success, Results::worst))
    }
}
