"""Settings for the test suite: the real settings in test mode (a throwaway secret, local hosts)."""

import os

os.environ["ALLIANCE_MODE"] = "test"

from alliance.web.settings import *  # noqa: E402,F403

# Hashing the personas' passwords with PBKDF2 would dominate the suite's run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The suite checks alerts right after a submission; tests/web_insights/test_background.py
# turns this on and runs the worker to check the background path.
ALLIANCE_MONITOR_IN_BACKGROUND = False
