"""The build request distributor with the configuration's hooks, as Buildbot runs them:
`c['prioritizeBuilders']`, `nextBuild`, `nextWorker`, `canStartBuild` (with the request's
properties, and a worker put in quarantine), `collapseRequests` callables reading the data
API, and request priorities from the force form. Requests are queued while no worker is
connected, so the order in which they are then built shows the hooks' choices."""

import time

from conftest import OXBOT_WORKER, dedent, master_fixture, run

CONFIG = dedent(
    """\
    from buildbot.plugins import *
    from twisted.internet import defer

    c = BuildmasterConfig = {}
    c['workers'] = [worker.Worker("w1", "pass", max_builds=1),
                    worker.Worker("w2", "pass", max_builds=1)]
    c['protocols'] = {'pb': {'port': 'tcp:0:interface=127.0.0.1'}}
    c['www'] = dict(port='tcp:0:interface=127.0.0.1')
    c['db'] = {'db_url': "sqlite:///state.sqlite"}
    c['collapseRequests'] = False

    def quick():
        f = util.BuildFactory()
        f.addStep(steps.ShellCommand(command="true"))
        return f

    # "urgent" goes first whatever the age of the requests; the rest by name.
    def prioritize(master, builders):
        return sorted(builders, key=lambda b: (b.name != "urgent", b.name))
    c['prioritizeBuilders'] = prioritize

    def newest_first(builder, requests):
        return max(requests, key=lambda r: r.id)

    def prefer_w2(builder, workers, request):
        named = [w for w in workers if w.worker.workername == "w2"]
        return named[0] if named else workers[0]

    def only_target(builder, wfb, request):
        return request.properties.getProperty("target") == wfb.worker.workername

    refusals = []
    def quarantine_once(builder, wfb, request):
        if not refusals:
            refusals.append(wfb.worker.workername)
            wfb.worker.quarantine_timeout = 2
            wfb.worker.putInQuarantine()
            return False
        return True

    @defer.inlineCallbacks
    def same_reason(master, builder, new, old):
        new_bs = yield master.data.get(('buildsets', new['buildsetid']))
        old_bs = yield master.data.get(('buildsets', old['buildsetid']))
        return new_bs['reason'] == old_bs['reason']

    def builder(name, workers=("w1",), **kwargs):
        return util.BuilderConfig(name=name, workernames=list(workers), factory=quick(), **kwargs)

    c['builders'] = [
        builder("alpha", nextBuild=newest_first),
        builder("urgent"),
        builder("either", workers=("w1", "w2"), nextWorker=prefer_w2),
        builder("pinned", workers=("w1", "w2"), canStartBuild=only_target),
        builder("careful", workers=("w2",), canStartBuild=quarantine_once),
        builder("merging", collapseRequests=same_reason),
    ]
    c['schedulers'] = [schedulers.ForceScheduler(
        name="force", builderNames=[b.name for b in c['builders']],
        properties=[util.StringParameter(name="target", default="")])]
    """
)

master = master_fixture(CONFIG)


def start_worker(master, tmp_path, name):
    basedir = tmp_path / name
    result = run([OXBOT_WORKER, "create-worker", basedir, f"127.0.0.1:{master.worker_port}", name, "pass"])
    assert result.returncode == 0, result.stdout + result.stderr
    result = run([OXBOT_WORKER, "start", basedir])
    assert result.returncode == 0, result.stdout + result.stderr
    master.wait_for(
        lambda: any(w["name"] == name and w["connected_to"] for w in master.get("workers")["workers"]),
        f"worker {name} to connect",
    )
    return basedir


def force(master, builder, **fields):
    builderid = next(b["builderid"] for b in master.get("builders")["builders"] if b["name"] == builder)
    reply = master.post("forceschedulers/force", "force", {"builderid": str(builderid), "reason": "test", **fields})
    assert "result" in reply, reply
    return reply["result"][1][str(builderid)]


def build_of(master, brid):
    return master.wait_for(
        lambda: next(iter(b for b in master.get(f"buildrequests/{brid}/builds")["builds"] if b["complete"]), None),
        f"the build of request {brid}",
    )


def worker_name(master, build):
    return next(w["name"] for w in master.get("workers")["workers"] if w["workerid"] == build["workerid"])


def test_hooks_choose_order_workers_and_collapsing(master, tmp_path):
    workers = []
    try:
        old_alpha = force(master, "alpha")
        new_alpha = force(master, "alpha")
        urgent = force(master, "urgent")
        merged_x1 = force(master, "merging", reason="x")
        merged_x2 = force(master, "merging", reason="x")
        merged_y = force(master, "merging", reason="y")
        # Let the passes the forces started finish: a pass that began before the worker came
        # finds it for the builders it reaches after it attached, whatever their order.
        time.sleep(1)
        workers.append(start_worker(master, tmp_path, "w1"))

        # prioritizeBuilders puts "urgent" (queued last) first; nextBuild takes the newest
        # request of "alpha" before the older one.
        order = [build_of(master, brid)["buildid"] for brid in (urgent, new_alpha, old_alpha)]
        assert order == sorted(order), master.log()

        # collapseRequests(same reason): the older "x" request is collapsed into the newer one.
        x1 = master.get(f"buildrequests/{merged_x1}")["buildrequests"][0]
        assert (x1["complete"], x1["results"]) == (True, 3)
        assert master.get(f"buildrequests/{merged_x1}/builds")["builds"] == []
        assert build_of(master, merged_x2)["results"] == 0
        assert build_of(master, merged_y)["results"] == 0

        workers.append(start_worker(master, tmp_path, "w2"))
        # nextWorker prefers w2 when both are idle.
        assert worker_name(master, build_of(master, force(master, "either"))) == "w2"
        # canStartBuild sends each build to the worker its request names.
        assert worker_name(master, build_of(master, force(master, "pinned", target="w1"))) == "w1"
        assert worker_name(master, build_of(master, force(master, "pinned", target="w2"))) == "w2"

        # A worker put in quarantine by canStartBuild gets the build when it ends (2 s).
        careful = build_of(master, force(master, "careful"))
        request = master.get(f"buildrequests/{careful['buildrequestid']}")["buildrequests"][0]
        assert careful["started_at"] - request["submitted_at"] >= 2, master.log()
        assert "worker put in quarantine" in master.log()
    finally:
        for basedir in workers:
            run([OXBOT_WORKER, "stop", basedir])


def test_force_priority_orders_requests(master, tmp_path):
    low = force(master, "urgent", priority="1")
    high = force(master, "urgent", priority="7")
    assert master.get(f"buildrequests/{high}")["buildrequests"][0]["priority"] == 7
    bad = master.post("forceschedulers/force", "force", {"builderid": "1", "priority": "soon"})
    assert bad["error"] == {
        "code": -32602, "message": {"priority": "invalid literal for int() with base 10: 'soon'"}}
    basedir = start_worker(master, tmp_path, "w1")
    try:
        assert build_of(master, high)["buildid"] < build_of(master, low)["buildid"]
    finally:
        run([OXBOT_WORKER, "stop", basedir])
