//! A master evaluates `master.cfg` in a child process (`oxbot describe-config`, hidden), so
//! that it embeds no Python interpreter when its configuration needs none at run time: the
//! interpreter and what the config imported (about 7 MB) go away with the child. A
//! configuration with Python objects (renderers, custom steps, `doStepIf`...) is then loaded
//! again in the master, whose builds call them; once the master holds Python, a reconfig
//! evaluates in the master directly.
//!
//! The child answers with one JSON [`Report`] on its standard output; what `master.cfg` prints
//! goes to its standard error, and it logs where the master logs. A child that dies (a crash
//! in a C extension the config imported, say) fails the start or the reconfig with its exit
//! status, and a running master keeps its configuration.

use std::io::{Read as _, Write as _};
use std::os::fd::AsFd as _;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};

use anyhow::Context as _;
use oxbot_core::config::{ConfigError, ConfigErrors, MasterConfig};
use oxbot_python::www::WwwApps;
use oxbot_python::{ConfigDescription, LoadedConfig};
use serde::{Deserialize, Serialize};

use crate::basedir;
use crate::logging::{LogTarget, setup_logging};

/// The hidden subcommand the master runs.
const SUBCOMMAND: &str = "describe-config";

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Log to this file (the master's twistd.log) rather than to stderr.
    #[arg(long)]
    log_file: Option<PathBuf>,
    /// The master directory.
    basedir: PathBuf,
}

/// What the child tells the master.
#[derive(Serialize, Deserialize)]
struct Report {
    /// The embedded Python's version, for the frontend config.
    python_version: String,
    /// The web UI's packages in that Python's environment, or why looking failed.
    www_apps: Result<WwwApps, String>,
    config: Result<Evaluated, Failure>,
}

#[derive(Serialize, Deserialize)]
struct Evaluated {
    /// The file `buildbot.tac` names.
    config_file: String,
    description: ConfigDescription,
}

#[derive(Serialize, Deserialize)]
enum Failure {
    /// `buildbot.tac` could not be read for its config file.
    Tac(String),
    /// The configuration's errors, in Buildbot's words.
    Config(Vec<ConfigError>),
}

/// Why a configuration could not be loaded.
pub(crate) enum LoadError {
    /// The configuration has errors (their tracebacks are logged already).
    Config(ConfigErrors),
    /// Anything else: `buildbot.tac`, or the child process.
    Other(anyhow::Error),
}

impl From<anyhow::Error> for LoadError {
    fn from(err: anyhow::Error) -> LoadError {
        LoadError::Other(err)
    }
}

/// A configuration the master runs.
pub(crate) struct Loaded {
    pub(crate) config: MasterConfig,
    /// Its Python objects, loaded in this process; `None` when it has none.
    pub(crate) python: Option<LoadedConfig>,
}

/// What the master learns at start, besides its configuration.
pub(crate) struct AtStart {
    pub(crate) loaded: Loaded,
    pub(crate) python_version: String,
    pub(crate) www_apps: Result<WwwApps, String>,
}

/// How the master runs its child: where it logs, and how verbosely.
#[derive(Clone)]
pub(crate) struct Child {
    pub(crate) log_file: Option<PathBuf>,
    pub(crate) verbose: bool,
}

impl Child {
    /// The configuration of `dir` at start, evaluated in a child process.
    pub(crate) fn load_at_start(&self, dir: &Path) -> Result<AtStart, LoadError> {
        let report = self.run(dir)?;
        Ok(AtStart {
            loaded: finish(dir, report.config)?,
            python_version: report.python_version,
            www_apps: report.www_apps,
        })
    }

    /// The configuration of `dir` for a reconfig: in this process when it holds Python
    /// already, in a child otherwise.
    pub(crate) fn load_again(&self, dir: &Path, holds_python: bool) -> Result<Loaded, LoadError> {
        if holds_python {
            let file = basedir::config_file(dir)?;
            return load_here(dir, &file);
        }
        finish(dir, self.run(dir)?.config)
    }

    fn run(&self, dir: &Path) -> anyhow::Result<Report> {
        let mut command = std::process::Command::new(std::env::current_exe()?);
        if self.verbose {
            command.arg("--verbose");
        }
        command.arg(SUBCOMMAND);
        if let Some(log) = &self.log_file {
            // What the configuration prints lands in twistd.log, as with Buildbot.
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .with_context(|| format!("opening {}", log.display()))?;
            command.arg("--log-file").arg(log).stderr(file);
        }
        let mut child = command
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the process that evaluates the configuration")?;
        let mut out = String::new();
        let read = child
            .stdout
            .take()
            .expect("stdout is piped")
            .read_to_string(&mut out);
        let status = child.wait()?;
        read.context("reading the configuration process's report")?;
        if !status.success() {
            anyhow::bail!(
                "the process that evaluates the configuration failed ({status}); see its \
                 messages above"
            );
        }
        serde_json::from_str(&out)
            .context("internal error: the configuration process's report does not parse")
    }
}

/// The configuration a report gives: described, or loaded here when it has Python objects.
fn finish(dir: &Path, outcome: Result<Evaluated, Failure>) -> Result<Loaded, LoadError> {
    match outcome {
        Ok(evaluated) if evaluated.description.python_objects == 0 => {
            tracing::info!(
                "the configuration has no Python objects for its builds: the master runs \
                 without Python"
            );
            Ok(Loaded {
                config: oxbot_python::parse_description(&evaluated.description.json)
                    .map_err(LoadError::Config)?,
                python: None,
            })
        }
        Ok(evaluated) => {
            tracing::info!(
                python_objects = evaluated.description.python_objects,
                "the configuration has Python objects for its builds: loading it in the master"
            );
            load_here(dir, &evaluated.config_file)
        }
        Err(Failure::Tac(message)) => Err(LoadError::Other(anyhow::anyhow!(message))),
        // The child logged their tracebacks.
        Err(Failure::Config(errors)) => Err(LoadError::Config(ConfigErrors { errors })),
    }
}

fn load_here(dir: &Path, file: &str) -> Result<Loaded, LoadError> {
    let mut python = oxbot_python::load_config(dir, file).map_err(LoadError::Config)?;
    Ok(Loaded {
        config: std::mem::take(&mut python.config),
        python: Some(python),
    })
}

/// `oxbot describe-config DIR`: the child's side.
pub(crate) fn run_child(args: &Args, verbose: bool) -> anyhow::Result<ExitCode> {
    match &args.log_file {
        Some(path) => setup_logging(LogTarget::File(path), verbose)?,
        None => setup_logging(LogTarget::Stderr, verbose)?,
    }
    // The report has standard output to itself: what the configuration prints goes to
    // standard error.
    let mut report_out = std::fs::File::from(std::io::stdout().as_fd().try_clone_to_owned()?);
    nix::unistd::dup2_stdout(std::io::stderr())?;
    let config = match basedir::config_file(&args.basedir) {
        Err(err) => Err(Failure::Tac(format!("{err:#}"))),
        Ok(config_file) => oxbot_python::describe_config(&args.basedir, &config_file)
            .map(|description| Evaluated {
                config_file,
                description,
            })
            .map_err(|errors| Failure::Config(errors.errors)),
    };
    let report = Report {
        python_version: oxbot_python::python_version(),
        www_apps: oxbot_python::www::www_apps(),
        config,
    };
    // In one write: serde_json writes piece by piece, and a pipe is not buffered.
    report_out.write_all(&serde_json::to_vec(&report)?)?;
    Ok(ExitCode::SUCCESS)
}
