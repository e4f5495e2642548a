//! `MasterShellCommand` (Buildbot's `steps/master.py`): runs a command on the master, in the
//! master's directory (or `workdir`), with its output in the step's `stdio` log and Buildbot's
//! header lines. With `env`, the command gets exactly that environment (`${VAR}` expanded).

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt as _;
use std::process::Stdio;

use oxbot_core::Results;
use oxbot_core::pyrepr::py_str_repr;
use serde_json::{Map, Value};
use tokio::io::AsyncReadExt as _;

use super::arg_str;
use crate::process::step::{StepContext, StepError};

/// A `MasterShellCommand`, with its rendered arguments.
#[derive(Debug, Clone)]
pub struct MasterShellCommand {
    command: Value,
    env: Option<Map<String, Value>>,
    workdir: Option<String>,
    log_environ: bool,
    /// `interruptSignal`: what a stop sends the process (Buildbot's default `KILL`).
    interrupt_signal: String,
}

impl MasterShellCommand {
    pub fn from_args(args: &Map<String, Value>) -> Result<MasterShellCommand, StepError> {
        let command = args
            .get("command")
            .or_else(|| args.get("args").and_then(|a| a.get(0)))
            .cloned()
            .ok_or_else(|| {
                StepError::Config("MasterShellCommand: command is required".to_owned())
            })?;
        Ok(MasterShellCommand {
            command,
            env: args.get("env").and_then(Value::as_object).cloned(),
            workdir: arg_str(args, "workdir"),
            log_environ: args
                .get("logEnviron")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            interrupt_signal: arg_str(args, "interruptSignal").unwrap_or_else(|| "KILL".to_owned()),
        })
    }

    pub fn descriptions(&self) -> (Option<String>, Option<String>) {
        (Some("Running".to_owned()), Some("Ran".to_owned()))
    }

    pub async fn run(&self, ctx: &mut StepContext) -> Result<Results, StepError> {
        let log = ctx.add_log("stdio").await?;
        let (argv, shown) = match &self.command {
            Value::String(s) => (
                vec!["/bin/sh".to_owned(), "-c".to_owned(), s.clone()],
                s.trim().to_owned(),
            ),
            Value::Array(items) => {
                let words: Vec<String> = items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect();
                let shown = words.join(" ");
                (words, shown)
            }
            other => {
                return Err(StepError::Config(format!(
                    "MasterShellCommand: invalid command {other}"
                )));
            }
        };
        let cwd = std::env::current_dir().map_err(|e| StepError::Data(e.to_string()))?;
        let dir = self
            .workdir
            .as_ref()
            .map_or_else(|| cwd.clone(), |w| cwd.join(w));
        let mut header = format!(
            "h{shown}\nh\nh** RUNNING ON BUILDMASTER **\nh in dir {}\nh argv: [{}]\n",
            dir.display(),
            argv.iter()
                .map(|a| py_str_repr(a))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let env: Option<BTreeMap<String, String>> = self.env.as_ref().map(|env| {
            env.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    let text = match v {
                        Value::Array(parts) => parts
                            .iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(":"),
                        Value::String(s) => expand(s),
                        other => other.to_string(),
                    };
                    (k.clone(), text)
                })
                .collect()
        });
        if self.log_environ {
            let shown_env: Vec<String> = match &env {
                Some(env) => env
                    .iter()
                    .map(|(k, v)| format!("{}: {}", py_str_repr(k), py_str_repr(v)))
                    .collect(),
                None => std::env::vars()
                    .map(|(k, v)| format!("{}: {}", py_str_repr(&k), py_str_repr(&v)))
                    .collect(),
            };
            header.push_str(&format!("h env: {{{}}}\n", shown_env.join(", ")));
        }
        ctx.append_text(log.logid, &header).await?;
        let mut command = tokio::process::Command::new(&argv[0]);
        command
            .args(&argv[1..])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(env) = &env {
            command.env_clear().envs(env);
        }
        let mut child = command
            .spawn()
            .map_err(|e| StepError::Data(format!("cannot run {}: {e}", argv[0])))?;
        let mut stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let pid = child.id();
        let status = {
            let finished = async {
                let _ = tokio::join!(stdout.read_to_end(&mut out), stderr.read_to_end(&mut err));
                child.wait().await
            };
            tokio::pin!(finished);
            // Buildbot's interrupt(): the process gets `interruptSignal`, and the step ends as the
            // process does ("killed (9)"; the build makes a stopped step EXCEPTION).
            let mut signalled = false;
            loop {
                tokio::select! {
                    status = &mut finished => break status.map_err(|e| StepError::Data(e.to_string()))?,
                    changed = ctx.interrupt.changed(), if !signalled => {
                        signalled = true;
                        if changed.is_ok()
                            && let Some(pid) = pid
                        {
                            send_signal(pid, &self.interrupt_signal).await;
                        }
                    }
                }
            }
        };
        for (prefix, bytes) in [('o', &out), ('e', &err)] {
            let text = String::from_utf8_lossy(bytes);
            if !text.is_empty() {
                let mut lines = String::new();
                for line in text.split_inclusive('\n') {
                    lines.push(prefix);
                    lines.push_str(line.strip_suffix('\n').unwrap_or(line));
                    lines.push('\n');
                }
                ctx.append_text(log.logid, &lines).await?;
            }
        }
        if let Some(signal) = status.signal() {
            ctx.append_text(log.logid, &format!("hsignal {signal}\n"))
                .await?;
            ctx.set_description_done(format!("killed ({signal})"));
            return Ok(Results::Failure);
        }
        match status.code() {
            Some(0) => Ok(Results::Success),
            code => {
                // Buildbot 4.3 prints the (absent) signal here: "exit status None".
                ctx.append_text(log.logid, "hexit status None\n").await?;
                ctx.set_description_done(format!("failed ({})", code.unwrap_or(-1)));
                Ok(Results::Failure)
            }
        }
    }
}

/// Sends the signal named as Buildbot names it (`KILL`, `TERM`, `INT`...) to a process.
async fn send_signal(pid: u32, signal: &str) {
    let result = tokio::process::Command::new("kill")
        .arg(format!("-{}", signal.trim_start_matches("SIG")))
        .arg(pid.to_string())
        .status()
        .await;
    if let Err(err) = result {
        tracing::warn!(cause = %err, pid, signal, "could not signal the MasterShellCommand");
    }
}

/// Replaces `${NAME}` with the master's value of NAME (empty when unset).
fn expand(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start + 2..].find('}') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        out.push_str(&std::env::var(&rest[start + 2..start + 2 + end]).unwrap_or_default());
        rest = &rest[start + 3 + end..];
    }
    out.push_str(rest);
    out
}
