//! Control actions the web API asks of the engine (Buildbot's data-layer `control` methods):
//! forcing a build, stopping one, adding the changes a change hook received. `oxbot-www` calls
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
}
