//! The worker port: accepts WebSocket connections with HTTP Basic auth as Buildbot's msgpack
//! dispatcher does (any path, no subprotocol, a bare 401 on bad credentials), then hands each
//! authenticated connection to the attach sequence.
//!
//! This is the one place outside `oxbot-www` that reads an HTTP request head: the worker
//! protocol's upgrade, which belongs with the protocol rather than with the web API.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::{Message as WsMessage, http};
use tracing::{Instrument, debug, info, info_span, warn};

use crate::data::updates::Updates;
use crate::process::botmaster::BotMaster;
use crate::worker::connection::{Outgoing, WorkerConnection};
use crate::worker::manager::{ConfiguredWorker, WorkerManager};

/// Keepalive interval towards idle workers (Buildbot uses 3600 s).
const KEEPALIVE: Duration = Duration::from_secs(3600);

/// Accepts worker connections until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    workers: WorkerManager,
    botmaster: BotMaster,
    updates: Updates,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => accepted,
        };
        let (socket, peer) = match accepted {
            Ok(pair) => pair,
            Err(err) => {
                warn!(cause = %err, "accepting a worker connection failed");
                continue;
            }
        };
        // The protocol is many small request/response frames: without TCP_NODELAY each
        // waits for the peer's delayed ACK (40 ms on Linux).
        if let Err(err) = socket.set_nodelay(true) {
            debug!(cause = %err, "setting TCP_NODELAY on a worker connection failed");
        }
        let workers = workers.clone();
        let botmaster = botmaster.clone();
        let updates = updates.clone();
        tokio::spawn(
            async move {
                if let Err(err) = handle(socket, workers, botmaster, updates).await {
                    debug!(cause = %err, "worker connection ended");
                }
            }
            .instrument(info_span!("worker_connection", %peer)),
        );
    }
}

/// Parses `Authorization: Basic base64(user:password)`; the user name ends at the first colon.
fn basic_credentials(request: &Request) -> Option<(String, String)> {
    let value = request
        .headers()
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

async fn handle(
    socket: TcpStream,
    workers: WorkerManager,
    botmaster: BotMaster,
    updates: Updates,
) -> Result<(), String> {
    let mut authenticated: Option<ConfiguredWorker> = None;
    #[expect(
        clippy::result_large_err,
        reason = "tungstenite's handshake callback returns its HTTP response"
    )]
    let callback = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        if let Some(worker) =
            basic_credentials(request).and_then(|(user, pw)| workers.authenticate(&user, &pw))
        {
            authenticated = Some(worker);
            Ok(response)
        } else {
            let mut refusal = ErrorResponse::new(None);
            *refusal.status_mut() = http::StatusCode::UNAUTHORIZED;
            Err(refusal)
        }
    };
    let ws = tokio_tungstenite::accept_hdr_async(socket, callback)
        .await
        .map_err(|e| e.to_string())?;
    let worker = authenticated.ok_or("no credentials")?;
    let (sink, stream) = ws.split();
    let sink = sink.with(|out: Outgoing| async move {
        Ok::<_, tokio_tungstenite::tungstenite::Error>(match out {
            Outgoing::Frame(bytes) => WsMessage::Binary(bytes.into()),
            Outgoing::Close => WsMessage::Close(None),
        })
    });
    let stream = stream.filter_map(|frame| async move {
        match frame {
            Ok(WsMessage::Binary(bytes)) => Some(Ok(bytes.to_vec())),
            Ok(WsMessage::Close(_)) => Some(Err("closed by worker".to_owned())),
            Ok(_) => None,
            Err(err) => Some(Err(err.to_string())),
        }
    });
    let (conn, reader) = WorkerConnection::start(
        &worker.name,
        worker.workerid,
        worker.max_builds,
        Box::pin(sink),
        Box::pin(stream),
    );
    if !workers.admit(&worker.name).await {
        conn.close();
        return Ok(());
    }
    let builders = workers.builders_for(&worker.name);
    if let Err(err) = conn.attach(&builders).await {
        warn!(worker = %worker.name, cause = %err, "worker failed to attach");
        conn.close();
        return Ok(());
    }
    workers.attached(conn.clone());
    if let Err(err) = updates
        .worker_connected(worker.workerid, &conn.info())
        .await
    {
        warn!(cause = %err, "could not record the worker connection");
    }
    // An attaching worker is no longer shutting down (Buildbot resets `graceful` on attach).
    let was_graceful = workers.set_graceful(&worker.name, false);
    let graceful_in_db = updates
        .db()
        .get_worker(worker.workerid)
        .await
        .is_ok_and(|w| w.graceful);
    if (was_graceful || graceful_in_db)
        && let Err(err) = updates.set_worker_graceful(worker.workerid, false).await
    {
        warn!(cause = %err, "could not reset the worker's graceful shutdown");
    }
    info!(worker = %worker.name, "worker attached");
    botmaster.wake();
    keep_alive(&conn).await;
    let _ = reader.await;
    workers.detached(&conn);
    if let Err(err) = updates.worker_disconnected(worker.workerid).await {
        warn!(cause = %err, "could not record the worker disconnection");
    }
    info!(worker = %worker.name, "worker detached");
    Ok(())
}

/// Sends keepalives until the connection is lost.
async fn keep_alive(conn: &Arc<WorkerConnection>) {
    loop {
        tokio::select! {
            () = conn.wait_lost() => return,
            () = tokio::time::sleep(KEEPALIVE) => {
                if conn.keepalive().await.is_err() {
                    return;
                }
            }
        }
    }
}
