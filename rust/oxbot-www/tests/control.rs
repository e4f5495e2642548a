//! JSON-RPC control actions through the router without a socket, against a fake `Control`
//! over the in-memory fixture database: which endpoint (with its aliases) takes which
//! method, the replies and errors; and `/sse` streams fed from the mq.

#[allow(dead_code, reason = "this binary uses part of the shared setup")]
mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Call, FakeControl, app, captured_forceschedulers, fixture, post, send};
use futures_util::StreamExt;
use oxbot_master::control::WorkerAction;
use oxbot_master::data::api::DataApi;
use oxbot_master::mq::Mq;
use oxbot_www::{WwwState, router};
use serde_json::{Value, json};
use tower::ServiceExt as _;

fn rpc(method: &str, params: Value) -> String {
    let mut body = json!({"jsonrpc": "2.0", "method": method, "id": 1});
    body["params"] = params;
    body.to_string()
}

async fn call(app: &axum::Router, uri: &str, method: &str, params: Value) -> (StatusCode, Value) {
    let reply = post(app, uri, "application/json", &rpc(method, params)).await;
    assert_eq!(reply.content_type, "application/json", "{uri} {method}");
    (reply.status, reply.json())
}

fn error(code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "error": {"code": code, "message": message}})
}

fn ok(result: Value) -> Value {
    let mut body = json!({"id": 1, "jsonrpc": "2.0"});
    body["result"] = result;
    body
}

#[tokio::test]
async fn rebuild_by_every_build_alias() {
    let (app, control, ids) = app().await;
    for uri in [
        format!("/api/v2/builds/{}", ids.build1),
        format!("/api/v2/builders/{}/builds/1", ids.builder1),
        "/api/v2/builders/runtests/builds/1".to_owned(),
    ] {
        let (status, body) = call(&app, &uri, "rebuild", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        // The shape the UI reads: `[bsid, {"<builderid>": brid}]`.
        assert_eq!(body, ok(json!([12, {"1": 13}])), "{uri}");
    }
    assert_eq!(
        *control.calls.lock().unwrap(),
        vec![Call::Rebuild(ids.build1); 3]
    );
    let (status, body) = call(&app, "/api/v2/builds/99", "rebuild", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, error(-32600, "build not found"));
    let (status, body) = call(&app, "/api/v2/builds/99", "stop", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, error(-32600, "build not found"));
    assert_eq!(control.calls.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn build_request_cancel_and_priority() {
    let (app, control, _) = app().await;
    let (status, body) = call(
        &app,
        "/api/v2/buildrequests/2",
        "cancel",
        json!({"reason": "not needed"}),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, ok(Value::Null)));
    let (status, body) = call(&app, "/api/v2/buildrequests/404", "cancel", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, error(-32600, "buildrequest 404 not found"));
    // Buildbot 4.3 answers 500 (a TypeError); the action is meant to work.
    let (status, body) = call(
        &app,
        "/api/v2/buildrequests/2",
        "set_priority",
        json!({"priority": 10}),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, ok(Value::Null)));
    let (status, body) = call(
        &app,
        "/api/v2/buildrequests/2",
        "set_priority",
        json!({"priority": "high"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, error(-32602, "'priority' must be an integer"));
    // Buildbot 4.3 answers 500 (ValueError); an unknown action is 501 everywhere else.
    let (status, body) = call(&app, "/api/v2/buildrequests/2", "frobnicate", json!({})).await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(body, error(-32601, "action: frobnicate is not supported"));
    assert_eq!(
        *control.calls.lock().unwrap(),
        vec![
            Call::Cancel(2, Some("not needed".into())),
            Call::Cancel(404, None),
            Call::SetPriority(2, 10),
        ]
    );
}

#[tokio::test]
async fn worker_actions_by_id_name_and_nesting() {
    let (app, control, ids) = app().await;
    let uris = [
        "/api/v2/workers/1".to_owned(),
        "/api/v2/workers/w1".to_owned(),
        "/api/v2/masters/1/workers/1".to_owned(),
        "/api/v2/masters/1/workers/w1".to_owned(),
        format!("/api/v2/builders/{}/workers/1", ids.builder1),
        format!("/api/v2/builders/{}/workers/w1", ids.builder2),
        format!("/api/v2/masters/1/builders/{}/workers/w1", ids.builder1),
    ];
    for uri in &uris {
        let (status, body) = call(&app, uri, "pause", json!({"reason": "maintenance"})).await;
        assert_eq!((status, body), (StatusCode::OK, ok(Value::Null)), "{uri}");
    }
    for method in ["unpause", "stop", "kill"] {
        let (status, body) = call(&app, "/api/v2/workers/w1", method, json!({})).await;
        assert_eq!(
            (status, body),
            (StatusCode::OK, ok(Value::Null)),
            "{method}"
        );
    }
    let mut expected =
        vec![Call::Worker(1, WorkerAction::Pause, Some("maintenance".into())); uris.len()];
    expected.extend([
        Call::Worker(1, WorkerAction::Unpause, None),
        Call::Worker(1, WorkerAction::Stop, None),
        Call::Worker(1, WorkerAction::Kill, None),
    ]);
    assert_eq!(*control.calls.lock().unwrap(), expected);

    // Buildbot 4.3 answers 500 (an AttributeError) for an unknown worker.
    let (status, body) = call(&app, "/api/v2/workers/nosuch", "pause", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, error(-32600, "worker not found"));
    let (status, body) = call(&app, "/api/v2/masters/7/workers/1", "pause", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, error(-32600, "worker not found"));
    // As captured (42-worker-unknown-action.json).
    let (status, body) = call(&app, "/api/v2/workers/1", "frobnicate", json!({})).await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(body, error(-32601, "action: frobnicate is not supported"));
    // Buildbot's worker `stop` is the graceful shutdown; there is no `graceful` method.
    let (status, _) = call(&app, "/api/v2/workers/1", "graceful", json!({})).await;
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(control.calls.lock().unwrap().len(), expected.len());
}

#[tokio::test]
async fn scheduler_enable_and_endpoints_without_actions() {
    let (app, control, ids) = app().await;
    let (status, body) = call(
        &app,
        "/api/v2/schedulers/1",
        "enable",
        json!({"enabled": false}),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, ok(Value::Null)));
    let (status, body) = call(&app, "/api/v2/schedulers/1", "enable", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, error(-32602, "'enabled' must be a boolean"));
    let (status, body) = call(
        &app,
        "/api/v2/schedulers/99",
        "enable",
        json!({"enabled": true}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, error(-32600, "scheduler not found"));
    for (uri, method) in [
        (format!("/api/v2/builders/{}", ids.builder1), "force"),
        ("/api/v2/changes/1".to_owned(), "stop"),
        ("/api/v2/builds".to_owned(), "rebuild"),
        ("/api/v2/masters/1".to_owned(), "stop"),
    ] {
        let (status, body) = call(&app, &uri, method, json!({})).await;
        assert_eq!(status, StatusCode::NOT_IMPLEMENTED, "{uri}");
        assert_eq!(
            body,
            error(-32601, &format!("action: {method} is not supported"))
        );
    }
    assert_eq!(*control.calls.lock().unwrap(), vec![Call::Enable(1, false)]);
}

/// Reads the next non-empty chunk of a streaming body as text.
async fn next_chunk(stream: &mut axum::body::BodyDataStream) -> String {
    let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), stream.next())
        .await
        .expect("an SSE chunk in time")
        .expect("the stream is open")
        .unwrap();
    String::from_utf8(chunk.to_vec()).unwrap()
}

async fn sse_app() -> (axum::Router, Mq) {
    let (db, _) = fixture().await;
    let data = DataApi::new(db);
    data.set_forceschedulers(captured_forceschedulers());
    let mq = Mq::new();
    let state = WwwState {
        data,
        mq: mq.clone(),
        control: Arc::new(FakeControl::default()),
        buildbot_url: "http://127.0.0.1:8010/".into(),
        change_hook_auth: None,
    };
    (router(state), mq)
}

async fn open(app: &axum::Router, uri: &str) -> (String, axum::body::BodyDataStream) {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut stream = response.into_body().into_data_stream();
    let handshake = next_chunk(&mut stream).await;
    let uuid = handshake
        .strip_prefix("event: handshake\ndata: ")
        .and_then(|rest| rest.strip_suffix("\n\n"))
        .unwrap_or_else(|| panic!("{handshake:?}"))
        .to_owned();
    assert_eq!(uuid.len(), 36, "{uuid}");
    (uuid, stream)
}

fn key(text: &str) -> Vec<String> {
    text.split('/').map(str::to_owned).collect()
}

#[tokio::test]
async fn sse_streams_matching_events() {
    let (app, mq) = sse_app().await;
    let (_, mut builds) = open(&app, "/sse/listen/builds/*/*").await;
    let (uuid, mut other) = open(&app, "/sse/listen").await;
    assert_eq!(
        send(
            &app,
            Request::get(format!("/sse/add/{uuid}/steps/*/*"))
                .body(Body::empty())
                .unwrap()
        )
        .await
        .text,
        "ok"
    );
    let reply = send(
        &app,
        Request::get(format!("/sse/add/{uuid}?path=changes/*/new"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!((reply.status, reply.text.as_str()), (StatusCode::OK, "ok"));
    assert_eq!(reply.content_type, "text/plain; charset=utf-8");

    mq.publish(key("builds/1/properties/update"), json!({}));
    mq.publish(key("steps/1/new"), json!({"stepid": 1, "name": "compile"}));
    mq.publish(key("builds/1/new"), json!({"buildid": 1, "number": 1}));
    mq.publish(key("changes/3/new"), json!({"changeid": 3}));
    assert_eq!(
        next_chunk(&mut builds).await,
        "event: event\ndata: {\"key\": [\"builds\", \"1\", \"new\"], \"message\": {\"buildid\": 1, \"number\": 1}}\n\n"
    );
    assert_eq!(
        next_chunk(&mut other).await,
        "event: event\ndata: {\"key\": [\"steps\", \"1\", \"new\"], \"message\": {\"stepid\": 1, \"name\": \"compile\"}}\n\n"
    );
    assert_eq!(
        next_chunk(&mut other).await,
        "event: event\ndata: {\"key\": [\"changes\", \"3\", \"new\"], \"message\": {\"changeid\": 3}}\n\n"
    );

    let reply = send(
        &app,
        Request::get(format!("/sse/remove/{uuid}/steps/*/*"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!((reply.status, reply.text.as_str()), (StatusCode::OK, "ok"));
    mq.publish(key("steps/2/new"), json!({"stepid": 2}));
    mq.publish(key("changes/4/new"), json!({"changeid": 4}));
    assert!(next_chunk(&mut other).await.contains("\"changeid\": 4"));

    // Buildbot 4.3 appends a Twisted error page to each of these answers.
    for (uri, status, text) in [
        (
            format!("/sse/remove/{uuid}/nothing/*"),
            StatusCode::NOT_FOUND,
            "consumer is not listening to this event",
        ),
        (
            "/sse/add/not-a-uuid/steps/*/*".to_owned(),
            StatusCode::BAD_REQUEST,
            "unknown uuid",
        ),
        ("/sse/add".to_owned(), StatusCode::BAD_REQUEST, "need uuid"),
    ] {
        let reply = send(&app, Request::get(&uri).body(Body::empty()).unwrap()).await;
        assert_eq!((reply.status, reply.text.as_str()), (status, text), "{uri}");
    }

    // A closed stream is forgotten.
    drop(other);
    let reply = send(
        &app,
        Request::get(format!("/sse/add/{uuid}/steps/*/*"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(reply.text, "unknown uuid");
}
