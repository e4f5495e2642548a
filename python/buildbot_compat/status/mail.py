"""``buildbot.status.mail.MailNotifier`` (0.8): today's ``reporters.MailNotifier``."""

from buildbot_compat.reporters import MailNotifier  # noqa: F401
