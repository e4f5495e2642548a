//! `ShellCommand` and its kin (`Configure`, `Compile`, `Test`): one `shell` remote command
//! whose output goes to the `stdio` log (Buildbot's `steps/shell.py`).

use oxbot_core::Results;
use serde_json::{Map, Value, json};

use super::{arg_int, arg_str, join_list};
use crate::process::remote_command::{CommandOutcome, RemoteCommand};
use crate::process::step::{OutputObserver, StepContext, StepError};

/// Arguments of a shell step, rendered.
#[derive(Debug, Clone)]
pub struct ShellCommand {
    pub command: Value,
    pub workdir: Option<String>,
    pub env: Map<String, Value>,
    pub timeout: Option<i64>,
    pub max_time: Option<i64>,
    pub description: Option<String>,
    pub description_done: Option<String>,
    /// Arguments passed through to the worker unchanged (`usePTY`, `logEnviron`...).
    pub passthrough: Map<String, Value>,
    /// `lazylogfiles`: the `logfiles` logs appear with their first lines, not at the start.
    pub lazylogfiles: bool,
    /// `decodeRC`: the result of each exit code (Buildbot's default is `{0: SUCCESS}`).
    pub decode_rc: Option<Vec<(i64, Results)>>,
}

/// Arguments of Buildbot's `RemoteShellCommand` that go to the worker as they are.
const PASSTHROUGH: &[(&str, &str)] = &[
    ("usePTY", "usePTY"),
    ("logfiles", "logfiles"),
    ("logEnviron", "logEnviron"),
    ("sigtermTime", "sigtermTime"),
    ("interruptSignal", "interruptSignal"),
    ("initialStdin", "initial_stdin"),
    ("want_stdout", "want_stdout"),
    ("want_stderr", "want_stderr"),
    ("maxTime", "maxTime"),
    ("max_lines", "max_lines"),
];

impl ShellCommand {
    pub fn from_args(
        args: &Map<String, Value>,
        description: Option<&str>,
        description_done: Option<&str>,
    ) -> Result<ShellCommand, StepError> {
        let command = args
            .get("command")
            .cloned()
            .filter(|c| !c.is_null())
            .ok_or_else(|| {
                StepError::Config("ShellCommand's `command' argument is not specified".to_owned())
            })?;
        let passthrough = PASSTHROUGH
            .iter()
            .filter_map(|(from, to)| args.get(*from).map(|v| ((*to).to_owned(), v.clone())))
            .collect();
        Ok(ShellCommand {
            command,
            workdir: arg_str(args, "workdir"),
            env: match args.get("env") {
                Some(Value::Object(env)) => env.clone(),
                _ => Map::new(),
            },
            timeout: arg_int(args, "timeout"),
            max_time: arg_int(args, "maxTime"),
            description: description.map(str::to_owned),
            description_done: description_done.map(str::to_owned),
            passthrough,
            lazylogfiles: args
                .get("lazylogfiles")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            decode_rc: decode_rc(args.get("decodeRC"))?,
        })
    }

    /// Buildbot's `RemoteCommand.results()`: CANCELLED when interrupted, else the exit code
    /// through `decodeRC`, FAILURE for a code it does not name.
    pub fn results(&self, outcome: &CommandOutcome) -> Results {
        let Some(codes) = &self.decode_rc else {
            return StepContext::default_results(outcome);
        };
        if outcome.interrupted {
            return Results::Cancelled;
        }
        outcome
            .rc
            .and_then(|rc| codes.iter().find(|(code, _)| *code == rc))
            .map_or(Results::Failure, |(_, results)| *results)
    }

    /// Buildbot's `command_to_string`: `'sh test.sh'`, or the first two words and `...`.
    pub fn command_summary(&self) -> Option<String> {
        let words: Vec<String> = match &self.command {
            Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
            Value::Array(items) => items.iter().filter_map(join_list).collect(),
            _ => return None,
        };
        match words.len() {
            0 => None,
            1 | 2 => Some(format!("'{}'", words.join(" "))),
            _ => Some(format!("'{} ...'", words[..2].join(" "))),
        }
    }

    pub async fn run(&self, ctx: &mut StepContext) -> Result<Results, StepError> {
        let outcome = self.execute(ctx, None).await?;
        Ok(self.results(&outcome))
    }

    /// Runs the command, also giving its output to `observe` (for `SetPropertyFromCommand`).
    pub async fn run_observed(
        &self,
        ctx: &mut StepContext,
        observe: &mut OutputObserver<'_>,
    ) -> Result<CommandOutcome, StepError> {
        self.execute(ctx, Some(observe)).await
    }

    async fn execute(
        &self,
        ctx: &mut StepContext,
        observe: Option<&mut OutputObserver<'_>>,
    ) -> Result<CommandOutcome, StepError> {
        let log = ctx.add_log("stdio").await?;
        if !self.lazylogfiles
            && let Some(Value::Object(logfiles)) = self.passthrough.get("logfiles")
        {
            for name in logfiles.keys() {
                ctx.add_log(name).await?;
            }
        }
        let mut env = ctx.build_env();
        env.extend(self.env.clone());
        let mut args = json!({
            "workdir": self.workdir.clone().unwrap_or_else(|| ctx.default_workdir()),
            "command": self.command,
            "env": env,
            "timeout": self.timeout.unwrap_or(1200),
            "maxTime": self.max_time,
            "logfiles": {},
            "usePTY": false,
            "logEnviron": true,
        });
        if let Value::Object(map) = &mut args {
            map.extend(self.passthrough.clone());
        }
        let cmd = RemoteCommand::new("shell", args);
        match observe {
            Some(observe) => ctx.run_command_observed(cmd, Some(&log), observe).await,
            None => ctx.run_command(cmd, Some(&log)).await,
        }
    }
}

/// Reads `decodeRC` (a dict of exit codes, its keys strings once described) into pairs.
fn decode_rc(value: Option<&Value>) -> Result<Option<Vec<(i64, Results)>>, StepError> {
    let Some(Value::Object(map)) = value.filter(|v| !v.is_null()) else {
        return match value.filter(|v| !v.is_null()) {
            None => Ok(None),
            Some(other) => Err(StepError::Config(format!(
                "decodeRC must be a dict of exit codes, not {other}"
            ))),
        };
    };
    map.iter()
        .map(|(code, results)| {
            let code = code
                .parse::<i64>()
                .map_err(|_| StepError::Config(format!("decodeRC: {code} is not an exit code")))?;
            let results = results
                .as_i64()
                .and_then(|r| Results::try_from(r).ok())
                .ok_or_else(|| StepError::Config(format!("decodeRC: {results} is not a result")))?;
            Ok((code, results))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn outcome(rc: Option<i64>, interrupted: bool) -> CommandOutcome {
        CommandOutcome {
            rc,
            interrupted,
            ..CommandOutcome::default()
        }
    }

    #[test]
    fn decode_rc_maps_exit_codes_and_fails_the_others() {
        let args = json!({"command": "exit 3", "decodeRC": {"0": 0, "3": 1}});
        let shell = ShellCommand::from_args(args.as_object().unwrap(), None, None).unwrap();
        assert_eq!(shell.results(&outcome(Some(3), false)), Results::Warnings);
        assert_eq!(shell.results(&outcome(Some(0), false)), Results::Success);
        assert_eq!(shell.results(&outcome(Some(1), false)), Results::Failure);
        assert_eq!(shell.results(&outcome(Some(3), true)), Results::Cancelled);
        let plain = json!({"command": "true"});
        let shell = ShellCommand::from_args(plain.as_object().unwrap(), None, None).unwrap();
        assert_eq!(shell.results(&outcome(Some(3), false)), Results::Failure);
        assert_eq!(shell.results(&outcome(Some(0), false)), Results::Success);
    }
}
