//! The REST API through the router without a socket: envelope and formatting, the query
//! language, error bodies and statuses, raw logs, and JSON-RPC control calls against a fake
//! `Control`, all over a real in-memory SQLite database.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Call, app, get, post, send};
use serde_json::{Value, json};

fn ids(body: &Value, key: &str, id: &str) -> Vec<i64> {
    body[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o[id].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn envelope_for_collections_and_single_objects() {
    let (app, _, ids_) = app().await;
    let reply = get(&app, "/api/v2/builders").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type, "application/json; charset=utf-8");
    assert!(reply.text.starts_with("{\"builders\":[{\"builderid\":"));
    let body = reply.json();
    assert_eq!(body["meta"], json!({"total": 2}));
    assert_eq!(
        body["builders"][0],
        json!({"builderid": ids_.builder1, "description": "Runs the unit tests",
               "description_format": null, "description_html": null, "masterids": [1],
               "name": "runtests", "projectid": 1, "tags": ["unit", "fast"]})
    );

    let body = get(&app, "/api/v2/builders/runtests").await.json();
    assert_eq!(body["meta"], json!({}));
    assert_eq!(body["builders"].as_array().unwrap().len(), 1);
    assert_eq!(body["builders"][0]["builderid"], ids_.builder1);

    let body = get(&app, &format!("/api/v2/builds/{}", ids_.build1))
        .await
        .json();
    let build = &body["builds"][0];
    assert_eq!(build["complete"], true);
    assert_eq!(build["results"], 0);
    assert_eq!(build["properties"], json!({}));
    assert_eq!(build["state_string"], "build successful");
    let body = get(&app, "/api/latest/buildrequests").await.json();
    assert_eq!(body["buildrequests"][0]["properties"], Value::Null);
    assert_eq!(body["buildrequests"][0]["results"], -1);
}

/// Answers are kept between writes (see `answers.rs`): a write through the database makes
/// the next GET read it, and the JSON and the pretty-text answers of one URL stay apart.
#[tokio::test]
async fn a_write_is_seen_by_the_next_get() {
    let (db, ids_) = common::fixture().await;
    let build2 = ids_.build2;
    let (app, _, _) = common::app_on(db.clone(), ids_);
    let path = format!("/api/v2/builds/{build2}");
    let before = get(&app, &path).await.json();
    assert_eq!(before["builds"][0]["complete"], false);
    assert_eq!(get(&app, &path).await.json(), before);

    db.finish_build(build2, 2, None).await.unwrap();
    let after = get(&app, &path).await.json();
    assert_eq!(after["builds"][0]["complete"], true);
    assert_eq!(after["builds"][0]["results"], 2);

    let pretty = send(&app, Request::get(&path).body(Body::empty()).unwrap()).await;
    assert_eq!(pretty.content_type, "text/plain; charset=utf-8");
    assert_eq!(pretty.json(), after);
    assert!(get(&app, &path).await.text.starts_with("{\"builds\":[{"));
}

#[tokio::test]
async fn pretty_text_for_browsers() {
    let (app, _, _) = app().await;
    let request = Request::get("/api/v2/builders/1")
        .body(Body::empty())
        .unwrap();
    let reply = send(&app, request).await;
    assert_eq!(reply.content_type, "text/plain; charset=utf-8");
    assert!(
        reply.text.starts_with(
            "{\n  \"builders\": [\n    {\n      \"builderid\": 1, \n      \"description\": \"Runs the unit tests\", \n"
        ),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn nested_paths_resolve_by_id_name_and_number() {
    let (app, _, ids_) = app().await;
    let steps = get(&app, "/api/v2/builders/runtests/builds/1/steps")
        .await
        .json();
    let names: Vec<&str> = steps["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["worker_preparation", "compile", "report"]);
    assert_eq!(
        steps["steps"][2]["urls"],
        json!([{"name": "coverage", "url": "http://example.invalid/cov"}])
    );
    let log = get(
        &app,
        &format!("/api/v2/builds/{}/steps/compile/logs/stdio", ids_.build1),
    )
    .await
    .json();
    assert_eq!(log["logs"][0]["logid"], ids_.stdio);
    assert_eq!(log["logs"][0]["num_lines"], 3);
    let logs = get(&app, &format!("/api/v2/steps/{}/logs", ids_.compile_step))
        .await
        .json();
    assert_eq!(logs["logs"][0]["type"], "s");
    let workers = get(&app, "/api/v2/builders/1/workers").await.json();
    assert_eq!(workers["workers"][0]["name"], "w1");
    assert_eq!(
        workers["workers"][0]["connected_to"],
        json!([{"masterid": 1}])
    );
    assert_eq!(
        get(&app, "/api/v2/workers/w1").await.json()["workers"][0]["workerinfo"]["host"],
        "box"
    );
    let builds = get(&app, &format!("/api/v2/builders/{}/builds", ids_.builder2))
        .await
        .json();
    assert_eq!(ids(&builds, "builds", "buildid"), [ids_.build2]);
    assert_eq!(builds["builds"][0]["complete_at"], Value::Null);
    // A missing parent gives an empty collection, a missing object a 404.
    assert_eq!(
        get(&app, "/api/v2/builders/999/builds").await.json()["builds"],
        json!([])
    );
    assert_eq!(
        get(&app, "/api/v2/builds/999").await.status,
        StatusCode::NOT_FOUND
    );
    let schedulers = get(&app, "/api/v2/schedulers").await.json();
    assert_eq!(schedulers["schedulers"][0]["master"]["masterid"], 1);
    let fs = get(&app, "/api/v2/builders/1/forceschedulers").await.json();
    assert_eq!(fs["forceschedulers"][0]["name"], "force");
    assert_eq!(fs["meta"]["total"], 1);
    let props = get(&app, &format!("/api/v2/builds/{}/properties", ids_.build1))
        .await
        .json();
    assert_eq!(
        props["properties"],
        json!([{"owner": ["admin", "Force Build Form"]}])
    );
    let list = get(&app, "/api/v2/buildsets/1/properties_list")
        .await
        .json();
    assert_eq!(
        list["_properties"],
        json!([{"name": "myprop", "source": "Force Build Form", "value": "\"value-one\""}])
    );
    let root = get(&app, "/api/v2").await.json();
    assert_eq!(root["meta"]["total"], 14);
}

#[tokio::test]
async fn filters_order_limit_and_properties() {
    let (app, _, ids_) = app().await;
    let body = get(&app, "/api/v2/builds?complete=false").await.json();
    assert_eq!(ids(&body, "builds", "buildid"), [ids_.build2]);
    let body = get(&app, "/api/v2/builds?order=-buildid&limit=1")
        .await
        .json();
    assert_eq!(ids(&body, "builds", "buildid"), [ids_.build2]);
    // SQL-backed collections count the page, in-memory ones every match.
    assert_eq!(body["meta"]["total"], 1);
    // Paged by the database: the oldest first unless ordered, filters on `complete` first.
    let body = get(&app, "/api/v2/builds?limit=1").await.json();
    assert_eq!(ids(&body, "builds", "buildid"), [ids_.build1]);
    let body = get(&app, "/api/v2/builds?complete=false&limit=1")
        .await
        .json();
    assert_eq!(ids(&body, "builds", "buildid"), [ids_.build2]);
    let body = get(&app, "/api/v2/builders?limit=1").await.json();
    assert_eq!(body["meta"]["total"], 2);
    let body = get(
        &app,
        "/api/v2/builders?tags__contains=unit&field=name&field=tags",
    )
    .await
    .json();
    assert_eq!(
        body["builders"],
        json!([{"name": "runtests", "tags": ["unit", "fast"]}])
    );
    let body = get(
        &app,
        "/api/v2/builders?name__in=runtests&name__in=failing&order=name",
    )
    .await
    .json();
    assert_eq!(body["meta"]["total"], 2);
    assert_eq!(body["builders"][0]["name"], "failing");
    let body = get(&app, "/api/v2/builds?property=owner&property=nosuch")
        .await
        .json();
    assert_eq!(
        body["builds"][0]["properties"],
        json!({"owner": ["admin", "Force Build Form"]})
    );
    assert_eq!(body["builds"][1]["properties"], json!({}));
    let body = get(&app, "/api/v2/buildrequests/1?property=*").await.json();
    assert_eq!(
        body["buildrequests"][0]["properties"],
        json!({"myprop": ["value-one", "Force Build Form"]})
    );
    // /changes comes newest first, and reversed again when ordered, as in Buildbot.
    let body = get(&app, "/api/v2/changes").await.json();
    assert_eq!(ids(&body, "changes", "changeid"), [2, 1]);
    let body = get(&app, "/api/v2/changes?order=-changeid").await.json();
    assert_eq!(ids(&body, "changes", "changeid"), [1, 2]);
    let body = get(&app, "/api/v2/changes?project__eq=demo").await.json();
    assert_eq!(body["changes"][0]["sourcestamp"]["branch"], "main");
    assert_eq!(body["changes"][0]["committer"], Value::Null);
    let body = get(&app, "/api/v2/builds/1/steps?name__contains=e&field=name")
        .await
        .json();
    assert_eq!(
        body["steps"],
        json!([{"name": "worker_preparation"}, {"name": "compile"}, {"name": "report"}])
    );
    let body = get(&app, "/api/v2/projects?active=true").await.json();
    assert_eq!(body["projects"][0]["active"], true);
    assert_eq!(
        get(&app, "/api/v2/projects").await.json()["projects"][0]["active"],
        Value::Null
    );
}

#[tokio::test]
async fn log_contents_and_raw_downloads() {
    let (app, _, ids_) = app().await;
    let body = get(&app, &format!("/api/v2/logs/{}/contents", ids_.stdio))
        .await
        .json();
    assert_eq!(
        body,
        json!({"logchunks": [{"content": "hmake all\nobuilding x\newarning: y\n", "firstline": 0, "logid": ids_.stdio}], "meta": {}})
    );
    let body = get(
        &app,
        &format!("/api/v2/logs/{}/contents?offset=1&limit=1", ids_.stdio),
    )
    .await
    .json();
    assert_eq!(body["logchunks"][0]["content"], "obuilding x\n");
    assert_eq!(body["logchunks"][0]["firstline"], 1);
    let reply = get(
        &app,
        &format!("/api/v2/logs/{}/contents?offset=9", ids_.stdio),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    let reply = get(&app, &format!("/api/v2/logs/{}/raw", ids_.stdio)).await;
    assert_eq!(reply.content_type, "text/plain; charset=utf-8");
    assert_eq!(
        reply.disposition.as_deref(),
        Some("attachment; filename=runtests_build_1_step_compile_log_stdio")
    );
    assert_eq!(
        reply.text,
        "Builder: runtests\nBuild number: 1\nWorker name: w1\nmake all\nbuilding x\nwarning: y\n"
    );
    let reply = get(
        &app,
        "/api/v2/builds/1/steps/report/logs/summary/raw_inline",
    )
    .await;
    assert_eq!(reply.content_type, "text/html; charset=utf-8");
    assert_eq!(reply.disposition, None);
    assert_eq!(reply.text, "<b>3 tests</b>\n");
    let _ = ids_.html;
    let reply = get(&app, "/api/v2/logs/9999/raw").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.content_type, "text/plain; charset=utf-8");
}

#[tokio::test]
async fn a_raw_log_longer_than_a_page_is_sent_whole() {
    let (db, ids) = common::fixture().await;
    let step = db.get_log(ids.stdio).await.unwrap().stepid;
    let log = db.add_log(step, "big", "big", "s").await.unwrap().id;
    let lines: Vec<String> = (0..12_345).map(|n| format!("line {n}")).collect();
    for chunk in lines.chunks(1000) {
        let text: String = chunk.iter().flat_map(|l| ["o", l, "\n"]).collect();
        db.append_log(log, &text).await.unwrap();
    }
    db.finish_log(log).await.unwrap();
    let (app, _, _) = common::app_on(db, ids);
    let reply = get(&app, &format!("/api/v2/logs/{log}/raw")).await;
    let expected = format!(
        "Builder: runtests\nBuild number: 1\nWorker name: w1\n{}\n",
        lines.join("\n")
    );
    assert_eq!(reply.text.len(), expected.len());
    assert!(reply.text == expected);
}

#[tokio::test]
async fn errors_as_buildbot_answers_them() {
    let (app, _, _) = app().await;
    let cases: &[(&str, StatusCode, &str)] = &[
        (
            "/api/v2/nosuchthing",
            StatusCode::NOT_FOUND,
            "Invalid path: nosuchthing",
        ),
        (
            "/api/v2/builders/",
            StatusCode::NOT_FOUND,
            "Invalid path: builders/",
        ),
        ("/api/v2/", StatusCode::NOT_FOUND, "Invalid path: "),
        (
            "/api/v2/builds/abc",
            StatusCode::NOT_FOUND,
            "Invalid path: builds/abc",
        ),
        (
            "/api/v2/builds?foo=bar",
            StatusCode::BAD_REQUEST,
            "unrecognized query parameter 'foo'",
        ),
        (
            "/api/v2/builds?field=nosuch",
            StatusCode::BAD_REQUEST,
            "no such field 'nosuch'",
        ),
        (
            "/api/v2/builds?limit=abc",
            StatusCode::BAD_REQUEST,
            "invalid limit",
        ),
        (
            "/api/v2/builds?complete=maybe",
            StatusCode::BAD_REQUEST,
            "invalid filter value for complete",
        ),
        (
            "/api/v2/builds?number=abc",
            StatusCode::BAD_REQUEST,
            "invalid filter value for number",
        ),
        (
            "/api/v2/builds?field=buildid&order=number",
            StatusCode::BAD_REQUEST,
            "cannot order on un-selected fields",
        ),
        (
            "/api/v2/builds?field=buildid&number=1",
            StatusCode::BAD_REQUEST,
            "cannot filter on un-selected fields",
        ),
        (
            "/api/v2/builds/1?number=1",
            StatusCode::BAD_REQUEST,
            "this is not a collection",
        ),
        // Buildbot registers no log contents under a builder named by name.
        (
            "/api/v2/builders/runtests/builds/1/steps/compile/logs/stdio/contents",
            StatusCode::NOT_FOUND,
            "Invalid path: builders/runtests/builds/1/steps/compile/logs/stdio/contents",
        ),
    ];
    for (uri, status, message) in cases {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, *status, "{uri}");
        assert_eq!(reply.content_type, "text/plain; charset=utf-8", "{uri}");
        assert_eq!(reply.json(), json!({"error": message}), "{uri}");
        assert!(reply.text.starts_with("{\"error\": \""), "{uri}");
    }
    // Objects oxbot never records: empty collections, single objects not found.
    for (uri, key) in [
        ("/api/v2/test_result_sets", "test_result_sets"),
        ("/api/v2/builds/1/test_result_sets", "test_result_sets"),
        ("/api/v2/test_result_sets/1/results", "test_results"),
        ("/api/v2/builds/1/data", "build_data"),
        ("/api/v2/codebases", "codebases"),
        ("/api/v2/codebases/1/commits", "commits"),
        ("/api/v2/codebases/1/branches", "branches"),
    ] {
        let reply = get(&app, uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(
            reply.json(),
            json!({key: [], "meta": {"total": 0}}),
            "{uri}"
        );
    }
    for uri in [
        "/api/v2/test_result_sets/1",
        "/api/v2/builds/1/data/coverage.json",
        "/api/v2/builds/1/data/coverage.json/value",
        "/api/v2/codebases/1",
        "/api/v2/commits/1",
        "/api/v2/branches/1",
    ] {
        assert_eq!(get(&app, uri).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
    let reply = get(&app, "/api/v2/builds/9999").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(
        reply.json()["error"]
            .as_str()
            .unwrap()
            .starts_with("not found")
    );
    // Unknown operators and fields with an operator are ignored.
    let reply = get(
        &app,
        "/api/v2/builds?number__foo=1&nosuch__eq=1&field=buildid",
    )
    .await;
    assert_eq!(reply.json()["meta"]["total"], 2);
    let request = Request::put("/api/v2/builders")
        .body(Body::empty())
        .unwrap();
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json(), json!({"error": "invalid HTTP method"}));
}

/// `/application.spec` is a collection like the others (the whole answer is compared with
/// Buildbot's in `golden.rs`): one object per pattern, filtered and selected by the query.
#[tokio::test]
async fn application_spec_is_a_collection_of_patterns() {
    let (app, _, _) = app().await;
    let body = get(&app, "/api/v2/application.spec").await.json();
    let specs = body["specs"].as_array().unwrap();
    assert_eq!(body["meta"], json!({"total": specs.len()}));
    let reply = get(
        &app,
        "/api/v2/application.spec?plural=builders&field=path&field=plural&order=-path&limit=2",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.json(),
        json!({"specs": [{"path": "workers/n:workerid/builders", "plural": "builders"},
                         {"path": "projects/n:projectid/builders", "plural": "builders"}],
               "meta": {"total": 7}})
    );
}

#[tokio::test]
async fn force_and_stop_through_json_rpc() {
    let (app, control, ids) = app().await;
    let reply = post(
        &app,
        "/api/v2/forceschedulers/force",
        "application/json",
        r#"{"jsonrpc": "2.0", "method": "force", "id": 1, "params": {"builderid": "1", "owner": "mallory"}}"#,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.text,
        r#"{"id":1,"jsonrpc":"2.0","result":[7,{"1":9}]}"#
    );
    let reply = post(
        &app,
        &format!("/api/v2/builds/{}", ids.build2),
        "application/json; charset=utf-8",
        r#"{"jsonrpc": "2.0", "method": "stop", "id": "x", "params": {"reason": "enough"}}"#,
    )
    .await;
    assert_eq!(reply.text, r#"{"id":"x","jsonrpc":"2.0","result":null}"#);
    let calls = control.calls.lock().unwrap().clone();
    let Call::Force(name, params) = &calls[0] else {
        panic!("{calls:?}")
    };
    assert_eq!(name, "force");
    assert_eq!(params["owner"], "anonymous");
    assert_eq!(calls[1], Call::Stop(ids.build2, Some("enough".into())));
}

#[tokio::test]
async fn json_rpc_errors_as_captured() {
    let (app, _, _) = app().await;
    let cases: &[(&str, &str, &str, StatusCode, &str)] = &[
        (
            "/api/v2/builds/1",
            "application/json",
            r#"{"jsonrpc": "2.0", "method": "frobnicate", "params": {}, "id": 1}"#,
            StatusCode::NOT_IMPLEMENTED,
            r#"{"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "action: frobnicate is not supported"}}"#,
        ),
        (
            "/api/v2/builds/1",
            "text/plain",
            r#"{"jsonrpc": "2.0", "method": "stop", "params": {}, "id": 1}"#,
            StatusCode::BAD_REQUEST,
            r#"{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid content-type (use application/json)"}}"#,
        ),
        (
            "/api/v2/builds/1",
            "application/json",
            r#"{"jsonrpc": "2.0", "method": "stop", "id": 11}"#,
            StatusCode::BAD_REQUEST,
            r#"{"jsonrpc": "2.0", "error": {"code": -32600, "message": "missing key 'params'"}}"#,
        ),
        (
            "/api/v2/builds/1",
            "application/json",
            r#"{"jsonrpc": "1.0", "method": "stop", "params": {}, "id": 1}"#,
            StatusCode::BAD_REQUEST,
            r#"{"jsonrpc": "2.0", "id": 1, "error": {"code": -32600, "message": "only JSONRPC 2.0 is supported"}}"#,
        ),
        (
            "/api/v2/builds/1",
            "application/json",
            r#"[{"jsonrpc": "2.0"}]"#,
            StatusCode::BAD_REQUEST,
            r#"{"jsonrpc": "2.0", "error": {"code": -32600, "message": "JSONRPC batch requests are not supported"}}"#,
        ),
        (
            "/api/v2/nosuch/1",
            "application/json",
            r#"{"jsonrpc": "2.0", "method": "stop", "params": {}, "id": 1}"#,
            StatusCode::NOT_FOUND,
            r#"{"jsonrpc": "2.0", "id": 1, "error": {"code": -32600, "message": "Invalid path: nosuch/1"}}"#,
        ),
        (
            "/api/v2/forceschedulers/bad",
            "application/json",
            r#"{"jsonrpc": "2.0", "method": "force", "params": {}, "id": 2}"#,
            StatusCode::BAD_REQUEST,
            r#"{"jsonrpc": "2.0", "id": 2, "error": {"code": -32602, "message": {"count": "need an integer"}}}"#,
        ),
    ];
    for (uri, content_type, body, status, expected) in cases {
        let reply = post(&app, uri, content_type, body).await;
        assert_eq!(reply.status, *status, "{body}");
        assert_eq!(reply.content_type, "application/json", "{body}");
        assert_eq!(reply.text, *expected, "{body}");
    }
    let reply = post(&app, "/api/v2/builds/1", "application/json", "{nope").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"]["code"], -32700);
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("JSON parse error: ")
    );
}

#[tokio::test]
async fn index_page_and_api_root() {
    let (app, _, _) = app().await;
    let reply = get(&app, "/").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.text.contains("api/v2/"));
    let reply = get(&app, "/api").await;
    assert_eq!(
        reply.text,
        r#"{"api_versions":{"v2":"http://127.0.0.1:8010/api/v2"}}"#
    );
}
