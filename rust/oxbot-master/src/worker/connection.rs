//! The master's side of one worker connection over Buildbot's msgpack protocol
//! (`worker/protocols/msgpack.py`): request/response correlation by `seq_number`, the attach
//! sequence (info, settings, builder directories), remote commands with their updates, and
//! interrupts.
//!
//! The connection is generic over a stream and a sink of binary frames, so tests can drive it
//! without a socket; `listener` gives it a WebSocket.
//!
//! A command's updates reach its step through bounded channels, and the reader waits while
//! they are full: a worker printing faster than the step stores its log is slowed down by TCP
//! (the reader stops reading) instead of queueing the output in the master's memory.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use oxbot_proto::Message;
use rmpv::Value as MsgValue;
use serde_json::{Map, Value};
use tokio::sync::{mpsc, oneshot, watch};
use tracing::{debug, warn};

use crate::process::build::StopRequest;
use crate::process::remote_command::{
    CommandOutcome, CommandUpdate, RemoteCommand, RemoteError, Stream as OutStream, Transfer,
};

/// The settings the master sends before any command (`set_worker_settings`), as Buildbot 4.3.
const NEWLINE_RE: &str = r"(\r\n|\r(?=.)|\033\[u|\033\[[0-9]+;[0-9]+[Hf]|\033\[2J|\x08+)";

/// Updates of a command waiting for their step (each at most the worker's `buffer_size`,
/// 64 KiB): few, so the master holds little of a command's output however fast it comes.
pub const UPDATES_IN_FLIGHT: usize = 2;

/// Command ids come from one process-wide counter, as in Buildbot.
static NEXT_COMMAND_ID: AtomicU64 = AtomicU64::new(0);

/// The next command id (one counter for the whole process, as in Buildbot).
fn next_command_id() -> String {
    NEXT_COMMAND_ID.fetch_add(1, Ordering::SeqCst).to_string()
}

/// Frames going to the worker: a message, or a close frame (duplicate-connection rejection).
#[derive(Debug)]
pub enum Outgoing {
    Frame(Vec<u8>),
    Close,
}

/// The master's end of a running file transfer.
enum TransferState {
    Upload {
        file: Option<std::fs::File>,
        tmp: PathBuf,
        dest: PathBuf,
        written: u64,
        maxsize: Option<u64>,
        mode: Option<u32>,
    },
    Download {
        data: Vec<u8>,
        pos: usize,
    },
    /// Buildbot's `DirectoryWriter`: the tar stream goes to `tmp`, then is unpacked.
    UploadDirectory {
        file: Option<std::fs::File>,
        tmp: PathBuf,
        dest: PathBuf,
        written: u64,
        maxsize: Option<u64>,
        compress: Option<String>,
    },
}

/// Writes what `maxsize` still allows of an upload's block (Buildbot's `FileWriter`
/// keeps the first `maxsize` bytes and drops the rest).
fn write_capped(
    file: Option<&mut std::fs::File>,
    written: &mut u64,
    maxsize: Option<u64>,
    message: &Message,
) -> std::io::Result<()> {
    use std::io::Write as _;
    let data: &[u8] = match message.get("args") {
        Some(MsgValue::Binary(b)) => b,
        Some(MsgValue::String(s)) => s.as_bytes(),
        _ => &[],
    };
    let room = maxsize.map_or(data.len() as u64, |m| m.saturating_sub(*written));
    let take = &data[..data.len().min(room as usize)];
    if let Some(f) = file {
        f.write_all(take)?;
    }
    *written += take.len() as u64;
    Ok(())
}

/// Unpacks a directory upload's tar stream into `dest`; entries may not leave `dest`.
fn unpack_directory(tar: &Path, dest: &Path, compress: Option<&str>) -> std::io::Result<()> {
    let file = std::io::BufReader::new(std::fs::File::open(tar)?);
    let reader: Box<dyn std::io::Read> = match compress {
        Some("gz") => Box::new(flate2::read::GzDecoder::new(file)),
        Some("bz2") => Box::new(bzip2::read::BzDecoder::new(file)),
        _ => Box::new(file),
    };
    std::fs::create_dir_all(dest)?;
    tar::Archive::new(reader).unpack(dest)
}

impl TransferState {
    fn open(transfer: Transfer, command_id: &str) -> std::io::Result<TransferState> {
        Ok(match transfer {
            Transfer::Upload {
                dest,
                maxsize,
                mode,
            } => {
                if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)?;
                }
                let mut tmp = dest.clone().into_os_string();
                tmp.push(format!(".oxbot-upload-{command_id}"));
                let tmp = PathBuf::from(tmp);
                TransferState::Upload {
                    file: Some(std::fs::File::create(&tmp)?),
                    tmp,
                    dest,
                    written: 0,
                    maxsize,
                    mode,
                }
            }
            Transfer::Download { data } => TransferState::Download { data, pos: 0 },
            Transfer::UploadDirectory {
                dest,
                maxsize,
                compress,
            } => {
                let tmp = std::env::temp_dir().join(format!(
                    "oxbot-transfer-{}-{command_id}",
                    std::process::id()
                ));
                TransferState::UploadDirectory {
                    file: Some(std::fs::File::create(&tmp)?),
                    tmp,
                    dest,
                    written: 0,
                    maxsize,
                    compress,
                }
            }
        })
    }

    /// Answers one transfer request of the worker (Buildbot's FileWriter/FileReader methods).
    fn handle(&mut self, op: &str, message: &Message) -> Result<MsgValue, String> {
        let io = |e: std::io::Error| e.to_string();
        match (self, op) {
            (
                TransferState::Upload {
                    file,
                    written,
                    maxsize,
                    ..
                },
                "update_upload_file_write",
            )
            | (
                TransferState::UploadDirectory {
                    file,
                    written,
                    maxsize,
                    ..
                },
                "update_upload_directory_write",
            ) => {
                write_capped(file.as_mut(), written, *maxsize, message).map_err(io)?;
                Ok(MsgValue::Nil)
            }
            (
                TransferState::UploadDirectory {
                    file,
                    tmp,
                    dest,
                    compress,
                    ..
                },
                "update_upload_directory_unpack",
            ) => {
                drop(file.take());
                let unpacked = unpack_directory(tmp, dest, compress.as_deref());
                let _ = std::fs::remove_file(&*tmp);
                unpacked.map_err(|e| format!("unpacking into {}: {e}", dest.display()))?;
                Ok(MsgValue::Nil)
            }
            (
                TransferState::Upload {
                    file,
                    tmp,
                    dest,
                    mode,
                    ..
                },
                "update_upload_file_close",
            ) => {
                if let Some(f) = file.take() {
                    drop(f);
                    std::fs::rename(&*tmp, &*dest).map_err(io)?;
                    if let Some(mode) = mode {
                        use std::os::unix::fs::PermissionsExt as _;
                        std::fs::set_permissions(&*dest, std::fs::Permissions::from_mode(*mode))
                            .map_err(io)?;
                    }
                }
                Ok(MsgValue::Nil)
            }
            (TransferState::Upload { dest, .. }, "update_upload_file_utime") => {
                let time = |key: &str| {
                    let secs = message.get(key).and_then(MsgValue::as_f64).unwrap_or(0.0);
                    std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(secs.max(0.0))
                };
                let times = std::fs::FileTimes::new()
                    .set_accessed(time("access_time"))
                    .set_modified(time("modified_time"));
                std::fs::File::options()
                    .write(true)
                    .open(&*dest)
                    .and_then(|f| f.set_times(times))
                    .map_err(io)?;
                Ok(MsgValue::Nil)
            }
            (TransferState::Download { data, pos }, "update_read_file") => {
                let length = message
                    .get("length")
                    .and_then(MsgValue::as_u64)
                    .unwrap_or(0) as usize;
                let end = (*pos + length).min(data.len());
                let chunk = data[*pos..end].to_vec();
                *pos = end;
                Ok(MsgValue::Binary(chunk))
            }
            (TransferState::Download { .. }, "update_read_file_close") => Ok(MsgValue::Nil),
            (_, other) => Err(format!(
                "not supported yet by oxbot: worker op {other} for this command"
            )),
        }
    }

    /// Removes what an unfinished upload left behind.
    fn discard(self) {
        match self {
            TransferState::Upload {
                file: Some(_), tmp, ..
            }
            | TransferState::UploadDirectory {
                file: Some(_), tmp, ..
            } => {
                let _ = std::fs::remove_file(tmp);
            }
            _ => {}
        }
    }
}

/// Events of one running command, fed by the reader loop.
enum CommandEvent {
    Update(Vec<(String, Value)>),
    Complete(Option<String>),
}

/// An attached worker.
pub struct WorkerConnection {
    name: String,
    workerid: i64,
    max_builds: Option<u32>,
    out: mpsc::UnboundedSender<Outgoing>,
    next_seq: AtomicU64,
    pending: Mutex<HashMap<u64, oneshot::Sender<Result<Value, String>>>>,
    commands: Mutex<HashMap<String, mpsc::Sender<CommandEvent>>>,
    transfers: Mutex<HashMap<String, TransferState>>,
    info: Mutex<Map<String, Value>>,
    builder_dirs: Mutex<HashMap<String, String>>,
    lost: AtomicBool,
    lost_signal: watch::Sender<bool>,
}

impl std::fmt::Debug for WorkerConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkerConnection")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl WorkerConnection {
    /// Starts the reader and writer of a new connection. The returned future ends when the
    /// connection is lost.
    pub fn start<S, R>(
        name: &str,
        workerid: i64,
        max_builds: Option<u32>,
        sink: S,
        stream: R,
    ) -> (Arc<WorkerConnection>, tokio::task::JoinHandle<()>)
    where
        S: Sink<Outgoing> + Send + Unpin + 'static,
        S::Error: std::fmt::Display,
        R: Stream<Item = Result<Vec<u8>, String>> + Send + Unpin + 'static,
    {
        let (out, mut out_rx) = mpsc::unbounded_channel::<Outgoing>();
        let (lost_signal, _) = watch::channel(false);
        let conn = Arc::new(WorkerConnection {
            name: name.to_owned(),
            workerid,
            max_builds,
            out,
            next_seq: AtomicU64::new(0),
            pending: Mutex::new(HashMap::new()),
            commands: Mutex::new(HashMap::new()),
            transfers: Mutex::new(HashMap::new()),
            info: Mutex::new(Map::new()),
            builder_dirs: Mutex::new(HashMap::new()),
            lost: AtomicBool::new(false),
            lost_signal,
        });
        let mut sink = sink;
        tokio::spawn(async move {
            while let Some(frame) = out_rx.recv().await {
                let closing = matches!(frame, Outgoing::Close);
                if let Err(err) = sink.send(frame).await {
                    debug!(cause = %err, "worker connection closed while sending");
                    break;
                }
                if closing {
                    break;
                }
            }
        });
        let reader = conn.clone();
        let task = tokio::spawn(async move {
            let mut stream = stream;
            while let Some(frame) = stream.next().await {
                match frame {
                    Ok(bytes) => reader.handle_frame(&bytes).await,
                    Err(err) => {
                        debug!(cause = %err, "worker connection read failed");
                        break;
                    }
                }
            }
            reader.connection_lost("connection closed");
        });
        (conn, task)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn workerid(&self) -> i64 {
        self.workerid
    }

    pub fn max_builds(&self) -> Option<u32> {
        self.max_builds
    }

    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Resolves once the connection is lost.
    pub async fn wait_lost(&self) {
        let mut rx = self.lost_signal.subscribe();
        let _ = rx.wait_for(|lost| *lost).await;
    }

    /// The worker info dict `get_worker_info` returned.
    pub fn info(&self) -> Map<String, Value> {
        self.info.lock().expect("conn lock").clone()
    }

    /// The worker's properties for builds: `workername` and the worker's `basedir`, as
    /// Buildbot sets them.
    pub fn properties(&self) -> Vec<(String, Value)> {
        let mut props = vec![("workername".to_owned(), Value::from(self.name.clone()))];
        if let Some(basedir) = self.info().get("basedir").cloned() {
            props.push(("basedir".to_owned(), basedir));
        }
        props
    }

    /// The absolute directory of a builder on this worker.
    pub fn builder_dir(&self, builder: &str) -> String {
        self.builder_dirs
            .lock()
            .expect("conn lock")
            .get(builder)
            .cloned()
            .unwrap_or_default()
    }

    fn connection_lost(&self, why: &str) {
        if self.lost.swap(true, Ordering::SeqCst) {
            return;
        }
        self.lost_signal.send_replace(true);
        for (_, waiter) in self.pending.lock().expect("conn lock").drain() {
            let _ = waiter.send(Err(format!("worker lost: {why}")));
        }
        // Dropping the command senders ends each running command with WorkerLost.
        self.commands.lock().expect("conn lock").clear();
    }

    fn send(&self, message: &Message) {
        let _ = self.out.send(Outgoing::Frame(oxbot_proto::encode(message)));
    }

    /// Sends a request and waits for its response.
    async fn request(&self, op: &str, fields: Vec<(&str, Value)>) -> Result<Value, RemoteError> {
        if self.is_lost() {
            return Err(RemoteError::WorkerLost(self.name.clone()));
        }
        let seq = self.next_seq.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = oneshot::channel();
        self.pending.lock().expect("conn lock").insert(seq, tx);
        self.send(&request_message(op, seq, fields));
        match rx.await {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(text)) if self.is_lost() => Err(RemoteError::WorkerLost(text)),
            Ok(Err(text)) => Err(RemoteError::Failure(text)),
            Err(_) => Err(RemoteError::WorkerLost(self.name.clone())),
        }
    }

    /// Closes the connection with an empty close frame (duplicate-connection rejection).
    pub fn close(&self) {
        let _ = self.out.send(Outgoing::Close);
    }

    pub async fn print(&self, message: &str) -> Result<(), RemoteError> {
        self.request("print", vec![("message", Value::from(message))])
            .await
            .map(|_| ())
    }

    /// Buildbot's ping before a build: `print "ping"`.
    pub async fn ping(&self) -> Result<(), RemoteError> {
        self.print("ping").await
    }

    pub async fn keepalive(&self) -> Result<(), RemoteError> {
        self.request("keepalive", vec![]).await.map(|_| ())
    }

    pub async fn shutdown(&self) -> Result<(), RemoteError> {
        self.request("shutdown", vec![]).await.map(|_| ())
    }

    /// The attach sequence: `print attached`, `get_worker_info`, `set_worker_settings`, then
    /// the builder directories (`listdir`, leftover cleanup, `mkdir`), then `print attached`
    /// once per builder, all at once.
    pub async fn attach(&self, builders: &[(String, String)]) -> Result<(), RemoteError> {
        self.print("attached").await?;
        let info = self.request("get_worker_info", vec![]).await?;
        let Value::Object(info) = info else {
            return Err(RemoteError::Failure("worker info is not a dict".to_owned()));
        };
        *self.info.lock().expect("conn lock") = info;
        self.set_builder_list(builders).await?;
        // Sent together, as Buildbot attaches the builders: one round trip, not one each.
        futures_util::future::try_join_all(builders.iter().map(|_| self.print("attached"))).await?;
        Ok(())
    }

    async fn set_builder_list(&self, builders: &[(String, String)]) -> Result<(), RemoteError> {
        let mut settings = Map::new();
        settings.insert("newline_re".into(), Value::from(NEWLINE_RE));
        settings.insert("max_line_length".into(), Value::from(4096));
        settings.insert("buffer_timeout".into(), Value::from(5));
        settings.insert("buffer_size".into(), Value::from(65536));
        self.request(
            "set_worker_settings",
            vec![("args", Value::Object(settings))],
        )
        .await?;

        let info = self.info();
        let basedir = info
            .get("basedir")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let windows = info.get("system").and_then(Value::as_str) == Some("nt");
        let join = |dir: &str| join_worker_path(&basedir, dir, windows);
        {
            let mut dirs = self.builder_dirs.lock().expect("conn lock");
            dirs.clear();
            for (name, builddir) in builders {
                dirs.insert(name.clone(), join(builddir));
            }
        }
        let mut wanted: Vec<String> = builders.iter().map(|(_, d)| d.clone()).collect();
        wanted.push("info".to_owned());
        let listing = self
            .raw_command(
                next_command_id(),
                None,
                "listdir",
                json_map(&[("path", Value::from(basedir.clone()))]),
                None,
            )
            .await?;
        let files: Vec<String> = listing
            .last_update("files")
            .and_then(Value::as_array)
            .map(|f| {
                f.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let delete_leftovers = info
            .get("delete_leftover_dirs")
            .is_some_and(crate::process::properties::is_truthy);
        let mut to_remove = Vec::new();
        if delete_leftovers {
            for file in files.iter().filter(|f| !wanted.contains(f)) {
                let path = join(file);
                let stat = self
                    .raw_command(
                        next_command_id(),
                        None,
                        "stat",
                        json_map(&[("path", Value::from(path.clone()))]),
                        None,
                    )
                    .await?;
                let mode = stat
                    .last_update("stat")
                    .and_then(|s| s.get(0))
                    .and_then(Value::as_u64);
                if mode.is_some_and(|m| m & 0o170_000 == 0o040_000) {
                    to_remove.push(Value::from(path));
                }
            }
        }
        if !to_remove.is_empty() {
            self.raw_command(
                next_command_id(),
                None,
                "rmdir",
                json_map(&[("paths", Value::Array(to_remove))]),
                None,
            )
            .await?;
        }
        let mut missing: Vec<String> = wanted
            .iter()
            .filter(|d| !files.contains(d))
            .map(|d| join(d))
            .collect();
        missing.sort();
        missing.dedup();
        if !missing.is_empty() {
            let paths = missing.into_iter().map(Value::from).collect();
            self.raw_command(
                next_command_id(),
                None,
                "mkdir",
                json_map(&[("paths", Value::Array(paths))]),
                None,
            )
            .await?;
        }
        Ok(())
    }

    /// Runs a remote command for a builder: makes its paths absolute (as Buildbot's msgpack
    /// `remoteStartCommand`), streams its output into `updates`, and interrupts it when `stop`
    /// gets a request.
    pub async fn run_command(
        &self,
        builder: &str,
        cmd: RemoteCommand,
        updates: mpsc::Sender<CommandUpdate>,
        stop: watch::Receiver<Option<StopRequest>>,
    ) -> Result<CommandOutcome, RemoteError> {
        let mut cmd = cmd;
        let transfer = cmd.transfer.take();
        let (name, args) = self.absolute_args(builder, cmd);
        let Some(transfer) = transfer else {
            return self
                .raw_command(
                    next_command_id(),
                    Some(builder),
                    &name,
                    args,
                    Some((updates, stop)),
                )
                .await;
        };
        let command_id = next_command_id();
        let state = TransferState::open(transfer, &command_id).map_err(|e| {
            RemoteError::Failure(format!(
                "cannot open the master's side of the transfer: {e}"
            ))
        })?;
        self.transfers
            .lock()
            .expect("conn lock")
            .insert(command_id.clone(), state);
        let result = self
            .raw_command(
                command_id.clone(),
                Some(builder),
                &name,
                args,
                Some((updates, stop)),
            )
            .await;
        if let Some(state) = self
            .transfers
            .lock()
            .expect("conn lock")
            .remove(&command_id)
        {
            state.discard();
        }
        result
    }

    fn absolute_args(&self, builder: &str, cmd: RemoteCommand) -> (String, Map<String, Value>) {
        let info = self.info();
        let windows = info.get("system").and_then(Value::as_str) == Some("nt");
        let base = self.builder_dir(builder);
        let join = |rel: &str| join_worker_path(&base, rel, windows);
        let home = info
            .get("environ")
            .and_then(|e| e.get(if windows { "USERPROFILE" } else { "HOME" }))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let expand = |p: &str| match (p.strip_prefix('~'), &home) {
            (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
                format!("{home}{rest}")
            }
            _ => p.to_owned(),
        };
        let str_of = |args: &Map<String, Value>, key: &str| {
            args.get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let mut name = cmd.name;
        let mut args = cmd.args;
        match name.as_str() {
            "mkdir" | "rmdir" => {
                let paths = match args.remove("dir") {
                    Some(Value::Array(dirs)) => dirs
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|d| Value::from(join(d)))
                        .collect(),
                    Some(Value::String(dir)) => vec![Value::from(join(&dir))],
                    _ => vec![],
                };
                args.insert("paths".into(), Value::Array(paths));
            }
            "cpdir" => {
                let from = join(&str_of(&args, "fromdir"));
                let to = join(&str_of(&args, "todir"));
                args.remove("fromdir");
                args.remove("todir");
                args.insert("from_path".into(), Value::from(from));
                args.insert("to_path".into(), Value::from(to));
            }
            "stat" => {
                let path = join(&join_rel(&str_of(&args, "workdir"), &str_of(&args, "file")));
                args.remove("file");
                args.insert("path".into(), Value::from(path));
            }
            "glob" => {
                let path = join(&str_of(&args, "path"));
                args.insert("path".into(), Value::from(path));
            }
            "listdir" => {
                let path = join(&str_of(&args, "dir"));
                args.remove("dir");
                args.insert("path".into(), Value::from(path));
            }
            "rmfile" => {
                let path = join(&expand(&str_of(&args, "path")));
                args.insert("path".into(), Value::from(path));
            }
            "shell" => {
                let workdir = join(&str_of(&args, "workdir"));
                args.insert("workdir".into(), Value::from(workdir));
            }
            "uploadFile" | "uploadDirectory" | "downloadFile" => {
                let key = if name == "downloadFile" {
                    "workerdest"
                } else {
                    "workersrc"
                };
                let path = join(&join_rel(
                    &str_of(&args, "workdir"),
                    &expand(&str_of(&args, key)),
                ));
                args.insert("path".into(), Value::from(path));
                let renamed = match name.as_str() {
                    "uploadFile" => "upload_file",
                    "uploadDirectory" => "upload_directory",
                    _ => "download_file",
                };
                renamed.clone_into(&mut name);
            }
            _ => {}
        }
        for key in ["want_stdout", "want_stderr"] {
            if let Some(v) = args.get(key) {
                let on = v.as_bool().unwrap_or_else(|| v.as_i64() == Some(1));
                args.insert(key.into(), Value::Bool(on));
            }
        }
        (name, args)
    }

    async fn raw_command(
        &self,
        command_id: String,
        builder: Option<&str>,
        name: &str,
        args: Map<String, Value>,
        stream: Option<(
            mpsc::Sender<CommandUpdate>,
            watch::Receiver<Option<StopRequest>>,
        )>,
    ) -> Result<CommandOutcome, RemoteError> {
        let (tx, mut events) = mpsc::channel(UPDATES_IN_FLIGHT);
        // Registered before start_command: updates may overtake its response.
        self.commands
            .lock()
            .expect("conn lock")
            .insert(command_id.clone(), tx);
        let mut fields = vec![
            ("command_id", Value::from(command_id.clone())),
            ("command_name", Value::from(name)),
            ("args", Value::Object(args)),
        ];
        if let Some(builder) = builder {
            fields.push(("builder_name", Value::from(builder)));
        }
        let (updates, mut stop) = match stream {
            Some((u, s)) => (Some(u), Some(s)),
            None => (None, None),
        };
        let start = self.request("start_command", fields);
        tokio::pin!(start);
        let mut started = false;
        let mut outcome = CommandOutcome::default();
        let mut interrupt_sent = false;
        loop {
            tokio::select! {
                result = &mut start, if !started => {
                    started = true;
                    if let Err(err) = result {
                        self.commands.lock().expect("conn lock").remove(&command_id);
                        return Err(err);
                    }
                }
                event = events.recv() => match event {
                    Some(CommandEvent::Update(pairs)) => {
                        for (key, value) in pairs {
                            let update = apply_update(&mut outcome, key, value);
                            if let (Some(update), Some(updates)) = (update, &updates) {
                                // Waits while the step is storing earlier output; an error
                                // means the step no longer listens.
                                let _ = updates.send(update).await;
                            }
                        }
                    }
                    Some(CommandEvent::Complete(failure)) => {
                        self.commands.lock().expect("conn lock").remove(&command_id);
                        if !started {
                            let _ = (&mut start).await;
                        }
                        return match failure {
                            Some(text) => Err(RemoteError::Failure(text)),
                            None => Ok(outcome),
                        };
                    }
                    None => return Err(RemoteError::WorkerLost(self.name.clone())),
                },
                changed = async { match stop.as_mut() { Some(s) => s.changed().await, None => std::future::pending().await } }, if !interrupt_sent => {
                    if changed.is_err() { interrupt_sent = true; continue; }
                    let why = stop.as_ref().and_then(|s| s.borrow().as_ref().map(|r| r.reason.clone()));
                    if let Some(why) = why {
                        interrupt_sent = true;
                        outcome.interrupted = true;
                        let mut fields = vec![
                            ("command_id", Value::from(command_id.clone())),
                            ("why", Value::from(why)),
                        ];
                        if let Some(builder) = builder {
                            fields.push(("builder_name", Value::from(builder)));
                        }
                        // The reply is not awaited here: the command's own completion follows.
                        let seq = self.next_seq.fetch_add(1, Ordering::SeqCst);
                        self.send(&request_message("interrupt_command", seq, fields));
                    }
                }
            }
        }
    }

    /// Handles one frame from the worker; waits while the command it updates has
    /// [`UPDATES_IN_FLIGHT`] updates not yet taken.
    async fn handle_frame(&self, bytes: &[u8]) {
        let message = match oxbot_proto::decode(bytes) {
            Ok(m) => m,
            Err(err) => {
                warn!(worker = %self.name, cause = %err, "undecodable frame from worker");
                return;
            }
        };
        let op = message.op().to_owned();
        let Some(seq) = message.seq_number() else {
            warn!(worker = %self.name, op, "message without seq_number dropped");
            return;
        };
        if op == "response" {
            let waiter = self.pending.lock().expect("conn lock").remove(&seq);
            if let Some(waiter) = waiter {
                let result = message
                    .get("result")
                    .map_or(Value::Null, oxbot_proto::to_json);
                let _ = waiter.send(if message.is_exception() {
                    Err(crate::process::properties::display_value(&result))
                } else {
                    Ok(result)
                });
            }
            return;
        }
        let command_id = message
            .get("command_id")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        let sender = command_id
            .as_ref()
            .and_then(|id| self.commands.lock().expect("conn lock").get(id).cloned());
        let reply: Result<MsgValue, String> = match (op.as_str(), sender) {
            (_, None) if command_id.is_none() => {
                Err("message did not contain obligatory \"command_id\" key".to_owned())
            }
            (_, None) => Err("unknown \"command_id\"".to_owned()),
            (transfer_op, Some(_))
                if transfer_op.starts_with("update_upload_")
                    || transfer_op.starts_with("update_read_file") =>
            {
                let id = command_id.clone().unwrap_or_default();
                match self.transfers.lock().expect("conn lock").get_mut(&id) {
                    Some(state) => state.handle(transfer_op, &message),
                    None => Err(format!("command {id} has no file transfer")),
                }
            }
            ("update", Some(sender)) => {
                let pairs = message
                    .get("args")
                    .map(oxbot_proto::update_pairs)
                    .unwrap_or_default();
                let _ = sender.send(CommandEvent::Update(pairs)).await;
                Ok(MsgValue::Nil)
            }
            ("complete", Some(sender)) => {
                let failure = message
                    .get("args")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned);
                let _ = sender.send(CommandEvent::Complete(failure)).await;
                Ok(MsgValue::Nil)
            }
            (other, Some(_)) => Err(format!("not supported yet by oxbot: worker op {other}")),
        };
        let response = match reply {
            Ok(value) => Message::response(seq, value, false),
            Err(text) => Message::response(seq, MsgValue::from(text), true),
        };
        self.send(&response);
    }
}

/// Records an update in the outcome; returns what of it goes to the step.
fn apply_update(outcome: &mut CommandOutcome, key: String, value: Value) -> Option<CommandUpdate> {
    // Output comes as `[text, ...]` (or a bare string); the text is moved, not copied.
    let text_of = |v: Value| match v {
        Value::Array(triple) => match triple.into_iter().next() {
            Some(Value::String(s)) => s,
            _ => String::new(),
        },
        Value::String(s) => s,
        _ => String::new(),
    };
    match key.as_str() {
        "stdout" | "stderr" | "header" => {
            let stream = match key.as_str() {
                "stdout" => OutStream::Stdout,
                "stderr" => OutStream::Stderr,
                _ => OutStream::Header,
            };
            Some(CommandUpdate::Output {
                stream,
                text: text_of(value),
            })
        }
        "log" => match value {
            Value::Array(pair) => {
                let mut pair = pair.into_iter();
                let name = match pair.next() {
                    Some(Value::String(name)) => name,
                    _ => String::new(),
                };
                let text = pair.next().map(text_of).unwrap_or_default();
                Some(CommandUpdate::LogFile { name, text })
            }
            _ => None,
        },
        "rc" => {
            let rc = value.as_i64().unwrap_or(-1);
            outcome.rc = Some(rc);
            Some(CommandUpdate::Rc(rc))
        }
        "failure_reason" => {
            outcome.failure_reason = value.as_str().map(str::to_owned);
            None
        }
        _ => {
            outcome.updates.entry(key).or_default().push(value);
            None
        }
    }
}

/// A request whose fields are given as JSON.
fn request_message(op: &str, seq: u64, fields: Vec<(&str, Value)>) -> Message {
    let fields = fields
        .into_iter()
        .map(|(k, v)| (k, oxbot_proto::from_json(&v)))
        .collect();
    Message::request(op, seq, fields)
}

fn json_map(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// Joins two relative path parts ("" is the empty part).
fn join_rel(a: &str, b: &str) -> String {
    // As pathlib's joinpath: an absolute `b` (POSIX, or a Windows drive or root) replaces `a`.
    let absolute = b.starts_with('/') || b.starts_with('\\') || b.get(1..2) == Some(":");
    match (a.is_empty() || absolute, b.is_empty()) {
        (true, _) => b.to_owned(),
        (_, true) => a.to_owned(),
        _ => format!("{a}/{b}"),
    }
}

/// Joins a path on the worker with its own flavour, normalising `.` and doubled separators as
/// Buildbot 4.x's `pathlib` does. An absolute `rel` replaces `base`.
pub fn join_worker_path(base: &str, rel: &str, windows: bool) -> String {
    if windows {
        let joined = if rel.contains(':') || rel.starts_with('\\') {
            rel.to_owned()
        } else {
            format!("{base}\\{}", rel.replace('/', "\\"))
        };
        return joined
            .split('\\')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect::<Vec<_>>()
            .join("\\");
    }
    let path: PathBuf = Path::new(base).join(rel);
    let mut out = PathBuf::new();
    for component in path.components() {
        if component != std::path::Component::CurDir {
            out.push(component);
        }
    }
    out.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_paths_are_normalised() {
        assert_eq!(
            join_worker_path("/w/runtests", "build", false),
            "/w/runtests/build"
        );
        assert_eq!(
            join_worker_path("/w/runtests", "./build//x", false),
            "/w/runtests/build/x"
        );
        assert_eq!(join_worker_path("/w/runtests", "/abs", false), "/abs");
        assert_eq!(join_worker_path("/w/runtests", "", false), "/w/runtests");
        // workdir joined with a file, as pathlib: an absolute file stands alone.
        assert_eq!(join_rel("build", "out/a"), "build/out/a");
        assert_eq!(join_rel("build", "/w/b/out/a"), "/w/b/out/a");
        assert_eq!(join_rel("", "x"), "x");
        assert_eq!(join_rel("build", ""), "build");
    }
}
