//! Change sources and change filters (Buildbot's `changes/`): `GitPoller` adds a change per
//! new commit; schedulers read changes through `ChangeFilter`s.

pub mod filter;
pub mod gitpoller;
