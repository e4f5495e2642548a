//! The worker directory's `buildbot.tac`: written in the same form as `buildbot-worker
//! create-worker` writes it (so either tool can run the directory), and read back by taking
//! its simple `name = value` assignments.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context as _, bail};

/// The line that marks a worker directory.
pub(crate) const MARKER: &str = "application = service.Application('buildbot-worker')";

/// What `create-worker` was told.
#[derive(Debug, Clone)]
pub(crate) struct WorkerSettings {
    pub(crate) basedir: String,
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) name: String,
    pub(crate) password: String,
    pub(crate) keepalive: u64,
    pub(crate) umask: Option<String>,
    pub(crate) maxdelay: u64,
    pub(crate) numcpus: Option<u64>,
    pub(crate) allow_shutdown: Option<String>,
    pub(crate) maxretries: Option<u64>,
    pub(crate) use_tls: bool,
    pub(crate) delete_leftover_dirs: bool,
    pub(crate) protocol: String,
    pub(crate) log_size: u64,
    pub(crate) log_count: Option<u64>,
}

#[cfg(test)]
impl WorkerSettings {
    /// Settings as `create-worker w1` at `basedir` would write them, for tests.
    pub(crate) fn example(basedir: &str) -> Self {
        WorkerSettings {
            basedir: basedir.to_owned(),
            host: "127.0.0.1".into(),
            port: 9989,
            name: "w1".into(),
            password: "it's secret".into(),
            keepalive: 600,
            umask: None,
            maxdelay: 300,
            numcpus: None,
            allow_shutdown: None,
            maxretries: None,
            use_tls: false,
            delete_leftover_dirs: true,
            protocol: "msgpack_experimental_v7".into(),
            log_size: 10_000_000,
            log_count: Some(10),
        }
    }
}

/// A Python literal for a string.
fn py_str(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn py_opt<T: ToString>(v: Option<&T>) -> String {
    v.map_or_else(|| "None".to_owned(), ToString::to_string)
}

impl WorkerSettings {
    /// The `buildbot.tac` text.
    pub(crate) fn tac(&self) -> String {
        format!(
            "\nimport os\n\nfrom buildbot_worker.bot import Worker\nfrom twisted.application import service\n\n\
             basedir = {basedir}\nrotateLength = {log_size}\nmaxRotatedFiles = {log_count}\n\n\
             # a relocatable tac finds its basedir next to itself\n\
             if basedir == '.':\n    import os.path\n    basedir = os.path.abspath(os.path.dirname(__file__))\n\n\
             # buildbot-worker and oxbot-worker recognise a worker directory by the next line; keep it.\n\
             {MARKER}\n\n\
             from twisted.python.logfile import LogFile\nfrom twisted.python.log import ILogObserver, FileLogObserver\n\
             logfile = LogFile.fromFullPath(\n    os.path.join(basedir, \"twistd.log\"), rotateLength=rotateLength,\n    maxRotatedFiles=maxRotatedFiles)\n\
             application.setComponent(ILogObserver, FileLogObserver(logfile).emit)\n\n\
             buildmaster_host = {host}\nport = {port}\nconnection_string = None\n\n\
             workername = {name}\npasswd = {password}\nkeepalive = {keepalive}\numask = {umask}\nmaxdelay = {maxdelay}\n\
             numcpus = {numcpus}\nallow_shutdown = {allow_shutdown}\nmaxretries = {maxretries}\nuse_tls = {use_tls}\n\
             delete_leftover_dirs = {delete_leftover_dirs}\nproxy_connection_string = None\nprotocol = {protocol}\n\n\
             s = Worker(buildmaster_host, port, workername, passwd, basedir,\n           keepalive, umask=umask, maxdelay=maxdelay,\n\
             \x20          numcpus=numcpus, allow_shutdown=allow_shutdown,\n           maxRetries=maxretries, protocol=protocol, useTls=use_tls,\n\
             \x20          delete_leftover_dirs=delete_leftover_dirs,\n           connection_string=connection_string,\n\
             \x20          proxy_connection_string=proxy_connection_string)\ns.setServiceParent(application)\n",
            basedir = py_str(&self.basedir),
            log_size = self.log_size,
            log_count = py_opt(self.log_count.as_ref()),
            host = py_str(&self.host),
            port = self.port,
            name = py_str(&self.name),
            password = py_str(&self.password),
            keepalive = self.keepalive,
            umask = self.umask.clone().unwrap_or_else(|| "None".to_owned()),
            maxdelay = self.maxdelay,
            numcpus = py_opt(self.numcpus.as_ref()),
            allow_shutdown = self
                .allow_shutdown
                .as_deref()
                .map_or_else(|| "None".to_owned(), py_str),
            maxretries = py_opt(self.maxretries.as_ref()),
            use_tls = i32::from(self.use_tls),
            delete_leftover_dirs = i32::from(self.delete_leftover_dirs),
            protocol = py_str(&self.protocol),
        )
    }
}

/// The `name = value` assignments of a tac file (Python literals: strings, ints, None).
fn assignments(text: &str) -> HashMap<String, String> {
    let mut values = HashMap::new();
    for line in text.lines() {
        let line = line.split(" #").next().unwrap_or(line);
        let Some((name, value)) = line.split_once(" = ") else {
            continue;
        };
        if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            values.insert(name.to_owned(), value.trim().to_owned());
        }
    }
    values
}

/// A Python literal's value: quotes removed; `None` is `None`.
fn literal(value: Option<&String>) -> Option<String> {
    let value = value?;
    if value == "None" {
        return None;
    }
    let unquoted = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .or_else(|| value.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
        .map(|v| v.replace("\\'", "'").replace("\\\\", "\\"));
    Some(unquoted.unwrap_or_else(|| value.clone()))
}

/// Reads a worker directory's `buildbot.tac`.
pub(crate) fn read(basedir: &Path) -> anyhow::Result<WorkerSettings> {
    let path = basedir.join("buildbot.tac");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    if !text.contains(MARKER) {
        bail!(
            "invalid worker directory '{}': {} does not define a worker",
            basedir.display(),
            path.display()
        );
    }
    let values = assignments(&text);
    let get = |name: &str| literal(values.get(name));
    let number = |name: &str| get(name).and_then(|v| v.parse::<u64>().ok());
    let truthy = |name: &str| get(name).is_some_and(|v| !matches!(v.as_str(), "0" | "False" | ""));
    let basedir_value = match get("basedir").as_deref() {
        None | Some(".") => basedir.to_string_lossy().into_owned(),
        Some(dir) => dir.to_owned(),
    };
    Ok(WorkerSettings {
        basedir: basedir_value,
        host: get("buildmaster_host").context("buildbot.tac names no buildmaster_host (connection strings are not supported yet by oxbot-worker)")?,
        port: number("port").and_then(|p| u16::try_from(p).ok()).context("buildbot.tac names no valid port")?,
        name: get("workername").context("buildbot.tac names no workername")?,
        password: get("passwd").unwrap_or_default(),
        keepalive: number("keepalive").unwrap_or(600),
        umask: get("umask"),
        maxdelay: number("maxdelay").unwrap_or(300),
        numcpus: number("numcpus"),
        allow_shutdown: get("allow_shutdown"),
        maxretries: number("maxretries"),
        use_tls: truthy("use_tls"),
        delete_leftover_dirs: truthy("delete_leftover_dirs"),
        protocol: get("protocol").unwrap_or_else(|| "pb".to_owned()),
        log_size: number("rotateLength").unwrap_or(10_000_000),
        log_count: number("maxRotatedFiles"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tac_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let settings = WorkerSettings::example(&dir.path().to_string_lossy());
        std::fs::write(dir.path().join("buildbot.tac"), settings.tac()).unwrap();
        let read = read(dir.path()).unwrap();
        assert_eq!(
            (read.host.as_str(), read.port, read.name.as_str()),
            ("127.0.0.1", 9989, "w1")
        );
        assert_eq!(read.password, "it's secret");
        assert!(read.delete_leftover_dirs);
        assert_eq!(read.protocol, "msgpack_experimental_v7");
    }
}
