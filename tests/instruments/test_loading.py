import yaml

from alliance.instruments import (
    clinic_dir,
    install_file,
    load_instrument,
    load_library,
)

from .toy import toy_definition


def _licensed_wai(tmp_path):
    """A clinic's licensed WAI-SR: same structure, its own (here: dummy) text."""
    data = yaml.safe_load((load_instrument("wai-sr").source_path).read_text())
    data["placeholder"] = False
    data["text_may_be_shown"] = True
    for it in data["items"]:
        it["text"] = {"en": f"Licensed text {it['id']}"}
    path = tmp_path / "my-wai.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_clinic_dir_follows_alliance_home(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLIANCE_HOME", str(tmp_path / "x"))
    assert clinic_dir() == tmp_path / "x" / "instruments"


def test_install_overrides_shipped_placeholder(tmp_path):
    assert load_instrument("wai-sr").placeholder
    inst, dest = install_file(_licensed_wai(tmp_path))
    assert dest == clinic_dir() / "wai-sr.yaml"
    loaded = load_instrument("wai-sr")
    assert loaded.origin == "clinic" and not loaded.placeholder
    assert loaded.text("1") == "Licensed text 1"
    assert len(load_library()) == 9


def test_reinstall_replaces_earlier_file(tmp_path):
    install_file(_licensed_wai(tmp_path))
    d = yaml.safe_load(_licensed_wai(tmp_path).read_text())
    d["version"] = "2006-b"
    other = tmp_path / "renamed.json"
    import json

    other.write_text(json.dumps(d))
    install_file(other)
    files = sorted(p.name for p in clinic_dir().iterdir())
    assert files == ["wai-sr.json"]
    assert load_instrument("wai-sr").version == "2006-b"


def test_extra_dirs_add_instruments(tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "toy.yaml").write_text(yaml.safe_dump(toy_definition()))
    lib = load_library([extra])
    assert "toy" in lib and lib["toy"].origin == "file"
    assert "toy" not in load_library()
