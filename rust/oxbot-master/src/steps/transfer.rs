//! File transfers between master and worker (Buildbot's `steps/transfer.py`): `FileUpload`
//! (worker file to the master), `DirectoryUpload` (a worker directory, as a tar stream,
//! unpacked on the master), `MultipleFileUpload` (each source by one or the other, into a
//! master directory), `FileDownload` and `StringDownload` (master file or text to the
//! worker). Paths on the master are relative to the master's directory.

use std::path::{Path, PathBuf};

use oxbot_core::Results;
use serde_json::{Map, Value, json};

use super::arg_str;
use crate::process::remote_command::{CommandOutcome, RemoteCommand, Transfer};
use crate::process::step::{LogHandle, StepContext, StepError};
use oxbot_core::pyrepr::py_repr;

/// How uploads are sent: the arguments the upload steps share.
#[derive(Debug, Clone)]
pub struct UploadArgs {
    workdir: Option<String>,
    maxsize: Option<u64>,
    blocksize: u64,
    /// The mode of uploaded files (`FileUpload`, `MultipleFileUpload`).
    mode: Option<u32>,
    keepstamp: bool,
    /// `None`, `gz` or `bz2` (`DirectoryUpload`, `MultipleFileUpload`).
    compress: Option<String>,
}

/// A transfer step, with its rendered arguments.
#[derive(Debug, Clone)]
pub enum TransferStep {
    Upload {
        workersrc: String,
        masterdest: PathBuf,
        upload: UploadArgs,
        url: Option<(String, String)>,
    },
    UploadDirectory {
        workersrc: String,
        masterdest: PathBuf,
        upload: UploadArgs,
        /// `url` and `urlText`: a link the step shows.
        url: Option<(String, String)>,
    },
    /// `MultipleFileUpload`: each source into the `masterdest` directory.
    UploadMany {
        workersrcs: Vec<String>,
        /// The sources are patterns, expanded by the worker's `glob`.
        glob: bool,
        masterdest: PathBuf,
        upload: UploadArgs,
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
        let compress = arg_str(args, "compress");
        if compress.as_deref().is_some_and(|c| c != "gz" && c != "bz2") {
            return Err(StepError::Config(
                "'compress' must be one of None, 'gz', or 'bz2'".to_owned(),
            ));
        }
        let upload = |default_blocksize: u64| UploadArgs {
            workdir: arg_str(args, "workdir"),
            maxsize: number("maxsize"),
            blocksize: number("blocksize").unwrap_or(default_blocksize),
            mode,
            keepstamp: args
                .get("keepstamp")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            compress: compress.clone(),
        };
        // `url`, shown as `urlText` or the last part of masterdest.
        let url = |masterdest: &str| {
            arg_str(args, "url").map(|url| {
                let text = arg_str(args, "urlText")
                    .unwrap_or_else(|| basename(masterdest.trim_end_matches('/')));
                (text, url)
            })
        };
        Ok(match kind {
            "FileUpload" => {
                let masterdest = required("masterdest")?;
                TransferStep::Upload {
                    workersrc: required("workersrc")?,
                    masterdest: expand_home(&masterdest),
                    upload: upload(256 * 1024),
                    url: url(&masterdest),
                }
            }
            "DirectoryUpload" => {
                let masterdest = required("masterdest")?;
                TransferStep::UploadDirectory {
                    workersrc: required("workersrc")?,
                    masterdest: expand_home(&masterdest),
                    upload: upload(16 * 1024),
                    url: url(&masterdest),
                }
            }
            "MultipleFileUpload" => {
                let workersrcs = match args.get("workersrcs") {
                    Some(Value::Array(items)) => items
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect(),
                    Some(Value::String(one)) => vec![one.clone()],
                    _ => {
                        return Err(StepError::Config(
                            "MultipleFileUpload: argument workersrcs is required".to_owned(),
                        ));
                    }
                };
                let masterdest = required("masterdest")?;
                TransferStep::UploadMany {
                    workersrcs,
                    glob: args.get("glob").and_then(Value::as_bool).unwrap_or(false),
                    masterdest: expand_home(&masterdest),
                    upload: upload(16 * 1024),
                    url: url(&masterdest),
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
            TransferStep::UploadMany {
                workersrcs, glob, ..
            } => (None, (!glob).then(|| uploading_count(workersrcs.len()))),
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

    pub async fn run(&self, ctx: &mut StepContext) -> Result<Results, StepError> {
        let log = ctx.add_log("stdio").await?;
        match self {
            TransferStep::Upload {
                workersrc,
                masterdest,
                upload,
                url,
            } => {
                // Buildbot's FileUpload shows its link before the transfer.
                if let Some((text, url)) = url {
                    ctx.updates.add_step_url(ctx.stepid, text, url).await?;
                }
                upload_file(ctx, &log, upload, workersrc, masterdest).await
            }
            TransferStep::UploadDirectory {
                workersrc,
                masterdest,
                upload,
                url,
            } => {
                if let Some((text, url)) = url {
                    ctx.updates.add_step_url(ctx.stepid, text, url).await?;
                }
                upload_directory(ctx, &log, upload, workersrc, masterdest).await
            }
            TransferStep::UploadMany {
                workersrcs,
                glob,
                masterdest,
                upload,
                url,
            } => {
                let workersrcs = if *glob {
                    let sources = glob_on_worker(ctx, &log, upload, workersrcs).await?;
                    ctx.set_description_done(uploading_count(sources.len()));
                    sources
                } else {
                    workersrcs.clone()
                };
                // Buildbot's MultipleFileUpload.run: stops at the first failed source.
                let mut results = if workersrcs.is_empty() {
                    Results::Skipped
                } else {
                    Results::Success
                };
                for source in &workersrcs {
                    let one = upload_one(ctx, &log, upload, source, masterdest).await?;
                    if one == Results::Failure {
                        results = Results::Failure;
                        break;
                    }
                }
                if let Some((text, url)) = url {
                    ctx.updates.add_step_url(ctx.stepid, text, url).await?;
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
                            // Buildbot's addCompleteLog('stderr', ...), the path as Python's
                            // repr.
                            let shown = Value::from(path.display().to_string());
                            let stderr = ctx.add_log_of_type("stderr", "t").await?;
                            let text =
                                format!("File {} not available at master\n", py_repr(&shown));
                            ctx.append_text(stderr.logid, &text).await?;
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
                Ok(transfer_results(&outcome))
            }
        }
    }
}

/// Buildbot's `decodeRC` for transfers (`{None: SUCCESS, 0: SUCCESS}`).
fn transfer_results(outcome: &CommandOutcome) -> Results {
    if outcome.interrupted {
        Results::Cancelled
    } else if outcome.rc.is_none_or(|rc| rc == 0) {
        Results::Success
    } else {
        Results::Failure
    }
}

/// `MultipleFileUpload`'s done text: "uploading 1 file", "uploading 3 files".
fn uploading_count(n: usize) -> String {
    format!("uploading {n} {}", if n == 1 { "file" } else { "files" })
}

/// Expands each pattern (relative to the workdir) with the worker's `glob` command; the paths
/// it finds are the worker's, absolute (Buildbot's `runGlob`, failures ignored).
async fn glob_on_worker(
    ctx: &mut StepContext,
    log: &LogHandle,
    upload: &UploadArgs,
    patterns: &[String],
) -> Result<Vec<String>, StepError> {
    let workdir = upload
        .workdir
        .clone()
        .unwrap_or_else(|| ctx.default_workdir());
    let mut found = Vec::new();
    for pattern in patterns {
        let path = if pattern.starts_with('/') {
            pattern.clone()
        } else {
            format!("{workdir}/{pattern}")
        };
        let outcome = ctx
            .run_command(RemoteCommand::new("glob", json!({"path": path})), Some(log))
            .await?;
        if let Some(Value::Array(files)) = outcome.last_update("files") {
            found.extend(files.iter().filter_map(Value::as_str).map(str::to_owned));
        }
    }
    Ok(found)
}

/// One `uploadFile` command: the worker's `workersrc` becomes the master's `masterdest`.
async fn upload_file(
    ctx: &mut StepContext,
    log: &LogHandle,
    upload: &UploadArgs,
    workersrc: &str,
    masterdest: &Path,
) -> Result<Results, StepError> {
    let args = json!({
        "workdir": upload.workdir.clone().unwrap_or_else(|| ctx.default_workdir()),
        "workersrc": workersrc,
        "maxsize": upload.maxsize,
        "blocksize": upload.blocksize,
        "keepstamp": upload.keepstamp,
    });
    let transfer = Transfer::Upload {
        dest: masterdest.to_owned(),
        maxsize: upload.maxsize,
        mode: upload.mode,
    };
    let outcome = ctx
        .run_command(
            RemoteCommand::new("uploadFile", args).with_transfer(transfer),
            Some(log),
        )
        .await?;
    let results = transfer_results(&outcome);
    if results >= Results::Failure {
        // Buildbot's FileWriter.purge: a failed upload leaves nothing behind.
        let _ = std::fs::remove_file(masterdest);
    }
    Ok(results)
}

/// One `uploadDirectory` command: the worker's `workersrc` is unpacked into `masterdest`.
async fn upload_directory(
    ctx: &mut StepContext,
    log: &LogHandle,
    upload: &UploadArgs,
    workersrc: &str,
    masterdest: &Path,
) -> Result<Results, StepError> {
    let args = json!({
        "workdir": upload.workdir.clone().unwrap_or_else(|| ctx.default_workdir()),
        "workersrc": workersrc,
        "maxsize": upload.maxsize,
        "blocksize": upload.blocksize,
        "compress": upload.compress,
    });
    let transfer = Transfer::UploadDirectory {
        dest: masterdest.to_owned(),
        maxsize: upload.maxsize,
        compress: upload.compress.clone(),
    };
    let outcome = ctx
        .run_command(
            RemoteCommand::new("uploadDirectory", args).with_transfer(transfer),
            Some(log),
        )
        .await?;
    let results = transfer_results(&outcome);
    if results >= Results::Failure {
        // Buildbot's DirectoryWriter.purge removes the whole destination.
        let _ = std::fs::remove_dir_all(masterdest);
    }
    Ok(results)
}

/// One source of a `MultipleFileUpload` (Buildbot's `startUpload`): `stat` on the worker, then
/// a file or directory upload into `destdir/<basename>`.
async fn upload_one(
    ctx: &mut StepContext,
    log: &LogHandle,
    upload: &UploadArgs,
    source: &str,
    destdir: &Path,
) -> Result<Results, StepError> {
    let workdir = upload
        .workdir
        .clone()
        .unwrap_or_else(|| ctx.default_workdir());
    let masterdest = destdir.join(basename(source));
    let outcome = ctx
        .run_command(
            RemoteCommand::new("stat", json!({"file": source, "workdir": workdir})),
            Some(log),
        )
        .await?;
    let mode = outcome
        .last_update("stat")
        .and_then(|s| s.get(0))
        .and_then(Value::as_u64);
    let problem = match mode {
        _ if outcome.rc != Some(0) => format!("File {workdir}/{source} not available at worker"),
        Some(m) if m & 0o170_000 == 0o040_000 => {
            return upload_directory(ctx, log, upload, source, &masterdest).await;
        }
        Some(m) if m & 0o170_000 == 0o100_000 => {
            return upload_file(ctx, log, upload, source, &masterdest).await;
        }
        _ => format!("{source} is neither a regular file, nor a directory"),
    };
    // Buildbot's addCompleteLog('stderr', msg).
    let stderr = ctx.add_log_of_type("stderr", "t").await?;
    ctx.append_text(stderr.logid, &format!("{problem}\n"))
        .await?;
    Ok(Results::Failure)
}
