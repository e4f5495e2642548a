//! One build, from claimed request to finished row (Buildbot's `process/build.py`): properties,
//! the `worker_preparation` step, the factory's steps with their result rules, the final
//! `state_string` and results, and stopping.

use std::collections::BTreeMap;
use std::sync::Arc;

use oxbot_core::Results;
use oxbot_core::config::{BuilderConfig, StepConfig};
use oxbot_core::python::PythonCallbacks;
use serde_json::{Map, Value};
use tokio::sync::{Mutex, watch};
use tracing::{info, warn};

use crate::data::updates::Updates;
use crate::process::locks::{LockAccess, LockGuard, Locks};
use crate::process::properties::{Properties, RenderContext, RenderError, is_truthy};
use crate::process::step::{
    AddedSteps, StepContext, StepError, StepFlags, compute_result_and_termination, current_summary,
    result_summary,
};
use crate::schedulers::triggerable::Triggerable;
use crate::steps::Step;
use crate::worker::connection::WorkerConnection;

/// A source stamp of a build, as its steps read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStamp {
    pub codebase: String,
    pub branch: Option<String>,
    pub revision: Option<String>,
    pub repository: String,
    pub project: String,
}

/// What a build shares with its steps.
pub struct BuildShared {
    pub buildid: i64,
    pub number: i64,
    pub builder_name: String,
    pub env: Map<String, Value>,
    pub sourcestamps: Vec<SourceStamp>,
    pub properties: Mutex<Properties>,
    /// What renderables read besides properties; also hides used secrets from logs.
    pub render_context: Arc<RenderContext>,
    pub worker: Arc<WorkerConnection>,
    /// The configuration's `Triggerable` schedulers, for `Trigger` steps.
    pub triggerables: Arc<BTreeMap<String, Triggerable>>,
    /// The configuration's `buildbotURL`.
    pub buildbot_url: String,
}

/// What builds use from the rest of the master: the configuration's Python and its
/// triggerable schedulers.
#[derive(Clone, Default)]
pub struct BuildServices {
    pub callbacks: Option<Arc<dyn PythonCallbacks>>,
    /// What the secrets providers hold (`name -> value`).
    pub secrets: Arc<BTreeMap<String, String>>,
    pub triggerables: Arc<BTreeMap<String, Triggerable>>,
    /// The master's locks.
    pub locks: Locks,
    /// The `properties` the configuration gives the build's worker.
    pub worker_properties: Map<String, Value>,
    /// The configuration's `buildbotURL`, for the links steps add.
    pub buildbot_url: String,
}

/// What the build runner needs to start a build.
pub struct BuildRequestInfo {
    pub brid: i64,
    pub bsid: i64,
    pub builderid: i64,
    pub sourcestamps: Vec<SourceStamp>,
    /// Buildset properties (`name -> (value, source)`).
    pub properties: Vec<(String, Value, String)>,
    /// The properties of the changes of the source stamps (`name -> (value, source)`), the
    /// older changes first.
    pub change_properties: Vec<(String, Value, String)>,
    /// Buildbot's `blamelist()`: the authors of those changes and of the source stamps'
    /// patches.
    pub blamelist: Vec<String>,
}

/// Why a build is being stopped, and the result it then gets (Buildbot's
/// `stopBuild(reason, results)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopRequest {
    pub reason: String,
    pub results: Results,
}

/// A running build's stop switch: a stop request interrupts the current step.
#[derive(Debug, Clone)]
pub struct BuildControl {
    pub buildid: i64,
    stop: watch::Sender<Option<StopRequest>>,
}

impl BuildControl {
    /// Buildbot's `stopBuild(reason, results)`; a user's stop is CANCELLED, a master shutdown
    /// RETRY.
    pub fn stop(&self, reason: &str, results: Results) {
        self.stop.send_if_modified(|current| {
            if current.is_some() {
                return false;
            }
            *current = Some(StopRequest {
                reason: reason.to_owned(),
                results,
            });
            true
        });
    }
}

/// A build whose row exists, ready to run.
pub struct CreatedBuild {
    pub buildid: i64,
    pub number: i64,
    stopped: watch::Receiver<Option<StopRequest>>,
}

/// Creates the build row and its control; the build itself runs with [`run_build`].
pub async fn create_build(
    updates: &Updates,
    request: &BuildRequestInfo,
    workerid: i64,
) -> Result<(CreatedBuild, BuildControl), StepError> {
    let (buildid, number) = updates
        .add_build(request.builderid, request.brid, workerid, "created")
        .await?;
    let (stop, stopped) = watch::channel(None);
    Ok((
        CreatedBuild {
            buildid,
            number,
            stopped,
        },
        BuildControl { buildid, stop },
    ))
}

/// Runs a build to its end and returns its results (the build row is finished).
#[tracing::instrument(skip_all, fields(builder = %builder.name, buildid))]
pub async fn run_build(
    updates: Updates,
    builder: Arc<BuilderConfig>,
    global_properties: &Map<String, Value>,
    request: BuildRequestInfo,
    created: CreatedBuild,
    worker: Arc<WorkerConnection>,
    services: BuildServices,
) -> Results {
    let CreatedBuild {
        buildid,
        number,
        stopped,
    } = created;
    tracing::Span::current().record("buildid", buildid);
    let render_context = Arc::new(RenderContext {
        sourcestamps: request
            .sourcestamps
            .iter()
            .map(|ss| {
                let attrs = serde_json::json!({
                    "branch": ss.branch,
                    "revision": ss.revision,
                    "repository": ss.repository,
                    "project": ss.project,
                    "codebase": ss.codebase,
                });
                (
                    ss.codebase.clone(),
                    attrs.as_object().cloned().unwrap_or_default(),
                )
            })
            .collect(),
        worker_info: worker.info(),
        secrets: services.secrets.clone(),
        ..RenderContext::default()
    });
    let shared = Arc::new(BuildShared {
        buildid,
        number,
        builder_name: builder.name.clone(),
        env: builder.env.clone(),
        sourcestamps: request.sourcestamps.clone(),
        properties: Mutex::new(
            build_properties(
                &builder,
                global_properties,
                &request,
                number,
                &worker,
                &services.worker_properties,
                services.callbacks,
            )
            .with_context(render_context.clone()),
        ),
        render_context,
        worker,
        triggerables: services.triggerables,
        buildbot_url: services.buildbot_url,
    });
    let runner = BuildRunner {
        updates,
        shared,
        stopped,
        locks: services.locks,
        build_locks: None,
        text: Vec::new(),
        results: Results::Success,
        added: AddedSteps::default(),
    };
    runner.run(&builder).await
}

struct BuildRunner {
    updates: Updates,
    shared: Arc<BuildShared>,
    stopped: watch::Receiver<Option<StopRequest>>,
    text: Vec<String>,
    results: Results,
    /// Steps the last step added to the build.
    added: AddedSteps,
    locks: Locks,
    /// The builder's locks, held from the `locks_acquire` step to the last step.
    build_locks: Option<LockGuard>,
}

impl BuildRunner {
    async fn run(mut self, builder: &BuilderConfig) -> Results {
        let ran = self.run_steps(builder).await;
        self.build_locks = None;
        let (results, text) = match ran {
            Ok(()) => {
                let stop_reason = self.stopped.borrow().as_ref().map(|s| s.reason.clone());
                let mut text: Vec<String> = match self.results {
                    Results::Failure => vec!["failed".into()],
                    Results::Warnings => vec!["warnings".into()],
                    Results::Exception => vec!["exception".into()],
                    Results::Retry => vec!["retry".into()],
                    Results::Cancelled => vec!["cancelled".into()],
                    Results::Success | Results::Skipped => {
                        vec!["build".into(), "successful".into()]
                    }
                };
                if let Some(reason) = stop_reason {
                    text.push(format!("({reason})"));
                }
                text.append(&mut self.text);
                (self.results, text)
            }
            Err(BuildEnd { results, text }) => (self.results.worst(results), text),
        };
        let buildid = self.shared.buildid;
        if let Err(err) = self
            .updates
            .finish_build(buildid, results, &text.join(" "))
            .await
        {
            warn!(cause = %err, "could not finish the build row");
        }
        info!(results = results.name(), "build finished");
        results
    }

    async fn run_steps(&mut self, builder: &BuilderConfig) -> Result<(), BuildEnd> {
        let buildid = self.shared.buildid;
        let prep = self
            .updates
            .add_started_step(buildid, "worker_preparation", true)
            .await
            .map_err(BuildEnd::exception)?;
        // Buildbot adds the `locks_acquire` step when the build starts, and runs it once the
        // worker is prepared.
        let locks_step = if builder.locks.is_empty() {
            None
        } else {
            let added = self
                .updates
                .add_step(buildid, "locks_acquire")
                .await
                .map_err(BuildEnd::exception)?;
            Some(added.0)
        };
        self.flush_properties().await.map_err(BuildEnd::exception)?;
        // oxbot's workers need no preparing (no latent workers): nothing happens between
        // these states of Buildbot's.
        self.updates
            .set_build_state_strings(buildid, &["starting", "preparing worker", "pinging worker"])
            .await
            .map_err(BuildEnd::exception)?;
        if let Err(err) = self.shared.worker.ping().await {
            warn!(cause = %err, "worker did not answer the ping");
            let _ = self
                .updates
                .finish_step(prep.0, Results::Exception, false, None)
                .await;
            return Err(BuildEnd::new(Results::Retry, &["worker", "not", "pinged"]));
        }
        let ready = format!("worker {} ready", self.shared.worker.name());
        self.updates
            .finish_step(prep.0, Results::Success, false, Some(&ready))
            .await
            .map_err(BuildEnd::exception)?;
        if let Some(stepid) = locks_step
            && !self
                .acquire_build_locks(builder, stepid)
                .await
                .map_err(BuildEnd::exception)?
        {
            if let Some(stop) = self.stopped.borrow().as_ref() {
                self.results = self.results.worst(stop.results);
            }
            return Ok(());
        }
        self.updates
            .set_build_state_string(buildid, "building")
            .await
            .map_err(BuildEnd::exception)?;

        let mut terminate = false;
        // The factory's steps, and those steps add while they run
        // (`build.addStepsAfterCurrentStep`/`addStepsAfterLastStep`).
        let mut queue: std::collections::VecDeque<StepConfig> =
            builder.factory.steps.iter().cloned().collect();
        while let Some(config) = queue.pop_front() {
            if terminate && !config.always_run {
                continue;
            }
            if self.stopped.borrow().is_some() && !config.always_run {
                continue;
            }
            let step_terminates = self.run_step(&config).await.map_err(BuildEnd::exception)?;
            for step in self.added.after_current.drain(..).rev() {
                queue.push_front(step);
            }
            queue.extend(self.added.at_end.drain(..));
            if self.shared.worker.is_lost() {
                self.results = Results::Retry;
                self.text = vec!["lost".into(), "connection".into()];
                return Ok(());
            }
            terminate |= step_terminates;
        }
        if let Some(stop) = self.stopped.borrow().as_ref() {
            self.results = self.results.worst(stop.results);
        }
        Ok(())
    }

    /// The builder's locks, in the `locks_acquire` step; false if the build was stopped while
    /// it waited.
    async fn acquire_build_locks(
        &mut self,
        builder: &BuilderConfig,
        stepid: i64,
    ) -> Result<bool, StepError> {
        let buildid = self.shared.buildid;
        let wants = LockAccess::from_config(&builder.locks, self.shared.worker.name())
            .map_err(StepError::Config)?;
        self.updates
            .set_build_state_string(buildid, "acquiring locks")
            .await?;
        self.updates.start_step(stepid, false).await?;
        let Some(guard) = self.acquire_locks(wants).await else {
            self.updates
                .finish_step(stepid, Results::Cancelled, false, None)
                .await?;
            return Ok(false);
        };
        self.build_locks = Some(guard);
        self.updates
            .set_step_locks_acquired(buildid, stepid)
            .await?;
        self.updates
            .finish_step(stepid, Results::Success, false, Some("locks acquired"))
            .await?;
        Ok(true)
    }

    /// Waits for `wants`; `None` if the build is stopped first.
    async fn acquire_locks(&self, wants: Vec<LockAccess>) -> Option<LockGuard> {
        let mut stopped = self.stopped.clone();
        tokio::select! {
            guard = self.locks.acquire(wants) => Some(guard),
            _ = stopped.wait_for(Option::is_some) => None,
        }
    }

    /// Runs one configured step and folds its result into the build's.
    async fn run_step(&mut self, config: &StepConfig) -> Result<bool, StepError> {
        let props = self.shared.properties.lock().await.clone();
        let name = match props.render(&config.name) {
            Ok(Value::String(name)) => name,
            _ => Step::default_name(&config.kind),
        };
        let (stepid, _number, name) = self
            .updates
            .add_started_step(self.shared.buildid, &name, false)
            .await?;
        // As Buildbot's startStep: the step is rendered first, then doStepIf decides.
        let args = match props.render(&Value::Object(config.args.clone())) {
            Ok(Value::Object(args)) => args,
            Ok(_) => Map::new(),
            Err(err) => {
                return self
                    .fail_step(stepid, config, None, &StepError::Render(err))
                    .await;
            }
        };
        let step = match Step::from_config(config, &args, &name) {
            Ok(step) => step,
            Err(err) => return self.fail_step(stepid, config, None, &err).await,
        };
        let do_step = match do_step_if(config.do_step_if.as_ref(), &props) {
            Ok(decision) => decision,
            Err(err) => return self.fail_step(stepid, config, Some(&step), &err).await,
        };
        if !do_step {
            // Described as it would be when done (`'make all' (skipped)`), and hidden by
            // hideStepIf as any other step.
            let summary = self.without_secrets(&result_summary(
                config,
                &step,
                &props,
                None,
                Results::Skipped,
                None,
            ));
            let hidden = step_hidden(config, &props, Results::Skipped);
            self.updates
                .finish_step(stepid, Results::Skipped, hidden, Some(&summary))
                .await?;
            return Ok(false);
        }
        // Held until this function returns, after the step's end is recorded.
        let running = current_summary(config, &step, &props);
        let _step_locks = if config.locks.is_empty() {
            // A step that runs without locks has them from its start (a skipped one never).
            self.updates
                .set_step_running_without_locks(stepid, &running)
                .await?;
            None
        } else {
            let wants = match LockAccess::from_config(&config.locks, self.shared.worker.name()) {
                Ok(wants) => wants,
                Err(err) => {
                    return self
                        .fail_step(stepid, config, Some(&step), &StepError::Config(err))
                        .await;
                }
            };
            let Some(guard) = self.acquire_locks(wants).await else {
                let reason = self.stopped.borrow().as_ref().map(|s| s.reason.clone());
                add_complete_log(
                    &self.updates,
                    stepid,
                    "cancelled while waiting for locks",
                    &reason.unwrap_or_default(),
                )
                .await?;
                self.updates
                    .finish_step(stepid, Results::Cancelled, false, Some("cancelled"))
                    .await?;
                return Ok(self.fold(config, Results::Cancelled, "cancelled".into()));
            };
            self.updates
                .set_step_locks_acquired(self.shared.buildid, stepid)
                .await?;
            self.updates.set_step_state_string(stepid, &running).await?;
            Some(guard)
        };
        // A stop interrupts the step then running; an alwaysRun step that starts after it runs
        // as any other (Buildbot's new step is not `stopped`).
        let stopped_before = self.stopped.borrow().is_some();
        let (_not_stopping, not_stopped) = watch::channel(None);
        let mut ctx = StepContext {
            build: self.shared.clone(),
            updates: self.updates.clone(),
            stepid,
            interrupt: if stopped_before {
                not_stopped
            } else {
                self.stopped.clone()
            },
            logs: Vec::new(),
            description_done: None,
            summary: None,
            remote_failure_reason: None,
            added: AddedSteps::default(),
        };
        // Buildbot's `interrupt()`: a stop that reaches the running step adds a `cancelled`
        // log with the reason at once (not to steps that start after the stop).
        let cancelled_log = (self.stopped.borrow().is_none()).then(|| {
            let mut stopped = self.stopped.clone();
            let updates = self.updates.clone();
            tokio::spawn(async move {
                let reason = match stopped.wait_for(Option::is_some).await {
                    Ok(stop) => stop.as_ref().map(|s| s.reason.clone()).unwrap_or_default(),
                    Err(_) => return Ok(()),
                };
                add_complete_log(&updates, stepid, "cancelled", &reason).await
            })
        });
        let outcome = step.run(&mut ctx).await;
        if let Some(task) = cancelled_log {
            if self.stopped.borrow().is_some() {
                match task.await {
                    Ok(Err(err)) => warn!(cause = %err, "could not add the cancelled log"),
                    Err(err) => warn!(cause = %err, "could not add the cancelled log"),
                    Ok(Ok(())) => {}
                }
            } else {
                task.abort();
            }
        }
        self.added = std::mem::take(&mut ctx.added);
        let results = match &outcome {
            Ok(results) => *results,
            Err(StepError::Failed) => Results::Failure,
            Err(StepError::Remote(crate::process::remote_command::RemoteError::WorkerLost(_))) => {
                Results::Retry
            }
            Err(err) => {
                add_failure_logs(&self.updates, stepid, &err.to_string()).await?;
                Results::Exception
            }
        };
        // Buildbot: a stopped step ends CANCELLED, or EXCEPTION unless it was RETRY.
        let stopped_while_running = !stopped_before && self.stopped.borrow().is_some();
        let results = match (stopped_while_running, results) {
            (true, Results::Retry | Results::Cancelled) | (false, _) => results,
            (true, _) => Results::Exception,
        };
        for log in &ctx.logs {
            self.updates.finish_log(log.logid).await?;
        }
        let props = self.shared.properties.lock().await.clone();
        let summary = match (ctx.summary.take(), &outcome) {
            // A feature the engine lacks names itself where users look first.
            (_, Err(err @ StepError::Unsupported(_))) => format!("{err} (exception)"),
            (Some(summary), _) if results != Results::Exception => summary,
            _ => result_summary(
                config,
                &step,
                &props,
                ctx.description_done.as_deref(),
                results,
                ctx.remote_failure_reason.as_deref(),
            ),
        };
        let summary = self.without_secrets(&summary);
        let hidden = step_hidden(config, &props, results);
        self.updates
            .finish_step(stepid, results, hidden, Some(&summary))
            .await?;
        Ok(self.fold(config, results, summary))
    }

    /// A state string as shown: the build's secrets replaced by `<name>`.
    fn without_secrets(&self, text: &str) -> String {
        self.shared.render_context.hide_secrets(text).into_owned()
    }

    /// Ends a step that failed to start (its rendering, doStepIf or locks) in EXCEPTION with
    /// the error in its `err.text` and `err.html` logs. As Buildbot's, it is described as any
    /// step ending in EXCEPTION (`step` is the step once rendered, if it got so far), but for a
    /// feature oxbot lacks, which names itself there.
    async fn fail_step(
        &mut self,
        stepid: i64,
        config: &StepConfig,
        step: Option<&Step>,
        err: &StepError,
    ) -> Result<bool, StepError> {
        warn!(cause = %err, "step failed to start");
        add_failure_logs(&self.updates, stepid, &err.to_string()).await?;
        let summary = if let StepError::Unsupported(_) = err {
            format!("{err} (exception)")
        } else {
            let props = self.shared.properties.lock().await.clone();
            // Not rendered: renderables are no command or description.
            let unrendered =
                || Step::from_config(config, &config.args, &Step::default_name(&config.kind)).ok();
            match step.cloned().or_else(unrendered) {
                Some(step) => result_summary(config, &step, &props, None, Results::Exception, None),
                None => "finished (exception)".to_owned(),
            }
        };
        let summary = self.without_secrets(&summary);
        self.updates
            .finish_step(stepid, Results::Exception, false, Some(&summary))
            .await?;
        Ok(self.fold(config, Results::Exception, summary))
    }

    /// Folds a step result into the build's (Buildbot's `stepDone`), adding the step's summary
    /// to the build's text when `updateBuildSummaryPolicy` says so.
    fn fold(&mut self, config: &StepConfig, results: Results, summary: String) -> bool {
        let flags = StepFlags::from_config(config);
        let policy = match &config.update_build_summary_policy {
            Some(Value::Bool(all)) => {
                if *all {
                    Results::ALL.to_vec()
                } else {
                    Vec::new()
                }
            }
            Some(Value::Array(codes)) => codes
                .iter()
                .filter_map(|code| Results::try_from(code.as_i64()?).ok())
                .collect(),
            _ => {
                let mut policy = vec![Results::Exception, Results::Retry, Results::Cancelled];
                if flags.flunk_on_failure || flags.halt_on_failure || flags.warn_on_failure {
                    policy.push(Results::Failure);
                }
                if flags.warn_on_warnings || flags.flunk_on_warnings {
                    policy.push(Results::Warnings);
                }
                policy
            }
        };
        if policy.contains(&results) {
            self.text.push(summary);
        }
        let (build_results, terminate) =
            compute_result_and_termination(&flags, results, self.results);
        self.results = build_results;
        terminate
    }

    async fn flush_properties(&self) -> Result<(), StepError> {
        let props = self.shared.properties.lock().await.clone();
        let all: Vec<(&str, &Value, &str)> = props.iter().collect();
        self.updates
            .set_build_properties(self.shared.buildid, &all)
            .await?;
        Ok(())
    }
}

/// Buildbot's `doStepIf`: a boolean, a renderable, or a Python callable given the step.
fn do_step_if(setting: Option<&Value>, props: &Properties) -> Result<bool, StepError> {
    let Some(setting) = setting else {
        return Ok(true);
    };
    match (oxbot_core::python::handle_of(setting), props.callbacks()) {
        (Some(handle), Some(callbacks)) => callbacks
            .step_condition(handle, &props.values(), None)
            .map_err(|err| StepError::Render(RenderError::Python(err))),
        (Some(_), None) => Err(StepError::Unsupported("doStepIf callables".to_owned())),
        (None, _) => Ok(is_truthy(&props.render(setting)?)),
    }
}

/// Buildbot's `hideStepIf`: a boolean, a renderable, or a Python callable given the step's
/// results (a callable that fails leaves the step visible).
fn step_hidden(config: &StepConfig, props: &Properties, results: Results) -> bool {
    match &config.hide_step_if {
        Some(Value::Bool(hide)) => *hide,
        Some(other) => match (oxbot_core::python::handle_of(other), props.callbacks()) {
            (Some(handle), Some(callbacks)) => callbacks
                .step_condition(handle, &props.values(), Some(results.code()))
                .unwrap_or_else(|err| {
                    warn!(cause = %err, "hideStepIf failed; the step stays visible");
                    false
                }),
            _ => is_truthy(&props.render(other).unwrap_or(Value::Null)),
        },
        None => false,
    }
}

/// Buildbot's `addLogWithFailure`: the error as the text log `err.text` and the HTML log
/// `err.html`, finished.
async fn add_failure_logs(
    updates: &Updates,
    stepid: i64,
    text: &str,
) -> Result<(), oxbot_db::DbError> {
    add_complete_log(updates, stepid, "err.text", text).await?;
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let logid = updates.add_log(stepid, "err.html", "h").await?;
    updates
        .append_log(logid, &format!("<pre>{escaped}</pre>\n"))
        .await?;
    updates.finish_log(logid).await
}

/// Buildbot's `addCompleteLog`: a text log with `text`, finished.
async fn add_complete_log(
    updates: &Updates,
    stepid: i64,
    name: &str,
    text: &str,
) -> Result<(), oxbot_db::DbError> {
    let logid = updates.add_log(stepid, name, "t").await?;
    if !text.is_empty() {
        let newline = if text.ends_with('\n') { "" } else { "\n" };
        updates
            .append_log(logid, &format!("{text}{newline}"))
            .await?;
    }
    updates.finish_log(logid).await
}

/// How a build ended early.
struct BuildEnd {
    results: Results,
    text: Vec<String>,
}

impl BuildEnd {
    fn new(results: Results, words: &[&str]) -> BuildEnd {
        BuildEnd {
            results,
            text: words.iter().map(|w| (*w).to_owned()).collect(),
        }
    }

    fn exception(err: impl std::fmt::Display) -> BuildEnd {
        warn!(cause = %err, "build failed");
        BuildEnd::new(Results::Exception, &["build", "exception"])
    }
}

/// The properties a build starts with, in Buildbot's order (`setup_properties_known_before_
/// build_starts`, each source overriding the ones before): global, the changes', the request's
/// (scheduler, force form), the builder's (`defaultProperties` only where unset), the
/// worker's, then the build's own.
fn build_properties(
    builder: &BuilderConfig,
    global: &Map<String, Value>,
    request: &BuildRequestInfo,
    number: i64,
    worker: &WorkerConnection,
    worker_properties: &Map<String, Value>,
    callbacks: Option<Arc<dyn PythonCallbacks>>,
) -> Properties {
    let mut props = Properties::with_callbacks(callbacks);
    props.update_from_map(global, "Global");
    for (name, value, source) in request.change_properties.iter().chain(&request.properties) {
        props.set(name, value.clone(), source);
    }
    props.set("buildername", Value::from(builder.name.clone()), "Builder");
    props.set("builderid", Value::from(request.builderid), "Builder");
    props.update_from_map(&builder.properties, "Builder");
    for (name, value) in &builder.default_properties {
        if !props.has(name) {
            props.set(name, value.clone(), "Builder");
        }
    }
    props.update_from_map(worker_properties, "Worker");
    for (name, value) in worker.properties() {
        props.set(&name, value, "Worker");
    }
    props.set(
        "builddir",
        Value::from(worker.builder_dir(&builder.name)),
        "Worker",
    );
    props.set("buildnumber", Value::from(number), "Build");
    if let Some(ss) = request.sourcestamps.first() {
        props.set(
            "branch",
            ss.branch.clone().map_or(Value::Null, Value::from),
            "Build",
        );
        props.set(
            "revision",
            ss.revision.clone().map_or(Value::Null, Value::from),
            "Build",
        );
        props.set("repository", Value::from(ss.repository.clone()), "Build");
        props.set("codebase", Value::from(ss.codebase.clone()), "Build");
        props.set("project", Value::from(ss.project.clone()), "Build");
    }
    // Buildbot's `setupBuild`: the blamelist and the requests' owners.
    let mut owners = request.blamelist.clone();
    if let Some((_, Value::String(owner), _)) = request
        .properties
        .iter()
        .find(|(name, _, _)| name == "owner")
    {
        owners.push(owner.clone());
    }
    owners.sort();
    owners.dedup();
    if !owners.is_empty() {
        props.set("owners", Value::from(owners), "Build");
    }
    props
}
