//! `oxbot sendchange`: not available yet; says so instead of pretending.

use std::process::ExitCode;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Every argument `buildbot sendchange` takes.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

pub(crate) fn run(_args: &Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not supported yet by oxbot: sendchange (it needs the master's change port)")
}
