//! One module per CLI verb, named as Buildbot's `scripts/` modules.

pub(crate) mod checkconfig;
pub(crate) mod create_master;
pub(crate) mod sendchange;
pub(crate) mod start;
pub(crate) mod stop;
pub(crate) mod upgrade_master;
