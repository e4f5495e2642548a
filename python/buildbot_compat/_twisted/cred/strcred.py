"""``twisted.cred.strcred`` (stand-in): ``makeChecker`` gives back the ``file:PATH`` and
``memory:USER:PASSWORD`` descriptions themselves, which is how oxbot's change hooks take them;
any other kind needs the real Twisted."""


def makeChecker(description):
    kind = description.split(":", 1)[0]
    if kind in ("file", "memory") and ":" in description:
        if kind == "file" and not description[len("file:"):].strip():
            raise ValueError("'file' requires a filename")
        return description
    raise NotImplementedError(
        f"not supported yet by oxbot without Twisted installed: strcred.makeChecker({description!r}) "
        "(oxbot's minimal stand-in for Twisted knows 'file:' and 'memory:')")
