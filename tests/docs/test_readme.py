"""The README documents every command and setting, counts what the demo holds, and CI runs
the README's test command."""

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


def _quick_start_number(pattern: str) -> tuple[int, ...]:
    quick_start = " ".join(README.split("## Quick start", 1)[1].split("\n## ", 1)[0].split())
    found = re.search(pattern, quick_start)
    assert found, f"the quick start no longer says {pattern!r}"
    return tuple(int(n) for n in found.groups())


def test_the_quick_start_counts_what_the_demo_loads(db):
    from alliance.web.accounts.models import Role
    from alliance.web.demo import load_demo
    from alliance.web.outcomes.demo import EPISODES_PER_PRACTITIONER
    from alliance.web.practice.models import PHASE_ORDER, Client, Episode
    from alliance.web.research.datasets import consent_counts
    from alliance.web.research.demo import ARCHIVE_CLIENTS

    organisation = load_demo()
    (total,) = _quick_start_number(r"(\d+) synthetic clients")
    caseload, open_, just_ended = _quick_start_number(
        r"caseload of (\d+) \((\d+) clients in open episodes, in all four phases, and (\d+) whose"
    )
    completed, per_practitioner = _quick_start_number(
        r"(\d+) clients whose episodes ended over the last year \((\d+) per practitioner"
    )
    (archive,) = _quick_start_number(r"(\d+) past clients from earlier years")
    consenting, of = _quick_start_number(r"(\d+) of the (\d+) consent to research")

    practitioners = organisation.staff.filter(role=Role.PRACTITIONER).count()
    episodes = Episode.objects.filter(organisation=organisation)
    open_episodes = episodes.filter(ended_on__isnull=True)
    assert total == of == Client.objects.filter(organisation=organisation).count()
    assert total == practitioners * caseload + completed + archive
    assert open_ == open_episodes.count() == practitioners * caseload - just_ended
    assert {e.phase for e in open_episodes} == set(PHASE_ORDER)
    assert episodes.filter(ended_on__isnull=False).count() == just_ended + completed + archive
    assert completed == practitioners * per_practitioner
    assert per_practitioner == EPISODES_PER_PRACTITIONER
    assert archive == ARCHIVE_CLIENTS
    assert consenting == consent_counts(organisation).consenting
