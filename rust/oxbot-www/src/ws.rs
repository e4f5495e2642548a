//! `/ws`: Buildbot's real-time event stream. A client sends `startConsuming` /
//! `stopConsuming` / `ping` commands as JSON text frames and receives `{"k": key, "m": body}`
//! for every event whose routing key matches one of its paths (`*` matches one segment, and a
//! path matches only keys with as many segments). Replies carry `code` and echo `_id`; events
//! never carry `code`.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use oxbot_master::mq::Mq;
use serde_json::{Map, Value, json};

use crate::WwwState;

/// `GET /ws`.
pub(crate) async fn upgrade(State(state): State<WwwState>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| serve(socket, state.mq))
}

/// Whether a routing key matches a consumed path.
pub(crate) fn matches(path: &str, key: &[String]) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    parts.len() == key.len() && parts.iter().zip(key).all(|(p, k)| *p == "*" || p == k)
}

/// A compact JSON text in the given key order (replies are `msg`/`error`, `code`, `_id`).
fn ordered(pairs: &[(&str, Value)]) -> String {
    let map: Map<String, Value> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    Value::Object(map).to_string()
}

/// Handles one command frame; returns the reply.
fn command(frame: &str, paths: &mut BTreeSet<String>) -> Option<String> {
    let Ok(Value::Object(mut msg)) = serde_json::from_str::<Value>(frame) else {
        return None;
    };
    let id = msg.remove("_id");
    let error = |text: String, code: i64, id: &Option<Value>| {
        Some(ordered(&[
            ("error", json!(text)),
            ("code", json!(code)),
            ("_id", id.clone().unwrap_or(Value::Null)),
        ]))
    };
    if id.is_none() && !msg.contains_key("type") {
        return error(
            "no '_id' or 'type' in websocket frame".to_owned(),
            400,
            &None,
        );
    }
    let Some(cmd) = msg.remove("cmd") else {
        return error("no 'cmd' in websocket frame".to_owned(), 400, &None);
    };
    let ok = |text: &str| {
        Some(ordered(&[
            ("msg", json!(text)),
            ("code", json!(200)),
            ("_id", id.clone().unwrap_or(Value::Null)),
        ]))
    };
    match cmd.as_str() {
        Some("ping") => ok("pong"),
        Some(name @ ("startConsuming" | "stopConsuming")) => {
            let path = match msg.remove("path") {
                Some(Value::String(p)) => p,
                Some(other) => return error(format!("invalid path format '{other}'"), 400, &id),
                None => {
                    return error(
                        format!(
                            "Invalid method argument 'WsProtocol.cmd_{name}() missing 1 required positional argument: 'path''"
                        ),
                        400,
                        &id,
                    );
                }
            };
            if let Some(extra) = msg.keys().next() {
                return error(
                    format!(
                        "Invalid method argument 'WsProtocol.cmd_{name}() got an unexpected keyword argument '{extra}''"
                    ),
                    400,
                    &id,
                );
            }
            if name == "startConsuming" {
                paths.insert(path);
                ok("OK")
            } else if paths.remove(&path) {
                ok("OK")
            } else {
                error(format!("path was not consumed '{path}'"), 400, &id)
            }
        }
        other => error(
            format!(
                "no such command type '{}'",
                other.map_or_else(|| cmd.to_string(), str::to_owned)
            ),
            404,
            &id,
        ),
    }
}

async fn serve(socket: WebSocket, mq: Mq) {
    let (mut sink, mut stream) = socket.split();
    let mut events = mq.subscribe_all();
    let mut paths: BTreeSet<String> = BTreeSet::new();
    loop {
        tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(Message::Text(text))) => match command(text.as_str(), &mut paths) {
                    Some(reply) => {
                        if sink.send(Message::Text(reply.into())).await.is_err() {
                            return;
                        }
                    }
                    // Not JSON: Buildbot drops the connection.
                    None => return,
                },
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
            event = events.next() => {
                let Some(event) = event else { return };
                if !paths.iter().any(|p| matches(p, &event.routing_key)) {
                    continue;
                }
                let text = ordered(&[("k", json!(event.routing_key.join("/"))), ("m", Arc::unwrap_or_clone(event.body))]);
                if sink.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_as_buildbot() {
        let mut paths = BTreeSet::new();
        assert_eq!(
            command(
                r#"{"cmd": "startConsuming", "path": "builds/*/*", "_id": 1}"#,
                &mut paths
            )
            .unwrap(),
            r#"{"msg":"OK","code":200,"_id":1}"#
        );
        assert_eq!(
            command(r#"{"cmd": "ping", "_id": 16}"#, &mut paths).unwrap(),
            r#"{"msg":"pong","code":200,"_id":16}"#
        );
        assert_eq!(
            command(
                r#"{"cmd": "stopConsuming", "path": "never/subscribed/*", "_id": 18}"#,
                &mut paths
            )
            .unwrap(),
            r#"{"error":"path was not consumed 'never/subscribed/*'","code":400,"_id":18}"#
        );
        assert_eq!(
            command(r#"{"cmd": "noSuchCmd", "_id": 19}"#, &mut paths).unwrap(),
            r#"{"error":"no such command type 'noSuchCmd'","code":404,"_id":19}"#
        );
        assert_eq!(
            command(r#"{"cmd": "ping"}"#, &mut paths).unwrap(),
            r#"{"error":"no '_id' or 'type' in websocket frame","code":400,"_id":null}"#
        );
        assert!(command("not json", &mut paths).is_none());
    }

    #[test]
    fn patterns_match_segment_by_segment() {
        let key = |s: &str| s.split('/').map(str::to_owned).collect::<Vec<_>>();
        assert!(matches("builds/*/*", &key("builds/12/new")));
        assert!(!matches("builds/*/*", &key("builds/12/properties/update")));
        assert!(matches("builders/1/*", &key("builders/1/update")));
    }
}
