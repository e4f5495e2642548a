"""``twisted.python.failure``: a wrapped exception."""


class Failure:
    def __init__(self, exc_value=None, exc_type=None, exc_tb=None):
        self.value = exc_value
        self.type = exc_type or type(exc_value)

    def check(self, *types):
        return next((t for t in types if isinstance(self.value, t)), None)

    def getErrorMessage(self):
        return str(self.value)
