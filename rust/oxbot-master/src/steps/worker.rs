//! Steps made of one filesystem command on the worker (Buildbot's `steps/worker.py`):
//! `MakeDirectory`, `RemoveDirectory`, `CopyDirectory`, `FileExists`.

use oxbot_core::Results;
use serde_json::{Map, Value, json};

use super::arg_str;
use crate::process::remote_command::RemoteCommand;
use crate::process::step::{StepContext, StepError};

/// A filesystem step, with its rendered arguments.
#[derive(Debug, Clone)]
pub enum WorkerFsStep {
    MakeDirectory { dir: String },
    RemoveDirectory { dir: String },
    CopyDirectory { src: String, dest: String },
    FileExists { file: String },
}

fn required(args: &Map<String, Value>, kind: &str, name: &str) -> Result<String, StepError> {
    arg_str(args, name)
        .ok_or_else(|| StepError::Config(format!("{kind}: argument {name} is required")))
}

/// Reads the step's own argument, given by keyword or as the first positional argument.
fn first(args: &Map<String, Value>, kind: &str, name: &str) -> Result<String, StepError> {
    required(args, kind, name).or_else(|_| {
        args.get("args")
            .and_then(|a| a.get(0))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| StepError::Config(format!("{kind}: argument {name} is required")))
    })
}

impl WorkerFsStep {
    pub fn from_args(kind: &str, args: &Map<String, Value>) -> Result<WorkerFsStep, StepError> {
        Ok(match kind {
            "MakeDirectory" => WorkerFsStep::MakeDirectory {
                dir: first(args, kind, "dir")?,
            },
            "RemoveDirectory" => WorkerFsStep::RemoveDirectory {
                dir: first(args, kind, "dir")?,
            },
            "CopyDirectory" => WorkerFsStep::CopyDirectory {
                src: required(args, kind, "src")?,
                dest: required(args, kind, "dest")?,
            },
            "FileExists" => WorkerFsStep::FileExists {
                file: first(args, kind, "file")?,
            },
            other => return Err(StepError::Unsupported(format!("step {other}"))),
        })
    }

    /// Buildbot's `description` / `descriptionDone` for the kind.
    pub fn descriptions(&self) -> (Option<String>, Option<String>) {
        let (d, done) = match self {
            WorkerFsStep::MakeDirectory { .. } => ("Creating", "Created"),
            WorkerFsStep::RemoveDirectory { .. } => ("Deleting", "Deleted"),
            WorkerFsStep::CopyDirectory { .. } => ("Copying", "Copied"),
            WorkerFsStep::FileExists { .. } => return (None, None),
        };
        (Some(d.to_owned()), Some(done.to_owned()))
    }

    /// Buildbot 4.3 runs these commands without a log: the step shows no `stdio`.
    pub async fn run(&self, ctx: &mut StepContext) -> Result<Results, StepError> {
        let (command, args) = match self {
            WorkerFsStep::MakeDirectory { dir } => ("mkdir", json!({"dir": dir})),
            WorkerFsStep::RemoveDirectory { dir } => ("rmdir", json!({"dir": dir})),
            WorkerFsStep::CopyDirectory { src, dest } => {
                ("cpdir", json!({"fromdir": src, "todir": dest}))
            }
            WorkerFsStep::FileExists { file } => ("stat", json!({"file": file})),
        };
        let outcome = ctx
            .run_command(RemoteCommand::new(command, args), None)
            .await?;
        if outcome.interrupted {
            return Ok(Results::Cancelled);
        }
        let ok = outcome.rc == Some(0);
        Ok(match self {
            WorkerFsStep::MakeDirectory { .. } if !ok => {
                ctx.set_description_done("Create failed.");
                Results::Failure
            }
            WorkerFsStep::RemoveDirectory { .. } if !ok => {
                ctx.set_description_done("Delete failed.");
                Results::Failure
            }
            WorkerFsStep::CopyDirectory { src, dest } => {
                if ok {
                    ctx.set_description_done(format!("Copied {src} to {dest}"));
                    Results::Success
                } else {
                    ctx.set_description_done(format!("Copying {src} to {dest} failed."));
                    Results::Failure
                }
            }
            WorkerFsStep::FileExists { .. } => {
                let mode = outcome
                    .last_update("stat")
                    .and_then(|s| s.get(0))
                    .and_then(Value::as_u64);
                match mode {
                    Some(m) if ok && m & 0o170_000 == 0o100_000 => {
                        ctx.set_description_done("File found.");
                        Results::Success
                    }
                    Some(_) if ok => {
                        ctx.set_description_done("Not a file.");
                        Results::Failure
                    }
                    _ => {
                        ctx.set_description_done("File not found.");
                        Results::Failure
                    }
                }
            }
            _ => Results::Success,
        })
    }
}
