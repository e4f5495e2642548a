"""``buildbot.status.builder`` (0.8): the result codes (now ``buildbot.process.results``) and
the old status objects, which oxbot does not provide: those names resolve to stand-ins whose
description says "not supported yet by oxbot: <name>"."""

from buildbot_compat._generic import stand_in_getattr
from buildbot_compat.process.results import (  # noqa: F401
    CANCELLED, EXCEPTION, FAILURE, RETRY, SKIPPED, SUCCESS, WARNINGS, Results, worst_status,
)

__getattr__ = stand_in_getattr(__name__)
