//! `oxbot stop DIR` (SIGTERM, then wait for the process to go away, as `buildbot stop`) and
//! `oxbot reconfig DIR` (SIGHUP, then follow the log until the master reports the update).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::basedir;
use crate::logging::user_message;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Do not print messages.
    #[arg(short, long)]
    quiet: bool,
    /// Do not wait for the process to exit.
    #[arg(long)]
    no_wait: bool,
    /// The master directory.
    basedir: Option<PathBuf>,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let dir = crate::basedir_arg(args.basedir.as_ref());
    basedir::check_buildmaster_dir(&dir)?;
    stop(&dir, args.quiet, !args.no_wait)
}

/// Whether a process with this pid exists.
pub(crate) fn alive(pid: i32) -> bool {
    kill(Pid::from_raw(pid), None).is_ok()
}

/// Sends SIGTERM and waits up to a minute for the master to record its builds and exit.
pub(crate) fn stop(dir: &Path, quiet: bool, wait: bool) -> anyhow::Result<ExitCode> {
    let Some(pid) = basedir::read_pid(dir)? else {
        if !quiet {
            user_message("buildmaster not running");
        }
        return Ok(ExitCode::SUCCESS);
    };
    if !alive(pid) {
        let _ = std::fs::remove_file(basedir::pid_path(dir));
        if !quiet {
            user_message("buildmaster not running");
        }
        return Ok(ExitCode::SUCCESS);
    }
    kill(Pid::from_raw(pid), Signal::SIGTERM)?;
    if !wait {
        if !quiet {
            user_message("sent SIGTERM to process");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if !alive(pid) {
            if !quiet {
                user_message(&format!("buildbot process {pid} is dead"));
            }
            return Ok(ExitCode::SUCCESS);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if !quiet {
        user_message("never saw process go away");
    }
    Ok(ExitCode::FAILURE)
}

/// Sends SIGHUP and follows `twistd.log` until the master reports the configuration update
/// (Buildbot's `buildbot reconfig`).
pub(crate) fn reconfig(args: &Args) -> anyhow::Result<ExitCode> {
    let dir = crate::basedir_arg(args.basedir.as_ref());
    basedir::check_buildmaster_dir(&dir)?;
    let Some(pid) = basedir::read_pid(&dir)?.filter(|pid| alive(*pid)) else {
        anyhow::bail!("buildmaster not running");
    };
    let log = dir.join("twistd.log");
    let start = std::fs::metadata(&log).map_or(0, |m| m.len());
    if !args.quiet {
        user_message(&format!("sending SIGHUP to process {pid}"));
    }
    kill(Pid::from_raw(pid), Signal::SIGHUP)?;
    if args.quiet {
        return Ok(ExitCode::SUCCESS);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let text = std::fs::read(&log).unwrap_or_default();
        let new = String::from_utf8_lossy(text.get(start as usize..).unwrap_or_default());
        if new.contains("configuration update complete") {
            user_message("Reconfiguration appears to have completed successfully");
            return Ok(ExitCode::SUCCESS);
        }
        if new.contains("configuration update aborted") {
            user_message(
                "Reconfiguration failed. Please inspect the master.cfg file for errors, \
                 correct them, then try 'oxbot reconfig' again.",
            );
            return Ok(ExitCode::FAILURE);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    user_message("Never saw reconfiguration finish.");
    Ok(ExitCode::FAILURE)
}
