//! Logging set-up, in one place: `RUST_LOG` overrides the default level; a foreground master
//! logs to stderr, a daemonized one to `twistd.log` in its basedir (the name users' scripts
//! tail). Messages for the person at the terminal go through [`user_message`].

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::Path;

use tracing_subscriber::EnvFilter;

/// Where log lines go.
#[derive(Clone, Copy)]
pub(crate) enum LogTarget<'a> {
    Stderr,
    File(&'a Path),
}

pub(crate) fn setup_logging(target: LogTarget<'_>, verbose: bool) -> anyhow::Result<()> {
    let default = if verbose { "debug" } else { "info" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match target {
        LogTarget::Stderr => builder.with_writer(std::io::stderr).init(),
        LogTarget::File(path) => {
            let file = OpenOptions::new().create(true).append(true).open(path)?;
            builder
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .init();
        }
    }
    Ok(())
}

/// A line of output for the user (the command's result, as Buildbot prints it).
pub(crate) fn user_message(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

/// A line of error output for the user.
pub(crate) fn user_error(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
}
