"""Hypothesis against every parser: a result or the documented error, never another exception.

Arbitrary bytes and text, and structure-aware documents (valid ones, then mutated), go through
the responses CSV reader, the FHIR reader, the web-side imports and every transcript format
with auto-detection. Valid generated documents must round-trip.
"""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from alliance.instruments import load_library
from alliance.interop.fhir import FhirError, parse_questionnaire_responses, questionnaire_response
from alliance.interop.responses_csv import CsvFormatError, parse_responses_csv
from alliance.transcripts.model import FORMATS, Transcript, TranscriptError
from alliance.transcripts.parsers import detect_format, parse_transcript

LIBRARY = load_library()
INSTRUMENTS = sorted(i for i, inst in LIBRARY.items() if not inst.placeholder)
FAST = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SLOW = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Text that leans towards the parsers' own syntax, so the fuzzing reaches past the first check.
SYNTAX = st.sampled_from(
    [
        "\n", "\r\n", ",", ";", "\t", '"', ":", "T:", "C:", "I:", "B:", "-->", "WEBVTT",
        "00:00:01.000 --> 00:00:02.000", "00:00:01,000 --> 00:00:02,000", "#00:01:02-3#",
        "#99:99:99-9#", "1", "(...)", "<v T>", "client_code", "session_number", "session_date",
        "instrument", "item", "value", "speaker", "text", "start", "phq9", "2024-02-30", "\ufeff",
        "\x00", "é", "💥", " ",
    ]
)  # fmt: skip
SOUP = st.lists(st.one_of(SYNTAX, st.text(max_size=8)), max_size=40).map("".join)


# Arbitrary bytes, and text in UTF-8 and in Latin-1 (a spreadsheet's "CSV" that is not UTF-8).
BYTES = st.one_of(
    st.binary(max_size=300),
    st.one_of(st.text(max_size=300), SOUP).map(lambda t: t.encode("utf-8")),
    SOUP.map(lambda t: t.encode("latin-1", errors="replace")),
)
NOT_UTF8 = b"client_code,session_number,instrument,item,value\nA\xff\x80,1,phq9,1,1\n"


def _line_count(text: str) -> int:
    return text.count("\n") + 2


# --- responses CSV -------------------------------------------------------------------------------


def _check_csv_outcome(source, text_for_lines: str | None) -> None:
    try:
        result = parse_responses_csv(source, LIBRARY)
    except CsvFormatError as exc:
        assert str(exc).strip()
        return
    for error in result.errors:
        assert error.line >= 1
        assert error.reason.strip()
        if text_for_lines is not None:
            assert error.line <= _line_count(text_for_lines)
    assert result.ok == (not result.errors)


@FAST
@given(BYTES)
def test_csv_arbitrary_bytes(data):
    _check_csv_outcome(data, None)


def test_csv_bytes_that_are_not_utf8_get_the_documented_error():
    with pytest.raises(CsvFormatError, match="not UTF-8"):
        parse_responses_csv(NOT_UTF8, LIBRARY)


def test_csv_old_mac_line_endings_read_like_unix_ones():
    mac = "client_code,session_number,instrument,item,value\rA,1,phq9,1,1\r"
    unix = mac.replace("\r", "\n")
    assert parse_responses_csv(mac, LIBRARY) == parse_responses_csv(unix, LIBRARY)


@FAST
@given(st.one_of(st.text(max_size=300), SOUP))
def test_csv_arbitrary_text(text):
    assume("\n" in text or not text.strip() or len(text) > 255 or "/" not in text)
    _check_csv_outcome(text, text)


@st.composite
def administrations(draw):
    """A few complete, valid administrations: (code, session, instrument, {item: value})."""
    out = []
    seen = set()
    for _ in range(draw(st.integers(1, 4))):
        code = draw(st.from_regex(r"[A-Z][A-Z0-9]{1,8}", fullmatch=True))
        number = draw(st.integers(1, 60))
        instrument_id = draw(st.sampled_from(INSTRUMENTS))
        if (code, number, instrument_id) in seen:
            continue
        seen.add((code, number, instrument_id))
        instrument = LIBRARY[instrument_id]
        values = {}
        for item in instrument.items:
            if item.enable_when is not None:
                continue
            if item.kind == "vas":
                values[item.id] = float(draw(st.integers(int(item.min), int(item.max))))
            else:
                values[item.id] = float(draw(st.sampled_from([o.value for o in item.options])))
        out.append((code, number, instrument_id, values))
    return out


def _csv_text(admins, delimiter: str) -> str:
    lines = [delimiter.join(["client_code", "session_number", "instrument", "item", "value"])]
    for code, number, instrument_id, values in admins:
        for item, value in values.items():
            lines.append(delimiter.join([code, str(number), instrument_id, item, f"{value:g}"]))
    return "\n".join(lines) + "\n"


@FAST
@given(administrations(), st.sampled_from([",", ";", "\t"]), st.sampled_from(["auto", "python"]))
def test_csv_valid_documents_round_trip(admins, delimiter, engine):
    text = _csv_text(admins, delimiter)
    result = parse_responses_csv(text, LIBRARY, engine=engine)
    assert result.errors == []
    got = {
        (a.client_code, a.session_number, a.instrument): {k: v for k, v in a.values.items()}
        for a in result.administrations
    }
    for code, number, instrument_id, values in admins:
        stored = got[(code, number, instrument_id)]
        assert {k: v for k, v in stored.items() if v is not None} == values


@FAST
@given(administrations(), st.data())
def test_csv_mutated_documents_name_the_line(admins, data):
    lines = _csv_text(admins, ",").splitlines()
    n = data.draw(st.integers(1, len(lines) - 1), label="line")
    fields = lines[n].split(",")
    column = data.draw(st.integers(0, len(fields) - 1), label="column")
    fields[column] = data.draw(
        st.one_of(
            st.just(""),
            st.just("-1"),
            st.just("x"),
            st.just("9999"),
            st.text(st.characters(exclude_characters="\r\n"), max_size=6),
        ),
        label="value",
    )
    lines[n] = ",".join(fields)
    text = "\n".join(lines) + "\n"
    _check_csv_outcome(text, text)
    result = parse_responses_csv(text, LIBRARY)
    for error in result.errors:
        assert error.line == n + 1, f"{error} should name line {n + 1}"


# --- FHIR ----------------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
FHIR_KEYS = st.sampled_from(
    ["resourceType", "questionnaire", "status", "item", "linkId", "answer", "valueInteger",
     "valueDecimal", "valueCoding", "entry", "resource", "type", "encounter", "authored"]
)  # fmt: skip


def _check_fhir_outcome(data) -> list:
    try:
        parsed = parse_questionnaire_responses(data, LIBRARY)
    except FhirError as exc:
        assert str(exc).strip()
        return []
    assert parsed
    for response in parsed:
        assert response.instrument in LIBRARY
    return parsed


@FAST
@given(st.one_of(BYTES, st.text(max_size=200)))
def test_fhir_arbitrary_bytes_and_text(data):
    _check_fhir_outcome(data)


def test_fhir_bytes_that_are_not_utf8_get_the_documented_error():
    with pytest.raises(FhirError, match="not UTF-8"):
        parse_questionnaire_responses(b'{"resourceType": "\xff\x80"}', LIBRARY)


@FAST
@given(JSON)
def test_fhir_arbitrary_json(value):
    _check_fhir_outcome(value)
    _check_fhir_outcome(json.dumps(value))


@st.composite
def fhir_values(draw):
    instrument_id = draw(st.sampled_from(INSTRUMENTS))
    instrument = LIBRARY[instrument_id]
    values = {}
    for item in instrument.items:
        if item.enable_when is not None:
            continue
        if item.kind == "vas":
            values[item.id] = float(draw(st.integers(int(item.min), int(item.max))))
        else:
            values[item.id] = float(draw(st.sampled_from([o.value for o in item.options])))
    return instrument_id, values


@FAST
@given(fhir_values())
def test_fhir_valid_documents_round_trip(generated):
    instrument_id, values = generated
    resource = questionnaire_response(instrument_id, values)
    for document in (resource, json.dumps(resource), json.dumps(resource).encode()):
        (parsed,) = parse_questionnaire_responses(document, LIBRARY)
        assert parsed.instrument == instrument_id
        assert {k: v for k, v in parsed.values.items() if v is not None} == values
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": resource}, {"resource": resource}],
    }
    assert len(parse_questionnaire_responses(bundle, LIBRARY)) == 2


def _mutate(value, data, depth=0):
    """Replace, drop or retype one part of a JSON document."""
    if isinstance(value, dict) and value and depth < 6:
        key = data.draw(st.sampled_from(sorted(value)))
        action = data.draw(st.sampled_from(["drop", "replace", "descend", "add"]))
        copy = dict(value)
        if action == "drop":
            del copy[key]
        elif action == "replace":
            copy[key] = data.draw(JSON)
        elif action == "add":
            copy[data.draw(FHIR_KEYS)] = data.draw(JSON)
        else:
            copy[key] = _mutate(value[key], data, depth + 1)
        return copy
    if isinstance(value, list) and value and depth < 6:
        index = data.draw(st.integers(0, len(value) - 1))
        copy = list(value)
        copy[index] = _mutate(value[index], data, depth + 1)
        return copy
    return data.draw(JSON)


@FAST
@given(fhir_values(), st.data())
def test_fhir_mutated_documents(generated, data):
    instrument_id, values = generated
    resource = questionnaire_response(instrument_id, values)
    document = _mutate(resource, data)
    if data.draw(st.booleans()):
        document = {"resourceType": "Bundle", "type": "collection", "entry": [document]}
    _check_fhir_outcome(document)


# --- transcripts ---------------------------------------------------------------------------------


def _check_transcript_outcome(text, fmt) -> Transcript | None:
    try:
        transcript = parse_transcript(text, fmt)
    except TranscriptError as exc:
        assert str(exc).strip()
        if exc.line is not None:
            source = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
            assert 1 <= exc.line <= _line_count(source), f"{exc} names a line outside the file"
        return None
    assert transcript.format in FORMATS
    assert transcript.utterances
    return transcript


@FAST
@given(st.binary(max_size=300), st.sampled_from([None, *FORMATS]))
def test_transcripts_arbitrary_bytes(data, fmt):
    _check_transcript_outcome(data, fmt)


@FAST
@given(st.one_of(st.text(max_size=300), SOUP), st.sampled_from([None, *FORMATS]))
def test_transcripts_arbitrary_text(text, fmt):
    assert detect_format(text) in FORMATS
    _check_transcript_outcome(text, fmt)


WORDS = st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), min_size=1, max_size=8)


@st.composite
def conversations(draw):
    """Alternating turns of two speakers: [(label, text)]."""
    labels = draw(st.sampled_from([("T", "C"), ("I", "B"), ("Therapist", "Client")]))
    n = draw(st.integers(2, 8))
    turns = []
    for i in range(n):
        words = draw(WORDS)
        text = " ".join(words).capitalize() + draw(st.sampled_from([".", "?", "!"]))
        turns.append((labels[i % 2], text))
    return turns


def _clock(seconds: int, sep: str) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}{sep}000"


def render(turns, fmt: str) -> str:
    if fmt == "plain":
        return "\n".join(f"{s}: {t}" for s, t in turns) + "\n"
    if fmt == "dresing_pehl":
        return "\n\n".join(
            f"{s}: {t} #{_clock(5 * (i + 1), '')[:8]}-0#" for i, (s, t) in enumerate(turns)
        )
    if fmt == "webvtt":
        cues = [
            f"{_clock(5 * i, '.')} --> {_clock(5 * i + 4, '.')}\n<v {s}>{t}"
            for i, (s, t) in enumerate(turns)
        ]
        return "WEBVTT\n\n" + "\n\n".join(cues) + "\n"
    if fmt == "srt":
        cues = [
            f"{i + 1}\n{_clock(5 * i, ',')} --> {_clock(5 * i + 4, ',')}\n{s}: {t}"
            for i, (s, t) in enumerate(turns)
        ]
        return "\n\n".join(cues) + "\n"
    out = io.StringIO()
    out.write("speaker,text\n")
    for s, t in turns:
        out.write(f'{s},"{t}"\n')
    return out.getvalue()


@FAST
@given(conversations(), st.sampled_from(FORMATS), st.booleans())
def test_transcripts_valid_documents_round_trip(turns, fmt, detect):
    text = render(turns, fmt)
    if detect:
        assert detect_format(text) == fmt
    transcript = parse_transcript(text, None if detect else fmt)
    assert [(u.speaker, u.text) for u in transcript.utterances] == turns
    assert parse_transcript(text.encode("utf-8"), fmt).utterances == transcript.utterances


@FAST
@given(conversations(), st.sampled_from(FORMATS), st.data())
def test_transcripts_mutated_documents(turns, fmt, data):
    lines = render(turns, fmt).split("\n")
    n = data.draw(st.integers(0, len(lines) - 1), label="line")
    lines[n] = data.draw(st.one_of(SOUP, st.text(max_size=20)), label="replacement")
    _check_transcript_outcome("\n".join(lines), data.draw(st.sampled_from([None, fmt])))


# --- the web-side imports (real database) --------------------------------------------------------


@pytest.mark.django_db
@SLOW
@given(st.one_of(BYTES, SOUP))
def test_web_csv_import_never_crashes_and_writes_nothing_on_errors(world, data):
    from alliance.web.measures.importing import import_responses
    from alliance.web.measures.models import MeasureResponse

    before = MeasureResponse.objects.count()
    try:
        report = import_responses(data, world.org, actor=world.owner)
    except CsvFormatError as exc:
        assert str(exc).strip()
        report = None
    if report is None or report.errors:
        assert MeasureResponse.objects.count() == before
    if report is not None:
        assert all(e.line >= 1 and e.reason for e in report.errors)


@pytest.mark.django_db
@SLOW
@given(fhir_values(), st.data())
def test_web_fhir_import_never_crashes_and_writes_nothing_on_errors(world, generated, data):
    from alliance.web.measures.fhir import import_fhir
    from alliance.web.measures.models import MeasureResponse

    instrument_id, values = generated
    encounter = data.draw(
        st.sampled_from(
            [f"Encounter/{world.session.public_id}", f"Encounter/{world.foreign_session.public_id}"]
        )
    )
    resource = questionnaire_response(instrument_id, values, encounter=encounter)
    document = data.draw(st.one_of(st.just(resource), st.builds(lambda: _mutate(resource, data))))
    before = MeasureResponse.objects.count()
    try:
        created, present = import_fhir(document, world.org)
    except FhirError as exc:
        assert str(exc).strip()
        assert MeasureResponse.objects.count() == before
        return
    assert MeasureResponse.objects.count() == before + created


def test_csv_text_too_long_to_be_a_file_name_is_read_as_text():
    with pytest.raises(CsvFormatError):
        parse_responses_csv("0" * 5000, LIBRARY)  # one line, no header: not a path either


# --- issue 13: nesting, oversized fields, impossible dates ----------------------------------------

NESTING = st.builds(
    lambda opens, depth, tail: "".join(opens[i % len(opens)] for i in range(depth)) + tail,
    st.lists(st.sampled_from(["[", '{"a": ', '{"item": [', '{"resourceType": "Bundle", "entry": ']), min_size=1, max_size=4),
    st.integers(min_value=65, max_value=50_000),
    st.sampled_from(["", "1", "]" * 10, "}" * 10]),
)  # fmt: skip


@FAST
@given(NESTING)
def test_nesting_beyond_the_limit_is_the_documented_error_everywhere(text):
    from alliance.interop import safejson

    with pytest.raises(FhirError, match="levels deep|not JSON"):
        parse_questionnaire_responses(text, LIBRARY)
    with pytest.raises(safejson.JsonInputError, match="levels deep|not valid JSON"):
        safejson.loads(text)


@FAST
@given(st.recursive(st.integers() | st.text(max_size=5), lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3), max_leaves=30))  # fmt: skip
def test_json_within_the_limit_reads_as_the_standard_library_does(value):
    from alliance.interop import safejson

    text = json.dumps(value)
    assert safejson.loads(text) == json.loads(text)
    assert safejson.loads(text.encode("utf-8")) == json.loads(text)


@FAST
@given(
    st.integers(min_value=131_073, max_value=300_000),
    st.integers(min_value=1, max_value=9),
    st.sampled_from(["auto", "python"]),
)
def test_csv_field_over_the_limit_refuses_the_whole_file_naming_the_line(size, item, engine):
    rows = [f"A-1,1,phq9,{i},1" for i in range(1, 10)]
    rows[item - 1] = f'A-1,1,phq9,{item},"{"9" * size}"'
    text = "client_code,session_number,instrument,item,value\n" + "\n".join(rows) + "\n"
    with pytest.raises(CsvFormatError, match=rf"line {item + 1}: a field is longer than 131,072"):
        parse_responses_csv(text, LIBRARY, engine=engine)


@FAST
@given(
    st.sampled_from(["0000-01-01", "0000-12-31", "2025-02-30", "2025-13-01", "9999-99-99"]),
    st.sampled_from(["auto", "python"]),
)
def test_csv_impossible_session_dates_are_per_row_errors(day, engine):
    text = "client_code,session_date,instrument,item,value\n" + "".join(
        f"A-1,{day},phq9,{i},1\n" for i in range(1, 10)
    )
    result = parse_responses_csv(text, LIBRARY, engine=engine)
    assert not result.administrations
    assert [e.line for e in result.errors] == list(range(2, 11))
    assert all(day in e.reason for e in result.errors)
