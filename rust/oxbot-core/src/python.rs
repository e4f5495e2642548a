//! How the engine calls back into the user's Python (renderer functions, `Transform`,
//! `doStepIf`/`hideStepIf` callables, custom build steps) without knowing Python: `oxbot-python` implements
//! [`PythonCallbacks`], and the engine holds it as a trait object. Arguments and results are
//! JSON; a handle is the number in a `{"$python": n}` description.

use crate::config::{Map, Value};

/// Calls into the configuration's Python objects.
pub trait PythonCallbacks: Send + Sync {
    /// `@util.renderer` functions: `fn(props, *args, **kwargs)`. The result is described as
    /// config values are (it may hold renderables for the engine to render).
    fn render(
        &self,
        handle: u64,
        properties: &Map,
        args: &Value,
        kwargs: &Value,
    ) -> Result<Value, String>;

    /// `util.Transform(fn, *args, **kwargs)` with the arguments already rendered.
    fn transform(&self, handle: u64, args: &Value, kwargs: &Value) -> Result<Value, String>;

    /// `doStepIf(step)` and `hideStepIf(results, step)`: `step` answers `getProperty`.
    fn step_condition(
        &self,
        handle: u64,
        properties: &Map,
        results: Option<i64>,
    ) -> Result<bool, String>;

    /// Runs a custom step (a user `BuildStep` subclass with its own `run()` or old-style
    /// hooks) on a fresh copy of the configured object, blocking until its Python is done. It
    /// talks to the engine through `host`. `Err` is the Python traceback (the step ends
    /// EXCEPTION).
    fn run_step(&self, handle: u64, host: Box<dyn StepHost>) -> Result<StepRun, String>;

    /// Calls a function with JSON positional arguments (`branch_fn(branch)`,
    /// `extract_fn(rc, stdout, stderr)`...); the result is described as config values are.
    fn call_function(&self, handle: u64, args: &[Value]) -> Result<Value, String>;

    /// Calls a predicate on a change (`ChangeFilter(filter_fn=...)`, `fileIsImportant`). The
    /// function gets a change object with Buildbot's attributes, made from `change` in its
    /// REST shape.
    fn change_predicate(&self, handle: u64, change: &Value) -> Result<bool, String>;

    /// Calls one of the build request distributor's hooks with `args` (see
    /// [`DistributorHook`] for what each takes). The answer is `{"result": ..., "workers":
    /// {name: {"quarantine_timeout": seconds, "quarantined_for": seconds or null}}}`: the
    /// hook's result and what it did to the quarantine of the workers it got. `host` serves
    /// the hook's reads of the data API (`master.data.get`, as [`StepRequest::DataGet`]).
    fn distributor_hook(
        &self,
        handle: u64,
        hook: DistributorHook,
        args: &Value,
        host: Box<dyn StepHost>,
    ) -> Result<Value, String>;
}

/// The configuration's callables that steer the build request distributor, with the objects
/// Buildbot passes them made from JSON: a builder is `{"name", "builderid", "tags",
/// "workernames", "properties", "description", "project", "oldest_request_time",
/// "newest_complete_time", "highest_priority", "building"}`, a worker `{"name", "info",
/// "properties", "available", "quarantine_timeout", "in_quarantine"}`, a request `{"id",
/// "bsid", "builderid", "buildername", "priority", "submitted_at", "waited_for", "reason",
/// "properties": {name: [value, source]}, "sources": [{"codebase", "branch", ...,
/// "changes": [...]}]}` and a request dict (for `collapseRequests`) has the data API's
/// buildrequest fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistributorHook {
    /// `nextWorker(builder, workers, request)`; args `{"builder", "workers", "request"}`;
    /// the result is the index of the chosen worker, or null.
    NextWorker,
    /// `nextBuild(builder, requests)`; args `{"builder", "requests"}`; the result is the
    /// index of the chosen request, or null.
    NextBuild,
    /// `canStartBuild(builder, workerforbuilder, request)`; args `{"builder", "worker",
    /// "request"}`; the result is a bool.
    CanStartBuild,
    /// `c['prioritizeBuilders'](master, builders)`; args `{"builders"}`; the result is the
    /// names of the builders to try, in order.
    PrioritizeBuilders,
    /// `collapseRequests(master, builder, request1, request2)`; args `{"builder",
    /// "request1", "request2"}`; the result is a bool.
    CollapseRequests,
}

impl DistributorHook {
    /// The hook's name in Buildbot's configuration.
    pub fn name(self) -> &'static str {
        match self {
            DistributorHook::NextWorker => "nextWorker",
            DistributorHook::NextBuild => "nextBuild",
            DistributorHook::CanStartBuild => "canStartBuild",
            DistributorHook::PrioritizeBuilders => "prioritizeBuilders",
            DistributorHook::CollapseRequests => "collapseRequests",
        }
    }
}

/// The handle number of a `{"$python": n}` description.
pub fn handle_of(value: &Value) -> Option<u64> {
    value.get("$python").and_then(Value::as_u64)
}

/// A request from a custom step's Python (`BuildStep.run()` in the user's config) to the
/// engine while the step runs. It arrives as JSON `{"op": "<snake_case>", ...}`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepRequest {
    /// What the step reads of its build when it starts: `{"buildid", "number", "stepid",
    /// "builder_name", "workername", "worker_info", "workdir", "env", "sourcestamps"}`.
    Context,
    /// The build's current properties; the reply is `{name: value}`.
    Properties,
    /// `setProperty(name, value, source)`.
    SetProperty {
        name: String,
        value: Value,
        source: String,
    },
    /// Renders a described value (renderables, Python renderers) with the build's properties.
    Render { value: Value },
    /// `addLog(name, type)`: `s` (stdio-like stream log), `t` (text) or `h` (HTML).
    AddLog { name: String, log_type: String },
    /// Whole lines for a log added before; in a stream log, `stream` is `o`, `e` or `h`.
    AppendLog {
        name: String,
        stream: String,
        text: String,
    },
    /// A remote command on the build's worker (`shell`, `stat`, `rmdir`...) with Buildbot's
    /// arguments. Its output goes to the stream log `log` (added if needed); with `observe`,
    /// the output also comes back as [`StepEvent::Output`] before the reply
    /// (`{"rc", "interrupted", "failure_reason", "updates"}`).
    RunCommand {
        name: String,
        args: Map,
        log: Option<String>,
        observe: bool,
    },
    /// Runs the built-in step a user subclass derives from (`super().run()`): the step's
    /// description, as in the config. The reply is `{"results", "runtime_done",
    /// "default_done"}`: the `descriptionDone` the step set while running, and its kind's
    /// default.
    RunBuiltin { step: Value },
    /// The step's `state_string` while it runs (`updateSummary()`).
    SetStateString { text: String },
    /// `addURL(name, url)`.
    AddUrl { name: String, url: String },
    /// `self.master.data.get(path, ...)`: a read of the data API, with query parameters as
    /// the REST API takes them (`field__op=value`, `order`, `limit`, `offset`). The reply is
    /// the list or the object, `null` when there is none.
    DataGet {
        path: Vec<String>,
        params: Vec<(String, Vec<String>)>,
    },
    /// `build.addStepsAfterCurrentStep(steps)` (or, with `at_end`, `addStepsAfterLastStep`):
    /// the steps, described as in the config.
    AddSteps { steps: Vec<Value>, at_end: bool },
}

/// What the engine sends back for a [`StepRequest`]: output while a command runs, then one
/// reply.
#[derive(Debug, Clone, PartialEq)]
pub enum StepEvent {
    Output {
        log: String,
        stream: String,
        text: String,
    },
    Reply(Result<Value, String>),
}

/// The engine's side of a running custom step, called from the thread that runs its Python.
/// Each request returns a channel of events ending with [`StepEvent::Reply`].
pub trait StepHost: Send + Sync {
    fn request(&self, request: StepRequest) -> std::sync::mpsc::Receiver<StepEvent>;
}

/// How a custom step's Python ended.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct StepRun {
    /// Buildbot's results code.
    pub results: i64,
    /// The final `state_string` (`getResultSummary()`), with Buildbot's suffixes.
    pub summary: String,
}
