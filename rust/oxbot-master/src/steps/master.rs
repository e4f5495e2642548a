//! Steps that run on the master (Buildbot's `steps/master.py`): `SetProperty`,
//! `SetProperties`; and `SetPropertyFromCommand` (`steps/shell.py`), which sets a property from
//! a command's output on the worker.

use oxbot_core::Results;
use serde_json::{Map, Value};

use super::arg_str;
use super::shell::ShellCommand;
use crate::process::step::{StepContext, StepError};

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
        property: String,
        strip: bool,
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
                if args.get("extract_fn").is_some_and(|v| !v.is_null()) {
                    return Err(StepError::Unsupported(
                        "SetPropertyFromCommand extract_fn".to_owned(),
                    ));
                }
                PropertyStep::FromCommand {
                    shell: Box::new(ShellCommand::from_args(args, None, None)?),
                    property: arg_str(args, "property").ok_or_else(|| {
                        StepError::Config(
                            "SetPropertyFromCommand: property or extract_fn is required".to_owned(),
                        )
                    })?,
                    strip: args.get("strip").and_then(Value::as_bool).unwrap_or(true),
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
            PropertyStep::FromCommand {
                shell,
                property,
                strip,
            } => {
                let (outcome, stdout) = shell.run_collecting(ctx).await?;
                let results = ctx.results_from_rc(&outcome);
                if results == Results::Success {
                    let value = if *strip {
                        stdout.trim().to_owned()
                    } else {
                        stdout
                    };
                    ctx.set_property(
                        property,
                        Value::String(value),
                        "SetPropertyFromCommand Step",
                    )
                    .await?;
                    ctx.set_description_done(format!("property '{property}' set"));
                }
                Ok(results)
            }
        }
    }
}
