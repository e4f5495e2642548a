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
    /// oxbot only: when the config loads, write its inventory to this file as JSON: the
    /// builders (name, sorted tags, sorted worker names), the worker names and the scheduler
    /// names, each list sorted (what compat-tests compare with Buildbot's loader).
    #[arg(long, value_name = "FILE")]
    inventory: Option<PathBuf>,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let target = args
        .config_file
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    let (dir, file) = if target.is_dir() {
        let file = basedir::config_file(&target)?;
        (target, file)
    } else {
        let dir = std::env::current_dir()?;
        (dir, target.to_string_lossy().into_owned())
    };
    Ok(check(&dir, &file, args.quiet, args.inventory.as_deref()))
}

/// Loads the config and prints the verdict; exit code 1 on any error.
pub(crate) fn check(dir: &Path, file: &str, quiet: bool, inventory: Option<&Path>) -> ExitCode {
    match oxbot_python::load_config(dir, file) {
        Ok(loaded) => {
            if let Some(path) = inventory {
                let json = inventory_json(&loaded.config).to_string();
                if let Err(err) = std::fs::write(path, json + "\n") {
                    user_error(&format!("cannot write {}: {err}", path.display()));
                    return ExitCode::FAILURE;
                }
            }
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

/// The builders (`[name, tags, workernames]`), workers and schedulers of a loaded config, each
/// list sorted, in the shape compat-tests/test_inventory.py gives Buildbot's inventory.
fn inventory_json(config: &oxbot_core::config::MasterConfig) -> serde_json::Value {
    let sorted = |items: &[String]| {
        let mut items = items.to_vec();
        items.sort();
        items
    };
    let mut builders: Vec<_> = config
        .builders
        .iter()
        .map(|b| (b.name.clone(), sorted(&b.tags), sorted(&b.workernames)))
        .collect();
    builders.sort();
    let workers: Vec<String> = config.workers.iter().map(|w| w.name.clone()).collect();
    let schedulers: Vec<String> = config.schedulers.iter().map(|s| s.name.clone()).collect();
    serde_json::json!({
        "builders": builders,
        "workers": sorted(&workers),
        "schedulers": sorted(&schedulers),
    })
}
