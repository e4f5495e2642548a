//! `oxbot checkconfig [DIR | FILE]`: evaluates the config as `start` would and reports every
//! error, in Buildbot's words and format.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::basedir;
use crate::logging::{user_error, user_message};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Don't display error messages or tracebacks.
    #[arg(short, long)]
    quiet: bool,
    /// The master directory, or a config file (default: the current directory).
    config_file: Option<PathBuf>,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let target = args
        .config_file
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    let (dir, file) = if target.is_dir() {
        let file = basedir::config_file(&target);
        (target, file)
    } else {
        let dir = std::env::current_dir()?;
        (dir, target.to_string_lossy().into_owned())
    };
    Ok(check(&dir, &file, args.quiet))
}

/// Loads the config and prints the verdict; exit code 1 on any error.
pub(crate) fn check(dir: &Path, file: &str, quiet: bool) -> ExitCode {
    match oxbot_python::load_config(dir, file) {
        Ok(loaded) => {
            if !quiet {
                for line in &loaded.config.deprecations {
                    user_error(line);
                }
                for line in oxbot_master::support::unsupported_features(&loaded.config) {
                    user_error(&format!("not supported yet by oxbot: {line}"));
                }
                user_message("Config file is good!");
            }
            ExitCode::SUCCESS
        }
        Err(errors) => {
            if !quiet {
                // Buildbot logs the traceback of a failed `master.cfg` before the error list.
                for traceback in errors.errors.iter().filter_map(|e| e.traceback.as_deref()) {
                    user_error(traceback.trim_end());
                }
                user_error("Configuration Errors:");
                for error in &errors.errors {
                    user_error(&format!("  {error}"));
                }
            }
            ExitCode::FAILURE
        }
    }
}
