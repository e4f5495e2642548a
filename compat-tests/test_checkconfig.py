"""`oxbot checkconfig` on good and broken configs: Buildbot's messages, every error reported,
exit code 1 on errors."""

import shutil

import pytest

from conftest import OXBOT, ROOT, SHARED, make_git_repo, run

GOOD_BASE = """\
from buildbot.plugins import *
c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("w1", "pw")]
c['protocols'] = {'pb': {'port': 9989}}
f = util.BuildFactory()
f.addStep(steps.ShellCommand(command=["true"]))
"""


def checkconfig(tmp_path, text):
    (tmp_path / "master.cfg").write_text(text)
    run([OXBOT, "create-master", "-q", tmp_path], check=True)
    return run([OXBOT, "checkconfig", tmp_path])


def test_c01_sample_style_is_good(tmp_path):
    shutil.copy(SHARED / "configs" / "c01_sample_style.cfg", tmp_path / "master.cfg")
    make_git_repo(tmp_path / "hello-world.git", {"test.sh": "true\n"})
    run([OXBOT, "create-master", "-q", tmp_path], check=True)
    result = run([OXBOT, "checkconfig", tmp_path])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("Config file is good!")


def test_syntax_error_names_file_and_line(tmp_path):
    result = checkconfig(tmp_path, GOOD_BASE + "c['builders'] = [\n\nthis is not python\n")
    assert result.returncode == 1
    assert "encountered a SyntaxError while parsing config file:" in result.stderr
    assert 'master.cfg", line' in result.stderr


def test_exception_while_loading_has_traceback_into_master_cfg(tmp_path):
    result = checkconfig(tmp_path, GOOD_BASE + "x = {}\ny = x['missing']\n")
    assert result.returncode == 1
    assert "error while parsing config file: 'missing'" in result.stderr
    assert 'master.cfg", line 8, in <module>' in result.stderr


@pytest.mark.parametrize(
    "tail, message",
    [
        (
            "c['builders'] = [util.BuilderConfig(name='b', workernames=['nope'], factory=f)]\n"
            "c['schedulers'] = [schedulers.ForceScheduler(name='force', builderNames=['b'])]\n",
            "builder 'b' uses unknown workers 'nope'",
        ),
        (
            "c['builders'] = [util.BuilderConfig(name='b', workernames=['w1'], factory=f),\n"
            "                 util.BuilderConfig(name='b', workernames=['w1'], factory=f)]\n"
            "c['schedulers'] = [schedulers.ForceScheduler(name='force', builderNames=['b'])]\n",
            "duplicate builder name 'b'",
        ),
        (
            "c['builders'] = [util.BuilderConfig(name='b', workernames=['w1'], factory=f)]\n"
            "c['schedulers'] = [schedulers.ForceScheduler(name='force', builderNames=['b', 'nope'])]\n",
            "Unknown builder 'nope' in scheduler 'force'",
        ),
    ],
    ids=["unknown-worker", "duplicate-builder", "unknown-builder-in-scheduler"],
)
def test_consistency_errors(tmp_path, tail, message):
    result = checkconfig(tmp_path, GOOD_BASE + tail)
    assert result.returncode == 1
    assert result.stderr.startswith("Configuration Errors:\n")
    assert f"  {message}\n" in result.stderr


def test_all_errors_are_reported(tmp_path):
    result = checkconfig(
        tmp_path,
        GOOD_BASE
        + "c['builders'] = [util.BuilderConfig(name='b', workernames=['nope'], factory=f),\n"
        "                 util.BuilderConfig(name='b', workernames=['w1'], factory=f)]\n"
        "c['schedulers'] = [schedulers.ForceScheduler(name='force', builderNames=['b', 'gone'])]\n",
    )
    assert result.returncode == 1
    for message in [
        "builder 'b' uses unknown workers 'nope'",
        "duplicate builder name 'b'",
        "Unknown builder 'gone' in scheduler 'force'",
    ]:
        assert message in result.stderr


@pytest.mark.parametrize("name", ["c02_tier2", "c03_locks_loops", "c04_legacy_2x", "c05_legacy_08"])
def test_shared_configs_are_good(tmp_path, name):
    shutil.copy(SHARED / "configs" / f"{name}.cfg", tmp_path / "master.cfg")
    run([OXBOT, "create-master", "-q", tmp_path], check=True)
    result = run([OXBOT, "checkconfig", tmp_path])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("Config file is good!")


def test_split_config_with_helper_modules_is_good(tmp_path):
    shutil.copytree(SHARED / "configs" / "c06_split", tmp_path / "m")
    run([OXBOT, "create-master", "-q", tmp_path / "m"], check=True)
    result = run([OXBOT, "checkconfig", tmp_path / "m"])
    assert result.returncode == 0, result.stderr


def test_legacy_spellings_print_deprecations(tmp_path):
    shutil.copy(SHARED / "configs" / "c05_legacy_08.cfg", tmp_path / "master.cfg")
    run([OXBOT, "create-master", "-q", tmp_path], check=True)
    result = run([OXBOT, "checkconfig", tmp_path])
    assert result.returncode == 0
    assert "DEPRECATED: 'slavenames' is deprecated, use 'workernames' instead" in result.stderr


def test_08_api_surface_loads_with_one_line_per_spelling(tmp_path):
    """The 0.8 API the public 0.8-era configs use (compat-tests/legacy) loads: each legacy
    spelling is reported once, and what has no equivalent is named as not supported."""
    shutil.copytree(ROOT / "compat-tests" / "configs" / "c07_legacy_08_api", tmp_path / "m")
    result = run([OXBOT, "checkconfig", tmp_path / "m"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("Config file is good!")
    lines = result.stderr.splitlines()
    assert len(lines) == len(set(lines)), result.stderr
    for line in [
        "DEPRECATED: 'reload(module)' is deprecated, use 'importlib.reload(module)' instead",
        "DEPRECATED: 'execfile(path)' is deprecated, use 'exec(open(path).read())' instead",
        "DEPRECATED: 'buildbot.locks.SlaveLock' is deprecated, use 'buildbot.locks.WorkerLock' instead",
        "DEPRECATED: 'buildbot.scheduler.Nightly' is deprecated, "
        "use 'buildbot.schedulers.timed.Nightly' instead",
        "DEPRECATED: 'Scheduler' is deprecated, use 'SingleBranchScheduler' instead",
        "DEPRECATED: 'buildbot.process.factory.s(StepClass, **kwargs)' is deprecated, "
        "use 'StepClass(**kwargs)' instead",
        "DEPRECATED: 'addStep(StepClass, **kwargs)' is deprecated, use 'addStep(StepClass(**kwargs))' instead",
        "DEPRECATED: 'buildbot.steps.shell.SetProperty' is deprecated, "
        "use 'buildbot.steps.shell.SetPropertyFromCommand' instead",
        "DEPRECATED: 'buildbot.buildslave.ec2.EC2LatentBuildSlave' is deprecated, "
        "use 'buildbot.plugins.worker.EC2LatentWorker' instead",
        "DEPRECATED: 'c['logHorizon']' is deprecated, use 'c['configurators'] (JanitorConfigurator)' instead",
        "not supported yet by oxbot: WebStatus.putChild('summary', SummaryPage) "
        "(custom pages of the 0.8 web UI)",
        "not supported yet by oxbot: WebStatus(authz, order_console_by_time) "
        "(settings of the 0.8 web UI; oxbot serves c['www'] without them)",
        "not supported yet by oxbot: step oldsource.SVN (0.8 worker-side) "
        "(builds that reach one end in EXCEPTION)",
        "not supported yet by oxbot: service PBListener ('PBListener' does nothing)",
        "DEPRECATED: 'Git(lazylogfiles=...)' is an argument of 0.8 LoggingBuildStep that this "
        "step no longer takes; oxbot ignores it",
        "not supported yet by oxbot: replacing Build.stopBuild of buildbot.process.build "
        "(oxbot's engine does not run this class)",
        "DEPRECATED: 'BuildStep.addFactoryArguments()' is not needed: steps are re-created "
        "from their constructor arguments",
        "DEPRECATED: BuildSlave names that are not identifiers ('osx-10.6_i386'): "
        "Buildbot 0.9+ rejects them, oxbot keeps them",
    ]:
        assert line in lines, result.stderr
