//! `c['www']['auth']`, `['authz']` and `['allowed_origins']` through the router: Basic login
//! and logout with the `TWISTED_SESSION` cookie, `/config`'s `user`, `RemoteUserAuth`, the
//! endpoint and role matchers on reads, control calls and `/ws`, and the Origin check, with
//! the statuses and bodies Buildbot 4.3 gives (rest-api.md sections 2.3, 7.3 and 10).

#[allow(dead_code, reason = "this binary uses part of the shared setup")]
mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Call, FakeControl, Ids};
use oxbot_core::config::{MasterConfig, WwwConfig};
use oxbot_db::{NewBuildset, NewSourceStamp};
use oxbot_master::data::api::DataApi;
use oxbot_master::mq::Mq;
use oxbot_www::auth::{self, WebAuth};
use oxbot_www::{WwwState, router};
use serde_json::{Value, json};
use tower::ServiceExt as _;

const URL: &str = "http://127.0.0.1:8010/";

fn described(kind: &str, args: Value) -> Value {
    let mut out = json!({"kind": kind, "name": kind});
    out["args"] = args;
    out
}

fn config(www: &Value) -> MasterConfig {
    MasterConfig {
        buildbot_url: URL.into(),
        title: "Auth test".into(),
        www: WwwConfig {
            other: www.as_object().unwrap().clone(),
            ..WwwConfig::default()
        },
        ..MasterConfig::default()
    }
}

fn users() -> Value {
    described(
        "UserPasswordAuth",
        json!({"users": {"admin": "pw", "bob": "pw", "ada@example.org": "pw"}}),
    )
}

fn authz(rules: Value, roles: Value) -> Value {
    let mut args = json!({});
    args["allowRules"] = rules;
    args["roleMatchers"] = roles;
    described("Authz", args)
}

fn admins() -> Value {
    described(
        "RolesFromUsername",
        json!({"roles": ["admins"], "usernames": ["admin"]}),
    )
}

struct App {
    router: axum::Router,
    switch: auth::AuthSwitch,
    control: Arc<FakeControl>,
    ids: Ids,
    /// A running build on `failing` whose buildset's owner is `ada@example.org`.
    owned_build: i64,
}

async fn app(www: Value) -> App {
    let (db, ids) = common::fixture().await;
    let m = db.find_master_id("vm:/srv/master").await.unwrap();
    let w = db.find_worker_id("w1").await.unwrap();
    let ss = db
        .find_sourcestamp_id(&NewSourceStamp {
            branch: Some("main".into()),
            revision: Some(String::new()),
            ..NewSourceStamp::default()
        })
        .await
        .unwrap();
    let (_, brids) = db
        .add_buildset(&NewBuildset {
            sourcestamp_ids: vec![ss],
            reason: "forced by ada".into(),
            properties: vec![(
                "owner".into(),
                json!("ada@example.org"),
                "Force Build Form".into(),
            )],
            builderids: vec![ids.builder2],
            submitted_at: 1_700_000_500,
            ..NewBuildset::default()
        })
        .await
        .unwrap();
    let brid = brids[&ids.builder2];
    db.claim_build_requests(&[brid], m).await.unwrap();
    let owned_build = db
        .add_build(ids.builder2, brid, w, m, "building")
        .await
        .unwrap()
        .id;
    let data = DataApi::new(db);
    data.set_forceschedulers(common::captured_forceschedulers());
    let control = Arc::new(FakeControl::default());
    let state = WwwState {
        data: data.clone(),
        mq: Mq::new(),
        control: control.clone(),
        buildbot_url: URL.into(),
        change_hook_auth: None,
    };
    let web_auth = WebAuth::from_config(&config(&www), None)
        .unwrap()
        .with_python_version("3.13.1".to_owned())
        .with_session_secret(b"test");
    let (router, switch) = auth::apply(router(state), web_auth, data);
    App {
        router,
        switch,
        control,
        ids,
        owned_build,
    }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
}

impl Reply {
    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The session token this reply sets.
    fn session(&self) -> String {
        let cookie = self.header(header::SET_COOKIE).expect("a session cookie");
        let (value, attributes) = cookie.split_once("; ").unwrap();
        assert_eq!(attributes, "Path=/");
        value.strip_prefix("TWISTED_SESSION=").unwrap().to_owned()
    }
}

async fn send(app: &App, request: Request<Body>) -> Reply {
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Reply {
        status,
        headers,
        text: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

fn with_session(
    builder: axum::http::request::Builder,
    session: Option<&str>,
) -> axum::http::request::Builder {
    match session {
        Some(token) => builder.header(header::COOKIE, format!("TWISTED_SESSION={token}")),
        None => builder,
    }
}

async fn get(app: &App, uri: &str, session: Option<&str>) -> Reply {
    let request = with_session(Request::get(uri), session);
    send(app, request.body(Body::empty()).unwrap()).await
}

async fn rpc(app: &App, path: &str, method: &str, params: Value, session: Option<&str>) -> Reply {
    let body = json!({"jsonrpc": "2.0", "method": method, "params": params, "id": 1});
    let request = with_session(Request::post(format!("/api/v2/{path}")), session)
        .header(header::CONTENT_TYPE, "application/json");
    send(app, request.body(Body::from(body.to_string())).unwrap()).await
}

async fn login(app: &App, user: &str, password: &str) -> Reply {
    use base64::Engine as _;
    let credentials =
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let request = Request::get("/auth/login?redirect=/builders")
        .header(header::AUTHORIZATION, format!("Basic {credentials}"))
        .body(Body::empty())
        .unwrap();
    send(app, request).await
}

async fn session_of(app: &App, user: &str) -> String {
    let reply = login(app, user, "pw").await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text);
    reply.session()
}

const DENIED_RPC: &str = r#"{"jsonrpc": "2.0", "id": 1, "error": {"code": -32600, "message": "you need to have role 'admins'"}}"#;

#[tokio::test]
async fn login_sets_the_session_that_config_and_logout_read() {
    let app = app(json!({"auth": users()})).await;
    // No or wrong credentials: Twisted's Basic challenge.
    let reply = get(&app, "/auth/login", None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let challenges: Vec<&str> = reply
        .headers
        .get_all(header::WWW_AUTHENTICATE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(challenges.len(), 2, "{challenges:?}");
    assert!(challenges[0].starts_with("digest nonce="), "{challenges:?}");
    assert!(challenges[0].ends_with(", qop=\"auth\", algorithm=\"MD5\", realm=\"buildbot\""));
    assert_eq!(challenges[1], "basic realm=\"buildbot\"");
    assert_eq!(reply.text, "Unauthorized");
    assert_eq!(
        login(&app, "admin", "nope").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, "nobody", "pw").await.status,
        StatusCode::UNAUTHORIZED
    );

    let reply = login(&app, "admin", "pw").await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(
        reply.header(header::LOCATION),
        Some("http://127.0.0.1:8010/#/builders")
    );
    let session = reply.session();

    let anonymous = get(&app, "/config", None).await;
    assert_eq!(
        anonymous.header(header::CONTENT_TYPE),
        Some("application/json")
    );
    let config: Value = serde_json::from_str(&anonymous.text).unwrap();
    assert_eq!(config["user"], json!({"anonymous": true}));
    assert_eq!(config["auth"], json!({"name": "UserPasswordAuth"}));
    assert_eq!(config["authz"], json!({}));
    assert_eq!(config["buildbotURL"], json!(URL));
    assert_eq!(config["title"], json!("Auth test"));
    // An anonymous session is issued too.
    assert!(!anonymous.session().is_empty());

    let config = get(&app, "/config", Some(&session)).await;
    let config: Value = serde_json::from_str(&config.text).unwrap();
    assert_eq!(
        config["user"],
        json!({"username": "admin", "email": "admin"})
    );
    // The session is re-issued on each API response, and still names the user.
    let reply = get(&app, "/api/v2/builders", Some(&session)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let renewed = reply.session();
    let config = get(&app, "/config", Some(&renewed)).await;
    assert!(
        config
            .text
            .contains(r#""user": {"username": "admin", "email": "admin"}"#)
    );

    let reply = get(&app, "/auth/logout?redirect=/about", Some(&session)).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(
        reply.header(header::LOCATION),
        Some("http://127.0.0.1:8010/#/about")
    );
    let config = get(&app, "/config", Some(&reply.session())).await;
    assert!(
        config.text.ends_with(r#""user": {"anonymous": true}}"#),
        "{}",
        config.text
    );
    // A token this master did not sign is anonymous.
    let forged = get(&app, "/config", Some("e30.e30.AAAA")).await;
    assert!(forged.text.ends_with(r#""user": {"anonymous": true}}"#));
}

#[tokio::test]
async fn force_needs_the_role_and_the_owner_is_the_user() {
    let rules = json!([described(
        "ForceBuildEndpointMatcher",
        json!({"role": "admins"})
    )]);
    let app = app(json!({"auth": users(), "authz": authz(rules, json!([admins()]))})).await;
    let reply = rpc(&app, "forceschedulers/force", "force", json!({}), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.header(header::CONTENT_TYPE), Some("application/json"));
    assert_eq!(reply.text, DENIED_RPC);
    let bob = session_of(&app, "bob").await;
    let reply = rpc(
        &app,
        "forceschedulers/force",
        "force",
        json!({}),
        Some(&bob),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(app.control.calls.lock().unwrap().is_empty());

    let admin = session_of(&app, "admin").await;
    let params = json!({"reason": "go", "owner": "spoofed"});
    let reply = rpc(&app, "forceschedulers/force", "force", params, Some(&admin)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        *app.control.calls.lock().unwrap(),
        vec![Call::Force(
            "force".into(),
            json!({"reason": "go", "owner": "admin"})
                .as_object()
                .unwrap()
                .clone()
        )]
    );
    // The rule is about `force` only: other calls and reads are not checked by it.
    let reply = rpc(
        &app,
        &format!("builds/{}", app.ids.build2),
        "stop",
        json!({}),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        get(&app, "/api/v2/builders", None).await.status,
        StatusCode::OK
    );
    // Decoding errors come before authz, as in Buildbot.
    let request = Request::post("/api/v2/forceschedulers/force")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(send(&app, request).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn force_rules_filter_on_the_builders_forced() {
    let rules = json!([described(
        "ForceBuildEndpointMatcher",
        json!({"builder": "fail*", "role": "admins"})
    )]);
    let app = app(json!({"auth": users(), "authz": authz(rules, json!([admins()]))})).await;
    // `force-fail` builds `failing`: denied; `force` builds `runtests` and `failing`: denied.
    for path in ["forceschedulers/force-fail", "forceschedulers/force"] {
        let reply = rpc(&app, path, "force", json!({}), None).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
    }
    // Only `runtests`, by name or by id: the rule does not match, so it is allowed.
    let only = json!({"builderNames": ["runtests", "unknown"]});
    let reply = rpc(&app, "forceschedulers/force", "force", only, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let by_id = json!({"builderid": app.ids.builder1.to_string()});
    let reply = rpc(&app, "forceschedulers/force", "force", by_id, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let by_id = json!({"builderid": app.ids.builder2});
    let reply = rpc(&app, "forceschedulers/force", "force", by_id, None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn any_control_denies_head_but_not_get() {
    let rules = json!([described(
        "AnyControlEndpointMatcher",
        json!({"role": "admins"})
    )]);
    let app = app(json!({"auth": users(), "authz": authz(rules, json!([admins()]))})).await;
    assert_eq!(
        get(&app, "/api/v2/builders", None).await.status,
        StatusCode::OK
    );
    let head = Request::head("/api/v2/builders")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, head).await.status, StatusCode::FORBIDDEN);
    let path = format!("schedulers/{}", 1);
    let reply = rpc(&app, &path, "enable", json!({"enabled": false}), None).await;
    assert_eq!(
        (reply.status, reply.text.as_str()),
        (StatusCode::FORBIDDEN, DENIED_RPC)
    );
    let admin = session_of(&app, "admin").await;
    let head = with_session(Request::head("/api/v2/builders"), Some(&admin));
    assert_eq!(
        send(&app, head.body(Body::empty()).unwrap()).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn any_endpoint_denies_reads_and_the_websocket() {
    let rules = json!([described("AnyEndpointMatcher", json!({"args": ["admins"]}))]);
    let app = app(json!({"auth": users(), "authz": authz(rules, json!([admins()]))})).await;
    let reply = get(&app, "/api/v2/builders", None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.header(header::CONTENT_TYPE),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(reply.text, r#"{"error": "you need to have role 'admins'"}"#);
    // Even a path that does not exist: authz comes first.
    assert_eq!(
        get(&app, "/api/v2/nosuch", None).await.status,
        StatusCode::FORBIDDEN
    );
    let upgrade = Request::get("/ws")
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_VERSION, "13")
        .header(header::SEC_WEBSOCKET_KEY, "dGhlIHNhbXBsZSBub25jZQ==")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, upgrade).await.status, StatusCode::FORBIDDEN);
    let admin = session_of(&app, "admin").await;
    assert_eq!(
        get(&app, "/api/v2/builders", Some(&admin)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn stop_rules_use_the_owner_and_the_builder() {
    let rules = json!([
        described(
            "StopBuildEndpointMatcher",
            json!({"builder": "runtests", "role": "admins"})
        ),
        described("StopBuildEndpointMatcher", json!({"role": "owner"})),
    ]);
    let roles = json!([
        admins(),
        described("RolesFromOwner", json!({"role": "owner"}))
    ]);
    let app = app(json!({"auth": users(), "authz": authz(rules, roles)})).await;
    let path = format!("builds/{}", app.owned_build);
    let bob = session_of(&app, "bob").await;
    let reply = rpc(&app, &path, "stop", json!({}), Some(&bob)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        reply.text.contains("you need to have role 'owner'"),
        "{}",
        reply.text
    );
    // The buildset's owner may stop it.
    let ada = session_of(&app, "ada@example.org").await;
    let reply = rpc(&app, &path, "stop", json!({}), Some(&ada)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // A build of `runtests` matches the first rule: admins only.
    let path = format!("builds/{}", app.ids.build1);
    let reply = rpc(&app, &path, "stop", json!({}), Some(&ada)).await;
    assert!(reply.text.contains("role 'admins'"), "{}", reply.text);
}

#[tokio::test]
async fn a_rule_without_default_deny_passes_to_the_next() {
    let rules = json!([
        described(
            "AnyControlEndpointMatcher",
            json!({"role": "admins", "defaultDeny": false})
        ),
        described("ForceBuildEndpointMatcher", json!({"role": "bobs"})),
    ]);
    let bobs = described(
        "RolesFromUsername",
        json!({"roles": ["bobs"], "usernames": ["bob"]}),
    );
    let app = app(json!({"auth": users(), "authz": authz(rules, json!([admins(), bobs]))})).await;
    let reply = rpc(&app, "forceschedulers/force", "force", json!({}), None).await;
    assert!(reply.text.contains("role 'bobs'"), "{}", reply.text);
    // Not matched by the second rule: allowed.
    let path = format!("builds/{}", app.ids.build2);
    assert_eq!(
        rpc(&app, &path, "stop", json!({}), None).await.status,
        StatusCode::OK
    );
    let bob = session_of(&app, "bob").await;
    let reply = rpc(
        &app,
        "forceschedulers/force",
        "force",
        json!({}),
        Some(&bob),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn foreign_origins_are_refused() {
    let app = app(json!({})).await;
    let request = Request::get("/api/v2/builders")
        .header(header::ORIGIN, "http://evil.example")
        .body(Body::empty())
        .unwrap();
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.text, r#"{"error": "invalid origin"}"#);
    let request = Request::post("/api/v2/forceschedulers/force")
        .header(header::ORIGIN, "http://evil.example")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{}"))
        .unwrap();
    let reply = send(&app, request).await;
    assert_eq!(
        (reply.status, reply.text.as_str()),
        (
            StatusCode::BAD_REQUEST,
            r#"{"error": {"message": "invalid origin"}}"#
        )
    );
    // buildbotURL's origin, in any case, is allowed and told so.
    let request = Request::get("/api/v2/builders")
        .header(header::ORIGIN, "HTTP://127.0.0.1:8010")
        .body(Body::empty())
        .unwrap();
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some("http://127.0.0.1:8010")
    );
    let preflight = |method: &'static str| {
        Request::options("/api/v2/builders")
            .header(header::ORIGIN, "http://127.0.0.1:8010")
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, method)
            .body(Body::empty())
            .unwrap()
    };
    let reply = send(&app, preflight("POST")).await;
    assert_eq!((reply.status, reply.text.as_str()), (StatusCode::OK, ""));
    assert_eq!(reply.header(header::ACCESS_CONTROL_MAX_AGE), Some("3600"));
    let reply = send(&app, preflight("DELETE")).await;
    assert_eq!(reply.text, r#"{"error": "invalid method"}"#);
    // Globs of allowed_origins.
    let app = crate::app(json!({"allowed_origins": ["https://*.example.org"]})).await;
    let request = |origin: &'static str| {
        Request::get("/api/v2/builders")
            .header(header::ORIGIN, origin)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        send(&app, request("https://ci.example.org")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, request("http://127.0.0.1:8010")).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn remote_user_logs_in_when_the_page_loads() {
    let auth = described("RemoteUserAuth", json!({}));
    let app = app(json!({"auth": auth})).await;
    let request = Request::get("/")
        .header("REMOTE_USER", "ada@EXAMPLE.ORG")
        .body(Body::empty())
        .unwrap();
    let session = send(&app, request).await.session();
    let config = get(&app, "/config", Some(&session)).await;
    let config: Value = serde_json::from_str(&config.text).unwrap();
    assert_eq!(
        config["user"],
        json!({"username": "ada", "realm": "EXAMPLE.ORG", "email": "ada"})
    );
    assert_eq!(config["auth"], json!({"name": "RemoteUserAuth"}));
    let reply = get(&app, "/auth/login", None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        reply
            .text
            .contains("URL is not supported for authentication")
    );
    // A header that does not match the regex logs no one in.
    let request = Request::get("/")
        .header("REMOTE_USER", "no-realm")
        .body(Body::empty())
        .unwrap();
    let session = send(&app, request).await.session();
    let config = get(&app, "/config", Some(&session)).await;
    assert!(config.text.ends_with(r#""user": {"anonymous": true}}"#));
}

#[tokio::test]
async fn htpasswd_logins_read_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("htpasswd");
    std::fs::write(&path, "ada:secret\n").unwrap();
    let auth = described("HTPasswdAuth", json!({"args": [path.to_str().unwrap()]}));
    let app = app(json!({"auth": auth})).await;
    assert_eq!(login(&app, "ada", "secret").await.status, StatusCode::FOUND);
    assert_eq!(
        login(&app, "ada", "nope").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn without_auth_login_is_not_implemented() {
    let app = app(json!({})).await;
    let reply = get(&app, "/auth/login", None).await;
    assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED);
    let config: Value = serde_json::from_str(&get(&app, "/config", None).await.text).unwrap();
    assert_eq!(config["auth"], json!({"name": "NoAuth"}));
}

async fn frontend(app: &App) -> Value {
    serde_json::from_str(&get(app, "/config", None).await.text).unwrap()
}

/// `/config` as Buildbot builds it: the embedded Python's version first in `versions`, then
/// oxbot's and the config's own; `port` as written, `null` when unset. A reconfig keeps the
/// Python's version.
#[tokio::test]
async fn config_lists_the_python_and_the_port_as_written() {
    let app = app(json!({"port": "tcp:8010", "versions": [["Extra", "1.0"]]})).await;
    let shown = frontend(&app).await;
    assert_eq!(shown["port"], "tcp:8010");
    assert_eq!(
        shown["versions"],
        json!([
            ["Python", "3.13.1"],
            ["oxbot", env!("CARGO_PKG_VERSION")],
            ["Extra", "1.0"]
        ])
    );
    app.switch.reconfigure(&config(&json!({})), None).unwrap();
    let shown = frontend(&app).await;
    assert_eq!(shown["port"], Value::Null);
    assert_eq!(
        shown["versions"],
        json!([["Python", "3.13.1"], ["oxbot", env!("CARGO_PKG_VERSION")]])
    );
}

#[tokio::test]
async fn a_reconfig_changes_the_rules_and_keeps_the_sessions() {
    let rules = json!([described(
        "ForceBuildEndpointMatcher",
        json!({"role": "admins"})
    )]);
    let www = json!({"auth": users(), "authz": authz(rules.clone(), json!([admins()]))});
    let app = app(www).await;
    let bob = session_of(&app, "bob").await;
    let force = || {
        rpc(
            &app,
            "forceschedulers/force",
            "force",
            json!({}),
            Some(&bob),
        )
    };
    assert_eq!(force().await.status, StatusCode::FORBIDDEN);
    let bobs = described(
        "RolesFromUsername",
        json!({"roles": ["admins"], "usernames": ["admin", "bob"]}),
    );
    let www = json!({"auth": users(), "authz": authz(rules, json!([bobs]))});
    app.switch.reconfigure(&config(&www), None).unwrap();
    assert_eq!(force().await.status, StatusCode::OK);
    // Something oxbot cannot honour: the error names it and the rules in force stay.
    let github = json!({"auth": described("GitHubAuth", json!({}))});
    let err = app.switch.reconfigure(&config(&github), None).unwrap_err();
    assert!(err.contains("GitHubAuth"), "{err}");
    assert_eq!(force().await.status, StatusCode::OK);
    // Without authz, everything is allowed again; without auth, no login.
    app.switch.reconfigure(&config(&json!({})), None).unwrap();
    let reply = rpc(&app, "forceschedulers/force", "force", json!({}), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        login(&app, "bob", "pw").await.status,
        StatusCode::NOT_IMPLEMENTED
    );
}
