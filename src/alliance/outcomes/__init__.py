"""Practice-level outcomes: reliable change, recovery and effect sizes over tidy tables.

A pure package (no Django), usable from a notebook:

>>> import polars as pl
>>> from alliance.outcomes import summarise
>>> scores = pl.DataFrame({
...     "episode": ["e1"] * 4, "session": [1, 1, 6, 6],
...     "instrument": ["phq9", "gad7", "phq9", "gad7"], "score": [15, 12, 6, 5]})
>>> summarise(scores)["recovered"]
1

Every definition's formula and source is in its docstring.
"""

from .definitions import (
    GAD7_CASE,
    GAD7_RELIABLE,
    PHQ9_CASE,
    PHQ9_RELIABLE,
    as_scores,
    instrument_outcomes,
    talking_therapies_outcomes,
)
from .stats import EffectSize, Rate, cohen_d_intake, paired_d, rate, wilson_interval
from .summary import COUNT_KEYS, RATE_KEYS, summarise, summarise_groups, summarise_outcomes

__all__ = [
    "COUNT_KEYS",
    "GAD7_CASE",
    "GAD7_RELIABLE",
    "PHQ9_CASE",
    "PHQ9_RELIABLE",
    "RATE_KEYS",
    "EffectSize",
    "Rate",
    "as_scores",
    "cohen_d_intake",
    "instrument_outcomes",
    "paired_d",
    "rate",
    "summarise",
    "summarise_groups",
    "summarise_outcomes",
    "talking_therapies_outcomes",
    "wilson_interval",
]
