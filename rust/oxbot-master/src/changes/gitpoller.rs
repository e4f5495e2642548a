//! `GitPoller` (Buildbot's `changes/gitpoller.py`): every `pollInterval` seconds it fetches the
//! watched branches of a repository into a bare clone in the master's directory, and adds one
//! change per new commit (oldest first). The last revision of each branch is kept in the
//! database (`lastRev`), so a restart does not replay history; the first poll only records
//! where the branches are.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use oxbot_core::config::{ChangeSourceConfig, Value};
use oxbot_core::python::{PythonCallbacks, handle_of};
use oxbot_db::NewChange;
use tracing::info;

use crate::data::updates::Updates;

/// Which refs a poller watches.
#[derive(Debug, Clone, PartialEq)]
enum Branches {
    /// The branch the remote HEAD points to.
    Head,
    /// Every branch (`branches=True`).
    All,
    /// Named branches (`branch=` / `branches=[...]`).
    Named(Vec<String>),
    /// Every tag (`only_tags=True`).
    Tags,
    /// The remote refs for which the config's function answers true (`branches=callable`).
    Callable(u64),
}

/// A configured poller.
#[derive(Clone)]
pub struct GitPoller {
    name: String,
    repourl: String,
    workdir: PathBuf,
    branches: Branches,
    schedule: super::PollSchedule,
    category: Option<String>,
    project: String,
    /// The configuration's Python, for a `branches` function.
    callbacks: Option<Arc<dyn PythonCallbacks>>,
}

impl std::fmt::Debug for GitPoller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitPoller")
            .field("name", &self.name)
            .field("repourl", &self.repourl)
            .field("branches", &self.branches)
            .finish_non_exhaustive()
    }
}

/// A git command failed.
#[derive(Debug, thiserror::Error)]
#[error("git {command}: {message}")]
pub struct GitError {
    command: String,
    message: String,
}

impl GitPoller {
    /// Builds a poller from its config; `Err` names what is not supported.
    pub fn from_config(
        config: &ChangeSourceConfig,
        callbacks: Option<Arc<dyn PythonCallbacks>>,
    ) -> Result<GitPoller, String> {
        let args = &config.args;
        let repourl = args
            .get("repourl")
            .and_then(Value::as_str)
            .ok_or("GitPoller: repourl is required")?
            .to_owned();
        let set = |key: &str| {
            args.get(key)
                .filter(|v| !v.is_null() && **v != Value::Bool(false))
        };
        for key in [
            "sshPrivateKey",
            "sshHostKey",
            "sshKnownHosts",
            "auth_credentials",
            "git_credentials",
            "buildPushesWithNoCommits",
        ] {
            if set(key).is_some() {
                return Err(format!("not supported yet by oxbot: GitPoller {key}"));
            }
        }
        if args.get("usetimestamps") == Some(&Value::Bool(false)) {
            return Err("not supported yet by oxbot: GitPoller usetimestamps=False".to_owned());
        }
        if args
            .get("gitbin")
            .and_then(Value::as_str)
            .is_some_and(|g| g != "git")
        {
            return Err("not supported yet by oxbot: GitPoller gitbin other than git".to_owned());
        }
        for key in ["pollRandomDelayMin", "pollRandomDelayMax"] {
            if args
                .get(key)
                .and_then(Value::as_f64)
                .is_some_and(|d| d > 0.0)
            {
                return Err(format!("not supported yet by oxbot: GitPoller {key}"));
            }
        }
        let branches = match args.get("branches") {
            _ if args.get("only_tags").and_then(Value::as_bool) == Some(true) => Branches::Tags,
            Some(Value::Bool(true)) => Branches::All,
            Some(Value::Array(names)) => Branches::Named(
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            ),
            None | Some(Value::Null | Value::Bool(false)) => Branches::Head,
            Some(other) => match handle_of(other) {
                Some(handle) => Branches::Callable(handle),
                None => {
                    return Err(format!(
                        "GitPoller: branches must be a list, True or a function, not {other}"
                    ));
                }
            },
        };
        let workdir = args
            .get("workdir")
            .and_then(Value::as_str)
            .unwrap_or("gitpoller-workdir");
        Ok(GitPoller {
            name: config.name.clone(),
            repourl,
            workdir: PathBuf::from(workdir),
            branches,
            schedule: super::PollSchedule::from_args(args),
            category: args
                .get("category")
                .and_then(Value::as_str)
                .map(str::to_owned),
            project: args
                .get("project")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            callbacks,
        })
    }

    /// Polls every interval until `shutdown` resolves.
    pub async fn run(self, updates: Updates, shutdown: impl std::future::Future<Output = ()>) {
        self.schedule
            .run(&self.name, shutdown, || self.poll(&updates))
            .await;
    }

    async fn git(&self, args: &[&str]) -> Result<String, GitError> {
        let output = tokio::process::Command::new("git")
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .output()
            .await
            .map_err(|e| GitError {
                command: args.join(" "),
                message: e.to_string(),
            })?;
        if !output.status.success() {
            return Err(GitError {
                command: args.join(" "),
                message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            });
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    async fn in_workdir(&self, args: &[&str]) -> Result<String, GitError> {
        let dir = self.workdir.to_string_lossy().into_owned();
        let mut full = vec!["-C", dir.as_str()];
        full.extend_from_slice(args);
        self.git(&full).await
    }

    /// The refs to fetch, and whether branch names drop their `refs/heads/` prefix.
    async fn refs(&self) -> Result<Vec<String>, GitError> {
        let listed = |text: String| -> Vec<String> {
            text.lines()
                .filter_map(|l| l.split_once('\t'))
                .map(|(_, r)| r.to_owned())
                .collect()
        };
        Ok(match &self.branches {
            Branches::Named(names) => names
                .iter()
                .map(|n| {
                    if n.starts_with("refs/") {
                        n.clone()
                    } else {
                        format!("refs/heads/{n}")
                    }
                })
                .collect(),
            Branches::All => listed(
                self.git(&["ls-remote", "--refs", &self.repourl, "refs/heads/*"])
                    .await?,
            ),
            Branches::Tags => listed(
                self.git(&["ls-remote", "--refs", &self.repourl, "refs/tags/*"])
                    .await?,
            ),
            Branches::Callable(handle) => {
                let refs = listed(self.git(&["ls-remote", "--refs", &self.repourl]).await?);
                self.chosen_by_function(*handle, refs).await?
            }
            Branches::Head => {
                let text = self
                    .git(&["ls-remote", "--symref", &self.repourl, "HEAD"])
                    .await?;
                text.lines()
                    .find_map(|l| {
                        l.strip_prefix("ref: ")
                            .and_then(|r| r.split_once('\t'))
                            .map(|(r, _)| r.to_owned())
                    })
                    .into_iter()
                    .collect()
            }
        })
    }

    /// The refs for which the config's `branches` function answers true (called with the
    /// full ref name, as Buildbot calls it).
    async fn chosen_by_function(
        &self,
        handle: u64,
        refs: Vec<String>,
    ) -> Result<Vec<String>, GitError> {
        let failed = |message: String| GitError {
            command: "ls-remote (filtered by the branches function)".to_owned(),
            message,
        };
        let callbacks = self
            .callbacks
            .clone()
            .ok_or_else(|| failed("a branches function without the config's Python".to_owned()))?;
        tokio::task::spawn_blocking(move || {
            let mut chosen = Vec::new();
            for reference in refs {
                let answer = callbacks.call_function(handle, &[Value::from(reference.clone())])?;
                if crate::process::properties::is_truthy(&answer) {
                    chosen.push(reference);
                }
            }
            Ok::<_, String>(chosen)
        })
        .await
        .map_err(|e| failed(e.to_string()))?
        .map_err(failed)
    }

    /// Where a remote ref is kept in the poller's clone.
    fn tracker_ref(&self, reference: &str) -> String {
        let quoted: String = self
            .repourl
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        format!(
            "refs/buildbot/{quoted}/{}",
            reference.strip_prefix("refs/").unwrap_or(reference)
        )
    }

    #[tracing::instrument(skip_all, fields(poller = %self.name))]
    async fn poll(
        &self,
        updates: &Updates,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let workdir = self.workdir.to_string_lossy().into_owned();
        self.git(&["init", "--quiet", "--bare", &workdir]).await?;
        let refs = self.refs().await?;
        if refs.is_empty() {
            return Ok(());
        }
        let mut fetch = vec![
            "fetch".to_owned(),
            "--quiet".to_owned(),
            self.repourl.clone(),
        ];
        fetch.extend(refs.iter().map(|r| format!("+{r}:{}", self.tracker_ref(r))));
        fetch.push("--".to_owned());
        self.in_workdir(&fetch.iter().map(String::as_str).collect::<Vec<_>>())
            .await?;

        let db = updates.db();
        let objectid = db.get_object_id(&self.name, "GitPoller").await?;
        let last: BTreeMap<String, String> = db
            .get_state(objectid, "lastRev")
            .await?
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        let mut revs = BTreeMap::new();
        for reference in &refs {
            let branch = reference
                .strip_prefix("refs/heads/")
                .unwrap_or(reference)
                .to_owned();
            let rev = self
                .in_workdir(&["rev-parse", &self.tracker_ref(reference)])
                .await?
                .trim()
                .to_owned();
            if !last.is_empty() {
                self.add_changes(updates, &branch, &rev, &last).await?;
            }
            // Buildbot keys lastRev by branch name for named branches, else by full ref.
            let key = match self.branches {
                Branches::Named(_) => branch,
                _ => reference.clone(),
            };
            revs.insert(key, rev);
        }
        db.set_state(objectid, "lastRev", &serde_json::to_value(&revs)?)
            .await?;
        Ok(())
    }

    /// Adds a change for each commit of `branch` up to `rev` that no known head contains.
    async fn add_changes(
        &self,
        updates: &Updates,
        branch: &str,
        rev: &str,
        last: &BTreeMap<String, String>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let mut args = vec![
            "log",
            "--ignore-missing",
            "--first-parent",
            "--format=%H",
            rev,
        ];
        let excluded: Vec<String> = last.values().map(|r| format!("^{r}")).collect();
        args.extend(excluded.iter().map(String::as_str));
        args.push("--");
        let listing = self.in_workdir(&args).await?;
        let mut commits: Vec<&str> = listing.split_whitespace().collect();
        commits.reverse();
        if !commits.is_empty() {
            info!(branch, count = commits.len(), "new commits");
        }
        for commit in commits {
            let show = |format: &'static str| async move {
                self.in_workdir(&["log", "--no-walk", format, commit, "--"])
                    .await
            };
            let timestamp = show("--format=%ct")
                .await?
                .trim()
                .parse()
                .unwrap_or_else(|_| oxbot_db::now());
            let author = show("--format=%aN <%aE>").await?.trim().to_owned();
            let committer = show("--format=%cN <%cE>").await?.trim().to_owned();
            let comments = show("--format=%s%n%b").await?.trim_end().to_owned();
            let files = self
                .in_workdir(&[
                    "log",
                    "--name-only",
                    "--no-walk",
                    "--format=%n",
                    "-m",
                    "--first-parent",
                    commit,
                    "--",
                ])
                .await?
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            updates
                .add_change(NewChange {
                    author,
                    committer: Some(committer),
                    files,
                    comments,
                    revision: Some(commit.to_owned()),
                    when_timestamp: timestamp,
                    branch: Some(branch.to_owned()),
                    category: self.category.clone(),
                    revlink: Some(String::new()),
                    properties: BTreeMap::new(),
                    repository: self.repourl.clone(),
                    codebase: String::new(),
                    project: self.project.clone(),
                })
                .await?;
        }
        Ok(())
    }
}
