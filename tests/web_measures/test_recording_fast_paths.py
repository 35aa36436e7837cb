"""The check's fast paths give what the general paths give: scores one by one equal the
vectorised batch, and rows built after INSERT ... RETURNING equal the rows read back."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError

from alliance.instruments import load_library
from alliance.web.measures import recording
from alliance.web.measures.actions import find_check
from alliance.web.measures.models import MeasureResponse, Source
from alliance.web.measures.recording import Administration, record_responses
from tests.factories import make_session


def _answers(instrument, rng: random.Random) -> dict:
    answers: dict = {}
    for item in instrument.items:
        if rng.random() < 0.15:
            answers[item.id] = None  # missing: pro-rating and the missing-item rules
        elif item.kind == "vas":
            answers[item.id] = rng.randint(int(item.min), int(item.max))
        else:
            answers[item.id] = rng.choice(item.answers.values)
    return answers


def _batch(administrations, monkeypatch):
    with monkeypatch.context() as patched:
        patched.setattr(recording, "SMALL_BATCH", 0)
        return recording.score_administrations(administrations)


def _stored(score: dict) -> dict:
    """What the stored row keeps of a score (see recording._row)."""
    return {
        "total": score["total"],
        "band": score["band"] or "",
        "scored": bool(score["scored"]),
        "missing": [str(m) for m in score["missing_items"] or []],
        "critical": [str(c) for c in score["critical"] or []],
        "subscales": {
            k: v for k, v in score.items() if k.startswith("subscale_") and v is not None
        },
    }


def test_small_batches_score_like_the_vectorised_batch(monkeypatch):
    rng = random.Random(17)
    library = load_library()
    for instrument in library.values():
        if not instrument.items:
            continue
        administrations = [
            Administration(1, 1, instrument.id, _answers(instrument, rng)) for _ in range(12)
        ]
        small = recording.score_administrations(administrations)
        batch = _batch(administrations, monkeypatch)
        assert [_stored(s) for s in small] == [_stored(b) for b in batch], instrument.id


@pytest.mark.parametrize(
    "answers",
    [
        {"1": 11, "2": 7, "3": 9, "4": 8, "5": 0},  # out of range
        {"1": 8, "2": 7, "3": 9, "4": 8, "5": 0, "99": 1},  # unknown item
        {"01": 8, "2": 7, "3": 9, "4": 8, "5": 0},  # not the canonical id
        {"1": True, "2": 7, "3": 9, "4": 8, "5": 0},  # a boolean (the batch reads 1)
        {"1": float("nan"), "2": 7, "3": 9, "4": 8, "5": 0},  # NaN
        {"1": 8, 1: 8, "2": 7, "3": 9, "4": 8, "5": 0},  # an item given twice
    ],
)
def test_odd_answers_fare_the_same_on_both_paths(answers, monkeypatch):
    administrations = [Administration(1, 1, "alliance-check", answers, label="session 3")]

    def outcome(score):
        try:
            return [_stored(s) for s in score()]
        except ValidationError as error:
            return error.messages

    batch = outcome(lambda: _batch(administrations, monkeypatch))
    small = outcome(lambda: recording.score_administrations(administrations))
    assert small == batch


def test_unknown_instrument_is_refused_on_both_paths(monkeypatch):
    administrations = [Administration(1, 1, "no-such-thing", {"1": 1}, label="line 2")]
    with pytest.raises(ValidationError) as batch_error:
        _batch(administrations, monkeypatch)
    with pytest.raises(ValidationError) as small_error:
        recording.score_administrations(administrations)
    assert small_error.value.messages == batch_error.value.messages


def test_rows_built_after_insert_equal_the_rows_read_back(world):
    session = make_session(world.episode, days_after_start=9)
    check_session = find_check_session(world, session)
    recorded = record_responses(
        None,
        [
            Administration.for_session(
                session, "alliance-check", {"1": 8, "2": 7, "3": 9, "4": 8, "5": 0}
            ),
            Administration.for_session(
                session, "phq9", {str(i): 1 for i in range(1, 9)} | {"9": 1}
            ),
        ],
        source=Source.CHECK,
        organisation=session.organisation,
        summary="test",
        sessions={session.pk: check_session},
    )
    fields = [f.attname for f in MeasureResponse._meta.concrete_fields]
    for built in recorded.responses:
        stored = MeasureResponse.objects.get(pk=built.pk)
        assert {f: getattr(built, f) for f in fields} == {f: getattr(stored, f) for f in fields}
        assert built.session is check_session
        assert not built._state.adding
    assert [r.instrument_id for r in recorded.critical] == ["phq9"]


def find_check_session(world, session):
    """The session as a check's link reads it (with episode, client and practitioner)."""
    from alliance.web.measures.actions import create_check

    _check, token = create_check(world.owner, session)
    return find_check(token).session
