//! `HgPoller` (Buildbot's `changes/hgpoller.py`): every `pollInterval` seconds it pulls the
//! watched branches (and bookmarks) of a Mercurial repository into a local repository under
//! the master's directory (`workdir`), and adds one change per new revision of each branch,
//! oldest first. The last revision seen per branch is kept in the database (`lastRev`); the
//! first poll only records where the branches are.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use oxbot_core::config::{ChangeSourceConfig, Value, string_list};
use oxbot_core::python::{PythonCallbacks, handle_of};
use oxbot_db::NewChange;
use tracing::{info, warn};

use crate::data::updates::Updates;

/// A configured poller.
#[derive(Clone)]
pub struct HgPoller {
    name: String,
    repourl: String,
    /// Branches, then bookmarks, as `hg heads` names them.
    heads: Vec<String>,
    pull_args: Vec<String>,
    workdir: PathBuf,
    hgbin: String,
    schedule: super::PollSchedule,
    usetimestamps: bool,
    /// `revlink(branch, revision)`, a Python function.
    revlink: Option<u64>,
    callbacks: Option<Arc<dyn PythonCallbacks>>,
    category: Option<String>,
    project: String,
}

impl HgPoller {
    pub fn from_config(
        config: &ChangeSourceConfig,
        callbacks: Option<Arc<dyn PythonCallbacks>>,
    ) -> Result<HgPoller, String> {
        let args = &config.args;
        let text = |key: &str| args.get(key).and_then(Value::as_str).map(str::to_owned);
        let repourl = text("repourl")
            .or_else(|| {
                args.get("args")
                    .and_then(|a| a.get(0))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .ok_or("HgPoller: repourl is required")?;
        let workdir = text("workdir").ok_or("workdir is mandatory for now in HgPoller")?;
        let mut branches = string_list(args.get("branches"));
        if let Some(branch) = text("branch") {
            branches.push(branch);
        }
        let bookmarks = string_list(args.get("bookmarks"));
        if branches.is_empty() && bookmarks.is_empty() {
            branches.push("default".to_owned());
        }
        let mut pull_args = Vec::new();
        for branch in &branches {
            pull_args.extend(["-b".to_owned(), branch.clone()]);
        }
        for bookmark in &bookmarks {
            pull_args.extend(["-B".to_owned(), bookmark.clone()]);
        }
        let revlink = match args.get("revlink") {
            None | Some(Value::Null) => None,
            Some(function) => Some(handle_of(function).ok_or("revlink must be a function")?),
        };
        Ok(HgPoller {
            name: config.name.clone(),
            repourl,
            heads: branches.into_iter().chain(bookmarks).collect(),
            pull_args,
            workdir: PathBuf::from(workdir),
            hgbin: text("hgbin").unwrap_or_else(|| "hg".to_owned()),
            schedule: super::PollSchedule::from_args(args),
            usetimestamps: args
                .get("usetimestamps")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            revlink,
            callbacks,
            category: text("category"),
            project: text("project").unwrap_or_default(),
        })
    }

    /// Polls every interval until `shutdown` resolves.
    pub async fn run(self, updates: Updates, shutdown: impl std::future::Future<Output = ()>) {
        self.schedule
            .run(&self.name, shutdown, || self.poll(&updates))
            .await;
    }

    /// Runs `hg` in the poller's repository; `Err` with its stderr when it fails.
    async fn hg(&self, words: &[&str]) -> Result<String, String> {
        let output = tokio::process::Command::new(&self.hgbin)
            .args(words)
            .current_dir(&self.workdir)
            .output()
            .await
            .map_err(|e| format!("{} {}: {e}", self.hgbin, words.join(" ")))?;
        if !output.status.success() {
            return Err(format!(
                "{} {}: {}",
                self.hgbin,
                words.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    #[tracing::instrument(skip_all, fields(poller = %self.name))]
    async fn poll(
        &self,
        updates: &Updates,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if !self.workdir.join(".hg").exists() {
            std::fs::create_dir_all(&self.workdir)?;
            self.hg(&["init", "."]).await?;
        }
        let mut pull = vec!["pull"];
        pull.extend(self.pull_args.iter().map(String::as_str));
        pull.push(&self.repourl);
        // Buildbot goes on when the pull fails (a branch may not exist yet).
        if let Err(err) = self.hg(&pull).await {
            warn!(cause = %err, "hg pull failed");
        }
        let db = updates.db();
        let objectid = db.get_object_id(&self.name, "HgPoller").await?;
        let mut last: BTreeMap<String, String> = db
            .get_state(objectid, "lastRev")
            .await?
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        for branch in &self.heads {
            let Ok(heads) = self.hg(&["heads", branch, "--template={rev}\n"]).await else {
                continue;
            };
            let heads: Vec<&str> = heads.split_whitespace().collect();
            let [head] = heads.as_slice() else {
                if heads.len() > 1 {
                    warn!(
                        branch,
                        "several heads in the branch; staying at the previous revision"
                    );
                }
                continue;
            };
            let head = (*head).to_owned();
            match last.get(branch) {
                Some(previous) if *previous == head => continue,
                None => {}
                Some(previous) => {
                    let revset = format!("{previous}::{head}");
                    let mut nodes = self.nodes(&revset).await?;
                    if nodes.is_empty() {
                        nodes = self.nodes(&head).await?;
                    } else {
                        nodes.remove(0);
                    }
                    info!(branch, count = nodes.len(), "new revisions");
                    for node in nodes {
                        updates
                            .add_change(self.change(branch, &node).await?)
                            .await?;
                    }
                }
            }
            last.insert(branch.clone(), head);
            db.set_state(objectid, "lastRev", &serde_json::to_value(&last)?)
                .await?;
        }
        Ok(())
    }

    /// The nodes of a revset, in order.
    async fn nodes(&self, revset: &str) -> Result<Vec<String>, String> {
        Ok(self
            .hg(&["log", "-r", revset, "--template={rev}:{node}\n"])
            .await?
            .split_whitespace()
            .filter_map(|line| line.split_once(':').map(|(_, node)| node.to_owned()))
            .collect())
    }

    /// The change of one revision (Buildbot's `_getRevDetails`).
    async fn change(&self, branch: &str, node: &str) -> Result<NewChange, String> {
        let details = self
            .hg(&[
                "log",
                "-r",
                node,
                "--template={date|hgdate}\n{author}\n{files % '{file}:'}\n{desc|strip}",
            ])
            .await?;
        let mut parts = details.splitn(4, '\n');
        let date = parts.next().unwrap_or_default();
        let author = parts.next().unwrap_or_default().trim().to_owned();
        let files = parts
            .next()
            .unwrap_or_default()
            .split(':')
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
            .collect();
        let comments = parts.next().unwrap_or_default().trim().to_owned();
        let when = date
            .split_whitespace()
            .next()
            .and_then(|s| s.parse::<f64>().ok())
            .filter(|_| self.usetimestamps)
            .map_or_else(oxbot_db::now, |t| t as i64);
        let revlink = match (self.revlink, &self.callbacks) {
            (Some(handle), Some(callbacks)) => tokio::task::block_in_place(|| {
                callbacks.call_function(handle, &[Value::from(branch), Value::from(node)])
            })
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
            _ => String::new(),
        };
        Ok(NewChange {
            author,
            committer: None,
            files,
            comments,
            revision: Some(node.to_owned()),
            when_timestamp: when,
            branch: Some(branch.to_owned()),
            category: self.category.clone(),
            revlink: Some(revlink),
            properties: BTreeMap::new(),
            repository: self.repourl.clone(),
            codebase: String::new(),
            project: self.project.clone(),
        })
    }
}
