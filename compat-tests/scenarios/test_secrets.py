"""Secrets from `SecretInAFile` render through `util.Secret` and `%(secret:...)s`, and never
show in logs or state strings (Buildbot writes `<name>` instead); Buildbot's checks on the
secrets directory are config errors."""

import os

from conftest import OXBOT, run, start_master
from test_force_build import force

SECRETS_CFG = """\
import os
from buildbot.plugins import schedulers, secrets, steps, util, worker

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
c['secretsProviders'] = [secrets.SecretInAFile(dirname=os.path.join(basedir, "secrets"))]

f = util.BuildFactory()
f.addStep(steps.ShellCommand(name="use-token", command=["echo", util.Secret("token")]))
f.addStep(steps.ShellCommand(
    name="interpolated",
    command=util.Interpolate("echo token=%(secret:token)s mode=%(prop:mode:?|set|unset)s"),
    descriptionDone=util.Interpolate("sent %(secret:token)s")))
f.addStep(steps.SetPropertyFromCommand(command="echo len=$(printf %s $TOKEN | wc -c)",
                                       property="length", env={"TOKEN": util.Secret("token")}))
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["secret"])]
c['builders'] = [util.BuilderConfig(name="secret", workernames=["example-worker"], factory=f)]
"""

TOKEN = "hunter2-abc"


def _master_with_secrets(tmp_path):
    secrets_dir = tmp_path / "master" / "secrets"
    secrets_dir.mkdir(parents=True)
    (secrets_dir / "token").write_text(TOKEN + "\n")
    os.chmod(secrets_dir / "token", 0o600)
    return start_master(tmp_path, SECRETS_CFG)


def test_secrets_render_and_stay_hidden(tmp_path, request):
    master = _master_with_secrets(tmp_path)
    request.addfinalizer(master.stop)
    from conftest import _start_oxbot_worker

    stop = _start_oxbot_worker(tmp_path / "worker", master.worker_port)
    request.addfinalizer(lambda: run(stop))
    build = force(master, "secret")
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"][1:]
    assert [(s["name"], s["results"], s["state_string"]) for s in steps] == [
        ("use-token", 0, "'echo <token>'"),
        ("interpolated", 0, "sent <token>"),
        ("setproperty", 0, "property 'length' set"),
    ], master.log()
    for step in steps:
        for log in master.get(f"steps/{step['stepid']}/logs")["logs"]:
            assert TOKEN not in master.get_raw(f"logs/{log['logid']}/raw")
    stdio = master.get(f"steps/{steps[1]['stepid']}/logs")["logs"][0]
    assert "token=<token> mode=unset" in master.get_raw(f"logs/{stdio['logid']}/raw")
    props = master.get(f"builds/{build['buildid']}/properties")["properties"][0]
    assert props["length"][0] == f"len={len(TOKEN)}"


def test_secret_files_readable_by_others_are_refused(tmp_path):
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "token").write_text(TOKEN)
    os.chmod(secrets_dir / "token", 0o644)
    (tmp_path / "master.cfg").write_text(
        SECRETS_CFG.replace('os.path.join(basedir, "secrets")', repr(str(secrets_dir))))
    result = run([OXBOT, "checkconfig", tmp_path])
    assert result.returncode == 1
    assert ("Permissions 0o644 on file token are too open. It is required that your secret "
            "files are NOT accessible by others!") in result.stderr
