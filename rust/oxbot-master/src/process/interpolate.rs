//! `util.Interpolate` (Buildbot's `process/properties.py`): `%(<selector>:<key><mode>)s`
//! substitutions, or positional `%s` with arguments.
//!
//! Selectors: `prop:` (build properties), `src:<codebase>:` (a source stamp's `branch`,
//! `revision`, `repository`, `project`, `codebase`), `worker:` (the worker's info), `kw:`
//! (the Interpolate's keyword arguments) and `secret:` (the secrets providers). Modes, as
//! Buildbot's `_Lookup`: `-default` (the default), `~default` (also when the value is false),
//! `+text` (text when set), `?|set|unset` and `#?|true|false` (any delimiter); the texts
//! are themselves Interpolate format strings. A value of `None` renders as an empty string.

use serde_json::{Map, Value};

use oxbot_core::pyrepr::py_repr;

use super::properties::{Properties, RenderError, display_value, is_truthy};

fn invalid(message: String) -> RenderError {
    RenderError::Invalid {
        kind: "Interpolate".to_owned(),
        message,
    }
}

/// One `%...` directive of a format string.
enum Directive<'a> {
    Literal(&'a str),
    Percent,
    Named { key: &'a str, conversion: char },
    Positional { conversion: char },
}

/// Splits a Python %-format string; a named key may hold balanced parentheses, as Python's
/// `%` operator allows.
fn parse(fmt: &str) -> Result<Vec<Directive<'_>>, RenderError> {
    let mut out = Vec::new();
    let mut rest = fmt;
    while let Some(pos) = rest.find('%') {
        if pos > 0 {
            out.push(Directive::Literal(&rest[..pos]));
        }
        rest = &rest[pos + 1..];
        if let Some(after) = rest.strip_prefix('%') {
            out.push(Directive::Percent);
            rest = after;
            continue;
        }
        let key = if let Some(inner) = rest.strip_prefix('(') {
            let mut depth = 1;
            let end = inner
                .char_indices()
                .find(|(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .ok_or_else(|| invalid(format!("incomplete format key in '{fmt}'")))?;
            rest = &inner[end + 1..];
            Some(&inner[..end])
        } else {
            None
        };
        let conversion = rest
            .chars()
            .next()
            .ok_or_else(|| invalid(format!("incomplete format in '{fmt}'")))?;
        if !matches!(conversion, 's' | 'd' | 'i' | 'r') {
            return Err(invalid(format!(
                "unsupported format character '{conversion}' in '{fmt}'"
            )));
        }
        rest = &rest[conversion.len_utf8()..];
        out.push(match key {
            Some(key) => Directive::Named { key, conversion },
            None => Directive::Positional { conversion },
        });
    }
    if !rest.is_empty() {
        out.push(Directive::Literal(rest));
    }
    Ok(out)
}

/// A value formatted by a `%` conversion.
fn convert(value: &Value, conversion: char) -> Result<String, RenderError> {
    match conversion {
        'r' => Ok(py_repr(value)),
        'd' | 'i' => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
            Value::Number(n) => Ok(format!("{}", n.as_f64().unwrap_or_default().trunc())),
            Value::Bool(b) => Ok(i32::from(*b).to_string()),
            other => Err(invalid(format!(
                "%d format: a number is required, not {}",
                py_repr(other)
            ))),
        },
        _ => Ok(display_value(value)),
    }
}

impl Properties {
    /// Renders `Interpolate(fmt, *args)` or `Interpolate(fmt, **kwargs)`.
    pub(crate) fn interpolate(
        &self,
        fmt: &str,
        args: &[Value],
        kwargs: &Map<String, Value>,
    ) -> Result<String, RenderError> {
        let mut out = String::new();
        let mut args = args.iter();
        for directive in parse(fmt)? {
            match directive {
                Directive::Literal(text) => out.push_str(text),
                Directive::Percent => out.push('%'),
                Directive::Positional { conversion } => {
                    let arg = args
                        .next()
                        .ok_or_else(|| invalid(format!("not enough arguments for '{fmt}'")))?;
                    out.push_str(&convert(&self.render(arg)?, conversion)?);
                }
                Directive::Named { key, conversion } => {
                    let value = self.substitute(key, kwargs)?;
                    out.push_str(&convert(&value, conversion)?);
                }
            }
        }
        Ok(out)
    }

    /// The value of one `selector:key[mode]` substitution.
    fn substitute(&self, spec: &str, kwargs: &Map<String, Value>) -> Result<Value, RenderError> {
        let (selector, arg) = spec.split_once(':').ok_or_else(|| {
            invalid(format!(
                "invalid Interpolate substitution without selector '{spec}'"
            ))
        })?;
        let split = |arg: &'_ str| -> (String, Option<String>) {
            match arg.split_once(':') {
                Some((key, mode)) => (key.to_owned(), Some(mode.to_owned())),
                None => (arg.to_owned(), None),
            }
        };
        // The looked-up value: `None` when the key is absent.
        let (found, mode): (Option<Value>, Option<String>) = match selector {
            "prop" => {
                let (key, mode) = split(arg);
                (self.get(&key).cloned(), mode)
            }
            "kw" => {
                let (key, mode) = split(arg);
                (kwargs.get(&key).map(|v| self.render(v)).transpose()?, mode)
            }
            "worker" => {
                let (key, mode) = split(arg);
                (self.context().worker_info.get(&key).cloned(), mode)
            }
            "secret" => {
                let (key, mode) = split(arg);
                (Some(self.secret(&key)?), mode)
            }
            "src" => {
                let mut parts = arg.splitn(3, ':');
                let (Some(codebase), Some(attr)) = (parts.next(), parts.next()) else {
                    return Err(invalid(format!(
                        "Must specify both codebase and attribute for src Interpolation '{arg}'"
                    )));
                };
                let value = self
                    .context()
                    .sourcestamps
                    .iter()
                    .find(|(cb, _)| cb == codebase)
                    .and_then(|(_, ss)| ss.get(attr).cloned());
                (value, parts.next().map(str::to_owned))
            }
            other => return Err(invalid(format!("invalid Interpolate selector '{other}'"))),
        };
        let mode = mode.unwrap_or_else(|| "-".to_owned());
        let nested = |text: &str| self.interpolate(text, &[], kwargs).map(Value::String);
        let (default, default_when_false, has_key): (Value, bool, Option<Value>) =
            if let Some(tail) = mode.strip_prefix('-') {
                (nested(tail)?, false, None)
            } else if let Some(tail) = mode.strip_prefix('~') {
                (nested(tail)?, true, None)
            } else if let Some(tail) = mode.strip_prefix('+') {
                (Value::from(""), false, Some(nested(tail)?))
            } else if let Some(tail) = mode.strip_prefix('?') {
                let (yes, no) = ternary(tail)?;
                (nested(no)?, false, Some(nested(yes)?))
            } else if let Some(tail) = mode.strip_prefix("#?") {
                let (yes, no) = ternary(tail)?;
                (nested(no)?, true, Some(nested(yes)?))
            } else {
                return Err(invalid(format!(
                    "invalid Interpolate default type '{}'",
                    mode.chars().next().unwrap_or(' ')
                )));
            };
        let value = match found {
            None => default,
            Some(value) if default_when_false => {
                if is_truthy(&value) {
                    has_key.unwrap_or(value)
                } else {
                    default
                }
            }
            Some(value) => has_key.unwrap_or(value),
        };
        Ok(if value.is_null() {
            Value::from("")
        } else {
            value
        })
    }
}

/// Splits `|yes|no` (any delimiter but `(`) at the first delimiter outside parentheses.
fn ternary(tail: &str) -> Result<(&str, &str), RenderError> {
    let delimiter = tail
        .chars()
        .next()
        .filter(|d| *d != '(')
        .ok_or_else(|| invalid(format!("invalid Interpolate ternary expression '{tail}'")))?;
    let body = &tail[delimiter.len_utf8()..];
    let mut depth = 0i32;
    for (i, c) in body.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            c if c == delimiter && depth == 0 => {
                return Ok((&body[..i], &body[i + c.len_utf8()..]));
            }
            _ => {}
        }
    }
    Err(invalid(format!(
        "invalid Interpolate ternary expression '{body}' with delimiter '{delimiter}'"
    )))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::process::properties::RenderContext;

    fn props() -> Properties {
        let mut p = Properties::new().with_context(Arc::new(RenderContext {
            sourcestamps: vec![(
                "app".to_owned(),
                Map::from_iter([
                    ("branch".to_owned(), json!("main")),
                    ("revision".to_owned(), json!("abc123")),
                ]),
            )],
            worker_info: Map::from_iter([("os".to_owned(), json!("linux"))]),
            ..RenderContext::default()
        }));
        p.set("branch", json!("main"), "Build");
        p.set("empty", json!(""), "Build");
        p.set("none", Value::Null, "Build");
        p.set("n", json!(3), "Build");
        p.set("list", json!(["a", 1]), "Build");
        p
    }

    fn render(fmt: &str) -> String {
        props().interpolate(fmt, &[], &Map::new()).unwrap()
    }

    #[test]
    fn selectors() {
        assert_eq!(
            render("%(src:app:branch)s@%(src:app:revision)s"),
            "main@abc123"
        );
        assert_eq!(render("[%(src:other:branch)s]"), "[]");
        assert_eq!(render("%(worker:os)s"), "linux");
        assert_eq!(
            render("%(prop:n)d %(prop:list)s %(prop:branch)r"),
            "3 ['a', 1] 'main'"
        );
        assert_eq!(render("[%(prop:none)s]"), "[]");
    }

    #[test]
    fn modes_follow_buildbots_lookup() {
        assert_eq!(
            render("%(prop:missing:-dflt)s %(prop:empty:-dflt)s"),
            "dflt "
        );
        assert_eq!(
            render("%(prop:empty:~alt)s %(prop:branch:~alt)s"),
            "alt main"
        );
        assert_eq!(render("%(prop:branch:+yes)s|%(prop:missing:+yes)s"), "yes|");
        assert_eq!(
            render("%(prop:empty:?|set|unset)s %(prop:missing:?|set|unset)s"),
            "set unset"
        );
        assert_eq!(
            render("%(prop:empty:#?|t|f)s %(prop:branch:#?/t/f)s"),
            "f t"
        );
        assert_eq!(render("%(prop:missing:-%(prop:branch)s)s"), "main");
        assert_eq!(render("%(prop:branch:?|(%(prop:n)s)|no)s"), "(3)");
        assert_eq!(render("100%%"), "100%");
    }

    #[test]
    fn keywords_and_positional_arguments() {
        let p = props();
        let kwargs = Map::from_iter([(
            "who".to_owned(),
            json!({"$renderable": "Property", "name": "branch"}),
        )]);
        assert_eq!(
            p.interpolate("hi %(kw:who)s", &[], &kwargs).unwrap(),
            "hi main"
        );
        let args = [json!({"$renderable": "Property", "name": "n"}), json!("x")];
        assert_eq!(p.interpolate("%d-%s", &args, &Map::new()).unwrap(), "3-x");
    }

    #[test]
    fn bad_formats_name_the_problem() {
        let err = |fmt: &str| {
            props()
                .interpolate(fmt, &[], &Map::new())
                .unwrap_err()
                .to_string()
        };
        assert!(err("%(nope)s").contains("without selector"));
        assert!(err("%(foo:x)s").contains("invalid Interpolate selector 'foo'"));
        assert!(err("%(prop:x:*y)s").contains("invalid Interpolate default type '*'"));
    }
}
