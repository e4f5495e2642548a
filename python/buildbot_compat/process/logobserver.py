"""Log observers (Buildbot's ``process/logobserver.py``): a custom step's objects that watch a
log's text as it arrives (``self.addLogObserver('stdio', observer)``)."""


class LogObserver:
    step = None
    log = None

    def setStep(self, step):
        self.step = step

    def setLog(self, loog):
        self.log = loog

    def gotData(self, stream, data):
        if data is None:
            self.finishReceived()
        elif stream is None or stream == "o":
            self.outReceived(data)
        elif stream == "e":
            self.errReceived(data)
        elif stream == "h":
            self.headerReceived(data)

    def finishReceived(self):
        pass

    def outReceived(self, data):
        pass

    def errReceived(self, data):
        pass

    def headerReceived(self, data):
        pass

    def logChunk(self, build, step, log, channel, text):
        pass


class LogLineObserver(LogObserver):
    """Calls ``outLineReceived``/``errLineReceived``/``headerLineReceived`` once per line
    (without its newline); lines longer than ``max_length`` are dropped, as in Buildbot."""

    max_length = 16384

    def __init__(self):
        self._buffers = {}

    def setMaxLineLength(self, max_length):
        self.max_length = max_length

    def _lines(self, stream, data, receive):
        text = self._buffers.get(stream, "") + data
        *lines, rest = text.split("\n")
        self._buffers[stream] = rest
        for line in lines:
            if len(line) <= self.max_length:
                receive(line.rstrip("\r"))

    def outReceived(self, data):
        self._lines("o", data, self.outLineReceived)

    def errReceived(self, data):
        self._lines("e", data, self.errLineReceived)

    def headerReceived(self, data):
        self._lines("h", data, self.headerLineReceived)

    def outLineReceived(self, line):
        pass

    def errLineReceived(self, line):
        pass

    def headerLineReceived(self, line):
        pass


class LineConsumerLogObserver(LogLineObserver):
    """Feeds ``(stream, line)`` pairs to a generator made by ``consumerFunction``."""

    def __init__(self, consumerFunction):
        super().__init__()
        self.generator = None
        self.consumerFunction = consumerFunction

    def feed(self, item):
        if self.generator is None:
            self.generator = self.consumerFunction()
            next(self.generator)
        self.generator.send(item)

    def outLineReceived(self, line):
        self.feed(("o", line))

    def errLineReceived(self, line):
        self.feed(("e", line))

    def headerLineReceived(self, line):
        self.feed(("h", line))

    def finishReceived(self):
        if self.generator is not None:
            self.generator.close()


class OutputProgressObserver(LogObserver):
    length = 0

    def __init__(self, name):
        self.name = name

    def gotData(self, stream, data):
        if data:
            self.length += len(data)


class BufferLogObserver(LogObserver):
    def __init__(self, wantStdout=True, wantStderr=False):
        super().__init__()
        self.stdout = [] if wantStdout else None
        self.stderr = [] if wantStderr else None

    def outReceived(self, data):
        if self.stdout is not None:
            self.stdout.append(data)

    def errReceived(self, data):
        if self.stderr is not None:
            self.stderr.append(data)

    def getStdout(self):
        return "".join(self.stdout or [])

    def getStderr(self):
        return "".join(self.stderr or [])
