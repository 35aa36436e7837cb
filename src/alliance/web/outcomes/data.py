"""Read the practice's episodes and scores into the tidy tables of ``alliance.outcomes``.

Three queries whatever the number of episodes: the episodes with their attendance, the
client-rated PHQ-9 and GAD-7 totals, and the client's Alliance Check at session 3.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import polars as pl
from django.db.models import Count, Q, QuerySet

from alliance.outcomes import talking_therapies_outcomes
from alliance.web.measures.models import MeasureResponse, Rater
from alliance.web.practice.models import Attendance, Episode

ALLIANCE_INSTRUMENT = "alliance-check"
ALLIANCE_SESSION = 3

FACTS_SCHEMA = {
    "episode": pl.Utf8,
    "practitioner_id": pl.Int64,
    "service": pl.Utf8,
    "started_on": pl.Date,
    "ended_on": pl.Date,
    "ending_type": pl.Utf8,
    "attended": pl.Int64,
    "year_of_birth": pl.Int64,
    "alliance_s3": pl.Float64,
    "age": pl.Int64,
}


def episode_facts(episodes: QuerySet[Episode]) -> pl.DataFrame:
    """One row per episode: practitioner, service, dates, ending, attended sessions, alliance."""
    rows = list(
        episodes.annotate(
            attended=Count("sessions", filter=Q(sessions__attendance=Attendance.ATTENDED))
        ).values_list(
            "id",
            "practitioner_id",
            "service",
            "started_on",
            "ended_on",
            "ending_type",
            "attended",
            "client__year_of_birth",
        )
    )
    alliance = dict(
        MeasureResponse.objects.filter(
            session__episode__in=episodes,
            session__number=ALLIANCE_SESSION,
            instrument_id=ALLIANCE_INSTRUMENT,
            rater=Rater.CLIENT,
            total__isnull=False,
        ).values_list("session__episode_id", "total")
    )
    data = [
        {
            "episode": str(r[0]),
            "practitioner_id": r[1],
            "service": r[2],
            "started_on": r[3],
            "ended_on": r[4],
            "ending_type": r[5] or None,
            "attended": r[6],
            "year_of_birth": r[7],
            "alliance_s3": alliance.get(r[0]),
            "age": r[3].year - r[7] if r[7] else None,
        }
        for r in rows
    ]
    return pl.DataFrame(data, schema=FACTS_SCHEMA)


def score_rows(episodes: QuerySet[Episode]) -> pl.DataFrame:
    """Client-rated PHQ-9 and GAD-7 totals as ``episode, session, instrument, score``."""
    rows = MeasureResponse.objects.filter(
        session__episode__in=episodes,
        instrument_id__in=["phq9", "gad7"],
        rater=Rater.CLIENT,
        total__isnull=False,
    ).values_list("session__episode_id", "session__number", "instrument_id", "total")
    return pl.DataFrame(
        [
            # cast: total__isnull=False above, which the row's type cannot say.
            {"episode": str(e), "session": n, "instrument": i, "score": float(cast(float, t))}
            for e, n, i, t in rows
        ],
        schema={
            "episode": pl.Utf8,
            "session": pl.Int64,
            "instrument": pl.Utf8,
            "score": pl.Float64,
        },
    )


def outcome_table(episodes: QuerySet[Episode]) -> pl.DataFrame:
    """Facts joined with the paired outcome of every episode (scoreless ones not counted)."""
    facts = episode_facts(episodes)
    scores = score_rows(episodes)
    per = talking_therapies_outcomes(scores) if scores.height else None
    if per is None or per.height == 0:
        return facts.with_columns(
            pl.lit(False).alias("counted"),
            pl.lit("no session with both PHQ-9 and GAD-7").alias("reason"),
            *(
                pl.lit(None, pl.Boolean).alias(c)
                for c in (
                    "case_at_start",
                    "case_at_end",
                    "recovered",
                    "reliably_improved",
                    "reliably_deteriorated",
                    "reliably_recovered",
                )
            ),
            *(
                pl.lit(None, pl.Float64).alias(c)
                for c in ("phq9_start", "phq9_end", "gad7_start", "gad7_end")
            ),
        )
    joined = facts.join(per, on="episode", how="left")
    return joined.with_columns(
        pl.col("counted").fill_null(False),
        pl.col("reason").fill_null(
            pl.when(pl.col("counted").is_null()).then(
                pl.lit("no session with both PHQ-9 and GAD-7")
            )
        ),
    )


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
