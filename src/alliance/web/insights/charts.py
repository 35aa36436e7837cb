"""Server-rendered SVG charts: no JavaScript, no chart library, readable in print.

Each chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>``; colours and line
styles come from ``static/alliance/insights.css`` through class names, and every series
also differs by marker shape or dash pattern so the chart does not rely on colour alone.
The text alternative (a data table) is rendered by the templates beside each chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Series:
    """One line: points (x = session number, y = score); ``css`` picks colour and dashes."""

    label: str
    points: Sequence[tuple[float, float]]
    css: str = "s-client"
    marker: str = "circle"  # circle | square | diamond | none


@dataclass(frozen=True)
class Band:
    """A horizontal band of the scale (e.g. PHQ-9 "moderate" 10-14)."""

    low: float
    high: float
    label: str
    css: str = "band-0"


@dataclass(frozen=True)
class Span:
    """A stretch of sessions, e.g. a phase of the episode."""

    start: float
    end: float
    label: str
    css: str = ""
    short: str = ""


@dataclass(frozen=True)
class Marker:
    """A vertical mark at a session: a rupture's beginning, its repair, the alert's session."""

    x: float
    label: str
    kind: str = "rupture"  # rupture | repair | focus


@dataclass(frozen=True)
class HLine:
    y: float
    label: str
    css: str = "h-cutoff"


@dataclass
class Chart:
    """Everything one chart shows."""

    title: str
    x_label: str
    y_label: str
    y_min: float
    y_max: float
    x_max: float
    series: list[Series] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    hlines: list[HLine] = field(default_factory=list)
    corridor: list[tuple[float, float, float]] = field(default_factory=list)
    corridor_label: str = ""
    description: str = ""


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = high - low
    if span <= 0:
        return [low]
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    out, v = [], first
    while v <= high + 1e-9:
        out.append(round(v, 6))
        v += step
    return out


def render(
    chart: Chart, *, chart_id: str, width: int = 640, height: int = 260, compact=False
) -> SafeString:
    """Return the chart as inline SVG markup."""
    left, right, top, bottom = (34, 8, 8, 22) if compact else (48, 14, 26, 44)
    pw, ph = width - left - right, height - top - bottom
    x_min, x_max = 0.5, max(chart.x_max, 1) + 0.5
    y_min, y_max = chart.y_min, chart.y_max if chart.y_max > chart.y_min else chart.y_min + 1

    def sx(x: float) -> float:
        return left + (x - x_min) / (x_max - x_min) * pw

    def sy(y: float) -> float:
        y = min(max(y, y_min), y_max)
        return top + (1 - (y - y_min) / (y_max - y_min)) * ph

    out = [
        f'<svg class="chart{" compact" if compact else ""}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-t">{escape(chart.title)}</title>',
        f'<desc id="{chart_id}-d">{escape(chart.description or chart.title)}</desc>',
        f'<rect class="plot" x="{left}" y="{top}" width="{pw}" height="{ph}"/>',
    ]
    for band in chart.bands:
        y0, y1 = sy(band.high), sy(band.low)
        out.append(
            f'<rect class="band {band.css}" x="{left}" y="{y0:.1f}" width="{pw}" height="{max(y1 - y0, 0):.1f}"/>'
        )
        if not compact and y1 - y0 >= 10:
            out.append(
                f'<text class="band-label" x="{left + pw - 4}" y="{y0 + 11:.1f}" text-anchor="end">{escape(band.label)}</text>'
            )
    for span in chart.spans:
        x0, x1 = sx(span.start - 0.5), sx(span.end + 0.5)
        out.append(
            f'<rect class="span {span.css}" x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 0):.1f}" height="{ph}"/>'
        )
        # The full label where it fits, else the short one (the data table names every phase).
        fits = [t for t in (span.label, span.short) if t and len(t) * 6.5 <= x1 - x0 - 4]
        if not compact and fits:
            out.append(
                f'<text class="span-label" x="{x0 + 3:.1f}" y="{top - 8}">{escape(fits[0])}</text>'
            )
    if chart.corridor:
        upper = " ".join(f"{sx(x):.1f},{sy(hi):.1f}" for x, _lo, hi in chart.corridor)
        lower = " ".join(f"{sx(x):.1f},{sy(lo):.1f}" for x, lo, _hi in reversed(chart.corridor))
        out.append(
            f'<polygon class="corridor" points="{upper} {lower}"><title>{escape(chart.corridor_label)}</title></polygon>'
        )
    # Axes and grid.
    for tick in _ticks(y_min, y_max, 3 if compact else 5):
        y = sy(tick)
        out.append(f'<line class="grid" x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(
            f'<text class="tick" x="{left - 5}" y="{y + 4:.1f}" text-anchor="end">{_n(tick)}</text>'
        )
    step = max(1, math.ceil(chart.x_max / (8 if compact else 16)))
    for x in range(1, int(chart.x_max) + 1, step):
        out.append(
            f'<text class="tick" x="{sx(x):.1f}" y="{top + ph + 14}" text-anchor="middle">{x}</text>'
        )
    out.append(f'<line class="axis" x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}"/>')
    out.append(f'<line class="axis" x1="{left}" x2="{left}" y1="{top}" y2="{top + ph}"/>')
    if not compact:
        out.append(
            f'<text class="axis-label" x="{left + pw / 2:.1f}" y="{height - 6}" text-anchor="middle">{escape(chart.x_label)}</text>'
        )
        out.append(
            f'<text class="axis-label" transform="translate(12 {top + ph / 2:.1f}) rotate(-90)" text-anchor="middle">{escape(chart.y_label)}</text>'
        )
    for line in chart.hlines:
        y = sy(line.y)
        out.append(
            f'<line class="hline {line.css}" x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}"><title>{escape(line.label)}</title></line>'
        )
    for mark in chart.markers:
        x = sx(mark.x)
        out.append(
            f'<line class="mark mark-{mark.kind}" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + ph}"/>'
        )
        if mark.kind == "rupture":
            shape = f"M{x - 6:.1f},{top + 1} L{x + 6:.1f},{top + 1} L{x:.1f},{top + 11}Z"
        elif mark.kind == "repair":
            shape = (
                f"M{x:.1f},{top + ph - 12} L{x + 6:.1f},{top + ph - 1} L{x - 6:.1f},{top + ph - 1}Z"
            )
        else:
            shape = ""
        if shape:
            out.append(
                f'<path class="mark-shape mark-{mark.kind}" d="{shape}"><title>{escape(mark.label)}</title></path>'
            )
    for s in chart.series:
        pts = [(sx(x), sy(y)) for x, y in s.points]
        if len(pts) > 1:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            out.append(f'<polyline class="series {s.css}" points="{coords}"/>')
        r = 2.5 if compact else 3.5
        for (x, y), (vx, vy) in zip(pts, s.points, strict=True):
            tip = f"<title>{escape(s.label)}, session {_n(vx)}: {_n(vy)}</title>"
            if s.marker == "square":
                out.append(
                    f'<rect class="pt {s.css}" x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}">{tip}</rect>'
                )
            elif s.marker == "diamond":
                out.append(
                    f'<path class="pt {s.css}" d="M{x:.1f},{y - r - 1:.1f} L{x + r + 1:.1f},{y:.1f} L{x:.1f},{y + r + 1:.1f} L{x - r - 1:.1f},{y:.1f}Z">{tip}</path>'
                )
            elif s.marker == "circle":
                out.append(
                    f'<circle class="pt {s.css}" cx="{x:.1f}" cy="{y:.1f}" r="{r}">{tip}</circle>'
                )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped


def sparkline(
    values: Sequence[float], *, y_min: float, y_max: float, label: str, width=96, height=24
) -> SafeString:
    """Return a tiny line of ``values`` (oldest first) with the last point marked."""
    if not values:
        return mark_safe("")
    n = len(values)
    span = (y_max - y_min) or 1

    def sx(i: int) -> float:
        return 3 + (i / max(n - 1, 1)) * (width - 6)

    def sy(v: float) -> float:
        return 3 + (1 - (min(max(v, y_min), y_max) - y_min) / span) * (height - 6)

    pts = " ".join(f"{sx(i):.1f},{sy(v):.1f}" for i, v in enumerate(values))
    last_x, last_y = sx(n - 1), sy(values[-1])
    return mark_safe(  # noqa: S308 - the label is escaped
        f'<svg class="sparkline" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(label)}"><polyline points="{pts}"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5"/></svg>'
    )
