//! The `Git` source step (Buildbot's `steps/source/git.py`): modes `incremental` and `full`
//! with methods `clobber`, `fresh` (the default), `clean` and `copy`, and the options
//! `submodules`, `remoteSubmodules`, `shallow`, `tags`, `reference`, `origin`, `filters`,
//! `retryFetch`, `clobberOnFailure`, `getDescription` and `config`: the same sequence of `git`
//! commands Buildbot runs, so logs read the same, ending with `got_revision` (and
//! `commit-description`), per codebase when the step has one.

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
    submodules: bool,
    remote_submodules: bool,
    tags: bool,
    /// `shallow=True` (depth 1) or a depth.
    shallow: Option<i64>,
    reference: Option<String>,
    origin: Option<String>,
    filters: Vec<String>,
    retry_fetch: bool,
    clobber_on_failure: bool,
    always_use_latest: bool,
    /// `git describe` arguments, when `getDescription` is set.
    describe: Option<Vec<String>>,
    /// `GitHub`: a `.../merge` branch (a pull request's merge ref) is built as fetched, without
    /// the source stamp's revision.
    github: bool,
    /// `-c name=value` before every git command.
    config: Vec<(String, String)>,
}

const GIT_HASH_LENGTH: usize = 40;

/// Where `mode`/`method` send a run (Buildbot's `_sourcedirIsUpdatable` answers).
enum Action {
    Clobber,
    Clone,
    Update,
}

fn flag(args: &Map<String, Value>, name: &str) -> bool {
    args.get(name)
        .is_some_and(crate::process::properties::is_truthy)
}

/// Buildbot's `git_describe_flags`: the `git describe` arguments of `getDescription`.
fn describe_args(setting: &Value) -> Result<Option<Vec<String>>, StepError> {
    let options = match setting {
        Value::Null | Value::Bool(false) => return Ok(None),
        Value::Bool(true) => Map::new(),
        Value::Object(options) => options.clone(),
        _ => {
            return Err(StepError::Config(
                "Git: getDescription must be a boolean or a dict.".to_owned(),
            ));
        }
    };
    let mut out = vec!["describe".to_owned()];
    let truthy = |v: &Value| crate::process::properties::is_truthy(v);
    let true_or_zero = |v: &Value| truthy(v) || v.as_i64() == Some(0);
    for name in [
        "all",
        "always",
        "contains",
        "debug",
        "long",
        "exact-match",
        "tags",
        "first-parent",
    ] {
        if options.get(name).is_some_and(truthy) {
            out.push(format!("--{name}"));
        }
    }
    for name in ["match", "exclude"] {
        if let Some(v) = options.get(name).filter(|v| truthy(v)) {
            out.push(format!("--{name}"));
            out.push(crate::process::properties::display_value(v));
        }
    }
    for name in ["abbrev", "candidates"] {
        if let Some(v) = options.get(name).filter(|v| true_or_zero(v)) {
            out.push(format!(
                "--{name}={}",
                crate::process::properties::display_value(v)
            ));
        }
    }
    match options.get("dirty") {
        Some(Value::Bool(true)) => out.push("--dirty".to_owned()),
        Some(Value::String(s)) if s.is_empty() => out.push("--dirty".to_owned()),
        Some(v) if truthy(v) => out.push(format!(
            "--dirty={}",
            crate::process::properties::display_value(v)
        )),
        _ => {}
    }
    if !out.iter().any(|a| a.starts_with("--dirty")) {
        out.push("HEAD".to_owned());
    }
    Ok(Some(out))
}

impl Git {
    pub fn from_args(args: &Map<String, Value>) -> Result<Git, StepError> {
        let repourl = arg_str(args, "repourl")
            .ok_or_else(|| StepError::Config("Git: must provide repourl".to_owned()))?;
        let mode = arg_str(args, "mode").unwrap_or_else(|| "incremental".to_owned());
        let method = arg_str(args, "method");
        let shallow = match args.get("shallow") {
            Some(Value::Bool(true)) => Some(1),
            Some(Value::Number(n)) if n.as_i64().unwrap_or(0) > 0 => n.as_i64(),
            _ => None,
        };
        match (mode.as_str(), method.as_deref()) {
            ("incremental", _) | ("full", None | Some("clobber" | "fresh" | "clean" | "copy")) => {}
            ("full", Some(_)) => {
                return Err(StepError::Config(
                    "Git: invalid method for mode 'full'.".to_owned(),
                ));
            }
            _ => {
                return Err(StepError::Config(
                    "Git: mode must be full or incremental".to_owned(),
                ));
            }
        }
        if shallow.is_some()
            && method.is_some()
            && (mode != "full" || method.as_deref() != Some("clobber"))
        {
            return Err(StepError::Config(
                "Git: in mode 'full' shallow only possible with method 'clobber'.".to_owned(),
            ));
        }
        for unsupported in [
            "sshPrivateKey",
            "sshHostKey",
            "sshKnownHosts",
            "auth_credentials",
            "git_credentials",
        ] {
            if args.get(unsupported).is_some_and(|v| !v.is_null()) {
                return Err(StepError::Unsupported(format!("Git {unsupported}")));
            }
        }
        let config = match args.get("config") {
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| (k.clone(), crate::process::properties::display_value(v)))
                .collect(),
            _ => Vec::new(),
        };
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
            submodules: flag(args, "submodules"),
            remote_submodules: flag(args, "remoteSubmodules"),
            tags: flag(args, "tags"),
            shallow,
            reference: arg_str(args, "reference"),
            origin: arg_str(args, "origin"),
            filters: oxbot_core::config::string_list(args.get("filters")),
            retry_fetch: flag(args, "retryFetch"),
            always_use_latest: flag(args, "alwaysUseLatest"),
            clobber_on_failure: flag(args, "clobberOnFailure"),
            describe: describe_args(args.get("getDescription").unwrap_or(&Value::Null))?,
            github: false,
            config,
        })
    }

    /// The `GitHub` step: `Git` that ignores the revision of a pull request's merge ref.
    #[must_use]
    pub fn for_github(mut self) -> Git {
        self.github = true;
        self
    }

    /// Buildbot's `_getMethod`: none for `incremental`, `fresh` when `full` names none.
    fn effective_method(&self) -> Option<&str> {
        match (self.mode.as_str(), self.method.as_deref()) {
            ("incremental", _) => None,
            (_, None) => Some("fresh"),
            (_, Some(method)) => Some(method),
        }
    }

    /// Buildbot's `Source` default descriptions (by mode; Git's modes are never the 0.8
    /// `clobber`).
    pub fn description(&self) -> String {
        "updating".to_owned()
    }

    pub fn description_done(&self) -> String {
        "update".to_owned()
    }

    pub async fn run(&self, ctx: &mut StepContext) -> Result<Results, StepError> {
        // Buildbot's `Source.run()`: the build's source stamp for this step's codebase.
        let source = if self.always_use_latest {
            None
        } else {
            let found = ctx
                .build
                .sourcestamps
                .iter()
                .find(|s| s.codebase == self.codebase)
                .cloned();
            if found.is_none() {
                let message = format!(
                    "No sourcestamp found in build for codebase '{}'",
                    self.codebase
                );
                let log = ctx.add_log_of_type("log", "t").await?;
                ctx.append_text(log.logid, &format!("{message}\n")).await?;
                ctx.set_description_done(format!("Codebase {} not in build", self.codebase));
                return Ok(Results::Failure);
            }
            found
        };
        let log = ctx.add_log("stdio").await?;
        let workdir = self
            .workdir
            .clone()
            .unwrap_or_else(|| ctx.default_workdir());
        let branch = source
            .as_ref()
            .and_then(|s| s.branch.clone())
            .filter(|b| !b.is_empty())
            .or_else(|| self.branch.clone())
            .unwrap_or_else(|| "HEAD".to_owned());
        let revision = source
            .and_then(|s| s.revision)
            // GitHub: a pull request's merge ref is built as fetched.
            .filter(|r| !(r.is_empty() || self.github && branch.ends_with("/merge")));
        let mut run = Run {
            git: self,
            workdir: workdir.clone(),
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
        // Buildbot's `sourcedirIsPatched`: a source tree a patch was applied to is cleaned
        // first.
        let patched = ctx
            .run_command(
                RemoteCommand::new(
                    "stat",
                    json!({"file": format!("{workdir}/.buildbot-patched"), "logEnviron": true}),
                ),
                Some(&log),
            )
            .await?;
        if patched.succeeded() {
            run.check(ctx, &["clean", "-f", "-f", "-d", "-x"]).await?;
        }
        match self.effective_method() {
            Some("clobber") => run.clobber(ctx).await?,
            Some("copy") => run.copy(ctx).await?,
            method => match run.updatable(ctx).await? {
                Action::Clobber => run.clobber(ctx).await?,
                Action::Clone => run.full_clone_or_fallback(ctx).await?,
                Action::Update => match method {
                    Some("clean") => run.clean(ctx).await?,
                    Some("fresh") => run.fresh(ctx).await?,
                    _ => {
                        run.fetch_or_fallback(ctx).await?;
                        run.submodule_sync_and_update(ctx).await?;
                    }
                },
            },
        }
        let (outcome, stdout) = run.git(ctx, &["rev-parse", "HEAD"], true).await?;
        let got_revision = stdout.trim();
        if !outcome.succeeded() || got_revision.len() != GIT_HASH_LENGTH {
            return Ok(Results::Failure);
        }
        self.set_source_property(ctx, "got_revision", got_revision)
            .await?;
        if let Some(describe) = &self.describe {
            let words: Vec<&str> = describe.iter().map(String::as_str).collect();
            let (outcome, stdout) = run.git(ctx, &words, true).await?;
            if outcome.succeeded() {
                self.set_source_property(ctx, "commit-description", stdout.trim())
                    .await?;
            }
        }
        Ok(Results::Success)
    }

    /// Buildbot's `updateSourceProperty`: a plain value, or `{codebase: value}` for a step
    /// with a codebase.
    async fn set_source_property(
        &self,
        ctx: &mut StepContext,
        name: &str,
        value: &str,
    ) -> Result<(), StepError> {
        let value = if self.codebase.is_empty() {
            Value::from(value)
        } else {
            let mut by_codebase = match ctx.build.properties.lock().await.get(name) {
                Some(Value::Object(map)) => map.clone(),
                _ => Map::new(),
            };
            by_codebase.insert(self.codebase.clone(), Value::from(value));
            Value::Object(by_codebase)
        };
        let source = if self.github { "GitHub" } else { "Git" };
        ctx.set_property(name, value, source).await
    }
}

/// One run of the Git step: what every command of the sequence shares.
struct Run<'a> {
    git: &'a Git,
    workdir: String,
    log: &'a crate::process::step::LogHandle,
    branch: &'a str,
    revision: Option<&'a str>,
}

impl Run<'_> {
    /// Runs `git <words>` in the work directory; `Ok` whatever its exit code.
    async fn git(
        &self,
        ctx: &mut StepContext,
        words: &[&str],
        collect_stdout: bool,
    ) -> Result<(crate::process::remote_command::CommandOutcome, String), StepError> {
        let mut command = vec!["git".to_owned()];
        for (name, value) in &self.git.config {
            command.push("-c".to_owned());
            command.push(format!("{name}={value}"));
        }
        command.extend(words.iter().map(|w| (*w).to_owned()));
        let args = json!({
            "workdir": self.workdir,
            "command": command,
            "env": ctx.build_env(),
            "timeout": self.git.timeout,
            "logEnviron": true,
            "usePTY": false,
            "logfiles": {},
            "sigtermTime": 1,
        });
        let cmd = RemoteCommand::new("shell", args);
        if collect_stdout {
            ctx.run_command_collecting_stdout(cmd, Some(self.log)).await
        } else {
            Ok((ctx.run_command(cmd, Some(self.log)).await?, String::new()))
        }
    }

    /// Runs a git command; whether it succeeded.
    async fn ok(&self, ctx: &mut StepContext, words: &[&str]) -> Result<bool, StepError> {
        Ok(self.git(ctx, words, false).await?.0.succeeded())
    }

    /// Runs a git command that must succeed (Buildbot's `abandonOnFailure`).
    async fn check(&self, ctx: &mut StepContext, words: &[&str]) -> Result<(), StepError> {
        if self.ok(ctx, words).await? {
            Ok(())
        } else {
            Err(StepError::Failed)
        }
    }

    fn depth(&self) -> Option<String> {
        self.git.shallow.map(|d| d.to_string())
    }

    /// Buildbot's `_sourcedirIsUpdatable`, from a `listdir` of the work directory.
    async fn updatable(&self, ctx: &mut StepContext) -> Result<Action, StepError> {
        let listing = ctx
            .run_command(
                RemoteCommand::new("listdir", json!({"dir": self.workdir})),
                Some(self.log),
            )
            .await?;
        let Some(files) = listing.last_update("files").and_then(Value::as_array) else {
            return Ok(Action::Clone);
        };
        Ok(if files.iter().any(|f| f == ".git") {
            Action::Update
        } else if files.is_empty() {
            Action::Clone
        } else {
            Action::Clobber
        })
    }

    async fn clean(&self, ctx: &mut StepContext) -> Result<(), StepError> {
        self.check(ctx, &["clean", "-f", "-f", "-d"]).await?;
        self.fetch_or_fallback(ctx).await?;
        self.submodule_sync_and_update(ctx).await?;
        self.submodule_clean(ctx, false).await?;
        if self.git.submodules {
            self.check(ctx, &["clean", "-f", "-f", "-d"]).await?;
        }
        Ok(())
    }

    async fn fresh(&self, ctx: &mut StepContext) -> Result<(), StepError> {
        let clean = ["clean", "-f", "-f", "-d", "-x"];
        if self.ok(ctx, &clean).await? {
            self.fetch_or_fallback(ctx).await?;
        } else {
            self.remove_workdir(ctx).await?;
            self.full_clone_or_fallback(ctx).await?;
        }
        self.submodule_sync_and_update(ctx).await?;
        self.submodule_clean(ctx, true).await?;
        if self.git.submodules {
            self.git(ctx, &clean, false).await?;
        }
        Ok(())
    }

    async fn clobber(&self, ctx: &mut StepContext) -> Result<(), StepError> {
        self.remove_workdir(ctx).await?;
        if self.full_clone(ctx).await? {
            Ok(())
        } else {
            Err(StepError::Failed)
        }
    }

    /// `method='copy'`: an incremental update of `source`, copied to the work directory.
    async fn copy(&mut self, ctx: &mut StepContext) -> Result<(), StepError> {
        let workdir = std::mem::replace(&mut self.workdir, "source".to_owned());
        // Buildbot goes on when the old work directory cannot be removed.
        match self.rmdir(ctx, &workdir).await {
            Ok(()) | Err(StepError::Failed) => {}
            Err(err) => return Err(err),
        }
        match self.updatable(ctx).await? {
            Action::Clobber => self.clobber(ctx).await?,
            Action::Clone => self.full_clone_or_fallback(ctx).await?,
            Action::Update => {
                self.fetch_or_fallback(ctx).await?;
                self.submodule_sync_and_update(ctx).await?;
            }
        }
        let copied = ctx
            .run_command(
                RemoteCommand::new(
                    "cpdir",
                    json!({"fromdir": "source", "todir": workdir, "logEnviron": true,
                           "timeout": self.git.timeout}),
                ),
                Some(self.log),
            )
            .await?;
        self.workdir = workdir;
        if copied.succeeded() {
            Ok(())
        } else {
            Err(StepError::Failed)
        }
    }

    /// Buildbot's `_fetch`; whether it succeeded.
    async fn fetch(&self, ctx: &mut StepContext) -> Result<bool, StepError> {
        let mut fetch_required = true;
        if let (false, Some(revision)) = (self.git.tags, self.revision) {
            fetch_required = !self.ok(ctx, &["cat-file", "-e", revision]).await?;
        }
        if fetch_required {
            let depth = self.depth();
            let mut words = vec!["fetch", "-f"];
            if let Some(depth) = &depth {
                words.extend(["--depth", depth]);
            }
            if self.git.tags {
                words.push("--tags");
            }
            if self.git.progress {
                words.push("--progress");
            }
            words.extend([self.git.repourl.as_str(), self.branch]);
            if !self.ok(ctx, &words).await? {
                return Ok(false);
            }
        }
        let checked_out = self
            .ok(
                ctx,
                &["checkout", "-f", self.revision.unwrap_or("FETCH_HEAD")],
            )
            .await?;
        if checked_out && self.branch != "HEAD" {
            // Buildbot ignores a failure to rename the branch.
            self.git(ctx, &["checkout", "-B", self.branch], false)
                .await?;
        }
        Ok(checked_out)
    }

    /// Buildbot's `_fetchOrFallback`: `retryFetch` tries once more, `clobberOnFailure`
    /// starts over.
    async fn fetch_or_fallback(&self, ctx: &mut StepContext) -> Result<(), StepError> {
        if self.fetch(ctx).await? {
            return Ok(());
        }
        if self.git.retry_fetch {
            if self.fetch(ctx).await? {
                return Ok(());
            }
            return Err(StepError::Failed);
        }
        if self.git.clobber_on_failure {
            return self.clobber(ctx).await;
        }
        Err(StepError::Failed)
    }

    /// Buildbot's `_clone`; whether it succeeded.
    async fn clone_repo(&self, ctx: &mut StepContext) -> Result<bool, StepError> {
        let mut words = vec!["clone"];
        let mut switch_later = self.branch != "HEAD";
        if self.branch != "HEAD" {
            if self.branch.starts_with("refs/") {
                words.push("--no-checkout");
            } else {
                switch_later = false;
                words.extend(["--branch", self.branch]);
            }
        }
        let depth = self.depth();
        if let Some(depth) = &depth {
            words.extend(["--depth", depth]);
        }
        if let Some(reference) = &self.git.reference {
            words.extend(["--reference", reference]);
        }
        if let Some(origin) = &self.git.origin {
            words.extend(["--origin", origin]);
        }
        for filter in &self.git.filters {
            words.extend(["--filter", filter]);
        }
        words.extend([self.git.repourl.as_str(), "."]);
        if self.git.progress {
            words.push("--progress");
        }
        let mut cloned = self.ok(ctx, &words).await?;
        if cloned && switch_later {
            cloned = self.fetch(ctx).await?;
        }
        Ok(cloned)
    }

    /// Buildbot's `_fullClone`: clone, check out the revision, then the submodules.
    async fn full_clone(&self, ctx: &mut StepContext) -> Result<bool, StepError> {
        if !self.clone_repo(ctx).await? {
            return Ok(false);
        }
        let mut ok = true;
        if let Some(revision) = self.revision {
            ok = self.ok(ctx, &["checkout", "-f", revision]).await?;
        }
        if self.git.submodules {
            let depth = self.depth();
            let mut words = vec!["submodule", "update", "--init", "--recursive"];
            if self.git.remote_submodules {
                words.push("--remote");
            }
            if let Some(depth) = &depth {
                words.extend(["--depth", depth]);
            }
            ok = self.ok(ctx, &words).await?;
        }
        Ok(ok)
    }

    async fn full_clone_or_fallback(&self, ctx: &mut StepContext) -> Result<(), StepError> {
        if self.full_clone(ctx).await? {
            Ok(())
        } else if self.git.clobber_on_failure {
            self.clobber(ctx).await
        } else {
            Err(StepError::Failed)
        }
    }

    async fn submodule_sync_and_update(&self, ctx: &mut StepContext) -> Result<(), StepError> {
        if !self.git.submodules {
            return Ok(());
        }
        self.check(ctx, &["submodule", "sync"]).await?;
        let mut words = vec![
            "submodule",
            "update",
            "--init",
            "--recursive",
            "--force",
            "--checkout",
        ];
        if self.git.remote_submodules {
            words.push("--remote");
        }
        self.check(ctx, &words).await
    }

    async fn submodule_clean(&self, ctx: &mut StepContext, fresh: bool) -> Result<(), StepError> {
        if !self.git.submodules {
            return Ok(());
        }
        let clean = if fresh {
            "git clean -f -f -d -x"
        } else {
            "git clean -f -f -d"
        };
        self.check(ctx, &["submodule", "foreach", "--recursive", clean])
            .await
    }

    async fn remove_workdir(&self, ctx: &mut StepContext) -> Result<(), StepError> {
        let workdir = self.workdir.clone();
        self.rmdir(ctx, &workdir).await
    }

    async fn rmdir(&self, ctx: &mut StepContext, dir: &str) -> Result<(), StepError> {
        let outcome = ctx
            .run_command(
                RemoteCommand::new(
                    "rmdir",
                    json!({"dir": dir, "logEnviron": true, "timeout": self.git.timeout}),
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
