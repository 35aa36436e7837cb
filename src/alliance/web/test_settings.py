"""Settings for the test suite: the real settings in test mode (a throwaway secret, local hosts)."""

import os

os.environ["ALLIANCE_MODE"] = "test"

from alliance.web.settings import *  # noqa: E402,F403
