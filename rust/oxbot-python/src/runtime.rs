//! Calling the configuration's Python objects while builds run: [`ConfigCallbacks`] implements
//! oxbot-core's [`PythonCallbacks`] over the shim's handle table, through
//! `buildbot_compat._runtime` (which turns JSON properties into the `props`/`step` objects
//! Buildbot passes, and the result back into a description).
//!
//! Threads: each call takes the GIL with `Python::attach`, so it is safe from any thread, but it
//! blocks until Python is done (and waits while another thread holds the GIL). Async callers run
//! it with `tokio::task::spawn_blocking` (or `block_in_place`), never directly on a runtime
//! worker thread.

use oxbot_core::config::Map;
use oxbot_core::python::PythonCallbacks;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::describe_exception;

/// [`PythonCallbacks`] over the shim's handle table, through `buildbot_compat._runtime`.
pub(crate) struct ConfigCallbacks {
    pub(crate) handles: Py<PyList>,
}

impl ConfigCallbacks {
    /// Calls `_runtime.<function>(handle object, *args)` and returns its result.
    fn call<T>(
        &self,
        handle: u64,
        function: &str,
        args: Vec<Py<PyAny>>,
        extract: impl FnOnce(&Bound<'_, PyAny>) -> PyResult<T>,
    ) -> Result<T, String> {
        Python::attach(|py| {
            let run = || -> PyResult<T> {
                let target = self.handles.bind(py).get_item(handle as usize)?;
                let runtime = py.import("buildbot_compat._runtime")?;
                let mut call_args: Vec<Py<PyAny>> = vec![target.unbind()];
                call_args.extend(args);
                let tuple = pyo3::types::PyTuple::new(py, call_args)?;
                let result = runtime.getattr(function)?.call1(tuple)?;
                extract(&result)
            };
            run().map_err(|e| describe_exception(py, &e))
        })
    }

    fn json_arg(value: &serde_json::Value) -> Py<PyAny> {
        Python::attach(|py| {
            pyo3::types::PyString::new(py, &value.to_string())
                .into_any()
                .unbind()
        })
    }
}

fn parse_json(text: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(text)
        .map_err(|e| format!("a Python callable returned a value oxbot cannot read: {e}"))
}

impl PythonCallbacks for ConfigCallbacks {
    fn render(
        &self,
        handle: u64,
        properties: &Map,
        args: &serde_json::Value,
        kwargs: &serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        let props = serde_json::Value::Object(properties.clone());
        let text = self.call(
            handle,
            "call_renderer",
            vec![
                Self::json_arg(&props),
                Self::json_arg(args),
                Self::json_arg(kwargs),
            ],
            |r| r.extract::<String>(),
        )?;
        parse_json(&text)
    }

    fn transform(
        &self,
        handle: u64,
        args: &serde_json::Value,
        kwargs: &serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        let text = self.call(
            handle,
            "call_transform",
            vec![Self::json_arg(args), Self::json_arg(kwargs)],
            |r| r.extract::<String>(),
        )?;
        parse_json(&text)
    }

    fn step_condition(
        &self,
        handle: u64,
        properties: &Map,
        results: Option<i64>,
    ) -> Result<bool, String> {
        let props = serde_json::Value::Object(properties.clone());
        let results_arg = Python::attach(|py| match results {
            Some(r) => r
                .into_pyobject(py)
                .map_or_else(|_| py.None(), |v| v.into_any().unbind()),
            None => py.None(),
        });
        self.call(
            handle,
            "call_step_condition",
            vec![Self::json_arg(&props), results_arg],
            |r| r.extract::<bool>(),
        )
    }
}
