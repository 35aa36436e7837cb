"""Scoring engine: pure functions over plain data (no Django).

* :func:`score_response` — one administration → :class:`Score`
* :func:`score_batch` — item-level table → one row per administration (polars)
* :func:`reliable_change` — Jacobson–Truax reliable and clinically significant change
* :func:`gas_t_score` — Goal Attainment Scaling T-score
"""

from .batch import score_batch, scores_from_batch
from .change import RCI_CRITERION, ReliableChange, jacobson_truax_cutoffs, reliable_change
from .errors import OutOfRangeError, ScoringError, UnknownInstrumentError, UnknownItemError
from .gas import GasError, gas_t_score
from .single import Score, check_responses, score_response

#: Alias in the house style's analytics API, ``score(responses, instrument)``.
score = score_response

__all__ = [
    "RCI_CRITERION",
    "GasError",
    "OutOfRangeError",
    "ReliableChange",
    "Score",
    "ScoringError",
    "UnknownInstrumentError",
    "UnknownItemError",
    "check_responses",
    "gas_t_score",
    "jacobson_truax_cutoffs",
    "reliable_change",
    "score",
    "score_batch",
    "score_response",
    "scores_from_batch",
]
