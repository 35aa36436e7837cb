"""`alliance backup` and `alliance restore`, in-process through typer's runner."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from alliance.cli import app
from tests.backup.helpers import table_fingerprints, wipe_every_table
from tests.factories import build_world

runner = CliRunner()
pytestmark = pytest.mark.django_db(transaction=True)


def _flat(output: str) -> str:
    return " ".join(output.split())


@pytest.mark.django_db(transaction=False)
def test_help_of_both_commands():
    listing = runner.invoke(app, ["--help"])
    assert "backup" in listing.output and "restore" in listing.output
    backup = runner.invoke(app, ["backup", "--help"])
    assert backup.exit_code == 0 and "--output" in backup.output
    restore = runner.invoke(app, ["restore", "--help"])
    assert restore.exit_code == 0
    for option in ("--yes", "--check"):
        assert option in restore.output


def test_backup_then_restore_through_the_commands(tmp_path):
    build_world()
    before = table_fingerprints()
    target = tmp_path / "cli.backup"

    made = runner.invoke(app, ["backup", "--output", str(target)])

    assert made.exit_code == 0, made.output
    assert str(target) in _flat(made.output) and "encrypted" in made.output
    assert " s." in made.output
    wipe_every_table()

    declined = runner.invoke(app, ["restore", str(target)], input="n\n")
    assert declined.exit_code == 1
    assert "checksum correct" in _flat(declined.output)
    assert "Nothing was changed" in declined.output
    assert all(count == 0 for count, _ in table_fingerprints().values())

    checked = runner.invoke(app, ["restore", str(target), "--check"])
    assert checked.exit_code == 0, checked.output
    assert "nothing was changed" in checked.output
    assert all(count == 0 for count, _ in table_fingerprints().values())

    confirmed = runner.invoke(app, ["restore", str(target)], input="y\n")
    assert confirmed.exit_code == 0, confirmed.output
    assert "Restored the database" in confirmed.output
    assert table_fingerprints() == before


def test_backup_without_output_goes_under_alliance_home(tmp_path, settings):
    settings.ALLIANCE_HOME = tmp_path
    build_world()
    made = runner.invoke(app, ["backup"])
    assert made.exit_code == 0, made.output
    [written] = (tmp_path / "backups").glob("alliance-*.backup")
    assert written.name in _flat(made.output)


def test_restore_refusals_are_clear_and_exit_non_zero(tmp_path, settings):
    build_world()
    target = tmp_path / "keyed.backup"
    assert runner.invoke(app, ["backup", "-o", str(target)]).exit_code == 0
    before = table_fingerprints()

    missing = runner.invoke(app, ["restore", str(tmp_path / "missing.backup"), "--yes"])
    assert missing.exit_code == 1
    assert "No such backup file" in _flat(missing.output)

    # Only another key configured: the backup (made with the data key) cannot be opened.
    settings.ALLIANCE_DATA_KEY = Fernet.generate_key().decode()
    wrong = runner.invoke(app, ["restore", str(target), "--yes"])
    assert wrong.exit_code == 1
    assert "this backup was made with another key" in _flat(wrong.output)

    bad_key = "not-a-fernet-key"
    settings.ALLIANCE_BACKUP_KEY = bad_key
    refused = runner.invoke(app, ["backup", "-o", str(tmp_path / "never.backup")])
    assert refused.exit_code == 1
    assert "ALLIANCE_BACKUP_KEY must hold Fernet keys" in _flat(refused.output)
    assert bad_key not in refused.output
    assert not (tmp_path / "never.backup").exists()
    assert table_fingerprints() == before


def test_the_management_commands_do_the_same(tmp_path):
    from django.core.management import CommandError, call_command

    build_world()
    before = table_fingerprints()
    target = tmp_path / "managed.backup"
    call_command("backup", output=target)
    wipe_every_table()
    with pytest.raises(CommandError, match="No such backup file"):
        call_command("restore", tmp_path / "missing.backup", yes=True)

    call_command("restore", target, yes=True)

    assert table_fingerprints() == before
