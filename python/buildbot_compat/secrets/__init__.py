"""``buildbot.secrets``: secrets providers, described for the engine, which reads them at
start (``SecretInAFile``) or reports those it cannot read yet."""

import os
import stat

from buildbot_compat import _generic
from buildbot_compat.config.errors import error

HashiCorpVaultKvSecretProvider = _generic.described_class(__name__, "HashiCorpVaultKvSecretProvider")


class SecretInAFile(_generic.DescribedObject):
    """One secret per file of ``dirname`` (named after the file, less its suffix); files
    must not be readable by others, as Buildbot checks."""

    def __init__(self, dirname, suffixes=None, strip=True, **kwargs):
        super().__init__(dirname=dirname, suffixes=suffixes or [""], strip=strip, **kwargs)
        if not os.access(dirname, os.F_OK):
            error(f"directory {dirname} does not exists")
            return
        for secretfile in os.listdir(dirname):
            if any(secretfile.endswith(suffix) for suffix in suffixes or [""]):
                mode = stat.S_IMODE(os.stat(os.path.join(dirname, secretfile)).st_mode)
                if mode & 0o7:
                    error(f"Permissions {oct(mode)} on file {secretfile} are too open. It is "
                          "required that your secret files are NOT accessible by others!")

SecretInPass = _generic.described_class(__name__, "SecretInPass")
VaultAuthenticatorApprole = _generic.described_class(__name__, "VaultAuthenticatorApprole")
VaultAuthenticatorToken = _generic.described_class(__name__, "VaultAuthenticatorToken")
