"""A ShellCommand's `logfiles` and `usePTY` on both workers: the watched file's lines become
a log of the step named after it (there from the start unless `lazylogfiles`), and on a
terminal stderr arrives as stdout."""

from conftest import master_fixture
from test_force_build import force

LOGFILES_CFG = """\
from buildbot.plugins import schedulers, steps, util, worker

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}

f = util.BuildFactory()
f.addStep(steps.ShellCommand(
    name="logfile", logfiles={"build.log": "build.log"},
    command="rm -f build.log; printf 'line one\\\\n' > build.log; sleep 3; "
            "printf 'line two\\\\nno newline' >> build.log; echo done"))
f.addStep(steps.ShellCommand(name="unwritten", command="true", logfiles={"never.log": "never.log"}))
f.addStep(steps.ShellCommand(name="lazy", command="true", logfiles={"never.log": "never.log"},
                             lazylogfiles=True))
f.addStep(steps.ShellCommand(
    name="pty", usePTY=True, command="test -t 1 && echo on-a-tty; echo to-stderr >&2"))
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["logs"])]
c['builders'] = [util.BuilderConfig(name="logs", workernames=["example-worker"], factory=f)]
"""

master = master_fixture(LOGFILES_CFG)


def test_logfiles_and_pty(master, worker):
    build = force(master, "logs")
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"][1:]
    assert [(s["name"], s["results"]) for s in steps] == [
        ("logfile", 0), ("unwritten", 0), ("lazy", 0), ("pty", 0)], master.log()

    def logs(step):
        return {log["name"]: log for log in master.get(f"steps/{step['stepid']}/logs")["logs"]}

    def contents(log):
        chunks = master.get(f"logs/{log['logid']}/contents")["logchunks"]
        return "".join(chunk["content"] for chunk in chunks)

    logfile = logs(steps[0])
    assert list(logfile) == ["stdio", "build.log"]
    assert contents(logfile["build.log"]) == "oline one\noline two\nono newline\n"
    assert " watching logfiles {'build.log': 'build.log'}\n" in contents(logfile["stdio"])

    # The logs of logfiles exist from the start unless lazylogfiles is set.
    assert list(logs(steps[1])) == ["stdio", "never.log"]
    assert contents(logs(steps[1])["never.log"]) == ""
    assert list(logs(steps[2])) == ["stdio"]

    stdio = contents(logs(steps[3])["stdio"])
    assert " using PTY: True\n" in stdio
    assert "oon-a-tty\n" in stdio and "oto-stderr\n" in stdio
