"""``buildbot.steps.http``: steps oxbot describes; a build that reaches one fails with "not supported
yet by oxbot" naming it until the engine runs it."""

from buildbot_compat.process.buildstep import described_step

HTTPStep = described_step(__name__, "HTTPStep")
POST = described_step(__name__, "POST")
GET = described_step(__name__, "GET")
PUT = described_step(__name__, "PUT")
DELETE = described_step(__name__, "DELETE")
HEAD = described_step(__name__, "HEAD")
OPTIONS = described_step(__name__, "OPTIONS")
