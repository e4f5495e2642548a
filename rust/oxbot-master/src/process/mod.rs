//! Builds and what runs them (Buildbot's `process/`): the botmaster and its build request
//! distributor, the build runner, step execution, remote commands and properties.

pub mod botmaster;
pub mod build;
pub mod collapse;
pub mod distributor_hooks;
mod interpolate;
pub mod locks;
pub mod properties;
pub mod remote_command;
pub mod step;
