//! `c['www']['change_hook_auth']`: HTTP Basic authentication in front of the change hooks,
//! with Twisted's `strcred` credential strings. oxbot reads `file:<path>` (one
//! `user:password` per line, read again on each request, a relative path being relative to the
//! master's basedir) and `memory:<user>:<password>[:<user>:<password>...]`; any other entry
//! is refused when the master starts.

use std::path::PathBuf;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::Value;

/// One credential checker.
#[derive(Debug, Clone, PartialEq)]
enum Checker {
    File(PathBuf),
    Memory(Vec<(String, String)>),
}

/// The configured credential checkers; a request passes when one of them knows its user and
/// password.
#[derive(Debug, Clone, PartialEq)]
pub struct HookAuth {
    checkers: Vec<Checker>,
}

impl HookAuth {
    /// Reads `change_hook_auth` from the rest of `c['www']`: `Ok(None)` when it is not set,
    /// an error naming the entry oxbot does not support yet.
    pub fn from_www(www: &serde_json::Map<String, Value>) -> Result<Option<HookAuth>, String> {
        let entries = match www.get("change_hook_auth") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(entries)) => entries,
            Some(other) => {
                return Err(format!(
                    "not supported yet by oxbot: c['www']['change_hook_auth'] = {other} (a list of strcred strings such as \"file:changehook.passwd\" is supported)"
                ));
            }
        };
        let mut checkers = Vec::new();
        for entry in entries {
            let Some(text) = entry.as_str() else {
                return Err(format!(
                    "not supported yet by oxbot: c['www']['change_hook_auth'] entry {entry} (only \"file:<path>\" and \"memory:<user>:<password>\" strings)"
                ));
            };
            checkers.push(Checker::parse(text)?);
        }
        Ok(Some(HookAuth { checkers }))
    }

    /// Whether the request carries a user and password one of the checkers knows.
    pub(crate) fn allows(&self, headers: &HeaderMap) -> bool {
        let credentials = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, value) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("basic").then_some(value.trim())
            })
            .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
            .and_then(|v| String::from_utf8(v).ok());
        credentials.is_some_and(|credentials| {
            credentials.split_once(':').is_some_and(|(user, password)| {
                self.checkers.iter().any(|c| c.knows(user, password))
            })
        })
    }

    /// The answer to a request without known credentials, as Twisted's guard gives it.
    pub(crate) fn unauthorized() -> Response {
        (
            StatusCode::UNAUTHORIZED,
            [
                (header::WWW_AUTHENTICATE, "basic realm=\"Protected area\""),
                (header::CONTENT_TYPE, "text/html"),
            ],
            "Unauthorized",
        )
            .into_response()
    }
}

impl Checker {
    fn parse(text: &str) -> Result<Checker, String> {
        let (kind, arg) = text.split_once(':').unwrap_or((text, ""));
        match kind {
            "file" if !arg.is_empty() => Ok(Checker::File(PathBuf::from(arg))),
            "memory" => {
                let parts: Vec<&str> = arg.split(':').collect();
                if arg.is_empty() || !parts.len().is_multiple_of(2) {
                    return Err(format!(
                        "c['www']['change_hook_auth'] entry '{text}': memory needs user:password pairs"
                    ));
                }
                Ok(Checker::Memory(
                    parts
                        .chunks(2)
                        .map(|p| (p[0].to_owned(), p[1].to_owned()))
                        .collect(),
                ))
            }
            _ => Err(format!(
                "not supported yet by oxbot: c['www']['change_hook_auth'] entry '{text}' (only \"file:<path>\" and \"memory:<user>:<password>\")"
            )),
        }
    }

    fn knows(&self, user: &str, password: &str) -> bool {
        match self {
            Checker::Memory(pairs) => pairs.iter().any(|(u, p)| u == user && p == password),
            Checker::File(path) => match std::fs::read_to_string(path) {
                Ok(text) => text.lines().any(|line| {
                    let mut parts = line.trim_end().split(':');
                    parts.next() == Some(user) && parts.next() == Some(password)
                }),
                Err(err) => {
                    tracing::error!(cause = %err, path = %path.display(), "cannot read the change hook password file");
                    false
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn www(auth: Value) -> serde_json::Map<String, Value> {
        serde_json::Map::from_iter([("change_hook_auth".to_owned(), auth)])
    }

    #[test]
    fn strcred_strings_are_read() {
        assert_eq!(HookAuth::from_www(&serde_json::Map::new()), Ok(None));
        let auth = HookAuth::from_www(&www(json!(["memory:u:p:v:q", "file:x.passwd"])))
            .unwrap()
            .unwrap();
        assert_eq!(
            auth.checkers,
            vec![
                Checker::Memory(vec![("u".into(), "p".into()), ("v".into(), "q".into())]),
                Checker::File("x.passwd".into()),
            ]
        );
        let err = HookAuth::from_www(&www(json!(["unix"]))).unwrap_err();
        assert!(
            err.contains("not supported yet by oxbot") && err.contains("'unix'"),
            "{err}"
        );
        let err = HookAuth::from_www(&www(json!([{"$python": 1}]))).unwrap_err();
        assert!(err.contains("change_hook_auth"), "{err}");
    }

    #[test]
    fn basic_credentials_are_checked() {
        let auth = HookAuth::from_www(&www(json!(["memory:user:pass"])))
            .unwrap()
            .unwrap();
        let mut headers = HeaderMap::new();
        assert!(!auth.allows(&headers));
        headers.insert(header::AUTHORIZATION, "Basic dXNlcjpwYXNz".parse().unwrap());
        assert!(auth.allows(&headers));
        headers.insert(header::AUTHORIZATION, "Basic dXNlcjp4".parse().unwrap());
        assert!(!auth.allows(&headers));
        assert_eq!(HookAuth::unauthorized().status(), StatusCode::UNAUTHORIZED);
    }
}
