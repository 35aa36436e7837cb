"""Scored responses as practitioners see them: totals, subscales, bands, change and its reliability."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from alliance.instruments import Instrument, load_library
from alliance.scoring import ReliableChange, reliable_change
from alliance.web.measures.models import MeasureResponse
from alliance.web.practice.models import Episode


@dataclass
class ScoredRow:
    response: MeasureResponse
    instrument: Instrument | None
    name: str
    band_label: str
    subscales: list[tuple[str, float | None]]
    change: ReliableChange | None
    previous_total: float | None

    @property
    def change_text(self) -> str:
        if self.change is None:
            return ""
        sign = "+" if self.change.change > 0 else ""
        return f"{sign}{self.change.change:g}"


def _instruments(responses: list[MeasureResponse]) -> dict[str, Instrument | None]:
    # One look at the instrument directories per page, not one per response.
    library = load_library()
    return {r.instrument_id: library.get(r.instrument_id) for r in responses}


def scored_rows(responses: list[MeasureResponse]) -> dict[int, list[ScoredRow]]:
    """Rows per session id, each with the change since the same instrument and rater last time.

    `responses` must be one episode's responses (any order); no queries are made.
    """
    ordered = sorted(responses, key=lambda r: (r.session.number, r.instrument_id, r.rater))
    instruments = _instruments(ordered)
    last: dict[tuple[str, str], MeasureResponse] = {}
    rows: dict[int, list[ScoredRow]] = {}
    for response in ordered:
        instrument = instruments[response.instrument_id]
        key = (response.instrument_id, response.rater)
        previous = last.get(key)
        change = None
        if (
            instrument is not None
            and previous is not None
            and previous.total is not None
            and response.total is not None
        ):
            change = reliable_change(previous.total, response.total, instrument)
        band = (
            instrument.band_for(response.total)
            if instrument and response.total is not None
            else None
        )
        subscales = []
        if instrument is not None:
            for sub in instrument.subscales:
                subscales.append((sub.name("en"), response.subscales.get(sub.id)))
        rows.setdefault(response.session_id, []).append(
            ScoredRow(
                response=response,
                instrument=instrument,
                name=instrument.short_name if instrument else response.instrument_id,
                band_label=band.label("en") if band else "",
                subscales=subscales,
                change=change,
                previous_total=previous.total if previous else None,
            )
        )
        if response.total is not None:
            last[key] = response
    return rows


def episode_rows(episode: Episode) -> dict[int, list[ScoredRow]]:
    """Scored rows per session id for one episode, in one query."""
    responses = list(
        MeasureResponse.objects.filter(session__episode=episode).select_related("session")
    )
    return scored_rows(responses)


def rows_for_episodes(episodes: Iterable[Episode]) -> dict[int, list[ScoredRow]]:
    """Scored rows per session id for several episodes, in one query."""
    responses = list(
        MeasureResponse.objects.filter(session__episode__in=episodes)
        .select_related("session")
        .defer("session__note")  # never shown beside a score; decrypting it costs
    )
    by_episode: dict[int, list[MeasureResponse]] = {}
    for response in responses:
        by_episode.setdefault(response.session.episode_id, []).append(response)
    rows: dict[int, list[ScoredRow]] = {}
    for group in by_episode.values():
        rows.update(scored_rows(group))
    return rows
