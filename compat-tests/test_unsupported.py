"""Nothing a config names is silently ignored: every plugin name of Buildbot 4.3 (read from its
entry points in this venv) that oxbot does not run yet is named by `oxbot checkconfig` in a
"not supported yet by oxbot" line. The names oxbot runs are listed here; a name in neither
place fails the test. (`buildbot.plugins.util` holds helpers used inside other objects -
locks, renderables, auth - whose gaps the objects using them report.)"""

from importlib.metadata import entry_points

import pytest

from conftest import OXBOT, run

# What the engine runs (or, for reporters' helpers, what needs no engine of its own).
SUPPORTED = {
    "buildbot.steps": {
        "BuildStep", "ShellCommand", "Configure", "Compile", "Test", "Git", "MakeDirectory",
        "RemoveDirectory", "CopyDirectory", "FileExists", "SetProperty", "SetProperties",
        "SetPropertyFromCommand", "FileUpload", "FileDownload", "StringDownload", "Trigger",
        "MasterShellCommand", "ShellSequence", "CMake", "RemovePYCs", "LogRenderable",
        "WarningCountingShellCommand", "PerlModuleTest", "TreeSize", "GitHub",
        "SetPropertiesFromEnv", "JSONStringDownload", "JSONPropertiesDownload", "SVN",
        "Mercurial", "DirectoryUpload", "MultipleFileUpload",
    },
    "buildbot.changes": {"GitPoller", "SVNPoller", "HgPoller"},
    "buildbot.schedulers": {
        "ForceScheduler", "Triggerable", "SingleBranchScheduler", "AnyBranchScheduler",
        "Periodic", "Nightly", "Dependent", "NightlyTriggerable",
    },
    "buildbot.reporters": set(),
    "buildbot.worker": {"Worker"},
    "buildbot.secrets": {"SecretInAFile"},
}

# Reporter names that are parts of a reporter (generators, message formatters), not services.
REPORTER_PARTS = ("Generator", "MessageFormatter")

CONFIG_HEAD = """\
from buildbot.plugins import changes, reporters, schedulers, secrets, steps, util, worker

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("w", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['db'] = {'db_url': "sqlite:///state.sqlite"}
f = util.BuildFactory()
c['builders'] = [util.BuilderConfig(name="b", workernames=["w"], factory=f)]
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["b"])]
c['change_source'] = []
c['services'] = []
"""


def _line(group, name):
    """The config line that uses plugin `name` of `group` where a config would."""
    if group == "buildbot.steps":
        return f"f.addStep(steps.{name}())"
    if group == "buildbot.changes":
        return f"c['change_source'].append(changes.{name}())"
    if group == "buildbot.schedulers":
        upstream = "upstream=c['schedulers'][0], " if name == "Dependent" else ""
        return (f"c['schedulers'].append(schedulers.{name}(name='s-{name}', {upstream}"
                "builderNames=['b']))")
    if group == "buildbot.reporters":
        return f"c['services'].append(reporters.{name}())"
    if group == "buildbot.worker":
        return f"c['workers'].append(worker.{name}('w-{name}', 'pass'))"
    return f"c.setdefault('secretsProviders', []).append(secrets.{name}())"


def _unsupported_names(group):
    names = sorted(ep.name for ep in entry_points(group=group))
    if group == "buildbot.reporters":
        names = [n for n in names if not any(part in n for part in REPORTER_PARTS)]
    return [n for n in names if n not in SUPPORTED[group]]


@pytest.mark.parametrize("group", sorted(SUPPORTED))
def test_every_unsupported_plugin_is_named_by_checkconfig(tmp_path, group):
    names = _unsupported_names(group)
    assert names, f"no unsupported names left in {group}: drop it from this test"
    config = CONFIG_HEAD + "\n".join(_line(group, name) for name in names) + "\n"
    (tmp_path / "master.cfg").write_text(config)
    result = run([OXBOT, "checkconfig", tmp_path])
    assert result.returncode == 0, result.stderr
    reported = [line for line in result.stderr.splitlines() if "not supported yet by oxbot" in line]
    silent = [name for name in names if not any(name in line for line in reported)]
    assert silent == [], "\n".join(reported)


def test_gitpoller_settings_oxbot_does_not_honour_are_named(tmp_path):
    """GitPoller arguments the engine's poller does not implement are named, and the 4.x
    fetch_refspec (which Buildbot 4.3 rejects) loads with a deprecation line."""
    config = CONFIG_HEAD + (
        "c['change_source'] = [\n"
        "    changes.GitPoller('file:///r1.git', sshPrivateKey='key', name='p1'),\n"
        "    changes.GitPoller('file:///r2.git', buildPushesWithNoCommits=True, name='p2'),\n"
        "    changes.GitPoller('file:///r3.git', fetch_refspec='+refs/heads/*:refs/remotes/*', name='p3'),\n"
        "]\n"
    )
    (tmp_path / "master.cfg").write_text(config)
    result = run([OXBOT, "checkconfig", tmp_path])
    assert result.returncode == 0, result.stderr
    assert "not supported yet by oxbot: GitPoller sshPrivateKey ('p1' does not poll)" in result.stderr
    assert "not supported yet by oxbot: GitPoller buildPushesWithNoCommits ('p2' does not poll)" in result.stderr
    assert "DEPRECATED: GitPoller(fetch_refspec=...) is no longer supported" in result.stderr
    assert "'p3'" not in result.stderr
