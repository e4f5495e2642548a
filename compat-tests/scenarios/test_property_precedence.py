"""Where a build's properties come from, in Buildbot's order (each overriding the ones before):
global, the request's (here the force form), the builder's (`defaultProperties` only where
unset), then the worker's."""

from conftest import dedent, master_fixture

CONFIG = dedent(
    """\
    from buildbot.plugins import *
    c = BuildmasterConfig = {}
    c['workers'] = [worker.Worker("example-worker", "pass", properties={"os": "worker-os"})]
    c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
    c['www'] = dict(port='tcp:0:interface=127.0.0.1')
    c['db'] = {'db_url': "sqlite:///state.sqlite"}
    c['properties'] = {"g": "global", "p": "global"}
    f = util.BuildFactory()
    f.addStep(steps.ShellCommand(command="true"))
    c['builders'] = [util.BuilderConfig(
        name="b", workernames=["example-worker"], factory=f,
        properties={"p": "builder"}, defaultProperties={"d": "default", "e": "default"})]
    c['schedulers'] = [schedulers.ForceScheduler(
        name="force", builderNames=["b"],
        properties=[util.StringParameter(name=n, default="") for n in ("p", "d", "os", "g")])]
    """
)

master = master_fixture(CONFIG)


def test_builder_then_worker_override_the_request(master, worker):
    if worker != "oxbot-worker":
        return
    builderid = master.get("builders")["builders"][0]["builderid"]
    reply = master.post("forceschedulers/force", "force", {
        "builderid": str(builderid), "p": "forced", "d": "forced", "os": "forced", "g": "forced"})
    brid = reply["result"][1][str(builderid)]

    def finished():
        builds = master.get(f"buildrequests/{brid}/builds")["builds"]
        return builds[0] if builds and builds[0]["complete"] else None

    build = master.wait_for(finished, "the build")
    props = master.get(f"builds/{build['buildid']}/properties")["properties"][0]
    assert props["g"] == ["forced", "Force Build Form"]
    assert props["p"] == ["builder", "Builder"]
    assert props["d"] == ["forced", "Force Build Form"]
    assert props["e"] == ["default", "Builder"]
    assert props["os"] == ["worker-os", "Worker"]
