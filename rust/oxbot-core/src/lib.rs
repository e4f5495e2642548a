//! Pure domain types shared by every oxbot crate: build results, the master configuration model
//! produced by `oxbot-python` and consumed by the engine, and their errors.
//!
//! Architecture Invariant: no IO, no async runtime, no Python, no SQL here.

pub mod config;
pub mod pyrepr;
pub mod python;
pub mod results;

pub use results::Results;
