"""buildbot_compat: the Buildbot configuration API, for oxbot.

oxbot evaluates an unmodified ``master.cfg`` with this package standing in for ``buildbot``:
``import buildbot.plugins`` resolves to ``buildbot_compat.plugins`` through the import alias
in ``_alias``. Objects here check their arguments the way Buildbot does and *describe*
themselves as plain data (see ``_describe``); oxbot's engine, written in Rust, runs them.
"""

version = "4.3.0"
__version__ = version
