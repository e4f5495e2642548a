"""What runs when the engine calls back into the configuration's Python during a build:
renderer functions, ``Transform`` functions, ``doStepIf``/``hideStepIf`` callables and custom
steps (``run_step``). The
engine passes the build's properties as JSON and gets JSON back (described as config values
are, so a renderer may return renderables)."""

import json

from buildbot_compat import _describe


class RuntimeProperties:
    """The build's properties, as a renderer's ``props`` argument."""

    def __init__(self, properties):
        self._values = properties

    def getProperty(self, name, default=None):
        return self._values.get(name, default)

    def hasProperty(self, name):
        return name in self._values

    has_key = hasProperty

    def __getitem__(self, name):
        return self._values[name]

    def __contains__(self, name):
        return name in self._values

    def getProperties(self):
        return self

    def render(self, value):
        """Plain values render as themselves (what renderer functions pass here)."""
        from buildbot_compat._buildtime import succeed

        return succeed(value)

    def asDict(self):
        return {k: (v, "") for k, v in self._values.items()}

    def keys(self):
        return list(self._values)


class _BuildView:
    def __init__(self, props):
        self._props = props

    def getProperty(self, name, default=None):
        return self._props.getProperty(name, default)

    def getProperties(self):
        return self._props


class StepView:
    """The ``step`` a ``doStepIf``/``hideStepIf`` callable receives."""

    def __init__(self, props):
        self._props = props
        self.build = _BuildView(props)

    def getProperty(self, name, default=None):
        return self._props.getProperty(name, default)

    def hasProperty(self, name):
        return self._props.hasProperty(name)

    def getProperties(self):
        return self._props


def call_renderer(fn, properties_json, args_json, kwargs_json):
    props = RuntimeProperties(json.loads(properties_json))
    result = _resolve(fn(props, *json.loads(args_json), **json.loads(kwargs_json)))
    return json.dumps(_describe.value(result))


def _resolve(value):
    """A renderer's result: Deferreds and coroutines that have their value at once."""
    from buildbot_compat._buildtime import resolve

    return resolve(value)


def call_transform(fn, args_json, kwargs_json):
    result = _resolve(fn(*json.loads(args_json), **json.loads(kwargs_json)))
    return json.dumps(_describe.value(result))


def call_step_condition(fn, properties_json, results):
    step = StepView(RuntimeProperties(json.loads(properties_json)))
    if results is None:
        return bool(fn(step))
    return bool(fn(results, step))


def run_step(step, bridge):
    """Runs a custom step for the engine (see ``_buildtime``); the result as JSON."""
    from buildbot_compat import _buildtime

    return json.dumps(_buildtime.run(step, bridge))


def call_function(fn, args_json):
    return json.dumps(_describe.value(_resolve(fn(*json.loads(args_json)))))


class ChangeView:
    """The ``change`` a ``ChangeFilter`` function or ``fileIsImportant`` receives, with
    Buildbot's attribute names."""

    def __init__(self, change):
        self.number = change.get("changeid")
        self.who = self.author = change.get("author")
        self.committer = change.get("committer")
        self.files = list(change.get("files") or [])
        self.comments = change.get("comments") or ""
        self.revision = change.get("revision")
        self.when = change.get("when_timestamp")
        self.branch = change.get("branch")
        self.category = change.get("category")
        self.revlink = change.get("revlink")
        self.repository = change.get("repository") or ""
        self.codebase = change.get("codebase") or ""
        self.project = change.get("project") or ""
        self.properties = RuntimeProperties(
            {k: v[0] for k, v in (change.get("properties") or {}).items()})
        self._change = change

    def asDict(self):
        return dict(self._change)


def call_change_predicate(fn, change_json):
    return bool(fn(ChangeView(json.loads(change_json))))


def call_distributor_hook(fn, hook, args_json, bridge):
    """A build request distributor hook (``nextWorker``, ``prioritizeBuilders``...); see
    ``_distributor``."""
    from buildbot_compat import _distributor

    return _distributor.call(fn, hook, args_json, bridge)
