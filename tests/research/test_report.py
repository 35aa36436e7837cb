"""The offline HTML report and the ``report`` command."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from alliance.commands.research import app
from alliance.research.report import build_report, line_chart_svg
from alliance.research.simulate import simulate_tidy


@pytest.fixture(scope="module")
def tidy():
    return simulate_tidy(100, seed=5)


@pytest.fixture(scope="module")
def page(tidy):
    return build_report(tidy, seed=99)


def test_report_is_self_contained(page):
    assert page.startswith("<!DOCTYPE html>")
    # nothing is fetched: no scripts, no external links or images
    assert "<script" not in page
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page)
    assert "<svg" in page


def test_report_sections_and_reproducibility(page):
    for heading in (
        "Data",
        "Reliability and structure of the alliance measure",
        "Alliance and outcome across sessions (multilevel)",
        "Within-person alliance and symptoms (RI-CLPM)",
        "Trajectories",
        "Reproducibility",
    ):
        assert f"<h2>{heading}</h2>" in page
    assert "Random seed: <strong>99</strong>" in page
    for package in ("numpy", "scipy", "pandas"):
        assert f"<td class='l'>{package}</td>" in page
    assert "alliance_within" in page and "x -&gt; y" in page
    assert "class='warn'" not in page


def test_report_leaks_no_clinic_codes(tidy, page):
    assert "CL-0" not in page and "EP-0" not in page and "prac-" not in page


def test_report_command(tmp_path):
    data = tmp_path / "tidy.csv"
    # small, with the Alliance Check: the report picks it as the alliance measure
    simulate_tidy(40, seed=6, alliance_check=True).to_csv(data, index=False)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", str(data), "--out", str(out), "--seed", "7"])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert "Random seed: <strong>7</strong>" in page
    assert "alliance-check score by session" in page
    assert "Measurement invariance of alliance" in page
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    assert CliRunner().invoke(app, ["report", str(bad), "--out", str(out)]).exit_code == 1


def test_line_chart_escapes_text():
    import pandas as pd

    svg = line_chart_svg(
        {"<b>": pd.DataFrame({"x": [1, 2], "y": [1.0, 2.0]})},
        title="a & b",
        x_label="x",
        y_label="y",
    )
    assert "&lt;b&gt;" in svg and "a &amp; b" in svg


def test_the_axis_stays_within_the_scale():
    import re

    import pandas as pd

    mean = pd.DataFrame({"x": [1, 2], "y": [1.0, 0.5], "lo": [-1.0, -0.5], "hi": [3.0, 1.5]})
    free = line_chart_svg({"mean": mean}, title="t", x_label="x", y_label="y")
    bounded = line_chart_svg(
        {"mean": mean}, title="t", x_label="x", y_label="y", y_bounds=(0.0, 27.0)
    )

    def ticks(svg):
        return [float(t) for t in re.findall(r"font-size='10'>(-?[\d.]+)</text>", svg)]

    assert min(ticks(free)) == -1.0  # the interval alone would reach below 0
    assert min(ticks(bounded)) == 0.0 and max(ticks(bounded)) == 3.0
    # The band is cut at the axis: no point below its baseline (y = height - 44).
    points = re.search(r"<polygon points='([^']*)'", bounded).group(1)
    assert max(float(p.split(",")[1]) for p in points.split()) <= 300 - 44
