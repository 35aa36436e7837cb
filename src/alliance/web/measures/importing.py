"""Import historical responses from a long CSV: validate everything first, then write once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, NamedTuple

from django.utils import timezone

from alliance.interop.responses_csv import CsvAdministration, RowError, parse_responses_csv
from alliance.web.accounts.models import Organisation, User
from alliance.web.measures.models import MeasureResponse, Rater, Source
from alliance.web.measures.recording import (
    Administration,
    InvalidAdministration,
    record_responses,
)
from alliance.web.practice.models import Session


class SessionRef(NamedTuple):
    id: int
    organisation_id: int
    starts_at: dt.datetime
    episode_start: dt.date


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
    response that already exists (same session, instrument and rater) is left as it is,
    so importing the same file again creates no duplicates.
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
    by_number: dict[tuple[str, int], SessionRef] = {}
    by_date: dict[tuple[str, dt.date | None], list[SessionRef]] = {}
    tz = timezone.get_current_timezone()
    for session_id, organisation_id, starts_at, number, code, episode_start in rows.iterator(
        chunk_size=10000
    ):
        ref = SessionRef(session_id, organisation_id, starts_at, episode_start)
        # A client may have several episodes; session numbers then refer to the newest one.
        key = (code, number)
        if key not in by_number or by_number[key].episode_start < episode_start:
            by_number[key] = ref
        by_date.setdefault((code, timezone.localtime(starts_at, tz).date()), []).append(ref)
    resolved: list[tuple[SessionRef, CsvAdministration]] = []
    for admin in parsed.administrations:
        if admin.session_number is not None:
            session = by_number.get((admin.client_code, admin.session_number))
            problem = f"no session {admin.session_number} for client {admin.client_code}"
        else:
            matches = by_date.get((admin.client_code, admin.session_date), [])
            session = matches[0] if len(matches) == 1 else None
            problem = (
                f"client {admin.client_code} has {len(matches)} sessions on {admin.session_date}"
                if matches
                else f"no session on {admin.session_date} for client {admin.client_code}"
            )
        if session is None:
            report.errors.extend(RowError(line, problem) for line in admin.lines)
        else:
            resolved.append((session, admin))
    report.errors.sort(key=lambda e: e.line)
    report.administrations = len(resolved)
    if report.errors and not skip_invalid:
        return report
    existing = set(
        MeasureResponse.objects.filter(organisation=organisation, rater=Rater.CLIENT).values_list(
            "session_id", "instrument_id"
        )
    )
    fresh: list[tuple[SessionRef, CsvAdministration]] = []
    for session, admin in resolved:
        if (session.id, admin.instrument) in existing:
            report.already_present += 1
        else:
            existing.add((session.id, admin.instrument))
            fresh.append((session, admin))
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
