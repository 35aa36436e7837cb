"""Every access function has a per-role test: a new one without a test fails here."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ACCESS_MODULES = sorted((ROOT / "src" / "alliance" / "web").glob("*/access.py"))
# The per-role access tests (see docs/security-model.md).
ACCESS_TESTS = [
    *(ROOT / "tests").rglob("test_*access*.py"),
    *(ROOT / "tests").rglob("test_permissions.py"),
    ROOT / "tests" / "web" / "test_privacy.py",
]


def _public_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
    }


def test_every_access_function_is_called_by_a_per_role_test():
    tested = "\n".join(path.read_text(encoding="utf-8") for path in ACCESS_TESTS)
    untested = sorted(
        f"{path.parent.name}.access.{name}"
        for path in ACCESS_MODULES
        for name in _public_functions(path)
        if name not in tested
    )
    assert untested == [], "test each of these for every role (see tests/access_roles.py)"
