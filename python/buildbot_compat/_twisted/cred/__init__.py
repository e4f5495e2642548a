"""``twisted.cred`` (stand-in): ``strcred.makeChecker``, as configs build their change hook
checkers (``change_hook_auth=[strcred.makeChecker("file:changehook.passwd")]``)."""
