"""Outcome definitions per episode: reliable change, caseness, recovery.

Two families, both over a tidy table of scores with the columns ``episode``, ``session``
(the session number), ``instrument`` and ``score``:

* :func:`instrument_outcomes` — one instrument, with that instrument's clinical cut-off and
  reliable-change threshold from the instrument library;
* :func:`talking_therapies_outcomes` — the paired PHQ-9 + GAD-7 definitions of NHS Talking
  Therapies, exactly as the programme's manual words them.

Each returns one row per episode of the input, with ``counted`` and, for an episode that is
not counted, the ``reason`` it was left out.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import polars as pl

from alliance.instruments import Instrument, load_instrument

if TYPE_CHECKING:
    import pandas as pd

# Scores in any of the forms as_scores takes: polars, pandas, rows or columns by name.
Scores: TypeAlias = (
    "pl.DataFrame | pd.DataFrame | Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Any]]"
)

__all__ = [
    "PHQ9_CASE",
    "GAD7_CASE",
    "PHQ9_RELIABLE",
    "GAD7_RELIABLE",
    "as_scores",
    "instrument_outcomes",
    "talking_therapies_outcomes",
]

# NHS Talking Therapies for anxiety and depression: Manual (NHS England), on measuring
# recovery; the same thresholds since the IAPT Data Handbook (version 2, 2011).
PHQ9_CASE = 10
GAD7_CASE = 8
PHQ9_RELIABLE = 6
GAD7_RELIABLE = 4

# the instruments' named comparisons, as vectorised column expressions
_OPS = {"ge": operator.ge, "gt": operator.gt, "le": operator.le, "lt": operator.lt}

OUTCOME_COLUMNS = (
    "counted",
    "case_at_start",
    "case_at_end",
    "recovered",
    "reliably_improved",
    "reliably_deteriorated",
    "reliably_recovered",
)


def as_scores(scores: Scores) -> pl.DataFrame:
    """Return ``scores`` (polars, pandas or a list of dicts) as a typed polars frame.

    Raises ValueError when a required column is missing or an (episode, session,
    instrument) appears twice.
    """
    if isinstance(scores, pl.DataFrame):
        frame = scores
    elif hasattr(scores, "to_dict") and hasattr(scores, "columns"):
        # A pandas frame, told by its attributes so that pandas is not imported here.
        frame = pl.from_pandas(cast("pd.DataFrame", scores))
    else:
        frame = pl.DataFrame(scores)
    missing = [c for c in ("episode", "session", "instrument", "score") if c not in frame.columns]
    if missing:
        raise ValueError(f"the scores lack the column(s) {', '.join(missing)}")
    frame = frame.with_columns(
        pl.col("episode").cast(pl.Utf8),
        pl.col("session").cast(pl.Int64),
        pl.col("instrument").cast(pl.Utf8),
        pl.col("score").cast(pl.Float64),
    )
    dupes = frame.filter(pl.struct("episode", "session", "instrument").is_duplicated())
    if dupes.height:
        row = dupes.row(0, named=True)
        raise ValueError(
            f"episode {row['episode']} has two {row['instrument']} scores at session {row['session']}"
        )
    return frame


def _first_last(frame: pl.DataFrame, value_cols: list[str]) -> pl.DataFrame:
    """Per episode: number of sessions, first and last session and their values."""
    ordered = frame.sort("episode", "session")
    aggs = [
        pl.len().alias("sessions"),
        pl.col("session").first().alias("first_session"),
        pl.col("session").last().alias("last_session"),
    ]
    for col in value_cols:
        aggs.append(pl.col(col).first().alias(f"{col}_start"))
        aggs.append(pl.col(col).last().alias(f"{col}_end"))
    return ordered.group_by("episode", maintain_order=True).agg(aggs)


def _instrument(instrument: str | Instrument) -> Instrument:
    return instrument if isinstance(instrument, Instrument) else load_instrument(instrument)


def instrument_outcomes(scores: Scores, instrument: str | Instrument) -> pl.DataFrame:
    """Reliable change, caseness and recovery on one instrument, one row per episode.

    For each episode, start and end are the instrument's scores at the earliest and latest
    sessions (by session number) at which it was recorded; an episode counts when there are
    at least two such sessions. With ``improvement = start − end`` (``end − start`` when
    higher is better) and the instrument's reliable-change threshold RC and cut-off c:

    * reliably improved: improvement ≥ RC (> RC when the criterion is exclusive);
    * reliably deteriorated: −improvement ≥ RC;
    * case at start / end: the score is in the clinical range of c (e.g. PHQ-9 ≥ 10);
    * recovered: a case at start and not a case at end;
    * reliably recovered: recovered and reliably improved.

    Outcome columns are null when the instrument has no cut-off (caseness, recovery) or no
    reliable-change criterion (reliable change). Episodes of ``scores`` without two
    sessions of this instrument are kept with ``counted = False`` and their ``reason``.

    References: Jacobson, N. S. & Truax, P. (1991). Clinical significance: a statistical
    approach to defining meaningful change in psychotherapy research. J Consult Clin Psychol
    59, 12–19. The thresholds and their sources are the instrument's (its data file).
    """
    inst = _instrument(instrument)
    frame = as_scores(scores)
    episodes = frame.select("episode").unique().sort("episode")
    own = frame.filter(pl.col("instrument") == inst.id)
    per = _first_last(own, ["score"]).rename({"score_start": "start", "score_end": "end"})
    out = episodes.join(per, on="episode", how="left").with_columns(pl.col("sessions").fill_null(0))
    sign = 1.0 if inst.higher_is_better else -1.0
    improvement = (pl.col("end") - pl.col("start")) * sign
    counted = pl.col("sessions") >= 2
    out = out.with_columns(
        counted.alias("counted"),
        pl.when(pl.col("sessions") == 0)
        .then(pl.lit(f"no {inst.short_name} score"))
        .when(pl.col("sessions") == 1)
        .then(pl.lit(f"only one session with a {inst.short_name} score"))
        .otherwise(pl.lit(None, pl.Utf8))
        .alias("reason"),
        pl.when(counted).then(improvement).otherwise(None).alias("improvement"),
    )
    rc = inst.reliable_change
    if rc is not None:
        thr = rc.threshold
        op = "ge" if rc.inclusive else "gt"
        up = _OPS[op](pl.col("improvement"), thr)
        down = _OPS[op](-pl.col("improvement"), thr)
        out = out.with_columns(up.alias("reliably_improved"), down.alias("reliably_deteriorated"))
    else:
        out = out.with_columns(
            pl.lit(None, pl.Boolean).alias("reliably_improved"),
            pl.lit(None, pl.Boolean).alias("reliably_deteriorated"),
        )
    cut = inst.clinical_cutoff
    if cut is not None:

        def case(col: str) -> pl.Expr:
            return (
                pl.when(counted).then(_OPS[cut.clinical_if](pl.col(col), cut.value)).otherwise(None)
            )

        out = out.with_columns(
            case("start").alias("case_at_start"), case("end").alias("case_at_end")
        )
        out = out.with_columns(
            (pl.col("case_at_start") & ~pl.col("case_at_end")).alias("recovered")
        )
    else:
        out = out.with_columns(
            pl.lit(None, pl.Boolean).alias(c) for c in ("case_at_start", "case_at_end", "recovered")
        )
    out = out.with_columns(
        (pl.col("recovered") & pl.col("reliably_improved")).alias("reliably_recovered"),
        pl.lit(inst.id).alias("instrument"),
    )
    return out.select(
        "episode",
        "instrument",
        "sessions",
        "first_session",
        "last_session",
        "start",
        "end",
        "improvement",
        *OUTCOME_COLUMNS,
        "reason",
    )


def talking_therapies_outcomes(scores: Scores) -> pl.DataFrame:
    """The paired PHQ-9 + GAD-7 outcomes of NHS Talking Therapies, one row per episode.

    * An episode counts when it has at least two sessions at which both PHQ-9 and GAD-7
      were recorded; first and last are the earliest and latest such sessions, by session
      number (scores at sessions with only one of the two are not used).
    * A case is PHQ-9 ≥ 10 or GAD-7 ≥ 8.
    * Recovered: a case at first and not a case at last.
    * Reliably improved: PHQ-9 fell by ≥ 6 or GAD-7 by ≥ 4, and neither rose by that much.
    * Reliably deteriorated: PHQ-9 rose by ≥ 6 or GAD-7 by ≥ 4, and neither fell by that
      much.
    * Reliably recovered: recovered and reliably improved.

    Source: NHS England. NHS Talking Therapies for anxiety and depression manual, on
    recovery, reliable improvement and reliable recovery; the measures and thresholds were
    fixed by the IAPT Data Handbook, version 2 (2011). The recovery rate is over
    cases at start and the other rates over counted episodes (see
    :func:`alliance.outcomes.summary.summarise`).
    """
    frame = as_scores(scores)
    episodes = frame.select("episode").unique().sort("episode")
    wide = frame.filter(pl.col("instrument").is_in(["phq9", "gad7"])).pivot(
        on="instrument", index=["episode", "session"], values="score"
    )
    for col in ("phq9", "gad7"):
        if col not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(col))
    paired = wide.filter(pl.col("phq9").is_not_null() & pl.col("gad7").is_not_null())
    per = _first_last(paired, ["phq9", "gad7"])
    out = episodes.join(per, on="episode", how="left").with_columns(pl.col("sessions").fill_null(0))
    counted = pl.col("sessions") >= 2
    d_phq = pl.col("phq9_end") - pl.col("phq9_start")
    d_gad = pl.col("gad7_end") - pl.col("gad7_start")
    fell = (d_phq <= -PHQ9_RELIABLE) | (d_gad <= -GAD7_RELIABLE)
    rose = (d_phq >= PHQ9_RELIABLE) | (d_gad >= GAD7_RELIABLE)

    def when_counted(expr: pl.Expr) -> pl.Expr:
        return pl.when(counted).then(expr).otherwise(None)

    case_start = (pl.col("phq9_start") >= PHQ9_CASE) | (pl.col("gad7_start") >= GAD7_CASE)
    case_end = (pl.col("phq9_end") >= PHQ9_CASE) | (pl.col("gad7_end") >= GAD7_CASE)
    out = out.with_columns(
        counted.alias("counted"),
        when_counted(case_start).alias("case_at_start"),
        when_counted(case_end).alias("case_at_end"),
        when_counted(fell & ~rose).alias("reliably_improved"),
        when_counted(rose & ~fell).alias("reliably_deteriorated"),
        pl.when(pl.col("sessions") == 0)
        .then(pl.lit("no session with both PHQ-9 and GAD-7"))
        .when(pl.col("sessions") == 1)
        .then(pl.lit("only one session with both PHQ-9 and GAD-7"))
        .otherwise(pl.lit(None, pl.Utf8))
        .alias("reason"),
    )
    out = out.with_columns(
        (pl.col("case_at_start") & ~pl.col("case_at_end")).alias("recovered"),
    ).with_columns(
        (pl.col("recovered") & pl.col("reliably_improved")).alias("reliably_recovered"),
    )
    return out.select(
        "episode",
        "sessions",
        "first_session",
        "last_session",
        "phq9_start",
        "phq9_end",
        "gad7_start",
        "gad7_end",
        *OUTCOME_COLUMNS,
        "reason",
    )
