"""The pure packages never import Django (they are usable from a notebook)."""

import subprocess
import sys

import pytest

PURE = ["instruments", "scoring", "monitoring", "transcripts", "research", "interop"]


@pytest.mark.parametrize("package", PURE)
def test_pure_package_does_not_import_django(package):
    code = (
        f"import importlib, sys; importlib.import_module('alliance.{package}'); "
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
