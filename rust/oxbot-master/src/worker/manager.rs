//! The registry of configured and attached workers (Buildbot's `worker/manager.py` and
//! `worker/base.py` attach logic): credentials, the duplicate-connection rule, and recording
//! connects and disconnects through the data layer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use oxbot_core::config::MasterConfig;
use tracing::{info, warn};

use crate::worker::connection::WorkerConnection;

/// A configured worker.
#[derive(Debug, Clone)]
pub struct ConfiguredWorker {
    pub name: String,
    pub password: String,
    pub max_builds: Option<u32>,
    pub workerid: i64,
}

/// Configured workers and live connections, shared by the listener and the botmaster.
#[derive(Clone, Default)]
pub struct WorkerManager {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    configured: HashMap<String, ConfiguredWorker>,
    /// Builder name and builddir per worker name, in config order (for the attach sequence).
    builders: HashMap<String, Vec<(String, String)>>,
    connections: HashMap<String, Arc<WorkerConnection>>,
    /// Paused and graceful-shutdown state by worker name (Buildbot's `_paused`, `_graceful`),
    /// kept across reconfigs and reconnects (graceful ends when the worker attaches again).
    states: HashMap<String, WorkerState>,
}

/// What the control actions set on a worker.
#[derive(Debug, Clone, Copy, Default)]
struct WorkerState {
    paused: bool,
    graceful: bool,
}

impl WorkerManager {
    pub fn new() -> WorkerManager {
        WorkerManager::default()
    }

    /// Sets the configured workers (at start and on reconfig); `workerids` maps names to ids.
    pub fn configure(&self, config: &MasterConfig, workerids: &HashMap<String, i64>) {
        let mut inner = self.inner.lock().expect("worker manager lock");
        inner.configured = config
            .workers
            .iter()
            .filter_map(|w| {
                Some((
                    w.name.clone(),
                    ConfiguredWorker {
                        name: w.name.clone(),
                        password: w.password.clone(),
                        max_builds: w.max_builds,
                        workerid: *workerids.get(&w.name)?,
                    },
                ))
            })
            .collect();
        inner.builders.clear();
        for builder in &config.builders {
            for worker in &builder.workernames {
                inner
                    .builders
                    .entry(worker.clone())
                    .or_default()
                    .push((builder.name.clone(), builder.workerbuilddir.clone()));
            }
        }
    }

    /// Checks a worker's credentials (the WebSocket upgrade's Basic auth).
    pub fn authenticate(&self, name: &str, password: &str) -> Option<ConfiguredWorker> {
        let inner = self.inner.lock().expect("worker manager lock");
        inner
            .configured
            .get(name)
            .filter(|w| w.password == password)
            .cloned()
    }

    /// The builders (name, builddir) that use a worker.
    pub fn builders_for(&self, worker: &str) -> Vec<(String, String)> {
        let inner = self.inner.lock().expect("worker manager lock");
        inner.builders.get(worker).cloned().unwrap_or_default()
    }

    pub fn connection(&self, name: &str) -> Option<Arc<WorkerConnection>> {
        let inner = self.inner.lock().expect("worker manager lock");
        inner
            .connections
            .get(name)
            .filter(|c| !c.is_lost())
            .cloned()
    }

    pub fn connections(&self) -> Vec<Arc<WorkerConnection>> {
        let inner = self.inner.lock().expect("worker manager lock");
        inner.connections.values().cloned().collect()
    }

    /// Buildbot's duplicate rule: if the old connection answers a `print`, the new one is
    /// refused; otherwise the old one is dropped. Returns whether the new one may attach.
    pub async fn admit(&self, name: &str) -> bool {
        let Some(old) = self.connection(name) else {
            return true;
        };
        let answered = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            old.print("master got a duplicate connection"),
        )
        .await;
        if matches!(answered, Ok(Ok(()))) {
            warn!(worker = name, "refusing a duplicate connection");
            false
        } else {
            info!(worker = name, "old connection did not answer; replacing it");
            old.close();
            true
        }
    }

    pub fn attached(&self, conn: Arc<WorkerConnection>) {
        let mut inner = self.inner.lock().expect("worker manager lock");
        inner.connections.insert(conn.name().to_owned(), conn);
    }

    /// Forgets a connection if it is still the registered one.
    pub fn detached(&self, conn: &Arc<WorkerConnection>) {
        let mut inner = self.inner.lock().expect("worker manager lock");
        if inner
            .connections
            .get(conn.name())
            .is_some_and(|c| Arc::ptr_eq(c, conn))
        {
            inner.connections.remove(conn.name());
        }
    }

    /// The name of a configured worker.
    pub fn name_of(&self, workerid: i64) -> Option<String> {
        let inner = self.inner.lock().expect("worker manager lock");
        inner
            .configured
            .values()
            .find(|w| w.workerid == workerid)
            .map(|w| w.name.clone())
    }

    /// Pauses or unpauses a worker: a paused worker is given no new builds.
    pub fn set_paused(&self, name: &str, paused: bool) {
        let mut inner = self.inner.lock().expect("worker manager lock");
        inner.states.entry(name.to_owned()).or_default().paused = paused;
    }

    /// Sets a worker's graceful shutdown flag; returns what it was.
    pub fn set_graceful(&self, name: &str, graceful: bool) -> bool {
        let mut inner = self.inner.lock().expect("worker manager lock");
        std::mem::replace(
            &mut inner.states.entry(name.to_owned()).or_default().graceful,
            graceful,
        )
    }

    /// Whether a worker is waiting to shut down gracefully.
    pub fn is_graceful(&self, name: &str) -> bool {
        let inner = self.inner.lock().expect("worker manager lock");
        inner.states.get(name).is_some_and(|s| s.graceful)
    }

    /// Whether new builds may start on a worker: not paused, not shutting down (Buildbot's
    /// `canStartBuild`).
    pub fn accepts_builds(&self, name: &str) -> bool {
        let inner = self.inner.lock().expect("worker manager lock");
        inner
            .states
            .get(name)
            .is_none_or(|s| !s.paused && !s.graceful)
    }
}
