//! `c['www']['auth']`, `c['www']['authz']` and `c['www']['allowed_origins']`, as Buildbot 4.3
//! serves them: the session cookie ([`session`]), `/auth/login` and `/auth/logout`, `/config`
//! with the session's `user`, the Origin check of `/api`, and the authorization of every REST
//! read, control call and `/ws` connection ([`authz`]).
//!
//! [`apply`] wraps the router in one middleware that reads the session, checks the Origin and
//! authz, hands the user to the handlers (`owner` of control calls) as a [`SessionUser`]
//! request extension, and re-issues the cookie.

pub mod authz;
mod described;
mod digest;
pub mod session;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, RawQuery, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use oxbot_core::config::MasterConfig;
use oxbot_core::python::PythonCallbacks;
use oxbot_master::data::api::DataApi;
use oxbot_master::data::api::pyjson::{python_json, python_json_unsorted};
use regex::Regex;
use serde_json::{Map, Value, json};

use self::authz::Authz;
use self::described::{Described, arg};
use self::digest::DigestAuth;
use self::session::Sessions;

/// The auth kinds oxbot serves.
/// (Also listed for `checkconfig` in `oxbot_master::support::SUPPORTED_AUTH`.)
pub const AUTH_KINDS: &[&str] = oxbot_master::support::SUPPORTED_AUTH;

/// The logged-in user of a request (`{"anonymous": true}` without a session), as Buildbot's
/// `user_info`. A handler that changes the session returns one as a response extension.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionUser(pub Map<String, Value>);

impl SessionUser {
    /// The `owner` Buildbot gives a control call: `anonymous`, else the user's email,
    /// username or full name.
    pub fn owner(&self) -> Value {
        if self.0.get("anonymous").is_some_and(|v| v != &json!(false)) {
            return json!("anonymous");
        }
        ["email", "username", "full_name"]
            .iter()
            .filter_map(|k| self.0.get(*k))
            .find(|v| !v.is_null() && v != &&json!(""))
            .cloned()
            .unwrap_or(Value::Null)
    }
}

/// Where the users and passwords of a Basic login are.
#[derive(Debug, Clone, PartialEq)]
enum Passwords {
    /// `UserPasswordAuth(users)`.
    Memory(Vec<(String, String)>),
    /// `HTPasswdAuth(passwdFile)`: `user:password` lines read at each login. As in Buildbot
    /// (Twisted's `FilePasswordDB` without a hash function), passwords are compared as
    /// written: a hashed htpasswd entry never matches.
    File(PathBuf),
}

/// A `CustomAuth` subclass's `check_credentials`, called through the configuration's Python.
#[derive(Clone)]
struct PythonCheck {
    class: String,
    handle: u64,
    python: Arc<dyn PythonCallbacks>,
}

impl std::fmt::Debug for PythonCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.check_credentials", self.class)
    }
}

#[derive(Debug, Clone)]
enum AuthKind {
    NoAuth,
    Basic {
        kind: &'static str,
        users: Passwords,
    },
    /// `CustomAuth`: Basic only, as in Buildbot.
    Custom(PythonCheck),
    RemoteUser {
        header: HeaderName,
        regex: Regex,
    },
}

/// What the web port needs for auth, authz and the Origin check.
pub struct WebAuth {
    kind: AuthKind,
    authz: Authz,
    sessions: Sessions,
    lifetime_seconds: i64,
    digest: DigestAuth,
    /// `allowed_origins` (default: `buildbotURL`'s origin) as lower-case globs.
    origins: Vec<Regex>,
    buildbot_url: String,
    /// `/config` without its `user`.
    frontend: Map<String, Value>,
    /// The embedded Python's version, listed first in the frontend config's `versions`.
    python_version: Option<String>,
}

fn auth_kind(
    value: Option<&Value>,
    python: Option<&Arc<dyn PythonCallbacks>>,
) -> Result<AuthKind, String> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(AuthKind::NoAuth);
    };
    let auth = Described::of(value, "c['www']['auth']")?;
    if arg(auth.args, usize::MAX, "userInfoProvider").is_some_and(|v| !v.is_null()) {
        return Err(format!(
            "not supported yet by oxbot: {}(userInfoProvider=...) in c['www']['auth'] (users get email = username)",
            auth.kind
        ));
    }
    match auth.kind {
        "NoAuth" => Ok(AuthKind::NoAuth),
        "CustomAuth" => {
            let handle = value
                .pointer("/check_credentials/$python")
                .and_then(Value::as_u64)
                .ok_or("CustomAuth: no check_credentials to call")?;
            let python = python
                .ok_or("CustomAuth needs the configuration's Python, which is not loaded")?
                .clone();
            let class = value.get("class_name").and_then(Value::as_str);
            Ok(AuthKind::Custom(PythonCheck {
                class: class.unwrap_or("CustomAuth").to_owned(),
                handle,
                python,
            }))
        }
        "UserPasswordAuth" => {
            let mut users: Vec<(String, String)> = Vec::new();
            let mut add = |user: &Value, password: &Value| -> Result<(), String> {
                let (Some(user), Some(password)) = (user.as_str(), password.as_str()) else {
                    return Err(format!(
                        "UserPasswordAuth: user {user} and password must be strings"
                    ));
                };
                // A dict keeps the last password given for a user.
                users.retain(|(u, _)| u != user);
                users.push((user.to_owned(), password.to_owned()));
                Ok(())
            };
            match arg(auth.args, 0, "users") {
                Some(Value::Object(map)) => {
                    for (user, password) in map {
                        add(&json!(user), password)?;
                    }
                }
                Some(Value::Array(pairs)) => {
                    for pair in pairs {
                        match pair.as_array().map(Vec::as_slice) {
                            Some([user, password]) => add(user, password)?,
                            _ => {
                                return Err(format!(
                                    "UserPasswordAuth: {pair} is not a (user, password) pair"
                                ));
                            }
                        }
                    }
                }
                _ => {
                    return Err(
                        "UserPasswordAuth needs users, a dict or a list of (user, password)"
                            .to_owned(),
                    );
                }
            }
            Ok(AuthKind::Basic {
                kind: "UserPasswordAuth",
                users: Passwords::Memory(users),
            })
        }
        "HTPasswdAuth" => match arg(auth.args, 0, "passwdFile") {
            Some(Value::String(path)) => Ok(AuthKind::Basic {
                kind: "HTPasswdAuth",
                // Opened as Twisted does, relative to the master's directory.
                users: Passwords::File(PathBuf::from(path)),
            }),
            _ => Err("HTPasswdAuth needs passwdFile, a path".to_owned()),
        },
        "RemoteUserAuth" => {
            let header = match arg(auth.args, 0, "header") {
                None | Some(Value::Null) => "REMOTE_USER",
                Some(Value::String(h)) => h.as_str(),
                Some(other) => return Err(format!("RemoteUserAuth(header={other}): not a string")),
            };
            let header = HeaderName::try_from(header)
                .map_err(|e| format!("RemoteUserAuth(header={header:?}): {e}"))?;
            let pattern = match arg(auth.args, 1, "headerRegex") {
                None | Some(Value::Null) => r"(?P<username>[^ @]+)@(?P<realm>[^ @]+)",
                Some(Value::String(r)) => r.as_str(),
                Some(other) => {
                    return Err(format!("RemoteUserAuth(headerRegex={other}): not a string"));
                }
            };
            let regex = Regex::new(&format!("^(?:{pattern})"))
                .map_err(|e| format!("RemoteUserAuth(headerRegex={pattern:?}): {e}"))?;
            Ok(AuthKind::RemoteUser { header, regex })
        }
        other => Err(format!(
            "not supported yet by oxbot: c['www']['auth'] = {other} (oxbot serves {}; the master does not start)",
            AUTH_KINDS.join(", ")
        )),
    }
}

/// The origin (`scheme://host[:port]`) of a URL.
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    format!("{scheme}://{host}")
}

impl WebAuth {
    /// Reads `c['www']` (`auth`, `authz`, `allowed_origins`, `cookie_expiration_time`); an
    /// error names what oxbot cannot honour, and the master does not start.
    /// `python` calls the configuration's Python (a `CustomAuth`'s `check_credentials`).
    pub fn from_config(
        config: &MasterConfig,
        python: Option<&Arc<dyn PythonCallbacks>>,
    ) -> Result<WebAuth, String> {
        let www = &config.www.other;
        let kind = auth_kind(www.get("auth"), python)?;
        let authz = match www.get("authz") {
            None | Some(Value::Null) => Authz::default(),
            Some(value) => Authz::from_described(value)?,
        };
        let lifetime = match www.get("cookie_expiration_time") {
            None | Some(Value::Null) => session::DEFAULT_LIFETIME_SECONDS,
            Some(v) => v
                .as_f64()
                .map(|s| s as i64)
                .ok_or("c['www']['cookie_expiration_time'] must be a timedelta")?,
        };
        let mut buildbot_url = config.buildbot_url.clone();
        if !buildbot_url.ends_with('/') {
            buildbot_url.push('/');
        }
        let origins: Vec<String> = match www.get("allowed_origins") {
            None | Some(Value::Null) => vec![origin_of(&buildbot_url)],
            Some(value) => described::string_list(Some(value), "c['www']['allowed_origins']")?,
        };
        let origins = origins
            .iter()
            .map(|o| Regex::new(&crate::fnmatch::regex(&o.to_lowercase())))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("c['www']['allowed_origins']: {e}"))?;
        let sessions = Sessions::new(lifetime).map_err(|e| format!("session secret: {e}"))?;
        let frontend = frontend_config(config, &buildbot_url, &kind);
        Ok(WebAuth {
            kind,
            authz,
            sessions,
            lifetime_seconds: lifetime,
            digest: DigestAuth::new(
                session::random_secret().map_err(|e| format!("digest key: {e}"))?,
            ),
            origins,
            buildbot_url,
            frontend,
            python_version: None,
        })
    }

    /// Lists the embedded Python's `version` first in the frontend config's `versions`, as
    /// Buildbot lists its Python's (the About page shows them); a reconfig keeps it.
    #[must_use]
    pub fn with_python_version(mut self, version: String) -> WebAuth {
        if let Some(Value::Array(versions)) = self.frontend.get_mut("versions") {
            versions.insert(0, json!(["Python", version]));
        }
        self.python_version = Some(version);
        self
    }

    /// The same signing sessions with `secret` (the one kept in the database, shared with
    /// the other masters and the next runs, as Buildbot's `session_secret`).
    #[must_use]
    pub fn with_session_secret(mut self, secret: &[u8]) -> WebAuth {
        self.sessions = Sessions::with_secret(secret, self.lifetime_seconds);
        self
    }

    /// The frontend config (`/config`, the index page's `buildbotFrontendConfig`) without
    /// its `user`.
    pub(crate) fn frontend(&self) -> Map<String, Value> {
        self.frontend.clone()
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        let origin = origin.to_lowercase();
        self.origins.iter().any(|o| o.is_match(&origin))
    }

    /// The user a `RemoteUserAuth` header names, as Buildbot sets it when the page is
    /// loaded: the regex's named groups, then `email` = the username (Buildbot's default user
    /// info provider).
    fn remote_user(&self, headers: &HeaderMap) -> Option<Map<String, Value>> {
        let AuthKind::RemoteUser { header, regex } = &self.kind else {
            return None;
        };
        let value = headers.get(header)?.to_str().ok()?;
        let captures = regex.captures(value)?;
        let mut user = Map::new();
        for name in regex.capture_names().flatten() {
            let group = captures.name(name).map(|m| m.as_str());
            user.insert(name.to_owned(), group.map_or(Value::Null, |g| json!(g)));
        }
        let username = user.get("username").cloned().unwrap_or(Value::Null);
        user.insert("email".to_owned(), username);
        Some(user)
    }
}

/// `/config`'s object as Buildbot's `get_www_frontend_config_dict` builds it (objects by their
/// config dicts, `port` as given, no change hook settings), `user` aside.
fn frontend_config(
    config: &MasterConfig,
    buildbot_url: &str,
    kind: &AuthKind,
) -> Map<String, Value> {
    let name = match kind {
        AuthKind::NoAuth => "NoAuth",
        AuthKind::Basic { kind, .. } => kind,
        AuthKind::Custom(check) => check.class.as_str(),
        AuthKind::RemoteUser { .. } => "RemoteUserAuth",
    };
    let mut out = Map::new();
    out.insert(
        "plugins".to_owned(),
        Value::Object(config.www.plugins.clone()),
    );
    out.insert("auth".to_owned(), json!({"name": name}));
    out.insert("authz".to_owned(), json!({}));
    out.insert("avatar_methods".to_owned(), json!({"name": "gravatar"}));
    out.insert("logfileName".to_owned(), json!("http.log"));
    // Buildbot's default when `c['www']` has no port; a configured one replaces it below.
    out.insert("port".to_owned(), Value::Null);
    let mut versions = vec![json!(["oxbot", env!("CARGO_PKG_VERSION")])];
    for (key, value) in &config.www.other {
        match key.as_str() {
            // Secrets, the server's files, and the objects given above.
            "change_hook_dialects"
            | "change_hook_auth"
            | "custom_templates_dir"
            | "auth"
            | "authz"
            | "avatar_methods"
            | "cookie_expiration_time" => {}
            "versions" => versions.extend(value.as_array().into_iter().flatten().cloned()),
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    out.insert("versions".to_owned(), Value::Array(versions));
    out.insert("buildbotURL".to_owned(), json!(buildbot_url));
    out.insert("title".to_owned(), json!(config.title));
    out.insert("titleURL".to_owned(), json!(config.title_url));
    out.insert("multiMaster".to_owned(), json!(config.multi_master));
    out
}

/// The middleware's state: the settings in force and the data API the endpoint matchers read.
struct Guard {
    auth: RwLock<Arc<WebAuth>>,
    data: DataApi,
}

impl Guard {
    fn current(&self) -> Arc<WebAuth> {
        self.auth
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// Replaces the auth settings of a running web port on reconfig, as Buildbot does.
#[derive(Clone)]
pub struct AuthSwitch(Arc<Guard>);

impl AuthSwitch {
    /// Reads `c['www']` of a new config and uses it for the next requests. The session and
    /// Digest keys stay, so logged-in users stay logged in. On an error (something oxbot
    /// cannot honour) the settings in force stay.
    pub fn reconfigure(
        &self,
        config: &MasterConfig,
        python: Option<&Arc<dyn PythonCallbacks>>,
    ) -> Result<(), String> {
        let old = self.0.current();
        let mut new = WebAuth::from_config(config, python)?;
        if let Some(version) = &old.python_version {
            new = new.with_python_version(version.clone());
        }
        new.sessions = old.sessions.with_lifetime(new.lifetime_seconds);
        new.digest = old.digest.clone();
        *self
            .0
            .auth
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(new);
        Ok(())
    }
}

/// Adds `/auth/login`, `/auth/logout` and `/config`, and the session, Origin and authz
/// middleware, to the web port's router; the switch changes the settings on reconfig.
pub fn apply(router: Router, auth: WebAuth, data: DataApi) -> (Router, AuthSwitch) {
    let auth = Arc::new(Guard {
        auth: RwLock::new(Arc::new(auth)),
        data,
    });
    let switch = AuthSwitch(auth.clone());
    let router = router
        .route("/auth/login", get(login))
        .route("/auth/logout", get(logout))
        .route("/config", get(frontend))
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            let auth = auth.clone();
            async move { session_layer(auth, req, next).await }
        }));
    (router, switch)
}

/// The path segments of a REST/control request, percent-decoded; `None` for other paths.
fn api_path(path: &str) -> Option<Vec<String>> {
    let rest = ["/api/v2", "/api/latest"]
        .iter()
        .find_map(|prefix| path.strip_prefix(prefix))?;
    if rest.is_empty() {
        return Some(Vec::new());
    }
    let rest = rest.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|s| {
                let bytes: Vec<u8> = percent_decode(s);
                String::from_utf8_lossy(&bytes).into_owned()
            })
            .collect(),
    )
}

fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// A REST error as Buildbot writes it (`{"error": ...}` as `text/plain`; `{"error":
/// {"message": ...}}` for a POST).
fn rest_error(status: StatusCode, post: bool, message: &str) -> Response {
    let body = if post {
        json!({"error": {"message": message}})
    } else {
        json!({"error": message})
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        python_json(&body, false),
    )
        .into_response()
}

/// The `(id, method, params)` of a body that is a valid JSON-RPC 2.0 call; `None` lets the
/// control handler answer with the decoding error.
fn decode_rpc(headers: &HeaderMap, body: &[u8]) -> Option<(Value, String, Map<String, Value>)> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    if content_type.split(';').next()?.trim() != "application/json" {
        return None;
    }
    let Value::Object(mut request) = serde_json::from_slice(body).ok()? else {
        return None;
    };
    let id = request.remove("id")?;
    let valid_id = id.is_string() || id.is_number() || id.is_null();
    let method = request.remove("method")?.as_str()?.to_owned();
    let params = request.remove("params")?.as_object()?.clone();
    (valid_id && request.get("jsonrpc")? == "2.0").then_some((id, method, params))
}

/// A denied control call: 403 with JSON-RPC code -32600, as Buildbot.
fn rpc_denied(id: &Value, message: &str) -> Response {
    let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32600, "message": message}});
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "application/json")],
        python_json_unsorted(&body),
    )
        .into_response()
}

const BODY_LIMIT: usize = 16 * 1024 * 1024;

async fn session_layer(guard: Arc<Guard>, req: Request, next: Next) -> Response {
    let auth = &guard.current();
    let path = req.uri().path().to_owned();
    let index = path == "/" || path == "/index.html";
    let touches_session =
        index || path == "/config" || path.starts_with("/auth/") || path.starts_with("/api");
    let mut user = auth.sessions.user_of(req.headers());
    if index && let Some(remote) = auth.remote_user(req.headers()) {
        user = remote;
    }
    let mut response = guarded(auth, &guard.data, &mut user, &path, req, next).await;
    if touches_session && let Ok(cookie) = HeaderValue::from_str(&auth.sessions.cookie(&user)) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The Origin and authz checks, then the handler; `user` ends as the session's user.
async fn guarded(
    auth: &Arc<WebAuth>,
    data: &DataApi,
    user: &mut Map<String, Value>,
    path: &str,
    mut req: Request,
    next: Next,
) -> Response {
    let method = req.method().clone();
    let mut allowed_origin = None;
    if let Some(segments) = api_path(path) {
        if let Some(origin) = req.headers().get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("").to_lowercase();
            if !auth.origin_allowed(&origin) {
                return rest_error(
                    StatusCode::BAD_REQUEST,
                    method == Method::POST,
                    "invalid origin",
                );
            }
            if method == Method::OPTIONS {
                let preflight = req
                    .headers()
                    .get(header::ACCESS_CONTROL_REQUEST_METHOD)
                    .and_then(|v| v.to_str().ok());
                if !matches!(preflight, Some("GET" | "POST" | "HEAD")) {
                    return rest_error(StatusCode::BAD_REQUEST, false, "invalid method");
                }
                let mut response = StatusCode::OK.into_response();
                add_cors(response.headers_mut(), &origin);
                return response;
            }
            allowed_origin = Some(origin);
        }
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        if method == Method::GET || method == Method::HEAD {
            let denied = auth
                .authz
                .check(data, user, &segments, method.as_str(), &Map::new())
                .await;
            if let Err(message) = denied {
                return rest_error(StatusCode::FORBIDDEN, false, &message);
            }
        } else if method == Method::POST && !auth.authz.allows_everything() {
            let (parts, body) = req.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
                return rest_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    true,
                    "request body too large",
                );
            };
            if let Some((id, action, params)) = decode_rpc(&parts.headers, &bytes) {
                let denied = auth
                    .authz
                    .check(data, user, &segments, &action, &params)
                    .await;
                if let Err(message) = denied {
                    return rpc_denied(&id, &message);
                }
            }
            req = Request::from_parts(parts, Body::from(bytes));
        }
    } else if path == "/ws" {
        // Buildbot asks whether the user may read `masters` before accepting the handshake.
        let denied = auth
            .authz
            .check(data, user, &["masters"], "get", &Map::new())
            .await;
        if denied.is_err() {
            return (StatusCode::FORBIDDEN, "Forbidden").into_response();
        }
    }
    req.extensions_mut().insert(SessionUser(user.clone()));
    req.extensions_mut().insert(auth.clone());
    let mut response = next.run(req).await;
    if let Some(SessionUser(new)) = response.extensions_mut().remove::<SessionUser>() {
        *user = new;
    }
    if let Some(origin) = allowed_origin {
        add_cors(response.headers_mut(), &origin);
    }
    response
}

fn add_cors(headers: &mut HeaderMap, origin: &str) {
    if let Ok(origin) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("3600"),
    );
}

/// `302` to `<buildbotURL>#<redirect>` (the `redirect` query argument, `/` without one).
fn redirect(auth: &WebAuth, query: Option<&str>) -> Response {
    let target = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "redirect")
        .map_or_else(|| "/".to_owned(), |(_, v)| v.into_owned());
    let url: String = format!("{}#{target}", auth.buildbot_url)
        .chars()
        .filter(|c| *c != '\r' && *c != '\n')
        .collect();
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(location) = HeaderValue::from_str(&url) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Passwords {
    /// The password of `user`.
    fn password_of(&self, user: &str) -> Option<Vec<u8>> {
        match self {
            Passwords::Memory(users) => users
                .iter()
                .find(|(u, _)| u == user)
                .map(|(_, p)| p.as_bytes().to_vec()),
            Passwords::File(path) => match std::fs::read(path) {
                // Twisted's FilePasswordDB: the first `user:password[:...]` line of the user.
                Ok(text) => text
                    .split(|b| *b == b'\n')
                    .map(<[u8]>::trim_ascii_end)
                    .filter_map(|line| {
                        let mut parts = line.split(|b| *b == b':');
                        Some((parts.next()?, parts.next()?))
                    })
                    .find(|(u, _)| *u == user.as_bytes())
                    .map(|(_, p)| p.to_vec()),
                Err(err) => {
                    tracing::error!(cause = %err, path = %path.display(), "cannot read the htpasswd file");
                    None
                }
            },
        }
    }

    fn knows(&self, user: &str, password: &str) -> bool {
        self.password_of(user)
            .is_some_and(|p| same(&p, password.as_bytes()))
    }
}

/// The user an `Authorization` header proves: Basic with a known password, or an answer to
/// one of our Digest challenges.
fn authenticated(
    auth: &WebAuth,
    users: &Passwords,
    method: &str,
    headers: &HeaderMap,
) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    let split = value.iter().position(|b| *b == b' ')?;
    let (scheme, credentials) = (&value[..split], &value[split + 1..]);
    if scheme.eq_ignore_ascii_case(b"digest") {
        return auth
            .digest
            .check(credentials, method, |user| users.password_of(user));
    }
    let (user, password) = basic_credentials(headers)?;
    users.knows(&user, &password).then_some(user)
}

/// The user and password of a Basic `Authorization` header.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    let split = value.iter().position(|b| *b == b' ')?;
    let (scheme, credentials) = (&value[..split], &value[split + 1..]);
    if !scheme.eq_ignore_ascii_case(b"basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(credentials.trim_ascii())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// `GET /auth/login`.
async fn login(
    Extension(auth): Extension<Arc<WebAuth>>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let auth = &*auth;
    match &auth.kind {
        // Buildbot 4.3 means to answer 501 here, but raises it where Twisted turns it into a
        // 500 "Processing Failed" page; oxbot gives the intended answer.
        AuthKind::NoAuth => (
            StatusCode::NOT_IMPLEMENTED,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "not implemented",
        )
            .into_response(),
        AuthKind::RemoteUser { .. } => (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!DOCTYPE html>\n<html><head><title>403 - Forbidden Resource</title></head><body><h1>Forbidden Resource</h1><p>URL is not supported for authentication</p></body></html>",
        )
            .into_response(),
        AuthKind::Basic { users, .. } => {
            match authenticated(auth, users, method.as_str(), &headers) {
                Some(user) => logged_in(auth, query.as_deref(), &user),
                None => challenge(auth, true),
            }
        }
        AuthKind::Custom(check) => {
            let Some((user, password)) = basic_credentials(&headers) else {
                return challenge(auth, false);
            };
            let check = check.clone();
            let args = [json!(user), json!(password)];
            let verdict = tokio::task::spawn_blocking(move || {
                check.python.call_function(check.handle, &args)
            })
            .await;
            match verdict {
                Ok(Ok(Value::Bool(true))) => logged_in(auth, query.as_deref(), &user),
                Ok(Ok(_)) => challenge(auth, false),
                Ok(Err(traceback)) => {
                    tracing::error!(%traceback, "check_credentials failed");
                    StatusCode::INTERNAL_SERVER_ERROR.into_response()
                }
                Err(err) => {
                    tracing::error!(cause = %err, "check_credentials failed");
                    StatusCode::INTERNAL_SERVER_ERROR.into_response()
                }
            }
        }
    }
}

/// The redirect of a successful login, carrying the user's new session (Buildbot's default
/// user info: the email is the user name).
fn logged_in(auth: &WebAuth, query: Option<&str>, user: &str) -> Response {
    let mut response = redirect(auth, query);
    let info = json!({"username": user, "email": user});
    let info = info.as_object().cloned().unwrap_or_default();
    response.extensions_mut().insert(SessionUser(info));
    response
}

/// 401 with Twisted's challenges: Digest (unless `CustomAuth`), then Basic.
fn challenge(auth: &WebAuth, with_digest: bool) -> Response {
    let mut response = (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "text/html")],
        "Unauthorized",
    )
        .into_response();
    let headers = response.headers_mut();
    match auth.digest.challenge() {
        Ok(challenge) if with_digest => {
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                headers.append(header::WWW_AUTHENTICATE, value);
            }
        }
        Ok(_) => {}
        Err(err) => tracing::error!(cause = %err, "no nonce for a Digest challenge"),
    }
    let basic = format!("basic realm=\"{}\"", digest::REALM);
    if let Ok(value) = HeaderValue::from_str(&basic) {
        headers.append(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// `GET /auth/logout`: the session becomes anonymous.
async fn logout(Extension(auth): Extension<Arc<WebAuth>>, RawQuery(query): RawQuery) -> Response {
    let mut response = redirect(&auth, query.as_deref());
    response
        .extensions_mut()
        .insert(SessionUser(session::anonymous()));
    response
}

/// `GET /config`: the frontend config with the session's `user`.
async fn frontend(
    Extension(auth): Extension<Arc<WebAuth>>,
    Extension(SessionUser(user)): Extension<SessionUser>,
) -> Response {
    let mut config = auth.frontend.clone();
    config.insert("user".to_owned(), Value::Object(user));
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public,max-age=0"),
        ],
        python_json_unsorted(&Value::Object(config)),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn the_owner_is_the_email_then_the_username() {
        let owner = |v: Value| SessionUser(v.as_object().unwrap().clone()).owner();
        assert_eq!(owner(json!({"anonymous": true})), json!("anonymous"));
        assert_eq!(owner(json!({"username": "u", "email": "e"})), json!("e"));
        assert_eq!(owner(json!({"username": "u", "email": ""})), json!("u"));
        assert_eq!(owner(json!({"full_name": "F"})), json!("F"));
    }

    #[test]
    fn api_paths_are_split_and_decoded() {
        assert_eq!(api_path("/api/v2"), Some(vec![]));
        assert_eq!(
            api_path("/api/latest/builders/my%20b/builds/1"),
            Some(vec![
                "builders".into(),
                "my b".into(),
                "builds".into(),
                "1".into()
            ])
        );
        assert_eq!(api_path("/api/v2x"), None);
        assert_eq!(api_path("/change_hook/base"), None);
        assert_eq!(origin_of("http://h:8010/bb/"), "http://h:8010");
    }

    #[test]
    fn auth_kinds_are_read_and_the_others_named() {
        let kind = |v: Value| auth_kind(Some(&v), None);
        let memory = kind(json!({"kind": "UserPasswordAuth", "args": {"args": [{"a": "1"}]}}));
        assert!(
            matches!(memory, Ok(AuthKind::Basic { users: Passwords::Memory(u), .. }) if u == [("a".to_owned(), "1".to_owned())])
        );
        let pairs =
            kind(json!({"kind": "UserPasswordAuth", "args": {"users": [["a", "1"], ["a", "2"]]}}));
        assert!(
            matches!(pairs, Ok(AuthKind::Basic { users: Passwords::Memory(u), .. }) if u == [("a".to_owned(), "2".to_owned())])
        );
        let file = kind(json!({"kind": "HTPasswdAuth", "args": {"passwdFile": "htpasswd"}}));
        assert!(
            matches!(file, Ok(AuthKind::Basic { users: Passwords::File(p), .. }) if p == Path::new("htpasswd"))
        );
        let github = kind(json!({"kind": "GitHubAuth", "args": {"args": ["id", "secret"]}}));
        assert_eq!(
            github.unwrap_err(),
            "not supported yet by oxbot: c['www']['auth'] = GitHubAuth (oxbot serves NoAuth, UserPasswordAuth, HTPasswdAuth, RemoteUserAuth, CustomAuth; the master does not start)"
        );
        let ldap = kind(
            json!({"kind": "RemoteUserAuth", "args": {"userInfoProvider": {"kind": "LdapUserInfo"}}}),
        );
        assert!(ldap.unwrap_err().contains("userInfoProvider"));
        let custom = json!({"kind": "CustomAuth", "class_name": "MyAuth",
                            "check_credentials": {"$python": 3}, "args": {}});
        assert!(
            kind(custom)
                .unwrap_err()
                .contains("needs the configuration's Python")
        );
        let mine = kind(json!({"kind": "NoAuth", "subclass": "MyAuth", "args": {}}));
        assert!(mine.unwrap_err().contains("MyAuth"));
    }

    #[test]
    fn htpasswd_lines_are_read_as_twisted_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("htpasswd");
        std::fs::write(&path, "ada:pw1:extra\nbob:$apr1$x$y\nada:second\n\nbad\n").unwrap();
        let file = Passwords::File(path);
        assert!(file.knows("ada", "pw1"));
        assert!(!file.knows("ada", "second"));
        assert!(!file.knows("bob", "anything"));
        assert!(!file.knows("bad", ""));
        assert!(!Passwords::File("/nonexistent".into()).knows("ada", "pw1"));
    }
}
