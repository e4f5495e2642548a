//! One connection to a master: the WebSocket with Basic auth, request/response correlation
//! by `seq_number` in both directions, the master's ops, and the running commands.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use oxbot_proto::Message;
use rmpv::Value as Msg;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};
use tracing::{debug, info, warn};

use crate::commands;
use crate::tac::WorkerSettings;

/// How a session ended.
pub(crate) enum Ended {
    /// The master asked the worker to shut down.
    Shutdown,
    /// The connection was lost or refused; reconnect.
    Lost(String),
}

/// The shared state of a connected session.
pub(crate) struct Session {
    pub(crate) settings: WorkerSettings,
    out: mpsc::UnboundedSender<WsMessage>,
    next_seq: AtomicU64,
    pending: Mutex<HashMap<u64, oneshot::Sender<Result<Msg, String>>>>,
    interrupts: Mutex<HashMap<String, watch::Sender<Option<String>>>>,
}

impl Session {
    /// A session with no connection: what it sends goes to the returned receiver (tests).
    #[cfg(test)]
    pub(crate) fn detached(
        settings: WorkerSettings,
    ) -> (Arc<Self>, mpsc::UnboundedReceiver<WsMessage>) {
        let (out, sent) = mpsc::unbounded_channel();
        let session = Arc::new(Session {
            settings,
            out,
            next_seq: AtomicU64::new(0),
            pending: Mutex::new(HashMap::new()),
            interrupts: Mutex::new(HashMap::new()),
        });
        (session, sent)
    }

    fn send(&self, message: &Message) {
        let _ = self
            .out
            .send(WsMessage::Binary(oxbot_proto::encode(message).into()));
    }

    /// Sends a request to the master without waiting for its answer (`update`).
    pub(crate) fn notify(&self, op: &str, fields: Vec<(&str, Msg)>) {
        let seq = self.next_seq.fetch_add(1, Ordering::SeqCst);
        self.send(&Message::request(op, seq, fields));
    }

    /// Sends a request to the master and waits for its answer (`complete`, transfers).
    pub(crate) async fn request(&self, op: &str, fields: Vec<(&str, Msg)>) -> Result<Msg, String> {
        let seq = self.next_seq.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = oneshot::channel();
        self.pending.lock().expect("session lock").insert(seq, tx);
        self.send(&Message::request(op, seq, fields));
        rx.await
            .unwrap_or_else(|_| Err("connection lost".to_owned()))
    }

    /// Sends `update` pairs for a command.
    pub(crate) fn update(&self, command_id: &str, pairs: Vec<(&str, Value)>) {
        if pairs.is_empty() {
            return;
        }
        let args = Msg::Array(
            pairs
                .into_iter()
                .map(|(k, v)| Msg::Array(vec![Msg::from(k), oxbot_proto::from_json(&v)]))
                .collect(),
        );
        self.notify(
            "update",
            vec![("args", args), ("command_id", Msg::from(command_id))],
        );
    }

    fn reply(&self, seq: u64, result: Result<Msg, String>) {
        let message = match result {
            Ok(value) => Message::response(seq, value, false),
            Err(text) => Message::response(seq, Msg::from(text), true),
        };
        self.send(&message);
    }
}

/// Connects and serves one session until it ends.
pub(crate) async fn run(settings: &WorkerSettings) -> anyhow::Result<Ended> {
    let url = format!("ws://{}:{}/", settings.host, settings.port);
    let mut request = url
        .as_str()
        .into_client_request()
        .context("building the WebSocket request")?;
    let credentials = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", settings.name, settings.password));
    request.headers_mut().insert(
        "Authorization",
        format!("Basic {credentials}")
            .parse()
            .context("credentials header")?,
    );
    // `true`: TCP_NODELAY, so small frames are not held back for the master's delayed ACK.
    let (ws, _) = match tokio_tungstenite::connect_async_with_config(request, None, true).await {
        Ok(pair) => pair,
        Err(tungstenite::Error::Http(response)) => {
            return Ok(Ended::Lost(format!(
                "the master refused the connection: HTTP {}",
                response.status()
            )));
        }
        Err(err) => return Ok(Ended::Lost(format!("cannot connect to {url}: {err}"))),
    };
    info!(%url, "connected to the master");
    let (mut sink, mut stream) = ws.split();
    let (out, mut out_rx) = mpsc::unbounded_channel::<WsMessage>();
    let writer = tokio::spawn(async move {
        while let Some(message) = out_rx.recv().await {
            if sink.send(message).await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let session = Arc::new(Session {
        settings: settings.clone(),
        out,
        next_seq: AtomicU64::new(0),
        pending: Mutex::new(HashMap::new()),
        interrupts: Mutex::new(HashMap::new()),
    });
    let ended = loop {
        let frame = match stream.next().await {
            Some(Ok(WsMessage::Binary(bytes))) => bytes,
            Some(Ok(WsMessage::Close(_))) | None => {
                break Ended::Lost("the master closed the connection".to_owned());
            }
            Some(Ok(_)) => continue,
            Some(Err(err)) => break Ended::Lost(format!("connection error: {err}")),
        };
        let message = match oxbot_proto::decode(&frame) {
            Ok(m) => m,
            Err(err) => {
                warn!(cause = %err, "undecodable message from the master");
                continue;
            }
        };
        if handle(&session, &message) {
            break Ended::Shutdown;
        }
    };
    // Commands must not outlive their connection: interrupt them all.
    for (_, stop) in session.interrupts.lock().expect("session lock").drain() {
        stop.send_replace(Some("connection lost".to_owned()));
    }
    for (_, waiter) in session.pending.lock().expect("session lock").drain() {
        let _ = waiter.send(Err("connection lost".to_owned()));
    }
    if matches!(ended, Ended::Shutdown) {
        // Let the shutdown reply go out before closing.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    drop(session);
    let _ = writer.await;
    Ok(ended)
}

fn str_field<'a>(message: &'a Message, key: &str) -> Option<&'a str> {
    message.get(key).and_then(Msg::as_str)
}

/// Handles one message; returns true when the master asked for shutdown.
fn handle(session: &Arc<Session>, message: &Message) -> bool {
    let Some(seq) = message.seq_number() else {
        warn!(op = message.op(), "message without seq_number dropped");
        return false;
    };
    match message.op() {
        "response" => {
            if let Some(waiter) = session.pending.lock().expect("session lock").remove(&seq) {
                let result = message.get("result").cloned().unwrap_or(Msg::Nil);
                let _ = waiter.send(if message.is_exception() {
                    Err(result.as_str().unwrap_or("remote error").to_owned())
                } else {
                    Ok(result)
                });
            }
        }
        "print" => {
            info!(
                message = str_field(message, "message").unwrap_or(""),
                "message from master"
            );
            session.reply(seq, Ok(Msg::Nil));
        }
        "keepalive" => session.reply(seq, Ok(Msg::Nil)),
        "get_worker_info" => session.reply(
            seq,
            Ok(oxbot_proto::from_json(&commands::worker_info(
                &session.settings,
            ))),
        ),
        "set_worker_settings" => {
            let ok = message.get("args").is_some_and(|a| {
                [
                    "buffer_size",
                    "buffer_timeout",
                    "newline_re",
                    "max_line_length",
                ]
                .iter()
                .all(|k| {
                    a.as_map()
                        .is_some_and(|m| m.iter().any(|(key, _)| key.as_str() == Some(k)))
                })
            });
            if ok {
                session.reply(seq, Ok(Msg::Nil));
            } else {
                session.reply(
                    seq,
                    Err("set_worker_settings: missing arguments".to_owned()),
                );
            }
        }
        "start_command" => {
            let (Some(id), Some(name)) = (
                str_field(message, "command_id"),
                str_field(message, "command_name"),
            ) else {
                session.reply(
                    seq,
                    Err("message did not contain obligatory \"command_id\" key".to_owned()),
                );
                return false;
            };
            let args = message
                .get("args")
                .map_or(Value::Null, oxbot_proto::to_json);
            let (stop, stopped) = watch::channel(None);
            session
                .interrupts
                .lock()
                .expect("session lock")
                .insert(id.to_owned(), stop);
            match commands::start(session.clone(), id.to_owned(), name, args, stopped) {
                Ok(()) => session.reply(seq, Ok(Msg::Nil)),
                Err(text) => {
                    command_finished(session, id);
                    session.reply(seq, Err(text));
                }
            }
        }
        "interrupt_command" => {
            let id = str_field(message, "command_id").unwrap_or("");
            let why = str_field(message, "why")
                .unwrap_or("interrupted")
                .to_owned();
            if let Some(stop) = session.interrupts.lock().expect("session lock").get(id) {
                stop.send_replace(Some(why));
            } else {
                debug!(id, "interrupt for a command that is not running");
            }
            session.reply(seq, Ok(Msg::Nil));
        }
        "shutdown" => {
            info!("the master asked this worker to shut down");
            session.reply(seq, Ok(Msg::Nil));
            return true;
        }
        other => session.reply(seq, Err(format!("Command {other} does not exist."))),
    }
    false
}

/// Forgets a finished command's interrupt switch.
pub(crate) fn command_finished(session: &Session, command_id: &str) {
    session
        .interrupts
        .lock()
        .expect("session lock")
        .remove(command_id);
}
