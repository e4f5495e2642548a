//! `oxbot create-master DIR`: makes a buildmaster directory as `buildbot create-master` does:
//! `buildbot.tac`, `master.cfg.sample` and an up-to-date database.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;

use crate::basedir;
use crate::logging::user_message;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Do not print messages.
    #[arg(short, long)]
    quiet: bool,
    /// Re-use an existing directory.
    #[arg(short, long)]
    force: bool,
    /// Create a relocatable buildbot.tac.
    #[arg(short, long)]
    relocatable: bool,
    /// Do not permit buildmaster rotate logs by itself.
    #[arg(short, long)]
    no_logrotate: bool,
    /// Size at which to rotate twisted log files.
    #[arg(short = 's', long, default_value_t = 10_000_000)]
    log_size: u64,
    /// Limit the number of kept old twisted log files.
    #[arg(short = 'l', long, default_value_t = 10)]
    log_count: u64,
    /// Which DB to use for scheduler/status state.
    #[arg(long, default_value = "sqlite:///state.sqlite")]
    db: String,
    /// Name of the buildbot config file.
    #[arg(short, long, default_value = "master.cfg")]
    config: String,
    /// The directory to create.
    basedir: Option<PathBuf>,
}

/// The sample configuration written as `master.cfg.sample`: one worker, a local git
/// repository polled for changes, a force scheduler, a build that runs the repository's
/// `test.sh`, and the web UI on port 8010.
const SAMPLE_CONFIG: &str = include_str!("master.cfg.sample");

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let dir = crate::basedir_arg(args.basedir.as_ref());
    if dir.exists() {
        if !args.quiet {
            user_message("updating existing installation");
        }
    } else {
        if !args.quiet {
            user_message(&format!("mkdir {}", dir.display()));
        }
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let abs = std::path::absolute(&dir)?;
    write_tac(&abs, args)?;
    let sample = dir.join("master.cfg.sample");
    if !args.quiet {
        user_message(&format!("creating {}", sample.display()));
    }
    std::fs::write(
        &sample,
        SAMPLE_CONFIG.replace("sqlite:///state.sqlite", &args.db),
    )?;
    set_private(&sample)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let db = oxbot_db::Db::connect(&args.db, &abs)
            .await
            .with_context(|| format!("opening the database {}", args.db))?;
        if !args.quiet {
            user_message(&format!("creating database ({})", args.db));
        }
        db.upgrade().await.context("creating the database schema")?;
        anyhow::Ok(())
    })?;
    if !args.quiet {
        user_message(&format!("buildmaster configured in {}", dir.display()));
    }
    Ok(ExitCode::SUCCESS)
}

fn set_private(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}

/// Writes `buildbot.tac`, the file that marks a buildmaster directory. It is the same
/// Twisted application file Buildbot writes, so the directory also works with `buildbot`.
fn write_tac(dir: &Path, args: &Args) -> anyhow::Result<()> {
    let basedir_line = if args.relocatable {
        "basedir = '.'".to_owned()
    } else {
        format!("basedir = {}", python_repr(&dir.to_string_lossy()))
    };
    let rotate = if args.no_logrotate {
        String::new()
    } else {
        format!(
            "rotateLength = {}\nmaxRotatedFiles = {}\n",
            args.log_size, args.log_count
        )
    };
    let log_observer = if args.no_logrotate {
        ""
    } else {
        "from twisted.python.logfile import LogFile\n\
         from twisted.python.log import ILogObserver, FileLogObserver\n\
         logfile = LogFile.fromFullPath(os.path.join(basedir, \"twistd.log\"), rotateLength=rotateLength,\n\
         \x20                               maxRotatedFiles=maxRotatedFiles)\n\
         application.setComponent(ILogObserver, FileLogObserver(logfile).emit)\n"
    };
    let rotation = if args.no_logrotate {
        ""
    } else {
        "m.log_rotation.rotateLength = rotateLength\nm.log_rotation.maxRotatedFiles = maxRotatedFiles\n"
    };
    let contents = format!(
        "import os\n\nfrom twisted.application import service\nfrom buildbot.master import BuildMaster\n\n\
         {basedir_line}\n{rotate}configfile = {config}\n\n\
         # Default umask for the master process\numask = None\n\n\
         # a relocatable tac finds its basedir next to itself\n\
         if basedir == '.':\n    basedir = os.path.abspath(os.path.dirname(__file__))\n\n\
         # buildbot and oxbot recognise a buildmaster directory by the next line; keep it as is.\n\
         application = service.Application('buildmaster')\n{log_observer}\n\
         m = BuildMaster(basedir, configfile, umask)\nm.setServiceParent(application)\n{rotation}",
        config = python_repr(&args.config),
    );
    let tac = basedir::tac_path(dir);
    if tac.exists() {
        if std::fs::read_to_string(&tac)? == contents {
            if !args.quiet {
                user_message("buildbot.tac already exists and is correct");
            }
            return Ok(());
        }
        if !args.quiet {
            user_message("not touching existing buildbot.tac");
            user_message("creating buildbot.tac.new instead");
        }
        std::fs::write(dir.join("buildbot.tac.new"), contents)?;
        return Ok(());
    }
    std::fs::write(tac, contents)?;
    Ok(())
}

/// A Python string literal for `text`, as `repr()` writes simple strings.
fn python_repr(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}
