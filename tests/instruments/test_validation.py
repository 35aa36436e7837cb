import json

import pytest
import yaml

from alliance.instruments import InstrumentDefinitionError, instrument_from_dict, validate_file

from .toy import toy_definition


def _write(tmp_path, data, name="toy.yaml"):
    path = tmp_path / name
    path.write_text(
        yaml.safe_dump(data, allow_unicode=True) if name.endswith(".yaml") else json.dumps(data)
    )
    return path


def _problems(tmp_path, data, name="toy.yaml"):
    path = _write(tmp_path, data, name)
    with pytest.raises(InstrumentDefinitionError) as info:
        validate_file(path)
    msg = str(info.value)
    assert str(path) in msg  # every error names the file
    return info.value.problems, msg


def test_toy_is_valid(tmp_path):
    inst = validate_file(_write(tmp_path, toy_definition()))
    assert inst.reverse_keyed == ("2", "4")


def test_missing_required_field_is_named(tmp_path):
    d = toy_definition()
    del d["licence"]
    problems, msg = _problems(tmp_path, d)
    assert any("licence" in m for _, m in problems)


def test_wrong_type_names_the_field_path(tmp_path):
    d = toy_definition()
    d["items"][2]["text"] = "plain string"
    problems, msg = _problems(tmp_path, d, "toy.json")
    assert ("items[2].text", problems[0][1]) in problems
    assert "items[2].text" in msg


def test_unknown_field_rejected(tmp_path):
    d = toy_definition()
    d["scoring"]["multipler"] = 4
    problems, _ = _problems(tmp_path, d)
    assert problems[0][0] == "scoring"
    assert "multipler" in problems[0][1]


@pytest.mark.parametrize(
    ("mutate", "field", "fragment"),
    [
        (
            lambda d: d["subscales"][0]["items"].append("9"),
            "subscales[0].items[2]",
            "unknown item '9'",
        ),
        (lambda d: d["reverse_keyed"].append("7"), "reverse_keyed[2]", "unknown item"),
        (lambda d: d["bands"][1].update(min=11), "bands[1].min", "contiguous"),
        (lambda d: d["bands"][1].update(max=19), "bands[1].max", "last band must end"),
        (lambda d: d["bands"][0].update(min=5), "bands[0].min", "first band must start"),
        (lambda d: d["scoring"]["range"].update(max=21), "scoring.range", "items give 4..20"),
        (lambda d: d["scoring"].update(max_missing=4), "scoring.max_missing", "below the number"),
        (
            lambda d: d["clinical_cutoff"].update(clinical_if="le"),
            "clinical_cutoff.clinical_if",
            "contradicts",
        ),
        (lambda d: d["clinical_cutoff"].update(value=30), "clinical_cutoff.value", "outside"),
        (lambda d: d["items"][1]["text"].pop("de"), "items[1].text", "missing translation"),
        (lambda d: d["items"][1].update(answers="seven"), "items[1].answers", "unknown answer set"),
        (lambda d: d["items"][3].update(id="5"), "items", "in order"),
        (
            lambda d: d["critical_items"][0].update(item="8"),
            "critical_items[0].item",
            "unknown item",
        ),
        (lambda d: d["critical_items"][0].update(value=9), "critical_items[0].value", "outside"),
        (lambda d: d.update(placeholder=True), "text_may_be_shown", "placeholder"),
    ],
)
def test_semantic_errors_name_the_field(tmp_path, mutate, field, fragment):
    d = toy_definition()
    mutate(d)
    problems, msg = _problems(tmp_path, d)
    assert any(f == field and fragment in m for f, m in problems), problems
    assert f"{field}: " in msg


def test_reliable_change_needs_reliability_or_threshold(tmp_path):
    d = toy_definition()
    d["reliable_change"] = {"method": "jacobson_truax", "sd": 7.7, "source": "x"}
    problems, _ = _problems(tmp_path, d)
    assert problems[0][0] == "reliable_change"


def test_yaml_syntax_error_names_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\n  bad: [\n")
    with pytest.raises(InstrumentDefinitionError) as info:
        validate_file(path)
    assert "broken.yaml" in str(info.value) and "cannot parse" in str(info.value)


def test_wrong_suffix(tmp_path):
    path = tmp_path / "def.txt"
    path.write_text("{}")
    with pytest.raises(InstrumentDefinitionError, match="yaml"):
        validate_file(path)


def test_instrument_from_dict_reports_pseudo_path():
    d = toy_definition()
    d["direction"] = "up"
    with pytest.raises(InstrumentDefinitionError, match="<dict>: direction"):
        instrument_from_dict(d)
