"""Practice settings for the monitoring rules: one frozen dataclass, every threshold in it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

SdSource = Literal["own", "pooled", "stricter"]
Baseline = Literal["mean", "previous"]


@dataclass(frozen=True)
class MonitoringSettings:
    """Thresholds of every monitoring rule; the defaults are the practice defaults.

    Each default names its source (see ``shared/reference/rupture-rules.md``). Points the
    reference marks as unconfirmed are defaults only, so a practice can change them.

    Ruptures (score based): alert rules
    -----------------------------------
    Only ``dip`` and ``gradual_decline`` (plus the client's own report and confirmed
    transcript moments) raise rupture alerts. Their thresholds are set in units of the
    within-client noise SD so that the per-client false-alarm rate over an episode meets
    the operating targets of rupture-rules.md ("Operating characteristics"): measured by
    ``python -m alliance.monitoring.calibration``, see docs/signals.md.

    alert_z : a ``dip`` fires when A_t <= base_t - alert_z * noise * sqrt(1 + 1/n), base_t
        the mean of the n earlier sessions and noise the within-client noise SD (practice
        estimate, else the instrument's SEM or conservative default). sqrt(1 + 1/n) is the
        SD of A_t - base_t under pure noise, so alert_z is a z-score; 2.4 (about 0.8% per
        session) keeps the per-client false-alarm rate near 4-4.5% over 12 sessions while
        a 4-SD dip is found at its session in about 80-82% of clients (simulation, docs/
        signals.md): the two targets of issue 12 leave little room between them. Controlling the rate over the run rather than per session follows the
        sequential-testing view (Page 1954; Adams & MacKay 2007) in rupture-rules.md.
    decline_z : ``gradual_decline`` fires when the mean of the last ``decline_sessions``
        scores is at least decline_z * noise * sqrt(1/m + 1/n) below the mean of the n
        sessions before them (Gumz et al. 2012: multi-session declines).
    decline_sessions : m, the sessions averaged by the decline rule.
    repair_tolerance_sd : a return to within this many noise SDs of the pre-rupture level
        counts as repair for the alert rules (a return "to the earlier level" measured
        with error; Larsson et al. 2018 define repair as a return to that level).

    Ruptures (score based): research labels
    ---------------------------------------
    These never raise an alert on their own; they are counted in research outputs and
    shown as evidence on an alert that begins at the same session.

    k_lenient : SD multiple of the lenient literature label. 1 SD follows Strauss et al.
        (2006), the less strict criterion "most similar" to Stiles'. (It was the alert
        default until issue 12: as an alert it flagged 85-98% of stable clients.)
    k_research : SD multiple of the strict label. 2 SD follows Stiles et al. (2004); Gumz
        et al. (2012) recommend reporting both.
    sd_source : ``"own"`` (the client's SD of earlier sessions), ``"pooled"`` (the practice's
        pooled within-client SD) or ``"stricter"`` (the larger of the two: Gumz et al. 2012).
    sd_baseline : ``"mean"`` compares A_t with the mean of the client's earlier sessions
        (rupture-rules.md default rule set, real time); ``"previous"`` compares it with
        A_{t-1} (a drop between consecutive sessions).
    min_prior_sessions : earlier sessions needed before the statistical and gradual rules
        may fire (rupture-rules.md: 3).
    use_reliable_change_drop : run the sharp-drop rule A_t - A_{t-1} <= -RC, with RC the
        instrument's reliable-change threshold (Jacobson & Truax; OpenFIT's "dropped since
        last session" alert).
    inclusive : a value exactly at a threshold fires (``<=``, as in rupture-rules.md); set
        ``False`` for strict ``<`` ("larger than").
    gradual_window : kept for stored settings; the calibrated decline rule averages
        ``decline_sessions`` instead of searching for a peak (a peak of noisy scores is
        biased upwards and fired on noise).
    repair_window : sessions within which the alliance must return to its pre-rupture level
        (rupture-rules.md: 3; Larsson et al. 2018 define repair as a return to that level).
    repair_tolerance : points below the pre-rupture level still counted as a return.
    rupture_raters : raters whose alliance scores feed score-based rupture rules.

    Self-reported ruptures (Alliance Check)
    ---------------------------------------
    tension_subscale, bother_subscale, resolved_subscale : subscale names of the rupture
        questions in the tidy table (tension yes/no as 1/0; bother and resolved 1-5).
    resolved_threshold : a rupture counts as resolved by the client when "how far resolved"
        is at least this (rupture-rules.md: open while resolution <= 2 of 5).
    """

    # ruptures: alert rules
    alert_z: float = 2.4
    decline_z: float = 3.25
    decline_sessions: int = 2
    repair_tolerance_sd: float = 1.0
    # ruptures: research labels
    k_lenient: float = 1.0
    k_research: float = 2.0
    sd_source: SdSource = "stricter"
    sd_baseline: Baseline = "mean"
    min_prior_sessions: int = 3
    sd_floor_fraction: float = 0.05
    """SD_t is never taken below this fraction of the scale range (0.5 points on 0-10). Our
    own guard, not from the literature: identical early scores (the ceiling effect noted in
    rupture-rules.md) give an own SD of 0, which would make every later dip infinitely many
    SDs; 0 turns the floor off."""
    use_reliable_change_drop: bool = True
    inclusive: bool = True
    gradual_window: int = 6
    repair_window: int = 3
    repair_tolerance: float = 0.0
    rupture_raters: tuple[str, ...] = ("client",)
    # self-reported ruptures
    check_instruments: tuple[str, ...] = ("alliance-check",)
    tension_subscale: str = "tension"
    bother_subscale: str = "bother"
    resolved_subscale: str = "resolved"
    resolved_threshold: float = 3.0
    # low and early alliance
    low_alliance_inclusive: bool = False
    """``False``: below the low cut-off means ``<``; ``True`` means ``<=`` (rupture-rules.md)."""
    low_cutoffs: tuple[tuple[str, float], ...] = ()
    """Practice low cut-offs per alliance instrument, e.g. ``(("alliance-check", 6.0),)``;
    the shipped instruments have no published one (reference A2)."""
    early_sessions: tuple[int, int] = (3, 5)
    """Sessions watched for a weak early alliance (design.md: sessions 3-5)."""
    early_percentile: float = 0.25
    """Practice percentile of early alliance scores below which the early warning fires."""
    min_norm_episodes: int = 20
    """Episodes needed before a practice percentile or pooled SD is used."""
    # disagreement
    disagreement_fraction: float = 0.3
    """Client and practitioner totals differ by more than this fraction of the scale range.
    0.3 (3 points on 0-10): at 0.25 with 1-point opposite moves, 46% of simulated clients
    with the usual rater gap were flagged over 12 sessions; now about 6% (docs/signals.md)."""
    opposite_min_fraction: float = 0.2
    """Both raters moved at least this fraction of the range, in opposite directions."""
    # not on track
    corridor_quantiles: tuple[float, float, float] = (0.1, 0.5, 0.9)
    """Lower bound, median and upper bound of the expected-recovery corridor."""
    min_completed_episodes: int = 50
    """Completed episodes (each with >= min_administrations) needed for an empirical fit."""
    min_administrations: int = 3
    not_on_track_min_run: int = 1
    """Off-track administrations in a row before a not-on-track signal."""
    not_on_track_z: float = 1.4
    """Mean corridor z-score over the last ``not_on_track_confirm`` administrations at or
    above which a client is off track (empirical corridor; calibrated by simulation to flag
    at most 10% of on-track clients over 12 sessions, docs/signals.md)."""
    not_on_track_confirm: int = 2
    """Administrations averaged by the empirical not-on-track rule."""
    not_on_track_worse_fraction: float = 0.15
    """The averaged administrations must also be worse than intake by this fraction of the
    instrument's reliable-change threshold (0.9 points on the PHQ-9): slow improvers stay
    on track, clients who get worse do not."""
    rational_no_improvement_session: int = 0
    """Rational rule: no reliable improvement by this session since intake (clinical intake);
    0 turns it off, the default: at 8 it flagged 55% of simulated on-track clients, since
    half of them improve more slowly than the reliable change in 8 sessions."""
    # missing checks
    missing_checks_n: int = 3
    """Sent checks unanswered in a row before a missing-checks signal."""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    """Free-form notes a practice keeps with its settings (never read by the rules)."""

    def __post_init__(self) -> None:
        problems = []
        if self.k_lenient <= 0 or self.k_research <= 0:
            problems.append("k_lenient and k_research must be positive")
        if self.alert_z <= 0 or self.decline_z <= 0:
            problems.append("alert_z and decline_z must be positive")
        if self.decline_sessions < 2:
            problems.append("decline_sessions must be at least 2")
        if self.repair_tolerance_sd < 0:
            problems.append("repair_tolerance_sd must not be negative")
        if self.sd_source not in ("own", "pooled", "stricter"):
            problems.append(f"sd_source must be own, pooled or stricter, not {self.sd_source!r}")
        if self.sd_baseline not in ("mean", "previous"):
            problems.append(f"sd_baseline must be mean or previous, not {self.sd_baseline!r}")
        if self.min_prior_sessions < 2:
            problems.append("min_prior_sessions must be at least 2 (an SD needs 2 values)")
        for name in (
            "gradual_window",
            "repair_window",
            "missing_checks_n",
            "min_administrations",
            "not_on_track_min_run",
            "not_on_track_confirm",
        ):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1")
        lo, mid, hi = self.corridor_quantiles
        if not 0 < lo < mid < hi < 1:
            problems.append("corridor_quantiles must be increasing and inside (0, 1)")
        if not 0 < self.early_percentile < 1:
            problems.append("early_percentile must be inside (0, 1)")
        a, b = self.early_sessions
        if a < 1 or b < a:
            problems.append("early_sessions must be (first, last) with 1 <= first <= last")
        if problems:
            raise ValueError("invalid MonitoringSettings: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as plain JSON-ready data."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MonitoringSettings:
        """Build settings from :meth:`to_dict` output, refusing unknown keys."""
        names = {f.name for f in dataclasses.fields(cls)}
        data = dict(data)
        if "k_alert" in data and "k_lenient" not in data:
            # Settings stored before issue 12 named the 1-SD label k_alert.
            data["k_lenient"] = data.pop("k_alert")
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown monitoring settings: {', '.join(unknown)}")
        clean: dict[str, Any] = {
            k: tuple(tuple(x) if isinstance(x, list) else x for x in v)
            if isinstance(v, list)
            else v
            for k, v in data.items()
        }
        return cls(**clean)


DEFAULT_SETTINGS = MonitoringSettings()
