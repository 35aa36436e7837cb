import pytest


@pytest.fixture(autouse=True)
def _isolated_clinic_dir(tmp_path, monkeypatch):
    """Each test gets an empty clinic instrument directory (the library cache is keyed by it)."""
    monkeypatch.setenv("ALLIANCE_HOME", str(tmp_path / "home"))
