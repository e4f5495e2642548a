"""``buildbot.tac`` as Buildbot's command-line tools read it: the file runs with only
``__file__`` set (so relocatable masters can compute paths from it), and ``configfile`` names
the config file (``master.cfg`` when unset)."""


def config_file(tac_file):
    tac_globals = {"__file__": tac_file}
    with open(tac_file, encoding="utf-8") as f:
        exec(compile(f.read(), tac_file, "exec"), tac_globals)  # noqa: S102 - Buildbot's behaviour
    return tac_globals.get("configfile", "master.cfg")
