//! `oxbot start DIR` and `oxbot restart DIR`: run the master in the background (or in the
//! foreground with `--nodaemon`), with `twistd.pid` and `twistd.log` in the basedir, as
//! `buildbot start` does.
//!
//! Daemonizing re-executes this binary with `--nodaemon` in a new process group, then waits
//! for "BuildMaster is running" in `twistd.log` (or for the child to fail).

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use oxbot_core::config::ListenAddress;
use oxbot_python::LoadedConfig;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{error, info};

use crate::basedir;
use crate::config_process::{AtStart, Child, LoadError};
use crate::logging::{LogTarget, setup_logging, user_error, user_message};

/// The line `buildbot start` waits for; scripts grep for it too.
const RUNNING_LINE: &str = "BuildMaster is running";

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Don't daemonize (stay in the foreground).
    #[arg(long)]
    nodaemon: bool,
    /// Don't display startup log messages.
    #[arg(short, long)]
    quiet: bool,
    /// Seconds to wait for the master to report that it is running.
    #[arg(long, default_value_t = 60)]
    start_timeout: u64,
    /// Set by the background start: log only to twistd.log.
    #[arg(long, hide = true)]
    daemon_child: bool,
    /// The master directory.
    basedir: Option<PathBuf>,
}

pub(crate) fn run(args: &Args, verbose: bool) -> anyhow::Result<ExitCode> {
    let dir = std::path::absolute(crate::basedir_arg(args.basedir.as_ref()))?;
    basedir::check_buildmaster_dir(&dir)?;
    if let Some(pid) = basedir::read_pid(&dir)?
        && super::stop::alive(pid)
        && pid != std::process::id() as i32
    {
        bail!(
            "buildmaster is already running (pid {pid}, see {})",
            basedir::pid_path(&dir).display()
        );
    }
    if args.nodaemon || args.daemon_child {
        return run_master(&dir, args.daemon_child, verbose);
    }
    start_in_background(&dir, args)
}

pub(crate) fn restart(args: &Args, verbose: bool) -> anyhow::Result<ExitCode> {
    let dir = crate::basedir_arg(args.basedir.as_ref());
    basedir::check_buildmaster_dir(&dir)?;
    let stopped = super::stop::stop(&dir, args.quiet, true)?;
    if stopped != ExitCode::SUCCESS {
        return Ok(stopped);
    }
    if !args.quiet {
        user_message("now restarting buildbot process..");
    }
    run(args, verbose)
}

fn start_in_background(dir: &Path, args: &Args) -> anyhow::Result<ExitCode> {
    use std::os::unix::process::CommandExt as _;
    let log = basedir::log_path(dir);
    let offset = std::fs::metadata(&log).map_or(0, |m| m.len());
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .arg("start")
        .arg("--daemon-child")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .context("starting the master process")?;
    let deadline = Instant::now() + Duration::from_secs(args.start_timeout);
    let mut seen = String::new();
    loop {
        seen.push_str(&read_from(&log, offset + seen.len() as u64));
        if seen.contains(RUNNING_LINE) {
            if !args.quiet {
                user_message("The buildmaster appears to have (re)started correctly.");
            }
            return Ok(ExitCode::SUCCESS);
        }
        if let Some(status) = child.try_wait()? {
            if !args.quiet {
                user_error(seen.trim_end());
                user_error(&format!(
                    "The buildmaster failed to start ({status}); see {}",
                    log.display()
                ));
            }
            return Ok(ExitCode::FAILURE);
        }
        if Instant::now() > deadline {
            if !args.quiet {
                user_error(&format!(
                    "The buildmaster took more than {} seconds to start, so we were unable to confirm that it started correctly. Please 'tail twistd.log' and look for a line that says '{RUNNING_LINE}' to verify correct startup.",
                    args.start_timeout
                ));
            }
            return Ok(ExitCode::FAILURE);
        }
        // Reading the new end of the log is cheap: a script waiting on `oxbot start` gets on
        // within 10 ms of the master being up.
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn read_from(path: &Path, offset: u64) -> String {
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    if file.seek(SeekFrom::Start(offset)).is_err() {
        return String::new();
    }
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    text
}

/// Runs the master in this process until SIGTERM or SIGINT.
fn run_master(dir: &Path, daemon: bool, verbose: bool) -> anyhow::Result<ExitCode> {
    let log = basedir::log_path(dir);
    if daemon {
        setup_logging(LogTarget::File(&log), verbose)?;
    } else {
        setup_logging(LogTarget::Stderr, verbose)?;
    }
    std::env::set_current_dir(dir).with_context(|| format!("entering {}", dir.display()))?;
    let pid_file = basedir::pid_path(dir);
    std::fs::write(&pid_file, format!("{}\n", std::process::id()))?;
    let child = Child {
        log_file: daemon.then(|| log.clone()),
        verbose,
    };
    let result = serve(dir, &child);
    let _ = std::fs::remove_file(&pid_file);
    match result {
        Ok(()) => {
            info!("Server Shut Down.");
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            error!("{err:#}");
            Err(err)
        }
    }
}

fn serve(dir: &Path, child: &Child) -> anyhow::Result<()> {
    info!(basedir = %dir.display(), "loading configuration");
    let start = child.load_at_start(dir).map_err(|err| match err {
        LoadError::Config(errors) => anyhow::anyhow!(
            "Configuration Errors:\n{}",
            errors
                .errors
                .iter()
                .map(|e| format!("  {e}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        LoadError::Other(err) => err,
    })?;
    for line in &start.loaded.config.deprecations {
        tracing::warn!("{line}");
    }
    for line in oxbot_master::support::unsupported_features(&start.loaded.config) {
        tracing::warn!("not supported yet by oxbot: {line}");
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(serve_async(dir, start, child))?;
    Ok(())
}

/// Loads the configuration again and applies it to the running master (SIGHUP), as Buildbot's
/// `doReconfig` does, with its log lines; a config with errors changes nothing. Every
/// configuration with Python objects stays alive (`python_configs`): running builds may still
/// call them.
async fn reconfig(
    dir: &Path,
    master: &oxbot_master::Master,
    python_configs: &mut Vec<LoadedConfig>,
    web: Option<(&oxbot_www::auth::AuthSwitch, &crate::web::WebUi)>,
    child: &Child,
) {
    info!("beginning configuration update");
    let started = std::time::Instant::now();
    let owned_dir = dir.to_path_buf();
    let holds_python = !python_configs.is_empty();
    let child = child.clone();
    let result =
        tokio::task::spawn_blocking(move || child.load_again(&owned_dir, holds_python)).await;
    let outcome = match result {
        Ok(Ok(new)) => {
            for line in oxbot_master::support::unsupported_features(&new.config) {
                tracing::warn!("not supported yet by oxbot: {line}");
            }
            let config = Arc::new(new.config);
            let python = new.python.as_ref().map(LoadedConfig::callbacks);
            let applied = master.reconfig(config.clone(), python.clone()).await;
            // The web port's auth and authz follow, as Buildbot's; what oxbot cannot honour
            // leaves the settings in force. So do the UI's plugins.
            let mut web_applied = Ok(());
            if let Some((web_auth, web_ui)) = web {
                if let Err(err) = web_auth.reconfigure(&config, python.as_ref()) {
                    error!("{err}; the web port keeps its previous auth and authz");
                    web_applied = Err(());
                }
                if let Err(err) = web_ui.reconfigure(&config) {
                    error!("{err}; the web port keeps its previous www plugins");
                    web_applied = Err(());
                }
            }
            python_configs.extend(new.python);
            applied
                .map_err(|err| {
                    error!(cause = %err, "during reconfig");
                })
                .and(web_applied)
                .map_err(
                    |()| "WARNING: configuration update partially applied; master may malfunction",
                )
        }
        Ok(Err(LoadError::Config(errors))) => {
            for error in &errors.errors {
                error!("{error}");
            }
            Err("configuration update aborted without making any changes")
        }
        Ok(Err(LoadError::Other(err))) => {
            error!(cause = %format!("{err:#}"), "during reconfig");
            Err("configuration update aborted without making any changes")
        }
        Err(err) => {
            error!(cause = %err, "during reconfig");
            Err("configuration update aborted without making any changes")
        }
    };
    let took = started.elapsed().as_secs_f64();
    match outcome {
        Ok(()) => info!("configuration update complete (took {took:.3} seconds)"),
        Err(message) => error!("{message} (took {took:.3} seconds)"),
    }
}

async fn bind(addr: &ListenAddress) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr.bind_addr())
        .await
        .with_context(|| format!("listening on {}", addr.bind_addr()))
}

async fn serve_async(dir: &Path, start: AtStart, child: &Child) -> anyhow::Result<()> {
    let AtStart {
        loaded,
        python_version,
        www_apps,
    } = start;
    let config = Arc::new(loaded.config);
    let callbacks = loaded.python.as_ref().map(LoadedConfig::callbacks);
    let mut python_configs: Vec<LoadedConfig> = loaded.python.into_iter().collect();
    let db = oxbot_db::Db::connect(&config.db_url, dir)
        .await
        .with_context(|| format!("opening the database {}", config.db_url))?;
    if db.needs_upgrade().await? {
        bail!(
            "The Buildmaster database needs to be upgraded before this version of oxbot can run. Use the following command-line\n    oxbot upgrade-master {}\nto upgrade the database, and try starting the buildmaster again.",
            dir.display()
        );
    }
    let change_hook_auth = crate::web::change_hook_auth(&config)?;
    let web_ui = tokio::task::spawn_blocking({
        let config = config.clone();
        move || crate::web::WebUi::new(&config, www_apps)
    })
    .await??;
    let web_auth = crate::web::web_auth(&config, callbacks.as_ref(), python_version)?
        .with_session_secret(crate::web::session_secret(&db).await?.as_bytes());
    let hostname = nix::unistd::gethostname()
        .map_or_else(|_| "localhost".into(), |h| h.to_string_lossy().into_owned());
    let master_name = format!("{hostname}:{}", dir.display());
    let master =
        oxbot_master::Master::start(config.clone(), db.clone(), &master_name, callbacks).await?;

    let mut worker_listeners = Vec::new();
    for protocol in &config.protocols {
        let listener = bind(&protocol.listen).await?;
        info!(protocol = %protocol.name, addr = %listener.local_addr()?, "worker port listening");
        worker_listeners.push(listener);
    }
    if let Some(line) = oxbot_master::support::www_port_not_served(&config) {
        bail!("not supported yet by oxbot: {line}");
    }
    let (shutdown_tx, shutdown) = watch::channel(false);
    let mut auth_switch = None;
    let web = match &config.www.port {
        Some(addr) => {
            let listener = bind(addr).await?;
            info!(addr = %listener.local_addr()?, "web server listening");
            let (router, switch) =
                crate::web::router(&master, change_hook_auth, web_auth, web_ui.ui.clone());
            auth_switch = Some(switch);
            let mut stop = shutdown.clone();
            Some(tokio::spawn(oxbot_www::serve(
                listener,
                router,
                async move {
                    let _ = stop.wait_for(|s| *s).await;
                },
            )))
        }
        None => None,
    };
    let engine = {
        let master = master.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move { master.run(worker_listeners, shutdown).await })
    };
    info!("{RUNNING_LINE}");
    tokio::spawn(crate::memory::trim_periodically());
    while wait_for_signal().await? == Signal::Reconfig {
        let web = auth_switch.as_ref().map(|auth| (auth, &web_ui));
        reconfig(dir, &master, &mut python_configs, web, child).await;
    }
    info!("Received SIGTERM, shutting down.");
    shutdown_tx.send_replace(true);
    engine.await?;
    if let Some(web) = web {
        let _ = web.await;
    }
    Ok(())
}

/// What the master was asked to do.
#[derive(Debug, PartialEq, Eq)]
enum Signal {
    /// SIGTERM or SIGINT.
    Stop,
    /// SIGHUP: load the configuration again.
    Reconfig,
}

/// Waits for SIGTERM, SIGINT or SIGHUP.
async fn wait_for_signal() -> anyhow::Result<Signal> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    tokio::select! {
        _ = term.recv() => Ok(Signal::Stop),
        _ = int.recv() => Ok(Signal::Stop),
        _ = hup.recv() => Ok(Signal::Reconfig),
    }
}
