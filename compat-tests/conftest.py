"""Fixtures for oxbot's compatibility tests: the oxbot binaries, real git repositories, a
running master in a temporary basedir, and workers (oxbot-worker or the real buildbot-worker
from PyPI).

Environment:
  OXBOT_BIN_DIR       where `oxbot` and `oxbot-worker` are (default: target/debug)
  BUILDBOT_WORKER     the real `buildbot-worker` script (default: compat-tests/.venv/bin/buildbot-worker)
"""

import json
import os
import re
import subprocess
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN_DIR = Path(os.environ.get("OXBOT_BIN_DIR", ROOT / "target" / "debug"))
OXBOT = BIN_DIR / "oxbot"
OXBOT_WORKER = BIN_DIR / "oxbot-worker"
BUILDBOT_WORKER = Path(
    os.environ.get("BUILDBOT_WORKER", ROOT / "compat-tests" / ".venv" / "bin" / "buildbot-worker")
)
SHARED = ROOT.parent / "shared"


def run(cmd, **kwargs):
    """Runs a command, returning the CompletedProcess (text mode, output captured)."""
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 120)
    return subprocess.run([str(c) for c in cmd], **kwargs)


def wait_until(predicate, what, log, timeout=150):
    """Calls `predicate` every half second (an OSError, say a master not listening yet, counts
    as a false answer) and returns its first true value; fails after `timeout` seconds naming
    `what`, with `log()` (the master's log)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = predicate()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}\n--- log ---\n{log()}")


def make_git_repo(path: Path, files: dict) -> Path:
    """Creates a bare repository at `path` whose master branch holds `files`."""
    work = path.with_name(path.name + "-work")
    work.mkdir()
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org"]
    run(["git", "init", "-q", "-b", "master", work], check=True)
    for name, content in files.items():
        (work / name).write_text(content)
    run(git + ["-C", work, "add", "."], check=True)
    run(git + ["-C", work, "commit", "-q", "-m", "initial"], check=True)
    run(["git", "clone", "-q", "--bare", work, path], check=True)
    return path


class Master:
    """A master started with `oxbot start` in a temporary basedir."""

    def __init__(self, basedir: Path):
        self.basedir = basedir
        self.web_url = None
        self.worker_port = None

    def start(self):
        result = run([OXBOT, "start", self.basedir])
        assert result.returncode == 0, result.stdout + result.stderr + self.log()
        assert "The buildmaster appears to have (re)started correctly." in result.stdout
        log = self.log()
        web = re.search(r"web server listening addr=([\d.]+:\d+)", log)
        worker = re.findall(r"worker port listening protocol=\S+ addr=[\d.]+:(\d+)", log)
        assert web and worker, log
        self.web_url = f"http://{web.group(1)}"
        self.worker_port = int(worker[-1])

    def stop(self):
        return run([OXBOT, "stop", self.basedir])

    def restart(self):
        result = run([OXBOT, "restart", self.basedir])
        assert result.returncode == 0, result.stdout + result.stderr + self.log()
        web = re.findall(r"web server listening addr=([\d.]+:\d+)", self.log())
        self.web_url = f"http://{web[-1]}"
        return result

    def log(self):
        path = self.basedir / "twistd.log"
        return path.read_text() if path.exists() else ""

    def get(self, path):
        with urllib.request.urlopen(self.web_url + "/api/v2/" + path, timeout=30) as resp:
            return json.loads(resp.read())

    def get_raw(self, path):
        with urllib.request.urlopen(self.web_url + "/api/v2/" + path, timeout=30) as resp:
            return resp.read().decode()

    def post(self, path, method, params):
        body = json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": 1}).encode()
        req = urllib.request.Request(
            self.web_url + "/api/v2/" + path,
            data=body,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return json.loads(err.read())

    def wait_for(self, predicate, what, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}\n--- twistd.log ---\n{self.log()}")


SCENARIO_CFG = """\
import os
from buildbot.plugins import *
from buildbot.process.results import SUCCESS

c = BuildmasterConfig = {}
REPO = 'file://' + os.path.join(basedir, 'hello-world.git')

c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}

c['schedulers'] = [
    schedulers.ForceScheduler(name="force", builderNames=["runtests", "failing", "slow", "props", "transfer", "python", "parent"]),
    schedulers.Triggerable(name="child-trig", builderNames=["child"]),
]

factory = util.BuildFactory()
factory.addStep(steps.Git(repourl=REPO, mode='incremental'))
factory.addStep(steps.ShellCommand(command=["sh", "test.sh"], env={"PYTHONPATH": "."}))

failing = util.BuildFactory()
failing.addStep(steps.ShellCommand(command="echo about to fail; exit 3"))

props = util.BuildFactory()
props.addStep(steps.SetPropertyFromCommand(command="echo 1.2.3", property="version"))
props.addStep(steps.SetProperty(property="flavour", value=util.Interpolate("v%(prop:version)s")))
props.addStep(steps.SetProperties(properties={"answer": 42}))
props.addStep(steps.MakeDirectory(dir="build/out"))
props.addStep(steps.ShellCommand(command="echo data > out/file.txt"))
props.addStep(steps.FileExists(file="build/out/file.txt"))
props.addStep(steps.CopyDirectory(src="build/out", dest="build/copy"))
props.addStep(steps.RemoveDirectory(dir="build/copy"))
props.addStep(steps.FileExists(file="build/copy/file.txt", flunkOnFailure=False))

transfer = util.BuildFactory()
transfer.addStep(steps.StringDownload("hello download\\n", workerdest="greeting.txt"))
transfer.addStep(steps.ShellCommand(command="cat greeting.txt; printf 'uploaded\\n' > up.txt"))
transfer.addStep(steps.FileUpload(workersrc="up.txt", masterdest="uploads/up.txt", mode=0o640))
transfer.addStep(steps.FileDownload(mastersrc="uploads/up.txt", workerdest="down.txt"))
transfer.addStep(steps.ShellCommand(command="cat down.txt"))

@util.renderer
def greeting_command(props):
    return ["echo", "hello from " + props.getProperty("buildername")]

python_steps = util.BuildFactory()
python_steps.addStep(steps.ShellCommand(name="rendered", command=greeting_command))
python_steps.addStep(steps.ShellCommand(
    name="transformed", command=util.Transform(lambda s: ["echo", s.upper()], util.Property("workername"))))
python_steps.addStep(steps.ShellCommand(
    name="skipped", command="false", doStepIf=lambda step: step.getProperty("buildername") != "python"))
python_steps.addStep(steps.ShellCommand(
    name="hidden", command="true", hideStepIf=lambda results, step: results == SUCCESS))

parent = util.BuildFactory()
parent.addStep(steps.Trigger(schedulerNames=["child-trig"], waitForFinish=True,
                             set_properties={"greeting": util.Interpolate("hi from %(prop:buildername)s")}))
child = util.BuildFactory()
child.addStep(steps.ShellCommand(command=util.Interpolate("echo %(prop:greeting)s")))
child.addStep(steps.MasterShellCommand(command=util.Interpolate("echo master says %(prop:greeting)s")))

slow = util.BuildFactory()
slow.addStep(steps.ShellCommand(command="echo started; sleep 60"))

c['builders'] = [
    util.BuilderConfig(name="runtests", workernames=["example-worker"], factory=factory),
    util.BuilderConfig(name="failing", workernames=["example-worker"], factory=failing),
    util.BuilderConfig(name="slow", workernames=["example-worker"], factory=slow),
    util.BuilderConfig(name="props", workernames=["example-worker"], factory=props),
    util.BuilderConfig(name="transfer", workernames=["example-worker"], factory=transfer),
    util.BuilderConfig(name="python", workernames=["example-worker"], factory=python_steps),
    util.BuilderConfig(name="parent", workernames=["example-worker"], factory=parent),
    util.BuilderConfig(name="child", workernames=["example-worker"], factory=child),
]
c['title'] = "Scenario"
c['buildbotURL'] = "http://localhost:8010/"
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
"""


def start_master(tmp_path, config, repo_files=None):
    """Creates a master in `tmp_path/master` with `config` as its master.cfg (and a git
    repository `hello-world.git` holding `repo_files`), and starts it."""
    basedir = tmp_path / "master"
    result = run([OXBOT, "create-master", basedir])
    assert result.returncode == 0, result.stdout + result.stderr
    if repo_files:
        make_git_repo(basedir / "hello-world.git", repo_files)
    (basedir / "master.cfg").write_text(config)
    m = Master(basedir)
    m.start()
    return m


def master_fixture(config, repo_files=None):
    """A `master` fixture for a test module with its own master.cfg."""

    @pytest.fixture
    def master(tmp_path):
        m = start_master(tmp_path, config, repo_files)
        yield m
        m.stop()

    return master


@pytest.fixture
def master(tmp_path):
    m = start_master(
        tmp_path,
        SCENARIO_CFG,
        {"test.sh": "echo hello from test.sh\necho PYTHONPATH=$PYTHONPATH\n"},
    )
    yield m
    m.stop()


def _start_oxbot_worker(basedir, port):
    result = run([OXBOT_WORKER, "create-worker", basedir, f"127.0.0.1:{port}", "example-worker", "pass"])
    assert result.returncode == 0, result.stdout + result.stderr
    result = run([OXBOT_WORKER, "start", basedir])
    assert result.returncode == 0, result.stdout + result.stderr
    return [OXBOT_WORKER, "stop", basedir]


def _start_buildbot_worker(basedir, port):
    if not BUILDBOT_WORKER.exists():
        pytest.fail(f"buildbot-worker not found at {BUILDBOT_WORKER}; run .ci/run or set BUILDBOT_WORKER")
    result = run([
        BUILDBOT_WORKER, "create-worker", "--protocol", "msgpack_experimental_v7",
        basedir, f"127.0.0.1:{port}", "example-worker", "pass",
    ])
    assert result.returncode == 0, result.stdout + result.stderr
    result = run([BUILDBOT_WORKER, "start", basedir])
    assert result.returncode == 0, result.stdout + result.stderr
    return [BUILDBOT_WORKER, "stop", basedir]


@pytest.fixture(params=["oxbot-worker", "buildbot-worker"])
def worker(request, master, tmp_path):
    """A worker of each kind, connected to the master."""
    basedir = tmp_path / "worker"
    start = _start_oxbot_worker if request.param == "oxbot-worker" else _start_buildbot_worker
    stop_cmd = start(basedir, master.worker_port)
    master.wait_for(
        lambda: any(w["connected_to"] for w in master.get("workers")["workers"]),
        "the worker to connect",
    )
    yield request.param
    run(stop_cmd)


def dedent(text):
    return textwrap.dedent(text)
