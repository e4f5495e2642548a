//! Custom steps written in the user's Python: a `BuildStep` subclass with its own `run()` (or
//! old-style `start()`/`commandComplete()`/`evaluateCommand()` hooks), described as kind
//! `Python` with a handle on the configured object.
//!
//! The step's Python runs on a blocking thread (it holds the GIL while it computes); every
//! call it makes into the build (`runCommand`, `addLog`, `setProperty`...) arrives here as a
//! [`StepRequest`] and is served on the build's task with the same [`StepContext`] as native
//! steps, so logs, properties and remote commands behave alike.

use std::sync::Arc;
use std::sync::mpsc as std_mpsc;

use oxbot_core::Results;
use oxbot_core::config::StepConfig;
use oxbot_core::python::{PythonCallbacks, StepEvent, StepHost, StepRequest};
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use crate::process::remote_command::{RemoteCommand, RemoteError, Stream};
use crate::process::step::{StepContext, StepError, prefix_lines};
use crate::steps::Step;

/// A request waiting to be served, with the channel its events go to.
type Pending = (StepRequest, std_mpsc::Sender<StepEvent>);

/// A step whose `run()` is the user's Python.
#[derive(Debug, Clone)]
pub struct PythonStep {
    handle: u64,
}

impl PythonStep {
    /// Whether a step's description hands the engine its Python object to run.
    pub fn runs_in_python(args: &Map<String, Value>) -> bool {
        args.get("step")
            .and_then(oxbot_core::python::handle_of)
            .is_some()
    }

    pub fn from_args(args: &Map<String, Value>) -> Result<PythonStep, StepError> {
        args.get("step")
            .and_then(oxbot_core::python::handle_of)
            .map(|handle| PythonStep { handle })
            .ok_or_else(|| StepError::Config("a custom step without its Python object".to_owned()))
    }

    pub async fn run(&self, ctx: &mut StepContext) -> Result<Results, StepError> {
        let callbacks: Arc<dyn PythonCallbacks> = ctx
            .build
            .properties
            .lock()
            .await
            .callbacks()
            .cloned()
            .ok_or_else(|| StepError::Unsupported("custom Python steps without Python".into()))?;
        let (sender, mut requests) = mpsc::unbounded_channel::<Pending>();
        let handle = self.handle;
        let mut python = tokio::task::spawn_blocking(move || {
            callbacks.run_step(handle, Box::new(ChannelHost { sender }))
        });
        // The first error that must decide the step's result (a lost worker), whatever the
        // Python made of it.
        let mut fatal: Option<StepError> = None;
        let finished = loop {
            tokio::select! {
                finished = &mut python => break finished,
                Some((request, events)) = requests.recv() => {
                    let reply = serve(ctx, request, &events).await;
                    if let Err(StepError::Remote(RemoteError::WorkerLost(_))) = &reply {
                        fatal.get_or_insert_with(|| reply.clone().unwrap_err());
                    }
                    let _ = events.send(StepEvent::Reply(reply.map_err(|e| e.to_string())));
                }
            }
        };
        if let Some(err) = fatal {
            return Err(err);
        }
        let run = finished
            .map_err(|e| StepError::Data(format!("the step's Python thread failed: {e}")))?
            .map_err(StepError::Python)?;
        ctx.summary = Some(run.summary);
        Results::try_from(run.results)
            .map_err(|e| StepError::Config(format!("the step's run() returned {e}")))
    }
}

/// The Python thread's end of the request channel.
struct ChannelHost {
    sender: mpsc::UnboundedSender<Pending>,
}

impl StepHost for ChannelHost {
    fn request(&self, request: StepRequest) -> std_mpsc::Receiver<StepEvent> {
        let (events, receiver) = std_mpsc::channel();
        if let Err(mpsc::error::SendError((_, events))) = self.sender.send((request, events)) {
            let _ = events.send(StepEvent::Reply(Err("the step has finished".to_owned())));
        }
        receiver
    }
}

/// Serves one request of the step's Python.
async fn serve(
    ctx: &mut StepContext,
    request: StepRequest,
    events: &std_mpsc::Sender<StepEvent>,
) -> Result<Value, StepError> {
    match request {
        StepRequest::Context => Ok(context(ctx)),
        StepRequest::Properties => Ok(Value::Object(ctx.build.properties.lock().await.values())),
        StepRequest::SetProperty {
            name,
            value,
            source,
        } => {
            ctx.set_property(&name, value, &source).await?;
            Ok(Value::Null)
        }
        StepRequest::Render { value } => Ok(ctx.build.properties.lock().await.render(&value)?),
        StepRequest::AddLog { name, log_type } => {
            if !matches!(log_type.as_str(), "s" | "t" | "h") {
                return Err(StepError::Config(format!("unknown log type {log_type:?}")));
            }
            ctx.add_log_of_type(&name, &log_type).await?;
            Ok(Value::Null)
        }
        StepRequest::AppendLog { name, stream, text } => {
            let log = ctx
                .logs
                .iter()
                .find(|l| l.name == name)
                .cloned()
                .ok_or_else(|| StepError::Config(format!("no log named {name:?}")))?;
            let content = if log.log_type == "s" {
                let prefix = match stream.as_str() {
                    "o" | "e" | "h" => stream.chars().next().unwrap_or('o'),
                    other => return Err(StepError::Config(format!("unknown stream {other:?}"))),
                };
                prefix_lines(prefix, &text)
            } else {
                text
            };
            ctx.append_text(log.logid, &content).await?;
            Ok(Value::Null)
        }
        StepRequest::RunCommand {
            name,
            args,
            log,
            observe,
        } => {
            let log = match &log {
                Some(name) => Some(ctx.add_log(name).await?),
                None => None,
            };
            let log_name = log.as_ref().map_or_else(String::new, |l| l.name.clone());
            let cmd = RemoteCommand::new(&name, Value::Object(args));
            let outcome = if observe {
                let events = events.clone();
                let mut forward = move |stream: Stream, text: &str| {
                    let _ = events.send(StepEvent::Output {
                        log: log_name.clone(),
                        stream: stream.prefix().to_string(),
                        text: text.to_owned(),
                    });
                };
                ctx.run_command_observed(cmd, log.as_ref(), &mut forward)
                    .await?
            } else {
                ctx.run_command(cmd, log.as_ref()).await?
            };
            Ok(json!({
                "rc": outcome.rc,
                "interrupted": outcome.interrupted,
                "failure_reason": outcome.failure_reason,
                "updates": outcome.updates,
            }))
        }
        StepRequest::RunBuiltin { step } => {
            let config: StepConfig = serde_json::from_value(step)
                .map_err(|e| StepError::Config(format!("a built-in step description: {e}")))?;
            if config.kind == "Python" {
                return Err(StepError::Config(
                    "run_builtin needs a built-in step kind".to_owned(),
                ));
            }
            let args = match ctx
                .build
                .properties
                .lock()
                .await
                .render(&Value::Object(config.args.clone()))?
            {
                Value::Object(args) => args,
                _ => Map::new(),
            };
            let name = Step::default_name(&config.kind);
            let step = Step::from_config(&config, &args, &name)?;
            let results = Box::pin(step.run(ctx)).await?;
            Ok(json!({
                "results": results.code(),
                "runtime_done": ctx.description_done.take(),
                "default_done": step.default_descriptions().1,
            }))
        }
        StepRequest::SetStateString { text } => {
            ctx.updates.set_step_state_string(ctx.stepid, &text).await?;
            Ok(Value::Null)
        }
        StepRequest::DataGet { path, params } => {
            crate::data::api::DataApi::new(ctx.updates.db().clone())
                .get_value(&path, &params)
                .await
                .map_err(|err| StepError::Config(format!("master.data.get: {err}")))
        }
        StepRequest::AddSteps { steps, at_end } => {
            let steps = steps
                .into_iter()
                .map(serde_json::from_value::<StepConfig>)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StepError::Config(format!("a step added to the build: {e}")))?;
            if at_end {
                ctx.added.at_end.extend(steps);
            } else {
                ctx.added.after_current.extend(steps);
            }
            Ok(Value::Null)
        }
        StepRequest::AddUrl { name, url } => {
            ctx.updates.add_step_url(ctx.stepid, &name, &url).await?;
            Ok(Value::Null)
        }
    }
}

/// What a custom step reads of its build once, when it starts (`self.build`, `self.worker`).
fn context(ctx: &StepContext) -> Value {
    let build = &ctx.build;
    json!({
        "buildid": build.buildid,
        "number": build.number,
        "stepid": ctx.stepid,
        "builder_name": build.builder_name,
        "workername": build.worker.name(),
        "worker_info": build.worker.info(),
        "workdir": ctx.default_workdir(),
        "env": build.env,
        "sourcestamps": build.sourcestamps.iter().map(|ss| json!({
            "codebase": ss.codebase,
            "branch": ss.branch,
            "revision": ss.revision,
            "repository": ss.repository,
            "project": ss.project,
        })).collect::<Vec<_>>(),
    })
}
