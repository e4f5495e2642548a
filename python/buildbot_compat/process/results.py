"""Build and step results, with Buildbot's codes and helpers."""

SUCCESS = 0
WARNINGS = 1
FAILURE = 2
SKIPPED = 3
EXCEPTION = 4
RETRY = 5
CANCELLED = 6

Results = ["success", "warnings", "failure", "skipped", "exception", "retry", "cancelled"]


def statusToString(status, count=0):
    if status is None:
        return "not finished"
    if status < 0 or status >= len(Results):
        return "Invalid status"
    return Results[status]


def worst_status(a, b):
    for s in (CANCELLED, RETRY, EXCEPTION, FAILURE, WARNINGS, SUCCESS, SKIPPED):
        if s in (a, b):
            return s
    return None


def computeResultAndTermination(obj, result, previousResult):
    """The overall result after a step (or a ``ShellArg``) ends with ``result``, by its
    ``flunkOnFailure``/``warnOnFailure``/``haltOnFailure``/``warnOnWarnings``/``flunkOnWarnings``
    settings, and whether the sequence stops here."""
    overall = result
    terminate = False
    if result == FAILURE:
        if not obj.flunkOnFailure:
            overall = SUCCESS
        if obj.warnOnFailure:
            overall = WARNINGS
        if obj.flunkOnFailure:
            overall = FAILURE
        if obj.haltOnFailure:
            terminate = True
    elif result == WARNINGS:
        overall = WARNINGS if obj.warnOnWarnings else SUCCESS
        if obj.flunkOnWarnings:
            overall = FAILURE
    elif result in (EXCEPTION, RETRY, CANCELLED):
        terminate = True
    return worst_status(previousResult, overall), terminate
