"""Per-instrument parameters the monitoring rules need, from the instrument library or defaults.

:func:`scale_params` asks ``alliance.instruments`` first (:func:`params_from_library`) and only
falls back to :data:`DEFAULT_SCALES`, whose figures come from
``shared/reference/instruments-and-methods.md`` (section and source numbers in ``source``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from alliance.instruments import load_instrument

Kind = Literal["alliance", "outcome", "other"]


@dataclass(frozen=True)
class ScaleParams:
    """What the monitoring rules need to know about one instrument's total score.

    reliable_change : smallest reliable raw change, 1.96 * S_diff with
        S_diff = SD_1 * sqrt(2) * sqrt(1 - r_xx) (Jacobson & Truax 1991; Christensen &
        Mendoza 1986), or a published fixed threshold (IAPT: PHQ-9 6, GAD-7 4).
    clinical_cutoff, clinical_if : a score ``clinical_if`` (ge/gt/le/lt) the cut-off is in the
        clinical range (PHQ-9 ge 10; WHO-5 percentage le 50).
    low_cutoff : alliance instruments only: a score below it is a weak alliance.
    noise_sd : alliance instruments only: the within-client noise SD the rupture alerts use
        until the practice has its own estimate (SEM = SD * sqrt(1 - alpha) where a
        published reliability exists; otherwise a documented conservative default).
    noise_source : where ``noise_sd``, ``low_cutoff`` and ``reliable_change`` come from.
    counterpart : for a practitioner form, the client-rated instrument it mirrors.
    bands : ``(lower bound, label)`` pairs in increasing order of the lower bound.
    critical_items : ``(item, op, value)`` triples: an item answer (tidy subscale ``item9`` or
        ``9``) meeting ``op value`` is a critical answer (PHQ-9 item 9 >= 1 needs follow-up
        whatever the total).
    """

    instrument: str
    kind: Kind = "other"
    higher_is_better: bool = False
    minimum: float | None = None
    maximum: float | None = None
    reliable_change: float | None = None
    reliable_change_inclusive: bool = True
    clinical_cutoff: float | None = None
    clinical_if: str | None = None
    low_cutoff: float | None = None
    noise_sd: float | None = None
    noise_source: str = ""
    rater: str = "client"
    counterpart: str | None = None
    bands: tuple[tuple[float, str], ...] = ()
    critical_items: tuple[tuple[str, str, float], ...] = ()
    source: str = ""

    @property
    def clinical_op(self) -> str | None:
        """Return the clinical-range operator (``ge``/``gt``/``le``/``lt``), None without cut-off."""
        if self.clinical_cutoff is None:
            return None
        return self.clinical_if or ("le" if self.higher_is_better else "ge")

    @property
    def range(self) -> float | None:
        """Return maximum - minimum, or None when either is unknown."""
        if self.minimum is None or self.maximum is None:
            return None
        return float(self.maximum) - float(self.minimum)

    @property
    def sign(self) -> float:
        """Return +1 when higher is better, -1 when higher is worse (to orient scores)."""
        return 1.0 if self.higher_is_better else -1.0


def standard_error_of_measurement(sd: float, reliability: float) -> float:
    """Return SEM = SD * sqrt(1 - r_xx) (classical test theory; reference B1)."""
    if sd <= 0 or not 0 <= reliability < 1:
        raise ValueError("need sd > 0 and 0 <= reliability < 1")
    return sd * math.sqrt(1.0 - reliability)


def reliable_change_threshold(sd: float, reliability: float, z: float = 1.96) -> float:
    """Return the smallest reliable change ``z * SD * sqrt(2) * sqrt(1 - r_xx)``.

    Jacobson & Truax (1991) with the sqrt(2) of Christensen & Mendoza (1986); reference
    section B1. ``sd`` is the pre-treatment (clinical) SD, ``reliability`` alpha or
    test-retest.
    """
    if sd <= 0 or not 0 <= reliability < 1:
        raise ValueError("need sd > 0 and 0 <= reliability < 1")
    return z * sd * math.sqrt(2.0) * math.sqrt(1.0 - reliability)


_REF = "shared/reference/instruments-and-methods.md"

# WAI-SR: Hatcher & Gillaspy (2006) report internal consistency of about .91 for the total
# (not confirmed from the paper in the project's reference; keep it configurable); the
# between-client SD of 7 is the worked example of rupture-rules.md.
WAI_SR_ALPHA = 0.91
WAI_SR_SD = 7.0
WAI_SR_LOW = 36.0
# Alliance Check (our own, unvalidated): conservative defaults, larger than the noise seen in
# simulated and demo practices (0.6), so a practice without data gets fewer, not more, alerts.
ALLIANCE_CHECK_NOISE = 0.8
ALLIANCE_CHECK_LOW = 5.0
SAI_NOISE = 0.4

DEFAULT_SCALES: dict[str, ScaleParams] = {
    "phq9": ScaleParams(
        "phq9",
        kind="outcome",
        higher_is_better=False,
        minimum=0,
        maximum=27,
        reliable_change=6,
        clinical_cutoff=10,
        bands=(
            (0, "minimal"),
            (5, "mild"),
            (10, "moderate"),
            (15, "moderately severe"),
            (20, "severe"),
        ),
        critical_items=(("9", "ge", 1.0),),
        source=f"{_REF} A1: bands [2], IAPT reliable improvement 6 and recovery below 10 [5], item 9 [2]",
    ),
    "gad7": ScaleParams(
        "gad7",
        kind="outcome",
        higher_is_better=False,
        minimum=0,
        maximum=21,
        reliable_change=4,
        clinical_cutoff=8,
        bands=((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")),
        source=f"{_REF} A1: cut-points 5/10/15 [6][7], IAPT reliable improvement 4 and recovery below 8 [5]",
    ),
    "who5": ScaleParams(
        "who5",
        kind="outcome",
        higher_is_better=True,
        minimum=0,
        maximum=100,
        reliable_change=10,
        clinical_cutoff=50,
        clinical_if="le",
        source=(
            f"{_REF} A1: percentage score 0-100, screen <= 50 [14][16], 10-point change "
            "meaningful [13] (used as the change threshold; not a Jacobson-Truax RC)"
        ),
    ),
    "k10": ScaleParams(
        "k10",
        kind="outcome",
        higher_is_better=False,
        minimum=10,
        maximum=50,
        bands=((10, "low"), (16, "moderate"), (22, "high"), (30, "very high")),
        source=f"{_REF} A1: ABS bands, a convention [33]; no reliable-change figure or threshold given",
    ),
    "flourishing": ScaleParams(
        "flourishing",
        kind="outcome",
        higher_is_better=True,
        minimum=8,
        maximum=56,
        bands=((8, "bottom 10%"), (37, "bottom third"), (44, "upper two thirds")),
        source=f"{_REF} A1: norms <= 36 bottom 10%, <= 43 bottom 33% [20]; no threshold that marks a problem",
    ),
    "alliance-check": ScaleParams(
        "alliance-check",
        kind="alliance",
        higher_is_better=True,
        minimum=0,
        maximum=10,
        low_cutoff=ALLIANCE_CHECK_LOW,
        noise_sd=ALLIANCE_CHECK_NOISE,
        reliable_change=round(1.96 * math.sqrt(2.0) * ALLIANCE_CHECK_NOISE, 2),
        noise_source=(
            "conservative default (Alliance Check is not validated): noise SD 0.8 points, "
            "reliable change 1.96 * sqrt(2) * 0.8 = 2.2, low cut-off 5 (below the middle "
            "of 0-10); replaced by the practice's own noise estimate once it has enough data"
        ),
        source=(
            "Alliance's own post-session check: mean of goal, task, bond, overall on 0-10; not "
            "validated, so the thresholds are conservative defaults (docs/signals.md)"
        ),
    ),
    "alliance-check-practitioner": ScaleParams(
        "alliance-check-practitioner",
        kind="alliance",
        higher_is_better=True,
        minimum=0,
        maximum=10,
        rater="practitioner",
        counterpart="alliance-check",
        source="practitioner form of the alliance check (same scale)",
    ),
    "wai-sr": ScaleParams(
        "wai-sr",
        kind="alliance",
        higher_is_better=True,
        minimum=12,
        maximum=60,
        low_cutoff=WAI_SR_LOW,
        noise_sd=round(standard_error_of_measurement(WAI_SR_SD, WAI_SR_ALPHA), 2),
        reliable_change=round(reliable_change_threshold(WAI_SR_SD, WAI_SR_ALPHA), 2),
        noise_source=(
            f"published reliability: alpha {WAI_SR_ALPHA} and total SD {WAI_SR_SD} "
            "(Hatcher & Gillaspy 2006; rupture-rules.md worked example) give SEM 2.1 and "
            "reliable change 1.96 * SEM * sqrt(2) = 5.8; low cut-off 36 = mean item answer "
            "below 3 of 5 (no official cut-off exists, reference A2)"
        ),
        source=f"{_REF} A2: sum 12-60, subscales 4-20; no official cut-offs [46][47]",
    ),
    "sai": ScaleParams(
        "sai",
        kind="alliance",
        higher_is_better=True,
        minimum=0,
        maximum=5,
        noise_sd=SAI_NOISE,
        noise_source=(
            "conservative default: noise SD 0.4 on the 0-5 mean (10% of the range, as for "
            "the Alliance Check; no reliability figure confirmed, reference A2)"
        ),
        source=f"{_REF} A2: mean of 6 items on 0-5 (response scale unconfirmed) [49]",
    ),
}


# --------------------------------------------------------------------------- library adapter

_KIND: dict[str, Kind] = {
    "alliance": "alliance",
    "outcome": "outcome",
    "wellbeing": "outcome",
    "well-being": "outcome",
}


def params_from_instrument(inst: Any, default: ScaleParams | None = None) -> ScaleParams:
    """Build :class:`ScaleParams` from an ``alliance.instruments.Instrument``.

    Reads ``construct`` (alliance; outcome and wellbeing count as outcome), ``respondent``,
    ``direction``, the scoring range, the clinical cut-off with its operator, the reliable-
    change threshold (fixed, or 1.96 * S_diff from SD and reliability), bands and critical
    items. The library has no low cut-off for alliance instruments, so ``low_cutoff`` comes
    from ``default`` (None for the shipped ones: the early warning then uses the practice's
    percentile).
    """
    base = default or DEFAULT_SCALES.get(inst.id) or ScaleParams(inst.id)
    lo, hi = inst.range
    cutoff = getattr(inst, "clinical_cutoff", None)
    rc = inst.reliable_change_threshold() if hasattr(inst, "reliable_change_threshold") else None
    rc_inclusive = getattr(getattr(inst, "reliable_change", None), "inclusive", True)
    respondent = getattr(inst, "respondent", "client") or "client"
    counterpart = base.counterpart
    if respondent == "practitioner" and counterpart is None and inst.id.endswith("-practitioner"):
        counterpart = inst.id.removesuffix("-practitioner")
    triggers = tuple(
        (str(t.item), str(t.op), float(t.value)) for t in getattr(inst, "critical_items", ()) or ()
    )
    bands = tuple((float(b.min), str(b.id)) for b in getattr(inst, "bands", ()) or ())
    return replace(
        base,
        kind=_KIND.get(str(getattr(inst, "construct", "")).lower(), base.kind),
        higher_is_better=bool(inst.higher_is_better),
        minimum=float(lo),
        maximum=float(hi),
        reliable_change=float(rc) if rc is not None else base.reliable_change,
        reliable_change_inclusive=bool(rc_inclusive),
        clinical_cutoff=float(cutoff.value) if cutoff is not None else None,
        clinical_if=str(cutoff.clinical_if) if cutoff is not None else None,
        rater="practitioner" if respondent == "practitioner" else "client",
        counterpart=counterpart,
        bands=bands or base.bands,
        critical_items=triggers,
        source=f"alliance.instruments definition {inst.id} v{getattr(inst, 'version', '?')}",
    )


def params_from_library(instrument: str, default: ScaleParams | None = None) -> ScaleParams | None:
    """Return :class:`ScaleParams` from the instrument library, or None when it lacks the id."""
    try:
        inst = load_instrument(instrument)
    except Exception:  # noqa: BLE001 - unknown id or an invalid clinic file: fall back
        return None
    try:
        return params_from_instrument(inst, default)
    except (AttributeError, TypeError, ValueError):
        return None


def scale_params(
    instruments: Iterable[str] | None = None,
    overrides: Mapping[str, ScaleParams] | None = None,
) -> dict[str, ScaleParams]:
    """Return parameters for ``instruments`` (default: every known id).

    Order of precedence: ``overrides``, the instrument library, :data:`DEFAULT_SCALES`, and
    finally a bare ``ScaleParams(instrument)`` (kind ``"other"``: trajectories only).
    """
    ids = list(instruments) if instruments is not None else list(DEFAULT_SCALES)
    out: dict[str, ScaleParams] = {}
    for instrument in ids:
        if overrides and instrument in overrides:
            out[instrument] = overrides[instrument]
            continue
        lib = _cached_library_params(instrument)
        out[instrument] = lib or DEFAULT_SCALES.get(instrument) or ScaleParams(instrument)
    return out


@functools.lru_cache(maxsize=256)
def _cached_library_params(instrument: str) -> ScaleParams | None:
    return params_from_library(instrument)


def clear_cache() -> None:
    """Forget parameters read from the instrument library (after it changed)."""
    _cached_library_params.cache_clear()
