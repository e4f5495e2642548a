//! Updates of the data API (Buildbot's `data.updates`): each writes the database, then
//! publishes the matching event on the mq with the resource as its body. Nothing else in the
//! engine writes state.

use std::sync::Arc;

use oxbot_core::Results;
use oxbot_db::{
    BuildModel, BuildRequestModel, BuildSetModel, Db, DbError, LogModel, NewBuildset, StepModel,
    now,
};
use serde_json::{Map, Value, json};

use crate::data::api::resources;
use crate::mq::Mq;

/// The engine's handle for changing state.
#[derive(Clone)]
pub struct Updates {
    db: Db,
    mq: Mq,
    masterid: i64,
}

fn key(parts: &[&dyn std::fmt::Display]) -> Vec<String> {
    parts.iter().map(ToString::to_string).collect()
}

/// Buildbot's log slug: the name with every character outside `[A-Za-z0-9_-]` replaced.
fn slugify(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl Updates {
    pub fn new(db: Db, mq: Mq, masterid: i64) -> Updates {
        Updates { db, mq, masterid }
    }

    pub fn masterid(&self) -> i64 {
        self.masterid
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn mq(&self) -> &Mq {
        &self.mq
    }

    /// Publishes a build event under Buildbot's three keys, with the full build.
    async fn publish_build(&self, buildid: i64, event: &str) -> Result<(), DbError> {
        let build = self.db.get_build(buildid).await?;
        self.publish_build_model(&build, event);
        Ok(())
    }

    /// [`Updates::publish_build`] of a build already read (a write returned it).
    fn publish_build_model(&self, build: &BuildModel, event: &str) {
        let buildid = build.id;
        let body = Arc::new(resources::build(build));
        self.mq.publish_shared(
            key(&[
                &"builders",
                &build.builderid,
                &"builds",
                &build.number,
                &event,
            ]),
            body.clone(),
        );
        self.mq
            .publish_shared(key(&[&"builds", &buildid, &event]), body.clone());
        if let Some(workerid) = build.workerid {
            self.mq.publish_shared(
                key(&[&"workers", &workerid, &"builds", &buildid, &event]),
                body,
            );
        }
    }

    /// Publishes a step event under `builds/<id>/steps/<id>` and `steps/<id>`.
    async fn publish_step(&self, stepid: i64, event: &str) -> Result<(), DbError> {
        let step = self.db.get_step(stepid).await?;
        self.publish_step_model(&step, event);
        Ok(())
    }

    /// [`Updates::publish_step`] of a step already read (a write returned it).
    fn publish_step_model(&self, step: &StepModel, event: &str) {
        let stepid = step.id;
        let body = Arc::new(resources::step(step));
        self.mq.publish_shared(
            key(&[&"builds", &step.buildid, &"steps", &stepid, &event]),
            body.clone(),
        );
        self.mq
            .publish_shared(key(&[&"steps", &stepid, &event]), body);
    }

    /// Publishes a build request event under Buildbot's three keys.
    async fn publish_build_request(&self, brid: i64, event: &str) -> Result<(), DbError> {
        let request = self.db.get_build_request(brid).await?;
        self.publish_build_request_model(&request, event);
        Ok(())
    }

    /// [`Updates::publish_build_request`] of a request already read.
    fn publish_build_request_model(&self, request: &BuildRequestModel, event: &str) {
        let body = Arc::new(resources::buildrequest(request));
        let (brid, bsid, builderid) = (
            request.buildrequestid,
            request.buildsetid,
            request.builderid,
        );
        self.mq.publish_shared(
            key(&[
                &"buildsets",
                &bsid,
                &"builders",
                &builderid,
                &"buildrequests",
                &brid,
                &event,
            ]),
            body.clone(),
        );
        self.mq
            .publish_shared(key(&[&"buildrequests", &brid, &event]), body.clone());
        self.mq.publish_shared(
            key(&[&"builders", &builderid, &"buildrequests", &brid, &event]),
            body,
        );
    }

    /// Publishes a buildset event, of a buildset a write returned or made.
    async fn publish_buildset_model(
        &self,
        buildset: &BuildSetModel,
        event: &str,
    ) -> Result<(), DbError> {
        let bsid = buildset.bsid;
        let sourcestamps = self.db.get_sourcestamps_for_buildset(bsid).await?;
        let body = resources::buildset(buildset, &sourcestamps);
        self.mq.publish(key(&[&"buildsets", &bsid, &event]), body);
        Ok(())
    }

    async fn publish_worker(&self, workerid: i64, event: &str) -> Result<(), DbError> {
        let worker = self.db.get_worker(workerid).await?;
        self.mq.publish(
            key(&[&"workers", &workerid, &event]),
            resources::worker(&worker),
        );
        Ok(())
    }

    pub async fn add_build(
        &self,
        builderid: i64,
        buildrequestid: i64,
        workerid: i64,
        state_string: &str,
    ) -> Result<(i64, i64), DbError> {
        let build = self
            .db
            .add_build(
                builderid,
                buildrequestid,
                workerid,
                self.masterid,
                state_string,
            )
            .await?;
        self.publish_build_model(&build, "new");
        Ok((build.id, build.number))
    }

    pub async fn set_build_state_string(&self, buildid: i64, state: &str) -> Result<(), DbError> {
        let build = self.db.set_build_state_string(buildid, state).await?;
        self.publish_build_model(&build, "update");
        Ok(())
    }

    /// Successive states of a build that nothing happens between (`starting`, `preparing
    /// worker`, `pinging worker` for a worker that needs no preparing): written once, the
    /// last, and announced one by one as Buildbot announces them.
    pub async fn set_build_state_strings(
        &self,
        buildid: i64,
        states: &[&str],
    ) -> Result<(), DbError> {
        let Some(last) = states.last() else {
            return Ok(());
        };
        let mut build = self.db.set_build_state_string(buildid, last).await?;
        for state in states {
            (*state).clone_into(&mut build.state_string);
            self.publish_build_model(&build, "update");
        }
        Ok(())
    }

    /// Finishes a build described by `state` (Buildbot's `setBuildStateString` then
    /// `finishBuild`: one write, both events).
    pub async fn finish_build(
        &self,
        buildid: i64,
        results: Results,
        state: &str,
    ) -> Result<(), DbError> {
        let build = self
            .db
            .finish_build(buildid, results.code(), Some(state))
            .await?;
        let described = BuildModel {
            complete_at: None,
            results: None,
            ..build.clone()
        };
        self.publish_build_model(&described, "update");
        self.publish_build_model(&build, "finished");
        Ok(())
    }

    pub async fn set_build_property(
        &self,
        buildid: i64,
        name: &str,
        value: &Value,
        source: &str,
    ) -> Result<(), DbError> {
        self.set_build_properties(buildid, &[(name, value, source)])
            .await
    }

    /// Buildbot's `setBuildProperties`: writes the properties and publishes one
    /// `builds/N/properties/update` event holding them all.
    pub async fn set_build_properties(
        &self,
        buildid: i64,
        properties: &[(&str, &Value, &str)],
    ) -> Result<(), DbError> {
        if properties.is_empty() {
            return Ok(());
        }
        self.db.set_build_properties(buildid, properties).await?;
        let event: Map<String, Value> = properties
            .iter()
            .map(|(name, value, source)| ((*name).to_owned(), json!([value, source])))
            .collect();
        self.mq.publish(
            key(&[&"builds", &buildid, &"properties", &"update"]),
            Value::Object(event),
        );
        Ok(())
    }

    /// Adds a step; returns `(stepid, number, name)` (the name de-duplicated as Buildbot does).
    pub async fn add_step(&self, buildid: i64, name: &str) -> Result<(i64, i64, String), DbError> {
        let step = self.db.add_step(buildid, name, "pending").await?;
        self.publish_step_model(&step, "new");
        Ok((step.id, step.number, step.name))
    }

    /// [`Updates::add_step`] then [`Updates::start_step`], in one write.
    pub async fn add_started_step(
        &self,
        buildid: i64,
        name: &str,
        locks_acquired: bool,
    ) -> Result<(i64, i64, String), DbError> {
        let step = self
            .db
            .add_started_step(buildid, name, "pending", now(), locks_acquired)
            .await?;
        let added = StepModel {
            started_at: None,
            locks_acquired_at: None,
            ..step.clone()
        };
        self.publish_step_model(&added, "new");
        self.publish_step_model(&step, "started");
        Ok((step.id, step.number, step.name))
    }

    pub async fn start_step(&self, stepid: i64, locks_acquired: bool) -> Result<(), DbError> {
        let step = self.db.start_step(stepid, now(), locks_acquired).await?;
        self.publish_step_model(&step, "started");
        Ok(())
    }

    /// A step got its locks now; the build's lock time grows by the time since the step
    /// started.
    pub async fn set_step_locks_acquired(&self, buildid: i64, stepid: i64) -> Result<(), DbError> {
        let at = now();
        let started_at = self.db.get_step(stepid).await?.started_at.unwrap_or(at);
        let step = self.db.set_step_locks_acquired_at(stepid, at).await?;
        self.db
            .add_build_locks_duration(buildid, at - started_at)
            .await?;
        self.publish_step_model(&step, "updated");
        self.publish_build(buildid, "updated").await
    }

    /// A step that needs no locks has them from its start (Buildbot's
    /// `set_step_locks_acquired_at(stepid, started_at)`) and now runs, described by `state`.
    pub async fn set_step_running_without_locks(
        &self,
        stepid: i64,
        state: &str,
    ) -> Result<(), DbError> {
        let step = self
            .db
            .set_step_running_without_locks(stepid, state, now())
            .await?;
        self.publish_step_model(&step, "updated");
        Ok(())
    }

    pub async fn set_step_state_string(&self, stepid: i64, state: &str) -> Result<(), DbError> {
        let step = self.db.set_step_state_string(stepid, state).await?;
        self.publish_step_model(&step, "updated");
        Ok(())
    }

    /// Finishes a step; with `state`, described by it too (Buildbot's `setStepStateString`
    /// then `finishStep`: one write, both events).
    pub async fn finish_step(
        &self,
        stepid: i64,
        results: Results,
        hidden: bool,
        state: Option<&str>,
    ) -> Result<(), DbError> {
        let step = self
            .db
            .finish_step(stepid, results.code(), hidden, state)
            .await?;
        if state.is_some() {
            let described = StepModel {
                complete_at: None,
                results: None,
                hidden: false,
                ..step.clone()
            };
            self.publish_step_model(&described, "updated");
        }
        self.publish_step_model(&step, "finished");
        Ok(())
    }

    /// Adds a URL to a step (Buildbot's `addURL`).
    pub async fn add_step_url(&self, stepid: i64, name: &str, url: &str) -> Result<(), DbError> {
        self.db.add_step_url(stepid, name, url).await?;
        self.publish_step(stepid, "updated").await
    }

    /// Adds a log (`s` stream log, `t` text, `h` html); the slug is derived from the name.
    pub async fn add_log(&self, stepid: i64, name: &str, log_type: &str) -> Result<i64, DbError> {
        let log = self
            .db
            .add_log(stepid, name, &slugify(name), log_type)
            .await?;
        self.publish_log_model(&log, "new");
        Ok(log.id)
    }

    pub async fn append_log(&self, logid: i64, content: &str) -> Result<(), DbError> {
        let appended = self.db.append_log(logid, content).await?;
        self.publish_log_model(&appended.log, "append");
        Ok(())
    }

    pub async fn finish_log(&self, logid: i64) -> Result<(), DbError> {
        let log = self.db.finish_log(logid).await?;
        self.publish_log_model(&log, "finished");
        Ok(())
    }

    /// Publishes a log event under `logs/<id>` and `steps/<id>/logs/<slug>`.
    /// Publishes a log event, of a log a write returned.
    fn publish_log_model(&self, log: &LogModel, event: &str) {
        let logid = log.id;
        let body = Arc::new(resources::log(log));
        self.mq
            .publish_shared(key(&[&"logs", &logid, &event]), body.clone());
        self.mq.publish_shared(
            key(&[&"steps", &log.stepid, &"logs", &log.slug, &event]),
            body,
        );
    }

    /// Claims a request for this master (Buildbot's `claimBuildRequests`); `request` is the
    /// request as the distributor read it, unclaimed. Returns it claimed, as announced.
    pub async fn claim_build_request(
        &self,
        request: &BuildRequestModel,
    ) -> Result<BuildRequestModel, DbError> {
        let claimed_at = now();
        self.db
            .claim_build_requests_at(&[request.buildrequestid], self.masterid, claimed_at)
            .await?;
        let claimed = BuildRequestModel {
            claimed: true,
            claimed_at: Some(claimed_at),
            claimed_by_masterid: Some(self.masterid),
            ..request.clone()
        };
        self.publish_build_request_model(&claimed, "claimed");
        Ok(claimed)
    }

    pub async fn unclaim_build_requests(&self, brids: &[i64]) -> Result<(), DbError> {
        self.db.unclaim_build_requests(brids).await?;
        for brid in brids {
            self.publish_build_request(*brid, "unclaimed").await?;
        }
        Ok(())
    }

    /// Completes a request of buildset `bsid` (its `complete` events), then the buildset once
    /// all its requests are complete, with the worst of their results; returns the request as
    /// completed.
    pub async fn complete_build_request(
        &self,
        brid: i64,
        bsid: i64,
        results: Results,
    ) -> Result<BuildRequestModel, DbError> {
        self.db
            .complete_build_requests(&[brid], results.code(), now())
            .await?;
        let requests = self.db.get_build_requests_for_buildset(bsid).await?;
        let completed = requests
            .iter()
            .find(|r| r.buildrequestid == brid)
            .cloned()
            .ok_or_else(|| DbError::NotFound(format!("build request {brid} in buildset {bsid}")))?;
        self.publish_build_request_model(&completed, "complete");
        if requests.iter().any(|r| !r.complete) {
            return Ok(completed);
        }
        let results = requests
            .iter()
            .filter_map(|r| Results::try_from(r.results).ok())
            .fold(Results::Success, Results::worst);
        let buildset = self
            .db
            .complete_buildset(bsid, results.code(), now())
            .await?;
        self.publish_buildset_model(&buildset, "complete").await?;
        Ok(completed)
    }

    /// Adds a buildset with one request per builder (Buildbot's `addBuildset`).
    pub async fn add_buildset(
        &self,
        mut buildset: NewBuildset,
    ) -> Result<(i64, std::collections::BTreeMap<i64, i64>), DbError> {
        buildset.submitted_at = now();
        let (bsid, brids) = self.db.add_buildset(&buildset).await?;
        // Announced as written, without reading it back.
        let added = BuildSetModel {
            bsid,
            external_idstring: buildset.external_idstring,
            reason: Some(buildset.reason),
            submitted_at: buildset.submitted_at,
            complete: false,
            complete_at: None,
            results: Some(-1),
            parent_buildid: buildset.parent_buildid,
            parent_relationship: buildset.parent_relationship,
            rebuilt_buildid: buildset.rebuilt_buildid,
            sourcestamps: buildset.sourcestamp_ids,
        };
        self.publish_buildset_model(&added, "new").await?;
        for (&builderid, &brid) in &brids {
            let request = BuildRequestModel {
                buildrequestid: brid,
                buildsetid: bsid,
                builderid,
                priority: buildset.priority,
                claimed: false,
                claimed_at: None,
                claimed_by_masterid: None,
                complete: false,
                results: -1,
                submitted_at: buildset.submitted_at,
                complete_at: None,
                waited_for: buildset.waited_for,
            };
            self.publish_build_request_model(&request, "new");
        }
        Ok((bsid, brids))
    }

    /// Adds a change and announces it (`changes/<id>/new`), as Buildbot's `addChange`.
    /// A change without a link, but with a revision and a repository, gets the default one
    /// (or `""`).
    pub async fn add_change(&self, mut change: oxbot_db::NewChange) -> Result<i64, DbError> {
        change.revlink = crate::changes::revlinks::change_revlink(
            change.revlink.take(),
            change.revision.as_deref(),
            &change.repository,
        );
        let changeid = self.db.add_change(&change).await?;
        let model = self.db.get_change(changeid).await?;
        let ss = self.db.get_sourcestamp(model.sourcestampid).await?;
        let body = resources::change(&model, &ss);
        self.mq.publish(key(&[&"changes", &changeid, &"new"]), body);
        Ok(changeid)
    }

    pub async fn worker_connected(
        &self,
        workerid: i64,
        info: &Map<String, Value>,
    ) -> Result<(), DbError> {
        // Buildbot keeps these four keys of the worker's info as `workerinfo`.
        let workerinfo: Map<String, Value> = ["access_uri", "admin", "host", "version"]
            .iter()
            .map(|k| {
                (
                    (*k).to_owned(),
                    info.get(*k).cloned().unwrap_or(Value::Null),
                )
            })
            .collect();
        self.db
            .worker_connected(workerid, self.masterid, &Value::Object(workerinfo))
            .await?;
        self.publish_worker(workerid, "connected").await
    }

    /// Buildbot's `set_worker_paused`: `workers/<id>/state_updated` with the full worker.
    pub async fn set_worker_paused(
        &self,
        workerid: i64,
        paused: bool,
        pause_reason: Option<&str>,
    ) -> Result<(), DbError> {
        self.db
            .set_worker_paused(workerid, paused, pause_reason)
            .await?;
        self.publish_worker(workerid, "state_updated").await
    }

    /// Buildbot's `set_worker_graceful`: `workers/<id>/state_updated` with the full worker.
    pub async fn set_worker_graceful(&self, workerid: i64, graceful: bool) -> Result<(), DbError> {
        self.db.set_worker_graceful(workerid, graceful).await?;
        self.publish_worker(workerid, "state_updated").await
    }

    /// Cancels a request no build has claimed (Buildbot's botmaster `_buildrequest_canceled`):
    /// claims it for this master, completes it CANCELLED (`complete` events, then its
    /// buildset's `complete` once all its requests are), and publishes
    /// `buildrequests/<id>/cancel` with the full request (Buildbot 4.3 sends `null` there).
    /// `Ok(false)` when the request is already claimed (a build has it, or is about to).
    pub async fn cancel_unclaimed_build_request(&self, brid: i64) -> Result<bool, DbError> {
        match self.db.claim_build_requests(&[brid], self.masterid).await {
            Ok(()) => {}
            Err(DbError::Conflict(_)) => return Ok(false),
            Err(err) => return Err(err),
        }
        let bsid = self.db.get_build_request(brid).await?.buildsetid;
        let request = self
            .complete_build_request(brid, bsid, Results::Cancelled)
            .await?;
        self.mq.publish(
            key(&[&"buildrequests", &brid, &"cancel"]),
            resources::buildrequest(&request),
        );
        Ok(true)
    }

    /// Buildbot's `set_build_requests_priority` (requests not complete yet). Buildbot has no
    /// event for it; none is published.
    pub async fn set_build_requests_priority(
        &self,
        brids: &[i64],
        priority: i64,
    ) -> Result<u64, DbError> {
        self.db.set_build_requests_priority(brids, priority).await
    }

    /// Buildbot's scheduler `enable`: `schedulers/<id>/updated` with the full scheduler.
    pub async fn set_scheduler_enabled(
        &self,
        schedulerid: i64,
        enabled: bool,
    ) -> Result<(), DbError> {
        self.db.enable_scheduler(schedulerid, enabled).await?;
        let scheduler = self.db.get_scheduler(schedulerid).await?;
        let master = match scheduler.masterid {
            Some(m) => Some(self.db.get_master(m).await?),
            None => None,
        };
        self.mq.publish(
            key(&[&"schedulers", &schedulerid, &"updated"]),
            resources::scheduler(&scheduler, master.as_ref()),
        );
        Ok(())
    }

    pub async fn worker_disconnected(&self, workerid: i64) -> Result<(), DbError> {
        self.db.worker_disconnected(workerid, self.masterid).await?;
        self.publish_worker(workerid, "disconnected").await
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_replace_unsafe_characters() {
        assert_eq!(slugify("stdio"), "stdio");
        assert_eq!(slugify("err.text"), "err_text");
        assert_eq!(slugify("html text"), "html_text");
    }
}
