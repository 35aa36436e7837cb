"""Per-episode summaries: what the caseload shows, kept up to date instead of counted per page.

A caseload of 100 episodes used to count 2,000 sessions and read 2,000 alliance scores on
every view; now it reads 100 summary rows. A summary is always recomputed whole from the
records (never patched), so calling `refresh_summaries` again is harmless and repairs it:

- practice's actions refresh it when a session is logged or changed or an episode starts;
- `measures.recording.record_responses` (the one path for answers) refreshes only the
  answers' fields (`refresh_part`: one read, one UPDATE), reviewing a critical answer and
  resolving a critical alert refresh it whole, each in the write's transaction;
- anonymisation deletes it (the dates move), erasure with the episode;
- the migration that added them built every one (`refresh_all` rebuilds them again);
- a page that finds none (rows inserted in bulk) computes it without storing it.

Features add their fields through `add_part` (measures registers the alliance and critical
answers in its `AppConfig.ready()`), so this core module imports no feature.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from alliance.web.accounts.models import Organisation
from alliance.web.practice.models import Episode, EpisodeSummary, Session

# episode ids → {episode id: {field: value}}; an episode it leaves out gets the field defaults.
Part = Callable[[list[int]], dict[int, dict[str, Any]]]

_parts: list[Part] = []
CHUNK = 900  # SQLite's limit on parameters per query


def add_part(part: Part) -> None:
    """Let a feature add its fields to every summary (once, from its AppConfig.ready())."""
    if part not in _parts:
        _parts.append(part)


def _session_part(episode_ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = (
        Session.objects.filter(episode_id__in=episode_ids)
        .values("episode_id")
        .annotate(n=Count("id"), last=Max("starts_at"))
        .values_list("episode_id", "n", "last")
    )
    return {pk: {"session_count": n, "last_session_at": last} for pk, n, last in rows}


def compute_summaries(episodes: dict[int, int]) -> dict[int, EpisodeSummary]:
    """Return unsaved summaries of `episodes` (episode id → organisation id) from the records."""
    out: dict[int, EpisodeSummary] = {}
    now = timezone.now()
    ids = sorted(episodes)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        values: dict[int, dict[str, Any]] = {pk: {} for pk in chunk}
        for part in (_session_part, *_parts):
            for pk, fields in part(chunk).items():
                values[pk].update(fields)
        for pk in chunk:
            out[pk] = EpisodeSummary(
                episode_id=pk, organisation_id=episodes[pk], refreshed_at=now, **values[pk]
            )
    return out


UPDATED = ["session_count", "last_session_at", "alliance_recent", "critical_open", "refreshed_at"]


def refresh_summaries(
    episode_ids: Iterable[int], organisations: dict[int, int] | None = None
) -> None:
    """Recompute and store the summaries of these episodes.

    Call it inside the write's transaction, after the write, so the summary commits with it.
    `organisations` (episode id → organisation id), when the caller knows them, saves a query.
    """
    ids = sorted(set(episode_ids))
    for start in range(0, len(ids), CHUNK):
        _refresh(ids[start : start + CHUNK], organisations or {})


def _refresh(ids: list[int], organisations: dict[int, int]) -> None:
    # Inside the caller's transaction (no savepoint), or one of its own (refresh_all).
    with transaction.atomic(savepoint=False):
        _lock_compute_store(ids, organisations)


def _lock_compute_store(ids: list[int], organisations: dict[int, int]) -> None:
    if connection.features.has_select_for_update:
        # Two writers to one episode at once (a check and the practitioner's rating): the
        # second waits here for the first to commit, then counts its rows too. SQLite
        # writes one transaction at a time anyway.
        list(
            EpisodeSummary.objects.select_for_update()
            .filter(episode_id__in=ids)
            .order_by("episode_id")
            .values_list("episode_id", flat=True)
        )
    episodes = {pk: organisations[pk] for pk in ids if pk in organisations}
    if len(episodes) < len(ids):
        episodes = dict(Episode.objects.filter(pk__in=ids).values_list("pk", "organisation_id"))
    EpisodeSummary.objects.bulk_create(
        list(compute_summaries(episodes).values()),
        update_conflicts=True,
        unique_fields=["episode"],
        update_fields=UPDATED,
    )


def refresh_part(
    episode_ids: Iterable[int],
    part: Part,
    fields: dict[str, Any],
    organisations: dict[int, int] | None = None,
) -> None:
    """Recompute and store only what `part` adds (its `fields`, name → default) to these summaries.

    For a write that changes only what one part reads (answers leave the sessions as they
    are): one aggregate query and one UPDATE, beside the row lock on PostgreSQL, instead of
    every part and an upsert. The fields are still recomputed whole, never patched. Episodes
    without a summary yet (made in bulk) get a whole one, as `refresh_summaries` does.
    Call it inside the write's transaction, after the write.
    """
    ids = sorted(set(episode_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic(savepoint=False):
            _refresh_part(chunk, part, fields, organisations or {})


def _refresh_part(
    ids: list[int], part: Part, fields: dict[str, Any], organisations: dict[int, int]
) -> None:
    if connection.features.has_select_for_update:
        # As in _lock_compute_store: wait for a concurrent writer first, then count its rows.
        existing = set(
            EpisodeSummary.objects.select_for_update()
            .filter(episode_id__in=ids)
            .order_by("episode_id")
            .values_list("episode_id", flat=True)
        )
        missing = [pk for pk in ids if pk not in existing]
        if missing:
            _lock_compute_store(missing, organisations)
        ids = [pk for pk in ids if pk in existing]
        if not ids:
            return
    now = timezone.now()
    values = part(ids)
    rows = [
        EpisodeSummary(
            episode_id=pk,
            refreshed_at=now,
            **{name: values.get(pk, {}).get(name, default) for name, default in fields.items()},
        )
        for pk in ids
    ]
    if len(rows) == 1:  # a check's one episode: a plain UPDATE, without bulk_update's CASE
        row = rows[0]
        updated = EpisodeSummary.objects.filter(episode_id=row.episode_id).update(
            refreshed_at=now, **{name: getattr(row, name) for name in fields}
        )
    else:
        updated = EpisodeSummary.objects.bulk_update(rows, [*fields, "refreshed_at"])
    if updated < len(ids):  # SQLite, which has no row lock to tell: some had no summary yet
        _lock_compute_store(ids, organisations)


def summary_of(episode: Episode) -> EpisodeSummary | None:
    """The episode's stored summary if it was read with it (select_related), else None."""
    try:
        return episode.summary
    except EpisodeSummary.DoesNotExist:
        return None


def summaries_for(episodes: list[Episode]) -> dict[int, EpisodeSummary]:
    """Each episode's summary as read with it (``select_related("summary")``); one computed,
    not stored, for any that has none yet (made in bulk, or before summaries existed)."""
    found = {e.pk: summary for e in episodes if (summary := summary_of(e)) is not None}
    missing = {e.pk: e.organisation_id for e in episodes if e.pk not in found}
    if missing:
        found.update(compute_summaries(missing))
    return found


def refresh_all(
    organisation: Organisation | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild every summary (of one organisation); return how many."""
    query = Episode.objects.order_by("pk")
    if organisation is not None:
        query = query.filter(organisation=organisation)
    ids = list(query.values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        refresh_summaries(ids[start : start + CHUNK])
        if progress is not None:
            progress(min(start + CHUNK, len(ids)), len(ids))
    return len(ids)
