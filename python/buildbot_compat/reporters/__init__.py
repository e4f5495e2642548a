"""``buildbot.reporters``: described so configs load; the engine reports each as not supported
yet until it runs them."""

import re

from buildbot_compat import _generic, config


class _ReportGenerator(_generic.DescribedObject):
    """A report generator: ``ReporterBase.checkConfig`` calls ``check()`` and, for a reporter
    given no name, ``generate_name()``."""

    def check(self):
        # Buildbot checks the mode and filter arguments here; oxbot does not run generators yet.
        return None

    def generate_name(self):
        raise NotImplementedError(
            f"not supported yet by oxbot: naming a reporter after its {type(self).__name__} "
            "(give the reporter a name)")


BitbucketServerCoreAPIStatusPush = _generic.described_class(__name__, "BitbucketServerCoreAPIStatusPush")
BitbucketServerPRCommentPush = _generic.described_class(__name__, "BitbucketServerPRCommentPush")
BitbucketServerStatusPush = _generic.described_class(__name__, "BitbucketServerStatusPush")
BitbucketStatusPush = _generic.described_class(__name__, "BitbucketStatusPush")
BuildRequestGenerator = _generic.described_class(__name__, "BuildRequestGenerator", base=_ReportGenerator)
BuildSetCombinedStatusGenerator = _generic.described_class(__name__, "BuildSetCombinedStatusGenerator", base=_ReportGenerator)
BuildSetStatusGenerator = _generic.described_class(__name__, "BuildSetStatusGenerator", base=_ReportGenerator)
BuildStartEndStatusGenerator = _generic.described_class(__name__, "BuildStartEndStatusGenerator", base=_ReportGenerator)
BuildStatusGenerator = _generic.described_class(__name__, "BuildStatusGenerator", base=_ReportGenerator)
GerritStatusPush = _generic.described_class(__name__, "GerritStatusPush")
GerritVerifyStatusPush = _generic.described_class(__name__, "GerritVerifyStatusPush")
GitHubCommentPush = _generic.described_class(__name__, "GitHubCommentPush")
GitHubStatusPush = _generic.described_class(__name__, "GitHubStatusPush")
GitLabStatusPush = _generic.described_class(__name__, "GitLabStatusPush")
HttpStatusPush = _generic.described_class(__name__, "HttpStatusPush")
IRC = _generic.described_class(__name__, "IRC")
# An address as Buildbot 4.3's MailNotifier accepts it: no blank before the '@', then a domain
# of at least two dot-separated labels (letters, digits, '-'), maybe ending in a dot; alone or
# as "Display Name <address>".
_EMAIL_ADDR = r"\S+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+\.?"
_VALID_EMAIL = re.compile(rf"^(?:{_EMAIL_ADDR}|(?:.+\s+)?<{_EMAIL_ADDR}>\s*)$")


class MailNotifier(_generic.DescribedObject):
    _legacy_kwargs = {
        "mode": "MailNotifier(generators=[BuildStatusGenerator(mode=...)])",
        "messageFormatter": "MailNotifier(generators=[BuildStatusGenerator(message_formatter=...)])",
        "builders": "MailNotifier(generators=[BuildStatusGenerator(builders=...)])",
        "tags": "MailNotifier(generators=[BuildStatusGenerator(tags=...)])",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The checks of Buildbot's MailNotifier.checkConfig on the arguments it does not pass on.
        extra = kwargs.get("extraRecipients", args[3] if len(args) > 3 else None) or []
        if not isinstance(extra, (list, tuple)):
            config.error("extraRecipients must be a list or tuple")
        else:
            for r in extra:
                if not isinstance(r, str) or not _VALID_EMAIL.search(r):
                    config.error(f"extra recipient {r} is not a valid email")
        headers = kwargs.get("extraHeaders", args[5] if len(args) > 5 else None)
        if headers and not isinstance(headers, dict):
            config.error("extraHeaders must be a dictionary")


MessageFormatter = _generic.described_class(__name__, "MessageFormatter")
MessageFormatterEmpty = _generic.described_class(__name__, "MessageFormatterEmpty")
MessageFormatterFunction = _generic.described_class(__name__, "MessageFormatterFunction")
MessageFormatterFunctionRaw = _generic.described_class(__name__, "MessageFormatterFunctionRaw")
MessageFormatterMissingWorker = _generic.described_class(__name__, "MessageFormatterMissingWorker")
MessageFormatterRenderable = _generic.described_class(__name__, "MessageFormatterRenderable")
PushjetNotifier = _generic.described_class(__name__, "PushjetNotifier")
PushoverNotifier = _generic.described_class(__name__, "PushoverNotifier")
TelegramBot = _generic.described_class(__name__, "TelegramBot")
WorkerMissingGenerator = _generic.described_class(__name__, "WorkerMissingGenerator", base=_ReportGenerator)
ZulipStatusPush = _generic.described_class(__name__, "ZulipStatusPush")
