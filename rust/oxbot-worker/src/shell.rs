//! The `shell` command (Buildbot's `runprocess.py`): runs a command in its own process group
//! with the merged environment, streams its output as whole lines, enforces `timeout` and
//! `maxTime`, and kills the whole group on interrupt. With `usePTY` the command runs on a
//! pseudo-terminal as its session leader, so stdout and stderr both arrive as stdout.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::watch;

use oxbot_core::pyrepr::{py_bytes_repr, py_repr};

use crate::commands::Ctx;
use crate::logfiles::{POLL_INTERVAL, Watcher};
use crate::output::{LineBuffer, triple};

/// The command to run and how to show it.
struct Argv {
    /// What runs.
    real: Vec<String>,
    /// The first header line (the command as the user wrote it).
    display: String,
    /// Python's repr of the argv as bytes, as Buildbot's header shows it.
    repr: String,
}

/// Python's `shlex.quote`.
fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\"'\"'"))
    }
}

fn argv(command: &Value) -> Option<Argv> {
    match command {
        Value::String(s) => Some(Argv {
            real: vec!["/bin/sh".to_owned(), "-c".to_owned(), s.clone()],
            display: s.clone(),
            repr: py_bytes_repr(s),
        }),
        Value::Array(items) => {
            let mut real = Vec::new();
            let mut shown = Vec::new();
            for item in items {
                match item {
                    // ["obfuscated", real, fake]: run the real word, show the fake one.
                    Value::Array(t) if t.len() == 3 && t[0] == "obfuscated" => {
                        real.push(t[1].as_str()?.to_owned());
                        shown.push(t[2].as_str()?.to_owned());
                    }
                    Value::String(s) => {
                        real.push(s.clone());
                        shown.push(s.clone());
                    }
                    other => {
                        real.push(other.to_string());
                        shown.push(other.to_string());
                    }
                }
            }
            let repr = format!(
                "[{}]",
                shown
                    .iter()
                    .map(|s| py_bytes_repr(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Some(Argv {
                display: shown
                    .iter()
                    .map(|w| shell_quote(w))
                    .collect::<Vec<_>>()
                    .join(" "),
                real,
                repr,
            })
        }
        _ => None,
    }
}

/// The worker's environment merged with the command's, by Buildbot's rules.
fn environment(overrides: Option<&Value>, workdir: &str) -> BTreeMap<String, String> {
    let base: BTreeMap<String, String> = std::env::vars().collect();
    let mut env = base.clone();
    if let Some(Value::Object(map)) = overrides {
        for (key, value) in map {
            let text = match value {
                Value::Null => {
                    env.remove(key);
                    continue;
                }
                Value::Array(parts) => parts
                    .iter()
                    .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(":"),
                Value::String(s) => substitute(s, &base),
                other => other.to_string(),
            };
            let text = if key == "PYTHONPATH" {
                format!(
                    "{text}:{}",
                    base.get("PYTHONPATH").map_or("", String::as_str)
                )
            } else {
                text
            };
            env.insert(key.clone(), text);
        }
    }
    env.insert("PWD".to_owned(), workdir.to_owned());
    env
}

/// Replaces `${NAME}` with the worker's value of NAME (empty when unset).
fn substitute(text: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        if let Some(end) = rest[start + 2..].find('}') {
            let name = &rest[start + 2..start + 2 + end];
            out.push_str(env.get(name).map_or("", String::as_str));
            rest = &rest[start + 3 + end..];
        } else {
            out.push_str(&rest[start..]);
            rest = "";
        }
    }
    out.push_str(rest);
    out
}

fn secs(n: f64) -> String {
    let shown = if n.fract() == 0.0 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    };
    format!(
        "{shown} {}",
        if (n - 1.0).abs() < f64::EPSILON {
            "sec"
        } else {
            "secs"
        }
    )
}

fn signal_named(name: &str) -> Signal {
    format!("SIG{}", name.trim_start_matches("SIG"))
        .parse()
        .unwrap_or(Signal::SIGKILL)
}

/// A child's output stream.
type Reader = Box<dyn AsyncRead + Unpin + Send>;

/// A started command and the streams its output arrives on.
struct Spawned {
    child: tokio::process::Child,
    stdout: Reader,
    /// `None` on a terminal, where stderr arrives with stdout.
    stderr: Option<Reader>,
}

/// Starts the command in its own process group with piped output.
fn spawn_on_pipes(
    real: &[String],
    workdir: &str,
    env: &BTreeMap<String, String>,
    piped_stdin: bool,
) -> std::io::Result<Spawned> {
    let mut child = tokio::process::Command::new(&real[0])
        .args(&real[1..])
        .current_dir(workdir)
        .env_clear()
        .envs(env)
        .stdin(if piped_stdin {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()?;
    let stdout = Box::new(child.stdout.take().expect("piped"));
    let stderr = Box::new(child.stderr.take().expect("piped"));
    Ok(Spawned {
        child,
        stdout,
        stderr: Some(stderr),
    })
}

/// Starts the command as the leader of a new session whose controlling terminal is a fresh
/// pseudo-terminal (its process group is then its own, as with pipes). `pty-process` does the
/// `setsid` and `TIOCSCTTY` between fork and exec, which would otherwise need `unsafe` here.
fn spawn_on_pty(
    real: &[String],
    workdir: &str,
    env: &BTreeMap<String, String>,
) -> std::io::Result<Spawned> {
    let to_io = |err: pty_process::Error| match err {
        pty_process::Error::Io(err) => err,
        other => std::io::Error::other(other.to_string()),
    };
    let (pty, pts) = pty_process::open().map_err(to_io)?;
    // The size Twisted's PTY process gets by default.
    pty.resize(pty_process::Size::new(24, 80)).map_err(to_io)?;
    let child = pty_process::Command::new(&real[0])
        .args(&real[1..])
        .current_dir(workdir)
        .env_clear()
        .envs(env)
        .kill_on_drop(true)
        .spawn(pts)
        .map_err(to_io)?;
    Ok(Spawned {
        child,
        stdout: Box::new(pty),
        stderr: None,
    })
}

/// The lines in a chunk of output as buildbot-worker counts them (`\r\n`, `\r` or `\n`).
fn count_lines(data: &[u8]) -> u64 {
    let mut count = 0;
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'\r' => {
                count += 1;
                if data.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\n' => count += 1,
            _ => {}
        }
        i += 1;
    }
    count
}

/// Kills a command that went past a limit: SIGTERM first when `sigtermTime` is set (the
/// returned instant is when to send `kill_signal`), else `kill_signal` at once.
fn begin_kill(
    sigterm_time: Option<f64>,
    kill_signal: Signal,
    kill: &dyn Fn(Signal),
) -> Option<Instant> {
    if let Some(grace) = sigterm_time {
        kill(Signal::SIGTERM);
        Some(Instant::now() + Duration::from_secs_f64(grace))
    } else {
        kill(kill_signal);
        None
    }
}

/// Runs the command; returns whether it was interrupted.
pub(crate) async fn run(
    ctx: &Ctx,
    args: &Value,
    mut stopped: watch::Receiver<Option<String>>,
) -> bool {
    let workdir = args["workdir"].as_str().unwrap_or(".").to_owned();
    let Some(argv) = argv(&args["command"]) else {
        ctx.update(vec![
            ("header", triple("invalid command\n")),
            ("rc", json!(-1)),
        ]);
        return false;
    };
    let timeout = args.get("timeout").and_then(Value::as_f64);
    let max_time = args.get("maxTime").and_then(Value::as_f64);
    let max_lines = args.get("max_lines").and_then(Value::as_u64);
    let sigterm_time = args.get("sigtermTime").and_then(Value::as_f64);
    let kill_signal = signal_named(
        args.get("interruptSignal")
            .and_then(Value::as_str)
            .unwrap_or("KILL"),
    );
    let want_stdout = args
        .get("want_stdout")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let want_stderr = args
        .get("want_stderr")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let log_environ = args
        .get("logEnviron")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let stdin_text = args
        .get("initial_stdin")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let env = environment(args.get("env"), &workdir);
    let mut use_pty = args.get("usePTY").and_then(Value::as_bool) == Some(true);

    let mut header = String::new();
    if use_pty && stdin_text.is_some() {
        // A terminal cannot be closed like a pipe, so stdin text turns the PTY off. Buildbot's
        // warning has no newline and so runs into the next header line; kept as it is.
        header.push_str("WARNING: disabling usePTY for this command");
        use_pty = false;
    }
    header.push_str(&format!("{}\n in dir {workdir}", argv.display));
    if let Some(t) = timeout {
        header.push_str(&format!(" (timeout {})", secs(t)));
    }
    if let Some(t) = max_time {
        header.push_str(&format!(" (maxTime {})", secs(t)));
    }
    header.push('\n');
    let logfiles = args.get("logfiles").filter(|v| v.is_object());
    header.push_str(&format!(
        " watching logfiles {}\n",
        logfiles.map_or_else(|| "{}".to_owned(), py_repr)
    ));
    header.push_str(&format!(" argv: {}\n", argv.repr));
    if log_environ {
        header.push_str(" environment:\n");
        for (k, v) in &env {
            header.push_str(&format!("  {k}={v}\n"));
        }
    }
    if let Some(text) = &stdin_text {
        header.push_str(&format!(" writing {} bytes to stdin\n", text.len()));
    }
    header.push_str(if use_pty {
        " using PTY: True\n"
    } else {
        " using PTY: False\n"
    });
    ctx.update(vec![("header", triple(&header))]);

    let mut watchers = Watcher::for_args(logfiles, &workdir);
    let mut poll_logs = tokio::time::interval(POLL_INTERVAL);
    let started = Instant::now();
    if let Err(err) = std::fs::create_dir_all(&workdir) {
        ctx.update(vec![
            (
                "header",
                triple(&format!("cannot create workdir {workdir}: {err}\n")),
            ),
            ("rc", json!(-1)),
        ]);
        return false;
    }
    let spawned = if use_pty {
        spawn_on_pty(&argv.real, &workdir, &env)
    } else {
        spawn_on_pipes(&argv.real, &workdir, &env, stdin_text.is_some())
    };
    let Spawned {
        mut child,
        mut stdout,
        stderr,
    } = match spawned {
        Ok(spawned) => spawned,
        Err(err) => {
            ctx.update(vec![
                (
                    "stderr",
                    triple(&format!("error starting {}: {err}\n", argv.real[0])),
                ),
                ("rc", json!(-1)),
            ]);
            return false;
        }
    };
    let pgid = child.id().map(|id| Pid::from_raw(id as i32));
    if let (Some(text), Some(mut stdin)) = (stdin_text, child.stdin.take()) {
        tokio::spawn(async move {
            let _ = stdin.write_all(text.as_bytes()).await;
        });
    }
    let (mut err_open, mut stderr) = match stderr {
        Some(stderr) => (true, stderr),
        None => (false, Box::new(tokio::io::empty()) as Reader),
    };
    let (mut out_lines, mut err_lines) = (LineBuffer::default(), LineBuffer::default());
    let mut out_open = true;
    let (mut out_buf, mut err_buf) = (vec![0u8; 65536], vec![0u8; 65536]);
    let mut last_output = Instant::now();
    let mut interrupted = false;
    // Lines sent, for `max_lines` (counted as buildbot-worker does, over what it sends).
    let mut line_count: u64 = 0;
    let mut killed_at: Option<Instant> = None;
    let mut escalate_at: Option<Instant> = None;
    let kill = |signal: Signal| {
        if let Some(pgid) = pgid {
            let _ = killpg(pgid, signal);
        }
    };
    let status = loop {
        let now = Instant::now();
        let mut deadline = now + Duration::from_secs(3600);
        if killed_at.is_none() {
            if let Some(t) = timeout {
                deadline = deadline.min(last_output + Duration::from_secs_f64(t));
            }
            if let Some(t) = max_time {
                deadline = deadline.min(started + Duration::from_secs_f64(t));
            }
        }
        if let Some(at) = escalate_at {
            deadline = deadline.min(at);
        }
        tokio::select! {
            n = stdout.read(&mut out_buf), if out_open => match n {
                Ok(0) | Err(_) => out_open = false,
                Ok(n) => {
                    last_output = Instant::now();
                    let lines = out_lines.push(&out_buf[..n]);
                    if want_stdout {
                        line_count += count_lines(&out_buf[..n]);
                    }
                    if want_stdout && !lines.is_empty() {
                        ctx.update(vec![("stdout", triple(&lines))]);
                    }
                }
            },
            n = stderr.read(&mut err_buf), if err_open => match n {
                Ok(0) | Err(_) => err_open = false,
                Ok(n) => {
                    last_output = Instant::now();
                    let lines = err_lines.push(&err_buf[..n]);
                    if want_stderr {
                        line_count += count_lines(&err_buf[..n]);
                    }
                    if want_stderr && !lines.is_empty() {
                        ctx.update(vec![("stderr", triple(&lines))]);
                    }
                }
            },
            _ = poll_logs.tick(), if !watchers.is_empty() => {
                let updates: Vec<Value> = watchers.iter_mut().filter_map(Watcher::poll).collect();
                if !updates.is_empty() {
                    last_output = Instant::now();
                    ctx.update(updates.into_iter().map(|u| ("log", u)).collect());
                }
            }
            status = child.wait(), if !out_open && !err_open => break status,
            changed = stopped.changed(), if !interrupted && killed_at.is_none() => {
                if changed.is_ok() && stopped.borrow().is_some() {
                    interrupted = true;
                    ctx.update(vec![("header", triple("\ncommand interrupted, attempting to kill\n"))]);
                    killed_at = Some(Instant::now());
                    kill(kill_signal);
                }
            }
            () = tokio::time::sleep_until(deadline.into()) => {
                if let Some(at) = escalate_at {
                    if Instant::now() >= at {
                        escalate_at = None;
                        kill(kill_signal);
                    }
                    continue;
                }
                let elapsed_limit = max_time.filter(|t| started.elapsed() >= Duration::from_secs_f64(*t));
                let (reason, text) = match elapsed_limit {
                    Some(t) => ("timeout", format!("\ncommand timed out: {} seconds elapsed running {}, attempting to kill\n", t as i64, argv.repr)),
                    None => ("timeout_without_output", format!("\ncommand timed out: {} seconds without output running {}, attempting to kill\n", timeout.unwrap_or(0.0) as i64, argv.repr)),
                };
                ctx.update(vec![("failure_reason", json!(reason)), ("header", triple(&text))]);
                killed_at = Some(Instant::now());
                escalate_at = begin_kill(sigterm_time, kill_signal, &kill);
            }
        }
        // buildbot-worker's `max_lines`: past it, the command is killed.
        if let Some(limit) = max_lines
            && line_count > limit
            && killed_at.is_none()
        {
            let text = format!(
                "\ncommand exceeds max lines: {line_count}/{limit} written/allowed running {}, attempting to kill\n",
                argv.repr
            );
            ctx.update(vec![
                ("failure_reason", json!("max_lines_failure")),
                ("header", triple(&text)),
            ]);
            killed_at = Some(Instant::now());
            escalate_at = begin_kill(sigterm_time, kill_signal, &kill);
        }
    };
    for (buffer, key, wanted) in [
        (&mut out_lines, "stdout", want_stdout),
        (&mut err_lines, "stderr", want_stderr),
    ] {
        let rest = buffer.finish();
        if wanted && !rest.is_empty() {
            ctx.update(vec![(key, triple(&rest))]);
        }
    }
    let updates: Vec<Value> = watchers.iter_mut().flat_map(Watcher::finish).collect();
    ctx.update(updates.into_iter().map(|u| ("log", u)).collect());
    let rc = match status {
        Ok(status) => {
            use std::os::unix::process::ExitStatusExt as _;
            if let Some(signal) = status.signal() {
                ctx.update(vec![(
                    "header",
                    triple(&format!("process killed by signal {signal}\n")),
                )]);
                -1
            } else if killed_at.is_some() && status.code() == Some(0) {
                -1
            } else {
                i64::from(status.code().unwrap_or(-1))
            }
        }
        Err(err) => {
            ctx.update(vec![(
                "header",
                triple(&format!("waiting for the process failed: {err}\n")),
            )]);
            -1
        }
    };
    ctx.update(vec![
        ("rc", json!(rc)),
        (
            "header",
            triple(&format!(
                "elapsedTime={:.6}\n",
                started.elapsed().as_secs_f64()
            )),
        ),
    ]);
    interrupted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Session;
    use crate::tac::WorkerSettings;
    use tokio_tungstenite::tungstenite::Message as WsMessage;

    /// Runs a shell command with `args` and returns the `update` pairs it sent, in order.
    async fn run_shell(args: &Value) -> Vec<(String, Value)> {
        let (session, mut sent) = Session::detached(WorkerSettings::example("/nonexistent"));
        let ctx = Ctx {
            session,
            id: "c1".to_owned(),
        };
        let (_stop, stopped) = watch::channel(None);
        run(&ctx, args, stopped).await;
        drop(ctx);
        let mut updates = Vec::new();
        while let Some(WsMessage::Binary(bytes)) = sent.recv().await {
            let message = oxbot_proto::decode(&bytes).unwrap();
            assert_eq!(message.op(), "update");
            let args = oxbot_proto::to_json(message.get("args").unwrap());
            for pair in args.as_array().unwrap() {
                updates.push((pair[0].as_str().unwrap().to_owned(), pair[1].clone()));
            }
        }
        updates
    }

    /// The text of every `key` update, joined.
    fn text_of(updates: &[(String, Value)], key: &str) -> String {
        updates
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v[0].as_str().unwrap())
            .collect()
    }

    #[tokio::test]
    async fn logfiles_are_sent_as_log_updates() {
        let dir = tempfile::tempdir().unwrap();
        let workdir = dir.path().to_string_lossy().into_owned();
        let updates = run_shell(&json!({"workdir": workdir, "logEnviron": false,
            "command": "printf 'built\\npartial' > build.log; echo done",
            "logfiles": {"build.log": "build.log"}}))
        .await;
        assert!(
            text_of(&updates, "header").contains(" watching logfiles {'build.log': 'build.log'}\n")
        );
        let logs: Vec<&Value> = updates
            .iter()
            .filter(|(k, _)| k == "log")
            .map(|(_, v)| v)
            .collect();
        assert!(logs.iter().all(|l| l[0] == "build.log"));
        let text: String = logs.iter().map(|l| l[1][0].as_str().unwrap()).collect();
        assert_eq!(text, "built\npartial\n");
        // The log's last lines arrive before the return code, as buildbot-worker sends them.
        let last_log = updates.iter().rposition(|(k, _)| k == "log").unwrap();
        let rc = updates.iter().position(|(k, _)| k == "rc").unwrap();
        assert!(last_log < rc);
    }

    #[tokio::test]
    async fn use_pty_runs_on_a_terminal_and_merges_stderr() {
        let dir = tempfile::tempdir().unwrap();
        let workdir = dir.path().to_string_lossy().into_owned();
        let script = "test -t 1 && echo tty-out; echo to-stderr >&2; exit 4";
        let on_pty = run_shell(
            &json!({"workdir": workdir, "command": script, "usePTY": true, "logEnviron": false}),
        )
        .await;
        assert!(text_of(&on_pty, "header").contains(" using PTY: True\n"));
        assert_eq!(text_of(&on_pty, "stdout"), "tty-out\nto-stderr\n");
        assert_eq!(text_of(&on_pty, "stderr"), "");
        assert!(on_pty.contains(&("rc".to_owned(), json!(4))));

        let on_pipes =
            run_shell(&json!({"workdir": workdir, "command": script, "logEnviron": false})).await;
        assert!(text_of(&on_pipes, "header").contains(" using PTY: False\n"));
        assert_eq!(text_of(&on_pipes, "stdout"), "");
        assert_eq!(text_of(&on_pipes, "stderr"), "to-stderr\n");

        // Stdin text needs a pipe: the PTY is turned off with Buildbot's warning.
        let with_stdin = run_shell(
            &json!({"workdir": workdir, "command": "cat", "usePTY": true,
            "initial_stdin": "fed\n", "logEnviron": false}),
        )
        .await;
        let header = text_of(&with_stdin, "header");
        assert!(header.starts_with("WARNING: disabling usePTY for this commandcat\n"));
        assert!(header.contains(" using PTY: False\n"));
        assert_eq!(text_of(&with_stdin, "stdout"), "fed\n");
    }

    #[test]
    fn lines_are_counted_as_buildbot_worker_does() {
        assert_eq!(count_lines(b"a\nb\r\nc\rd"), 3);
        assert_eq!(count_lines(b"no newline"), 0);
        assert_eq!(count_lines(b"\r\n\n\r"), 3);
    }

    #[test]
    fn headers_show_commands_as_buildbot_does() {
        let list = argv(&json!(["sh", "-c", "echo failing; exit 3"])).unwrap();
        assert_eq!(list.display, "sh -c 'echo failing; exit 3'");
        assert_eq!(list.repr, "[b'sh', b'-c', b'echo failing; exit 3']");
        let string = argv(&json!("echo 'hi'")).unwrap();
        assert_eq!(string.repr, "b\"echo 'hi'\"");
        assert_eq!(string.real, ["/bin/sh", "-c", "echo 'hi'"]);
        assert_eq!(secs(1.0), "1 sec");
        assert_eq!(secs(1200.0), "1200 secs");
    }

    #[test]
    fn environment_merges_by_buildbot_rules() {
        let env = environment(
            Some(
                &json!({"LISTVAR": ["x", "y"], "SUBST": "pre-${HOME}-post", "HOME": null, "PYTHONPATH": "."}),
            ),
            "/w",
        );
        assert_eq!(env["LISTVAR"], "x:y");
        assert!(env["SUBST"].starts_with("pre-") && env["SUBST"].ends_with("-post"));
        assert!(!env.contains_key("HOME"));
        assert!(env["PYTHONPATH"].starts_with(".:"));
        assert_eq!(env["PWD"], "/w");
    }
}
