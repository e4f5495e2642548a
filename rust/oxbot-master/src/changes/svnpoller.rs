//! `SVNPoller` (Buildbot's `changes/svnpoller.py`): every `pollInterval` seconds it reads the
//! last `histmax` entries of `svn log --xml --verbose` for `repourl` and adds a change per new
//! revision and branch (oldest first). Paths are made relative to the repository root's
//! prefix, then `split_file` (the config's Python function, or `split_file_alwaystrunk`) names
//! their branch; deleting a whole branch is no change. The last revision seen is kept in the
//! database (`last_change`), so a restart does not replay history; the first poll only
//! records where the repository is.

use std::collections::BTreeMap;
use std::sync::Arc;

use oxbot_core::config::{ChangeSourceConfig, Value, string_list};
use oxbot_core::python::{PythonCallbacks, handle_of};
use oxbot_db::NewChange;
use regex::Regex;
use tracing::{info, warn};

use crate::data::updates::Updates;

/// A configured poller.
#[derive(Clone)]
pub struct SvnPoller {
    name: String,
    repourl: String,
    svnuser: Option<String>,
    svnpasswd: Option<String>,
    svnbin: String,
    extra_args: Vec<String>,
    histmax: u32,
    schedule: super::PollSchedule,
    /// `split_file`, a Python function (`None`: every path is on the default branch).
    split_file: Option<u64>,
    callbacks: Option<Arc<dyn PythonCallbacks>>,
    revlinktmpl: String,
    category: Option<String>,
    project: String,
}

/// One `<logentry>` of `svn log --xml --verbose`.
#[derive(Debug, Clone, PartialEq)]
struct LogEntry {
    revision: u64,
    author: String,
    msg: String,
    /// `(kind, action, path)`.
    paths: Vec<(String, String, String)>,
}

/// What a change of one branch gathers from a revision.
#[derive(Debug, Default)]
struct BranchFiles {
    files: Vec<String>,
    directories: usize,
    action: Option<String>,
    repository: Option<String>,
    project: Option<String>,
    codebase: Option<String>,
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        if let Some(c) = decoded {
            out.push(c);
            rest = &rest[end + 1..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// The text of the first `<tag>...</tag>` in `xml` ("unknown" when absent, as Buildbot).
fn element_text(xml: &str, tag: &str) -> Option<String> {
    let re = Regex::new(&format!(r"(?s)<{tag}(?:\s[^>]*)?>(.*?)</{tag}>")).ok()?;
    re.captures(xml).map(|c| unescape(&c[1]))
}

fn attributes(tag: &str) -> BTreeMap<String, String> {
    let re = Regex::new(r#"([\w:-]+)="([^"]*)""#).expect("attribute regex");
    re.captures_iter(tag)
        .map(|c| (c[1].to_owned(), unescape(&c[2])))
        .collect()
}

/// The entries of `svn log --xml --verbose`, newest first (as svn prints them).
fn parse_log(xml: &str) -> Vec<LogEntry> {
    let entry_re = Regex::new(r"(?s)<logentry([^>]*)>(.*?)</logentry>").expect("entry regex");
    let path_re = Regex::new(r"(?s)<path(\s[^>]*)?>(.*?)</path>").expect("path regex");
    entry_re
        .captures_iter(xml)
        .filter_map(|entry| {
            let revision = attributes(&entry[1]).get("revision")?.parse().ok()?;
            let body = &entry[2];
            Some(LogEntry {
                revision,
                author: element_text(body, "author").unwrap_or_else(|| "unknown".to_owned()),
                msg: element_text(body, "msg").unwrap_or_else(|| "unknown".to_owned()),
                paths: path_re
                    .captures_iter(body)
                    .map(|p| {
                        let attrs = attributes(p.get(1).map_or("", |m| m.as_str()));
                        let get = |k: &str| attrs.get(k).cloned().unwrap_or_default();
                        (get("kind"), get("action"), unescape(&p[2]))
                    })
                    .collect(),
            })
        })
        .collect()
}

impl SvnPoller {
    pub fn from_config(
        config: &ChangeSourceConfig,
        callbacks: Option<Arc<dyn PythonCallbacks>>,
    ) -> Result<SvnPoller, String> {
        let args = &config.args;
        let text = |key: &str| args.get(key).and_then(Value::as_str).map(str::to_owned);
        let repourl = text("repourl")
            .or_else(|| {
                args.get("args")
                    .and_then(|a| a.get(0))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .ok_or("SVNPoller: repourl is required")?;
        let split_file = match args.get("split_file") {
            None | Some(Value::Null) => None,
            Some(function) => {
                Some(handle_of(function).ok_or("SVNPoller: split_file must be a function")?)
            }
        };
        Ok(SvnPoller {
            name: config.name.clone(),
            repourl: repourl.trim_end_matches('/').to_owned(),
            svnuser: text("svnuser"),
            svnpasswd: text("svnpasswd"),
            svnbin: text("svnbin").unwrap_or_else(|| "svn".to_owned()),
            extra_args: string_list(args.get("extra_args")),
            histmax: args
                .get("histmax")
                .and_then(Value::as_u64)
                .map_or(100, |h| h as u32),
            schedule: super::PollSchedule::from_args(args),
            split_file,
            callbacks,
            revlinktmpl: text("revlinktmpl").unwrap_or_default(),
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

    async fn svn(&self, words: &[&str]) -> Result<String, String> {
        let mut command = tokio::process::Command::new(&self.svnbin);
        command.args(words).arg("--non-interactive");
        if let Some(user) = &self.svnuser {
            command.arg(format!("--username={user}"));
        }
        if let Some(password) = &self.svnpasswd {
            command.arg(format!("--password={password}"));
        }
        command.args(&self.extra_args);
        let output = command
            .output()
            .await
            .map_err(|e| format!("{} {}: {e}", self.svnbin, words.join(" ")))?;
        if !output.status.success() {
            return Err(format!(
                "{} {}: {}",
                self.svnbin,
                words.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// The configured URL's path below the repository root (Buildbot's `get_prefix`).
    async fn prefix(&self) -> Result<String, String> {
        let info = self.svn(&["info", "--xml", &self.repourl]).await?;
        let Some(root) = element_text(&info, "root") else {
            return Ok(String::new());
        };
        let prefix = self
            .repourl
            .strip_prefix(&root)
            .ok_or("Configured repourl doesn't match svn root")?;
        Ok(prefix.trim_start_matches('/').to_owned())
    }

    #[tracing::instrument(skip_all, fields(poller = %self.name))]
    async fn poll(
        &self,
        updates: &Updates,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let prefix = self.prefix().await?;
        let limit = format!("--limit={}", self.histmax);
        let log = self
            .svn(&["log", "--xml", "--verbose", &limit, &self.repourl])
            .await?;
        let entries = parse_log(&log);
        let Some(newest) = entries.first().map(|e| e.revision) else {
            return Ok(());
        };
        let db = updates.db();
        let objectid = db.get_object_id(&self.name, "SVNPoller").await?;
        let last = db
            .get_state(objectid, "last_change")
            .await?
            .and_then(|v| v.as_u64());
        if let Some(last) = last {
            let new: Vec<&LogEntry> = entries.iter().take_while(|e| e.revision != last).collect();
            if !new.is_empty() {
                info!(from = last, to = newest, "new revisions");
            }
            for entry in new.into_iter().rev() {
                for change in self.changes(entry, &prefix) {
                    updates.add_change(change).await?;
                }
            }
        }
        db.set_state(objectid, "last_change", &Value::from(newest))
            .await?;
        Ok(())
    }

    /// Where a repository path belongs: `{"branch", "path", ...}`, or `None` to ignore it
    /// (Buildbot's `_transform_path`).
    fn split(&self, path: &str, prefix: &str) -> Option<serde_json::Map<String, Value>> {
        let relative = path.strip_prefix(prefix)?.trim_start_matches('/');
        let (Some(handle), Some(callbacks)) = (self.split_file, &self.callbacks) else {
            return Some(serde_json::Map::from_iter([(
                "path".to_owned(),
                Value::from(relative),
            )]));
        };
        let result = tokio::task::block_in_place(|| {
            callbacks.call_function(handle, &[Value::from(relative)])
        });
        match result {
            Ok(Value::Object(map)) => Some(map),
            Ok(Value::Array(pair)) if pair.len() == 2 => Some(serde_json::Map::from_iter([
                ("branch".to_owned(), pair[0].clone()),
                ("path".to_owned(), pair[1].clone()),
            ])),
            Ok(_) => None,
            Err(err) => {
                warn!(poller = %self.name, cause = %err, "split_file failed; the path is ignored");
                None
            }
        }
    }

    /// The changes of one revision, one per branch it touches (Buildbot's `create_changes`).
    fn changes(&self, entry: &LogEntry, prefix: &str) -> Vec<NewChange> {
        let mut branches: BTreeMap<Option<String>, BranchFiles> = BTreeMap::new();
        for (kind, action, path) in &entry.paths {
            let mut path = path.trim_start_matches('/').to_owned();
            if kind == "dir" && !path.ends_with('/') {
                path.push('/');
            }
            let Some(place) = self.split(&path, prefix) else {
                continue;
            };
            let text = |k: &str| place.get(k).and_then(Value::as_str).map(str::to_owned);
            let files = branches.entry(text("branch")).or_default();
            let file = text("path").unwrap_or_default();
            if file.is_empty() || file.ends_with('/') {
                files.directories += 1;
            }
            files.files.push(file.trim_end_matches('/').to_owned());
            files.action.get_or_insert_with(|| action.clone());
            files.repository = files.repository.take().or_else(|| text("repository"));
            files.project = files.project.take().or_else(|| text("project"));
            files.codebase = files.codebase.take().or_else(|| text("codebase"));
        }
        let revision = entry.revision.to_string();
        let revlink = if self.revlinktmpl.is_empty() {
            String::new()
        } else {
            self.revlinktmpl.replace("%s", &revision)
        };
        branches
            .into_iter()
            .filter(|(_, f)| {
                // Deleting a whole branch is no change.
                !(f.action.as_deref() == Some("D")
                    && f.directories == 1
                    && f.files.len() == 1
                    && f.files[0].is_empty())
            })
            .map(|(branch, f)| NewChange {
                author: entry.author.clone(),
                committer: None,
                files: f.files,
                comments: entry.msg.clone(),
                revision: Some(revision.clone()),
                when_timestamp: oxbot_db::now(),
                branch,
                category: self.category.clone(),
                revlink: Some(revlink.clone()),
                properties: BTreeMap::new(),
                repository: f.repository.unwrap_or_else(|| self.repourl.clone()),
                codebase: f.codebase.unwrap_or_default(),
                project: f.project.unwrap_or_else(|| self.project.clone()),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<log>
<logentry revision="3">
<author>ada</author>
<date>2026-12-03T10:00:00.000000Z</date>
<paths>
<path kind="file" action="M" prop-mods="false" text-mods="true">/trunk/a &amp; b.c</path>
<path kind="dir" action="A">/branches/rel</path>
</paths>
<msg>fix &lt;it&gt;
twice</msg>
</logentry>
<logentry revision="2">
<author>bob</author>
<paths>
<path kind="file" action="A">/trunk/x</path>
</paths>
<msg></msg>
</logentry>
</log>"#;

    #[test]
    fn log_entries_are_read_newest_first() {
        let entries = parse_log(LOG);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].revision, 3);
        assert_eq!(entries[0].msg, "fix <it>\ntwice");
        assert_eq!(
            entries[0].paths[0],
            ("file".into(), "M".into(), "/trunk/a & b.c".into())
        );
        assert_eq!(entries[1].msg, "");
    }
}
