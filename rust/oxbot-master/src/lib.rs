//! The oxbot engine: Buildbot's master services in Rust.
//!
//! Code map (Buildbot's names): `master` composes the services; `data` is the state API
//! (reads for REST, updates that write the database and then publish an event); `mq` the
//! in-process message queue; `process` the botmaster, builds, steps, remote commands and
//! properties; `steps` the built-in steps; `worker` the worker port and connections;
//! `control` the actions the web API asks for; `clock` the wall clock the timed schedulers read.
//!
//! Architecture Invariant: this crate knows neither Python nor SQL nor the web API's HTTP.
//! Python-backed behaviour comes in through `oxbot-core` types, SQL through `oxbot-db`, HTTP is
//! `oxbot-www`'s.

pub mod changes;
pub mod clock;
pub mod control;
pub mod data;
pub mod master;
pub mod mq;
pub mod process;
pub mod schedulers;
pub mod secrets;
pub mod steps;
pub mod support;
pub mod worker;

pub use master::Master;
