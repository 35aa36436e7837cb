"""docs/security-model.md names the code as it is: every access module, every matrix and every
test file it cites exists, and every access module and app matrix is named there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "security-model.md").read_text(encoding="utf-8")
NUMBERS = {"eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15}


def test_the_access_modules_it_lists_are_those_in_the_code():
    found = re.search(r"in each app's `access.py` \((\w+) modules: ([^)]*)\)", DOC)
    assert found, "the sentence that lists the access modules has changed"
    named = set(re.findall(r"`(\w+)`", found.group(2)))
    actual = {p.parent.name for p in (ROOT / "src" / "alliance" / "web").glob("*/access.py")}
    assert named == actual
    assert NUMBERS[found.group(1)] == len(actual)


def test_every_test_file_it_cites_exists():
    cited = set(re.findall(r"`(tests/[\w/]+\.py)`", DOC))
    assert len(cited) > 15
    assert sorted(p for p in cited if not (ROOT / p).is_file()) == []


def test_every_app_matrix_is_named():
    named = set(re.findall(r"`(web_\w+|security)`", DOC))
    named |= set(re.findall(r"`tests/(\w+)/test_matrix.py`", DOC))
    matrices = {p.parent.name for p in (ROOT / "tests").glob("*/matrix.py")}
    assert matrices <= named
