"""The contract between the shim and the engine: the JSON that ``_loader.load`` returns and
``oxbot_core::config::MasterConfig`` parses (serde, field names as there).

Sections: ``title``, ``titleURL``, ``buildbotURL`` (trailing slash added, as Buildbot does),
``db_url``, ``workers``, ``protocols``, ``www`` (``port``, ``plugins``, ``other``),
``change_sources`` and ``services`` (``{"kind", "name", "args", "unsupported"?}``),
``schedulers`` (``{"kind", "name", "builder_names", "properties", "codebases", "args"}``),
``builders`` (with ``factory.steps``), ``properties``, ``multi_master``, ``collapse_requests``,
``secrets_providers``, ``other`` (every other ``BuildmasterConfig`` key the config sets, so the
engine can name what it does not honour) and ``deprecations`` (legacy spellings and Buildbot's
loader warnings).

Tags inside values:

- ``{"$renderable": "Property", "name": str, "default": value}``
- ``{"$renderable": "Interpolate", "fmt": str, "args": [...], "kwargs": {...}}``
- ``{"$renderable": "WithProperties", "fmt": str, "args": [...], "kwargs": {...}}``
- ``{"$renderable": "Transform" | "Secret" | "renderer" | ..., ...}``: rendered by the engine when
  it supports the kind, otherwise the step fails naming it.
- ``{"$python": int, "repr": str}``: a Python object (callable) kept alive in
  ``_describe.HANDLES`` (a new table per load).
- ``{"$lock": "MasterLock" | "WorkerLock", ...}`` and ``{"$lock_access": mode, "lock", "count"}``.
- ``{"$filter": "ChangeFilter", ...}``: a change filter's settings.
- ``{"kind", "name", "args", "unsupported": "not supported yet by oxbot: buildbot.<module>.<Name>"}``:
  a stand-in for a Buildbot name oxbot does not provide yet (``_generic.stand_in_getattr``).

ForceScheduler ``args``: ``all_fields`` (exactly the ``/forceschedulers`` REST fields of every
parameter, Buildbot's ``getSpec()``, except that a ``regex`` is its pattern text where Buildbot's
REST shows ``null``), ``button_name``, ``label``, ``reasonString``, ``properties`` (form field names
that become build properties), ``username_field``, ``reason_field``, ``priority_field`` and
``codebase_fields`` (``[{"codebase", "fullName"}]``: which nest holds which codebase).

Errors: ``_loader.load`` raises ``ConfigErrors`` (``errors``: Buildbot's messages); an exception
inside ``master.cfg`` is a ``LoadError`` whose ``traceback`` is what Buildbot logs.
"""

RENDERABLE_TAG = "$renderable"
PYTHON_TAG = "$python"
