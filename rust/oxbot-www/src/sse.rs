//! `/sse`: Buildbot's Server-Sent Events stream (rest-api.md 9).
//!
//! `GET /sse` or `/sse/listen[/<pattern>]` opens a `text/event-stream`: first
//! `event: handshake` with the stream's uuid as data, then `event: event` with
//! `{"key": [...], "message": {...}}` (Python's default JSON separators) for each mq event
//! matching one of the stream's patterns (matched as `/ws` matches them). `GET
//! /sse/add/<uuid>/<pattern>` and `/sse/remove/<uuid>/<pattern>` change an open stream's
//! patterns; the pattern may also be given as `?path=<pattern>`. They answer `ok` (200),
//! `unknown uuid` or `need uuid` (400), `consumer is not listening to this event` (404), as
//! `text/plain` and nothing more (Buildbot 4.3 appends a Twisted error page to each).

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::stream::Stream;
use oxbot_master::data::api::pyjson::python_json_unsorted;
use oxbot_master::mq::{Mq, Subscription};
use serde_json::{Value, json};

use crate::ws::matches;

/// The open streams: uuid -> its patterns.
#[derive(Clone)]
struct SseState {
    mq: Mq,
    consumers: Arc<Mutex<HashMap<String, Patterns>>>,
}

type Patterns = Arc<Mutex<BTreeSet<String>>>;

/// The `/sse` routes, over the engine's mq.
pub(crate) fn routes<S>(mq: Mq) -> Router<S> {
    let state = SseState {
        mq,
        consumers: Arc::default(),
    };
    Router::new()
        .route("/sse", get(listen_root))
        .route("/sse/", get(listen_root))
        .route("/sse/listen", get(listen_root))
        .route("/sse/listen/", get(listen_root))
        .route("/sse/listen/{*pattern}", get(listen))
        .route("/sse/add", get(need_uuid))
        .route("/sse/add/", get(need_uuid))
        .route("/sse/remove", get(need_uuid))
        .route("/sse/remove/", get(need_uuid))
        .route("/sse/add/{*rest}", get(add))
        .route("/sse/remove/{*rest}", get(remove))
        .with_state(state)
}

/// A fresh random uuid (version 4), from the standard library's per-process random keys.
fn uuid4() -> String {
    let half = || {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        hasher.finish()
    };
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&half().to_le_bytes());
    bytes[8..].copy_from_slice(&half().to_le_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    });
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A pattern without the trailing slash Buildbot drops.
fn clean(pattern: &str) -> String {
    pattern.strip_suffix('/').unwrap_or(pattern).to_owned()
}

/// `path=<pattern>` of a query string.
fn query_path(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "path")
        .map(|(_, v)| clean(&v))
}

fn text(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Forgets a stream when its response is dropped (the client went away).
struct Registration {
    uuid: String,
    consumers: Arc<Mutex<HashMap<String, Patterns>>>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.consumers
            .lock()
            .expect("sse consumers lock")
            .remove(&self.uuid);
    }
}

/// One `event: event` for a routing key and body.
fn event(routing_key: &[String], body: &Value) -> Event {
    let data = python_json_unsorted(&json!({"key": routing_key, "message": body}));
    Event::default().event("event").data(data)
}

/// An open stream's state.
struct Open {
    handshake: Option<Event>,
    subscription: Subscription,
    patterns: Patterns,
    _registration: Registration,
}

fn stream(
    state: &SseState,
    pattern: Option<String>,
) -> Sse<impl Stream<Item = Result<Event, std::convert::Infallible>> + use<>> {
    let uuid = uuid4();
    let patterns: Patterns = Arc::default();
    if let Some(p) = pattern.filter(|p| !p.is_empty()) {
        patterns.lock().expect("sse patterns lock").insert(p);
    }
    // Subscribed before the handshake is sent: no event after it is missed.
    let subscription = state.mq.subscribe_all();
    state
        .consumers
        .lock()
        .expect("sse consumers lock")
        .insert(uuid.clone(), patterns.clone());
    let registration = Registration {
        uuid: uuid.clone(),
        consumers: state.consumers.clone(),
    };
    let handshake = Event::default().event("handshake").data(uuid);
    let open = Open {
        handshake: Some(handshake),
        subscription,
        patterns,
        _registration: registration,
    };
    Sse::new(futures_util::stream::unfold(open, |mut open| async move {
        if let Some(handshake) = open.handshake.take() {
            return Some((Ok(handshake), open));
        }
        loop {
            let next = open.subscription.next().await?;
            let wanted = open
                .patterns
                .lock()
                .expect("sse patterns lock")
                .iter()
                .any(|p| matches(p, &next.routing_key));
            if wanted {
                let e = event(&next.routing_key, &next.body);
                return Some((Ok(e), open));
            }
        }
    }))
}

/// `GET /sse`, `/sse/listen`.
async fn listen_root(State(state): State<SseState>, RawQuery(query): RawQuery) -> Response {
    stream(&state, query_path(query.as_deref())).into_response()
}

/// `GET /sse/listen/<pattern>`.
async fn listen(State(state): State<SseState>, Path(pattern): Path<String>) -> Response {
    stream(&state, Some(clean(&pattern))).into_response()
}

async fn need_uuid() -> Response {
    text(StatusCode::BAD_REQUEST, "need uuid")
}

/// The stream and the pattern of `<uuid>/<pattern>` (or `<uuid>?path=<pattern>`).
fn target(
    state: &SseState,
    rest: &str,
    query: Option<&str>,
) -> Result<(Patterns, String), Box<Response>> {
    let (uuid, pattern) = rest.split_once('/').unwrap_or((rest, ""));
    let pattern = match clean(pattern) {
        p if p.is_empty() => query_path(query).unwrap_or_default(),
        p => p,
    };
    let consumers = state.consumers.lock().expect("sse consumers lock");
    let Some(patterns) = consumers.get(uuid) else {
        return Err(Box::new(text(StatusCode::BAD_REQUEST, "unknown uuid")));
    };
    if pattern.is_empty() {
        return Err(Box::new(text(StatusCode::BAD_REQUEST, "need path")));
    }
    Ok((patterns.clone(), pattern))
}

/// `GET /sse/add/<uuid>/<pattern>` (`add`) and `/sse/remove/<uuid>/<pattern>`.
fn change(state: &SseState, rest: &str, query: Option<&str>, add: bool) -> Response {
    let (patterns, pattern) = match target(state, rest, query) {
        Ok(found) => found,
        Err(reply) => return *reply,
    };
    let mut patterns = patterns.lock().expect("sse patterns lock");
    if add {
        patterns.insert(pattern);
    } else if !patterns.remove(&pattern) {
        return text(
            StatusCode::NOT_FOUND,
            "consumer is not listening to this event",
        );
    }
    text(StatusCode::OK, "ok")
}

async fn add(
    State(state): State<SseState>,
    Path(rest): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    change(&state, &rest, query.as_deref(), true)
}

async fn remove(
    State(state): State<SseState>,
    Path(rest): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    change(&state, &rest, query.as_deref(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4_and_differ() {
        let a = uuid4();
        let b = uuid4();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn event_data_as_buildbot_writes_it() {
        let key = ["builds".to_owned(), "1".to_owned(), "new".to_owned()];
        let data = python_json_unsorted(&json!({"key": key, "message": {"buildid": 1}}));
        assert_eq!(
            data,
            r#"{"key": ["builds", "1", "new"], "message": {"buildid": 1}}"#
        );
    }
}
