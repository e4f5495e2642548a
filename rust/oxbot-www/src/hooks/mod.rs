//! Buildbot's change hooks, `/change_hook[/<dialect>]` on the web port: each dialect turns one
//! HTTP request into a list of changes (pure functions, one module per dialect: [`base`],
//! [`github`], [`gitlab`]), which are handed to the engine through
//! [`Control::add_changes`](oxbot_master::control::Control::add_changes). Status codes and
//! bodies are Buildbot 4.3's: `200` with `<N> change found` or `no change found`, `400` with
//! the message for a rejected request (unknown dialect, bad signature...), `500` with
//! `Error processing changes.` when the engine fails. [`auth`] is `change_hook_auth`.

pub mod auth;
pub mod base;
pub mod github;
pub mod gitlab;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use oxbot_master::control::ChangeSpec;
use serde_json::Value;

use crate::WwwState;

/// Buildbot's built-in dialects that oxbot does not implement yet.
pub const UNSUPPORTED_DIALECTS: &[&str] = &[
    "bitbucket",
    "bitbucketcloud",
    "bitbucketserver",
    "gitorious",
    "poller",
];

/// The dialects oxbot implements.
pub const SUPPORTED_DIALECTS: &[&str] = &["base", "github", "gitlab"];

/// What a change hook sees of an HTTP request.
#[derive(Debug, Clone, Default)]
pub struct HookRequest {
    /// The query string's arguments, then (for a form-encoded POST) the body's, in order, as
    /// Twisted's `request.args` has them.
    pub args: Vec<(String, String)>,
    /// Header names in lower case, with their values.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl HookRequest {
    /// The first value of an argument.
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header's value (`name` in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The changes a dialect found in a request, and their source (Buildbot's `src`: `git`...).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hooked {
    pub changes: Vec<ChangeSpec>,
    pub src: Option<String>,
}

/// Why a change hook request produced no change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookError {
    /// The request was refused (Buildbot's `ValueError`): 400 with the message as body.
    Rejected(String),
    /// The configured dialect (or one of its options) is not supported yet by oxbot: 501.
    Unsupported(String),
    /// The hook cannot work as configured (a secret no provider has...): 500 with Buildbot's
    /// `Error processing changes.`, the cause in the log.
    Internal(String),
}

impl HookError {
    pub(crate) fn rejected(message: impl Into<String>) -> HookError {
        HookError::Rejected(message.into())
    }

    /// The payload lacks a field or has one of the wrong type.
    pub(crate) fn bad_payload(what: &str) -> HookError {
        HookError::Rejected(format!("Invalid payload: {what}"))
    }
}

impl std::fmt::Display for HookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HookError::Rejected(message)
            | HookError::Unsupported(message)
            | HookError::Internal(message) => f.write_str(message),
        }
    }
}

/// Runs the named dialect with its configured options over a request.
pub fn get_changes(
    dialect: &str,
    options: &Value,
    request: &HookRequest,
) -> Result<Hooked, HookError> {
    if options.get("custom_class").is_some() {
        return Err(HookError::Unsupported(format!(
            "not supported yet by oxbot: change hook dialect '{dialect}' with a custom_class"
        )));
    }
    match dialect {
        "base" => base::get_changes(request),
        "github" => github::get_changes(options, request),
        "gitlab" => gitlab::get_changes(options, request),
        _ if UNSUPPORTED_DIALECTS.contains(&dialect) => Err(HookError::Unsupported(format!(
            "not supported yet by oxbot: change hook dialect '{dialect}'"
        ))),
        _ => Err(HookError::rejected(format!(
            "The dialect specified, '{dialect}', is not registered as a buildbot.webhook plugin"
        ))),
    }
}

/// The dialect a request path names, as Buildbot's `^/change_hook/?([a-zA-Z0-9_]*)`
/// (`/change_hook` alone is `base`).
pub fn dialect_of(path: &str) -> &str {
    let rest = path.strip_prefix("/change_hook").unwrap_or("");
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    if end == 0 { "base" } else { &rest[..end] }
}

/// Seconds since the epoch of an ISO 8601 date and time (what GitHub and GitLab send, read
/// as `dateutil` does: no offset means UTC). Fractions of a second are dropped.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    let bytes = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = text.get(from..from + len)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let year = num(0, 4)?;
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let (month, day) = (num(5, 2)?, num(8, 2)?);
    let mut seconds = 0;
    let mut rest = &text[10..];
    if let Some(time) = rest.strip_prefix(['T', 't', ' ']) {
        let t = time.as_bytes();
        if t.len() < 5 || t[2] != b':' {
            return None;
        }
        let field = |s: &str| s.parse::<i64>().ok().filter(|_| s.len() == 2);
        let hour = field(&time[0..2])?;
        let minute = field(&time[3..5])?;
        let mut second = 0;
        let mut pos = 5;
        if t.get(5) == Some(&b':') {
            second = field(time.get(6..8)?)?;
            pos = 8;
            if matches!(t.get(8), Some(b'.' | b',')) {
                pos = 9;
                while t.get(pos).is_some_and(u8::is_ascii_digit) {
                    pos += 1;
                }
            }
        }
        seconds = hour * 3600 + minute * 60 + second;
        rest = &time[pos..];
    }
    let offset = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = rest[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let hours: i64 = digits[..2].parse().ok()?;
            let minutes: i64 = digits[2..].parse().ok()?;
            sign * (hours * 3600 + minutes * 60)
        }
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + seconds - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A JSON value as Python's `str()` or an f-string shows it (`None`, `True`, `42`...).
pub(crate) fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        other => other.to_string(),
    }
}

/// Looks up `a.b.c` in a JSON payload, naming the missing field when it is not there.
pub(crate) fn field<'a>(payload: &'a Value, path: &str) -> Result<&'a Value, HookError> {
    let mut value = payload;
    for key in path.split('.') {
        value = value
            .as_object()
            .and_then(|map| map.get(key))
            .ok_or_else(|| HookError::bad_payload(&format!("no '{path}'")))?;
    }
    Ok(value)
}

/// A string field of a payload.
pub(crate) fn str_field(payload: &Value, path: &str) -> Result<String, HookError> {
    match field(payload, path)? {
        Value::String(s) => Ok(s.clone()),
        _ => Err(HookError::bad_payload(&format!("'{path}' is not a string"))),
    }
}

/// `"Name <email>"` of a commit's `author` or `committer` object.
pub(crate) fn person(commit: &Value, key: &str) -> Result<String, HookError> {
    let name = field(commit, &format!("{key}.name"))?;
    let email = field(commit, &format!("{key}.email"))?;
    Ok(format!("{} <{}>", py_str(name), py_str(email)))
}

/// A commit's files: `added`, then `modified`, then `removed`.
pub(crate) fn commit_files(commit: &Value) -> Result<Vec<String>, HookError> {
    let mut files = Vec::new();
    for kind in ["added", "modified", "removed"] {
        match commit.get(kind) {
            None => {}
            Some(Value::Array(items)) => {
                for item in items {
                    files.push(
                        item.as_str()
                            .ok_or_else(|| {
                                HookError::bad_payload(&format!("'{kind}' holds a non-string"))
                            })?
                            .to_owned(),
                    );
                }
            }
            Some(_) => return Err(HookError::bad_payload(&format!("'{kind}' is not a list"))),
        }
    }
    Ok(files)
}

/// A commit's `timestamp` in seconds since the epoch.
pub(crate) fn timestamp_field(payload: &Value, path: &str) -> Result<f64, HookError> {
    let text = str_field(payload, path)?;
    parse_timestamp(&text)
        .map(|t| t as f64)
        .ok_or_else(|| HookError::bad_payload(&format!("'{path}' is not a date: {text}")))
}

/// `refs/heads/<branch>` or `refs/tags/<tag>`: `(is_tag, name)`.
pub(crate) fn split_ref(refname: &str) -> Option<(bool, &str)> {
    if let Some(branch) = refname.strip_prefix("refs/heads/") {
        return (!branch.is_empty()).then_some((false, branch));
    }
    if let Some(tag) = refname.strip_prefix("refs/tags/") {
        return (!tag.is_empty()).then_some((true, tag));
    }
    None
}

/// A dialect's `secret` option: `None` when unset or empty; a `util.Secret` the engine could
/// not find is an error, any other renderable is not supported yet.
pub(crate) fn secret_option(dialect: &str, options: &Value) -> Result<Option<String>, HookError> {
    match options.get("secret") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
        Some(v) if v.get("$renderable").and_then(Value::as_str) == Some("Secret") => {
            Err(HookError::Internal(format!(
                "the {dialect} change hook's secret {} is not found in c['secretsProviders']",
                py_str(v.get("name").unwrap_or(&Value::Null))
            )))
        }
        Some(_) => Err(HookError::Unsupported(format!(
            "not supported yet by oxbot: a {dialect} change hook secret that is not a string or util.Secret"
        ))),
    }
}

/// Compares two texts in a time that does not depend on where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A Python-truthy option value.
pub(crate) fn truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null | Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(_) | Value::Bool(true)) => true,
    }
}

/// A text response as Twisted writes it.
fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html")], body.into()).into_response()
}

/// Parses the HTTP request into what a dialect reads.
fn hook_request(method: &Method, uri: &Uri, headers: &HeaderMap, body: &Bytes) -> HookRequest {
    let mut args: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let is_form = content_type.split(';').next().is_some_and(|t| {
        t.trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
    });
    if *method == Method::POST && is_form {
        args.extend(form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())));
    }
    let headers = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    HookRequest {
        args,
        headers,
        body: body.to_vec(),
    }
}

/// `/change_hook[/<dialect>]`: GET and POST (and HEAD) alike, as Buildbot.
pub(crate) async fn change_hook(
    State(state): State<WwwState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(auth) = &state.change_hook_auth
        && !auth.allows(&headers)
    {
        return auth::HookAuth::unauthorized();
    }
    if !matches!(method, Method::GET | Method::POST | Method::HEAD) {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD, POST")],
            "Method Not Allowed",
        )
            .into_response();
    }
    let dialect = dialect_of(uri.path()).to_owned();
    let dialects = state.control.change_hook_dialects();
    let Some(options) = dialects.get(&dialect) else {
        let message =
            format!("The dialect specified, '{dialect}', wasn't whitelisted in change_hook");
        tracing::info!("{message}");
        return text(StatusCode::BAD_REQUEST, message);
    };
    let request = hook_request(&method, &uri, &headers, &body);
    let hooked = match get_changes(&dialect, options, &request) {
        Ok(hooked) => hooked,
        Err(HookError::Rejected(message)) => {
            tracing::info!(dialect, "change hook request refused: {message}");
            return text(StatusCode::BAD_REQUEST, message);
        }
        Err(HookError::Unsupported(message)) => {
            tracing::warn!(dialect, "{message}");
            return text(StatusCode::NOT_IMPLEMENTED, message);
        }
        Err(HookError::Internal(message)) => {
            tracing::error!(dialect, cause = %message, "adding changes from web hook");
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Error processing changes.",
            );
        }
    };
    if hooked.changes.is_empty() {
        return text(StatusCode::OK, "no change found");
    }
    let count = hooked.changes.len();
    match state.control.add_changes(hooked.src, hooked.changes).await {
        Ok(_) => text(StatusCode::OK, format!("{count} change found")),
        Err(err) => {
            tracing::error!(cause = %err, dialect, "adding changes from web hook");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Error processing changes.",
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialects_come_from_the_path() {
        assert_eq!(dialect_of("/change_hook"), "base");
        assert_eq!(dialect_of("/change_hook/"), "base");
        assert_eq!(dialect_of("/change_hook/github"), "github");
        assert_eq!(dialect_of("/change_hook/github/extra"), "github");
        assert_eq!(dialect_of("/change_hook/git-hub"), "git");
    }

    #[test]
    fn timestamps_are_read_as_dateutil_reads_them() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_timestamp("2024-01-02T03:04:05+00:00"),
            Some(1_704_164_645)
        );
        assert_eq!(
            parse_timestamp("2024-01-02T05:04:05+02:00"),
            Some(1_704_164_645)
        );
        assert_eq!(
            parse_timestamp("2024-01-01T22:04:05-0500"),
            Some(1_704_164_645)
        );
        assert_eq!(
            parse_timestamp("2024-01-02T03:04:05.999Z"),
            Some(1_704_164_645)
        );
        assert_eq!(parse_timestamp("2024-01-02 03:04:05"), Some(1_704_164_645));
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp("2024-13-02T03:04:05Z"), None);
    }
}
