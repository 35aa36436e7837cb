import json

import yaml
from typer.testing import CliRunner

from alliance.commands.instruments import app
from alliance.instruments import clinic_dir, load_instrument

from .toy import toy_definition

runner = CliRunner()


def test_list_shows_every_instrument_and_flags():
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0, result.output
    for iid in ("phq9", "gad7", "who5", "k10", "flourishing", "alliance-check", "wai-sr", "sai"):
        assert iid in result.output
    assert "NOT VALIDATED" in result.output
    assert "placeholder" in result.output


def test_list_json():
    result = runner.invoke(app, ["list", "--json"])
    rows = json.loads(result.output)
    assert {r["id"] for r in rows} >= {"phq9", "alliance-check-practitioner"}


def test_show_prints_items_licence_and_citation():
    result = runner.invoke(app, ["show", "phq9", "--lang", "de"])
    assert result.exit_code == 0, result.output
    assert "Gedanken, dass Sie lieber tot wären" in result.output
    assert "Citation: Kroenke" in result.output and "Licence:" in result.output
    assert "Critical items: 9" in result.output


def test_show_hides_licensed_text():
    result = runner.invoke(app, ["show", "wai-sr", "--json"])
    data = json.loads(result.output)
    assert all(it["text"] is None for it in data["items"])
    assert data["subscales"]["task"] == ["1", "2", "10", "12"]


def test_show_unknown_exits_2():
    result = runner.invoke(app, ["show", "ors"])
    assert result.exit_code == 2
    assert "Unknown instrument 'ors'" in result.output


def test_load_validates_and_installs(tmp_path):
    path = tmp_path / "toy.yaml"
    path.write_text(yaml.safe_dump(toy_definition()))
    result = runner.invoke(app, ["load", str(path)])
    assert result.exit_code == 0, result.output
    assert (clinic_dir() / "toy.yaml").exists()
    assert load_instrument("toy").origin == "clinic"


def test_load_rejects_invalid_file_and_copies_nothing(tmp_path):
    d = toy_definition()
    d["bands"][1]["min"] = 12
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(d))
    result = runner.invoke(app, ["load", str(path)])
    assert result.exit_code == 2
    assert "bad.yaml: bands[1].min" in result.output
    assert not clinic_dir().exists() or not any(clinic_dir().iterdir())
