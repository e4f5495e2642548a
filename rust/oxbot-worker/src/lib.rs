//! `oxbot-worker`: a worker for Buildbot and oxbot masters, with `buildbot-worker`'s command
//! line (`create-worker`, `start`, `stop`, `restart`) and its files (`buildbot.tac`,
//! `twistd.pid`, `twistd.log`, `info/`). It speaks the msgpack-over-WebSocket protocol.
//!
//! The crate is a library with one entry point, [`main`], so that the `oxbot-worker` binary
//! can be built from this package and from the Python wheel's package alike.

mod commands;
mod logfiles;
mod output;
mod session;
mod shell;
mod tac;

use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tracing::{info, warn};
use tracing_subscriber::filter::Targets;

#[derive(Parser)]
#[command(name = "oxbot-worker", version, about = "A Buildbot worker in Rust")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create and populate a directory for a new worker.
    CreateWorker(Box<CreateArgs>),
    /// Start a worker.
    Start(StartArgs),
    /// Stop a worker.
    Stop(DirArgs),
    /// Restart a worker.
    Restart(StartArgs),
}

#[derive(clap::Args)]
struct CreateArgs {
    #[arg(short, long)]
    quiet: bool,
    #[arg(short, long)]
    force: bool,
    #[arg(short, long)]
    relocatable: bool,
    #[arg(short, long)]
    no_logrotate: bool,
    #[arg(long)]
    use_tls: bool,
    #[arg(long)]
    delete_leftover_dirs: bool,
    #[arg(short, long, default_value_t = 600)]
    keepalive: u64,
    #[arg(long)]
    umask: Option<String>,
    #[arg(long, default_value_t = 300)]
    maxdelay: u64,
    #[arg(long)]
    maxretries: Option<u64>,
    #[arg(long)]
    numcpus: Option<u64>,
    #[arg(short, long)]
    allow_shutdown: Option<String>,
    #[arg(short = 's', long, default_value_t = 10_000_000)]
    log_size: u64,
    #[arg(short = 'l', long, default_value = "10")]
    log_count: String,
    /// `msgpack_experimental_v7` (default) or `pb` (an oxbot master serves msgpack on its pb port).
    #[arg(long, default_value = "msgpack_experimental_v7")]
    protocol: String,
    basedir: PathBuf,
    /// HOST[:PORT] of the master (port 9989 by default).
    master: String,
    name: String,
    passwd: String,
}

#[derive(clap::Args)]
struct StartArgs {
    #[arg(long)]
    nodaemon: bool,
    #[arg(short, long)]
    quiet: bool,
    #[arg(long, hide = true)]
    daemon_child: bool,
    #[arg(default_value = ".")]
    basedir: PathBuf,
}

#[derive(clap::Args)]
struct DirArgs {
    #[arg(short, long)]
    quiet: bool,
    #[arg(default_value = ".")]
    basedir: PathBuf,
}

fn say(quiet: bool, text: &str) {
    if !quiet {
        let _ = writeln!(std::io::stdout(), "{text}");
    }
}

fn create_worker(args: &CreateArgs) -> anyhow::Result<ExitCode> {
    let (host, port) = match args.master.rsplit_once(':') {
        Some((host, port)) => (
            host.to_owned(),
            port.parse()
                .with_context(|| format!("invalid master port in '{}'", args.master))?,
        ),
        None => (args.master.clone(), 9989),
    };
    if args.basedir.join("buildbot.tac").exists() && !args.force {
        bail!(
            "buildbot.tac already exists in {}; use --force to overwrite it",
            args.basedir.display()
        );
    }
    if !args.basedir.exists() {
        say(args.quiet, &format!("mkdir {}", args.basedir.display()));
        std::fs::create_dir_all(&args.basedir)?;
    }
    let basedir = if args.relocatable {
        ".".to_owned()
    } else {
        std::path::absolute(&args.basedir)?
            .to_string_lossy()
            .into_owned()
    };
    let settings = tac::WorkerSettings {
        basedir,
        host,
        port,
        name: args.name.clone(),
        password: args.passwd.clone(),
        keepalive: args.keepalive,
        umask: args.umask.clone(),
        maxdelay: args.maxdelay,
        numcpus: args.numcpus,
        allow_shutdown: args.allow_shutdown.clone(),
        maxretries: args.maxretries,
        use_tls: args.use_tls,
        delete_leftover_dirs: args.delete_leftover_dirs,
        protocol: args.protocol.clone(),
        log_size: args.log_size,
        log_count: args.log_count.parse().ok(),
    };
    std::fs::write(args.basedir.join("buildbot.tac"), settings.tac())?;
    let info = args.basedir.join("info");
    std::fs::create_dir_all(&info)?;
    for (file, text) in [
        ("admin", "Your Name Here <admin@youraddress.invalid>\n"),
        ("host", "Please put a description of this build host here\n"),
    ] {
        if !info.join(file).exists() {
            std::fs::write(info.join(file), text)?;
        }
    }
    say(
        args.quiet,
        &format!("worker configured in {}", args.basedir.display()),
    );
    Ok(ExitCode::SUCCESS)
}

fn pid_file(basedir: &Path) -> PathBuf {
    basedir.join("twistd.pid")
}

fn read_pid(basedir: &Path) -> Option<i32> {
    std::fs::read_to_string(pid_file(basedir))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Whether `pid` runs. A zombie (killed, not yet reaped: containers often have no init that
/// reaps) does not.
fn alive(pid: i32) -> bool {
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false);
    kill(Pid::from_raw(pid), None).is_ok() && !zombie
}

fn stop(args: &DirArgs) -> anyhow::Result<ExitCode> {
    let Some(pid) = read_pid(&args.basedir).filter(|p| alive(*p)) else {
        say(args.quiet, "worker not running");
        return Ok(ExitCode::SUCCESS);
    };
    kill(Pid::from_raw(pid), Signal::SIGTERM)?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if !alive(pid) {
            say(args.quiet, &format!("worker process {pid} is dead"));
            return Ok(ExitCode::SUCCESS);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    say(args.quiet, "never saw process go away");
    Ok(ExitCode::FAILURE)
}

fn start(args: &StartArgs) -> anyhow::Result<ExitCode> {
    use std::os::unix::process::CommandExt as _;

    let basedir = std::path::absolute(&args.basedir)?;
    let settings = tac::read(&basedir)?;
    if let Some(pid) = read_pid(&basedir).filter(|p| alive(*p) && *p != std::process::id() as i32) {
        bail!("worker is already running (pid {pid})");
    }
    if args.nodaemon || args.daemon_child {
        return run_worker(&basedir, &settings, args.daemon_child);
    }
    let log = basedir.join("twistd.log");
    let offset = std::fs::metadata(&log).map_or(0, |m| m.len());
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .arg("start")
        .arg("--daemon-child")
        .arg(&basedir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .context("starting the worker process")?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut text = Vec::new();
    while Instant::now() < deadline {
        if let Ok(mut file) = std::fs::File::open(&log)
            && file
                .seek(SeekFrom::Start(offset + text.len() as u64))
                .is_ok()
        {
            let _ = file.read_to_end(&mut text);
        }
        if String::from_utf8_lossy(&text).contains("connected to the master") {
            say(
                args.quiet,
                "The buildbot-worker appears to have (re)started correctly.",
            );
            return Ok(ExitCode::SUCCESS);
        }
        if let Some(status) = child.try_wait()? {
            bail!(
                "the worker failed to start ({status}); see {}",
                log.display()
            );
        }
        // Reading the new end of the log is cheap: `start` returns within 10 ms of the
        // connection.
        std::thread::sleep(Duration::from_millis(10));
    }
    say(
        args.quiet,
        "The worker took more than 10 seconds to connect; it keeps trying in the background (see twistd.log).",
    );
    Ok(ExitCode::SUCCESS)
}

fn setup_logging(log: Option<&Path>) -> anyhow::Result<()> {
    use tracing_subscriber::fmt::writer::BoxMakeWriter;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let writer = match log {
        Some(path) => BoxMakeWriter::new(std::sync::Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?,
        )),
        None => BoxMakeWriter::new(std::io::stderr),
    };
    // RUST_LOG as `level` or `target=level,...` (tracing's `Targets`): EnvFilter's fuller
    // syntax would link its regex-based parser, 0.7 MB more of the idle worker's RSS.
    let info = || Targets::new().with_default(tracing::Level::INFO);
    let (filter, rejected) = match std::env::var("RUST_LOG") {
        Ok(directives) => match directives.parse::<Targets>() {
            Ok(targets) => (targets, None),
            Err(_) => (info(), Some(directives)),
        },
        Err(_) => (info(), None),
    };
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_target(false)
                .with_ansi(log.is_none())
                .with_writer(writer),
        )
        .with(filter)
        .init();
    if let Some(directives) = rejected {
        warn!(
            RUST_LOG = directives,
            "RUST_LOG is not `level` or `target=level,...`; logging at info"
        );
    }
    Ok(())
}

/// Runs the worker in this process: connect, serve, reconnect with backoff, until SIGTERM or
/// the master's `shutdown`.
fn run_worker(
    basedir: &Path,
    settings: &tac::WorkerSettings,
    daemon: bool,
) -> anyhow::Result<ExitCode> {
    setup_logging(daemon.then(|| basedir.join("twistd.log")).as_deref())?;
    std::env::set_current_dir(basedir)?;
    std::fs::write(pid_file(basedir), format!("{}\n", std::process::id()))?;
    if settings.protocol == "pb" {
        info!(
            "protocol 'pb' is configured; oxbot-worker speaks msgpack_experimental_v7 (an oxbot master serves it on its pb port)"
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let code = runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut delay = 1.0_f64;
        let mut retries = 0u64;
        loop {
            let ended = tokio::select! {
                _ = term.recv() => {
                    info!("received SIGTERM, shutting down");
                    return anyhow::Ok(ExitCode::SUCCESS);
                }
                ended = session::run(settings) => ended?,
            };
            match ended {
                session::Ended::Shutdown => return Ok(ExitCode::SUCCESS),
                session::Ended::Lost(why) => {
                    retries += 1;
                    if settings.maxretries.is_some_and(|max| retries > max) {
                        warn!(%why, "giving up after {} retries", retries - 1);
                        return Ok(ExitCode::FAILURE);
                    }
                    let jitter = f64::from(std::process::id() % 100) / 1000.0;
                    warn!(%why, "reconnecting in {:.1} s", delay + jitter);
                    tokio::select! {
                        _ = term.recv() => return Ok(ExitCode::SUCCESS),
                        () = tokio::time::sleep(Duration::from_secs_f64(delay + jitter)) => {}
                    }
                    delay = (delay * 1.5).min(60.0);
                }
            }
        }
    });
    let _ = std::fs::remove_file(pid_file(basedir));
    code
}

/// Runs the `oxbot-worker` command line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::CreateWorker(args) => create_worker(args),
        Command::Start(args) => start(args),
        Command::Stop(args) => stop(args),
        Command::Restart(args) => stop(&DirArgs {
            quiet: args.quiet,
            basedir: args.basedir.clone(),
        })
        .and_then(|_| start(args)),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "{err:#}");
            ExitCode::FAILURE
        }
    }
}
