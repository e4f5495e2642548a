//! Golden tests against the responses captured from Buildbot 4.3
//! (`shared/reference/rest/get/*.json`): for each resource type, our declared fields are the
//! captured keys, and the objects we serve have the same keys and JSON value types (ids,
//! times and texts differ; their types may not).

#[allow(dead_code, reason = "this binary uses part of the shared setup")]
mod common;

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use common::{app, get};
use oxbot_master::data::api::ResourceType;
use serde_json::Value;

const CAPTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/reference/rest/get"
);

/// The JSON kind of a value, as the comparison sees it.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "int",
        Value::Number(_) => "float",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `plural -> field -> kinds seen`, from every captured 200 JSON response without `field=`.
type Shapes = BTreeMap<String, BTreeMap<String, BTreeSet<&'static str>>>;

fn captured_shapes() -> Shapes {
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{CAPTURES}/_index.json")).unwrap())
            .unwrap();
    let mut shapes = Shapes::new();
    for entry in index.as_array().unwrap() {
        let file = entry["file"].as_str().unwrap_or("");
        let url = entry["url"].as_str().unwrap_or("");
        if entry["status"] != 200
            || std::path::Path::new(file)
                .extension()
                .is_none_or(|e| e != "json")
            || !url.starts_with("/api/v2")
            || url.contains("field=")
        {
            continue;
        }
        let body: Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{CAPTURES}/{file}")).unwrap())
                .unwrap();
        for (plural, items) in body.as_object().unwrap() {
            if plural == "meta" || plural == "properties" {
                continue;
            }
            for item in items.as_array().unwrap() {
                let fields = shapes.entry(plural.clone()).or_default();
                for (name, value) in item.as_object().unwrap() {
                    fields.entry(name.clone()).or_default().insert(kind(value));
                }
            }
        }
    }
    shapes
}

const TYPES: &[ResourceType] = &[
    ResourceType::Builder,
    ResourceType::Build,
    ResourceType::Step,
    ResourceType::Log,
    ResourceType::LogChunk,
    ResourceType::Worker,
    ResourceType::Master,
    ResourceType::BuildRequest,
    ResourceType::BuildSet,
    ResourceType::SourceStamp,
    ResourceType::ForceScheduler,
    ResourceType::Scheduler,
    ResourceType::Change,
    ResourceType::ChangeSource,
    ResourceType::Project,
    ResourceType::PropertyList,
    ResourceType::RootLink,
];

/// Fields Buildbot declares non-null but sends as `null`: `changes.committer` when the
/// committer is unknown.
const UNDECLARED_NULLS: &[(&str, &str)] = &[("changes", "committer")];

#[test]
fn declared_fields_are_the_captured_keys() {
    let shapes = captured_shapes();
    for rtype in TYPES {
        let captured = shapes
            .get(rtype.plural())
            .unwrap_or_else(|| panic!("no capture of {}", rtype.plural()));
        let declared: BTreeSet<&str> = rtype.fields().iter().map(|f| f.name).collect();
        let seen: BTreeSet<&str> = captured.keys().map(String::as_str).collect();
        assert_eq!(declared, seen, "{}", rtype.plural());
        for field in rtype.fields() {
            if captured[field.name].contains("null")
                && !UNDECLARED_NULLS.contains(&(rtype.plural(), field.name))
            {
                assert!(
                    field.nullable,
                    "{}.{} is null in captures",
                    rtype.plural(),
                    field.name
                );
            }
        }
    }
}

/// `/application.spec` is Buildbot's answer exactly: the same patterns, resource types and
/// field types (nothing in it depends on the objects a master holds).
#[tokio::test]
async fn application_spec_is_buildbots() {
    let (app, _, _) = app().await;
    let reply = get(&app, "/api/v2/application.spec").await;
    assert_eq!(reply.status, StatusCode::OK);
    let captured: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{CAPTURES}/application.spec.json")).unwrap(),
    )
    .unwrap();
    assert!(reply.json() == captured, "{}", reply.text);
}

/// One URL of each resource type (and the nested forms the UI asks for).
const URLS: &[&str] = &[
    "/api/v2",
    "/api/v2/builders",
    "/api/v2/builders/1",
    "/api/v2/builds",
    "/api/v2/builds/1?property=*",
    "/api/v2/builds/1/steps",
    "/api/v2/builds/1/steps/compile/logs",
    "/api/v2/logs/1/contents",
    "/api/v2/workers",
    "/api/v2/masters",
    "/api/v2/buildrequests",
    "/api/v2/buildrequests/1?property=*",
    "/api/v2/buildsets",
    "/api/v2/sourcestamps",
    "/api/v2/changes",
    "/api/v2/schedulers",
    "/api/v2/changesources",
    "/api/v2/forceschedulers",
    "/api/v2/projects",
    "/api/v2/builds/1/property_list",
];

#[tokio::test]
async fn served_objects_have_buildbots_keys_and_types() {
    let shapes = captured_shapes();
    let (app, _, _) = app().await;
    let mut checked = BTreeSet::new();
    for url in URLS {
        let reply = get(&app, url).await;
        assert_eq!(reply.status, StatusCode::OK, "{url}: {}", reply.text);
        let body = reply.json();
        let (plural, items) = body
            .as_object()
            .unwrap()
            .iter()
            .find(|(k, _)| *k != "meta")
            .unwrap();
        let rtype = TYPES.iter().find(|t| t.plural() == plural).unwrap();
        let captured = &shapes[plural];
        let items = items.as_array().unwrap();
        assert!(!items.is_empty(), "{url} served nothing to compare");
        for item in items {
            let keys: BTreeSet<&String> = item.as_object().unwrap().keys().collect();
            assert_eq!(keys, captured.keys().collect(), "{url}");
            for (name, value) in item.as_object().unwrap() {
                let seen = &captured[name];
                let ours = kind(value);
                let field = rtype.field(name).unwrap();
                let fits = seen.contains(ours)
                    || (ours == "null" && field.nullable)
                    || seen.iter().all(|k| *k == "null");
                assert!(
                    fits,
                    "{url}: {plural}.{name} is {ours}, Buildbot sent {seen:?}"
                );
            }
        }
        checked.insert(plural.clone());
    }
    assert_eq!(checked.len(), TYPES.len(), "types served: {checked:?}");
}

/// Times are "now" when the fixture ran; the rest must be equal.
fn without_times(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if (key.ends_with("_at") || key == "last_active") && v.is_number() {
                    *v = Value::Null;
                } else {
                    without_times(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(without_times),
        _ => {}
    }
}

/// The same data answers the same on PostgreSQL as on SQLite, URL by URL.
#[tokio::test]
#[expect(clippy::print_stderr, reason = "a skipped test says why")]
async fn postgres_answers_as_sqlite_does() {
    let Some(scratch) = oxbot_db::testing::ScratchPostgres::create("oxbot_rest").await else {
        eprintln!("skipped: PostgreSQL not reachable at 127.0.0.1:5432");
        return;
    };
    let (pg_db, pg_ids) = common::fixture_in(scratch.db.clone()).await;
    let (on_postgres, _, _) = common::app_on(pg_db, pg_ids);
    let (on_sqlite, _, _) = app().await;
    for url in URLS {
        let mut ours = get(&on_sqlite, url).await.json();
        let mut theirs = get(&on_postgres, url).await.json();
        without_times(&mut ours);
        without_times(&mut theirs);
        assert_eq!(theirs, ours, "{url}");
    }
    scratch.remove().await;
}
