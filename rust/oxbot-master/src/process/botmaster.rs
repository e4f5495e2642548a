//! The botmaster and its build request distributor (Buildbot's `process/botmaster.py` and
//! `process/buildrequestdistributor.py`): which builder runs which request on which worker,
//! running builds, and finishing their requests and buildsets.
//!
//! The distributor wakes up when a request is submitted, a worker attaches or a build ends.
//! For each builder with unclaimed requests (oldest first), it pairs requests with idle
//! workers, claims them in the database (so another master cannot take them) and starts the
//! builds.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use oxbot_core::Results;
use oxbot_core::config::{BuilderConfig, MasterConfig};
use oxbot_core::python::PythonCallbacks;
use oxbot_db::Db;
use tokio::sync::Notify;
use tracing::{info, warn};

use crate::data::updates::Updates;
use crate::process::build::{
    BuildControl, BuildRequestInfo, BuildServices, SourceStamp, create_build, run_build,
};
use crate::process::locks::{LockAccess, Locks};
use crate::worker::manager::WorkerManager;

/// A build that is running now.
struct RunningBuild {
    control: BuildControl,
    worker: String,
    builder: String,
}

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
    wake: Notify,
    builds_done: Notify,
    /// The configuration's Python, for renderers and step conditions at build time.
    callbacks: Mutex<Option<Arc<dyn PythonCallbacks>>>,
    /// What the secrets providers hold.
    secrets: Mutex<Arc<BTreeMap<String, String>>>,
    /// The master's locks, kept across reconfigs.
    locks: Locks,
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
                wake: Notify::new(),
                builds_done: Notify::new(),
                callbacks: Mutex::new(callbacks),
                secrets: Mutex::default(),
                locks: Locks::default(),
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

    /// One pass of the distributor.
    async fn distribute(&self) -> Result<(), oxbot_db::DbError> {
        let config = self.inner.config.lock().expect("botmaster lock").clone();
        let builderids = self
            .inner
            .builderids
            .lock()
            .expect("botmaster lock")
            .clone();
        let mut pending = Vec::new();
        for builder in &config.builders {
            let Some(&builderid) = builderids.get(&builder.name) else {
                continue;
            };
            let mut requests = self.inner.db.unclaimed_build_requests(builderid).await?;
            // The builder's `collapseRequests`, else `c['collapseRequests']`; Buildbot's
            // default is to collapse.
            let collapse = builder
                .collapse_requests
                .as_ref()
                .or(config.collapse_requests.as_ref());
            if requests.len() > 1 && collapse.is_none_or(|c| c != &serde_json::Value::Bool(false)) {
                if collapse.is_some_and(|c| c.get("$python").is_some()) {
                    // A callable: reported at start; requests are not collapsed.
                } else {
                    let collapsed =
                        crate::process::collapse::collapse_pending(&self.inner.updates, &requests)
                            .await?;
                    requests.retain(|r| !collapsed.contains(&r.buildrequestid));
                }
            }
            if let Some(oldest) = requests.first() {
                pending.push((oldest.submitted_at, builder, builderid, requests));
            }
        }
        // Builders with the oldest request go first (Buildbot's default prioritizeBuilders).
        pending.sort_by_key(|(oldest, ..)| *oldest);
        for (_, builder, builderid, requests) in pending {
            for request in requests {
                let Some(worker) = self.pick_worker(builder) else {
                    break;
                };
                let masterid = self.inner.updates.masterid();
                match self
                    .inner
                    .db
                    .claim_build_requests(&[request.buildrequestid], masterid)
                    .await
                {
                    Ok(()) => {}
                    Err(oxbot_db::DbError::Conflict(_)) => continue,
                    Err(err) => return Err(err),
                }
                self.inner
                    .updates
                    .build_requests_claimed(&[request.buildrequestid])
                    .await?;
                let info = self.request_info(builderid, &request).await?;
                self.start_build(Arc::new(builder.clone()), &config, info, worker)
                    .await;
            }
        }
        Ok(())
    }

    /// An attached worker configured for the builder and idle on it, within its `max_builds`,
    /// on which the builder's locks are free (Buildbot's `canStartBuild` lock check).
    fn pick_worker(
        &self,
        builder: &BuilderConfig,
    ) -> Option<Arc<crate::worker::connection::WorkerConnection>> {
        let running = self.inner.running.lock().expect("botmaster lock");
        builder.workernames.iter().find_map(|name| {
            let conn = self.inner.workers.connection(name)?;
            let busy_here = running
                .values()
                .any(|b| b.worker == *name && b.builder == builder.name);
            let total = running.values().filter(|b| b.worker == *name).count();
            let limit = conn.max_builds().map_or(usize::MAX, |m| m as usize);
            (!busy_here && total < limit && self.locks_available(builder, name)).then_some(conn)
        })
    }

    fn locks_available(&self, builder: &BuilderConfig, worker: &str) -> bool {
        builder.locks.is_empty()
            || LockAccess::from_config(&builder.locks, worker)
                // A malformed lock fails the build, where the user sees it.
                .map_or(true, |wants| self.inner.locks.is_available(&wants))
    }

    async fn request_info(
        &self,
        builderid: i64,
        request: &oxbot_db::BuildRequestModel,
    ) -> Result<BuildRequestInfo, oxbot_db::DbError> {
        let sourcestamps = self
            .inner
            .db
            .get_sourcestamps_for_buildset(request.buildsetid)
            .await?
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
        Ok(BuildRequestInfo {
            brid: request.buildrequestid,
            bsid: request.buildsetid,
            builderid,
            sourcestamps,
            properties,
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
                let _ = updates.unclaim_build_requests(&[request.brid]).await;
                return;
            }
        };
        let buildid = created.buildid;
        info!(builder = %builder.name, number = created.number, worker = %worker.name(), "starting build");
        self.inner.running.lock().expect("botmaster lock").insert(
            buildid,
            RunningBuild {
                control,
                worker: worker.name().to_owned(),
                builder: builder.name.clone(),
            },
        );
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
        let outcome = if results == Results::Retry {
            updates.unclaim_build_requests(&[brid]).await
        } else {
            updates.complete_build_requests(&[brid], results).await
        };
        if let Err(err) = outcome {
            warn!(cause = %err, "could not finish the build's request");
        }
        if results != Results::Retry
            && let Err(err) = updates.maybe_complete_buildset(bsid).await
        {
            warn!(cause = %err, "could not complete the buildset");
        }
        self.inner
            .running
            .lock()
            .expect("botmaster lock")
            .remove(&buildid);
        self.inner.builds_done.notify_waiters();
        self.wake();
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
    /// and waits until they have all been recorded.
    pub async fn stop_all_builds(&self) {
        loop {
            let notified = self.inner.builds_done.notified();
            {
                let running = self.inner.running.lock().expect("botmaster lock");
                if running.is_empty() {
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
