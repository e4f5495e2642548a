"""`SetPropertiesFromEnv`, `JSONStringDownload` and `JSONPropertiesDownload` on a real worker,
and `GitHub` building a pull request's merge ref (expectations checked against Buildbot 4.3.0
with buildbot-worker 4.3.0 on the same config; Buildbot 4.3 writes the downloaded files empty,
oxbot writes their content)."""

import json

from conftest import master_fixture, run
from test_force_build import force

JSON_CFG = """\
import os
from buildbot.plugins import schedulers, steps, util, worker

c = BuildmasterConfig = {}
c['workers'] = [worker.Worker("example-worker", "pass")]
c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
c['www'] = dict(port='tcp:0:interface=127.0.0.1')
c['db'] = {'db_url': "sqlite:///state.sqlite"}
REPO = 'file://' + os.path.join(basedir, 'hello-world.git')

f = util.BuildFactory()
f.addStep(steps.GitHub(repourl=REPO, mode="full", method="clobber"))
f.addStep(steps.SetPropertiesFromEnv(variables=["HOME", "OXBOT_SURELY_UNSET"]))
f.addStep(steps.JSONStringDownload({"home": util.Property("HOME"), "n": 1}, workerdest="s.json"))
f.addStep(steps.JSONPropertiesDownload(workerdest="props.json"))
f.addStep(steps.ShellCommand(name="show", command="cat s.json; echo; cat props.json"))
c['schedulers'] = [schedulers.ForceScheduler(name="force", builderNames=["json"])]
c['builders'] = [util.BuilderConfig(name="json", workernames=["example-worker"], factory=f)]
"""

master = master_fixture(JSON_CFG, {"README": "hello\n"})


def test_worker_env_and_json_downloads(master, worker):
    build = force(master, "json")
    steps = master.get(f"builds/{build['buildid']}/steps")["steps"][1:]
    assert [(s["name"], s["results"], s["state_string"]) for s in steps] == [
        ("git", 0, "update"),
        ("SetPropertiesFromEnv", 0, "Set"),
        ("json_download", 0, "downloading to s.json"),
        ("json_properties_download", 0, "downloading to props.json"),
        ("show", 0, "'cat s.json; ...'"),
    ], master.log()
    props = master.get(f"builds/{build['buildid']}/properties")["properties"][0]
    home = props["HOME"]
    assert home[1] == "WorkerEnvironment" and home[0]
    assert "OXBOT_SURELY_UNSET" not in props
    assert props["got_revision"][1] == "GitHub"
    log = master.get(f"steps/{steps[4]['stepid']}/logs")["logs"][0]
    out = [line for line in master.get_raw(f"logs/{log['logid']}/raw").splitlines()
           if line.startswith("{")]
    assert json.loads(out[0]) == {"home": home[0], "n": 1}
    downloaded = json.loads(out[1])
    assert downloaded["properties"]["HOME"] == home[0]
    assert downloaded["properties"]["buildername"] == "json"
    assert downloaded["sourcestamps"] == [{
        "branch": "", "revision": "", "repository": "", "project": "", "codebase": "",
        "patch_level": None, "patch_body": None, "patch_subdir": None, "patch_author": None,
        "patch_comment": None}]
