"""Settings for the test suite: the real settings in test mode (a throwaway secret, local hosts)."""

import os

os.environ["ALLIANCE_MODE"] = "test"

from alliance.web.settings import *  # noqa: E402,F403

# Hashing the personas' passwords with PBKDF2 would dominate the suite's run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
