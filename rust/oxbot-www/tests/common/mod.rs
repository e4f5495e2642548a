//! Shared test setup: an in-memory SQLite database filled through oxbot-db's write functions
//! (a finished build with steps and logs, a running build, a change, a scheduler...), a fake
//! `Control` that records its calls, and a helper that sends one request to the router.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use oxbot_db::{Db, NewBuildset, NewChange, NewSourceStamp};
use oxbot_master::control::{
    BoxFuture, ChangeSpec, Control, ControlError, ForceResult, WorkerAction,
};
use oxbot_master::data::api::DataApi;
use oxbot_master::mq::Mq;
use oxbot_www::{WwwState, router};
use serde_json::{Map, Value, json};
use tower::ServiceExt as _;

/// What the fake control was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Call {
    Force(String, Map<String, Value>),
    Stop(i64, Option<String>),
    AddChanges(Option<String>, Vec<ChangeSpec>),
    Rebuild(i64),
    Cancel(i64, Option<String>),
    SetPriority(i64, i64),
    Worker(i64, WorkerAction, Option<String>),
    Enable(i64, bool),
}

/// A `Control` that records calls; forcing `nosuch` is refused, `bad` fails validation.
/// Its change hook dialects are `dialects`.
#[derive(Default)]
pub(crate) struct FakeControl {
    pub calls: Mutex<Vec<Call>>,
    pub dialects: Mutex<Map<String, Value>>,
}

impl Control for FakeControl {
    fn force(
        &self,
        scheduler: String,
        params: Map<String, Value>,
    ) -> BoxFuture<'_, Result<ForceResult, ControlError>> {
        Box::pin(async move {
            self.calls
                .lock()
                .unwrap()
                .push(Call::Force(scheduler.clone(), params));
            match scheduler.as_str() {
                "nosuch" => Err(ControlError::NotFound("no such scheduler".into())),
                "bad" => Err(ControlError::Invalid {
                    message: "invalid".into(),
                    fields: BTreeMap::from([("count".to_owned(), "need an integer".to_owned())]),
                }),
                _ => Ok(ForceResult {
                    bsid: 7,
                    brids: BTreeMap::from([(1, 9)]),
                }),
            }
        })
    }

    fn stop_build(
        &self,
        buildid: i64,
        reason: Option<String>,
    ) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            self.calls.lock().unwrap().push(Call::Stop(buildid, reason));
            Ok(())
        })
    }

    fn change_hook_dialects(&self) -> Map<String, Value> {
        self.dialects.lock().unwrap().clone()
    }

    fn add_changes(
        &self,
        src: Option<String>,
        changes: Vec<ChangeSpec>,
    ) -> BoxFuture<'_, Result<Vec<i64>, ControlError>> {
        Box::pin(async move {
            let ids = (1..=changes.len() as i64).collect();
            self.calls
                .lock()
                .unwrap()
                .push(Call::AddChanges(src, changes));
            Ok(ids)
        })
    }

    fn rebuild_build(&self, buildid: i64) -> BoxFuture<'_, Result<ForceResult, ControlError>> {
        Box::pin(async move {
            self.calls.lock().unwrap().push(Call::Rebuild(buildid));
            Ok(ForceResult {
                bsid: 12,
                brids: BTreeMap::from([(1, 13)]),
            })
        })
    }

    fn cancel_build_request(
        &self,
        brid: i64,
        reason: Option<String>,
    ) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            self.calls.lock().unwrap().push(Call::Cancel(brid, reason));
            if brid == 404 {
                return Err(ControlError::NotFound("buildrequest 404 not found".into()));
            }
            Ok(())
        })
    }

    fn set_build_request_priority(
        &self,
        brid: i64,
        priority: i64,
    ) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            self.calls
                .lock()
                .unwrap()
                .push(Call::SetPriority(brid, priority));
            Ok(())
        })
    }

    fn control_worker(
        &self,
        workerid: i64,
        action: WorkerAction,
        reason: Option<String>,
    ) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            self.calls
                .lock()
                .unwrap()
                .push(Call::Worker(workerid, action, reason));
            Ok(())
        })
    }

    fn enable_scheduler(
        &self,
        schedulerid: i64,
        enabled: bool,
    ) -> BoxFuture<'_, Result<(), ControlError>> {
        Box::pin(async move {
            self.calls
                .lock()
                .unwrap()
                .push(Call::Enable(schedulerid, enabled));
            Ok(())
        })
    }
}

/// Ids of what [`fixture`] created.
pub(crate) struct Ids {
    pub builder1: i64,
    pub builder2: i64,
    pub build1: i64,
    pub build2: i64,
    pub stdio: i64,
    pub html: i64,
    pub compile_step: i64,
}

/// A database with two builders (`runtests`, `failing`), one worker, a buildset with two
/// requests, a finished build (steps `worker_preparation`, `compile` with a stdio log and
/// `report` with an HTML log), a running build, a change, a scheduler and a change source.
pub(crate) async fn fixture() -> (Db, Ids) {
    let db = Db::connect("sqlite://", &std::env::temp_dir())
        .await
        .unwrap();
    fixture_in(db).await
}

/// [`fixture`] in `db`, an empty database.
pub(crate) async fn fixture_in(db: Db) -> (Db, Ids) {
    db.upgrade().await.unwrap();
    let m = db.find_master_id("vm:/srv/master").await.unwrap();
    db.set_master_state(m, true).await.unwrap();
    let project = db.find_project_id("demo").await.unwrap();
    db.update_project_info(project, "demo", Some("Demo project"), None, None)
        .await
        .unwrap();
    let builder1 = db.find_builder_id("runtests").await.unwrap();
    db.update_builder_info(
        builder1,
        Some("Runs the unit tests"),
        None,
        None,
        Some(project),
        &["unit".to_owned(), "fast".to_owned()],
    )
    .await
    .unwrap();
    let builder2 = db.find_builder_id("failing").await.unwrap();
    for b in [builder1, builder2] {
        db.add_builder_master(b, m).await.unwrap();
    }
    let w = db.find_worker_id("w1").await.unwrap();
    db.worker_configured(w, m, &[builder1, builder2])
        .await
        .unwrap();
    db.worker_connected(w, m, &json!({"host": "box", "version": "4.3.0"}))
        .await
        .unwrap();

    let ss = db
        .find_sourcestamp_id(&NewSourceStamp {
            branch: Some("main".into()),
            revision: Some(String::new()),
            ..NewSourceStamp::default()
        })
        .await
        .unwrap();
    let (_bsid, brids) = db
        .add_buildset(&NewBuildset {
            sourcestamp_ids: vec![ss],
            reason: "A build was forced by 'admin': first build".into(),
            properties: vec![(
                "myprop".into(),
                json!("value-one"),
                "Force Build Form".into(),
            )],
            builderids: vec![builder1, builder2],
            submitted_at: 1_700_000_000,
            ..NewBuildset::default()
        })
        .await
        .unwrap();
    db.claim_build_requests(&[brids[&builder1], brids[&builder2]], m)
        .await
        .unwrap();

    let build1 = db
        .add_build(builder1, brids[&builder1], w, m, "starting")
        .await
        .unwrap()
        .id;
    db.set_build_property(build1, "owner", &json!("admin"), "Force Build Form")
        .await
        .unwrap();
    let prep = db
        .add_step(build1, "worker_preparation", "")
        .await
        .unwrap()
        .id;
    db.start_step(prep, 1_700_000_001, true).await.unwrap();
    db.finish_step(prep, 0, false, None).await.unwrap();
    let compile_step = db.add_step(build1, "compile", "").await.unwrap().id;
    db.start_step(compile_step, 1_700_000_002, true)
        .await
        .unwrap();
    let stdio = db
        .add_log(compile_step, "stdio", "stdio", "s")
        .await
        .unwrap()
        .id;
    db.append_log(stdio, "hmake all\nobuilding x\newarning: y\n")
        .await
        .unwrap();
    db.finish_log(stdio).await.unwrap();
    db.finish_step(compile_step, 0, false, None).await.unwrap();
    let report = db.add_step(build1, "report", "").await.unwrap().id;
    db.start_step(report, 1_700_000_003, true).await.unwrap();
    db.add_step_url(report, "coverage", "http://example.invalid/cov")
        .await
        .unwrap();
    let html = db
        .add_log(report, "summary", "summary", "h")
        .await
        .unwrap()
        .id;
    db.append_log(html, "<b>3 tests</b>\n").await.unwrap();
    db.finish_log(html).await.unwrap();
    db.finish_step(report, 0, false, None).await.unwrap();
    db.set_build_state_string(build1, "build successful")
        .await
        .unwrap();
    db.finish_build(build1, 0, None).await.unwrap();

    let build2 = db
        .add_build(builder2, brids[&builder2], w, m, "building")
        .await
        .unwrap()
        .id;

    db.add_change(&NewChange {
        author: "alice <alice@example.com>".into(),
        files: vec!["README".into()],
        comments: "first".into(),
        revision: Some("abc123".into()),
        when_timestamp: 1_700_000_100,
        branch: Some("main".into()),
        repository: "https://example.invalid/repo.git".into(),
        project: "demo".into(),
        ..NewChange::default()
    })
    .await
    .unwrap();
    db.add_change(&NewChange {
        author: "bob".into(),
        comments: "second".into(),
        when_timestamp: 1_700_000_200,
        project: "other".into(),
        ..NewChange::default()
    })
    .await
    .unwrap();
    let sched = db.find_scheduler_id("force").await.unwrap();
    db.set_scheduler_master(sched, Some(m)).await.unwrap();
    let cs = db
        .find_change_source_id("PBChangeSource:None")
        .await
        .unwrap();
    db.set_change_source_master(cs, Some(m)).await.unwrap();

    let ids = Ids {
        builder1,
        builder2,
        build1,
        build2,
        stdio,
        html,
        compile_step,
    };
    (db, ids)
}

/// The force scheduler resources Buildbot 4.3 served in the capture.
pub(crate) fn captured_forceschedulers() -> Vec<Value> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/rest/get/forceschedulers.json"
    ))
    .unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    body["forceschedulers"].as_array().unwrap().clone()
}

/// The router over the fixture, and the fake control behind it.
pub(crate) async fn app() -> (axum::Router, Arc<FakeControl>, Ids) {
    let (db, ids) = fixture().await;
    app_on(db, ids)
}

/// The router over `db` (made by [`fixture`], perhaps with more in it).
pub(crate) fn app_on(db: Db, ids: Ids) -> (axum::Router, Arc<FakeControl>, Ids) {
    let data = DataApi::new(db);
    data.set_forceschedulers(captured_forceschedulers());
    let control = Arc::new(FakeControl::default());
    let state = WwwState {
        data,
        mq: Mq::new(),
        control: control.clone(),
        buildbot_url: "http://127.0.0.1:8010/".into(),
        change_hook_auth: None,
    };
    (router(state), control, ids)
}

/// A response: status, content type, content disposition and body text.
pub(crate) struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub disposition: Option<String>,
    pub text: String,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }
}

/// Sends one request through the router (no socket).
pub(crate) async fn send(app: &axum::Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.unwrap();
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_owned())
    };
    let content_type = header(axum::http::header::CONTENT_TYPE).unwrap_or_default();
    let disposition = header(axum::http::header::CONTENT_DISPOSITION);
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Reply {
        status,
        content_type,
        disposition,
        text: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

/// `GET uri` as a JSON client (compact answers).
pub(crate) async fn get(app: &axum::Router, uri: &str) -> Reply {
    let request = Request::get(uri)
        .header("Accept", "application/json, text/plain, */*")
        .body(Body::empty())
        .unwrap();
    send(app, request).await
}

/// `POST uri` with a JSON body and content type.
pub(crate) async fn post(app: &axum::Router, uri: &str, content_type: &str, body: &str) -> Reply {
    let request = Request::post(uri)
        .header("Content-Type", content_type)
        .body(Body::from(body.to_owned()))
        .unwrap();
    send(app, request).await
}
