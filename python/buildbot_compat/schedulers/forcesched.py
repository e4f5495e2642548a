"""``ForceScheduler`` and its parameters (Buildbot's ``schedulers/forcesched.py``).

Each parameter describes itself with exactly the fields of Buildbot's ``/forceschedulers`` REST
resource (its ``spec_attributes``, gathered along the class hierarchy), so the engine can serve
that resource and validate a force request from the description alone. Buildbot's REST shows a
compiled ``regex`` as ``null``; the description keeps its pattern text, which the engine needs.
"""

import re

from buildbot_compat import _describe
from buildbot_compat.config.errors import error
from buildbot_compat.schedulers.base import BaseScheduler

# Stands for "the default field" in CodebaseParameter (None means "no field").
DefaultField = object()

RESERVED_NAMES = ("owner", "builderNames", "builderid")
IDENTIFIER = re.compile(r"^[a-zA-Z_-][a-zA-Z0-9._-]*$")


class ValidationError(ValueError):
    """Raised by a parameter (or a ForceScheduler's ``force``) to refuse what the user entered."""


def _spec_attributes(cls):
    """Buildbot's ``accumulateClassList`` over ``spec_attributes``: base classes first."""
    names = []
    for klass in reversed(cls.__mro__):
        for name in klass.__dict__.get("spec_attributes", ()):
            if name not in names:
                names.append(name)
    return names


class BaseParameter(_describe.Described):
    spec_attributes = [
        "name", "fullName", "label", "tablabel", "type", "default", "required", "multiple",
        "regex", "hide", "maxsize", "autopopulate", "tooltip",
    ]
    name = ""
    parentName = None
    label = ""
    tablabel = ""
    type = ""
    default = ""
    required = False
    multiple = False
    regex = None
    hide = False
    maxsize = None
    autopopulate = None
    tooltip = ""

    def __init__(self, name, label=None, tablabel=None, regex=None, **kw):
        if name in RESERVED_NAMES:
            error(f"{name} cannot be used as a parameter name, because it is reserved")
        self.name = name
        self.label = name if label is None else label
        self.tablabel = self.label if tablabel is None else tablabel
        if regex:
            self.regex = re.compile(regex)
        if "value" in kw:
            error(f"Use default='{kw['value']}' instead of value=... to give a default Parameter value")
        # As in Buildbot, every other keyword becomes an attribute.
        self.__dict__.update(kw)

    @property
    def fullName(self):
        if self.parentName and self.name:
            return self.parentName + "_" + self.name
        return self.name or self.parentName

    def setParent(self, parent):
        self.parentName = parent.fullName if parent else None

    def _describe(self):
        out = {}
        for attribute in _spec_attributes(type(self)):
            value = getattr(self, attribute)
            if attribute == "regex" and value is not None:
                value = value.pattern
            out[attribute] = _describe.value(value)
        return out


class FixedParameter(BaseParameter):
    type = "fixed"
    hide = True
    default = ""


class StringParameter(BaseParameter):
    spec_attributes = ["size"]
    type = "text"
    size = 10


class TextParameter(StringParameter):
    spec_attributes = ["cols", "rows"]
    type = "textarea"
    cols = 80
    rows = 20


class IntParameter(StringParameter):
    type = "int"
    default = 0


class BooleanParameter(BaseParameter):
    type = "bool"


class UserNameParameter(StringParameter):
    spec_attributes = ["need_email"]
    type = "username"
    default = ""
    size = 30
    need_email = True

    def __init__(self, name="username", label="Your name:", **kw):
        super().__init__(name, label, **kw)


class ChoiceStringParameter(BaseParameter):
    spec_attributes = ["choices", "strict"]
    type = "list"
    choices = []
    strict = True


class InheritBuildParameter(ChoiceStringParameter):
    name = "inherit"
    compatible_builds = None

    def __init__(self, *args, **kwargs):
        error("not supported yet by oxbot: InheritBuildParameter")
        super().__init__(*args, **kwargs)


class WorkerChoiceParameter(ChoiceStringParameter):
    anySentinel = "-any-"
    label = "Worker"
    required = False
    strict = False

    def __init__(self, name="workername", **kwargs):
        super().__init__(name, **kwargs)


class FileParameter(BaseParameter):
    type = "file"
    maxsize = 1024 * 1024 * 10


class NestedParameter(BaseParameter):
    spec_attributes = ["layout", "columns"]
    type = "nested"
    layout = "vertical"
    fields = None
    columns = None

    def __init__(self, name, fields, **kwargs):
        super().__init__(fields=fields, name=name, **kwargs)
        if self.columns is None:
            visible = len([field for field in fields if not field.hide])
            self.columns = 2 if visible >= 4 else 1
        if self.columns > 4:
            error("UI only support up to 4 columns in nested parameters")
        self.setParent(None)

    def setParent(self, parent):
        super().setParent(parent)
        for field in self.fields:
            field.setParent(self)

    def _describe(self):
        out = super()._describe()
        out["fields"] = [field._describe() for field in self.fields]
        return out


ParameterGroup = NestedParameter


class AnyPropertyParameter(NestedParameter):
    def __init__(self, name, **kw):
        fields = [
            StringParameter(name="name", label="Name:"),
            StringParameter(name="value", label="Value:"),
        ]
        super().__init__(name, label="", fields=fields, **kw)


class CodebaseParameter(NestedParameter):
    codebase = ""

    def __init__(self, codebase, name=None, label=None, branch=DefaultField,
                 revision=DefaultField, repository=DefaultField, project=DefaultField,
                 patch=None, **kwargs):
        name = name or codebase
        if label is None and codebase:
            label = "Codebase: " + codebase
        fields_dict = {"branch": branch, "revision": revision, "repository": repository,
                       "project": project}
        for key, value in fields_dict.items():
            if value is DefaultField:
                value = StringParameter(name=key, label=key.capitalize() + ":")
            elif isinstance(value, str):
                value = FixedParameter(name=key, default=value)
            fields_dict[key] = value
        fields = [value for _, value in sorted(fields_dict.items()) if value]
        if patch is not None:
            if patch.name != "patch":
                error("patch parameter of a codebase must be named 'patch'")
            fields.append(patch)
            if self.columns is None and "columns" not in kwargs:
                self.columns = 1
        super().__init__(name=name, label=label, codebase=codebase, fields=fields, **kwargs)


def oneCodebase(**kw):
    return [CodebaseParameter("", **kw)]


class PatchParameter(NestedParameter):
    columns = 1

    def __init__(self, **kwargs):
        error("not supported yet by oxbot: PatchParameter (patches in forced builds)")
        name = kwargs.pop("name", "patch")
        defaults = [
            FileParameter("body"),
            IntParameter("level", default=1),
            StringParameter("author", default=""),
            StringParameter("comment", default=""),
            StringParameter("subdir", default="."),
        ]
        fields = [kwargs.pop(field.name, field) for field in defaults]
        super().__init__(name, fields=fields, **kwargs)


def _is_list_of(obj, kind):
    return isinstance(obj, list) and all(isinstance(item, kind) for item in obj)


class ForceScheduler(BaseScheduler):
    def __init__(self, name, builderNames, username=None, reason=None,
                 reasonString="A build was forced by '%(owner)s': %(reason)s", buttonName=None,
                 codebases=None, label=None, properties=None, priority=None, **kwargs):
        # Buildbot checks the settings every scheduler has first, then its own.
        super().__init__(name, builderNames, **kwargs)
        self._check(name, builderNames, username, reason, codebases, properties, priority)
        if reason is None:
            reason = StringParameter(name="reason", default="force build", size=20)
        if username is None:
            username = UserNameParameter()
        if priority is None:
            priority = IntParameter(name="priority", default=0)
        if codebases is None:
            codebases = [CodebaseParameter(codebase="")]
        self.reason = reason
        self.username = username
        self.forced_priority = priority
        self.label = name if label is None else label
        self.forcedProperties = []
        codebase_dict = {}
        for codebase in codebases if isinstance(codebases, list) else []:
            if isinstance(codebase, str):
                codebase = CodebaseParameter(codebase=codebase)
            if not isinstance(codebase, CodebaseParameter):
                continue
            self.forcedProperties.append(codebase)
            codebase_dict[codebase.codebase] = {"branch": "", "repository": "", "revision": ""}
        self.codebase_params = list(self.forcedProperties)
        self.property_params = list(properties) if _is_list_of(properties, BaseParameter) else []
        self.forcedProperties.extend(self.property_params)
        self.all_fields = [NestedParameter(name="", fields=[username, reason, priority])]
        self.all_fields.extend(self.forcedProperties)
        self.reasonString = reasonString
        self.buttonName = buttonName or name
        self.codebases = codebase_dict

    def _check(self, name, builderNames, username, reason, codebases, properties, priority):
        if not name:
            error(f"ForceScheduler name must not be empty: {name!r}")
        elif not isinstance(name, str) or not IDENTIFIER.match(name):
            error(f"ForceScheduler name must be an identifier: {name!r}")
        if not _is_list_of(builderNames, str):
            error(f"ForceScheduler '{name}': builderNames must be a list of strings: {builderNames!r}")
        if username is not None and not isinstance(username, BaseParameter):
            error(f"ForceScheduler '{name}': username must be a StringParameter: {username!r}")
        if reason is not None and not isinstance(reason, BaseParameter):
            error(f"ForceScheduler '{name}': reason must be a StringParameter: {reason!r}")
        if properties is not None and not _is_list_of(properties, BaseParameter):
            error(f"ForceScheduler '{name}': properties must be a list of BaseParameters: {properties!r}")
        if priority is not None and not isinstance(priority, IntParameter):
            error(f"ForceScheduler '{name}': priority must be a IntParameter: {priority!r}")
        if codebases is not None:
            if not codebases:
                error(f"ForceScheduler '{name}': 'codebases' cannot be empty; use "
                      f"[CodebaseParameter(codebase='', hide=True)] if needed: {codebases!r} ")
            if not isinstance(codebases, list):
                error(f"ForceScheduler '{name}': 'codebases' should be a list of strings or "
                      f"CodebaseParameter, not {type(codebases)}")
            for codebase in codebases:
                if not isinstance(codebase, (str, CodebaseParameter)):
                    error(f"ForceScheduler '{name}': 'codebases' must be a list of strings or "
                          f"CodebaseParameter objects: {codebases!r}")

    def _args(self):
        def leaf_names(params):
            out = []
            for param in params:
                if isinstance(param, NestedParameter):
                    out.extend(leaf_names(param.fields))
                elif param.fullName:
                    out.append(param.fullName)
            return out

        return {
            "button_name": self.buttonName,
            "label": self.label,
            "reasonString": self.reasonString,
            "all_fields": [field._describe() for field in self.all_fields],
            # The engine's force action reads these: which form fields are the owner, the
            # reason and the priority, which are properties, and which nest is which codebase.
            "properties": leaf_names(self.property_params),
            "username_field": self.username.fullName,
            "reason_field": self.reason.fullName,
            "priority_field": self.forced_priority.fullName,
            "codebase_fields": [
                {"codebase": cb.codebase, "fullName": cb.fullName} for cb in self.codebase_params
            ],
        }
