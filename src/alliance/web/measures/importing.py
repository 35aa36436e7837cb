"""Import historical responses from a long CSV: validate everything first, then write once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from alliance.interop.responses_csv import RowError, parse_responses_csv
from alliance.web.audit.log import record
from alliance.web.measures.actions import _store
from alliance.web.measures.models import MeasureResponse, Rater, Source
from alliance.web.practice.models import Session


@dataclass
class ImportReport:
    rows_read: int = 0
    administrations: int = 0
    created: int = 0
    already_present: int = 0
    errors: list[RowError] = field(default_factory=list)
    imported: bool = False


def import_responses(
    source,
    organisation,
    *,
    actor=None,
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
    sessions = Session.objects.filter(organisation=organisation).select_related("episode__client")
    by_number: dict[tuple[str, int], Session] = {}
    by_date: dict[tuple[str, object], list[Session]] = {}
    for session in sessions:
        code = session.episode.client.code
        # A client may have several episodes; session numbers then refer to the newest one.
        key = (code, session.number)
        if key not in by_number or by_number[key].episode.started_on < session.episode.started_on:
            by_number[key] = session
        by_date.setdefault((code, session.starts_at.date()), []).append(session)
    resolved: list[tuple[Session, object]] = []
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
    with transaction.atomic():
        for index, (session, admin) in enumerate(resolved, start=1):
            if (session.id, admin.instrument) in existing:
                report.already_present += 1
            else:
                _store(
                    session,
                    admin.instrument,
                    admin.values,
                    rater=Rater.CLIENT,
                    source=Source.IMPORT,
                )
                existing.add((session.id, admin.instrument))
                report.created += 1
            if progress is not None:
                progress(index, len(resolved))
        record(
            actor,
            "create",
            None,
            summary=f"imported {report.created} responses from CSV",
            organisation=organisation,
        )
    report.imported = True
    return report
