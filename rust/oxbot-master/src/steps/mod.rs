//! Built-in steps (Buildbot's `buildbot/steps/`), dispatched once on the step kind.
//!
//! A step is built from its [`StepConfig`] when the build starts, after its arguments are
//! rendered with the build's properties; then [`Step::run`] drives remote commands through
//! the [`StepContext`]. A kind the engine cannot run yet becomes [`Step::Unsupported`], which
//! ends the step in EXCEPTION with a message naming the missing feature.

mod git;
mod master;
mod master_shell;
mod python;
mod shell;
mod transfer;
mod trigger;
mod worker;

use oxbot_core::Results;
use oxbot_core::config::StepConfig;
use serde_json::{Map, Value};

use crate::process::step::{StepContext, StepError};

pub use git::Git;
pub use master::PropertyStep;
pub use master_shell::MasterShellCommand;
pub use python::PythonStep;
pub use shell::ShellCommand;
pub use transfer::TransferStep;
pub use trigger::Trigger;
pub use worker::WorkerFsStep;

/// A runnable step.
#[derive(Debug, Clone)]
pub enum Step {
    Shell(ShellCommand),
    Git(Git),
    Fs(WorkerFsStep),
    Property(PropertyStep),
    Transfer(TransferStep),
    Trigger(Trigger),
    MasterShell(MasterShellCommand),
    Python(PythonStep),
    Unsupported(String),
}

/// A step kind that runs as a shell command, with Buildbot's defaults for its descriptions
/// and command.
struct ShellKind {
    kind: &'static str,
    description: Option<&'static str>,
    done: Option<&'static str>,
    command: Option<&'static str>,
}

const SHELL_KINDS: &[ShellKind] = &[
    ShellKind {
        kind: "ShellCommand",
        description: None,
        done: None,
        command: None,
    },
    ShellKind {
        kind: "Configure",
        description: Some("configuring"),
        done: Some("configure"),
        command: Some("./configure"),
    },
];

impl Step {
    /// Builds the step from its rendered arguments.
    pub fn from_config(
        config: &StepConfig,
        args: &Map<String, Value>,
        name: &str,
    ) -> Result<Step, StepError> {
        // Custom steps, and built-in steps whose shim class runs in Python.
        if PythonStep::runs_in_python(args) {
            return PythonStep::from_args(args).map(Step::Python);
        }
        if let Some(shell) = SHELL_KINDS.iter().find(|s| s.kind == config.kind) {
            let mut args = args.clone();
            if let Some(command) = shell.command
                && args.get("command").is_none_or(Value::is_null)
            {
                args.insert("command".to_owned(), Value::from(vec![command]));
            }
            return ShellCommand::from_args(&args, shell.description, shell.done).map(Step::Shell);
        }
        match config.kind.as_str() {
            "Git" => Git::from_args(args).map(Step::Git),
            "GitHub" => Git::from_args(args).map(|git| Step::Git(git.for_github())),
            "MakeDirectory" | "RemoveDirectory" | "CopyDirectory" | "FileExists" => {
                WorkerFsStep::from_args(&config.kind, args).map(Step::Fs)
            }
            "Trigger" => Trigger::from_args(args).map(Step::Trigger),
            "MasterShellCommand" => MasterShellCommand::from_args(args).map(Step::MasterShell),
            "FileUpload" | "DirectoryUpload" | "MultipleFileUpload" | "FileDownload"
            | "StringDownload" => TransferStep::from_args(&config.kind, args).map(Step::Transfer),
            "SetProperty" | "SetProperties" | "SetPropertyFromCommand" => {
                PropertyStep::from_args(&config.kind, args, name).map(Step::Property)
            }
            other => Ok(Step::Unsupported(other.to_owned())),
        }
    }

    /// The name Buildbot gives a step of this kind when the config names none.
    pub fn default_name(kind: &str) -> String {
        match kind {
            "ShellCommand" => "shell".to_owned(),
            "Git" => "git".to_owned(),
            "Configure" | "Compile" | "Test" => kind.to_lowercase(),
            "SetPropertyFromCommand" => "setproperty".to_owned(),
            "FileUpload" | "DirectoryUpload" | "MultipleFileUpload" => "upload".to_owned(),
            "FileDownload" => "download".to_owned(),
            "StringDownload" => "string_download".to_owned(),
            "Trigger" => "trigger".to_owned(),
            other => other.to_owned(),
        }
    }

    /// Default `description` / `descriptionDone` of this kind, when the config sets none.
    pub fn default_descriptions(&self) -> (Option<String>, Option<String>) {
        match self {
            Step::Shell(shell) => (shell.description.clone(), shell.description_done.clone()),
            Step::Git(git) => (Some(git.description()), Some(git.description_done())),
            Step::Fs(step) => step.descriptions(),
            Step::Property(step) => step.descriptions(),
            Step::Transfer(step) => step.descriptions(),
            Step::MasterShell(step) => step.descriptions(),
            Step::Trigger(_) | Step::Python(_) | Step::Unsupported(_) => (None, None),
        }
    }

    /// The summary Buildbot derives from the step itself (the command for shell steps) when no
    /// `descriptionDone` is set.
    pub fn result_summary(&self) -> Option<String> {
        match self {
            Step::Shell(shell) => shell.command_summary(),
            // Buildbot's SetPropertyFromCommand is a ShellMixin step: with no property set
            // (its command failed), it is described by its command.
            Step::Property(PropertyStep::FromCommand { shell, .. }) => shell.command_summary(),
            _ => None,
        }
    }

    pub async fn run(&self, ctx: &mut StepContext) -> Result<Results, StepError> {
        match self {
            Step::Shell(shell) => shell.run(ctx).await,
            Step::Git(git) => git.run(ctx).await,
            Step::Fs(step) => step.run(ctx).await,
            Step::Property(step) => step.run(ctx).await,
            Step::Transfer(step) => step.run(ctx).await,
            Step::Trigger(step) => step.run(ctx).await,
            Step::MasterShell(step) => step.run(ctx).await,
            Step::Python(step) => step.run(ctx).await,
            Step::Unsupported(kind) => Err(StepError::Unsupported(format!("step {kind}"))),
        }
    }
}

/// Reads an optional string argument.
fn arg_str(args: &Map<String, Value>, name: &str) -> Option<String> {
    args.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// Reads an optional integer argument.
fn arg_int(args: &Map<String, Value>, name: &str) -> Option<i64> {
    args.get(name).and_then(Value::as_i64)
}

/// Joins a description given as a string or a list of words (Buildbot's `join_list`).
pub fn join_list(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Array(words) => Some(
            words
                .iter()
                .map(crate::process::properties::display_value)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Value::Null => None,
        other => Some(crate::process::properties::display_value(other)),
    }
}
