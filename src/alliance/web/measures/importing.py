"""Import historical responses from a long CSV: validate everything first, then write once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, NamedTuple

from django.utils import timezone

from alliance.interop.responses_csv import (
    CsvAdministration,
    RowError,
    cut,
    parse_responses_csv,
)
from alliance.web.accounts.models import Organisation, User
from alliance.web.measures.models import MeasureResponse, Rater, Source
from alliance.web.measures.recording import (
    Administration,
    InvalidAdministration,
    record_responses,
)
from alliance.web.practice.models import Client, Session


class SessionRef(NamedTuple):
    id: int
    organisation_id: int
    starts_at: dt.datetime
    episode_start: dt.date
    number: int
    day: dt.date


def _number(value: float | None) -> str:
    if value is None:
        return "empty"
    return str(int(value)) if float(value).is_integer() else str(value)


def answer_differences(
    stored: Mapping[str, object], given: Mapping[str, float | None]
) -> list[tuple[str, str]]:
    """Items whose stored and given answers differ, each with its 'item: stored, here' text.

    Both are compared as stored: values as floats, an item left out the same as None, so an
    identical re-import has no differences.
    """

    def as_stored(value: object) -> float | None:
        if isinstance(value, int | float | str):
            return float(value)
        return None  # JSON null: unanswered

    differences = []
    for item in dict.fromkeys([*stored, *given]):
        before, after = as_stored(stored.get(item)), as_stored(given.get(item))
        if before != after:
            differences.append(
                (item, f"item {item}: {_number(before)} stored, {_number(after)} here")
            )
    return differences


def conflict_reason(
    client_code: str, session: str, instrument: str, differences: list[tuple[str, str]]
) -> str:
    """The message for answers that contradict a response already stored for that session."""
    shown = "; ".join(text for _item, text in differences[:3])
    if len(differences) > 3:
        shown += f"; and {len(differences) - 3} more"
    return f"{cut(client_code)} {session} already has a different {instrument} answer ({shown})"


@dataclass
class ImportReport:
    rows_read: int = 0
    administrations: int = 0
    created: int = 0
    already_present: int = 0
    errors: list[RowError] = field(default_factory=list)
    imported: bool = False


def import_responses(
    source: str | Path | IO[str] | bytes,
    organisation: Organisation,
    *,
    actor: User | None = None,
    skip_invalid: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a long CSV (client code, session number or date, instrument, item, value).

    Every row is checked first — the file's own validity and whether each client and
    session exist in `organisation`. If any row is bad nothing is written, unless
    `skip_invalid`, which imports the good administrations and reports the rest. A
    response that already exists (same session, instrument and rater) is left as it is:
    the same answers again count as already present, so importing the same file again
    creates no duplicates; different answers are a bad row on the lines that differ.
    """
    parsed = parse_responses_csv(source)
    report = ImportReport(rows_read=parsed.rows_read, errors=list(parsed.errors))
    # Plain tuples rather than model instances: an import may touch a million sessions.
    rows = Session.objects.filter(organisation=organisation).values_list(
        "id",
        "organisation_id",
        "starts_at",
        "number",
        "episode__client__code",
        "episode__started_on",
    )
    clients = set(Client.objects.filter(organisation=organisation).values_list("code", flat=True))
    by_number: dict[tuple[str, int], SessionRef] = {}
    by_date: dict[tuple[str, dt.date | None], list[SessionRef]] = {}
    tz = timezone.get_current_timezone()
    for session_id, organisation_id, starts_at, number, code, episode_start in rows.iterator(
        chunk_size=10000
    ):
        day = timezone.localtime(starts_at, tz).date()
        ref = SessionRef(session_id, organisation_id, starts_at, episode_start, number, day)
        # A client may have several episodes; session numbers then refer to the newest one.
        key = (code, number)
        if key not in by_number or by_number[key].episode_start < episode_start:
            by_number[key] = ref
        by_date.setdefault((code, day), []).append(ref)
    resolved: list[tuple[SessionRef, CsvAdministration]] = []
    for admin in parsed.administrations:
        code = cut(admin.client_code)
        if admin.client_code not in clients:
            session = None
            problem = f"unknown client {code}"
        elif admin.session_number is not None:
            session = by_number.get((admin.client_code, admin.session_number))
            problem = f"no session {admin.session_number} for client {code}"
            if session is not None and admin.session_date not in (None, session.day):
                problem = (
                    f"session_number {admin.session_number} and session_date "
                    f"{admin.session_date} disagree: session {admin.session_number} of client "
                    f"{code} is on {session.day}"
                )
                session = None
        else:
            matches = by_date.get((admin.client_code, admin.session_date), [])
            session = matches[0] if len(matches) == 1 else None
            problem = (
                f"client {code} has {len(matches)} sessions on {admin.session_date}"
                if matches
                else f"no session on {admin.session_date} for client {code}"
            )
        if session is None:
            report.errors.extend(RowError(line, problem) for line in admin.lines)
        else:
            resolved.append((session, admin))
    existing: dict[tuple[int, str], dict[str, object]] = {
        (session_id, instrument_id): answers
        for session_id, instrument_id, answers in MeasureResponse.objects.filter(
            organisation=organisation, rater=Rater.CLIENT
        )
        .values_list("session_id", "instrument_id", "answers")
        .iterator(chunk_size=10000)
    }
    fresh: list[tuple[SessionRef, CsvAdministration]] = []
    for session, admin in resolved:
        stored = existing.get((session.id, admin.instrument))
        if stored is None:
            existing[(session.id, admin.instrument)] = dict(admin.values)
            fresh.append((session, admin))
            continue
        # The same answers again are no duplicate; different ones are a bad row, never
        # silently dropped (nor written over: an import is history, not a correction).
        differences = answer_differences(stored, admin.values)
        if not differences:
            report.already_present += 1
            continue
        reason = conflict_reason(
            admin.client_code, f"session {session.number}", admin.instrument, differences
        )
        differing = sorted(
            {admin.item_lines[item] for item, _text in differences if item in admin.item_lines}
        ) or [admin.lines[0]]
        report.errors.extend(RowError(line, reason) for line in differing)
    report.errors.sort(key=lambda e: e.line)
    report.administrations = len(resolved)
    if report.errors and not skip_invalid:
        return report
    if not fresh:
        report.imported = True
        return report
    try:
        recorded = record_responses(
            actor,
            [
                Administration(
                    session.id,
                    session.organisation_id,
                    admin.instrument,
                    admin.values,
                    submitted_at=session.starts_at,
                    label=f"line {admin.lines[0]}" if admin.lines else "",
                )
                for session, admin in fresh
            ],
            source=Source.IMPORT,
            organisation=organisation,
            summary=f"imported {len(fresh)} responses from CSV",
            historical=True,
            read_back=False,
            progress=progress,
        )
    except InvalidAdministration as exc:
        lines = fresh[exc.index][1].lines if exc.index is not None else []
        report.errors.extend(RowError(line, exc.messages[0]) for line in lines or [0])
        return report
    report.created = recorded.created
    report.imported = True
    return report
