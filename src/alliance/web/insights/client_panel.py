"""What the client page shows of alliance monitoring: one set of charts per episode.

Per episode: the alliance (client total, goal, task, bond) beside the practitioner's own
rating; each outcome measure with its bands and the expected-recovery corridor (and which
method drew it); phases shaded; ruptures and repairs marked; each chart with a data table
as its text alternative. Queries: the alerts, the practice's settings and its fitted
models (three, whatever the number of episodes and sessions).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from alliance.instruments import UnknownInstrumentError, load_instrument
from alliance.monitoring import DEFAULT_SETTINGS, RecoveryModel, scale_params
from alliance.monitoring import MonitoringSettings as EngineSettings
from alliance.web.accounts.models import User
from alliance.web.charts import (
    Band,
    Chart,
    HLine,
    Marker,
    Series,
    Span,
    legend,
    render,
)
from alliance.web.insights.access import alerts_for_user
from alliance.web.insights.models import (
    AlertState,
    AlertType,
    PracticeMonitoringSettings,
    StoredRecoveryModel,
)
from alliance.web.practice.models import Phase
from alliance.web.practice.vocabulary import DEFAULT_KIND, words

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ALLIANCE_SUBSCALES = (
    ("goal", "s-goal", "none"),
    ("task", "s-task", "none"),
    ("bond", "s-bond", "none"),
)
PHASE_LABELS = {p.value: p.label for p in Phase}


@dataclass
class ChartBlock:
    """A rendered chart with its text alternative and notes."""

    id: str
    title: str
    svg: str
    legend: list[tuple[str, str]]
    columns: list[str]
    rows: list[list[StrOrPromise]]  # phase names are lazy translations
    notes: list[str] = field(default_factory=list)
    svg_narrow: str = ""


def _rendered(chart: Chart, chart_id: str) -> dict:
    """The desktop and the phone rendering of ``chart`` and its legend."""
    return {
        "svg": render(chart, chart_id=chart_id),
        "svg_narrow": render(chart, chart_id=f"{chart_id}-n", narrow=True),
        "legend": legend(
            chart, marker_labels={"rupture": _("rupture began"), "repair": _("repaired")}
        ),
    }


@dataclass
class EpisodeInsights:
    episode: object
    charts: list[ChartBlock]
    open_alerts: list
    rupture_counts: dict[str, int]


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _instrument_name(instrument_id: str) -> str:
    try:
        return load_instrument(instrument_id).short_name
    except UnknownInstrumentError:
        return instrument_id


def phase_spans(phases: dict[int, str]) -> list[Span]:
    """Return contiguous stretches of sessions in the same phase."""
    spans: list[Span] = []
    for number in sorted(phases):
        phase = phases[number]
        if spans and spans[-1].css == f"phase-bg-{phase}":
            last = spans[-1]
            spans[-1] = Span(last.start, number, last.label, last.css)
        else:
            spans.append(
                Span(number, number, str(PHASE_LABELS.get(phase, phase)), f"phase-bg-{phase}")
            )
    return spans


def rupture_markers(alerts) -> list[Marker]:
    """Return a mark where each rupture began and, when repaired, where it was repaired."""
    marks = []
    for alert in alerts:
        if alert.type != AlertType.RUPTURE or alert.session_number is None:
            continue
        marks.append(
            Marker(
                alert.session_number,
                _("Rupture began at session %(n)s") % {"n": alert.session_number},
                "rupture",
            )
        )
        repaired_at = (alert.evidence or {}).get("repair_session")
        if alert.signal_state == "repaired" and repaired_at:
            marks.append(
                Marker(repaired_at, _("Repaired by session %(n)s") % {"n": repaired_at}, "repair")
            )
    return marks


def alliance_chart(
    chart_id: str,
    data: dict[tuple[str, str], list[tuple[int, float, dict]]],
    instrument: str,
    counterpart: str | None,
    phases: dict[int, str],
    markers: list[Marker],
    x_max: int,
) -> ChartBlock:
    """Return the alliance chart: client total and subscales beside the practitioner's rating."""
    p = scale_params([instrument])[instrument]
    name = _instrument_name(instrument)
    client = data.get((instrument, "client"), [])
    mine = list(data.get((counterpart, "practitioner"), [])) if counterpart else []
    mine += list(data.get((instrument, "practitioner"), []))
    mine.sort(key=lambda v: v[0])
    series = [Series(_("Client: overall"), [(n, t) for n, t, _s in client], "s-client", "circle")]
    sub_values: dict[str, dict[int, float]] = {}
    for sub, css, marker in ALLIANCE_SUBSCALES:
        points = [(n, float(s[sub])) for n, _t, s in client if s.get(sub) is not None]
        if points:
            series.append(Series(_("Client: %(part)s") % {"part": _(sub)}, points, css, marker))
            sub_values[sub] = dict(points)
    if mine:
        series.append(
            Series(
                _("Practitioner rating"), [(n, t) for n, t, _s in mine], "s-practitioner", "square"
            )
        )
    hlines = []
    if p.low_cutoff is not None:
        hlines.append(HLine(p.low_cutoff, _("Low cut-off %(v)s") % {"v": _fmt(p.low_cutoff)}))
    title = _("Alliance over sessions: %(name)s") % {"name": name}
    chart = Chart(
        title=title,
        x_label=_("Session"),
        y_label=_("Alliance (0–10)"),
        y_min=p.minimum if p.minimum is not None else 0,
        y_max=p.maximum if p.maximum is not None else 10,
        x_max=x_max,
        series=series,
        spans=phase_spans(phases),
        markers=markers,
        hlines=hlines,
        description=_(
            "The client's alliance rating after each session, with goal, task and bond, beside "
            "your own rating. Triangles at the top mark where a rupture began, at the bottom where "
            "it was repaired. The data table below gives every value."
        ),
    )
    client_by = {n: t for n, t, _s in client}
    mine_by = {n: t for n, t, _s in mine}
    rupture_at = {int(m.x): m.label for m in markers}
    numbers = sorted(set(client_by) | set(mine_by) | set(phases))
    rows = [
        [
            str(n),
            PHASE_LABELS.get(phases.get(n, ""), ""),
            _fmt(client_by.get(n)),
            *(_fmt(sub_values.get(sub, {}).get(n)) for sub, _c, _m in ALLIANCE_SUBSCALES),
            _fmt(mine_by.get(n)),
            rupture_at.get(n, ""),
        ]
        for n in numbers
    ]
    return ChartBlock(
        id=chart_id,
        title=title,
        **_rendered(chart, chart_id),
        columns=[
            _("Session"),
            _("Phase"),
            _("Client overall"),
            _("Goal"),
            _("Task"),
            _("Bond"),
            _("Practitioner rating"),
            _("Rupture / repair"),
        ],
        rows=rows,
    )


def outcome_chart(
    chart_id: str,
    instrument: str,
    points: list[tuple[int, float, dict]],
    phases: dict[int, str],
    model: RecoveryModel | None,
    settings: EngineSettings,
    x_max: int,
    terms: dict[str, str] | None = None,
) -> ChartBlock:
    """Return an outcome chart with its bands and the expected-recovery corridor.

    ``terms`` are the words of the episode's kind of practice (see ``practice.vocabulary``).
    """
    terms = terms or words(DEFAULT_KIND)
    p = scale_params([instrument])[instrument]
    name = _instrument_name(instrument)
    y_min = p.minimum if p.minimum is not None else min(t for _n, t, _s in points)
    y_max = p.maximum if p.maximum is not None else max(t for _n, t, _s in points)
    bands = []
    for i, (low, label) in enumerate(p.bands):
        high = p.bands[i + 1][0] if i + 1 < len(p.bands) else y_max
        bands.append(Band(low, high, label.replace("_", " "), f"band-{i % 5}"))
    intake_n, intake = points[0][0], points[0][1]
    corridor: list[tuple[float, float, float]] = []
    hlines: list[HLine] = []
    notes = []
    lo_q, _mid, hi_q = settings.corridor_quantiles
    if model is not None:
        for n in range(intake_n, x_max + 1):
            t = n - intake_n + 1
            corridor.append(
                (
                    n,
                    float(model.predict(intake, t, min(model.quantiles))),
                    float(model.predict(intake, t, max(model.quantiles))),
                )
            )
        method = _(
            "Expected-recovery corridor (empirical): the %(lo)s–%(hi)s quantiles of clients of this "
            "practice with a similar intake score, by log-linear quantile regression fitted on "
            "%(n)s completed episodes on %(date)s."
        ) % {
            "lo": f"{min(model.quantiles):.0%}",
            "hi": f"{max(model.quantiles):.0%}",
            "n": model.n_episodes,
            "date": model.fitted_at[:10],
        }
    elif p.reliable_change is not None:
        worse = intake + p.reliable_change * (-1 if p.higher_is_better else 1)
        better = intake - p.reliable_change * (-1 if p.higher_is_better else 1)
        hlines += [
            HLine(worse, _("Reliable deterioration from intake"), "h-worse"),
            HLine(better, _("Reliable improvement from intake"), "h-better"),
        ]
        method = _(
            "Rational rule (the practice has fewer than %(min)s completed episodes for a fitted "
            "corridor): not on track after a reliable deterioration from intake (±%(rc)s points)."
        ) % {"min": settings.min_completed_episodes, "rc": _fmt(p.reliable_change)}
        if settings.rational_no_improvement_session:
            method += " " + _(
                "Also without reliable improvement by session %(s)s after %(intake)s."
            ) % {"s": settings.rational_no_improvement_session, "intake": terms["intake_score"]}
    else:
        method = _("No expected-recovery rule for this instrument (no reliable-change threshold).")
    notes.append(method)
    if p.clinical_cutoff is not None:
        hlines.append(
            HLine(
                p.clinical_cutoff,
                _("%(term)s %(v)s")
                % {"term": terms["cutoff"].capitalize(), "v": _fmt(p.clinical_cutoff)},
            )
        )
    title = _("%(name)s over sessions") % {"name": name}
    series = [Series(name, [(n, t) for n, t, _s in points], "s-outcome", "diamond")]
    chart = Chart(
        title=title,
        x_label=_("Session"),
        y_label=_("%(name)s score (%(dir)s)")
        % {
            "name": name,
            "dir": _("higher is better") if p.higher_is_better else _("lower is better"),
        },
        y_min=y_min,
        y_max=y_max,
        x_max=x_max,
        series=series,
        bands=bands,
        spans=phase_spans(phases),
        hlines=hlines,
        corridor=corridor,
        corridor_label=_("Expected-recovery corridor"),
        description=title + ". " + method,
    )
    corridor_by = {int(x): (lo, hi) for x, lo, hi in corridor}
    rows = []
    for n, total, _s in points:
        band = ""
        for b in bands:
            if b.low <= total <= b.high:
                band = b.label
        lo, hi = corridor_by.get(n, (None, None))
        rows.append(
            [str(n), PHASE_LABELS.get(phases.get(n, ""), ""), _fmt(total), band, _fmt(lo), _fmt(hi)]
        )
    return ChartBlock(
        id=chart_id,
        title=title,
        **_rendered(chart, chart_id),
        columns=[
            _("Session"),
            _("Phase"),
            _("Score"),
            _("Band"),
            _("Corridor low"),
            _("Corridor high"),
        ],
        rows=rows,
        notes=notes,
    )


def episode_charts(episode, data, phases, alerts, models, settings) -> list[ChartBlock]:
    """Return the charts of one episode from its session data (no queries)."""
    numbers = set(phases)
    for values in data.values():
        numbers.update(n for n, _t, _s in values)
    if not numbers:
        return []
    x_max = max(numbers)
    instruments = sorted({i for i, _r in data})
    params = scale_params(instruments)
    blocks = []
    markers = rupture_markers(alerts)
    counterparts = {p.counterpart: k for k, p in params.items() if p.counterpart}
    prefix = f"ch-{episode.public_id.hex[:8]}"
    for instrument in instruments:
        p = params[instrument]
        if p.kind != "alliance" or p.rater != "client" or not data.get((instrument, "client")):
            continue
        blocks.append(
            alliance_chart(
                f"{prefix}-{instrument}",
                data,
                instrument,
                counterparts.get(instrument),
                phases,
                markers,
                x_max,
            )
        )
    for instrument in instruments:
        p = params[instrument]
        points = data.get((instrument, "client"), [])
        if p.kind != "outcome" or not points:
            continue
        blocks.append(
            outcome_chart(
                f"{prefix}-{instrument}",
                instrument,
                points,
                phases,
                models.get(instrument),
                settings,
                x_max,
                words(episode),
            )
        )
    return blocks


def client_insights(user: User, client, episodes) -> dict:
    """Return extra template context for the client page (charts per episode, open alerts).

    ``episodes`` come from the client page with their sessions prefetched and each session's
    ``scored_rows`` attached, so no response is queried again here.
    """
    if not episodes:
        return {"insights": []}
    alerts_by_episode = defaultdict(list)
    for alert in (
        alerts_for_user(user)
        .filter(episode__in=[e.pk for e in episodes])
        .order_by("session_number", "id")
    ):
        alerts_by_episode[alert.episode_id].append(alert)
    row = PracticeMonitoringSettings.objects.filter(organisation_id=client.organisation_id).first()
    settings = row.engine_settings() if row else DEFAULT_SETTINGS
    models = {
        m.instrument_id: m.model()
        for m in StoredRecoveryModel.objects.filter(organisation_id=client.organisation_id)
    }
    out = []
    for episode in episodes:
        data: dict[tuple[str, str], list[tuple[int, float, dict]]] = defaultdict(list)
        phases: dict[int, str] = {}
        for session in episode.sessions.all():
            phases[session.number] = session.phase
            for scored in getattr(session, "scored_rows", []):
                r = scored.response
                if r.total is not None:
                    data[(r.instrument_id, r.rater)].append(
                        (session.number, r.total, r.subscales or {})
                    )
        alerts = alerts_by_episode.get(episode.pk, [])
        ruptures = [a for a in alerts if a.type == AlertType.RUPTURE]
        out.append(
            EpisodeInsights(
                episode=episode,
                charts=episode_charts(episode, data, phases, alerts, models, settings),
                open_alerts=[
                    a
                    for a in alerts
                    if a.effective_state() in (AlertState.OPEN, AlertState.ACKNOWLEDGED)
                ],
                rupture_counts={
                    "total": len(ruptures),
                    "repaired": sum(a.signal_state == "repaired" for a in ruptures),
                    "unrepaired": sum(a.signal_state == "unrepaired" for a in ruptures),
                    "open": sum(a.signal_state == "open" for a in ruptures),
                },
            )
        )
    return {"insights": out}
