//! Running one step of a build (Buildbot's `process/buildstep.py`): its row, its logs, its
//! remote commands, its result and `state_string`.

use std::sync::Arc;

use oxbot_core::Results;
use oxbot_core::config::StepConfig;
use serde_json::{Map, Value};
use tokio::sync::{mpsc, watch};

use crate::data::updates::Updates;
use crate::process::build::{BuildShared, StopRequest};
use crate::process::properties::RenderError;
use crate::process::remote_command::{
    CommandOutcome, CommandUpdate, RemoteCommand, RemoteError, Stream,
};
use crate::steps::{Step, join_list};

/// Why a step did not finish with a result of its own.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StepError {
    /// Buildbot's `BuildStepFailed`: the step ends FAILURE.
    #[error("step failed")]
    Failed,
    /// The step's configuration is invalid (ends EXCEPTION).
    #[error("{0}")]
    Config(String),
    /// The engine cannot run this yet (ends EXCEPTION with this message).
    #[error("not supported yet by oxbot: {0}")]
    Unsupported(String),
    /// The worker cannot run the step (`WorkerSetupError`; ends EXCEPTION).
    #[error("{0}")]
    WorkerSetup(String),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// The step's Python raised an exception (the text is its traceback; ends EXCEPTION).
    #[error("{0}")]
    Python(String),
    /// A database or event error.
    #[error("{0}")]
    Data(String),
}

impl From<oxbot_db::DbError> for StepError {
    fn from(err: oxbot_db::DbError) -> StepError {
        StepError::Data(err.to_string())
    }
}

/// Receives a command's output as it arrives: whole lines of one stream.
pub type OutputObserver<'a> = dyn FnMut(Stream, &str) + Send + 'a;

/// A log of a step, as the engine writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogHandle {
    pub logid: i64,
    pub name: String,
    /// `s` (stream log with `o`/`e`/`h` line prefixes), `t` (text) or `h` (HTML).
    pub log_type: String,
}

/// What a step can do while it runs.
pub struct StepContext {
    pub(crate) build: Arc<BuildShared>,
    pub(crate) updates: Updates,
    pub(crate) stepid: i64,
    pub(crate) interrupt: watch::Receiver<Option<StopRequest>>,
    pub(crate) logs: Vec<LogHandle>,
    /// A `descriptionDone` the step set while running (Buildbot steps assign
    /// `self.descriptionDone` in `run()`); it wins over the configured one.
    pub(crate) description_done: Option<String>,
    /// The whole final `state_string`, when the step computed it itself (a custom step's
    /// `getResultSummary()`).
    pub(crate) summary: Option<String>,
    /// The last `failure_reason` a command of the step ended with (`timeout`,
    /// `max_lines_failure`...): Buildbot's `timed_out` / `max_lines_reached`.
    pub(crate) remote_failure_reason: Option<String>,
    /// Steps this step adds to the build.
    pub(crate) added: AddedSteps,
}

/// Steps a running step adds to its build (Buildbot's `addStepsAfterCurrentStep` and
/// `addStepsAfterLastStep`).
#[derive(Debug, Default)]
pub struct AddedSteps {
    pub after_current: Vec<StepConfig>,
    pub at_end: Vec<StepConfig>,
}

impl StepContext {
    /// Adds a log to the step (`stdio` logs are stream logs, type `s`, as in Buildbot).
    pub async fn add_log(&mut self, name: &str) -> Result<LogHandle, StepError> {
        self.add_log_of_type(name, "s").await
    }

    /// Adds a log of a given type (`s`, `t` or `h`), or returns the step's log of that name.
    pub async fn add_log_of_type(
        &mut self,
        name: &str,
        log_type: &str,
    ) -> Result<LogHandle, StepError> {
        if let Some(existing) = self.logs.iter().find(|l| l.name == name) {
            return Ok(existing.clone());
        }
        let logid = self.updates.add_log(self.stepid, name, log_type).await?;
        let handle = LogHandle {
            logid,
            name: name.to_owned(),
            log_type: log_type.to_owned(),
        };
        self.logs.push(handle.clone());
        Ok(handle)
    }

    /// Appends text (whole lines) to one of the step's plain logs.
    pub async fn append_text(&mut self, logid: i64, text: &str) -> Result<(), StepError> {
        let text = self.build.render_context.hide_secrets(text);
        self.updates.append_log(logid, &text).await?;
        Ok(())
    }

    /// Sets the step's final description, as a Buildbot step assigning `descriptionDone`.
    pub fn set_description_done(&mut self, text: impl Into<String>) {
        self.description_done = Some(text.into());
    }

    /// The builder's default working directory for steps (`build`, as Buildbot's `workdir`).
    pub fn default_workdir(&self) -> String {
        "build".to_owned()
    }

    /// The environment every command of the build gets (the builder's `env`).
    pub fn build_env(&self) -> Map<String, Value> {
        self.build.env.clone()
    }

    pub async fn set_property(
        &mut self,
        name: &str,
        value: Value,
        source: &str,
    ) -> Result<(), StepError> {
        self.build
            .properties
            .lock()
            .await
            .set(name, value.clone(), source);
        self.updates
            .set_build_property(self.build.buildid, name, &value, source)
            .await?;
        Ok(())
    }

    /// Buildbot's default `decodeRC` (`{0: SUCCESS}`, anything else FAILURE; interrupted is
    /// CANCELLED).
    pub fn results_from_rc(&self, outcome: &CommandOutcome) -> Results {
        Self::default_results(outcome)
    }

    /// [`StepContext::results_from_rc`] without a step.
    pub fn default_results(outcome: &CommandOutcome) -> Results {
        if outcome.interrupted {
            Results::Cancelled
        } else if outcome.rc == Some(0) {
            Results::Success
        } else {
            Results::Failure
        }
    }

    /// Runs a remote command, feeding its output into `log`.
    pub async fn run_command(
        &mut self,
        cmd: RemoteCommand,
        log: Option<&LogHandle>,
    ) -> Result<CommandOutcome, StepError> {
        self.run(cmd, log, None).await
    }

    /// Runs a remote command and also returns its stdout (Buildbot's `collectStdout`).
    pub async fn run_command_collecting_stdout(
        &mut self,
        cmd: RemoteCommand,
        log: Option<&LogHandle>,
    ) -> Result<(CommandOutcome, String), StepError> {
        let mut stdout = String::new();
        let mut collect = |stream: Stream, text: &str| {
            if stream == Stream::Stdout {
                stdout.push_str(text);
            }
        };
        let outcome = self.run(cmd, log, Some(&mut collect)).await?;
        Ok((outcome, stdout))
    }

    /// Runs a remote command, feeding its output into `log` and to `observe` (whole lines of
    /// the `stdio` streams, as they arrive).
    pub async fn run_command_observed(
        &mut self,
        cmd: RemoteCommand,
        log: Option<&LogHandle>,
        observe: &mut OutputObserver<'_>,
    ) -> Result<CommandOutcome, StepError> {
        self.run(cmd, log, Some(observe)).await
    }

    async fn run(
        &mut self,
        cmd: RemoteCommand,
        log: Option<&LogHandle>,
        mut observe: Option<&mut OutputObserver<'_>>,
    ) -> Result<CommandOutcome, StepError> {
        if self.interrupt.borrow().is_some() {
            return Ok(CommandOutcome {
                interrupted: true,
                ..CommandOutcome::default()
            });
        }
        // Bounded: the connection stops reading from the worker while the log writes below
        // are behind, so a fast command's output does not pile up in memory.
        let (sender, mut receiver) = mpsc::channel(crate::worker::connection::UPDATES_IN_FLIGHT);
        let conn = self.build.worker.clone();
        let builder_name = self.build.builder_name.clone();
        let interrupt = self.interrupt.clone();
        let task = tokio::spawn(async move {
            conn.run_command(&builder_name, cmd, sender, interrupt)
                .await
        });
        // What arrived together is written together: one append per burst of updates (up to
        // a chunk's worth), not one per update.
        let mut text = String::new();
        while let Some(first) = receiver.recv().await {
            let mut next = Some(first);
            while let Some(update) = next.take() {
                match update {
                    CommandUpdate::Output {
                        stream,
                        text: lines,
                    } => {
                        if let Some(observe) = observe.as_deref_mut() {
                            observe(stream, &lines);
                        }
                        text.push_str(&prefix_lines(stream.prefix(), &lines));
                    }
                    CommandUpdate::Rc(rc) => {
                        text.push_str(&format!("hprogram finished with exit code {rc}\n"));
                    }
                    CommandUpdate::LogFile { name, text: lines } => {
                        self.append_output(log, &mut text).await?;
                        let handle = self.add_log(&name).await?;
                        self.append_output(Some(&handle), &mut prefix_lines('o', &lines))
                            .await?;
                    }
                }
                if text.len() < BURST_BYTES {
                    next = receiver.try_recv().ok();
                }
            }
            self.append_output(log, &mut text).await?;
        }
        let outcome = task
            .await
            .map_err(|e| StepError::Data(format!("remote command task failed: {e}")))??;
        if let Some(reason) = &outcome.failure_reason {
            self.remote_failure_reason = Some(reason.clone());
        }
        Ok(outcome)
    }

    /// Appends `text` (whole lines), its secrets hidden, to `log` if there is one; empties it.
    async fn append_output(
        &self,
        log: Option<&LogHandle>,
        text: &mut String,
    ) -> Result<(), StepError> {
        if let Some(log) = log
            && !text.is_empty()
        {
            let shown = self.build.render_context.hide_secrets(text);
            self.updates.append_log(log.logid, &shown).await?;
        }
        text.clear();
        Ok(())
    }
}

/// At most this much of a command's output (a log chunk's worth) is gathered into one append.
const BURST_BYTES: usize = 64 * 1024;

/// Prefixes each line of `text` with a stream letter, as Buildbot stores `s` logs.
pub(crate) fn prefix_lines(prefix: char, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16 + 1);
    for line in text.split_inclusive('\n') {
        out.push(prefix);
        out.push_str(line);
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The settings of a step that decide how its result affects the build.
#[derive(Debug, Clone)]
pub struct StepFlags {
    pub halt_on_failure: bool,
    pub flunk_on_failure: bool,
    pub warn_on_failure: bool,
    pub flunk_on_warnings: bool,
    pub warn_on_warnings: bool,
    pub always_run: bool,
}

impl StepFlags {
    pub fn from_config(config: &StepConfig) -> StepFlags {
        StepFlags {
            halt_on_failure: config.halt_on_failure,
            flunk_on_failure: config.flunk_on_failure,
            warn_on_failure: config.warn_on_failure,
            flunk_on_warnings: config.flunk_on_warnings,
            warn_on_warnings: config.warn_on_warnings,
            always_run: config.always_run,
        }
    }
}

/// Buildbot's `computeResultAndTermination`: the build result after a step, and whether the
/// build stops here.
pub fn compute_result_and_termination(
    flags: &StepFlags,
    step: Results,
    build: Results,
) -> (Results, bool) {
    let mut overall = step;
    let mut terminate = false;
    match step {
        Results::Failure => {
            if !flags.flunk_on_failure {
                overall = Results::Success;
            }
            if flags.warn_on_failure {
                overall = Results::Warnings;
            }
            if flags.flunk_on_failure {
                overall = Results::Failure;
            }
            terminate = flags.halt_on_failure;
        }
        Results::Warnings => {
            overall = if flags.warn_on_warnings {
                Results::Warnings
            } else {
                Results::Success
            };
            if flags.flunk_on_warnings {
                overall = Results::Failure;
            }
        }
        Results::Exception | Results::Retry | Results::Cancelled => terminate = true,
        Results::Success | Results::Skipped => {}
    }
    (build.worst(overall), terminate)
}

/// The step's `state_string` when it is done (Buildbot's `getResultSummary`); `failure_reason`
/// is the one its commands ended with.
pub fn result_summary(
    config: &StepConfig,
    step: &Step,
    props: &crate::process::properties::Properties,
    runtime_done: Option<&str>,
    results: Results,
    failure_reason: Option<&str>,
) -> String {
    let render = |v: &Option<Value>| {
        v.as_ref()
            .and_then(|v| props.render(v).ok())
            .and_then(|v| join_list(&v))
    };
    let (default_description, default_done) = step.default_descriptions();
    let done = runtime_done
        .map(str::to_owned)
        .or_else(|| render(&config.description_done))
        .or(default_done);
    let description = render(&config.description).or(default_description);
    let suffix = render(&config.description_suffix);
    // ShellMixin steps without a descriptionDone are described by their command (a
    // `description` alone does not count), and say "(max lines)" where others say "(max lines
    // reached)".
    let mut max_lines = " (max lines reached)";
    let mut summary = match (&done, step.result_summary()) {
        (None, Some(command)) => {
            max_lines = " (max lines)";
            command
        }
        _ => match done.or(description) {
            Some(text) => match suffix {
                Some(suffix) => format!("{text} {suffix}"),
                None => text,
            },
            None => "finished".to_owned(),
        },
    };
    if results != Results::Success {
        summary = format!("{summary} ({})", results.name());
        match failure_reason {
            Some("timeout" | "timeout_without_output") => summary.push_str(" (timed out)"),
            Some("max_lines_failure") => summary.push_str(max_lines),
            _ => {}
        }
    }
    summary
}

/// The step's `state_string` while it runs (Buildbot's `getCurrentSummary`).
pub fn current_summary(
    config: &StepConfig,
    step: &Step,
    props: &crate::process::properties::Properties,
) -> String {
    let description = config
        .description
        .as_ref()
        .and_then(|v| props.render(v).ok())
        .and_then(|v| join_list(&v))
        .or_else(|| step.default_descriptions().0);
    match description {
        Some(text) => match config
            .description_suffix
            .as_ref()
            .and_then(|v| props.render(v).ok())
            .and_then(|v| join_list(&v))
        {
            Some(suffix) => format!("{text} {suffix}"),
            None => text,
        },
        None => "running".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_get_stream_prefixes() {
        assert_eq!(prefix_lines('o', "a\nb\n"), "oa\nob\n");
        assert_eq!(prefix_lines('h', "x"), "hx\n");
    }

    #[test]
    fn failure_halts_only_with_halt_on_failure() {
        let flags = StepFlags {
            halt_on_failure: false,
            flunk_on_failure: true,
            warn_on_failure: false,
            flunk_on_warnings: false,
            warn_on_warnings: false,
            always_run: false,
        };
        assert_eq!(
            compute_result_and_termination(&flags, Results::Failure, Results::Success),
            (Results::Failure, false)
        );
        let halting = StepFlags {
            halt_on_failure: true,
            ..flags
        };
        assert_eq!(
            compute_result_and_termination(&halting, Results::Failure, Results::Success),
            (Results::Failure, true)
        );
    }
}
