//! Remote commands as the engine sees them (Buildbot's `process/remotecommand.py`): a command
//! name with PB-style arguments relative to the builder directory, the updates it streams back,
//! and how it ended. The worker connection turns them into protocol messages.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// A command to run on a worker, e.g. `shell` with `{"command": [...], "workdir": "build"}`.
///
/// Paths in `args` (`workdir`, `dir`, `file`...) are relative to the builder directory on the
/// worker, as in Buildbot's PB protocol; the connection makes them absolute.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteCommand {
    pub name: String,
    pub args: Map<String, Value>,
    /// The master's end of a file transfer, for `uploadFile` and `downloadFile`.
    pub transfer: Option<Transfer>,
}

/// The master's end of a file transfer (Buildbot's `remotetransfer.FileWriter`/`FileReader`).
#[derive(Debug, Clone, PartialEq)]
pub enum Transfer {
    /// The worker sends a file; the master writes it to `dest` (at most `maxsize` bytes) and
    /// gives it `mode`.
    Upload {
        dest: std::path::PathBuf,
        maxsize: Option<u64>,
        mode: Option<u32>,
    },
    /// The master sends `data` to the worker.
    Download { data: Vec<u8> },
    /// The worker sends a directory as a tar stream (`compress`: `None`, `gz` or `bz2`); the
    /// master keeps at most `maxsize` bytes of it and unpacks it into `dest`.
    UploadDirectory {
        dest: std::path::PathBuf,
        maxsize: Option<u64>,
        compress: Option<String>,
    },
}

impl RemoteCommand {
    pub fn new(name: &str, args: Value) -> RemoteCommand {
        let args = match args {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        RemoteCommand {
            name: name.to_owned(),
            args,
            transfer: None,
        }
    }

    /// The same command with the master's end of a file transfer.
    #[must_use]
    pub fn with_transfer(mut self, transfer: Transfer) -> RemoteCommand {
        self.transfer = Some(transfer);
        self
    }
}

/// One piece of what a running command reports.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandUpdate {
    /// Whole lines of output (each ends with `\n`) on a stream of the `stdio` log.
    Output { stream: Stream, text: String },
    /// Whole lines of a watched logfile (`logfiles=`).
    LogFile { name: String, text: String },
    /// The exit code, in stream order (the log gets Buildbot's `program finished` header here).
    Rc(i64),
}

/// The streams of a `stdio` log; the letters are Buildbot's line prefixes in stored logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
    Header,
}

impl Stream {
    /// Buildbot's one-letter prefix for lines of this stream in a stored `s` log.
    pub fn prefix(self) -> char {
        match self {
            Stream::Stdout => 'o',
            Stream::Stderr => 'e',
            Stream::Header => 'h',
        }
    }
}

/// How a remote command ended.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommandOutcome {
    /// The exit code the worker reported, if any.
    pub rc: Option<i64>,
    /// The command was interrupted (the step was stopped).
    pub interrupted: bool,
    /// `failure_reason` if the worker sent one (`timeout`, `timeout_without_output`...).
    pub failure_reason: Option<String>,
    /// Every other update key, in arrival order (`files`, `stat`, `elapsed`...).
    pub updates: HashMap<String, Vec<Value>>,
}

impl CommandOutcome {
    /// Whether the command succeeded by Buildbot's default `decodeRC` (`{0: SUCCESS}`).
    pub fn succeeded(&self) -> bool {
        !self.interrupted && self.rc == Some(0)
    }

    /// The last value of an update key, as Buildbot steps read `cmd.updates[key][-1]`.
    pub fn last_update(&self, key: &str) -> Option<&Value> {
        self.updates.get(key).and_then(|values| values.last())
    }
}

/// Why a remote command could not run to its end.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RemoteError {
    /// The worker connection was lost (Buildbot: the build ends RETRY).
    #[error("worker lost: {0}")]
    WorkerLost(String),
    /// The worker reported an exception (unknown command, bad arguments, a Python traceback).
    #[error("remote failure: {0}")]
    Failure(String),
}
