//! The `oxbot` binary: Buildbot's master command line (`create-master`, `start`, `stop`,
//! `restart`, `reconfig`, `checkconfig`, `upgrade-master`, `sendchange`). Invoked as `buildbot`
//! (a symlink), it behaves the same, so existing scripts and service units keep working.
//!
//! This is the composition root: the only place where the Python config loader, the engine and
//! the web server meet.

mod basedir;
mod commands;
mod config_process;
mod logging;
mod memory;
mod web;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "oxbot",
    version,
    about = "oxbot: a Rust drop-in replacement for the Buildbot master"
)]
struct Cli {
    /// Print more (sets the log level to debug).
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create and populate a directory for a new buildmaster.
    CreateMaster(commands::create_master::Args),
    /// Start a buildmaster.
    Start(commands::start::Args),
    /// Stop a buildmaster.
    Stop(commands::stop::Args),
    /// Restart a buildmaster.
    Restart(commands::start::Args),
    /// Reload the configuration of a running buildmaster.
    Reconfig(commands::stop::Args),
    /// Test the validity of a master.cfg config file.
    Checkconfig(commands::checkconfig::Args),
    /// Upgrade an existing buildmaster directory for the current version.
    UpgradeMaster(commands::upgrade_master::Args),
    /// Send a change to the buildmaster.
    Sendchange(Box<commands::sendchange::Args>),
    /// Evaluate a master's configuration for it (the master runs this).
    #[command(hide = true)]
    DescribeConfig(config_process::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::CreateMaster(args) => commands::create_master::run(&args),
        Command::Start(args) => commands::start::run(&args, cli.verbose),
        Command::Stop(args) => commands::stop::run(&args),
        Command::Restart(args) => commands::start::restart(&args, cli.verbose),
        Command::Reconfig(args) => commands::stop::reconfig(&args),
        Command::Checkconfig(args) => commands::checkconfig::run(&args),
        Command::UpgradeMaster(args) => commands::upgrade_master::run(&args),
        Command::Sendchange(args) => commands::sendchange::run(&args),
        Command::DescribeConfig(args) => config_process::run_child(&args, cli.verbose),
    };
    match code {
        Ok(code) => code,
        Err(err) => {
            logging::user_error(&format!("{err:#}"));
            ExitCode::FAILURE
        }
    }
}

/// The basedir argument most commands take (defaults to the current directory).
fn basedir_arg(dir: Option<&PathBuf>) -> PathBuf {
    dir.cloned().unwrap_or_else(|| PathBuf::from("."))
}
