//! The master configuration model: what `master.cfg` means, as plain data.
//!
//! `oxbot-python` evaluates `master.cfg` and fills a [`MasterConfig`]; the engine reads it and
//! never sees Python. Section by section it mirrors Buildbot's `config/master.py`
//! (`load_workers`, `load_builders`, `load_schedulers`...).
//!
//! Values that Buildbot renders at build time (step arguments, scheduler properties) are kept as
//! [`Value`]: JSON in which a renderable is an object with a `"$renderable"` key (for example
//! `{"$renderable": "Interpolate", "fmt": "%(prop:branch)s"}`) and a user Python callable is an
//! object with a `"$python"` key holding a handle number. The engine renders them when a build
//! runs; which tags exist is listed in `python/buildbot_compat/_spec.py`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A JSON value that may contain renderables and Python handles (see the module docs).
pub type Value = serde_json::Value;
/// A JSON object of keyword arguments or properties.
pub type Map = serde_json::Map<String, Value>;

/// The whole configuration of one master, as `BuildmasterConfig` describes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MasterConfig {
    pub title: String,
    #[serde(rename = "titleURL")]
    pub title_url: String,
    #[serde(rename = "buildbotURL")]
    pub buildbot_url: String,
    /// `c['db']['db_url']` (or the legacy `c['db_url']`), e.g. `sqlite:///state.sqlite`.
    pub db_url: String,
    pub workers: Vec<WorkerConfig>,
    /// `c['protocols']`: the worker ports. Both `pb` and `msgpack_experimental_v7` are served with
    /// the msgpack-over-WebSocket protocol.
    pub protocols: Vec<ProtocolConfig>,
    pub www: WwwConfig,
    pub change_sources: Vec<ChangeSourceConfig>,
    pub schedulers: Vec<SchedulerConfig>,
    pub builders: Vec<BuilderConfig>,
    /// `c['properties']`: global build properties.
    pub properties: Map,
    pub multi_master: bool,
    /// `c['services']` and `c['status']` entries (reporters), by kind.
    pub services: Vec<ServiceConfig>,
    /// `c['collapseRequests']`: `true`, `false`, a Python handle, or `None` (Buildbot's default
    /// rule). A builder's own `collapse_requests` wins over it.
    pub collapse_requests: Option<Value>,
    /// `c['prioritizeBuilders']`: a Python handle, or `None` for Buildbot's order (highest
    /// request priority, then oldest request, then name).
    #[serde(default)]
    pub prioritize_builders: Option<Value>,
    /// `c['select_next_worker']`: the `nextWorker` of builders that set none.
    #[serde(default)]
    pub select_next_worker: Option<Value>,
    /// `c['secretsProviders']`, each as described (a `kind`, `name` and `args` object).
    pub secrets_providers: Vec<Value>,
    /// `c['logCompressionMethod']` as given (`raw`, `gz`, `bz2`, `lz4`, `zstd` or `br`), or
    /// `None` when unset.
    #[serde(default)]
    pub log_compression_method: Option<String>,
    /// The other `BuildmasterConfig` keys the config sets (`caches`, `revlink`, `mq`,
    /// `configurators`, `prioritizeBuilders`...), as described, so that the engine can name the
    /// ones it does not honour instead of ignoring them.
    pub other: Map,
    /// One line per legacy spelling seen while loading, and the warnings Buildbot's loader
    /// gives (a too long title...); `checkconfig` prints them.
    pub deprecations: Vec<String>,
}

/// `worker.Worker(name, password, ...)` (or the 0.8 `BuildSlave`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerConfig {
    pub name: String,
    pub password: String,
    pub max_builds: Option<u32>,
    pub properties: Map,
    /// Kind name for workers the engine cannot run yet (latent workers); `None` for plain workers.
    pub unsupported_kind: Option<String>,
}

/// One entry of `c['protocols']`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtocolConfig {
    /// `pb` or `msgpack_experimental_v7`.
    pub name: String,
    pub listen: ListenAddress,
}

/// Where to listen: an int port or a strports string such as `tcp:9989:interface=127.0.0.1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawListenAddress")]
pub struct ListenAddress {
    /// Interface to bind; `None` means all interfaces, as Twisted's `tcp:PORT` does.
    pub interface: Option<String>,
    pub port: u16,
}

/// Splits a Twisted strports description at unescaped colons (`\\:` is a literal colon, as in
/// `interface=\\:\\:1`).
fn split_strports(spec: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => parts.last_mut().expect("never empty").extend(chars.next()),
            ':' => parts.push(String::new()),
            c => parts.last_mut().expect("never empty").push(c),
        }
    }
    parts
}

/// A port as a config gives it: an int, a strports string, or an already parsed address.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawListenAddress {
    Port(u64),
    Spec(String),
    Parsed {
        interface: Option<String>,
        port: u16,
    },
}

impl TryFrom<RawListenAddress> for ListenAddress {
    type Error = ConfigError;

    fn try_from(raw: RawListenAddress) -> Result<ListenAddress, ConfigError> {
        match raw {
            RawListenAddress::Port(port) => u16::try_from(port)
                .map(|port| ListenAddress {
                    interface: None,
                    port,
                })
                .map_err(|_| ConfigError::new(format!("invalid port specification '{port}'"))),
            RawListenAddress::Spec(spec) => ListenAddress::parse(&spec),
            RawListenAddress::Parsed { interface, port } => Ok(ListenAddress { interface, port }),
        }
    }
}

impl ListenAddress {
    /// Parses the forms Buildbot accepts for a port: `9989`, `"9989"`, `"tcp:9989"`,
    /// `"tcp:port=9989:interface=127.0.0.1"`, `"tcp:0:interface=127.0.0.1"`.
    pub fn parse(spec: &str) -> Result<ListenAddress, ConfigError> {
        let bad = || ConfigError::new(format!("invalid port specification '{spec}'"));
        let spec = spec.trim();
        if let Ok(port) = spec.parse::<u16>() {
            return Ok(ListenAddress {
                interface: None,
                port,
            });
        }
        let parts = split_strports(spec);
        let mut parts = parts.iter().map(String::as_str);
        match parts.next() {
            Some("tcp") => {}
            // Twisted's other server endpoints, which Buildbot accepts.
            Some(kind @ ("ssl" | "tls" | "unix" | "systemd" | "tcp6" | "onion")) => {
                return Err(ConfigError::new(format!(
                    "port specification '{spec}': {kind}: endpoints are not supported by oxbot \
                     yet (only a port number or tcp:); for TLS, put a proxy in front of oxbot"
                )));
            }
            _ => return Err(bad()),
        }
        let mut port = None;
        let mut interface = None;
        for part in parts {
            match part.split_once('=') {
                Some(("port", p)) => port = Some(p.parse().map_err(|_| bad())?),
                Some(("interface", i)) => interface = Some(i.to_owned()),
                Some(("backlog", _)) => {}
                None if port.is_none() => port = Some(part.parse().map_err(|_| bad())?),
                Some(_) | None => return Err(bad()),
            }
        }
        Ok(ListenAddress {
            interface,
            port: port.ok_or_else(bad)?,
        })
    }

    /// The address to bind, `0.0.0.0` when no interface was named.
    pub fn bind_addr(&self) -> String {
        let host = self.interface.as_deref().unwrap_or("0.0.0.0");
        if host.contains(':') {
            format!("[{host}]:{}", self.port)
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// `c['www']`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WwwConfig {
    pub port: Option<ListenAddress>,
    /// Plugin name → its settings, as in `c['www']['plugins']`.
    pub plugins: Map,
    /// Everything else of `c['www']` (auth, authz, change_hook_dialects...) as described,
    /// with `port` as given (Buildbot's frontend config shows it).
    pub other: Map,
}

/// `util.BuilderConfig(...)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuilderConfig {
    pub name: String,
    pub workernames: Vec<String>,
    pub builddir: String,
    pub workerbuilddir: String,
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub project: Option<String>,
    pub properties: Map,
    pub default_properties: Map,
    pub env: Map,
    pub collapse_requests: Option<Value>,
    pub next_worker: Option<Value>,
    pub next_build: Option<Value>,
    pub can_start_build: Option<Value>,
    pub locks: Vec<Value>,
    pub factory: BuildFactory,
}

/// `util.BuildFactory` and its steps.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BuildFactory {
    pub steps: Vec<StepConfig>,
    /// Set when the factory is a user subclass or a factory kind the engine cannot run yet.
    pub unsupported_kind: Option<String>,
}

/// One step of a factory: its kind (Buildbot's class name), the settings every step has, and
/// its own keyword arguments (which may hold renderables).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepConfig {
    /// Buildbot's class name: `ShellCommand`, `Git`, `FileUpload`... or `Python` for a user
    /// subclass whose `run()` runs in Python.
    pub kind: String,
    pub name: Value,
    pub halt_on_failure: bool,
    pub flunk_on_failure: bool,
    pub warn_on_failure: bool,
    pub flunk_on_warnings: bool,
    pub warn_on_warnings: bool,
    pub always_run: bool,
    pub description: Option<Value>,
    pub description_done: Option<Value>,
    pub description_suffix: Option<Value>,
    pub do_step_if: Option<Value>,
    pub hide_step_if: Option<Value>,
    /// `updateBuildSummaryPolicy`: `True`, `False` or a list of result codes whose step
    /// summary goes into the build's; unset, Buildbot's default from the result flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_build_summary_policy: Option<Value>,
    pub locks: Vec<Value>,
    /// The step's own keyword arguments, with Buildbot's names (`command`, `repourl`...).
    pub args: Map,
}

/// A scheduler: the settings every scheduler has, and its kind-specific arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchedulerConfig {
    /// Buildbot's class name: `SingleBranchScheduler`, `ForceScheduler`, `Nightly`...
    pub kind: String,
    pub name: String,
    pub builder_names: Vec<String>,
    pub properties: Map,
    pub codebases: Option<Value>,
    pub args: Map,
}

/// A change source (`GitPoller`, `SVNPoller`, `PBChangeSource`...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeSourceConfig {
    pub kind: String,
    pub name: String,
    pub args: Map,
    /// Set by the shim's stand-ins for Buildbot names oxbot does not provide yet:
    /// "not supported yet by oxbot: buildbot.<module>.<Name>".
    #[serde(default)]
    pub unsupported: Option<String>,
}

/// An entry of `c['services']` (reporters and other services).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceConfig {
    pub kind: String,
    pub name: String,
    pub args: Map,
    /// Set by the shim's stand-ins for Buildbot names oxbot does not provide yet:
    /// "not supported yet by oxbot: buildbot.<module>.<Name>".
    #[serde(default)]
    pub unsupported: Option<String>,
}

/// One configuration error, in Buildbot's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigError {
    pub message: String,
    /// For an exception raised while `master.cfg` ran: the traceback Buildbot writes to its
    /// log before the error list (its message ends in "(traceback in logfile)").
    #[serde(default)]
    pub traceback: Option<String>,
}

impl ConfigError {
    pub fn new(message: impl Into<String>) -> ConfigError {
        ConfigError {
            message: message.into(),
            traceback: None,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Every error found while loading a configuration (Buildbot's `ConfigErrors`): loading goes on
/// after the first one so that the user sees them all.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors {
    pub errors: Vec<ConfigError>,
}

impl ConfigErrors {
    pub fn add(&mut self, message: impl Into<String>) {
        self.errors.push(ConfigError::new(message));
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// The strings of a list argument (`["a", "b"]`); anything else gives none.
pub fn string_list(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_address_forms() {
        let plain = ListenAddress::parse("9989").unwrap();
        assert_eq!((plain.interface, plain.port), (None, 9989));
        let tcp = ListenAddress::parse("tcp:0:interface=127.0.0.1").unwrap();
        assert_eq!(tcp.bind_addr(), "127.0.0.1:0");
        let named = ListenAddress::parse(r"tcp:port=8010:interface=\:\:1").unwrap();
        assert_eq!(named.bind_addr(), "[::1]:8010");
        assert!(ListenAddress::parse("unix:/tmp/sock").is_err());
        assert!(ListenAddress::parse("tcp:").is_err());
        let ssl = ListenAddress::parse("ssl:8443:privateKey=k.pem").unwrap_err();
        assert!(
            ssl.message
                .contains("ssl: endpoints are not supported by oxbot yet"),
            "{}",
            ssl.message
        );
    }

    #[test]
    fn listen_address_deserializes_from_config_values() {
        let from = |v: serde_json::Value| serde_json::from_value::<ListenAddress>(v);
        assert_eq!(from(serde_json::json!(9989)).unwrap().port, 9989);
        assert_eq!(
            from(serde_json::json!("tcp:0:interface=127.0.0.1"))
                .unwrap()
                .bind_addr(),
            "127.0.0.1:0"
        );
        assert!(from(serde_json::json!("bogus")).is_err());
        assert!(from(serde_json::json!(70000)).is_err());
    }
}
