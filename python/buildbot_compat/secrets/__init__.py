"""``buildbot.secrets``: described; the engine reports providers it cannot read yet."""

from buildbot_compat import _generic

HashiCorpVaultKvSecretProvider = _generic.described_class(__name__, "HashiCorpVaultKvSecretProvider")
SecretInAFile = _generic.described_class(__name__, "SecretInAFile")
SecretInPass = _generic.described_class(__name__, "SecretInPass")
VaultAuthenticatorApprole = _generic.described_class(__name__, "VaultAuthenticatorApprole")
VaultAuthenticatorToken = _generic.described_class(__name__, "VaultAuthenticatorToken")
