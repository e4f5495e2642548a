//! Calling the configuration's Python objects while builds run: [`ConfigCallbacks`] implements
//! oxbot-core's [`PythonCallbacks`] over the shim's handle table, through
//! `buildbot_compat._runtime` (which turns JSON properties into the `props`/`step` objects
//! Buildbot passes, and the result back into a description).
//!
//! Threads: each call takes the GIL with `Python::attach`, so it is safe from any thread, but it
//! blocks until Python is done (and waits while another thread holds the GIL). Async callers run
//! it with `tokio::task::spawn_blocking` (or `block_in_place`), never directly on a runtime
//! worker thread.

use std::sync::Mutex;

use oxbot_core::config::Map;
use oxbot_core::python::{
    DistributorHook, PythonCallbacks, StepEvent, StepHost, StepRequest, StepRun,
};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
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
                let handles = self.handles.bind(py);
                let target = handles.get_item(handle as usize)?;
                let runtime = py.import("buildbot_compat._runtime")?;
                // Handles made during the call go into this configuration's table.
                let calling = py
                    .import("buildbot_compat._describe")?
                    .getattr("_calling")?;
                let previous = calling.getattr("table").ok();
                calling.setattr("table", handles)?;
                let mut call_args: Vec<Py<PyAny>> = vec![target.unbind()];
                call_args.extend(args);
                let tuple = pyo3::types::PyTuple::new(py, call_args)?;
                let result = runtime.getattr(function)?.call1(tuple);
                match previous {
                    Some(previous) => calling.setattr("table", previous)?,
                    None => calling.delattr("table")?,
                }
                extract(&result?)
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

    fn call_function(
        &self,
        handle: u64,
        args: &[serde_json::Value],
    ) -> Result<serde_json::Value, String> {
        let args = serde_json::Value::Array(args.to_vec());
        let text = self.call(handle, "call_function", vec![Self::json_arg(&args)], |r| {
            r.extract::<String>()
        })?;
        parse_json(&text)
    }

    fn change_predicate(&self, handle: u64, change: &serde_json::Value) -> Result<bool, String> {
        self.call(
            handle,
            "call_change_predicate",
            vec![Self::json_arg(change)],
            |r| r.extract::<bool>(),
        )
    }

    fn run_step(&self, handle: u64, host: Box<dyn StepHost>) -> Result<StepRun, String> {
        let text = self.call_with_bridge(handle, "run_step", Vec::new(), host)?;
        serde_json::from_str(&text)
            .map_err(|e| format!("a custom step's result oxbot cannot read: {e}"))
    }

    fn distributor_hook(
        &self,
        handle: u64,
        hook: DistributorHook,
        args: &serde_json::Value,
        host: Box<dyn StepHost>,
    ) -> Result<serde_json::Value, String> {
        let hook_name = Python::attach(|py| {
            pyo3::types::PyString::new(py, hook.name())
                .into_any()
                .unbind()
        });
        let text = self.call_with_bridge(
            handle,
            "call_distributor_hook",
            vec![hook_name, Self::json_arg(args)],
            host,
        )?;
        parse_json(&text)
    }
}

impl ConfigCallbacks {
    /// Calls `_runtime.<function>(handle object, *args, bridge)`, where the bridge serves the
    /// Python's requests through `host` until the call returns.
    fn call_with_bridge(
        &self,
        handle: u64,
        function: &str,
        mut args: Vec<Py<PyAny>>,
        host: Box<dyn StepHost>,
    ) -> Result<String, String> {
        let bridge = Python::attach(|py| {
            Py::new(
                py,
                StepBridge {
                    host: Mutex::new(Some(host)),
                },
            )
            .map_err(|e| describe_exception(py, &e))
        })?;
        args.push(Python::attach(|py| bridge.clone_ref(py).into_any()));
        let result = self.call(handle, function, args, |r| r.extract::<String>());
        bridge.get().close();
        result
    }
}

/// The engine's side of a running custom step, as the shim's `_runtime.run_step` sees it:
/// `request(json, on_output)` sends a [`StepRequest`] and returns the reply as JSON, calling
/// `on_output(log, stream, text)` for command output on the way. The GIL is released while
/// the engine works.
#[pyclass(frozen)]
struct StepBridge {
    host: Mutex<Option<Box<dyn StepHost>>>,
}

#[pymethods]
impl StepBridge {
    #[pyo3(signature = (request, on_output=None))]
    fn request(
        &self,
        py: Python<'_>,
        request: &str,
        on_output: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let request: StepRequest = serde_json::from_str(request)
            .map_err(|e| PyValueError::new_err(format!("a step request oxbot cannot read: {e}")))?;
        let mut events = {
            let host = self
                .host
                .lock()
                .map_err(|_| PyRuntimeError::new_err("the step's bridge is poisoned"))?;
            let host = host
                .as_ref()
                .ok_or_else(|| PyRuntimeError::new_err("the step has finished"))?;
            host.request(request)
        };
        loop {
            let (event, rest) = py.detach(move || (events.recv(), events));
            events = rest;
            match event {
                Ok(StepEvent::Output { log, stream, text }) => {
                    if let Some(callback) = on_output {
                        callback.call1((log, stream, text))?;
                    }
                }
                Ok(StepEvent::Reply(Ok(value))) => return Ok(value.to_string()),
                Ok(StepEvent::Reply(Err(message))) => return Err(PyRuntimeError::new_err(message)),
                Err(_) => {
                    return Err(PyRuntimeError::new_err(
                        "the build ended while the step was waiting for it",
                    ));
                }
            }
        }
    }

    /// Ends the bridge: later requests fail (the step's Python is done).
    fn close(&self) {
        if let Ok(mut host) = self.host.lock() {
            *host = None;
        }
    }
}
