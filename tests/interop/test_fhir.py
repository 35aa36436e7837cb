import json
import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from alliance.instruments import SHIPPED_IDS, load_instrument, load_library
from alliance.interop.fhir import (
    FhirError,
    bundle,
    parse_questionnaire_responses,
    questionnaire,
    questionnaire_response,
    validate_resource,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "fhir"
AUTHORED = datetime(2025, 3, 4, 17, 30, tzinfo=timezone(timedelta(hours=1)))


def sample_answers(instrument_id):
    inst = load_instrument(instrument_id)
    out = {}
    for n, it in enumerate(inst.items):
        if it.kind == "vas":
            out[it.id] = [7, 8.5, 10, 0][n % 4]
        else:
            out[it.id] = it.answers.values[n % len(it.answers.values)]
    return out


@pytest.mark.parametrize("instrument_id", SHIPPED_IDS)
def test_questionnaire_validates(instrument_id):
    q = questionnaire(instrument_id)
    Questionnaire.model_validate(q)  # validated again, independently
    inst = load_instrument(instrument_id)
    linked = [i["linkId"] for i in q["item"] if i["type"] != "display"]
    assert linked == list(inst.item_ids)
    assert inst.citation in q["description"] and inst.licence in q["copyright"]


def test_questionnaire_uses_loinc():
    q = questionnaire("phq9")
    assert q["code"] == [{"system": "http://loinc.org", "code": "44249-1"}]
    item9 = next(i for i in q["item"] if i["linkId"] == "9")
    assert item9["code"][0]["code"] == "44260-8"
    assert [o["valueCoding"]["code"] for o in item9["answerOption"]] == [
        "LA6568-5",
        "LA6569-3",
        "LA6570-1",
        "LA6571-9",
    ]
    assert [o["extension"][0]["valueDecimal"] for o in item9["answerOption"]] == [0, 1, 2, 3]
    assert questionnaire("gad7")["code"][0]["code"] == "69737-5"
    assert "code" not in questionnaire("who5")


def test_questionnaire_vas_slider_enable_when_and_language():
    q = questionnaire("alliance-check", "de")
    assert q["language"] == "de" and "nicht validiert" in q["title"]
    first = next(i for i in q["item"] if i["linkId"] == "1")
    assert first["type"] == "integer"
    urls = {e["url"]: e for e in first["extension"]}
    assert urls["http://hl7.org/fhir/StructureDefinition/minValue"]["valueInteger"] == 0
    assert urls["http://hl7.org/fhir/StructureDefinition/maxValue"]["valueInteger"] == 10
    six = next(i for i in q["item"] if i["linkId"] == "6")
    assert six["enableWhen"][0]["question"] == "5" and six["required"] is False
    assert "Not validated" in questionnaire("alliance-check")["description"]


def test_licensed_text_not_exported():
    q = questionnaire("wai-sr")
    assert q["status"] == "draft"
    assert all("licensed text not included" in i["text"] for i in q["item"])


@pytest.mark.parametrize("instrument_id", SHIPPED_IDS)
def test_round_trip(instrument_id):
    answers = sample_answers(instrument_id)
    qr = questionnaire_response(
        instrument_id,
        answers,
        authored=AUTHORED,
        subject="Patient/3f2a",
        identifier=("urn:alliance:administration", "adm-1"),
        response_id="qr-1",
        encounter="Encounter/9",
        author="Practitioner/7",
    )
    QuestionnaireResponse.model_validate(qr)
    (parsed,) = parse_questionnaire_responses(json.dumps(qr))
    assert parsed.instrument == instrument_id
    assert parsed.values == {k: float(v) for k, v in answers.items()}
    assert parsed.authored == AUTHORED
    assert parsed.subject == "Patient/3f2a" and parsed.encounter == "Encounter/9"
    assert parsed.identifier == ("urn:alliance:administration", "adm-1")
    assert parsed.resource_id == "qr-1" and parsed.status == "completed"


def test_bundle_round_trip_skips_other_resources():
    a = questionnaire_response("phq9", {"1": 2, "2": None, "9": 1}, authored=AUTHORED)
    b = questionnaire_response("who5", {"1": 5, "2": 4}, authored=AUTHORED.astimezone(UTC))
    patient = {"resourceType": "Patient", "id": "p1"}
    parsed = parse_questionnaire_responses(bundle([a, patient, b]))
    assert [p.instrument for p in parsed] == ["phq9", "who5"]
    assert parsed[0].values == {"1": 2.0, "9": 1.0}


def test_import_loinc_coded_response_like_lforms():
    qr = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "http://loinc.org/q/44249-1",
        "item": [
            {
                "linkId": "/44250-9",
                "answer": [{"valueCoding": {"system": "http://loinc.org", "code": "LA6570-1"}}],
            },
            {
                "linkId": "/44260-8",
                "answer": [{"valueCoding": {"system": "http://loinc.org", "code": "LA6569-3"}}],
            },
            {"linkId": "/44261-6", "answer": [{"valueDecimal": 3}]},
        ],
    }
    (parsed,) = parse_questionnaire_responses(qr)
    assert parsed.instrument == "phq9" and parsed.values == {"1": 2.0, "9": 1.0}
    assert parsed.ignored_items == ("/44261-6",)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"questionnaire": "http://example.org/Questionnaire/ors"}, "unknown questionnaire"),
        ({"questionnaire": None}, "questionnaire is missing"),
        (
            {"item": [{"linkId": "42", "answer": [{"valueInteger": 1}]}]},
            "phq9 has no item for linkId '42'",
        ),
        (
            {"item": [{"linkId": "3", "answer": [{"valueInteger": 5}]}]},
            "phq9 item 3: value 5.0 is not allowed",
        ),
        (
            {
                "item": [
                    {
                        "linkId": "3",
                        "answer": [
                            {"valueCoding": {"system": "http://loinc.org", "code": "LA1-1"}}
                        ],
                    }
                ]
            },
            "not an answer of phq9",
        ),
        (
            {"item": [{"linkId": "3", "answer": [{"valueString": "often"}]}]},
            "unsupported answer type",
        ),
        (
            {
                "item": [
                    {"linkId": "3", "answer": [{"valueInteger": 1}]},
                    {"linkId": "3", "answer": [{"valueInteger": 1}]},
                ]
            },
            "answered twice",
        ),
        ({"status": "finished-ish"}, "status 'finished-ish' is not a QuestionnaireResponse status"),
        ({"status": "entered-in-error"}, "entered-in-error"),
        ({"authored": "yesterday"}, "invalid FHIR QuestionnaireResponse: authored"),
    ],
)
def test_import_errors(change, fragment):
    qr = questionnaire_response("phq9", {"1": 1})
    qr.update(change)
    qr = {k: v for k, v in qr.items() if v is not None}
    with pytest.raises(FhirError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        parse_questionnaire_responses(qr)


def test_bundle_errors_name_the_entry():
    good = questionnaire_response("phq9", {"1": 1})
    bad = questionnaire_response("gad7", {"1": 1}) | {
        "item": [{"linkId": "1", "answer": [{"valueInteger": 9}]}]
    }
    with pytest.raises(FhirError, match=r"Bundle.entry\[1\]: gad7 item 1"):
        parse_questionnaire_responses(bundle([good, bad]))
    with pytest.raises(FhirError, match="no QuestionnaireResponse"):
        parse_questionnaire_responses(bundle([{"resourceType": "Patient", "id": "p"}]))
    with pytest.raises(FhirError, match="expected a QuestionnaireResponse or Bundle"):
        parse_questionnaire_responses({"resourceType": "Patient"})
    with pytest.raises(FhirError, match="not valid JSON"):
        parse_questionnaire_responses("{")


def test_emit_rejects_bad_input():
    with pytest.raises(FhirError, match="timezone-aware"):
        questionnaire_response("phq9", {"1": 1}, authored=datetime(2025, 1, 1, 12))  # noqa: DTZ001
    with pytest.raises(ValueError, match="phq9 item 1"):
        questionnaire_response("phq9", {"1": 7})
    with pytest.raises(FhirError, match="unsupported resourceType"):
        validate_resource({"resourceType": "Patient"})


# Skipped only on a developer's machine without ../shared; CI has it, and must run this.
@pytest.mark.skipif(
    not SHARED.exists() and not os.environ.get("CI"),
    reason="shared FHIR reference files not present",
)
@pytest.mark.parametrize("name", ["phq9-stanford-R4.json", "gad7-stanford-R4.json"])
def test_public_r4_questionnaires_validate_with_the_r4b_models(name):
    data = json.loads((SHARED / name).read_text())
    assert validate_resource(data)["resourceType"] == "Questionnaire"


def test_library_argument():
    lib = load_library()
    qr = questionnaire_response(lib["k10"], {"1": 5})
    assert parse_questionnaire_responses(qr, lib)[0].values == {"1": 5.0}


def test_json_text_with_a_key_twice_or_nan_is_refused_naming_the_key():
    # Python's json keeps the last of two equal keys and reads NaN; FHIR JSON allows neither.
    text = json.dumps(questionnaire_response("phq9", sample_answers("phq9"), authored=AUTHORED))
    twice = text.replace('"status": ', '"status": "amended", "status": ', 1)
    with pytest.raises(FhirError, match=r"^the key 'status' appears twice in one object$"):
        parse_questionnaire_responses(twice)
    nan = text.replace('"status": ', '"valueDecimal": NaN, "status": ', 1)
    with pytest.raises(
        FhirError, match=r"^NaN is not a JSON number \(the value of 'valueDecimal'\)"
    ):
        parse_questionnaire_responses(nan)
