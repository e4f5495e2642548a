//! Control actions the web API asks of the engine (Buildbot's data-layer `control` methods):
//! forcing a build, stopping one. `oxbot-www` calls them through [`Control`]; the engine
//! implements it.

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
}
