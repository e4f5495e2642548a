//! The only crate that knows Python. It embeds CPython (through PyO3), makes the
//! `buildbot_compat` shim answer `import buildbot...`, evaluates `master.cfg` as Buildbot's
//! loader does, and turns the shim's description into [`MasterConfig`].
//!
//! What crosses the boundary, and which way:
//! - Rust → Python: the basedir and the config file name ([`load_config`]).
//! - Python → Rust: one JSON text, the description of `BuildmasterConfig` (the shim's
//!   `_loader.load`), parsed with serde into [`MasterConfig`]; or the list of Buildbot-worded
//!   errors ([`ConfigErrors`]). Python callables inside the config travel as `{"$python": n}`
//!   handles into a table that [`LoadedConfig`] keeps alive.
//! - Rust → Python at build time: calls on those handles ([`LoadedConfig::callbacks`], see
//!   `runtime.rs` for the threading rule).
//! - For a master that evaluates its configuration in a child process (so that it embeds no
//!   interpreter unless the configuration has Python objects): the description as text with
//!   its count of Python objects ([`describe_config`]), turned into [`MasterConfig`] by
//!   [`parse_description`] without Python.
//!
//! - Python → Rust at start: the official UI's packages (`buildbot-www` and its plugins) as
//!   plain directories ([`www::www_apps`]), and the interpreter's version
//!   ([`python_version`]).
//!
//! The shim's sources are compiled into the binary (`interpreter.rs`); a `buildbot_compat`
//! installed in the interpreter's environment (pip) takes precedence.

mod interpreter;
mod runtime;
pub mod www;

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use oxbot_core::config::{ConfigError, ConfigErrors, MasterConfig};
use oxbot_core::python::PythonCallbacks;
use pyo3::prelude::*;
use pyo3::types::PyList;
use serde::{Deserialize, Serialize};

/// A loaded configuration and the Python objects it refers to.
pub struct LoadedConfig {
    pub config: MasterConfig,
    /// The shim's handle table (`{"$python": n}` indexes it).
    handles: Py<PyList>,
}

impl LoadedConfig {
    /// How many Python objects the configuration hands to the engine.
    pub fn handle_count(&self) -> usize {
        Python::attach(|py| self.handles.bind(py).len())
    }

    /// The engine's way to call the configuration's Python objects during builds.
    pub fn callbacks(&self) -> Arc<dyn PythonCallbacks> {
        let handles = Python::attach(|py| self.handles.clone_ref(py));
        Arc::new(runtime::ConfigCallbacks { handles })
    }
}

/// The text of a Python exception with its traceback, for errors that are not config errors.
fn describe_exception(py: Python<'_>, err: &PyErr) -> String {
    let traceback = err
        .traceback(py)
        .and_then(|tb| tb.format().ok())
        .unwrap_or_default();
    format!("{traceback}{err}")
}

fn single_error(message: String) -> ConfigErrors {
    let mut errors = ConfigErrors::default();
    errors.add(message);
    errors
}

/// The embedded Python's version as Buildbot's frontend config lists it (`3.13.1`: major,
/// minor and micro of `sys.version_info`).
pub fn python_version() -> String {
    Python::attach(|py| {
        let version = py.version_info();
        format!("{}.{}.{}", version.major, version.minor, version.patch)
    })
}

/// The config file a `buildbot.tac` names, found as Buildbot's command-line tools find it: the
/// tac runs with only `__file__` set and its `configfile` is read (`master.cfg` when unset).
/// The error is the exception with its traceback.
pub fn tac_config_file(tac_file: &Path) -> Result<String, String> {
    Python::attach(|py| {
        interpreter::prepare(py).map_err(|e| describe_exception(py, &e))?;
        py.import("buildbot_compat._tac")
            .and_then(|m| {
                m.getattr("config_file")?
                    .call1((tac_file.to_string_lossy().as_ref(),))
            })
            .and_then(|name| name.extract::<String>())
            .map_err(|e| describe_exception(py, &e))
    })
}

/// Evaluates `basedir/config_file` as Buildbot's loader does and returns the configuration, or
/// every error found, in Buildbot's words. While the file runs, the working directory and
/// `sys.path[0]` are the basedir; messages name the file as `basedir` spells it.
#[tracing::instrument(skip_all, fields(basedir = %basedir.display(), config_file))]
pub fn load_config(basedir: &Path, config_file: &str) -> Result<LoadedConfig, ConfigErrors> {
    evaluate(basedir, config_file, |py, json, handles| {
        let config = parse_description(&json)?;
        tracing::debug!(
            builders = config.builders.len(),
            handles = handles.bind(py).len(),
            "configuration loaded"
        );
        Ok(LoadedConfig { config, handles })
    })
}

/// The shim's description of a configuration, as text, for a master that evaluates its
/// configuration in another process ([`describe_config`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigDescription {
    /// The JSON text [`parse_description`] turns into the configuration.
    pub json: String,
    /// How many Python objects (renderers, custom steps, `doStepIf`...) the configuration
    /// hands to the engine: with any, the build needs this interpreter, and the configuration
    /// must be loaded where the builds run ([`load_config`]).
    pub python_objects: usize,
}

/// Evaluates the configuration as [`load_config`] does and returns its description as text,
/// without keeping its Python objects.
#[tracing::instrument(skip_all, fields(basedir = %basedir.display(), config_file))]
pub fn describe_config(
    basedir: &Path,
    config_file: &str,
) -> Result<ConfigDescription, ConfigErrors> {
    evaluate(basedir, config_file, |py, json, handles| {
        Ok(ConfigDescription {
            json,
            python_objects: handles.bind(py).len(),
        })
    })
}

/// The configuration a description gives (the description is made by the shim of the same
/// binary, so a mismatch is an internal error).
pub fn parse_description(json: &str) -> Result<MasterConfig, ConfigErrors> {
    serde_json::from_str(json).map_err(|e| {
        single_error(format!(
            "internal error: the shim's description does not fit the engine's model: {e}"
        ))
    })
}

/// Runs the shim's loader on `basedir/config_file` and hands its description (JSON text) and
/// handle table to `finish`.
fn evaluate<T>(
    basedir: &Path,
    config_file: &str,
    finish: impl FnOnce(Python<'_>, String, Py<PyList>) -> Result<T, ConfigErrors>,
) -> Result<T, ConfigErrors> {
    // Loading changes process-wide state (the working directory, `sys.path`, the shim's error
    // collector), so one load at a time. Taken before the GIL: a thread waiting here must not
    // hold the GIL the loading thread needs.
    static LOADING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = LOADING.lock().unwrap_or_else(PoisonError::into_inner);
    Python::attach(|py| {
        interpreter::prepare(py).map_err(|e| {
            single_error(format!(
                "could not set up the buildbot_compat shim: {}",
                describe_exception(py, &e)
            ))
        })?;
        let loaded = py.import("buildbot_compat._loader").and_then(|m| {
            m.getattr("load")?
                .call1((basedir.to_string_lossy().as_ref(), config_file))
        });
        let json: String = match loaded {
            Ok(json) => json
                .extract::<String>()
                .map_err(|e| single_error(e.to_string()))?,
            Err(err) => return Err(config_errors(py, &err)),
        };
        // What only loading needed (the config's namespace, cycles of the shim's checks) is
        // freed now rather than at some later collection: the master keeps less memory.
        let _ = py.import("gc").and_then(|gc| gc.call_method0("collect"));
        let handles = py
            .import("buildbot_compat._describe")
            .and_then(|m| m.getattr("HANDLES"))
            .and_then(|h| Ok(h.cast_into::<PyList>()?.unbind()))
            .map_err(|e| single_error(e.to_string()))?;
        finish(py, json, handles)
    })
}

/// Turns a Python exception from the loader into config errors: a `ConfigErrors` keeps its
/// list (and the traceback of a failed `master.cfg`, which is also logged, as Buildbot logs
/// it); anything else is a fault of the shim and becomes one error with its traceback.
fn config_errors(py: Python<'_>, err: &PyErr) -> ConfigErrors {
    let value = err.value(py);
    let is_config_errors = value.get_type().mro().iter().any(|class| {
        class
            .getattr("__name__")
            .is_ok_and(|n| n.eq("ConfigErrors").unwrap_or(false))
    });
    let messages = value
        .getattr("errors")
        .and_then(|e| e.extract::<Vec<String>>());
    let (true, Ok(messages)) = (is_config_errors, messages) else {
        return single_error(format!(
            "error while loading the configuration: {}",
            describe_exception(py, err)
        ));
    };
    let traceback: Option<String> = value
        .getattr("traceback")
        .ok()
        .and_then(|t| t.extract().ok());
    if let Some(text) = &traceback {
        tracing::error!("{text}");
    }
    let mut errors = ConfigErrors::default();
    for (i, message) in messages.into_iter().enumerate() {
        errors.errors.push(ConfigError {
            message,
            traceback: if i == 0 { traceback.clone() } else { None },
        });
    }
    errors
}

#[cfg(test)]
mod tests {
    use pyo3::prelude::*;

    /// Buildbot writes it `'.'.join(map(str, sys.version_info[:3]))`.
    #[test]
    fn python_version_is_major_minor_micro() {
        let expected: String = Python::attach(|py| {
            py.eval(
                c"'.'.join(map(str, __import__('sys').version_info[:3]))",
                None,
                None,
            )
            .and_then(|v| v.extract())
            .unwrap()
        });
        assert_eq!(super::python_version(), expected);
    }
}
