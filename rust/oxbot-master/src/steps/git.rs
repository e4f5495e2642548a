//! The `Git` source step (Buildbot's `steps/source/git.py`), modes `incremental` and `full`
//! with methods `clobber`, `fresh`, `clean`: the same sequence of `git` commands Buildbot runs,
//! so logs read the same, ending with `got_revision`.

use oxbot_core::Results;
use serde_json::{Map, Value, json};

use super::arg_str;
use crate::process::remote_command::RemoteCommand;
use crate::process::step::{StepContext, StepError};

/// Arguments of a Git step, rendered.
#[derive(Debug, Clone)]
pub struct Git {
    pub repourl: String,
    /// The branch to build when the source stamp names none.
    pub branch: Option<String>,
    pub mode: String,
    pub method: Option<String>,
    pub workdir: Option<String>,
    pub codebase: String,
    pub progress: bool,
    pub timeout: i64,
}

const GIT_HASH_LENGTH: usize = 40;

impl Git {
    pub fn from_args(args: &Map<String, Value>) -> Result<Git, StepError> {
        let repourl = arg_str(args, "repourl")
            .ok_or_else(|| StepError::Config("Git: must provide repourl".to_owned()))?;
        let mode = arg_str(args, "mode").unwrap_or_else(|| "incremental".to_owned());
        let method = arg_str(args, "method");
        match (mode.as_str(), method.as_deref()) {
            ("incremental", _) | ("full", None | Some("clobber" | "fresh" | "clean")) => {}
            ("full", Some(m)) => {
                return Err(StepError::Unsupported(format!("Git method '{m}'")));
            }
            (m, _) => {
                return Err(StepError::Config(format!(
                    "Git: mode {m} is not one of ['incremental', 'full']"
                )));
            }
        }
        Ok(Git {
            repourl,
            branch: arg_str(args, "branch"),
            mode,
            method,
            workdir: arg_str(args, "workdir"),
            codebase: arg_str(args, "codebase").unwrap_or_default(),
            progress: args
                .get("progress")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            timeout: args.get("timeout").and_then(Value::as_i64).unwrap_or(1200),
        })
    }

    pub fn description(&self) -> String {
        if self.method.as_deref() == Some("clobber") {
            "checkout"
        } else {
            "updating"
        }
        .to_owned()
    }

    pub fn description_done(&self) -> String {
        if self.method.as_deref() == Some("clobber") {
            "checkout"
        } else {
            "update"
        }
        .to_owned()
    }

    pub async fn run(&self, ctx: &mut StepContext) -> Result<Results, StepError> {
        let log = ctx.add_log("stdio").await?;
        let workdir = self
            .workdir
            .clone()
            .unwrap_or_else(|| ctx.default_workdir());
        let source = ctx.sourcestamp(&self.codebase);
        let branch = source
            .as_ref()
            .and_then(|s| s.branch.clone())
            .filter(|b| !b.is_empty())
            .or_else(|| self.branch.clone())
            .unwrap_or_else(|| "HEAD".to_owned());
        let revision = source.and_then(|s| s.revision).filter(|r| !r.is_empty());
        let run = Run {
            git: self,
            workdir: &workdir,
            log: &log,
            branch: &branch,
            revision: revision.as_deref(),
        };

        let (outcome, _) = run.git(ctx, &["--version"], false).await?;
        if !outcome.succeeded() {
            return Err(StepError::WorkerSetup(
                "git is not installed on worker".to_owned(),
            ));
        }
        let listing = ctx
            .run_command(
                RemoteCommand::new("listdir", json!({"dir": workdir})),
                Some(&log),
            )
            .await?;
        let files: Vec<String> = listing
            .last_update("files")
            .and_then(Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let clobber = self.mode == "full" && self.method.as_deref() == Some("clobber");
        if clobber || (!files.is_empty() && !files.iter().any(|f| f == ".git")) {
            run.clobber(ctx).await?;
            run.clone_repo(ctx).await?;
        } else if files.iter().any(|f| f == ".git") {
            match self.method.as_deref() {
                Some("clean") if self.mode == "full" => {
                    run.check(ctx, &["clean", "-f", "-f", "-d"]).await?;
                }
                Some("fresh") if self.mode == "full" => {
                    run.check(ctx, &["clean", "-f", "-f", "-d", "-x"]).await?;
                }
                _ => {}
            }
            run.fetch(ctx).await?;
        } else {
            run.clone_repo(ctx).await?;
        }
        let (outcome, stdout) = run.git(ctx, &["rev-parse", "HEAD"], true).await?;
        let revision = stdout.trim();
        if !outcome.succeeded() || revision.len() != GIT_HASH_LENGTH {
            return Ok(Results::Failure);
        }
        ctx.set_property("got_revision", Value::String(revision.to_owned()), "Git")
            .await?;
        Ok(Results::Success)
    }
}

/// One run of the Git step: what every command of the sequence shares.
struct Run<'a> {
    git: &'a Git,
    workdir: &'a str,
    log: &'a crate::process::step::LogHandle,
    branch: &'a str,
    revision: Option<&'a str>,
}

impl Run<'_> {
    async fn git(
        &self,
        ctx: &mut StepContext,
        words: &[&str],
        collect_stdout: bool,
    ) -> Result<(crate::process::remote_command::CommandOutcome, String), StepError> {
        let mut command = vec!["git".to_owned()];
        command.extend(words.iter().map(|w| (*w).to_owned()));
        let args = json!({
            "workdir": self.workdir,
            "command": command,
            "env": ctx.build_env(),
            "timeout": self.git.timeout,
            "logEnviron": true,
            "usePTY": false,
            "logfiles": {},
        });
        let cmd = RemoteCommand::new("shell", args);
        if collect_stdout {
            ctx.run_command_collecting_stdout(cmd, Some(self.log)).await
        } else {
            Ok((ctx.run_command(cmd, Some(self.log)).await?, String::new()))
        }
    }

    /// Runs a git command that must succeed (Buildbot's `abandonOnFailure`).
    async fn check(&self, ctx: &mut StepContext, words: &[&str]) -> Result<(), StepError> {
        let (outcome, _) = self.git(ctx, words, false).await?;
        if outcome.succeeded() {
            Ok(())
        } else {
            Err(StepError::Failed)
        }
    }

    async fn clone_repo(&self, ctx: &mut StepContext) -> Result<(), StepError> {
        let mut words = vec!["clone"];
        let switch_later = self.branch != "HEAD" && self.branch.starts_with("refs/");
        if self.branch != "HEAD" {
            if switch_later {
                words.push("--no-checkout");
            } else {
                words.extend(["--branch", self.branch]);
            }
        }
        words.extend([self.git.repourl.as_str(), "."]);
        if self.git.progress {
            words.push("--progress");
        }
        self.check(ctx, &words).await?;
        if switch_later {
            self.fetch(ctx).await?;
        } else if let Some(revision) = self.revision {
            self.check(ctx, &["checkout", "-f", revision]).await?;
        }
        Ok(())
    }

    async fn fetch(&self, ctx: &mut StepContext) -> Result<(), StepError> {
        let mut fetch_required = true;
        if let Some(revision) = self.revision {
            let (outcome, _) = self.git(ctx, &["cat-file", "-e", revision], false).await?;
            fetch_required = !outcome.succeeded();
        }
        if fetch_required {
            let mut words = vec!["fetch", "-f"];
            if self.git.progress {
                words.push("--progress");
            }
            words.extend([self.git.repourl.as_str(), self.branch]);
            self.check(ctx, &words).await?;
        }
        self.check(
            ctx,
            &["checkout", "-f", self.revision.unwrap_or("FETCH_HEAD")],
        )
        .await?;
        if self.branch != "HEAD" {
            // Buildbot ignores a failure to rename the branch.
            self.git(ctx, &["checkout", "-B", self.branch], false)
                .await?;
        }
        Ok(())
    }

    async fn clobber(&self, ctx: &mut StepContext) -> Result<(), StepError> {
        let outcome = ctx
            .run_command(
                RemoteCommand::new(
                    "rmdir",
                    json!({"dir": self.workdir, "logEnviron": false, "timeout": self.git.timeout}),
                ),
                Some(self.log),
            )
            .await?;
        if outcome.succeeded() {
            Ok(())
        } else {
            Err(StepError::Failed)
        }
    }
}
