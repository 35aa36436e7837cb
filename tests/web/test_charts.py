"""The SVG charts: legends match the lines, labels stay off the data, the phone gets fewer ticks."""

from __future__ import annotations

import re

from alliance.web.charts import (
    NARROW_WIDTH,
    Band,
    Chart,
    HLine,
    Marker,
    Series,
    Span,
    legend,
    render,
)


def _chart() -> Chart:
    return Chart(
        title="PHQ-9 over sessions",
        x_label="Session",
        y_label="PHQ-9",
        y_min=0,
        y_max=27,
        x_max=24,
        series=[Series("PHQ-9", [(n, 20 - n / 2) for n in range(1, 25)], "s-outcome", "diamond")],
        bands=[
            Band(0, 5, "minimal", "band-0"),
            Band(5, 10, "mild", "band-1"),
            Band(10, 15, "moderate", "band-2"),
            Band(15, 20, "moderately severe", "band-3"),
            Band(20, 27, "severe", "band-4"),
        ],
        spans=[
            Span(1, 1, "Engagement", "phase-bg-engagement"),
            Span(2, 3, "Assessment & goal setting", "phase-bg-assessment"),
            Span(4, 22, "Working", "phase-bg-working"),
            Span(23, 24, "Ending", "phase-bg-ending"),
        ],
        hlines=[
            HLine(26, "Reliable deterioration from intake", "h-worse"),
            HLine(14, "Reliable improvement from intake", "h-better"),
            HLine(10, "Clinical cut-off 10"),
        ],
        markers=[Marker(5, "Rupture began at session 5", "rupture")],
    )


def _classes(svg: str, element: str) -> list[str]:
    return re.findall(rf'<{element} class="([^"]+)"', str(svg))


def test_every_drawn_line_has_its_own_matching_swatch():
    chart = _chart()
    svg = render(chart, chart_id="c")
    keys = legend(chart, marker_labels={"rupture": "rupture began"})
    labels = [label for _key, label in keys]
    swatches = " ".join(str(key) for key, _label in keys)
    for css in _classes(svg, "polyline") + _classes(svg, "line"):
        if css.startswith(("series", "hline")):
            assert f'class="{css}"' in swatches, css
    # The three reference lines differ: dashed cut-off, dotted red and dotted green.
    assert len({k for k, label in keys if label.startswith(("Reliable", "Clinical"))}) == 3
    for expected in ("PHQ-9", "Clinical cut-off 10", "rupture began", "moderately severe"):
        assert expected in labels
    assert labels.count("Working") == 1


def test_band_and_phase_labels_stay_off_the_data_and_are_never_cut():
    svg = str(render(_chart(), chart_id="c"))
    plot = re.search(r'<rect class="plot" x="(\d+)" y="(\d+)" width="(\d+)"', svg)
    left, top, width = (int(v) for v in plot.groups())
    band_x = [float(x) for x in re.findall(r'class="band-label" x="([\d.]+)"', svg)]
    assert band_x and min(band_x) >= left + width
    phases = re.findall(r'class="span-label" x="[\d.]+" y="(\d+)">([^<]+)<', svg)
    assert phases and all(int(y) < top for y, _t in phases)
    names = {"Engagement", "Assessment &amp; goal setting", "Working", "Ending"}
    assert {text for _y, text in phases} <= names  # whole labels only, never "1" or "2"


def test_the_phone_rendering_has_fewer_ticks_at_its_own_size():
    chart = _chart()
    wide = str(render(chart, chart_id="c"))
    narrow = str(render(chart, chart_id="c-n", narrow=True))
    assert f'width="{NARROW_WIDTH}"' in narrow and 'class="chart narrow"' in narrow
    ticks = len(re.findall(r'class="tick"', narrow))
    assert ticks < len(re.findall(r'class="tick"', wide)) and ticks <= 12
    assert "band-label" not in narrow and "span-label" not in narrow
    assert 'id="c-n-t"' in narrow  # its own ids: the two renderings never share one
