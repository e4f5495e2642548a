//! The configuration's hooks into the build request distributor (`nextWorker`, `nextBuild`,
//! `canStartBuild`, `c['prioritizeBuilders']`, `collapseRequests` callables): the builder,
//! worker and request objects Buildbot passes them, described as JSON for the shim to rebuild
//! (see [`DistributorHook`]), and the call itself on a blocking thread, since the hook holds
//! the Python lock while it runs. A hook's reads of the data API (`master.data.get`) are
//! served on the runtime while it waits.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::mpsc as std_mpsc;

use oxbot_core::config::BuilderConfig;
use oxbot_core::python::{DistributorHook, PythonCallbacks, StepEvent, StepHost, StepRequest};
use oxbot_db::{BuildRequestModel, Db, DbError};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::data::api::DataApi;

/// What a hook did to the quarantine of one worker it was given (Buildbot's
/// `putInQuarantine()`, `resetQuarantine()` and `quarantine_timeout`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct QuarantineChange {
    /// The worker's timeout for its next quarantine, in seconds.
    pub quarantine_timeout: f64,
    /// Set when the hook put the worker in quarantine: for how many seconds.
    pub quarantined_for: Option<f64>,
}

/// A hook's answer.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HookAnswer {
    pub result: Value,
    /// Worker name -> its quarantine after the call.
    pub workers: BTreeMap<String, QuarantineChange>,
}

/// Calls the configuration's distributor hooks.
#[derive(Clone)]
pub struct DistributorHooks {
    callbacks: Arc<dyn PythonCallbacks>,
    db: Db,
}

impl DistributorHooks {
    pub fn new(callbacks: Arc<dyn PythonCallbacks>, db: Db) -> DistributorHooks {
        DistributorHooks { callbacks, db }
    }

    /// Calls the hook `handle`; `Err` is the Python traceback or why the call failed.
    #[tracing::instrument(level = "debug", skip(self, args), fields(hook = hook.name()))]
    pub async fn call(
        &self,
        handle: u64,
        hook: DistributorHook,
        args: Value,
    ) -> Result<HookAnswer, String> {
        let callbacks = self.callbacks.clone();
        let host = DataHost {
            db: self.db.clone(),
            runtime: tokio::runtime::Handle::current(),
        };
        let answer = tokio::task::spawn_blocking(move || {
            callbacks.distributor_hook(handle, hook, &args, Box::new(host))
        })
        .await
        .map_err(|e| format!("the {} hook's thread failed: {e}", hook.name()))??;
        serde_json::from_value(answer)
            .map_err(|e| format!("the {} hook's answer oxbot cannot read: {e}", hook.name()))
    }

    /// A builder as the hooks see it; `requests` are its unclaimed requests and `building`
    /// how many of its builds run.
    pub async fn builder_view(
        &self,
        builder: &BuilderConfig,
        builderid: i64,
        requests: &[BuildRequestModel],
        building: usize,
    ) -> Result<Value, DbError> {
        let newest_complete = self
            .data(
                &["builders", &builderid.to_string(), "buildrequests"],
                &[
                    ("complete", "true"),
                    ("order", "-complete_at"),
                    ("limit", "1"),
                ],
            )
            .await?;
        Ok(json!({
            "name": builder.name,
            "builderid": builderid,
            "tags": builder.tags,
            "workernames": builder.workernames,
            "properties": builder.properties,
            "description": builder.description,
            "project": builder.project,
            "oldest_request_time": requests.iter().map(|r| r.submitted_at).min(),
            "newest_complete_time": newest_complete.get(0).and_then(|r| r.get("complete_at")),
            "highest_priority": requests.iter().map(|r| r.priority).max(),
            "building": building,
        }))
    }

    /// A request as `nextBuild`, `nextWorker` and `canStartBuild` see it (Buildbot's
    /// `BuildRequest`): its buildset's reason and properties, and its source stamps with
    /// their changes.
    pub async fn request_view(
        &self,
        buildername: &str,
        request: &BuildRequestModel,
    ) -> Result<Value, DbError> {
        let buildset = self
            .data(&["buildsets", &request.buildsetid.to_string()], &[])
            .await?;
        let mut sources = Vec::new();
        for ss in buildset
            .get("sourcestamps")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut ss = ss.clone();
            let ssid = ss.get("ssid").and_then(Value::as_i64).unwrap_or_default();
            let changes = self
                .data(&["sourcestamps", &ssid.to_string(), "changes"], &[])
                .await?;
            ss["changes"] = changes;
            sources.push(ss);
        }
        let properties: serde_json::Map<String, Value> = self
            .db
            .get_buildset_properties(request.buildsetid)
            .await?
            .into_iter()
            .map(|(name, (value, source))| (name, json!([value, source])))
            .collect();
        Ok(json!({
            "id": request.buildrequestid,
            "bsid": request.buildsetid,
            "builderid": request.builderid,
            "buildername": buildername,
            "priority": request.priority,
            "submitted_at": request.submitted_at,
            "waited_for": request.waited_for,
            "reason": buildset.get("reason"),
            "properties": properties,
            "sources": sources,
        }))
    }

    /// A request as the data API gives it (what `collapseRequests` gets).
    pub async fn request_dict(&self, brid: i64) -> Result<Value, DbError> {
        self.data(&["buildrequests", &brid.to_string()], &[]).await
    }

    async fn data(&self, path: &[&str], params: &[(&str, &str)]) -> Result<Value, DbError> {
        let path: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
        let params = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()]))
            .collect();
        DataApi::new(self.db.clone())
            .get_value(&path, &params)
            .await
            .map_err(|e| DbError::Other(format!("reading {} for a hook: {e}", path.join("/"))))
    }
}

/// Serves a hook's `master.data.get` on the runtime; a hook asks nothing else of the engine.
struct DataHost {
    db: Db,
    runtime: tokio::runtime::Handle,
}

impl StepHost for DataHost {
    fn request(&self, request: StepRequest) -> std_mpsc::Receiver<StepEvent> {
        let (events, receiver) = std_mpsc::channel();
        match request {
            StepRequest::DataGet { path, params } => {
                let api = DataApi::new(self.db.clone());
                self.runtime.spawn(async move {
                    let reply = api
                        .get_value(&path, &params)
                        .await
                        .map_err(|e| format!("master.data.get: {e}"));
                    let _ = events.send(StepEvent::Reply(reply));
                });
            }
            other => {
                let _ = events.send(StepEvent::Reply(Err(format!(
                    "not supported yet by oxbot: {other:?} from a distributor hook (only master.data.get)"
                ))));
            }
        }
        receiver
    }
}
