//! The botmaster and its build request distributor (Buildbot's `process/botmaster.py` and
//! `process/buildrequestdistributor.py`): which builder runs which request on which worker,
//! running builds, and finishing their requests and buildsets.
//!
//! The distributor wakes up when a request is submitted, a worker attaches or a build ends.
//! For each builder with unclaimed requests (oldest first), it pairs requests with idle
//! workers, claims them in the database (so another master cannot take them) and starts the
//! builds.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use oxbot_core::Results;
use oxbot_core::config::{BuilderConfig, MasterConfig};
use oxbot_core::python::{DistributorHook, PythonCallbacks, handle_of};
use oxbot_db::Db;
use serde_json::{Value, json};
use tokio::sync::Notify;
use tracing::{info, warn};

use crate::data::updates::Updates;
use crate::process::build::{
    BuildControl, BuildRequestInfo, BuildServices, SourceStamp, create_build, run_build,
};
use crate::process::collapse::{self, CollapseRule};
use crate::process::distributor_hooks::{DistributorHooks, QuarantineChange};
use crate::process::locks::{LockAccess, Locks};
use crate::worker::manager::WorkerManager;

/// A build that is running now.
struct RunningBuild {
    control: BuildControl,
    worker: String,
    builder: String,
    brid: i64,
}

/// How long a worker asked to shut down has to drop its connection before the master closes it.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// The botmaster: owns the running builds and distributes requests.
#[derive(Clone)]
pub struct BotMaster {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    updates: Updates,
    workers: WorkerManager,
    config: Mutex<Arc<MasterConfig>>,
    /// Builder name -> builderid, for the configured builders.
    builderids: Mutex<BTreeMap<String, i64>>,
    running: Mutex<HashMap<i64, RunningBuild>>,
    /// Requests the distributor has claimed (or is claiming) whose build is not running yet,
    /// with the reason of a cancel that arrived meanwhile (Buildbot's
    /// `_starting_brid_to_cancel`). Locked after `running` when both are held.
    starting: Mutex<HashMap<i64, Option<String>>>,
    wake: Notify,
    /// Builds that are over, their worker free, whose requests are being completed (locked
    /// after `running` when both are held).
    finishing: Mutex<HashSet<i64>>,
    builds_done: Notify,
    /// The configuration's Python, for renderers and step conditions at build time.
    callbacks: Mutex<Option<Arc<dyn PythonCallbacks>>>,
    /// What the secrets providers hold.
    secrets: Mutex<Arc<BTreeMap<String, String>>>,
    /// The master's locks, kept across reconfigs.
    locks: Locks,
    /// Workers' quarantine, as the distributor hooks set it.
    quarantine: Mutex<HashMap<String, Quarantine>>,
}

impl BotMaster {
    pub fn new(
        db: Db,
        updates: Updates,
        workers: WorkerManager,
        config: Arc<MasterConfig>,
        callbacks: Option<Arc<dyn PythonCallbacks>>,
    ) -> BotMaster {
        BotMaster {
            inner: Arc::new(Inner {
                db,
                updates,
                workers,
                config: Mutex::new(config),
                builderids: Mutex::new(BTreeMap::new()),
                running: Mutex::new(HashMap::new()),
                starting: Mutex::new(HashMap::new()),
                wake: Notify::new(),
                finishing: Mutex::default(),
                builds_done: Notify::new(),
                callbacks: Mutex::new(callbacks),
                secrets: Mutex::default(),
                locks: Locks::default(),
                quarantine: Mutex::default(),
            }),
        }
    }

    /// Sets the Python of a new configuration (on reconfig); running builds keep theirs.
    pub fn set_callbacks(&self, callbacks: Option<Arc<dyn PythonCallbacks>>) {
        *self.inner.callbacks.lock().expect("botmaster lock") = callbacks;
    }

    /// Sets what `util.Secret` and `%(secret:...)s` render to (at start and on reconfig).
    pub fn set_secrets(&self, secrets: BTreeMap<String, String>) {
        *self.inner.secrets.lock().expect("botmaster lock") = Arc::new(secrets);
    }

    /// Sets the configured builders and their ids (at start and on reconfig).
    pub fn set_builders(&self, config: Arc<MasterConfig>, builderids: BTreeMap<String, i64>) {
        *self.inner.config.lock().expect("botmaster lock") = config;
        *self.inner.builderids.lock().expect("botmaster lock") = builderids;
        self.wake();
    }

    /// Asks the distributor to look for work.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Runs the distributor until `shutdown` resolves.
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut new_requests = self.inner.updates.mq().subscribe(vec![
            Some("buildrequests".to_owned()),
            None,
            Some("new".to_owned()),
        ]);
        loop {
            if let Err(err) = self.distribute().await {
                warn!(cause = %err, "build request distribution failed");
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = self.inner.wake.notified() => {}
                Some(_) = new_requests.next() => {}
                () = tokio::time::sleep(std::time::Duration::from_secs(10)) => {}
            }
        }
    }

    /// One pass of the distributor: the builders with unclaimed requests (after collapsing),
    /// in `prioritizeBuilders` order, each given builds as Buildbot's `BasicBuildChooser`
    /// would.
    async fn distribute(&self) -> Result<(), oxbot_db::DbError> {
        let config = self.inner.config.lock().expect("botmaster lock").clone();
        let builderids = self
            .inner
            .builderids
            .lock()
            .expect("botmaster lock")
            .clone();
        let hooks = self
            .inner
            .callbacks
            .lock()
            .expect("botmaster lock")
            .clone()
            .map(|callbacks| DistributorHooks::new(callbacks, self.inner.db.clone()));
        let mut pending = Vec::new();
        for builder in &config.builders {
            let Some(&builderid) = builderids.get(&builder.name) else {
                continue;
            };
            if !sees_all_requests(&config, builder) {
                // Each free worker takes the next request in order, and nothing else looks at
                // them: only that many are read (a builder with no free worker reads none).
                let free = self.available_workers(builder).len();
                if free == 0 {
                    continue;
                }
                let (requests, oldest_submitted_at) = self
                    .inner
                    .db
                    .first_unclaimed_build_requests(builderid, free as i64)
                    .await?;
                if !requests.is_empty() {
                    pending.push(Pending {
                        builder,
                        builderid,
                        requests,
                        oldest_submitted_at,
                    });
                }
                continue;
            }
            let mut requests = self.inner.db.unclaimed_build_requests(builderid).await?;
            if requests.len() > 1 {
                let rule =
                    self.collapse_rule(&config, builder, builderid, &requests, hooks.as_ref());
                if let Some(rule) = rule.await? {
                    let collapsed =
                        collapse::collapse_pending(&self.inner.updates, &requests, &rule).await?;
                    requests.retain(|r| !collapsed.contains(&r.buildrequestid));
                }
            }
            if !requests.is_empty() {
                pending.push(Pending {
                    builder,
                    builderid,
                    oldest_submitted_at: requests.iter().map(|r| r.submitted_at).min(),
                    requests,
                });
            }
        }
        let pending = self.prioritize(&config, pending, hooks.as_ref()).await?;
        for builder in pending {
            self.start_builds_on(&config, builder, hooks.as_ref())
                .await?;
        }
        Ok(())
    }

    /// How a builder's requests collapse: its `collapseRequests`, else
    /// `c['collapseRequests']`, else Buildbot's default rule; `None` when they don't.
    async fn collapse_rule(
        &self,
        config: &MasterConfig,
        builder: &BuilderConfig,
        builderid: i64,
        requests: &[oxbot_db::BuildRequestModel],
        hooks: Option<&DistributorHooks>,
    ) -> Result<Option<CollapseRule>, oxbot_db::DbError> {
        Ok(match collapse_setting(config, builder) {
            Some(serde_json::Value::Bool(false)) => None,
            Some(value) => match (handle_of(value), hooks) {
                (Some(handle), Some(hooks)) => Some(CollapseRule::Hook {
                    hooks: hooks.clone(),
                    handle,
                    builder: hooks
                        .builder_view(builder, builderid, requests, self.building(&builder.name))
                        .await?,
                }),
                _ => Some(CollapseRule::Default),
            },
            None => Some(CollapseRule::Default),
        })
    }

    /// The builders to try, in order: `c['prioritizeBuilders']` if set (a builder it leaves
    /// out gets no builds this time), else Buildbot's order: highest request priority, then
    /// oldest request, then name.
    async fn prioritize<'c>(
        &self,
        config: &MasterConfig,
        mut pending: Vec<Pending<'c>>,
        hooks: Option<&DistributorHooks>,
    ) -> Result<Vec<Pending<'c>>, oxbot_db::DbError> {
        pending.sort_by(|a, b| {
            let key = |p: &Pending<'_>| {
                (
                    std::cmp::Reverse(p.requests.iter().map(|r| r.priority).max()),
                    p.oldest_submitted_at,
                    p.builder.name.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        let (Some(handle), Some(hooks)) = (
            config.prioritize_builders.as_ref().and_then(handle_of),
            hooks,
        ) else {
            return Ok(pending);
        };
        if pending.is_empty() {
            return Ok(pending);
        }
        let mut views = Vec::with_capacity(pending.len());
        for p in &pending {
            views.push(
                hooks
                    .builder_view(
                        p.builder,
                        p.builderid,
                        &p.requests,
                        self.building(&p.builder.name),
                    )
                    .await?,
            );
        }
        let order = match hooks
            .call(
                handle,
                DistributorHook::PrioritizeBuilders,
                json!({"builders": views}),
            )
            .await
        {
            Ok(answer) => oxbot_core::config::string_list(Some(&answer.result)),
            Err(err) => {
                warn!(cause = %err, "prioritizeBuilders failed; builders keep the default order");
                return Ok(pending);
            }
        };
        let mut ordered = Vec::with_capacity(order.len());
        for name in order {
            if let Some(index) = pending.iter().position(|p| p.builder.name == name) {
                ordered.push(pending.swap_remove(index));
            }
        }
        Ok(ordered)
    }

    /// Starts what builds it can on one builder (Buildbot's `BasicBuildChooser`): take a
    /// request (`nextBuild`, else the first by priority and age), a worker for it
    /// (`nextWorker`, else the first available one), and check the pair (`canStartBuild`,
    /// with the builder's locks); a worker that cannot take the request is offered to the
    /// next one first, and a request no worker can take waits for the next pass.
    async fn start_builds_on(
        &self,
        config: &MasterConfig,
        pending: Pending<'_>,
        hooks: Option<&DistributorHooks>,
    ) -> Result<(), oxbot_db::DbError> {
        let Pending {
            builder,
            builderid,
            mut requests,
            ..
        } = pending;
        let next_worker = next_worker_hook(config, builder);
        let has_hooks = has_chooser_hooks(config, builder);
        let builder_view = match hooks {
            Some(hooks) if has_hooks => Some(
                hooks
                    .builder_view(builder, builderid, &requests, self.building(&builder.name))
                    .await?,
            ),
            _ => None,
        };
        let mut chooser = Chooser {
            builder,
            hooks,
            builder_view,
            next_worker,
            pool: Vec::new(),
            preferred: Vec::new(),
            views: HashMap::new(),
        };
        while !requests.is_empty() {
            let Some(index) = chooser.next_build(&requests).await? else {
                break;
            };
            if chooser.pool.is_empty() && chooser.preferred.is_empty() {
                chooser.pool = self.available_workers(builder);
            }
            let Some(first) = chooser.pop_next_worker(self, &requests[index]).await? else {
                break;
            };
            let request = requests.remove(index);
            let mut recycled = Vec::new();
            let mut worker = Some(first);
            while let Some(name) = worker.take() {
                if chooser.can_start_build(self, &name, &request).await? {
                    worker = Some(name);
                    break;
                }
                recycled.push(name);
                worker = chooser.pop_next_worker(self, &request).await?;
            }
            chooser.preferred.splice(0..0, recycled);
            let Some(name) = worker else {
                continue;
            };
            let Some(conn) = self.inner.workers.connection(&name) else {
                continue;
            };
            let brid = request.buildrequestid;
            self.set_starting(brid, true);
            let claimed = async {
                let request = self.inner.updates.claim_build_request(&request).await?;
                self.request_info(builderid, &request).await
            };
            let info = match claimed.await {
                Ok(info) => info,
                Err(err) => {
                    self.set_starting(brid, false);
                    match err {
                        oxbot_db::DbError::Conflict(_) => continue,
                        err => return Err(err),
                    }
                }
            };
            self.start_build(Arc::new(builder.clone()), config, info, conn)
                .await;
        }
        Ok(())
    }

    /// The attached workers configured for the builder that could take one of its builds
    /// now: idle on it, within their `max_builds`, not in quarantine.
    fn available_workers(&self, builder: &BuilderConfig) -> Vec<String> {
        let running = self.inner.running.lock().expect("botmaster lock");
        let quarantine = self.inner.quarantine.lock().expect("botmaster lock");
        let now = Instant::now();
        builder
            .workernames
            .iter()
            .filter(|name| {
                if !self.inner.workers.accepts_builds(name) {
                    return false;
                }
                let Some(conn) = self.inner.workers.connection(name) else {
                    return false;
                };
                let busy_here = running
                    .values()
                    .any(|b| b.worker == **name && b.builder == builder.name);
                let total = running.values().filter(|b| b.worker == **name).count();
                let limit = conn.max_builds().map_or(usize::MAX, |m| m as usize);
                let quarantined = quarantine
                    .get(*name)
                    .and_then(|q| q.until)
                    .is_some_and(|until| until > now);
                !busy_here && total < limit && !quarantined
            })
            .cloned()
            .collect()
    }

    /// How many builds of the builder run now.
    fn building(&self, builder: &str) -> usize {
        self.inner
            .running
            .lock()
            .expect("botmaster lock")
            .values()
            .filter(|b| b.builder == builder)
            .count()
    }

    fn locks_available(&self, builder: &BuilderConfig, worker: &str) -> bool {
        builder.locks.is_empty()
            || LockAccess::from_config(&builder.locks, worker)
                // A malformed lock fails the build, where the user sees it.
                .map_or(true, |wants| self.inner.locks.is_available(&wants))
    }

    /// A worker as the hooks see it.
    fn worker_view(&self, name: &str) -> serde_json::Value {
        let conn = self.inner.workers.connection(name);
        let mut properties = self
            .inner
            .config
            .lock()
            .expect("botmaster lock")
            .workers
            .iter()
            .find(|w| w.name == name)
            .map(|w| w.properties.clone())
            .unwrap_or_default();
        properties.extend(conn.iter().flat_map(|c| c.properties()));
        let quarantine = self.inner.quarantine.lock().expect("botmaster lock");
        let state = quarantine.get(name);
        json!({
            "name": name,
            "info": conn.as_ref().map(|c| c.info()),
            "properties": properties,
            "available": true,
            "quarantine_timeout": state.map_or(QUARANTINE_INITIAL_TIMEOUT, |q| q.timeout),
            "in_quarantine": state
                .and_then(|q| q.until)
                .is_some_and(|until| until > Instant::now()),
        })
    }

    /// Applies what a hook did to workers' quarantine; a worker put in quarantine gets no
    /// builds until it ends, and the distributor runs again then.
    fn apply_quarantine(&self, workers: &std::collections::BTreeMap<String, QuarantineChange>) {
        let mut quarantine = self.inner.quarantine.lock().expect("botmaster lock");
        for (name, change) in workers {
            let state = quarantine.entry(name.clone()).or_insert(Quarantine {
                timeout: QUARANTINE_INITIAL_TIMEOUT,
                until: None,
            });
            state.timeout = change.quarantine_timeout;
            if let Some(seconds) = change.quarantined_for {
                let duration = std::time::Duration::from_secs_f64(seconds.max(0.0));
                state.until = Some(Instant::now() + duration);
                info!(worker = %name, seconds, "worker put in quarantine");
                let this = self.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(duration).await;
                    this.wake();
                });
            }
        }
    }

    async fn request_info(
        &self,
        builderid: i64,
        request: &oxbot_db::BuildRequestModel,
    ) -> Result<BuildRequestInfo, oxbot_db::DbError> {
        let stamps = self
            .inner
            .db
            .get_sourcestamps_for_buildset(request.buildsetid)
            .await?;
        let patch_authors: Vec<String> = stamps
            .iter()
            .filter_map(|ss| ss.patch.as_ref().map(|p| p.author.clone()))
            .collect();
        let sourcestamps = stamps
            .into_iter()
            .map(|ss| SourceStamp {
                codebase: ss.codebase,
                branch: ss.branch,
                revision: ss.revision,
                repository: ss.repository,
                project: ss.project,
            })
            .collect();
        let properties = self
            .inner
            .db
            .get_buildset_properties(request.buildsetid)
            .await?
            .into_iter()
            .map(|(name, (value, source))| (name, value, source))
            .collect();
        let changes = self
            .inner
            .db
            .get_changes_for_buildset(request.buildsetid)
            .await?;
        let mut blamelist: Vec<String> = Vec::new();
        for change in &changes {
            if !blamelist.contains(&change.author) {
                blamelist.push(change.author.clone());
            }
        }
        blamelist.extend(patch_authors);
        let change_properties = changes
            .into_iter()
            .flat_map(|c| c.properties)
            .map(|(name, (value, source))| (name, value, source))
            .collect();
        Ok(BuildRequestInfo {
            brid: request.buildrequestid,
            bsid: request.buildsetid,
            builderid,
            sourcestamps,
            properties,
            change_properties,
            blamelist,
        })
    }

    async fn start_build(
        &self,
        builder: Arc<BuilderConfig>,
        config: &MasterConfig,
        request: BuildRequestInfo,
        worker: Arc<crate::worker::connection::WorkerConnection>,
    ) {
        let updates = self.inner.updates.clone();
        let (created, control) = match create_build(&updates, &request, worker.workerid()).await {
            Ok(created) => created,
            Err(err) => {
                warn!(cause = %err, "could not create the build; unclaiming its request");
                self.inner
                    .starting
                    .lock()
                    .expect("botmaster lock")
                    .remove(&request.brid);
                let _ = updates.unclaim_build_requests(&[request.brid]).await;
                return;
            }
        };
        let buildid = created.buildid;
        info!(builder = %builder.name, number = created.number, worker = %worker.name(), "starting build");
        {
            let mut running = self.inner.running.lock().expect("botmaster lock");
            let cancelled = self
                .inner
                .starting
                .lock()
                .expect("botmaster lock")
                .remove(&request.brid)
                .flatten();
            if let Some(reason) = cancelled {
                control.stop(&reason, Results::Cancelled);
            }
            running.insert(
                buildid,
                RunningBuild {
                    control,
                    worker: worker.name().to_owned(),
                    builder: builder.name.clone(),
                    brid: request.brid,
                },
            );
        }
        let this = self.clone();
        let globals = config.properties.clone();
        let services = BuildServices {
            callbacks: self.inner.callbacks.lock().expect("botmaster lock").clone(),
            secrets: self.inner.secrets.lock().expect("botmaster lock").clone(),
            triggerables: Arc::new(crate::schedulers::triggerable::triggerables(
                config,
                &self.inner.builderids.lock().expect("botmaster lock"),
            )),
            locks: self.inner.locks.clone(),
            buildbot_url: config.buildbot_url.clone(),
            worker_properties: config
                .workers
                .iter()
                .find(|w| w.name == worker.name())
                .map(|w| w.properties.clone())
                .unwrap_or_default(),
        };
        tokio::spawn(async move {
            let brid = request.brid;
            let bsid = request.bsid;
            let results = run_build(
                updates.clone(),
                builder,
                &globals,
                request,
                created,
                worker,
                services,
            )
            .await;
            this.build_finished(buildid, brid, bsid, results).await;
        });
    }

    /// Buildbot's `Builder.buildFinished`: RETRY puts the request back, anything else completes
    /// it (and its buildset once all its requests are complete).
    async fn build_finished(&self, buildid: i64, brid: i64, bsid: i64, results: Results) {
        let updates = &self.inner.updates;
        let retry = results == Results::Retry;
        if retry && let Err(err) = updates.unclaim_build_requests(&[brid]).await {
            warn!(cause = %err, "could not put the build's request back");
        }
        // As in Buildbot, the worker is free once the build is over: its next build starts
        // while this one's request is completed.
        let worker = {
            let mut running = self.inner.running.lock().expect("botmaster lock");
            if !retry {
                self.inner
                    .finishing
                    .lock()
                    .expect("botmaster lock")
                    .insert(buildid);
            }
            running.remove(&buildid).map(|b| b.worker)
        };
        if let Some(worker) = worker {
            self.maybe_shutdown_worker(&worker);
        }
        self.wake();
        if !retry {
            if let Err(err) = updates.complete_build_request(brid, bsid, results).await {
                warn!(cause = %err, "could not complete the build's request or buildset");
            }
            self.inner
                .finishing
                .lock()
                .expect("botmaster lock")
                .remove(&buildid);
        }
        self.inner.builds_done.notify_waiters();
    }

    /// Marks a request as being started by the distributor (claimed, build not running yet),
    /// or forgets it.
    fn set_starting(&self, brid: i64, starting: bool) {
        let mut map = self.inner.starting.lock().expect("botmaster lock");
        if starting {
            map.insert(brid, None);
        } else {
            map.remove(&brid);
        }
    }

    /// Stops the builds of a claimed request (Buildbot's cancel of a request a build has);
    /// a request claimed by the distributor whose build is not running yet is stopped as
    /// soon as it starts. Returns the ids of the builds stopped now.
    pub fn cancel_claimed_request(&self, brid: i64, reason: &str) -> Vec<i64> {
        let running = self.inner.running.lock().expect("botmaster lock");
        let stopped: Vec<i64> = running
            .iter()
            .filter(|(_, b)| b.brid == brid)
            .map(|(id, b)| {
                b.control.stop(reason, Results::Cancelled);
                *id
            })
            .collect();
        if stopped.is_empty()
            && let Some(pending) = self
                .inner
                .starting
                .lock()
                .expect("botmaster lock")
                .get_mut(&brid)
        {
            *pending = Some(reason.to_owned());
        }
        stopped
    }

    /// Shuts a worker down if it was asked to shut down gracefully and runs no build any
    /// more (Buildbot's `maybeShutdown`).
    pub fn maybe_shutdown_worker(&self, name: &str) {
        if !self.inner.workers.is_graceful(name) {
            return;
        }
        let busy = self
            .inner
            .running
            .lock()
            .expect("botmaster lock")
            .values()
            .any(|b| b.worker == name);
        if !busy {
            self.shutdown_worker(name);
        }
    }

    /// Asks a connected worker to shut down now (Buildbot's `remoteShutdown`: a standard
    /// worker process exits); the connection is closed if it is still open after a grace
    /// period. Returns whether the worker was connected.
    pub fn shutdown_worker(&self, name: &str) -> bool {
        let Some(conn) = self.inner.workers.connection(name) else {
            return false;
        };
        info!(worker = name, "asking the worker to shut down");
        tokio::spawn(async move {
            if let Err(err) = conn.shutdown().await {
                info!(worker = %conn.name(), cause = %err, "worker shutdown request");
            }
            if tokio::time::timeout(SHUTDOWN_GRACE, conn.wait_lost())
                .await
                .is_err()
            {
                conn.close();
            }
        });
        true
    }

    /// Stops a running build; `false` if no such build runs here.
    pub fn stop_build(&self, buildid: i64, reason: &str, results: Results) -> bool {
        match self
            .inner
            .running
            .lock()
            .expect("botmaster lock")
            .get(&buildid)
        {
            Some(build) => {
                build.control.stop(reason, results);
                true
            }
            None => false,
        }
    }

    /// Buildbot's quick clean shutdown: stops every running build ("Master Shutdown", RETRY)
    /// and waits until they have all been recorded, their requests too.
    pub async fn stop_all_builds(&self) {
        loop {
            let notified = self.inner.builds_done.notified();
            {
                let running = self.inner.running.lock().expect("botmaster lock");
                let finishing = self.inner.finishing.lock().expect("botmaster lock");
                if running.is_empty() && finishing.is_empty() {
                    return;
                }
                for build in running.values() {
                    build.control.stop("Master Shutdown", Results::Retry);
                }
            }
            notified.await;
        }
    }
}

/// Buildbot's initial quarantine timeout of a worker, in seconds.
const QUARANTINE_INITIAL_TIMEOUT: f64 = 10.0;

/// A worker's quarantine: the timeout of its next one, and when the current one ends.
struct Quarantine {
    timeout: f64,
    until: Option<Instant>,
}

/// A builder with unclaimed requests, during one distributor pass.
struct Pending<'c> {
    builder: &'c BuilderConfig,
    builderid: i64,
    /// Highest priority first, then oldest (only the first few when nothing else needs
    /// them all, see [`sees_all_requests`]).
    requests: Vec<oxbot_db::BuildRequestModel>,
    /// When the oldest of all its unclaimed requests was submitted.
    oldest_submitted_at: Option<i64>,
}

/// Buildbot's `BasicBuildChooser` for one builder during one pass: which request next, and
/// which worker for it.
struct Chooser<'c> {
    builder: &'c BuilderConfig,
    hooks: Option<&'c DistributorHooks>,
    /// The builder as the hooks see it (made when it has hooks).
    builder_view: Option<serde_json::Value>,
    /// `nextWorker`, else `c['select_next_worker']`.
    next_worker: Option<u64>,
    /// Workers not offered yet.
    pool: Vec<String>,
    /// Workers that could not take an earlier request: offered first.
    preferred: Vec<String>,
    /// Requests as the hooks see them, made once per pass.
    views: HashMap<i64, serde_json::Value>,
}

impl<'c> Chooser<'c> {
    /// The hooks and the builder's view when `handle` is one of its hooks.
    fn hook(&self, handle: Option<u64>) -> Option<(&'c DistributorHooks, u64, serde_json::Value)> {
        Some((self.hooks?, handle?, self.builder_view.clone()?))
    }

    async fn request_view(
        &mut self,
        hooks: &DistributorHooks,
        request: &oxbot_db::BuildRequestModel,
    ) -> Result<serde_json::Value, oxbot_db::DbError> {
        if let Some(view) = self.views.get(&request.buildrequestid) {
            return Ok(view.clone());
        }
        let view = hooks.request_view(&self.builder.name, request).await?;
        self.views.insert(request.buildrequestid, view.clone());
        Ok(view)
    }

    /// The index of the request to start next; `None` to stop for this pass.
    async fn next_build(
        &mut self,
        requests: &[oxbot_db::BuildRequestModel],
    ) -> Result<Option<usize>, oxbot_db::DbError> {
        let handle = self.builder.next_build.as_ref().and_then(handle_of);
        let Some((hooks, handle, builder)) = self.hook(handle) else {
            return Ok(Some(0));
        };
        let mut views = Vec::with_capacity(requests.len());
        for request in requests {
            views.push(self.request_view(hooks, request).await?);
        }
        let args = json!({"builder": builder, "requests": views});
        Ok(
            match hooks.call(handle, DistributorHook::NextBuild, args).await {
                Ok(answer) => answer
                    .result
                    .as_u64()
                    .map(|i| i as usize)
                    .filter(|i| *i < requests.len()),
                Err(err) => {
                    warn!(builder = %self.builder.name, cause = %err, "nextBuild failed");
                    None
                }
            },
        )
    }

    /// The next worker to offer `request`: a recycled one first, else one of the pool.
    async fn pop_next_worker(
        &mut self,
        botmaster: &BotMaster,
        request: &oxbot_db::BuildRequestModel,
    ) -> Result<Option<String>, oxbot_db::DbError> {
        if !self.preferred.is_empty() {
            return Ok(Some(self.preferred.remove(0)));
        }
        if self.pool.is_empty() {
            return Ok(None);
        }
        let Some((hooks, handle, builder)) = self.hook(self.next_worker) else {
            return Ok(Some(self.pool.remove(0)));
        };
        let workers: Vec<_> = self.pool.iter().map(|n| botmaster.worker_view(n)).collect();
        let request = self.request_view(hooks, request).await?;
        let args = json!({"builder": builder, "workers": workers, "request": request});
        Ok(
            match hooks.call(handle, DistributorHook::NextWorker, args).await {
                Ok(answer) => {
                    botmaster.apply_quarantine(&answer.workers);
                    answer
                        .result
                        .as_u64()
                        .map(|i| i as usize)
                        .filter(|i| *i < self.pool.len())
                        .map(|i| self.pool.remove(i))
                }
                Err(err) => {
                    warn!(builder = %self.builder.name, cause = %err, "nextWorker failed");
                    None
                }
            },
        )
    }

    /// Whether `worker` can run `request` now: the builder's locks are free on it, and
    /// `canStartBuild` agrees.
    async fn can_start_build(
        &mut self,
        botmaster: &BotMaster,
        worker: &str,
        request: &oxbot_db::BuildRequestModel,
    ) -> Result<bool, oxbot_db::DbError> {
        if !botmaster.locks_available(self.builder, worker) {
            return Ok(false);
        }
        let handle = self.builder.can_start_build.as_ref().and_then(handle_of);
        let Some((hooks, handle, builder)) = self.hook(handle) else {
            return Ok(true);
        };
        let request = self.request_view(hooks, request).await?;
        let args = json!({"builder": builder, "worker": botmaster.worker_view(worker), "request": request});
        Ok(
            match hooks
                .call(handle, DistributorHook::CanStartBuild, args)
                .await
            {
                Ok(answer) => {
                    botmaster.apply_quarantine(&answer.workers);
                    answer.result == serde_json::Value::Bool(true)
                }
                Err(err) => {
                    warn!(builder = %self.builder.name, worker, cause = %err, "canStartBuild failed");
                    false
                }
            },
        )
    }
}

/// Whether a distributor pass must read all of a builder's unclaimed requests: to collapse
/// them, or because the configuration's hooks see them (`prioritizeBuilders`, `nextBuild`,
/// `nextWorker`, `canStartBuild`, which may turn a worker away so that a later request is
/// tried).
fn sees_all_requests(config: &MasterConfig, builder: &BuilderConfig) -> bool {
    collapse_setting(config, builder) != Some(&Value::Bool(false))
        || config.prioritize_builders.is_some()
        || has_chooser_hooks(config, builder)
}

/// The builder's `nextWorker`, else `c['select_next_worker']`, when it is a Python callable.
fn next_worker_hook(config: &MasterConfig, builder: &BuilderConfig) -> Option<u64> {
    builder
        .next_worker
        .as_ref()
        .or(config.select_next_worker.as_ref())
        .and_then(handle_of)
}

/// Whether the build chooser calls the configuration for this builder (`nextWorker`,
/// `nextBuild`, `canStartBuild`).
fn has_chooser_hooks(config: &MasterConfig, builder: &BuilderConfig) -> bool {
    next_worker_hook(config, builder).is_some()
        || builder.next_build.is_some()
        || builder.can_start_build.is_some()
}

/// The builder's `collapseRequests`, else `c['collapseRequests']` (`None`: Buildbot's default,
/// which collapses).
fn collapse_setting<'c>(config: &'c MasterConfig, builder: &'c BuilderConfig) -> Option<&'c Value> {
    builder
        .collapse_requests
        .as_ref()
        .or(config.collapse_requests.as_ref())
}
