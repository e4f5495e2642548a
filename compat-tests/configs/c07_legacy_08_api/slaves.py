# A helper module next to master.cfg, reloaded the 0.8 way.
from buildbot.buildslave import BuildSlave
from buildbot.buildslave.ec2 import EC2LatentBuildSlave

PASSWORDS = {"slave1": "pw", "slave2": "pw", "osx-10.6_i386": "pw"}


def setup(c):
    # 0.8 took max_builds, notify_on_missing, missing_timeout... positionally too.
    c['slaves'] = [BuildSlave(name, pw, 1, [], 2400) for name, pw in PASSWORDS.items()]
    c['slaves'].append(EC2LatentBuildSlave("ec2-slave", "pw", "m3.xlarge", ami="ami-0"))
