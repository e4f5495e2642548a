"""``buildbot.util.httpclientservice``: ``HTTPClientService.checkAvailable``, which configs
call from ``checkConfig`` (a no-op in Buildbot 4.3). Making HTTP requests from a config's own
service is not supported yet by oxbot. Every other name resolves to a stand-in."""

from buildbot_compat._generic import stand_in_getattr


class HTTPClientService:
    @staticmethod
    def checkAvailable(from_module):
        return None

    @classmethod
    def getService(cls, master, base_url, *args, **kwargs):
        raise NotImplementedError(
            "not supported yet by oxbot: buildbot.util.httpclientservice.HTTPClientService.getService")


__getattr__ = stand_in_getattr(__name__)
