//! The remote commands a master can start (Buildbot's `buildbot_worker/commands/`), with the
//! worker info that advertises them. Each runs as its own task and ends with `rc`, `elapsed`
//! (unless interrupted) and `complete`.

use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rmpv::Value as Msg;
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use crate::session::{Session, command_finished};
use crate::shell;
use crate::tac::WorkerSettings;

/// Commands this worker runs, each listed under both of Buildbot's spellings at version 3.3.
const COMMANDS: &[&str] = &[
    "shell",
    "uploadFile",
    "upload_file",
    "uploadDirectory",
    "upload_directory",
    "downloadFile",
    "download_file",
    "mkdir",
    "rmdir",
    "cpdir",
    "stat",
    "glob",
    "listdir",
    "rmfile",
];

/// The answer to `get_worker_info`.
pub(crate) fn worker_info(settings: &WorkerSettings) -> Value {
    let mut info = Map::new();
    let environ: Map<String, Value> = std::env::vars().map(|(k, v)| (k, Value::from(v))).collect();
    info.insert("environ".into(), Value::Object(environ));
    info.insert("system".into(), json!("posix"));
    info.insert("basedir".into(), json!(settings.basedir));
    let cpus = settings
        .numcpus
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u64));
    info.insert("numcpus".into(), json!(cpus));
    info.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    info.insert(
        "worker_commands".into(),
        Value::Object(
            COMMANDS
                .iter()
                .map(|c| ((*c).to_owned(), json!("3.3")))
                .collect(),
        ),
    );
    info.insert(
        "delete_leftover_dirs".into(),
        json!(settings.delete_leftover_dirs),
    );
    if let Ok(entries) = std::fs::read_dir(Path::new(&settings.basedir).join("info")) {
        for entry in entries.flatten() {
            if let (Some(name), Ok(text)) = (
                entry.file_name().to_str().map(str::to_owned),
                std::fs::read_to_string(entry.path()),
            ) {
                info.insert(name, json!(text));
            }
        }
    }
    if let Ok(release) = std::fs::read_to_string("/etc/os-release") {
        for line in release.lines() {
            if let Some((key, value)) = line.split_once('=') {
                info.insert(
                    format!("os_{}", key.to_lowercase()),
                    json!(value.trim_matches('"')),
                );
            }
        }
    }
    Value::Object(info)
}

/// What a running command reports through.
pub(crate) struct Ctx {
    pub(crate) session: Arc<Session>,
    pub(crate) id: String,
}

impl Ctx {
    pub(crate) fn update(&self, pairs: Vec<(&str, Value)>) {
        self.session.update(&self.id, pairs);
    }

    pub(crate) fn header(&self, text: &str) {
        self.update(vec![("header", crate::output::triple(text))]);
    }
}

fn str_arg(args: &Value, key: &str) -> Option<String> {
    args.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Starts a command; an unknown name or missing argument is refused at once.
pub(crate) fn start(
    session: Arc<Session>,
    id: String,
    name: &str,
    args: Value,
    stopped: watch::Receiver<Option<String>>,
) -> Result<(), String> {
    let name = match name {
        "uploadFile" => "upload_file",
        "uploadDirectory" => "upload_directory",
        "downloadFile" => "download_file",
        other => other,
    }
    .to_owned();
    let required: &[&str] = match name.as_str() {
        "shell" => &["workdir", "command"],
        "mkdir" | "rmdir" => &["paths"],
        "cpdir" => &["from_path", "to_path"],
        "stat" | "glob" | "listdir" | "rmfile" | "upload_file" | "download_file" => &["path"],
        "upload_directory" => &["path", "blocksize"],
        other => {
            return Err(format!(
                "(command {id}): unrecognized WorkerCommand '{other}'"
            ));
        }
    };
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|k| args.get(*k).is_none_or(Value::is_null))
        .collect();
    if !missing.is_empty() {
        return Err(format!("{name} is missing args: {}", missing.join(", ")));
    }
    tokio::spawn(async move {
        let ctx = Ctx { session, id };
        let started = Instant::now();
        let interrupted = match name.as_str() {
            "shell" => shell::run(&ctx, &args, stopped).await,
            "upload_file" => upload_file(&ctx, &args, &stopped).await,
            "upload_directory" => upload_directory(&ctx, &args, &stopped).await,
            "download_file" => download_file(&ctx, &args, &stopped).await,
            other => {
                fs_command(&ctx, other, &args);
                false
            }
        };
        if !interrupted {
            ctx.update(vec![("elapsed", json!(started.elapsed().as_secs_f64()))]);
        }
        command_finished(&ctx.session, &ctx.id);
        let _ = ctx
            .session
            .request(
                "complete",
                vec![
                    ("args", Msg::Nil),
                    ("command_id", Msg::from(ctx.id.as_str())),
                ],
            )
            .await;
    });
    Ok(())
}

fn errno(err: &std::io::Error) -> i64 {
    i64::from(err.raw_os_error().unwrap_or(1))
}

/// Reports an fs error as Buildbot does: `header "<cmd>: <strerror>: <path>"` and `rc errno`.
fn fail(ctx: &Ctx, cmd: &str, err: &std::io::Error, path: &str) {
    let text = err.to_string();
    let strerror = text.split(" (os error").next().unwrap_or(&text);
    ctx.update(vec![
        (
            "header",
            crate::output::triple(&format!("{cmd}: {strerror}: {path}\n")),
        ),
        ("rc", json!(errno(err))),
    ]);
}

fn paths(args: &Value) -> Vec<String> {
    match args.get("paths") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(p)) => vec![p.clone()],
        _ => Vec::new(),
    }
}

/// The filesystem commands, which finish at once.
fn fs_command(ctx: &Ctx, name: &str, args: &Value) {
    let path = str_arg(args, "path").unwrap_or_default();
    match name {
        "mkdir" => {
            for dir in paths(args) {
                if let Err(err) = std::fs::create_dir_all(&dir) {
                    return fail(ctx, "mkdir", &err, &dir);
                }
            }
            ctx.update(vec![("rc", json!(0))]);
        }
        "rmdir" => {
            let mut rc = 0;
            for dir in paths(args) {
                // As buildbot-worker (`rm -rf`): a file or a symlink goes too.
                let removed = match std::fs::symlink_metadata(&dir) {
                    Ok(meta) if !meta.is_dir() => std::fs::remove_file(&dir),
                    _ => std::fs::remove_dir_all(&dir),
                };
                match removed {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(err) => {
                        ctx.header(&format!("rmdir: {err}: {dir}\n"));
                        rc = errno(&err);
                    }
                }
            }
            ctx.update(vec![("rc", json!(rc))]);
        }
        "cpdir" => {
            let (from, to) = (
                str_arg(args, "from_path").unwrap_or_default(),
                str_arg(args, "to_path").unwrap_or_default(),
            );
            match copy_tree(Path::new(&from), Path::new(&to)) {
                Ok(()) => ctx.update(vec![("rc", json!(0))]),
                Err(err) => fail(ctx, "cpdir", &err, &from),
            }
        }
        "listdir" => match std::fs::read_dir(&path) {
            Ok(entries) => {
                let files: Vec<String> = entries
                    .flatten()
                    .filter_map(|e| e.file_name().to_str().map(str::to_owned))
                    .collect();
                ctx.update(vec![("files", json!(files)), ("rc", json!(0))]);
            }
            Err(err) => fail(ctx, "listdir", &err, &path),
        },
        "stat" => match std::fs::symlink_metadata(&path) {
            Ok(m) => {
                let stat = json!([
                    m.mode(),
                    m.ino(),
                    m.dev(),
                    m.nlink(),
                    m.uid(),
                    m.gid(),
                    m.size(),
                    m.atime(),
                    m.mtime(),
                    m.ctime()
                ]);
                ctx.update(vec![("stat", stat), ("rc", json!(0))]);
            }
            Err(err) => fail(ctx, "stat", &err, &path),
        },
        "glob" => {
            let files = glob_paths(&path);
            ctx.update(vec![("files", json!(files)), ("rc", json!(0))]);
        }
        "rmfile" => match std::fs::remove_file(&path) {
            Ok(()) => ctx.update(vec![("rc", json!(0))]),
            Err(err) => fail(ctx, "rmfile", &err, &path),
        },
        _ => unreachable!("start() accepts only known commands"),
    }
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(from)?;
    if meta.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        std::fs::set_permissions(to, meta.permissions())
    } else if meta.file_type().is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(from)?, to)
    } else {
        std::fs::copy(from, to).map(|_| ())
    }
}

/// Expands a glob pattern (`*`, `?`, `[...]`, and `**` across directories) to absolute paths.
fn glob_paths(pattern: &str) -> Vec<String> {
    let mut results = vec![String::from(if pattern.starts_with('/') {
        "/"
    } else {
        ""
    })];
    for part in pattern.split('/').filter(|p| !p.is_empty()) {
        let mut next = Vec::new();
        for base in &results {
            let dir = if base.is_empty() {
                ".".to_owned()
            } else {
                base.clone()
            };
            let join = |name: &str| {
                if base.ends_with('/') || base.is_empty() {
                    format!("{base}{name}")
                } else {
                    format!("{base}/{name}")
                }
            };
            if part == "**" {
                next.push(base.clone());
                let mut stack = vec![dir.clone()];
                while let Some(d) = stack.pop() {
                    for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                        if entry.path().is_dir() {
                            let p = entry.path().to_string_lossy().into_owned();
                            next.push(p.clone());
                            stack.push(p);
                        }
                    }
                }
            } else if part.contains(['*', '?', '[']) {
                for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if !name.starts_with('.') && wildcard(part, &name) {
                        next.push(join(&name));
                    }
                }
            } else {
                let candidate = join(part);
                if Path::new(&candidate).symlink_metadata().is_ok() {
                    next.push(candidate);
                }
            }
        }
        results = next;
    }
    results.retain(|r| !r.is_empty() && r != "/");
    results
}

/// fnmatch-style matching of one path component.
fn wildcard(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| go(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && go(&p[1..], &n[1..]),
            Some('[') => match p.iter().position(|c| *c == ']') {
                Some(end) if !n.is_empty() => {
                    let set = &p[1..end];
                    let (negate, set) = match set.first() {
                        Some('!') => (true, &set[1..]),
                        _ => (false, set),
                    };
                    let mut hit = false;
                    let mut i = 0;
                    while i < set.len() {
                        if i + 2 < set.len() && set[i + 1] == '-' {
                            hit |= set[i] <= n[0] && n[0] <= set[i + 2];
                            i += 3;
                        } else {
                            hit |= set[i] == n[0];
                            i += 1;
                        }
                    }
                    hit != negate && go(&p[end + 1..], &n[1..])
                }
                _ => false,
            },
            Some(c) => n.first() == Some(c) && go(&p[1..], &n[1..]),
        }
    }
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    go(&p, &n)
}

/// Sends `file` to the master in `blocksize` chunks with `op` (each acknowledged), at most
/// `maxsize` bytes; returns the rc so far (1 when truncated, interrupted or failed).
async fn send_blocks(
    ctx: &Ctx,
    args: &Value,
    stopped: &watch::Receiver<Option<String>>,
    mut file: tokio::fs::File,
    path: &str,
    op: &str,
) -> i64 {
    use tokio::io::AsyncReadExt as _;
    let blocksize = args
        .get("blocksize")
        .and_then(Value::as_u64)
        .unwrap_or(262_144) as usize;
    let maxsize = args.get("maxsize").and_then(Value::as_u64);
    let id = Msg::from(ctx.id.as_str());
    let mut sent = 0u64;
    let mut buf = vec![0u8; blocksize.max(1)];
    loop {
        if stopped.borrow().is_some() {
            return 1;
        }
        let mut n = match file.read(&mut buf).await {
            Ok(0) => return 0,
            Ok(n) => n,
            Err(_) => return 1,
        };
        let mut rc = 0;
        if let Some(max) = maxsize
            && sent + n as u64 > max
        {
            n = (max - sent) as usize;
            rc = 1;
            ctx.update(vec![(
                "stderr",
                crate::output::triple(&format!(
                    "Maximum filesize reached, truncating file '{path}'\n"
                )),
            )]);
        }
        sent += n as u64;
        let write = ctx
            .session
            .request(
                op,
                vec![
                    ("args", Msg::Binary(buf[..n].to_vec())),
                    ("command_id", id.clone()),
                ],
            )
            .await;
        if write.is_err() || rc != 0 {
            return 1;
        }
    }
}

/// Writes the directory `src` as a tar stream (compressed with `gz` or `bz2`) to `out`.
/// Entries are relative to `src`; symbolic links are stored as links.
fn write_tar(src: &str, out: &Path, compress: Option<&str>) -> std::io::Result<()> {
    fn add<W: std::io::Write>(writer: W, src: &str) -> std::io::Result<W> {
        let mut builder = tar::Builder::new(writer);
        builder.follow_symlinks(false);
        builder.append_dir_all(".", src)?;
        builder.into_inner()
    }
    let file = std::io::BufWriter::new(std::fs::File::create(out)?);
    match compress {
        Some("gz") => add(
            flate2::write::GzEncoder::new(file, flate2::Compression::default()),
            src,
        )?
        .finish()
        .map(drop),
        Some("bz2") => add(
            bzip2::write::BzEncoder::new(file, bzip2::Compression::default()),
            src,
        )?
        .finish()
        .map(drop),
        _ => add(file, src)?
            .into_inner()
            .map(drop)
            .map_err(std::io::IntoInnerError::into_error),
    }
}

/// `upload_directory`: packs the directory into a tar stream, sends it in blocks, then asks
/// the master to unpack it.
async fn upload_directory(
    ctx: &Ctx,
    args: &Value,
    stopped: &watch::Receiver<Option<String>>,
) -> bool {
    let path = str_arg(args, "path").unwrap_or_default();
    let compress = str_arg(args, "compress");
    let tar_path =
        std::env::temp_dir().join(format!("oxbot-transfer-{}-{}", std::process::id(), ctx.id));
    let packed = {
        let (path, tar_path) = (path.clone(), tar_path.clone());
        tokio::task::spawn_blocking(move || write_tar(&path, &tar_path, compress.as_deref()))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())))
    };
    let rc = match packed {
        Err(err) => {
            ctx.update(vec![(
                "stderr",
                crate::output::triple(&format!(
                    "Cannot read directory '{path}' for upload: {err}\n"
                )),
            )]);
            1
        }
        Ok(()) => match tokio::fs::File::open(&tar_path).await {
            Err(err) => {
                ctx.update(vec![(
                    "stderr",
                    crate::output::triple(&format!("Cannot read the packed directory: {err}\n")),
                )]);
                1
            }
            Ok(file) => {
                ctx.header(&format!("sending {path}\n"));
                let rc = send_blocks(
                    ctx,
                    args,
                    stopped,
                    file,
                    &path,
                    "update_upload_directory_write",
                )
                .await;
                let unpack = ctx
                    .session
                    .request(
                        "update_upload_directory_unpack",
                        vec![("command_id", Msg::from(ctx.id.as_str()))],
                    )
                    .await;
                if let Err(err) = &unpack {
                    ctx.update(vec![(
                        "stderr",
                        crate::output::triple(&format!("the master could not unpack: {err}\n")),
                    )]);
                }
                if unpack.is_err() { 1 } else { rc }
            }
        },
    };
    let _ = std::fs::remove_file(&tar_path);
    ctx.update(vec![("rc", json!(rc))]);
    false
}

/// `upload_file`: sends the file in `blocksize` chunks, each acknowledged by the master.
async fn upload_file(ctx: &Ctx, args: &Value, stopped: &watch::Receiver<Option<String>>) -> bool {
    let path = str_arg(args, "path").unwrap_or_default();
    let id = Msg::from(ctx.id.as_str());
    ctx.header(&format!("sending {path}\n"));
    let rc;
    if let Ok(file) = tokio::fs::File::open(&path).await {
        rc = send_blocks(ctx, args, stopped, file, &path, "update_upload_file_write").await;
        let _ = ctx
            .session
            .request("update_upload_file_close", vec![("command_id", id.clone())])
            .await;
        if rc == 0
            && args
                .get("keepstamp")
                .and_then(Value::as_bool)
                .unwrap_or(false)
            && let Ok(meta) = std::fs::metadata(&path)
        {
            let fields = vec![
                ("access_time", Msg::F64(meta.atime() as f64)),
                ("modified_time", Msg::F64(meta.mtime() as f64)),
                ("command_id", id.clone()),
            ];
            if let Err(err) = ctx
                .session
                .request("update_upload_file_utime", fields)
                .await
            {
                ctx.update(vec![(
                    "stderr",
                    crate::output::triple(&format!(
                        "the master could not keep the file's timestamp: {err}\n"
                    )),
                )]);
            }
        }
    } else {
        let _ = ctx
            .session
            .request("update_upload_file_close", vec![("command_id", id.clone())])
            .await;
        ctx.update(vec![(
            "stderr",
            crate::output::triple(&format!("Cannot open file '{path}' for upload\n")),
        )]);
        rc = 1;
    }
    ctx.update(vec![("rc", json!(rc))]);
    false
}

/// `download_file`: asks the master for `blocksize` bytes at a time until it sends none.
async fn download_file(ctx: &Ctx, args: &Value, stopped: &watch::Receiver<Option<String>>) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    use tokio::io::AsyncWriteExt as _;
    let path = str_arg(args, "path").unwrap_or_default();
    let blocksize = args
        .get("blocksize")
        .and_then(Value::as_u64)
        .unwrap_or(16384);
    let maxsize = args.get("maxsize").and_then(Value::as_u64);
    let id = Msg::from(ctx.id.as_str());
    if let Some(parent) = Path::new(&path).parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let mut rc = 0;
    if let Ok(mut file) = tokio::fs::File::create(&path).await {
        if let Some(mode) = args.get("mode").and_then(Value::as_u64) {
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode as u32));
        }
        let mut received = 0u64;
        loop {
            if stopped.borrow().is_some() {
                rc = 1;
                break;
            }
            let length =
                maxsize.map_or(blocksize, |m| blocksize.min(m.saturating_sub(received) + 1));
            let data = match ctx
                .session
                .request(
                    "update_read_file",
                    vec![("length", Msg::from(length)), ("command_id", id.clone())],
                )
                .await
            {
                Ok(Msg::Binary(bytes)) => bytes,
                Ok(Msg::String(s)) => s.into_bytes(),
                Ok(_) => Vec::new(),
                Err(_) => {
                    rc = 1;
                    break;
                }
            };
            if data.is_empty() {
                break;
            }
            received += data.len() as u64;
            if maxsize.is_some_and(|m| received > m) {
                ctx.update(vec![(
                    "stderr",
                    crate::output::triple(&format!(
                        "Maximum filesize reached, truncating file '{path}'\n"
                    )),
                )]);
                rc = 1;
                break;
            }
            if file.write_all(&data).await.is_err() {
                rc = 1;
                break;
            }
        }
        let _ = file.flush().await;
    } else {
        ctx.update(vec![(
            "stderr",
            crate::output::triple(&format!("Cannot open file '{path}' for download\n")),
        )]);
        rc = 1;
    }
    let _ = ctx
        .session
        .request("update_read_file_close", vec![("command_id", id)])
        .await;
    ctx.update(vec![("rc", json!(rc))]);
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_fnmatch() {
        assert!(wildcard("*.txt", "a.txt"));
        assert!(!wildcard("*.txt", "a.txt.bak"));
        assert!(wildcard("file?.[ch]", "file1.c"));
        assert!(!wildcard("[!a]*", "abc"));
    }

    #[test]
    fn directories_pack_as_tar_streams() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/sub")).unwrap();
        std::fs::write(dir.path().join("src/sub/b.txt"), "deep\n").unwrap();
        std::os::unix::fs::symlink("sub/b.txt", dir.path().join("src/link")).unwrap();
        let src = dir.path().join("src").to_string_lossy().into_owned();
        for compress in [None, Some("gz"), Some("bz2")] {
            let out = dir.path().join("out.tar");
            write_tar(&src, &out, compress).unwrap();
            let file = std::fs::File::open(&out).unwrap();
            let reader: Box<dyn std::io::Read> = match compress {
                Some("gz") => Box::new(flate2::read::GzDecoder::new(file)),
                Some("bz2") => Box::new(bzip2::read::BzDecoder::new(file)),
                _ => Box::new(file),
            };
            let mut archive = tar::Archive::new(reader);
            let mut entries: Vec<(String, bool)> = archive
                .entries()
                .unwrap()
                .map(|e| {
                    let e = e.unwrap();
                    let path = e.path().unwrap().to_string_lossy().into_owned();
                    (path, e.header().entry_type().is_symlink())
                })
                .collect();
            entries.sort();
            assert_eq!(
                entries,
                [
                    ("./".to_owned(), false),
                    ("link".to_owned(), true),
                    ("sub".to_owned(), false),
                    ("sub/b.txt".to_owned(), false)
                ],
                "{compress:?}"
            );
        }
        let missing = write_tar("/nonexistent/dir", &dir.path().join("x.tar"), None);
        assert!(missing.is_err());
    }

    #[test]
    fn glob_finds_files_recursively() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/b/x.log"), "").unwrap();
        std::fs::write(dir.path().join("a/y.log"), "").unwrap();
        let mut found = glob_paths(&format!("{}/**/*.log", dir.path().display()));
        found.sort();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].ends_with("a/b/x.log"));
    }
}
