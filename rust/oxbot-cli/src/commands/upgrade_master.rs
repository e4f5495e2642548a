//! `oxbot upgrade-master DIR`: brings the database schema up to date (Buildbot's
//! `upgrade-master`), after checking the config loads.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::basedir;
use crate::logging::user_message;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Do not print messages.
    #[arg(short, long)]
    quiet: bool,
    /// The master directory.
    basedir: Option<PathBuf>,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let dir = std::path::absolute(crate::basedir_arg(args.basedir.as_ref()))?;
    basedir::check_buildmaster_dir(&dir)?;
    let file = basedir::config_file(&dir)?;
    let loaded = match oxbot_python::load_config(&dir, &file) {
        Ok(loaded) => loaded,
        Err(errors) => anyhow::bail!("upgrade-master: the configuration has errors:\n{errors}"),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let db = oxbot_db::Db::connect(&loaded.config.db_url, &dir)
            .await
            .with_context(|| format!("opening the database {}", loaded.config.db_url))?;
        db.upgrade().await.context("upgrading the database")?;
        anyhow::Ok(())
    })?;
    if !args.quiet {
        user_message("upgrade complete");
    }
    Ok(ExitCode::SUCCESS)
}
