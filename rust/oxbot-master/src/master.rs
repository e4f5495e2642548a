//! The master: registers the configuration in the database, runs the worker listeners and the
//! botmaster, answers control actions, and shuts down cleanly (Buildbot's `master.py`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use oxbot_core::config::{MasterConfig, SchedulerConfig};
use oxbot_db::{Db, DbError, LogCompression};
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::info;

use crate::control::{BoxFuture, ChangeSpec, Control, ControlError, ForceResult, WorkerAction};
use crate::data::api::DataApi;
use crate::data::updates::Updates;
use crate::mq::Mq;
use crate::process::botmaster::BotMaster;
use crate::worker::manager::WorkerManager;
use oxbot_db::NewBuildset;

/// A started master.
#[derive(Clone)]
pub struct Master {
    db: Db,
    mq: Mq,
    updates: Updates,
    botmaster: BotMaster,
    workers: WorkerManager,
    /// What the configuration says; replaced as a whole on reconfig.
    current: Arc<RwLock<Current>>,
    /// The data API handed to the web server (its force schedulers follow reconfigs).
    data_api: DataApi,
    /// The running change sources and schedulers, restarted on reconfig.
    services: Arc<tokio::sync::Mutex<Option<Services>>>,
}

/// The configuration a master runs, with what belongs to it.
#[derive(Clone)]
struct Current {
    config: Arc<MasterConfig>,
    builderids: BTreeMap<String, i64>,
    /// The configuration's Python, for schedulers' and change filters' callables.
    callbacks: Option<Arc<dyn oxbot_core::python::PythonCallbacks>>,
}

/// Running change sources and schedulers, and the switch that stops them.
struct Services {
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Registers a configuration's builders, workers and schedulers for this master; returns the
/// builder and worker ids by name.
async fn register(
    db: &Db,
    masterid: i64,
    config: &MasterConfig,
) -> Result<(BTreeMap<String, i64>, HashMap<String, i64>), DbError> {
    let mut projectids = HashMap::new();
    for project in config.builders.iter().filter_map(|b| b.project.as_ref()) {
        if !projectids.contains_key(project) {
            projectids.insert(project.clone(), db.find_project_id(project).await?);
        }
    }
    let registrations: Vec<oxbot_db::BuilderRegistration<'_>> = config
        .builders
        .iter()
        .map(|b| oxbot_db::BuilderRegistration {
            name: &b.name,
            description: b.description.as_deref(),
            projectid: b.project.as_ref().map(|p| projectids[p]),
            tags: &b.tags,
        })
        .collect();
    let ids = db.register_builders(masterid, &registrations).await?;
    let builderids: BTreeMap<String, i64> = config
        .builders
        .iter()
        .map(|b| b.name.clone())
        .zip(ids)
        .collect();
    let mut workerids = HashMap::new();
    for worker in &config.workers {
        let id = db.find_worker_id(&worker.name).await?;
        let ids: Vec<i64> = config
            .builders
            .iter()
            .filter(|b| b.workernames.contains(&worker.name))
            .filter_map(|b| builderids.get(&b.name).copied())
            .collect();
        db.worker_configured(id, masterid, &ids).await?;
        workerids.insert(worker.name.clone(), id);
    }
    for scheduler in &config.schedulers {
        let id = db.find_scheduler_id(&scheduler.name).await?;
        db.set_scheduler_master(id, Some(masterid)).await?;
    }
    // The change sources this master runs (Buildbot's `/changesources`).
    for source in config
        .change_sources
        .iter()
        .filter(|s| runs_change_source(&s.kind))
    {
        let id = db.find_change_source_id(&source.name).await?;
        db.set_change_source_master(id, Some(masterid)).await?;
    }
    Ok((builderids, workerids))
}

/// Whether oxbot runs change sources of this kind (the others are listed as not supported).
fn runs_change_source(kind: &str) -> bool {
    matches!(kind, "GitPoller" | "HgPoller" | "SVNPoller")
}

/// How log chunks are stored: `c['logCompressionMethod']`, or `gz` (what Buildbot 4.3 writes
/// without the `zstandard` package) when it is unset or names brotli, which oxbot cannot write
/// (`checkconfig` and the start log say so).
fn log_compression(config: &MasterConfig) -> LogCompression {
    config
        .log_compression_method
        .as_deref()
        .and_then(LogCompression::from_name)
        .unwrap_or(LogCompression::Gz)
}

/// The `forceschedulers` resources of a configuration, with Buildbot's fields.
fn force_scheduler_resources(config: &MasterConfig) -> Vec<Value> {
    config
        .schedulers
        .iter()
        .filter(|s| s.kind == "ForceScheduler")
        .map(|s| {
            json!({
                "all_fields": s.args.get("all_fields").cloned().unwrap_or_else(|| json!([])),
                "builder_names": s.builder_names,
                "button_name": s.args.get("button_name").cloned().unwrap_or_else(|| json!(s.name)),
                "enabled": true,
                "label": s.args.get("label").cloned().unwrap_or_else(|| json!(s.name)),
                "name": s.name,
            })
        })
        .collect()
}

impl Master {
    /// Registers this master, its builders, workers and schedulers in the database.
    pub async fn start(
        config: Arc<MasterConfig>,
        db: Db,
        name: &str,
        callbacks: Option<Arc<dyn oxbot_core::python::PythonCallbacks>>,
    ) -> Result<Master, DbError> {
        let masterid = db.find_master_id(name).await?;
        // Buildbot's start-up housekeeping: what a previous run of this master (or a master
        // that stopped answering) left unfinished is finished RETRY and its claims released.
        db.master_stopped(masterid).await?;
        db.expire_masters(oxbot_db::now(), true).await?;
        db.set_master_state(masterid, true).await?;
        let mq = Mq::new();
        let updates = Updates::new(db.clone(), mq.clone(), masterid);
        let (builderids, workerids) = register(&db, masterid, &config).await?;
        let workers = WorkerManager::new();
        workers.configure(&config, &workerids);
        // A worker paused before stays paused (Buildbot reads `paused` back from the database).
        for (name, id) in &workerids {
            if db.get_worker(*id).await?.paused {
                workers.set_paused(name, true);
            }
        }
        let botmaster = BotMaster::new(
            db.clone(),
            updates.clone(),
            workers.clone(),
            config.clone(),
            callbacks.clone(),
        );
        botmaster.set_builders(config.clone(), builderids.clone());
        match crate::secrets::load(&config.secrets_providers) {
            Ok(secrets) => botmaster.set_secrets(secrets),
            Err(err) => tracing::error!(cause = %err, "could not read the secrets"),
        }
        db.set_log_compression(log_compression(&config));
        let data_api = DataApi::new(db.clone());
        data_api.set_forceschedulers(force_scheduler_resources(&config));
        info!(masterid, builders = builderids.len(), "master registered");
        Ok(Master {
            db,
            mq,
            updates,
            botmaster,
            workers,
            current: Arc::new(RwLock::new(Current {
                config,
                builderids,
                callbacks,
            })),
            data_api,
            services: Arc::default(),
        })
    }

    /// Applies a new configuration without stopping running builds (Buildbot's reconfig):
    /// builders, workers and schedulers are registered again, the botmaster and the worker
    /// manager take the new configuration, change sources and schedulers restart. Running
    /// builds finish with the configuration (and Python) they started with.
    pub async fn reconfig(
        &self,
        config: Arc<MasterConfig>,
        callbacks: Option<Arc<dyn oxbot_core::python::PythonCallbacks>>,
    ) -> Result<(), DbError> {
        let old = self.config();
        let (builderids, workerids) = register(&self.db, self.updates.masterid(), &config).await?;
        // Schedulers and change sources the new configuration drops are no longer this
        // master's.
        for scheduler in &old.schedulers {
            if !config.schedulers.iter().any(|s| s.name == scheduler.name) {
                let id = self.db.find_scheduler_id(&scheduler.name).await?;
                self.db.set_scheduler_master(id, None).await?;
            }
        }
        for source in old
            .change_sources
            .iter()
            .filter(|s| runs_change_source(&s.kind))
        {
            if !config
                .change_sources
                .iter()
                .any(|s| s.name == source.name && runs_change_source(&s.kind))
            {
                let id = self.db.find_change_source_id(&source.name).await?;
                self.db.set_change_source_master(id, None).await?;
            }
        }
        self.workers.configure(&config, &workerids);
        // Workers the new configuration drops are disconnected, as Buildbot does.
        for conn in self.workers.connections() {
            if !config.workers.iter().any(|w| w.name == conn.name()) {
                conn.close();
            }
        }
        self.botmaster.set_callbacks(callbacks.clone());
        self.botmaster
            .set_builders(config.clone(), builderids.clone());
        match crate::secrets::load(&config.secrets_providers) {
            Ok(secrets) => self.botmaster.set_secrets(secrets),
            Err(err) => tracing::error!(cause = %err, "could not read the secrets"),
        }
        self.db.set_log_compression(log_compression(&config));
        self.data_api
            .set_forceschedulers(force_scheduler_resources(&config));
        *self.current.write().expect("master lock") = Current {
            config,
            builderids,
            callbacks,
        };
        self.stop_services().await;
        self.start_services().await;
        self.botmaster.wake();
        Ok(())
    }

    fn current(&self) -> Current {
        self.current.read().expect("master lock").clone()
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn mq(&self) -> &Mq {
        &self.mq
    }

    /// The configuration the master runs now.
    pub fn config(&self) -> Arc<MasterConfig> {
        self.current().config
    }

    /// The read side of the data API over this master's database, with its force schedulers.
    pub fn data_api(&self) -> DataApi {
        self.data_api.clone()
    }

    /// Runs the worker listeners and the botmaster until `shutdown` flips to true, then stops
    /// every running build (recorded as Buildbot does on a master shutdown) and marks this
    /// master inactive.
    pub async fn run(
        &self,
        worker_listeners: Vec<TcpListener>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let stop = {
            let shutdown = shutdown.clone();
            move || {
                let mut shutdown = shutdown.clone();
                async move {
                    let _ = shutdown.wait_for(|s| *s).await;
                }
            }
        };
        let mut tasks = Vec::new();
        for listener in worker_listeners {
            tasks.push(tokio::spawn(crate::worker::listener::serve(
                listener,
                self.workers.clone(),
                self.botmaster.clone(),
                self.updates.clone(),
                stop(),
            )));
        }
        let botmaster = self.botmaster.clone();
        let distributor = tokio::spawn({
            let stop = stop();
            async move { botmaster.run(stop).await }
        });
        self.start_services().await;
        tasks.push(tokio::spawn({
            let db = self.db.clone();
            let masterid = self.updates.masterid();
            let stop = stop();
            async move { heartbeat(db, masterid, stop).await }
        }));
        let _ = shutdown.wait_for(|s| *s).await;
        info!("master shutting down");
        distributor.abort();
        self.stop_services().await;
        self.botmaster.stop_all_builds().await;
        for task in tasks {
            let _ = task.await;
        }
        for conn in self.workers.connections() {
            conn.close();
        }
        if let Err(err) = self
            .db
            .set_master_state(self.updates.masterid(), false)
            .await
        {
            tracing::warn!(cause = %err, "could not mark the master inactive");
        }
    }

    /// Stops the running change sources and schedulers and waits for them.
    async fn stop_services(&self) {
        if let Some(services) = self.services.lock().await.take() {
            services.stop.send_replace(true);
            for task in services.tasks {
                let _ = task.await;
            }
        }
    }

    /// Starts the change sources and schedulers of the current configuration.
    async fn start_services(&self) {
        let Current {
            config,
            builderids,
            callbacks,
        } = self.current();
        let (stop_tx, stop_rx) = watch::channel(false);
        let stop = move || {
            let mut stop_rx = stop_rx.clone();
            async move {
                let _ = stop_rx.wait_for(|s| *s).await;
            }
        };
        let mut tasks = Vec::new();
        for source in &config.change_sources {
            if source.kind == "HgPoller" {
                match crate::changes::hgpoller::HgPoller::from_config(source, callbacks.clone()) {
                    Ok(poller) => {
                        tasks.push(tokio::spawn(poller.run(self.updates.clone(), stop())));
                    }
                    Err(err) => tracing::warn!(source = %source.name, "{err}"),
                }
                continue;
            }
            if source.kind == "SVNPoller" {
                match crate::changes::svnpoller::SvnPoller::from_config(source, callbacks.clone()) {
                    Ok(poller) => {
                        tasks.push(tokio::spawn(poller.run(self.updates.clone(), stop())));
                    }
                    Err(err) => tracing::warn!(source = %source.name, "{err}"),
                }
                continue;
            }
            if source.kind != "GitPoller" {
                continue;
            }
            match crate::changes::gitpoller::GitPoller::from_config(source, callbacks.clone()) {
                Ok(poller) => {
                    tasks.push(tokio::spawn(poller.run(self.updates.clone(), stop())));
                }
                Err(err) => tracing::warn!(source = %source.name, "{err}"),
            }
        }
        for scheduler in &config.schedulers {
            if scheduler.kind == "Dependent" {
                match crate::schedulers::dependent::Dependent::from_config(scheduler, &builderids) {
                    Ok(s) => tasks.push(tokio::spawn(s.run(
                        self.mq.clone(),
                        self.updates.clone(),
                        stop(),
                    ))),
                    Err(err) => tracing::warn!(scheduler = %scheduler.name, "{err}"),
                }
                continue;
            }
            if matches!(
                scheduler.kind.as_str(),
                "Periodic" | "Nightly" | "NightlyTriggerable"
            ) {
                match crate::schedulers::timed::TimedScheduler::from_config(
                    scheduler,
                    &builderids,
                    callbacks.clone(),
                ) {
                    Ok(s) => tasks.push(tokio::spawn(s.run(
                        self.mq.clone(),
                        self.updates.clone(),
                        stop(),
                    ))),
                    Err(err) => tracing::warn!(scheduler = %scheduler.name, "{err}"),
                }
                continue;
            }
            if !matches!(
                scheduler.kind.as_str(),
                "SingleBranchScheduler" | "AnyBranchScheduler"
            ) {
                continue;
            }
            match crate::schedulers::basic::BranchScheduler::from_config(
                scheduler,
                &builderids,
                callbacks.clone(),
            ) {
                Ok(s) => {
                    tasks.push(tokio::spawn(s.run(
                        self.mq.clone(),
                        self.updates.clone(),
                        stop(),
                    )));
                }
                Err(err) => tracing::warn!(scheduler = %scheduler.name, "{err}"),
            }
        }
        *self.services.lock().await = Some(Services {
            stop: stop_tx,
            tasks,
        });
    }

    fn force_scheduler(&self, name: &str) -> Option<SchedulerConfig> {
        self.current()
            .config
            .schedulers
            .iter()
            .find(|s| s.name == name && s.kind == "ForceScheduler")
            .cloned()
    }

    async fn do_force(
        &self,
        scheduler: &str,
        params: Map<String, Value>,
    ) -> Result<ForceResult, ControlError> {
        let sched = self.force_scheduler(scheduler).ok_or_else(|| {
            ControlError::NotFound(format!("no such forcescheduler '{scheduler}'"))
        })?;
        let builderids = self.current().builderids;
        let builder_names: Vec<String> = match params.get("builderid") {
            Some(id) => {
                let id = id
                    .as_i64()
                    .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
                    .ok_or_else(|| ControlError::Invalid {
                        message: "invalid builderid".into(),
                        fields: BTreeMap::new(),
                    })?;
                let name = builderids
                    .iter()
                    .find(|(_, v)| **v == id)
                    .map(|(k, _)| k.clone())
                    .ok_or_else(|| ControlError::NotFound(format!("no builder with id {id}")))?;
                vec![name]
            }
            None => match params.get("builderNames").and_then(Value::as_array) {
                Some(names) => names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                None => sched.builder_names.clone(),
            },
        };
        for name in &builder_names {
            if !sched.builder_names.contains(name) {
                return Err(ControlError::Invalid {
                    message: format!("unknown builder name '{name}' for scheduler '{scheduler}'"),
                    fields: BTreeMap::new(),
                });
            }
        }
        let text = |key: &str| params.get(key).and_then(Value::as_str).map(str::to_owned);
        let priority = force_priority(&sched, &params)?;
        let reason = text("reason").unwrap_or_else(|| "force build".to_owned());
        let all_fields = sched.args.get("all_fields");
        // A field of the form left out: its default (Buildbot's `getFromKwargs`).
        let default_of = |full_name: &str| {
            force_field_default(all_fields, full_name)
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        // The logged-in user, else (anonymous) the form's username field.
        let owner = text("owner")
            .filter(|o| o != "anonymous")
            .or_else(|| text("username"))
            .unwrap_or_else(|| default_of("username"));
        let mut properties = vec![
            (
                "reason".to_owned(),
                Value::from(reason.clone()),
                "Force Build Form".to_owned(),
            ),
            (
                "owner".to_owned(),
                Value::from(owner.clone()),
                "Force Build Form".to_owned(),
            ),
            (
                "scheduler".to_owned(),
                Value::from(scheduler),
                "Scheduler".to_owned(),
            ),
        ];
        properties.extend(
            sched
                .properties
                .iter()
                .map(|(k, v)| (k.clone(), v.clone(), "Scheduler".to_owned())),
        );
        for name in force_property_names(&sched) {
            // A parameter the form left out has its default, as Buildbot's `getFromKwargs`.
            let value = params
                .get(&name)
                .or_else(|| force_field_default(all_fields, &name));
            if let Some(value) = value {
                properties.push((name, value.clone(), "Force Build Form".to_owned()));
            }
        }
        // One source stamp per codebase of the form; a codebase's fields are named
        // `<fullName>_branch`... (just `branch`... for the default codebase '').
        let codebases: Vec<(String, String)> = sched
            .args
            .get("codebase_fields")
            .and_then(Value::as_array)
            .map(|fields| {
                fields
                    .iter()
                    .map(|f| {
                        let get = |k: &str| {
                            f.get(k)
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned()
                        };
                        (get("codebase"), get("fullName"))
                    })
                    .collect()
            })
            .filter(|c: &Vec<_>| !c.is_empty())
            .unwrap_or_else(|| vec![(String::new(), String::new())]);
        let mut sourcestamp_ids = Vec::new();
        for (codebase, prefix) in codebases {
            let field = |name: &str| {
                let full_name = if prefix.is_empty() {
                    name.to_owned()
                } else {
                    format!("{prefix}_{name}")
                };
                Some(text(&full_name).unwrap_or_else(|| default_of(&full_name)))
            };
            let ssid = self
                .db
                .find_sourcestamp_id(&oxbot_db::NewSourceStamp {
                    branch: field("branch"),
                    revision: field("revision"),
                    repository: field("repository").unwrap_or_default(),
                    project: field("project").unwrap_or_default(),
                    codebase,
                    patch: None,
                })
                .await
                .map_err(|e| ControlError::Internal(e.to_string()))?;
            sourcestamp_ids.push(ssid);
        }
        let builderids: Vec<i64> = builder_names
            .iter()
            .filter_map(|n| builderids.get(n).copied())
            .collect();
        let (bsid, brids) = self
            .updates
            .add_buildset(NewBuildset {
                sourcestamp_ids,
                reason: sched
                    .args
                    .get("reasonString")
                    .and_then(Value::as_str)
                    .unwrap_or("A build was forced by '%(owner)s': %(reason)s")
                    .replace("%(owner)s", &owner)
                    .replace("%(reason)s", &reason),
                properties,
                builderids,
                priority,
                ..NewBuildset::default()
            })
            .await
            .map_err(|e| ControlError::Internal(e.to_string()))?;
        self.botmaster.wake();
        Ok(ForceResult { bsid, brids })
    }
}

/// Every minute, marks this master alive and expires masters that stopped answering
/// (Buildbot's `MasterService` heartbeat), until `shutdown` resolves.
async fn heartbeat(db: Db, masterid: i64, shutdown: impl std::future::Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => return,
            () = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
        }
        let beat = async {
            db.set_master_state(masterid, true).await?;
            db.expire_masters(oxbot_db::now(), false).await
        };
        if let Err(err) = beat.await {
            tracing::warn!(cause = %err, "master heartbeat failed");
        }
    }
}

/// Replaces every `util.Secret` in `value` by the secret's value, when a provider has it.
fn render_secrets(value: &mut Value, secrets: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            if map.get("$renderable").and_then(Value::as_str) == Some("Secret")
                && let Some(secret) = map
                    .get("name")
                    .and_then(Value::as_str)
                    .and_then(|name| secrets.get(name))
            {
                *value = Value::from(secret.clone());
                return;
            }
            map.values_mut().for_each(|v| render_secrets(v, secrets));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| render_secrets(v, secrets)),
        _ => {}
    }
}

/// A change hook's change as the database takes it, with `addChange`'s defaults.
fn new_change(spec: ChangeSpec) -> oxbot_db::NewChange {
    oxbot_db::NewChange {
        author: spec.author.unwrap_or_default(),
        committer: spec.committer,
        files: spec.files,
        comments: spec.comments.unwrap_or_default(),
        revision: spec.revision,
        when_timestamp: spec
            .when_timestamp
            .map_or_else(oxbot_db::now, |t| t.floor() as i64),
        branch: spec.branch,
        category: spec.category,
        revlink: spec.revlink,
        properties: spec.properties.into_iter().collect(),
        repository: spec.repository,
        codebase: spec.codebase.unwrap_or_default(),
        project: spec.project,
    }
}

/// The forced build's priority: the form's priority field (an int, or its text), 0 when
/// empty; anything else is the field's error, worded as Python's `int()` words it.
fn force_priority(
    sched: &SchedulerConfig,
    params: &Map<String, Value>,
) -> Result<i64, ControlError> {
    let field = sched
        .args
        .get("priority_field")
        .and_then(Value::as_str)
        .unwrap_or("priority");
    match params.get(field) {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64().unwrap_or_default()),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(0),
        Some(Value::String(text)) if text.trim().parse::<i64>().is_ok() => {
            Ok(text.trim().parse().unwrap_or_default())
        }
        Some(other) => {
            let shown = match other {
                Value::String(text) => format!("'{text}'"),
                other => other.to_string(),
            };
            Err(ControlError::Invalid {
                message: format!("invalid literal for int() with base 10: {shown}"),
                fields: BTreeMap::from([(
                    field.to_owned(),
                    format!("invalid literal for int() with base 10: {shown}"),
                )]),
            })
        }
    }
}

/// The default of the ForceScheduler field whose `fullName` is `full_name`, searched in
/// its `all_fields` spec (nested groups included).
fn force_field_default<'a>(fields: Option<&'a Value>, full_name: &str) -> Option<&'a Value> {
    fields?.as_array()?.iter().find_map(|field| {
        if field.get("fullName").and_then(Value::as_str) == Some(full_name)
            && field.get("type").and_then(Value::as_str) != Some("nested")
        {
            field.get("default")
        } else {
            force_field_default(field.get("fields"), full_name)
        }
    })
}

/// The names of a ForceScheduler's property parameters, as the config loader lists them.
fn force_property_names(sched: &SchedulerConfig) -> Vec<String> {
    oxbot_core::config::string_list(sched.args.get("properties"))
}

/// A database error as a control error: a missing object is `NotFound`.
fn control_error(err: DbError) -> ControlError {
    match err {
        DbError::NotFound(what) => ControlError::NotFound(format!("{what} not found")),
        other => ControlError::Internal(other.to_string()),
    }
}

impl Master {
    /// Buildbot's `rebuildBuildrequest` for a build's request.
    async fn do_rebuild(&self, buildid: i64) -> Result<ForceResult, ControlError> {
        let build = self.db.get_build(buildid).await.map_err(control_error)?;
        let request = self
            .db
            .get_build_request(build.buildrequestid)
            .await
            .map_err(control_error)?;
        let buildset = self
            .db
            .get_buildset(request.buildsetid)
            .await
            .map_err(control_error)?;
        let properties = self
            .db
            .get_buildset_properties(request.buildsetid)
            .await
            .map_err(control_error)?
            .into_iter()
            .map(|(name, (value, source))| (name, value, source))
            .collect();
        // The first build of the chain: a rebuild of a rebuild keeps the original.
        let rebuilt_buildid = match buildset.rebuilt_buildid {
            Some(id) => Some(id),
            None => self
                .db
                .get_builds_where(&oxbot_db::BuildFilter {
                    buildrequestid: Some(request.buildrequestid),
                    limit: Some(1),
                    ..oxbot_db::BuildFilter::default()
                })
                .await
                .map_err(control_error)?
                .first()
                .map(|b| b.id),
        };
        let (bsid, brids) = self
            .updates
            .add_buildset(NewBuildset {
                sourcestamp_ids: buildset.sourcestamps,
                reason: "rebuild".to_owned(),
                properties,
                builderids: vec![request.builderid],
                waited_for: false,
                external_idstring: buildset.external_idstring,
                parent_buildid: buildset.parent_buildid,
                parent_relationship: buildset.parent_relationship,
                rebuilt_buildid,
                ..NewBuildset::default()
            })
            .await
            .map_err(control_error)?;
        self.botmaster.wake();
        Ok(ForceResult { bsid, brids })
    }

    async fn do_cancel(&self, brid: i64, reason: &str) -> Result<(), ControlError> {
        let request = self
            .db
            .get_build_request(brid)
            .await
            .map_err(control_error)?;
        if request.complete {
            return Ok(());
        }
        if self
            .updates
            .cancel_unclaimed_build_request(brid)
            .await
            .map_err(control_error)?
        {
            info!(brid, reason, "build request cancelled");
        } else {
            let builds = self.botmaster.cancel_claimed_request(brid, reason);
            info!(
                brid,
                ?builds,
                reason,
                "build request cancelled: stopping its build"
            );
        }
        Ok(())
    }

    async fn do_control_worker(
        &self,
        workerid: i64,
        action: WorkerAction,
        reason: String,
    ) -> Result<(), ControlError> {
        let worker = self.db.get_worker(workerid).await.map_err(control_error)?;
        let name = worker.name;
        info!(worker = %name, ?action, reason, "worker control");
        match action {
            WorkerAction::Pause => {
                self.workers.set_paused(&name, true);
                self.updates
                    .set_worker_paused(workerid, true, Some(&reason))
                    .await
                    .map_err(control_error)?;
            }
            WorkerAction::Unpause => {
                self.workers.set_paused(&name, false);
                self.updates
                    .set_worker_paused(workerid, false, None)
                    .await
                    .map_err(control_error)?;
                self.botmaster.wake();
            }
            WorkerAction::Stop => {
                self.workers.set_graceful(&name, true);
                self.updates
                    .set_worker_graceful(workerid, true)
                    .await
                    .map_err(control_error)?;
                self.botmaster.maybe_shutdown_worker(&name);
            }
            WorkerAction::Kill => {
                if !self.botmaster.shutdown_worker(&name) {
                    info!(worker = %name, "no connection; the worker is already shut down");
                }
            }
        }
        Ok(())
    }
}

impl Control for Master {
    fn force(
        &self,
        scheduler: String,
        params: Map<String, Value>,
    ) -> BoxFuture<'_, Result<ForceResult, ControlError>> {
        Box::pin(async move { self.do_force(&scheduler, params).await })
    }

    fn stop_build(
        &self,
        buildid: i64,
        reason: Option<String>,
    ) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            let reason = reason.unwrap_or_else(|| "<no reason given>".to_owned());
            if self
                .botmaster
                .stop_build(buildid, &reason, oxbot_core::Results::Cancelled)
            {
                return Ok(());
            }
            // A finished build: nothing to stop (Buildbot answers null too).
            match self.db.get_build(buildid).await.map_err(control_error)? {
                build if build.complete_at.is_some() => Ok(()),
                _ => Err(ControlError::NotFound(format!(
                    "build {buildid} is not running on this master"
                ))),
            }
        })
    }

    fn change_hook_dialects(&self) -> Map<String, Value> {
        let config = self.config();
        let Some(Value::Object(dialects)) = config.www.other.get("change_hook_dialects") else {
            return Map::new();
        };
        let mut dialects = Value::Object(dialects.clone());
        let needs_secrets = serde_json::to_string(&dialects)
            .is_ok_and(|text| text.contains("\"$renderable\":\"Secret\""));
        if needs_secrets {
            match crate::secrets::load(&config.secrets_providers) {
                Ok(secrets) => render_secrets(&mut dialects, &secrets),
                Err(err) => tracing::error!(cause = %err, "could not read the secrets"),
            }
        }
        match dialects {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn add_changes(
        &self,
        src: Option<String>,
        changes: Vec<ChangeSpec>,
    ) -> BoxFuture<'_, Result<Vec<i64>, ControlError>> {
        Box::pin(async move {
            let mut ids = Vec::with_capacity(changes.len());
            for spec in changes {
                let revision = spec.revision.clone();
                let id = self
                    .updates
                    .add_change(new_change(spec))
                    .await
                    .map_err(|e| ControlError::Internal(e.to_string()))?;
                info!(changeid = id, src = ?src, revision = ?revision, "added change from a change hook");
                ids.push(id);
            }
            Ok(ids)
        })
    }

    fn rebuild_build(&self, buildid: i64) -> BoxFuture<'_, Result<ForceResult, ControlError>> {
        Box::pin(async move { self.do_rebuild(buildid).await })
    }

    fn cancel_build_request(
        &self,
        brid: i64,
        reason: Option<String>,
    ) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            let reason = reason.unwrap_or_else(|| "no reason".to_owned());
            self.do_cancel(brid, &reason).await
        })
    }

    fn set_build_request_priority(
        &self,
        brid: i64,
        priority: i64,
    ) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            let request = self
                .db
                .get_build_request(brid)
                .await
                .map_err(control_error)?;
            if request.complete {
                return Err(ControlError::Invalid {
                    message: format!("buildrequest {brid} is already complete"),
                    fields: BTreeMap::new(),
                });
            }
            self.updates
                .set_build_requests_priority(&[brid], priority)
                .await
                .map_err(control_error)?;
            self.botmaster.wake();
            Ok(())
        })
    }

    fn control_worker(
        &self,
        workerid: i64,
        action: WorkerAction,
        reason: Option<String>,
    ) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            let reason = reason.unwrap_or_else(|| "no reason".to_owned());
            self.do_control_worker(workerid, action, reason).await
        })
    }

    fn enable_scheduler(
        &self,
        schedulerid: i64,
        enabled: bool,
    ) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            self.db
                .get_scheduler(schedulerid)
                .await
                .map_err(control_error)?;
            self.updates
                .set_scheduler_enabled(schedulerid, enabled)
                .await
                .map_err(control_error)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_secrets_are_rendered() {
        let secrets = BTreeMap::from([("gh".to_owned(), "s3cret".to_owned())]);
        let mut dialects = json!({
            "github": {"secret": {"$renderable": "Secret", "name": "gh"}, "strict": true},
            "gitlab": {"secret": {"$renderable": "Secret", "name": "missing"}},
        });
        render_secrets(&mut dialects, &secrets);
        assert_eq!(
            dialects,
            json!({
                "github": {"secret": "s3cret", "strict": true},
                "gitlab": {"secret": {"$renderable": "Secret", "name": "missing"}},
            })
        );
    }

    #[test]
    fn hook_changes_take_add_changes_defaults() {
        let change = new_change(ChangeSpec {
            when_timestamp: Some(1_700_000_000.9),
            ..ChangeSpec::default()
        });
        assert_eq!(change.author, "");
        assert_eq!(change.comments, "");
        assert_eq!(change.codebase, "");
        assert_eq!(change.when_timestamp, 1_700_000_000);
        let now = new_change(ChangeSpec::default()).when_timestamp;
        assert!((now - oxbot_db::now()).abs() < 5);
    }
}
