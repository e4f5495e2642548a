"""Loading ``master.cfg`` as Buildbot 4.3's ``loadConfigDict`` and ``MasterConfig.loadFromDict``
do: the same globals, the same section order, the same messages, and every error collected
before giving up. The result is the JSON description the engine reads
(``oxbot_core::config::MasterConfig``; the tags inside values are listed in ``_spec``)."""

import json
import os
import re
import sys

from buildbot_compat import _describe, _legacy
from buildbot_compat.config.builder import BuilderConfig
from buildbot_compat.config.errors import ConfigErrors, capture_config_errors, error

KNOWN_KEYS = {
    "buildCacheSize", "buildbotNetUsageData", "buildbotURL", "builders", "caches",
    "changeCacheSize", "changeHorizon", "change_source", "codebaseGenerator", "codebases",
    "collapseRequests", "configurators", "db", "db_url", "logCompressionLimit",
    "logCompressionMethod", "logEncoding", "logMaxSize", "logMaxTailSize", "machines", "manhole",
    "metrics", "mq", "multiMaster", "prioritizeBuilders", "projects", "properties", "protocols",
    "revlink", "schedulers", "secretsProviders", "select_next_worker", "services", "title",
    "titleURL", "user_managers", "validation", "workers", "www",
}

# Keys whose value the model has a field for; every other key that is set is kept in
# ``other`` so the engine can name what it does not honour.
MODELLED_KEYS = {
    "title", "titleURL", "buildbotURL", "db", "db_url", "workers", "protocols", "www",
    "change_source", "schedulers", "builders", "properties", "multiMaster", "services",
    "collapseRequests", "secretsProviders", "prioritizeBuilders", "select_next_worker",
    "logCompressionMethod",
}

WWW_KEYS = {
    "allowed_origins", "auth", "authz", "avatar_methods", "change_hook_auth",
    "change_hook_dialects", "cookie_expiration_time", "custom_templates_dir", "debug",
    "default_page", "json_cache_seconds", "jsonp", "logRotateLength", "logfileName",
    "maxRotatedFiles", "plugins", "port", "rest_minimum_version", "ui_default_config", "versions",
    "ws_ping_interval", "project_widgets", "graphql", "theme",
}

DEFAULT_DB_URL = "sqlite:///state.sqlite"
IDENT_RE = re.compile("^[a-zA-Z\u00a0-\U0010ffff_-][a-zA-Z0-9\u00a0-\U0010ffff_-]*$")


class LoadError(ConfigErrors):
    """The config file could not be executed; ``traceback`` is what Buildbot writes to its log
    (its message says "traceback in logfile")."""

    def __init__(self, message, traceback_text):
        super().__init__([message])
        self.traceback = traceback_text


def load(basedir, filename):
    """Evaluates the config in ``basedir`` (as the user named it) and returns its description
    as JSON text; the working directory is ``basedir`` meanwhile. Raises ``ConfigErrors`` with
    every error found."""
    _legacy.DEPRECATIONS.clear()
    _describe.HANDLES = []
    previous_cwd = os.getcwd()
    if not os.path.isdir(basedir):
        raise ConfigErrors([f"basedir '{basedir}' does not exist"])
    absolute = os.path.abspath(basedir)
    _forget_modules_under(absolute)
    os.chdir(absolute)
    try:
        config_dict = _exec_config(basedir, absolute, filename)
        with capture_config_errors(raise_on_error=True):
            description = _from_dict(config_dict)
    finally:
        os.chdir(previous_cwd)
    return json.dumps(description)


def _forget_modules_under(directory):
    """Drops the modules imported from the master's directory (helper modules next to
    master.cfg), so that loading again (a reconfig) imports their current text."""
    prefix = os.path.join(directory, "")
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        # The shim's own modules, embedded in oxbot, have relative names: never dropped.
        if path and os.path.isabs(path) and path.startswith(prefix):
            del sys.modules[name]
    # The path finders' directory listings (what `importlib.invalidate_caches()` clears,
    # without importing `importlib.metadata`, which a master would then keep in memory).
    for finder in sys.path_importer_cache.values():
        if hasattr(finder, "invalidate_caches"):
            finder.invalidate_caches()


def _exec_config(basedir, absolute, filename):
    # Messages name the file as the user gave it, as Buildbot's do.
    path = os.path.join(basedir, filename)
    real_path = os.path.join(absolute, filename)
    if not os.path.exists(real_path):
        raise ConfigErrors([f"configuration file '{path}' does not exist"])
    try:
        with open(real_path, encoding="utf-8") as f:
            source = f.read()
    except OSError as e:
        raise ConfigErrors([f"unable to open configuration file {path!r}: {e}"]) from None
    local = {"basedir": absolute, "__file__": real_path}
    old_path = sys.path[:]
    sys.path.insert(0, absolute)
    added_builtins = _legacy.install_builtins()
    try:
        try:
            exec(compile(source, path, "exec"), local)
        except ConfigErrors:
            raise
        except SyntaxError:
            raise ConfigErrors([
                "encountered a SyntaxError while parsing config file:\n"
                f"{_user_traceback(path)} "
            ]) from None
        except Exception as e:
            raise LoadError(
                f"error while parsing config file: {e} (traceback in logfile)",
                f"error while parsing config file:\n{_user_traceback(path)}",
            ) from None
    finally:
        sys.path[:] = old_path
        _legacy.remove_builtins(added_builtins)
    if "BuildmasterConfig" not in local:
        raise ConfigErrors([f"Configuration file {path!r} does not define 'BuildmasterConfig'"])
    return local["BuildmasterConfig"]


def _user_traceback(path):
    """The traceback of the exception being handled, from the config file on: the loader's own
    frames are left out (for a SyntaxError only its location remains)."""
    etype, value, tb = sys.exc_info()
    # Imported here: traceback (with textwrap and tokenize) serves only a config that failed.
    import traceback

    frames = traceback.extract_tb(tb)
    start = next((i for i, f in enumerate(frames) if f.filename == path), len(frames))
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(frames[start:])
    lines += traceback.format_exception_only(etype, value)
    return "".join(lines)


def _from_dict(c):
    if not isinstance(c, dict):
        error("BuildmasterConfig must be a dictionary")
        return {}
    c = dict(c)
    _apply_legacy_keys(c)
    unknown = set(c) - KNOWN_KEYS
    if len(unknown) == 1:
        error(f"Unknown BuildmasterConfig key {unknown.pop()}")
    elif unknown:
        error(f"Unknown BuildmasterConfig keys {', '.join(sorted(unknown))}")

    out = {"deprecations": []}
    _run_configurators(c)
    _load_global(c, out)
    _load_validation(c)
    out["db_url"] = _db_url(c)
    _load_mq(c)
    out["secrets_providers"] = _load_secrets(c)
    _load_caches(c)
    out["schedulers"] = _load_schedulers(c)
    out["builders"] = _load_builders(c, out)
    out["workers"] = _load_workers(c)
    out["change_sources"] = _load_change_sources(c)
    out["www"] = _load_www(c)
    out["services"] = _load_services(c)
    out["other"] = {k: _describe.value(v) for k, v in c.items()
                    if k in KNOWN_KEYS - MODELLED_KEYS}

    _check_single_master(out, _renderable_builder_names(c))
    _check_schedulers(out)
    _check_locks(c)
    _check_builders(out, _project_names(c))
    _check_ports(out)
    out["deprecations"] = list(_legacy.DEPRECATIONS)
    return out


def _run_configurators(c):
    """Buildbot runs the configurators before reading any section: they add to the config (and
    are not kept in it)."""
    for configurator in c.pop("configurators", None) or []:
        configurator.configure(c)


def _apply_legacy_keys(c):
    """0.8-era keys that Buildbot 4.3 rejects; oxbot maps them and reports each once."""
    if "slaves" in c:
        _legacy.deprecated("c['slaves']", "c['workers']")
        c["workers"] = list(c.get("workers") or []) + list(c.pop("slaves") or [])
    if "slavePortnum" in c:
        _legacy.deprecated("c['slavePortnum']", "c['protocols']")
        port = c.pop("slavePortnum")
        c.setdefault("protocols", {}).setdefault("pb", {"port": port})
    if "status" in c:
        from buildbot_compat.status.html import WebStatus

        _legacy.deprecated("c['status']", "c['services']")
        status = list(c.pop("status") or [])
        for target in status:
            if isinstance(target, WebStatus):
                www, unsupported = target._www()
                for line in unsupported:
                    _legacy.warn(line)
                if www.get("port") and "www" not in c:
                    c["www"] = www
        c["services"] = list(c.get("services") or []) + [
            s for s in status if not isinstance(s, WebStatus)]
    for old, new in (("projectName", "title"), ("projectURL", "titleURL"),
                     ("mergeRequests", "collapseRequests")):
        if old in c:
            _legacy.deprecated(f"c['{old}']", f"c['{new}']")
            value = c.pop(old)
            c.setdefault(new, _legacy.merge_requests(value) if old == "mergeRequests" else value)
    for key in ("eventHorizon", "logHorizon", "buildHorizon", "debugPassword"):
        if key in c:
            _legacy.deprecated(f"c['{key}']", "c['configurators'] (JanitorConfigurator)")
            c.pop(key)


def _load_global(c, out):
    def param(name, types, type_name, default, can_be_callable=False):
        v = c.get(name)
        if v is None:
            return default
        if not (isinstance(v, types) or (can_be_callable and callable(v))):
            error(f"c['{name}'] must be {type_name}")
            return default
        return v

    out["title"] = param("title", str, "a string", "Buildbot")
    if len(out["title"]) > 18:
        _legacy.warn('WARNING: Title is too long to be displayed. "Buildbot" will be used instead.')
    for name, default in (("titleURL", "http://buildbot.net/"),
                          ("buildbotURL", "http://localhost:8080/")):
        url = param(name, str, "a string", default)
        out[name] = url if url.endswith("/") else url + "/"
    param("buildbotNetUsageData", str, "a string or callable", None, can_be_callable=True)
    for name in ("changeHorizon", "logCompressionLimit", "logMaxSize", "logMaxTailSize"):
        param(name, int, "an int", None)
    method = c.get("logCompressionMethod")
    if method is not None and method not in ("raw", "bz2", "gz", "lz4", "zstd", "br"):
        error("c['logCompressionMethod'] must be 'raw', 'bz2', 'gz', 'lz4', 'br' or 'zstd'")
        method = None
    out["log_compression_method"] = method

    properties = c.get("properties", {})
    if not isinstance(properties, dict):
        error("c['properties'] must be a dictionary")
        properties = {}
    out["properties"] = _describe.value(properties)

    collapse = c.get("collapseRequests")
    if collapse not in (None, True, False) and not callable(collapse):
        error("collapseRequests must be a callable, True, or False")
        collapse = None
    out["collapse_requests"] = _describe.value(collapse)
    for name, message in (
        ("codebaseGenerator", "codebaseGenerator must be a callable accepting a dict and returning a str"),
        ("prioritizeBuilders", "prioritizeBuilders must be a callable"),
        ("select_next_worker", "select_next_worker must be a callable"),
    ):
        if c.get(name) is not None and not callable(c[name]):
            error(message)
    for name, key in (("prioritizeBuilders", "prioritize_builders"),
                      ("select_next_worker", "select_next_worker")):
        out[key] = _describe.value(c[name]) if callable(c.get(name)) else None

    out["protocols"] = _load_protocols(c)
    out["multi_master"] = bool(c.get("multiMaster", False))
    if "revlink" in c and not callable(c["revlink"]):
        error("revlink must be a callable")


def _load_protocols(c):
    protocols = c.get("protocols", {})
    if not isinstance(protocols, dict):
        error("c['protocols'] must be dict")
        return []
    out = []
    for name, options in protocols.items():
        if not isinstance(name, str):
            error("c['protocols'] keys must be strings")
        if not isinstance(options, dict):
            error(f"c['protocols']['{name}'] must be a dict")
            return out
        if name == "null":
            # Buildbot's in-process protocol, only for LocalWorkers: the engine names each
            # LocalWorker as not supported, so there is nothing to listen on here.
            continue
        if name not in ("pb", "msgpack_experimental_v7"):
            error(f"not supported yet by oxbot: worker protocol '{name}'")
            continue
        if options.get("port") is not None:
            out.append({"name": name, "listen": _describe.value(options["port"])})
    return out


def _load_validation(c):
    validation = c.get("validation", {})
    if not isinstance(validation, dict):
        error("c['validation'] must be a dictionary")
        return
    unknown = set(validation) - {"branch", "revision", "property_name", "property_value"}
    if unknown:
        error(f"unrecognized validation key(s): {', '.join(unknown)}")


def _db_url(c):
    if "db" in c:
        db = c["db"]
        if set(db) - {"db_url", "engine_kwargs"}:
            error("unrecognized keys in c['db']")
        url = db.get("db_url", DEFAULT_DB_URL)
    else:
        url = c.get("db_url", DEFAULT_DB_URL)
    if not isinstance(url, str):
        error(f"not supported yet by oxbot: a renderable db_url ({url!r})")
        return DEFAULT_DB_URL
    return url


def _load_mq(c):
    mq = dict(c.get("mq") or {})
    keys = {"simple": {"debug"}, "wamp": {"router_url", "realm", "wamp_debug_level"},
            "crossbar": {"router_url", "realm", "wamp_debug_level"}}
    typ = mq.get("type", "simple")
    if typ not in keys:
        error(f"mq type '{typ}' is not known")
        return
    unknown = set(mq) - keys[typ] - {"type"}
    if unknown:
        error(f"unrecognized keys in c['mq']: {', '.join(unknown)}")
    if typ != "simple":
        error(f"not supported yet by oxbot: mq type '{typ}'")
    if "metrics" in c and not isinstance(c["metrics"], dict):
        error("c['metrics'] must be a dictionary")


def _load_secrets(c):
    providers = c.get("secretsProviders", [])
    if not isinstance(providers, list):
        error("c['secretsProviders'] must be a list")
        return []
    return [_describe.value(p) for p in providers]


def _load_caches(c):
    explicit = "caches" in c
    if explicit:
        caches = c["caches"]
        if not isinstance(caches, dict):
            error("c['caches'] must be a dictionary")
        else:
            for name, value in caches.items():
                if not isinstance(value, int):
                    error(f"value for cache size '{name}' must be an integer")
                    return
                if value < 1:
                    error(f"'{name}' cache size must be at least 1, got '{value}'")
    for key in ("buildCacheSize", "changeCacheSize"):
        if key in c and explicit:
            error(f"cannot specify c['caches'] and c['{key}']")


def _load_schedulers(c):
    from buildbot_compat.schedulers.base import BaseScheduler

    if "schedulers" not in c:
        return []
    schedulers = c["schedulers"]
    if not isinstance(schedulers, (list, tuple)) or not all(
            isinstance(s, BaseScheduler) for s in schedulers):
        error("c['schedulers'] must be a list of Scheduler instances")
        if not isinstance(schedulers, (list, tuple)):
            return []
    schedulers = [s for s in schedulers if isinstance(s, BaseScheduler)]
    seen = set()
    for s in schedulers:
        if s.name in seen:
            error(f"scheduler name '{s.name}' used multiple times")
        seen.add(s.name)
    return [s._describe() for s in schedulers]


def _renderable_builder_names(c):
    """Whether some scheduler names its builders with a renderable (then Buildbot cannot tell
    which builders are scheduled)."""
    return any(not isinstance(getattr(s, "builderNames", []), (list, tuple))
               for s in c.get("schedulers") or [])


def _load_builders(c, out):
    if "builders" not in c:
        return []
    builders = c["builders"]
    if not isinstance(builders, (list, tuple)):
        error("c['builders'] must be a list")
        return []
    described = []
    for b in builders:
        if isinstance(b, dict):
            b = BuilderConfig(**b)
        if not isinstance(b, BuilderConfig):
            error(f"{b!r} is not a builder config (in c['builders']")
            continue
        if os.path.isabs(b.builddir):
            _legacy.warn(f"Absolute path '{b.builddir}' for builder may cause mayhem. "
                         "Perhaps you meant to specify workerbuilddir instead.")
        described.append(b._describe())
    return described


def _load_workers(c):
    from buildbot_compat.worker import AbstractWorker

    workers = c.get("workers")
    if workers is None:
        return []
    if not isinstance(workers, (list, tuple)):
        error("c['workers'] must be a list")
        return []
    from buildbot_compat.buildslave import SlaveNaming

    legacy_names = []
    for w in workers:
        if not isinstance(w, AbstractWorker):
            error(f"c['workers'] must be a list of Worker instances but there is {w!r}")
            return []
        name = w.workername
        problems = []
        if name in ("debug", "change", "status"):
            problems.append(f"worker name {name!r} is reserved")
        if isinstance(w, SlaveNaming) and isinstance(name, str) and name and \
                not IDENT_RE.match(name):
            # 0.8 took any slave name ("10.6_i386", "FreeBSD-stable/12"); 0.9 made them
            # identifiers. A 0.8 BuildSlave keeps its name.
            legacy_names.append(name)
        elif not isinstance(name, str) or not IDENT_RE.match(name):
            problems.append(f"worker name {name!r} is not an identifier")
        if not name:
            problems.append(f"worker name {name!r} cannot be an empty string")
        if isinstance(name, str) and len(name) > 50:
            problems.append(f"worker name {name!r} is longer than 50 characters")
        for message in problems:
            error(message)
        if problems:
            return []
    if legacy_names:
        more = f" and {len(legacy_names) - 1} more" if len(legacy_names) > 1 else ""
        _legacy.warn(f"DEPRECATED: BuildSlave names that are not identifiers "
                     f"({legacy_names[0]!r}{more}): Buildbot 0.9+ rejects them, oxbot keeps them")
    return [w._describe() for w in workers]


def _load_change_sources(c):
    sources = c.get("change_source", [])
    if not isinstance(sources, (list, tuple)):
        sources = [sources]
    for s in sources:
        if not isinstance(s, _describe.Described):
            error("c['change_source'] must be a list of change sources")
            return []
    return [s._describe() for s in sources]


def _load_www(c):
    www = dict(c.get("www") or {})
    unknown = set(www) - WWW_KEYS
    if unknown:
        error(f"unknown www configuration parameter(s) {', '.join(unknown)}")
    versions = www.get("versions")
    if versions is not None:
        if not isinstance(versions, list) or any(
                not isinstance(v, tuple) or len(v) < 2 for v in versions):
            error("Invalid www configuration value of versions")
    expiration = www.get("cookie_expiration_time")
    if expiration is not None:
        import datetime

        if not isinstance(expiration, datetime.timedelta):
            error('Invalid www["cookie_expiration_time"] configuration should be a datetime.timedelta')
        else:
            www["cookie_expiration_time"] = expiration.total_seconds()
    hook_auth = www.get("change_hook_auth")
    if isinstance(hook_auth, (list, tuple)):
        www["change_hook_auth"] = [_hook_checker(entry) for entry in hook_auth]
    # The port stays in "other" as given too: the frontend config shows it so.
    port = www.get("port")
    if isinstance(port, str) and port.strip().split(":", 1)[0] not in ("tcp", port.strip()):
        # A strports endpoint other than TCP (Twisted's `unix:/path/to.sock`): only in
        # "other", for the engine to name it as not supported.
        port = None
    plugins = www.pop("plugins", {}) or {}
    return {"port": _describe.value(port), "plugins": _describe.value(plugins),
            "other": _describe.value(www)}


def _hook_checker(entry):
    """A change hook checker as the engine takes it: Twisted's ``FilePasswordDB`` with its
    defaults (what ``strcred.makeChecker("file:PATH")`` makes under the real Twisted) is the
    ``"file:PATH"`` entry; anything else is left for the engine to name."""
    if (type(entry).__name__ == "FilePasswordDB"
            and type(entry).__module__.startswith("twisted.cred")
            and getattr(entry, "delim", None) in (b":", ":")
            and getattr(entry, "ufield", None) == 0 and getattr(entry, "pfield", None) == 1
            and getattr(entry, "caseSensitive", None) is True
            and getattr(entry, "hash", None) is None):
        filename = entry.filename
        return "file:" + (filename.decode() if isinstance(filename, bytes) else str(filename))
    return entry


def _load_services(c):
    described = []
    names = set()
    for service in c.get("services") or []:
        if not isinstance(service, _describe.Described):
            error(f"{type(service)} object should be an instance of "
                  "buildbot.util.service.BuildbotService")
            continue
        description = service._describe()
        if description["name"] in names:
            error(f"Duplicate service name {description['name']!r}")
            continue
        names.add(description["name"])
        described.append(description)
    return described


def _by_name(schedulers):
    """The schedulers as Buildbot keeps them: one per name, the last one wins."""
    return {s["name"]: s for s in schedulers}.values()


def _listed_names(names):
    """Builder names a scheduler lists, leaving out renderables (checked at build time)."""
    return [n for n in names if isinstance(n, str)]


def _check_single_master(out, renderable_builder_names):
    if out["multi_master"]:
        return
    if not out["workers"]:
        error("no workers are configured")
    if not out["builders"]:
        error("no builders are configured")
    unscheduled = [] if renderable_builder_names else list(dict.fromkeys(b["name"] for b in out["builders"]))
    for s in _by_name(out["schedulers"]):
        for n in _listed_names(s["builder_names"]):
            if n in unscheduled:
                unscheduled.remove(n)
    if unscheduled:
        error(f"builder(s) {', '.join(unscheduled)} have no schedulers to drive them")


def _check_schedulers(out):
    if out["multi_master"]:
        return
    builder_names = {b["name"] for b in out["builders"]}
    for s in _by_name(out["schedulers"]):
        for n in _listed_names(s["builder_names"]):
            if n not in builder_names:
                error(f"Unknown builder '{n}' in scheduler '{s['name']}'")


def _check_locks(c):
    from buildbot_compat.locks import BaseLock, LockAccess

    seen = {}

    def check(lock):
        if isinstance(lock, LockAccess):
            lock = lock.lockid
        if not isinstance(lock, BaseLock):
            return
        if lock.name in seen and seen[lock.name] is not lock:
            error(f"Two locks share the same name, '{lock.name}'")
        seen.setdefault(lock.name, lock)

    for b in c.get("builders") or []:
        for lock in getattr(b, "locks", None) or []:
            check(lock)


def _project_names(c):
    """Names of ``c['projects']`` entries (``util.Project(name=...)``)."""
    names = set()
    for p in c.get("projects") or []:
        kwargs = getattr(p, "_kwargs", {})
        args = getattr(p, "_args", ())
        names.add(kwargs.get("name", args[0] if args else None))
    return names


def _check_builders(out, project_names):
    worker_names = {w["name"] for w in out["workers"]}
    seen_names = set()
    seen_dirs = set()
    for b in out["builders"]:
        unknowns = [w for w in dict.fromkeys(b["workernames"]) if w not in worker_names]
        if unknowns:
            error(f"builder '{b['name']}' uses unknown workers {', '.join(repr(u) for u in unknowns)}")
        if b["name"] in seen_names:
            error(f"duplicate builder name '{b['name']}'")
        seen_names.add(b["name"])
        if b["builddir"] in seen_dirs:
            error(f"duplicate builder builddir '{b['builddir']}'")
        seen_dirs.add(b["builddir"])
        if b["project"] is not None and b["project"] not in project_names:
            error(f"builder '{b['name']}' uses unknown project name '{b['project']}'")


def _check_ports(out):
    ports = set()
    for protocol in out["protocols"]:
        port = protocol["listen"]
        if isinstance(port, int):
            port = f"tcp:{port}"
        if port in ports:
            error("Some of ports in c['protocols'] duplicated")
        ports.add(port)
    if not ports and out["workers"]:
        error("workers are configured, but c['protocols'] not")
