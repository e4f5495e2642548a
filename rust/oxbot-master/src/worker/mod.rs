//! Workers as the master sees them (Buildbot's `worker/`): the listener on the worker port, the
//! registry of attached workers, and the protocol connection to each.

pub mod connection;
pub mod listener;
pub mod manager;
