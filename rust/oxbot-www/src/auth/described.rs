//! Reading the shim's descriptions of `c['www']` objects: `{"kind": <class>, "args": {<keyword
//! arguments>, "args": [<positional arguments>]}}`, with `"subclass"` naming a config's own
//! subclass (whose overridden methods oxbot cannot run).

use serde_json::{Map, Value};

pub(super) struct Described<'a> {
    pub kind: &'a str,
    pub args: &'a Map<String, Value>,
}

static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

impl<'a> Described<'a> {
    pub(super) fn of(value: &'a Value, what: &str) -> Result<Described<'a>, String> {
        let Some(kind) = value.get("kind").and_then(Value::as_str) else {
            return Err(format!(
                "not supported yet by oxbot: {what} = {}",
                value
                    .get("repr")
                    .and_then(Value::as_str)
                    .unwrap_or("a Python object")
            ));
        };
        if let Some(subclass) = value.get("subclass").and_then(Value::as_str) {
            return Err(format!(
                "not supported yet by oxbot: {what} of the config's own class {subclass} (a subclass of {kind})"
            ));
        }
        if let Some(message) = value.get("unsupported").and_then(Value::as_str) {
            return Err(message.to_owned());
        }
        let args = value
            .get("args")
            .and_then(Value::as_object)
            .unwrap_or(&EMPTY);
        Ok(Described { kind, args })
    }
}

/// An argument given by keyword, or else at `position`.
pub(super) fn arg<'a>(
    args: &'a Map<String, Value>,
    position: usize,
    name: &str,
) -> Option<&'a Value> {
    args.get(name).or_else(|| {
        args.get("args")
            .and_then(Value::as_array)
            .and_then(|a| a.get(position))
    })
}

/// A list (or tuple) of strings.
pub(super) fn string_list(value: Option<&Value>, what: &str) -> Result<Vec<String>, String> {
    let items = value
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{what}: a list of strings is needed"))?;
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("{what}: {v} is not a string"))
        })
        .collect()
}
