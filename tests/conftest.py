import os

os.environ.setdefault("ALLIANCE_MODE", "test")
