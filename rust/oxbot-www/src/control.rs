//! The JSON-RPC control dispatch: which endpoint (matched as a GET would be, with every alias)
//! takes which method, with Buildbot 4.3's actions (rest-api.md 7.4): `force` on force
//! schedulers, `stop` and `rebuild` on builds, `cancel` and `set_priority` on build requests,
//! `stop` (graceful), `pause`, `unpause` and `kill` on workers, `enable` on schedulers. Any
//! other endpoint, or method, is 501 `action: <method> is not supported`.
//!
//! Where Buildbot 4.3 answers a 500 by accident (an unknown worker, an unknown action on a
//! build request, `set_priority`), oxbot answers as the endpoint means to: 404, 501, done.

use oxbot_master::control::{ControlError, WorkerAction};
use oxbot_master::data::api::{DataError, DataResult, Route, route};
use serde_json::{Map, Value, json};

use crate::WwwState;

/// Why a control call was not carried out, each answered with its own status and JSON-RPC
/// code by the caller.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// No endpoint has this path: 404, -32600, `Invalid path: <path>`.
    InvalidPath,
    /// The endpoint has no such action: 501, -32601, `action: <method> is not supported`.
    NotSupported,
    /// What the engine (or the lookup of the object) answered.
    Control(ControlError),
}

impl From<ControlError> for Refusal {
    fn from(err: ControlError) -> Refusal {
        Refusal::Control(err)
    }
}

fn invalid(message: String) -> Refusal {
    Refusal::Control(ControlError::Invalid {
        message,
        fields: std::collections::BTreeMap::default(),
    })
}

/// The id field of the single object a path names (a build by number, a worker by name or
/// under a master or builder...), read as a GET of that path would.
async fn resolve(
    state: &WwwState,
    segments: &[&str],
    what: &str,
    id_field: &str,
) -> Result<i64, Refusal> {
    match state.data.get(segments, &Vec::new()).await {
        Ok(DataResult::Single { item, .. }) => item
            .get(id_field)
            .and_then(Value::as_i64)
            .ok_or_else(|| Refusal::Control(ControlError::NotFound(format!("{what} not found")))),
        Ok(_) => Err(Refusal::NotSupported),
        Err(DataError::NotFound(_)) => Err(Refusal::Control(ControlError::NotFound(format!(
            "{what} not found"
        )))),
        Err(DataError::InvalidPath(_)) => Err(Refusal::InvalidPath),
        Err(err) => Err(Refusal::Control(ControlError::Internal(err.to_string()))),
    }
}

fn text_param(params: &Map<String, Value>, key: &str) -> Option<String> {
    match params.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    }
}

/// `[bsid, {"<builderid>": brid}]`, as `force` and `rebuild` answer.
fn buildset_reply(result: &oxbot_master::control::ForceResult) -> Value {
    json!([
        result.bsid,
        result
            .brids
            .iter()
            .map(|(b, r)| (b.to_string(), json!(r)))
            .collect::<Map<_, _>>()
    ])
}

/// Carries out `method` on the endpoint of `path` (segments after `/api/v2/`); the result
/// is the JSON-RPC `result`.
pub(crate) async fn dispatch(
    state: &WwwState,
    path: &str,
    method: &str,
    params: Map<String, Value>,
) -> Result<Value, Refusal> {
    let segments: Vec<&str> = path.split('/').collect();
    let Some(endpoint) = route(&segments) else {
        return Err(Refusal::InvalidPath);
    };
    let control = &state.control;
    match (endpoint, method) {
        (Route::ForceScheduler(name), "force") => Ok(buildset_reply(
            &control.force(name.to_owned(), params).await?,
        )),
        (Route::Build(_), "stop") => {
            let buildid = resolve(state, &segments, "build", "buildid").await?;
            control
                .stop_build(buildid, text_param(&params, "reason"))
                .await?;
            Ok(Value::Null)
        }
        (Route::Build(_), "rebuild") => {
            let buildid = resolve(state, &segments, "build", "buildid").await?;
            Ok(buildset_reply(&control.rebuild_build(buildid).await?))
        }
        (Route::BuildRequest(brid), "cancel") => {
            control
                .cancel_build_request(brid, text_param(&params, "reason"))
                .await?;
            Ok(Value::Null)
        }
        (Route::BuildRequest(brid), "set_priority") => {
            let priority = match params.get("priority") {
                Some(Value::Number(n)) => n.as_i64(),
                Some(Value::String(s)) => s.trim().parse().ok(),
                _ => None,
            }
            .ok_or_else(|| invalid("'priority' must be an integer".to_owned()))?;
            control.set_build_request_priority(brid, priority).await?;
            Ok(Value::Null)
        }
        (Route::Worker { .. }, method) => {
            let Some(action) = WorkerAction::parse(method) else {
                return Err(Refusal::NotSupported);
            };
            let workerid = resolve(state, &segments, "worker", "workerid").await?;
            control
                .control_worker(workerid, action, text_param(&params, "reason"))
                .await?;
            Ok(Value::Null)
        }
        (Route::Scheduler { .. }, "enable") => {
            let Some(enabled) = params.get("enabled").and_then(Value::as_bool) else {
                return Err(invalid("'enabled' must be a boolean".to_owned()));
            };
            let schedulerid = resolve(state, &segments, "scheduler", "schedulerid").await?;
            control.enable_scheduler(schedulerid, enabled).await?;
            Ok(Value::Null)
        }
        _ => Err(Refusal::NotSupported),
    }
}
