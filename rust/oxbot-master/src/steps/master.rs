//! Steps that run on the master (Buildbot's `steps/master.py`): `SetProperty`,
//! `SetProperties`; and `SetPropertyFromCommand` (`steps/shell.py`), which sets a property from
//! a command's output on the worker.

use oxbot_core::Results;
use serde_json::{Map, Value};

use super::arg_str;
use super::shell::ShellCommand;
use crate::process::remote_command::Stream;
use crate::process::step::{StepContext, StepError};
use oxbot_core::pyrepr::py_repr;

/// Where `SetPropertyFromCommand` gets its properties from.
#[derive(Debug, Clone)]
pub enum Extract {
    /// One property: the command's stdout (stripped with `strip`).
    Property { name: String, strip: bool },
    /// `extract_fn(rc, stdout, stderr)` in the user's Python returns the properties.
    Function {
        handle: u64,
        include_stdout: bool,
        include_stderr: bool,
    },
}

/// A property-setting step, with its rendered arguments.
#[derive(Debug, Clone)]
pub enum PropertyStep {
    SetProperty {
        property: String,
        value: Value,
        source: String,
    },
    SetProperties {
        properties: Map<String, Value>,
        source: String,
    },
    FromCommand {
        shell: Box<ShellCommand>,
        extract: Extract,
    },
}

impl PropertyStep {
    pub fn from_args(
        kind: &str,
        args: &Map<String, Value>,
        step_name: &str,
    ) -> Result<PropertyStep, StepError> {
        Ok(match kind {
            "SetProperty" => PropertyStep::SetProperty {
                property: arg_str(args, "property").ok_or_else(|| {
                    StepError::Config("SetProperty: property is required".to_owned())
                })?,
                value: args.get("value").cloned().unwrap_or(Value::Null),
                source: step_name.to_owned(),
            },
            "SetProperties" => match args.get("properties") {
                Some(Value::Object(props)) => PropertyStep::SetProperties {
                    properties: props.clone(),
                    source: step_name.to_owned(),
                },
                Some(other) if other.get("$python").is_some() => {
                    return Err(StepError::Unsupported(
                        "SetProperties with a properties callable".to_owned(),
                    ));
                }
                _ => PropertyStep::SetProperties {
                    properties: Map::new(),
                    source: step_name.to_owned(),
                },
            },
            "SetPropertyFromCommand" => {
                let flag = |name: &str, default: bool| {
                    args.get(name).and_then(Value::as_bool).unwrap_or(default)
                };
                let extract = match (
                    arg_str(args, "property"),
                    args.get("extract_fn")
                        .and_then(oxbot_core::python::handle_of),
                ) {
                    (Some(name), None) => Extract::Property {
                        name,
                        strip: flag("strip", true),
                    },
                    // Buildbot always gives extract_fn the stderr.
                    (None, Some(handle)) => Extract::Function {
                        handle,
                        include_stdout: flag("includeStdout", true),
                        include_stderr: true,
                    },
                    _ => {
                        return Err(StepError::Config(
                            "Exactly one of property and extract_fn must be set".to_owned(),
                        ));
                    }
                };
                PropertyStep::FromCommand {
                    shell: Box::new(ShellCommand::from_args(args, None, None)?),
                    extract,
                }
            }
            other => return Err(StepError::Unsupported(format!("step {other}"))),
        })
    }

    pub fn descriptions(&self) -> (Option<String>, Option<String>) {
        match self {
            PropertyStep::SetProperty { .. } => {
                (Some("Setting".to_owned()), Some("Set".to_owned()))
            }
            PropertyStep::SetProperties { .. } => (
                Some("Setting Properties..".to_owned()),
                Some("Properties Set".to_owned()),
            ),
            PropertyStep::FromCommand { .. } => (None, None),
        }
    }

    pub async fn run(&self, ctx: &mut StepContext) -> Result<Results, StepError> {
        match self {
            PropertyStep::SetProperty {
                property,
                value,
                source,
            } => {
                ctx.set_property(property, value.clone(), source).await?;
                Ok(Results::Success)
            }
            PropertyStep::SetProperties { properties, source } => {
                for (name, value) in properties {
                    ctx.set_property(name, value.clone(), source).await?;
                }
                Ok(Results::Success)
            }
            PropertyStep::FromCommand { shell, extract } => from_command(ctx, shell, extract).await,
        }
    }
}

/// Buildbot 4.3's `SetPropertyFromCommand.run()`.
async fn from_command(
    ctx: &mut StepContext,
    shell: &ShellCommand,
    extract: &Extract,
) -> Result<Results, StepError> {
    let (mut stdout, mut stderr) = (String::new(), String::new());
    let mut collect = |stream: Stream, text: &str| match stream {
        Stream::Stdout => stdout.push_str(text),
        Stream::Stderr => stderr.push_str(text),
        Stream::Header => {}
    };
    let outcome = shell.run_observed(ctx, &mut collect).await?;
    let failed = shell.results(&outcome) == Results::Failure;
    let changes: Map<String, Value> = match extract {
        Extract::Property { .. } if failed => return Ok(Results::Failure),
        Extract::Property { name, strip } => {
            let value = if *strip { stdout.trim() } else { &stdout };
            Map::from_iter([(name.clone(), Value::from(value))])
        }
        Extract::Function {
            handle,
            include_stdout,
            include_stderr,
        } => {
            let callbacks = ctx.build.properties.lock().await.callbacks().cloned();
            let callbacks = callbacks.ok_or_else(|| {
                StepError::Unsupported("SetPropertyFromCommand extract_fn without Python".into())
            })?;
            let args = [
                outcome.rc.map_or(Value::Null, Value::from),
                Value::from(if *include_stdout {
                    stdout
                } else {
                    String::new()
                }),
                Value::from(if *include_stderr {
                    stderr
                } else {
                    String::new()
                }),
            ];
            let result = tokio::task::block_in_place(|| callbacks.call_function(*handle, &args))
                .map_err(StepError::Python)?;
            match result {
                Value::Object(map) => map,
                other => {
                    return Err(StepError::Python(format!(
                        "extract_fn must return a dict, not {other}"
                    )));
                }
            }
        }
    };
    for (name, value) in &changes {
        ctx.set_property(name, value.clone(), "SetPropertyFromCommand Step")
            .await?;
    }
    let log = ctx.add_log_of_type("property changes", "t").await?;
    let mut sorted: Vec<(&String, &Value)> = changes.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let lines: Vec<String> = sorted
        .iter()
        .map(|(k, v)| format!("{k}: {}", py_repr(v)))
        .collect();
    ctx.append_text(log.logid, &format!("{}\n", lines.join("\n")))
        .await?;
    match changes.len() {
        0 => {}
        1 => ctx.set_description_done(format!(
            "property '{}' set",
            changes.keys().next().map_or("", String::as_str)
        )),
        n => ctx.set_description_done(format!("{n} properties set")),
    }
    Ok(if failed {
        Results::Failure
    } else {
        Results::Success
    })
}
