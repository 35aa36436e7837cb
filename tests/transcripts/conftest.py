import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ANNOMI_DIR = REPO_ROOT.parent / "shared" / "data" / "annomi"


@pytest.fixture(scope="session")
def annomi_dir() -> Path:
    """The AnnoMI folder beside the repository (CI lays ../shared beside the clone)."""
    if not (ANNOMI_DIR / "AnnoMI-simple.csv").exists():
        message = f"AnnoMI data not found at {ANNOMI_DIR}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return ANNOMI_DIR
