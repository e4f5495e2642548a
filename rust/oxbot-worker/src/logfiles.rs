//! The shell command's `logfiles` (Buildbot's `LogFileWatcher`): files in the workdir that
//! are watched while the command runs and whose new content goes to the master as
//! `("log", (name, lines))` updates. A file that already exists when the command starts is
//! only read once it changes; with `follow` only what was added since watching began is sent.

use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::output::{LineBuffer, triple};

/// How often the files are looked at, as buildbot-worker does.
pub(crate) const POLL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

/// A file's change times and size: what tells that it was written to.
type Stamp = (i64, i64, i64, i64, u64);

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some((
        meta.ctime(),
        meta.ctime_nsec(),
        meta.mtime(),
        meta.mtime_nsec(),
        meta.size(),
    ))
}

/// One watched file.
pub(crate) struct Watcher {
    name: String,
    path: PathBuf,
    follow: bool,
    /// The file as it was when watching began; `None` once it was seen missing.
    before: Option<Stamp>,
    file: Option<File>,
    lines: LineBuffer,
}

impl Watcher {
    /// Watchers for the `logfiles` argument (`{name: path}` or
    /// `{name: {"filename": path, "follow": bool}}`), paths relative to `workdir`.
    pub(crate) fn for_args(logfiles: Option<&Value>, workdir: &str) -> Vec<Watcher> {
        let Some(Value::Object(map)) = logfiles else {
            return Vec::new();
        };
        map.iter()
            .filter_map(|(name, spec)| {
                let (filename, follow) = match spec {
                    Value::String(path) => (path.as_str(), false),
                    Value::Object(opts) => (
                        opts.get("filename")?.as_str()?,
                        opts.get("follow").and_then(Value::as_bool).unwrap_or(false),
                    ),
                    _ => return None,
                };
                let path = Path::new(workdir).join(filename);
                Some(Watcher {
                    name: name.clone(),
                    before: stamp(&path),
                    path,
                    follow,
                    file: None,
                    lines: LineBuffer::default(),
                })
            })
            .collect()
    }

    /// Reads what was added since the last poll; returns the `log` update for its whole
    /// lines, if any.
    pub(crate) fn poll(&mut self) -> Option<Value> {
        if self.file.is_none() {
            let now = stamp(&self.path);
            if now == self.before {
                return None;
            }
            if now.is_none() {
                // Deleted (to be written anew): any file that appears from now on is new.
                self.before = None;
                return None;
            }
            let mut file = File::open(&self.path).ok()?;
            if self.follow {
                // From where the file ended when watching began. (buildbot-worker seeks to
                // its size at this first change instead, which drops what was appended
                // between two polls; its comment says "lines added since we started".)
                let start = self.before.map_or(0, |before| before.4);
                file.seek(SeekFrom::Start(start)).ok()?;
            }
            self.file = Some(file);
        }
        let file = self.file.as_mut()?;
        let mut added = Vec::new();
        file.read_to_end(&mut added).ok()?;
        let text = self.lines.push(&added);
        self.update(&text)
    }

    /// The last poll, when the command has ended: a partial last line is sent too.
    pub(crate) fn finish(&mut self) -> Vec<Value> {
        let mut updates: Vec<Value> = self.poll().into_iter().collect();
        let rest = self.lines.finish();
        updates.extend(self.update(&rest));
        updates
    }

    fn update(&self, text: &str) -> Option<Value> {
        (!text.is_empty())
            .then(|| Value::Array(vec![Value::from(self.name.as_str()), triple(text)]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn texts(updates: &[Value]) -> String {
        updates.iter().map(|u| u[1][0].as_str().unwrap()).collect()
    }

    #[test]
    fn new_files_are_read_whole_and_followed_files_from_their_end() {
        let dir = tempfile::tempdir().unwrap();
        let workdir = dir.path().to_str().unwrap();
        std::fs::write(dir.path().join("old.log"), "before\n").unwrap();
        std::fs::write(dir.path().join("kept.log"), "untouched\n").unwrap();
        let mut watchers = Watcher::for_args(
            Some(&json!({
                "new": "new.log",
                "old": {"filename": "old.log", "follow": true},
                "kept": "kept.log",
                "never": "never.log",
            })),
            workdir,
        );
        assert_eq!(watchers.len(), 4);
        assert!(watchers.iter_mut().all(|w| w.poll().is_none()));

        std::fs::write(dir.path().join("new.log"), "one\ntw").unwrap();
        let mut old = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("old.log"))
            .unwrap();
        std::io::Write::write_all(&mut old, b"after\n").unwrap();

        let first = watchers[0].poll().unwrap();
        assert_eq!(first[0], "new");
        assert_eq!(first[1][0], "one\n");
        assert_eq!(texts(&watchers[0].finish()), "tw\n");
        assert_eq!(texts(&watchers[1].finish()), "after\n");
        assert_eq!(watchers[1].poll(), None);
        assert!(watchers[2].finish().is_empty());
        assert!(watchers[3].finish().is_empty());
    }
}
