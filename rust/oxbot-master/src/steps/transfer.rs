//! File transfers between master and worker (Buildbot's `steps/transfer.py`): `FileUpload`
//! (worker file to the master), `DirectoryUpload` (a worker directory, as a tar stream,
//! unpacked on the master), `FileDownload` and `StringDownload` (master file or text to the
//! worker). Paths on the master are relative to the master's directory.

use std::path::{Path, PathBuf};

use oxbot_core::Results;
use serde_json::{Map, Value, json};

use super::arg_str;
use crate::process::remote_command::{CommandOutcome, RemoteCommand, Transfer};
use crate::process::step::{StepContext, StepError};

/// A transfer step, with its rendered arguments.
#[derive(Debug, Clone)]
pub enum TransferStep {
    Upload {
        workersrc: String,
        masterdest: PathBuf,
        workdir: Option<String>,
        maxsize: Option<u64>,
        blocksize: u64,
        mode: Option<u32>,
        keepstamp: bool,
    },
    UploadDirectory {
        workersrc: String,
        masterdest: PathBuf,
        workdir: Option<String>,
        maxsize: Option<u64>,
        blocksize: u64,
        compress: Option<String>,
        /// `url` and `urlText`: a link the step shows.
        url: Option<(String, String)>,
    },
    Download {
        source: DownloadSource,
        workerdest: String,
        workdir: Option<String>,
        maxsize: Option<u64>,
        blocksize: u64,
        mode: Option<u32>,
    },
}

/// What a download sends.
#[derive(Debug, Clone)]
pub enum DownloadSource {
    /// A file on the master (`FileDownload(mastersrc=...)`).
    MasterFile(PathBuf),
    /// Text (`StringDownload(s=...)`).
    Text(String),
}

/// `~` at the start of a master path is the master user's home, as Python's `expanduser`.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix('~'), std::env::home_dir()) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            home.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(path),
    }
}

fn basename(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned())
}

impl TransferStep {
    pub fn from_args(kind: &str, args: &Map<String, Value>) -> Result<TransferStep, StepError> {
        let required = |name: &str| {
            arg_str(args, name)
                .ok_or_else(|| StepError::Config(format!("{kind}: argument {name} is required")))
        };
        let number = |name: &str| args.get(name).and_then(Value::as_u64);
        let mode = number("mode").map(|m| m as u32);
        Ok(match kind {
            "FileUpload" => TransferStep::Upload {
                workersrc: required("workersrc")?,
                masterdest: expand_home(&required("masterdest")?),
                workdir: arg_str(args, "workdir"),
                maxsize: number("maxsize"),
                blocksize: number("blocksize").unwrap_or(256 * 1024),
                mode,
                keepstamp: args
                    .get("keepstamp")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            },
            "DirectoryUpload" => {
                let masterdest = required("masterdest")?;
                let compress = arg_str(args, "compress");
                if compress.as_deref().is_some_and(|c| c != "gz" && c != "bz2") {
                    return Err(StepError::Config(
                        "'compress' must be one of None, 'gz', or 'bz2'".to_owned(),
                    ));
                }
                let url = arg_str(args, "url").map(|url| {
                    let text = arg_str(args, "urlText")
                        .unwrap_or_else(|| basename(masterdest.trim_end_matches('/')));
                    (text, url)
                });
                TransferStep::UploadDirectory {
                    workersrc: required("workersrc")?,
                    masterdest: expand_home(&masterdest),
                    workdir: arg_str(args, "workdir"),
                    maxsize: number("maxsize"),
                    blocksize: number("blocksize").unwrap_or(16 * 1024),
                    compress,
                    url,
                }
            }
            "FileDownload" | "StringDownload" => {
                let source = if kind == "FileDownload" {
                    DownloadSource::MasterFile(expand_home(&required("mastersrc")?))
                } else {
                    DownloadSource::Text(required("s")?)
                };
                TransferStep::Download {
                    source,
                    workerdest: required("workerdest")?,
                    workdir: arg_str(args, "workdir"),
                    maxsize: number("maxsize"),
                    blocksize: number("blocksize").unwrap_or(16 * 1024),
                    mode,
                }
            }
            other => return Err(StepError::Unsupported(format!("step {other}"))),
        })
    }

    pub fn descriptions(&self) -> (Option<String>, Option<String>) {
        match self {
            TransferStep::UploadDirectory { workersrc, .. } => {
                (None, Some(format!("uploading {}", basename(workersrc))))
            }
            TransferStep::Upload { workersrc, .. } => {
                let text = format!("uploading {}", basename(workersrc));
                (Some(text.clone()), Some(text))
            }
            TransferStep::Download { workerdest, .. } => (
                None,
                Some(format!("downloading to {}", basename(workerdest))),
            ),
        }
    }

    /// Buildbot's `decodeRC` for transfers (`{None: SUCCESS, 0: SUCCESS}`).
    fn results(outcome: &CommandOutcome) -> Results {
        if outcome.interrupted {
            Results::Cancelled
        } else if outcome.rc.is_none_or(|rc| rc == 0) {
            Results::Success
        } else {
            Results::Failure
        }
    }

    pub async fn run(&self, ctx: &mut StepContext) -> Result<Results, StepError> {
        let log = ctx.add_log("stdio").await?;
        match self {
            TransferStep::Upload {
                workersrc,
                masterdest,
                workdir,
                maxsize,
                blocksize,
                mode,
                keepstamp,
            } => {
                let args = json!({
                    "workdir": workdir.clone().unwrap_or_else(|| ctx.default_workdir()),
                    "workersrc": workersrc,
                    "maxsize": maxsize,
                    "blocksize": blocksize,
                    "keepstamp": keepstamp,
                });
                let transfer = Transfer::Upload {
                    dest: masterdest.clone(),
                    maxsize: *maxsize,
                    mode: *mode,
                };
                let outcome = ctx
                    .run_command(
                        RemoteCommand::new("uploadFile", args).with_transfer(transfer),
                        Some(&log),
                    )
                    .await?;
                let results = Self::results(&outcome);
                if results >= Results::Failure {
                    // Buildbot's FileWriter.purge: a failed upload leaves nothing behind.
                    let _ = std::fs::remove_file(masterdest);
                }
                Ok(results)
            }
            TransferStep::UploadDirectory {
                workersrc,
                masterdest,
                workdir,
                maxsize,
                blocksize,
                compress,
                url,
            } => {
                if let Some((text, url)) = url {
                    ctx.updates.add_step_url(ctx.stepid, text, url).await?;
                }
                let args = json!({
                    "workdir": workdir.clone().unwrap_or_else(|| ctx.default_workdir()),
                    "workersrc": workersrc,
                    "maxsize": maxsize,
                    "blocksize": blocksize,
                    "compress": compress,
                });
                let transfer = Transfer::UploadDirectory {
                    dest: masterdest.clone(),
                    maxsize: *maxsize,
                    compress: compress.clone(),
                };
                let outcome = ctx
                    .run_command(
                        RemoteCommand::new("uploadDirectory", args).with_transfer(transfer),
                        Some(&log),
                    )
                    .await?;
                let results = Self::results(&outcome);
                if results >= Results::Failure {
                    // Buildbot's DirectoryWriter.purge removes the whole destination.
                    let _ = std::fs::remove_dir_all(masterdest);
                }
                Ok(results)
            }
            TransferStep::Download {
                source,
                workerdest,
                workdir,
                maxsize,
                blocksize,
                mode,
            } => {
                let data = match source {
                    DownloadSource::Text(text) => text.clone().into_bytes(),
                    DownloadSource::MasterFile(path) => {
                        let Ok(data) = std::fs::read(path) else {
                            // Buildbot writes this to a `stderr` log; here it is the stdio
                            // log's stderr stream.
                            let text =
                                format!("eFile '{}' not available at master\n", path.display());
                            ctx.append_text(log.logid, &text).await?;
                            return Ok(Results::Failure);
                        };
                        data
                    }
                };
                let args = json!({
                    "workdir": workdir.clone().unwrap_or_else(|| ctx.default_workdir()),
                    "workerdest": workerdest,
                    "maxsize": maxsize,
                    "blocksize": blocksize,
                    "mode": mode,
                });
                let outcome = ctx
                    .run_command(
                        RemoteCommand::new("downloadFile", args)
                            .with_transfer(Transfer::Download { data }),
                        Some(&log),
                    )
                    .await?;
                Ok(Self::results(&outcome))
            }
        }
    }
}
