//! How the engine calls back into the user's Python (renderer functions, `Transform`,
//! `doStepIf`/`hideStepIf` callables) without knowing Python: `oxbot-python` implements
//! [`PythonCallbacks`], and the engine holds it as a trait object. Arguments and results are
//! JSON; a handle is the number in a `{"$python": n}` description.

use crate::config::{Map, Value};

/// Calls into the configuration's Python objects.
pub trait PythonCallbacks: Send + Sync {
    /// `@util.renderer` functions: `fn(props, *args, **kwargs)`. The result is described as
    /// config values are (it may hold renderables for the engine to render).
    fn render(
        &self,
        handle: u64,
        properties: &Map,
        args: &Value,
        kwargs: &Value,
    ) -> Result<Value, String>;

    /// `util.Transform(fn, *args, **kwargs)` with the arguments already rendered.
    fn transform(&self, handle: u64, args: &Value, kwargs: &Value) -> Result<Value, String>;

    /// `doStepIf(step)` and `hideStepIf(results, step)`: `step` answers `getProperty`.
    fn step_condition(
        &self,
        handle: u64,
        properties: &Map,
        results: Option<i64>,
    ) -> Result<bool, String>;
}

/// The handle number of a `{"$python": n}` description.
pub fn handle_of(value: &Value) -> Option<u64> {
    value.get("$python").and_then(Value::as_u64)
}
