"""``buildbot.plugins.webhooks``: change hook dialects are selected by name in
``c['www']['change_hook_dialects']``; this namespace only lists them."""

base = "base"
github = "github"
gitlab = "gitlab"
bitbucket = "bitbucket"
bitbucketcloud = "bitbucketcloud"
bitbucketserver = "bitbucketserver"
gitorious = "gitorious"
poller = "poller"
