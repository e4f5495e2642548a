//! Build properties and rendering (Buildbot's `process/properties.py`).
//!
//! Properties are `name -> (value, source)`. Rendering walks a config [`Value`] and replaces
//! each renderable (`{"$renderable": kind, ...}`, see `oxbot_core::config`) by its value for
//! this build. Kinds the engine cannot render yet fail with an error naming them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use oxbot_core::config::Value;
use oxbot_core::pyrepr::py_repr;
use oxbot_core::python::PythonCallbacks;
use serde_json::Map;

/// Build properties with their sources, in name order.
#[derive(Clone, Default)]
pub struct Properties {
    values: BTreeMap<String, (Value, String)>,
    /// The configuration's Python, for renderer functions and `Transform`.
    callbacks: Option<Arc<dyn PythonCallbacks>>,
    /// What else of the build renderables read (shared by every copy of one build's
    /// properties).
    context: Arc<RenderContext>,
}

/// What renderables read of a build besides its properties.
#[derive(Debug, Default)]
pub struct RenderContext {
    /// `%(src:<codebase>:<attr>)s`: each codebase's source stamp attributes.
    pub sourcestamps: Vec<(String, Map<String, Value>)>,
    /// `%(worker:<key>)s`: the worker's info.
    pub worker_info: Map<String, Value>,
    /// `util.Secret` and `%(secret:<name>)s`: what the secrets providers hold.
    pub secrets: Arc<BTreeMap<String, String>>,
    /// The secrets this build rendered, `value -> name`, to hide them from its logs and
    /// state strings (Buildbot's `cleanupTextFromSecrets`).
    pub(crate) used_secrets: Mutex<BTreeMap<String, String>>,
}

impl RenderContext {
    /// `text` with every secret this build used replaced by `<name>`.
    pub fn hide_secrets<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        let used = self.used_secrets.lock().expect("secrets lock");
        let mut text = std::borrow::Cow::Borrowed(text);
        for (value, name) in used.iter().filter(|(value, _)| !value.is_empty()) {
            if text.contains(value.as_str()) {
                text = std::borrow::Cow::Owned(text.replace(value.as_str(), &format!("<{name}>")));
            }
        }
        text
    }
}

/// A renderable that could not be rendered.
impl std::fmt::Debug for Properties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.values.iter()).finish()
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    #[error("not supported yet by oxbot: renderable {0}")]
    Unsupported(String),
    #[error("{0}")]
    Python(String),
    #[error("invalid {kind}: {message}")]
    Invalid { kind: String, message: String },
    #[error("{0}")]
    Secret(String),
}

impl Properties {
    pub fn new() -> Properties {
        Properties::default()
    }

    /// Properties that can call the configuration's Python (renderer functions, `Transform`).
    pub fn with_callbacks(callbacks: Option<Arc<dyn PythonCallbacks>>) -> Properties {
        Properties {
            callbacks,
            ..Properties::default()
        }
    }

    /// The same properties, reading sources, worker info and secrets from `context`.
    #[must_use]
    pub fn with_context(mut self, context: Arc<RenderContext>) -> Properties {
        self.context = context;
        self
    }

    pub fn context(&self) -> &Arc<RenderContext> {
        &self.context
    }

    /// A secret's value, remembered so that logs hide it.
    pub fn secret(&self, name: &str) -> Result<Value, RenderError> {
        let value = self.context.secrets.get(name).ok_or_else(|| {
            RenderError::Secret(format!("secret key {name} is not found in any provider"))
        })?;
        self.context
            .used_secrets
            .lock()
            .expect("secrets lock")
            .insert(value.clone(), name.to_owned());
        Ok(Value::from(value.as_str()))
    }

    /// The Python callbacks, if the configuration has any.
    pub fn callbacks(&self) -> Option<&Arc<dyn PythonCallbacks>> {
        self.callbacks.as_ref()
    }

    /// `name -> value`, as Python callables see the properties.
    pub fn values(&self) -> Map<String, Value> {
        self.values
            .iter()
            .map(|(k, (v, _))| (k.clone(), v.clone()))
            .collect()
    }

    pub fn set(&mut self, name: &str, value: Value, source: &str) {
        self.values
            .insert(name.to_owned(), (value, source.to_owned()));
    }

    /// Sets every entry of a config map (`c['properties']`, builder properties...).
    pub fn update_from_map(&mut self, map: &Map<String, Value>, source: &str) {
        for (name, value) in map {
            self.set(name, value.clone(), source);
        }
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name).map(|(value, _)| value)
    }

    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// Every property as `(name, value, source)`.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value, &str)> {
        self.values
            .iter()
            .map(|(name, (value, source))| (name.as_str(), value, source.as_str()))
    }

    /// Renders a value: plain JSON is returned as is, renderables are evaluated, recursively.
    pub fn render(&self, value: &Value) -> Result<Value, RenderError> {
        match value {
            Value::Array(items) => items
                .iter()
                .map(|item| self.render(item))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Value::Object(map) => match map.get("$renderable").and_then(Value::as_str) {
                Some(kind) => self.render_renderable(kind, map),
                None => map
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), self.render(v)?)))
                    .collect::<Result<Map<_, _>, _>>()
                    .map(Value::Object),
            },
            other => Ok(other.clone()),
        }
    }

    fn render_renderable(
        &self,
        kind: &str,
        map: &Map<String, Value>,
    ) -> Result<Value, RenderError> {
        let invalid = |message: &str| RenderError::Invalid {
            kind: kind.to_owned(),
            message: message.to_owned(),
        };
        match kind {
            "Property" => {
                let name = map
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid("missing name"))?;
                match self.get(name) {
                    Some(value) => Ok(value.clone()),
                    None => self.render(map.get("default").unwrap_or(&Value::Null)),
                }
            }
            "Interpolate" => {
                let fmt = map
                    .get("fmt")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid("missing fmt"))?;
                let kwargs = match map.get("kwargs") {
                    Some(Value::Object(kw)) => kw.clone(),
                    _ => Map::new(),
                };
                let args = map
                    .get("args")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                self.interpolate(fmt, &args, &kwargs).map(Value::String)
            }
            "Secret" => {
                let name = map
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid("missing name"))?;
                self.secret(name)
            }
            "WithProperties" => {
                let fmt = map
                    .get("fmt")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid("missing fmt"))?;
                let args = oxbot_core::config::string_list(map.get("args"));
                self.with_properties(fmt, &args).map(Value::String)
            }
            "renderer" | "Transform" => {
                let (Some(callbacks), Some(handle)) = (
                    &self.callbacks,
                    map.get("function").and_then(oxbot_core::python::handle_of),
                ) else {
                    return Err(RenderError::Unsupported(format!(
                        "{kind} (no Python to call)"
                    )));
                };
                let args = self.render(map.get("args").unwrap_or(&Value::Array(vec![])))?;
                let kwargs =
                    self.render(map.get("kwargs").unwrap_or(&Value::Object(Map::new())))?;
                let result = if kind == "renderer" {
                    callbacks.render(handle, &self.values(), &args, &kwargs)
                } else {
                    callbacks.transform(handle, &args, &kwargs)
                }
                .map_err(RenderError::Python)?;
                // A renderer may return renderables (an Interpolate...): render those too.
                self.render(&result)
            }
            other => Err(RenderError::Unsupported(other.to_owned())),
        }
    }

    /// The 0.8 `WithProperties`: `%s` takes the next named property, `%(name)s` a property
    /// by name; a missing property renders as an empty string.
    fn with_properties(&self, fmt: &str, args: &[String]) -> Result<String, RenderError> {
        let text = |name: &str| self.get(name).map(display_value).unwrap_or_default();
        let mut out = String::new();
        let mut rest = fmt;
        let mut next_arg = args.iter();
        while let Some(pos) = rest.find('%') {
            out.push_str(&rest[..pos]);
            rest = &rest[pos + 1..];
            if let Some(after) = rest.strip_prefix('%') {
                out.push('%');
                rest = after;
            } else if let Some(after) = rest.strip_prefix('s') {
                out.push_str(&next_arg.next().map(|name| text(name)).unwrap_or_default());
                rest = after;
            } else if let Some(inner) = rest.strip_prefix('(') {
                let end = inner.find(")s").ok_or_else(|| RenderError::Invalid {
                    kind: "WithProperties".to_owned(),
                    message: format!("bad format string '{fmt}'"),
                })?;
                out.push_str(&text(&inner[..end]));
                rest = &inner[end + 2..];
            } else {
                out.push('%');
            }
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// A value as Python's `str()` shows it in an interpolated string.
pub fn display_value(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => py_repr(other),
    }
}

/// Python truthiness of a JSON value.
pub fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props() -> Properties {
        let mut p = Properties::new();
        p.set("branch", json!("main"), "Build");
        p.set("empty", json!(""), "Build");
        p
    }

    #[test]
    fn interpolate_forms() {
        let p = props();
        let render = |fmt: &str| {
            p.render(&json!({"$renderable": "Interpolate", "fmt": fmt}))
                .unwrap()
        };
        assert_eq!(render("b=%(prop:branch)s"), json!("b=main"));
        assert_eq!(render("%(prop:missing:-dflt)s"), json!("dflt"));
        assert_eq!(render("%(prop:empty:~alt)s"), json!("alt"));
        assert_eq!(
            render("%(prop:branch:+yes)s|%(prop:missing:+yes)s"),
            json!("yes|")
        );
        assert_eq!(render("100%%"), json!("100%"));
    }

    #[test]
    fn used_secrets_are_hidden() {
        let secrets = Arc::new(BTreeMap::from([("token".to_owned(), "s3cret".to_owned())]));
        let p = Properties::new().with_context(Arc::new(RenderContext {
            secrets,
            ..RenderContext::default()
        }));
        assert_eq!(p.context().hide_secrets("s3cret"), "s3cret");
        assert_eq!(
            p.render(&json!({"$renderable": "Secret", "name": "token"}))
                .unwrap(),
            json!("s3cret")
        );
        assert_eq!(p.context().hide_secrets("echo s3cret!"), "echo <token>!");
    }

    #[test]
    fn with_properties_forms() {
        let p = props();
        let render = |v: Value| p.render(&v).unwrap();
        assert_eq!(
            render(json!({"$renderable": "WithProperties", "fmt": "on %s", "args": ["branch"]})),
            json!("on main")
        );
        assert_eq!(
            render(
                json!({"$renderable": "WithProperties", "fmt": "%(branch)s/%(nope)s", "args": []})
            ),
            json!("main/")
        );
    }

    #[test]
    fn nested_and_unsupported() {
        let p = props();
        let value = json!(["echo", {"$renderable": "Property", "name": "branch"}]);
        assert_eq!(p.render(&value).unwrap(), json!(["echo", "main"]));
        let err = p
            .render(&json!({"$renderable": "Secret", "name": "x"}))
            .unwrap_err();
        assert_eq!(err.to_string(), "secret key x is not found in any provider");
        let err = p
            .render(&json!({"$renderable": "renderer", "function": {"$python": 0}}))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "not supported yet by oxbot: renderable renderer (no Python to call)"
        );
    }
}
