"""The c02 config's scenario, on Buildbot 4.3 and on oxbot, compared: a change on a release
branch arrives through /change_hook/base, the AnyBranchScheduler (treeStableTimer=2) builds
it on both platforms (Git, SetPropertyFromCommand, the custom VersionCheck step, a rendered
test command, a doStepIf package step, Trigger), and each platform build triggers a publish
build (MasterShellCommand); the two publish requests may collapse into one build. ../shared/configs/c02_tier2.cfg runs unchanged, next to a real git
repository `app.git`; the two masters run one after the other on its ports (9989, 8010),
Buildbot 4.3 with the real buildbot-worker, oxbot with oxbot-worker. Builds, their steps
(names, results, state strings, hidden) and their main properties must be the same."""

import json
import shutil
import time
import urllib.parse
import urllib.request

import pytest

from conftest import BUILDBOT_WORKER, OXBOT, OXBOT_WORKER, SHARED, run, wait_until

BUILDBOT = BUILDBOT_WORKER.parent / "buildbot"
WEB = "http://127.0.0.1:8010"
GIT = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org"]
PROPERTIES = ["branch", "got_revision", "version", "scheduler", "workername", "os", "buildername"]


def make_app_repo(path):
    """app.git: `main` (VERSION 1.1-dev) and `release/1.0` (VERSION 1.0). Both branches exist
    before the master starts, so its GitPoller only records them; the change comes from the
    hook."""
    work = path.with_name("app-work")
    run(["git", "init", "-q", "-b", "main", work], check=True)
    (work / "src").mkdir()
    (work / "src" / "main.c").write_text("int main(void) { return 0; }\n")
    (work / "run-tests.sh").write_text('echo "tests ok $*"\n')
    (work / "VERSION").write_text("1.0\n")
    run(GIT + ["-C", work, "add", "."], check=True)
    run(GIT + ["-C", work, "commit", "-q", "-m", "app 1.0"], check=True)
    run(GIT + ["-C", work, "branch", "release/1.0"], check=True)
    (work / "VERSION").write_text("1.1-dev\n")
    run(GIT + ["-C", work, "commit", "-q", "-am", "start 1.1"], check=True)
    run(["git", "clone", "-q", "--bare", work, path], check=True)
    return run(["git", "-C", path, "rev-parse", "release/1.0"], check=True).stdout.strip()


def api(path):
    with urllib.request.urlopen(f"{WEB}/api/v2/{path}", timeout=30) as resp:
        return json.loads(resp.read())


def post_release_change(revision, repository):
    body = urllib.parse.urlencode({
        "author": "Dev <dev@example.org>", "comments": "release 1.0", "revision": revision,
        "branch": "release/1.0", "repository": repository, "project": "",
        "files": json.dumps(["VERSION"]),
    }).encode()
    with urllib.request.urlopen(f"{WEB}/change_hook/base", data=body, timeout=30) as resp:
        assert resp.status == 200


def outcome():
    """The finished builds, normalised: what each ran and how it ended. The two publish
    requests may collapse into one build (on Buildbot 4.3 they do when the second arrives
    before the first is claimed), so publish builds count once per distinct outcome."""
    builders = {b["builderid"]: b["name"] for b in api("builders")["builders"]}
    result = []
    for build in api("builds")["builds"]:
        steps = api(f"builds/{build['buildid']}/steps")["steps"]
        props = api(f"builds/{build['buildid']}/properties")["properties"][0]
        result.append({
            "builder": builders[build["builderid"]],
            "number": build["number"],
            "results": build["results"],
            "state_string": build["state_string"],
            "steps": [(s["name"], s["results"], s["state_string"], s["hidden"]) for s in steps],
            "properties": {k: props.get(k, [None])[0] for k in PROPERTIES},
        })
    publish = [b for b in result if b["builder"] == "publish"]
    for build in publish:
        del build["number"]
    result = [b for b in result if b["builder"] != "publish"]
    result += [b for i, b in enumerate(publish) if b not in publish[:i]]
    return sorted(result, key=lambda b: (b["builder"], b.get("number", 0)))


def run_scenario(basedir, start_master, stop_master, start_worker, log):
    shutil.copy(SHARED / "configs" / "c02_tier2.cfg", basedir / "master.cfg")
    revision = make_app_repo(basedir / "app.git")
    start_master()
    workers = []
    try:
        for name in ("linux", "bsd"):
            workers.append(start_worker(basedir.parent / f"worker-{name}", name))
        wait_until(lambda: all(w["connected_to"] for w in api("workers")["workers"]),
                 "both workers to connect", log)
        post_release_change(revision, f"file://{basedir / 'app.git'}")

        def finished():
            buildsets = api("buildsets")["buildsets"]
            builds = api("builds")["builds"]
            return len(buildsets) == 3 and all(bs["complete"] for bs in buildsets) and all(
                b["complete"] for b in builds)

        wait_until(finished, "the change's buildset and the two triggered ones to complete", log)
        time.sleep(3)  # nothing else starts
        return outcome(), api("changes")["changes"]
    finally:
        for stop in workers:
            run(stop)
        stop_master()


def run_on(master_bin, worker_bin, worker_flags, basedir):
    """The scenario on one implementation: its master and its worker (`worker_flags` for
    `create-worker`)."""
    assert run([master_bin, "create-master", "-q", basedir]).returncode == 0

    def start_worker(workerdir, name):
        result = run([worker_bin, "create-worker", *worker_flags, workerdir, "127.0.0.1:9989",
                      name, "pw"])
        assert result.returncode == 0, result.stderr
        assert run([worker_bin, "start", workerdir]).returncode == 0
        return [worker_bin, "stop", workerdir]

    def start_master():
        result = run([master_bin, "start", basedir])
        assert result.returncode == 0, result.stdout + result.stderr

    return run_scenario(basedir, start_master, lambda: run([master_bin, "stop", basedir]),
                        start_worker, lambda: (basedir / "twistd.log").read_text())


@pytest.fixture
def app_dirs(tmp_path):
    dirs = {}
    for name in ("buildbot", "oxbot"):
        dirs[name] = tmp_path / name / "master"
        dirs[name].parent.mkdir()
    return dirs


def test_c02_release_change_builds_both_platforms_and_publishes(app_dirs):
    if not BUILDBOT.exists():
        pytest.fail(f"buildbot not found at {BUILDBOT}; run .ci/run")

    expected, bb_changes = run_on(BUILDBOT, BUILDBOT_WORKER, ["-q"], app_dirs["buildbot"])
    actual, ox_changes = run_on(OXBOT, OXBOT_WORKER, [], app_dirs["oxbot"])

    # The revision differs (each run makes its repository); the rest must not.
    for builds in (expected, actual):
        for build in builds:
            assert build["properties"]["got_revision"] or build["builder"] == "publish"
            build["properties"]["got_revision"] = bool(build["properties"]["got_revision"])
    assert [b["builder"] for b in expected] == ["app-bsd", "app-linux", "publish"]
    assert actual == expected, json.dumps({"oxbot": actual, "buildbot 4.3": expected}, indent=1)
    assert [c["branch"] for c in ox_changes] == [c["branch"] for c in bb_changes] == ["release/1.0"]
