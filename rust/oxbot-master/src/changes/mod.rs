//! Change sources and change filters (Buildbot's `changes/`): `GitPoller`, `HgPoller` and
//! `SVNPoller` add a change per new commit; schedulers read changes through `ChangeFilter`s.

pub mod filter;
pub mod gitpoller;
pub mod hgpoller;
pub mod revlinks;
pub mod svnpoller;

use std::future::Future;
use std::time::Duration;

/// When a poller polls: every `pollInterval` seconds (10 minutes unless set; at least 1 s),
/// the first time at once with `pollAtLaunch`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PollSchedule {
    interval: Duration,
    at_launch: bool,
}

impl PollSchedule {
    /// Reads `pollInterval` (or the 0.8-era `pollinterval`) and `pollAtLaunch`.
    pub(crate) fn from_args(args: &serde_json::Map<String, serde_json::Value>) -> PollSchedule {
        let interval = args
            .get("pollInterval")
            .or_else(|| args.get("pollinterval"))
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(600.0);
        PollSchedule {
            interval: Duration::from_secs_f64(interval.max(1.0)),
            at_launch: args
                .get("pollAtLaunch")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
        }
    }

    /// Runs `poll` on schedule until `shutdown` resolves; a failed poll is logged with the
    /// poller's `name`.
    pub(crate) async fn run<F, Fut, E>(
        &self,
        name: &str,
        shutdown: impl Future<Output = ()>,
        mut poll: F,
    ) where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        tokio::pin!(shutdown);
        let mut first = true;
        loop {
            if !(first && self.at_launch) {
                tokio::select! {
                    () = &mut shutdown => return,
                    () = tokio::time::sleep(self.interval) => {}
                }
            }
            first = false;
            if let Err(err) = poll().await {
                tracing::warn!(poller = %name, cause = %err, "polling failed");
            }
        }
    }
}
