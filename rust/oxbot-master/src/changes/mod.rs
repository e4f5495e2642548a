//! Change sources and change filters (Buildbot's `changes/`): `GitPoller`, `HgPoller` and
//! `SVNPoller` add a change per new commit; schedulers read changes through `ChangeFilter`s.

pub mod filter;
pub mod gitpoller;
pub mod hgpoller;
pub mod revlinks;
pub mod svnpoller;

use std::future::Future;
use std::time::Duration;

/// When a poller polls: every `interval`, the first time at once with `pollAtLaunch`.
pub(crate) struct PollSchedule<'a> {
    pub(crate) name: &'a str,
    pub(crate) interval: Duration,
    pub(crate) at_launch: bool,
}

impl PollSchedule<'_> {
    /// Runs `poll` on schedule until `shutdown` resolves; a failed poll is logged.
    pub(crate) async fn run<F, Fut, E>(&self, shutdown: impl Future<Output = ()>, mut poll: F)
    where
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
                tracing::warn!(poller = %self.name, cause = %err, "polling failed");
            }
        }
    }
}
