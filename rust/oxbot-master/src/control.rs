//! Control actions the web API asks of the engine (Buildbot's data-layer `control` methods):
//! forcing a build, stopping or rebuilding one, cancelling a build request or changing its
//! priority, pausing, unpausing, stopping (gracefully) or killing a worker, enabling a
//! scheduler, adding the changes a change hook received. `oxbot-www` calls
//! them through [`Control`]; the engine implements it.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use serde_json::{Map, Value};

/// A boxed future, so that [`Control`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a control action failed; the web layer maps each to Buildbot's JSON-RPC error.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The thing named does not exist (unknown scheduler, build...).
    #[error("{0}")]
    NotFound(String),
    /// The parameters were rejected; per-field messages as Buildbot's ForceScheduler gives them.
    #[error("{message}")]
    Invalid {
        message: String,
        fields: BTreeMap<String, String>,
    },
    #[error("{0}")]
    Internal(String),
}

/// What a forced build produced: the buildset id and `builderid -> buildrequest id`.
#[derive(Debug, Clone, PartialEq)]
pub struct ForceResult {
    pub bsid: i64,
    pub brids: BTreeMap<i64, i64>,
}

/// A worker control action (Buildbot's worker endpoint actions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerAction {
    /// `stop`: graceful shutdown; no new builds, the worker shuts down once idle.
    Stop,
    /// `pause`: no new builds until `unpause`.
    Pause,
    Unpause,
    /// `kill`: the worker shuts down now.
    Kill,
}

impl WorkerAction {
    /// The action of a JSON-RPC method name.
    pub fn parse(method: &str) -> Option<WorkerAction> {
        match method {
            "stop" => Some(WorkerAction::Stop),
            "pause" => Some(WorkerAction::Pause),
            "unpause" => Some(WorkerAction::Unpause),
            "kill" => Some(WorkerAction::Kill),
            _ => None,
        }
    }
}

/// A change as a change hook hands it over (Buildbot's change dict given to `addChange`).
/// What is `None` takes `addChange`'s default: `author` and `comments` `""`, `when_timestamp`
/// now, `codebase` `""`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeSpec {
    pub author: Option<String>,
    pub committer: Option<String>,
    pub files: Vec<String>,
    pub comments: Option<String>,
    pub revision: Option<String>,
    /// Seconds since the epoch (fractions are dropped, as Buildbot's database does).
    pub when_timestamp: Option<f64>,
    pub branch: Option<String>,
    pub category: Option<String>,
    pub revlink: Option<String>,
    /// Stored with the source `Change`.
    pub properties: Map<String, Value>,
    pub repository: String,
    pub project: String,
    pub codebase: Option<String>,
}

/// The engine's control surface.
pub trait Control: Send + Sync {
    /// `POST /forceschedulers/<name>` method `force`: `params` are the JSON-RPC params
    /// (`builderid`, `reason`, `owner`, `branch`, ... as the ForceScheduler defines them).
    fn force(
        &self,
        scheduler: String,
        params: Map<String, Value>,
    ) -> BoxFuture<'_, Result<ForceResult, ControlError>>;

    /// `POST /builds/<id>` method `stop` (`reason` optional).
    fn stop_build(
        &self,
        buildid: i64,
        reason: Option<String>,
    ) -> BoxFuture<'_, Result<(), ControlError>>;

    /// `c['www']['change_hook_dialects']` of the configuration running now (it follows
    /// reconfig, as Buildbot's change hook resource does): dialect name -> its options, where a
    /// `util.Secret` is replaced by its value (left as described when no provider has it).
    fn change_hook_dialects(&self) -> Map<String, Value>;

    /// Adds the changes a change hook received, in order, each through the data layer
    /// (`changes/<id>/new`, so schedulers see it); `src` is the hook's source (`git`...).
    /// Returns the new change ids.
    fn add_changes(
        &self,
        src: Option<String>,
        changes: Vec<ChangeSpec>,
    ) -> BoxFuture<'_, Result<Vec<i64>, ControlError>>;

    /// `POST /builds/<id>` method `rebuild`: a new buildset for the build's builder with its
    /// buildset's source stamps and properties, reason `rebuild`, `rebuilt_buildid` the first
    /// build of the chain.
    fn rebuild_build(&self, buildid: i64) -> BoxFuture<'_, Result<ForceResult, ControlError>>;

    /// `POST /buildrequests/<id>` method `cancel`: an unclaimed request completes CANCELLED
    /// (and its buildset once all its requests are complete); a claimed one has its build
    /// stopped. A complete request is left alone.
    fn cancel_build_request(
        &self,
        brid: i64,
        reason: Option<String>,
    ) -> BoxFuture<'_, Result<(), ControlError>>;

    /// `POST /buildrequests/<id>` method `set_priority`.
    fn set_build_request_priority(
        &self,
        brid: i64,
        priority: i64,
    ) -> BoxFuture<'_, Result<(), ControlError>>;

    /// `POST /workers/<id or name>` methods `stop`, `pause`, `unpause`, `kill` (`reason`
    /// optional; kept as the pause reason).
    fn control_worker(
        &self,
        workerid: i64,
        action: WorkerAction,
        reason: Option<String>,
    ) -> BoxFuture<'_, Result<(), ControlError>>;

    /// `POST /schedulers/<id>` method `enable` with `enabled`.
    fn enable_scheduler(
        &self,
        schedulerid: i64,
        enabled: bool,
    ) -> BoxFuture<'_, Result<(), ControlError>>;
}
