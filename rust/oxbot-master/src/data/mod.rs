//! The data API, as Buildbot's `buildbot.data`: `api` answers reads (resources by path, with a
//! result spec) for REST and `/ws`; `updates` changes state (database write, then an mq event).

pub mod api;
pub mod updates;
