"""Server-rendered SVG charts: no JavaScript, no chart library, readable in print.

Each chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>``; colours and line
styles come from ``static/alliance/insights.css`` through class names, and every series
also differs by marker shape or dash pattern so the chart does not rely on colour alone.
The text alternative (a data table) is rendered by the templates beside each chart.

Labels never sit on the data: band labels go in a gutter right of the plot, phase labels in
the strip above it (only where the whole label fits), and :func:`legend` lists every line,
band, phase and mark that is drawn, each with a swatch drawn by the same CSS class as the
line itself. A phone gets a narrow rendering (``narrow=True``) with fewer ticks, drawn at
its own pixel size so that its text stays at least 11 px.
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


NARROW_WIDTH = 320
CHAR_WIDTH = 6.2  # about the advance of one character of 11-12 px text


def _gutter(chart: Chart) -> int:
    """Width of the band-label gutter right of the plot (0 without bands)."""
    if not chart.bands:
        return 0
    return min(120, int(max(len(b.label) for b in chart.bands) * CHAR_WIDTH) + 10)


def render(
    chart: Chart,
    *,
    chart_id: str,
    width: int = 640,
    height: int = 260,
    compact: bool = False,
    narrow: bool = False,
) -> SafeString:
    """Return the chart as inline SVG markup.

    ``narrow`` draws the phone version: :data:`NARROW_WIDTH` wide, fewer ticks, no band or
    phase labels inside (the legend names them), and a fixed pixel size so text is not
    scaled down.
    """
    if narrow:
        width, height = NARROW_WIDTH, 230
        left, right, top, bottom = 34, 8, 10, 40
    elif compact:
        left, right, top, bottom = 34, 8, 8, 22
    else:
        left, right, top, bottom = 48, 14 + _gutter(chart), 26, 44
    pw, ph = width - left - right, height - top - bottom
    x_min, x_max = 0.5, max(chart.x_max, 1) + 0.5
    y_min, y_max = chart.y_min, chart.y_max if chart.y_max > chart.y_min else chart.y_min + 1

    def sx(x: float) -> float:
        return left + (x - x_min) / (x_max - x_min) * pw

    def sy(y: float) -> float:
        y = min(max(y, y_min), y_max)
        return top + (1 - (y - y_min) / (y_max - y_min)) * ph

    css = "chart" + (" compact" if compact else "") + (" narrow" if narrow else "")
    size = f' width="{width}" height="{height}"' if narrow else ""
    out = [
        f'<svg class="{css}" viewBox="0 0 {width} {height}"{size} '
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
        # In the gutter beside the plot, level with the band's middle; a band too thin to
        # hold a line of text is named by the legend and the data table only.
        if not (compact or narrow) and y1 - y0 >= 12:
            out.append(
                f'<text class="band-label" x="{left + pw + 6}" y="{(y0 + y1) / 2 + 4:.1f}">{escape(band.label)}</text>'
            )
    for span in chart.spans:
        x0, x1 = sx(span.start - 0.5), sx(span.end + 0.5)
        out.append(
            f'<rect class="span {span.css}" x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 0):.1f}" height="{ph}"/>'
        )
        # Above the plot, and only the whole label where it fits: the legend and the data
        # table name every phase.
        if not (compact or narrow) and len(span.label) * CHAR_WIDTH <= x1 - x0 - 4:
            out.append(
                f'<text class="span-label" x="{x0 + 3:.1f}" y="{top - 8}">{escape(span.label)}</text>'
            )
    if chart.corridor:
        upper = " ".join(f"{sx(x):.1f},{sy(hi):.1f}" for x, _lo, hi in chart.corridor)
        lower = " ".join(f"{sx(x):.1f},{sy(lo):.1f}" for x, lo, _hi in reversed(chart.corridor))
        out.append(
            f'<polygon class="corridor" points="{upper} {lower}"><title>{escape(chart.corridor_label)}</title></polygon>'
        )
    # Axes and grid.
    for tick in _ticks(y_min, y_max, 3 if compact else 4 if narrow else 5):
        y = sy(tick)
        out.append(f'<line class="grid" x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(
            f'<text class="tick" x="{left - 5}" y="{y + 4:.1f}" text-anchor="end">{_n(tick)}</text>'
        )
    step = max(1, math.ceil(chart.x_max / (8 if compact else 6 if narrow else 16)))
    for x_tick in range(1, int(chart.x_max) + 1, step):
        out.append(
            f'<text class="tick" x="{sx(x_tick):.1f}" y="{top + ph + 14}" text-anchor="middle">{x_tick}</text>'
        )
    out.append(f'<line class="axis" x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}"/>')
    out.append(f'<line class="axis" x1="{left}" x2="{left}" y1="{top}" y2="{top + ph}"/>')
    if narrow:
        out.append(
            f'<text class="axis-label" x="{left + pw / 2:.1f}" y="{height - 6}" text-anchor="middle">{escape(chart.x_label)}</text>'
        )
    elif not compact:
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


def _key(inner: str, width: int = 28, height: int = 12) -> SafeString:
    return mark_safe(  # noqa: S308 - only class names and numbers of our own
        f'<svg class="chart legend-key" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-hidden="true" focusable="false">{inner}</svg>'
    )


def line_key(css: str, marker: str = "none") -> SafeString:
    """A legend swatch for a line: the same classes (colour, width, dashes, marker) as the line."""
    inner = f'<line class="series {css}" x1="1" x2="27" y1="6" y2="6"/>'
    if marker == "circle":
        inner += f'<circle class="pt {css}" cx="14" cy="6" r="3.5"/>'
    elif marker == "square":
        inner += f'<rect class="pt {css}" x="10.5" y="2.5" width="7" height="7"/>'
    elif marker == "diamond":
        inner += f'<path class="pt {css}" d="M14,1.5 L18.5,6 L14,10.5 L9.5,6Z"/>'
    return _key(inner)


def hline_key(css: str) -> SafeString:
    return _key(f'<line class="hline {css}" x1="1" x2="27" y1="6" y2="6"/>')


def area_key(css: str) -> SafeString:
    return _key(f'<rect class="{css} key-area" x="1" y="1" width="26" height="10"/>')


def mark_key(kind: str) -> SafeString:
    if kind == "rupture":
        shape = "M8,1 L20,1 L14,11Z"
    elif kind == "repair":
        shape = "M14,1 L20,11 L8,11Z"
    else:
        return _key(f'<line class="mark mark-{kind}" x1="14" x2="14" y1="0" y2="12"/>')
    return _key(f'<path class="mark-shape mark-{kind}" d="{shape}"/>')


def legend(
    chart: Chart, *, marker_labels: dict[str, str] | None = None
) -> list[tuple[SafeString, str]]:
    """Every line, area and mark drawn in ``chart``, once each, with a swatch that matches it.

    ``marker_labels`` names each kind of mark (``rupture``, ``repair``, ``focus``).
    """
    marker_labels = marker_labels or {}
    out: list[tuple[SafeString, str]] = []
    for s in chart.series:
        if s.points:
            out.append((line_key(s.css, s.marker), s.label))
    if chart.corridor:
        out.append((area_key("corridor"), chart.corridor_label))
    seen_lines: set[str] = set()
    for line in chart.hlines:
        if line.label not in seen_lines:
            seen_lines.add(line.label)
            out.append((hline_key(line.css), line.label))
    kinds = {m.kind: m for m in chart.markers}
    for kind in ("rupture", "repair", "focus"):
        if kind in kinds:
            out.append((mark_key(kind), marker_labels.get(kind, kind)))
    for band in chart.bands:
        out.append((area_key(f"band {band.css}"), band.label))
    seen_spans: set[str] = set()
    for span in chart.spans:
        if span.css not in seen_spans:
            seen_spans.add(span.css)
            out.append((area_key(f"span {span.css}"), span.label))
    return out


def sparkline(
    values: Sequence[float],
    *,
    y_min: float,
    y_max: float,
    label: str,
    width: int = 96,
    height: int = 24,
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
