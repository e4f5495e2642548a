"""``buildbot.process``: factories, properties, results and the step base class."""
