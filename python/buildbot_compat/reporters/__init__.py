"""``buildbot.reporters``: described so configs load; the engine reports each as not supported
yet until it runs them."""

from buildbot_compat import _generic

BitbucketServerCoreAPIStatusPush = _generic.described_class(__name__, "BitbucketServerCoreAPIStatusPush")
BitbucketServerPRCommentPush = _generic.described_class(__name__, "BitbucketServerPRCommentPush")
BitbucketServerStatusPush = _generic.described_class(__name__, "BitbucketServerStatusPush")
BitbucketStatusPush = _generic.described_class(__name__, "BitbucketStatusPush")
BuildRequestGenerator = _generic.described_class(__name__, "BuildRequestGenerator")
BuildSetCombinedStatusGenerator = _generic.described_class(__name__, "BuildSetCombinedStatusGenerator")
BuildSetStatusGenerator = _generic.described_class(__name__, "BuildSetStatusGenerator")
BuildStartEndStatusGenerator = _generic.described_class(__name__, "BuildStartEndStatusGenerator")
BuildStatusGenerator = _generic.described_class(__name__, "BuildStatusGenerator")
GerritStatusPush = _generic.described_class(__name__, "GerritStatusPush")
GerritVerifyStatusPush = _generic.described_class(__name__, "GerritVerifyStatusPush")
GitHubCommentPush = _generic.described_class(__name__, "GitHubCommentPush")
GitHubStatusPush = _generic.described_class(__name__, "GitHubStatusPush")
GitLabStatusPush = _generic.described_class(__name__, "GitLabStatusPush")
HttpStatusPush = _generic.described_class(__name__, "HttpStatusPush")
IRC = _generic.described_class(__name__, "IRC")
MailNotifier = _generic.described_class(
    __name__, "MailNotifier",
    legacy_kwargs={"mode": "MailNotifier(generators=[BuildStatusGenerator(mode=...)])",
                   "messageFormatter": "MailNotifier(generators=[BuildStatusGenerator(message_formatter=...)])",
                   "builders": "MailNotifier(generators=[BuildStatusGenerator(builders=...)])",
                   "tags": "MailNotifier(generators=[BuildStatusGenerator(tags=...)])"})
MessageFormatter = _generic.described_class(__name__, "MessageFormatter")
MessageFormatterEmpty = _generic.described_class(__name__, "MessageFormatterEmpty")
MessageFormatterFunction = _generic.described_class(__name__, "MessageFormatterFunction")
MessageFormatterFunctionRaw = _generic.described_class(__name__, "MessageFormatterFunctionRaw")
MessageFormatterMissingWorker = _generic.described_class(__name__, "MessageFormatterMissingWorker")
MessageFormatterRenderable = _generic.described_class(__name__, "MessageFormatterRenderable")
PushjetNotifier = _generic.described_class(__name__, "PushjetNotifier")
PushoverNotifier = _generic.described_class(__name__, "PushoverNotifier")
TelegramBot = _generic.described_class(__name__, "TelegramBot")
WorkerMissingGenerator = _generic.described_class(__name__, "WorkerMissingGenerator")
ZulipStatusPush = _generic.described_class(__name__, "ZulipStatusPush")
