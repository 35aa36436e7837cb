"""The README documents every command and setting, and CI runs the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from alliance.cli import app

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_quick_start_is_two_commands():
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.+?)\n```", quick_start, flags=re.S)
    assert commands == ["pip install . && alliance demo", "pip install -e '.[test]' && pytest"]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "grep -m1 -E \"^pip install -e '\\.\\[test\\]' && pytest\" README.md" in ci
    assert 'bash -c "$readme_test_command"' in ci
    assert "ALLIANCE_REQUIRE_BROWSER=1" in ci
    assert "ALLIANCE_REQUIRE_REDIS=1" in ci
    assert "install -y -qq redis-server" in ci
    assert "ALLIANCE_TEST_DATABASE_URL" in ci


def _command_names(group, prefix=""):
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        yield full
        if hasattr(command, "commands"):
            yield from _command_names(command, full + " ")


def test_every_command_is_documented():
    for name in _command_names(get_command(app)):
        assert f"alliance {name}" in README, f"`alliance {name}` is missing from the README"


def test_every_setting_is_documented():
    settings_source = (ROOT / "src" / "alliance" / "web" / "settings.py").read_text()
    names = set(re.findall(r'env_(?:str|bool|list|int)\(\s*"([A-Z_]+)"', settings_source))
    assert names, "no settings found"
    for name in names:
        assert f"`{name}`" in README, f"setting {name} is missing from the README"
