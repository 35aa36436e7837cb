"""The practitioner's self-care summary: the WHO-5 trend and a gentle prompt when it worsens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from alliance.instruments import load_instrument
from alliance.scoring import reliable_change
from alliance.web.charts import Chart, HLine, Series, render
from alliance.web.journal.models import SelfCareCheckIn


def worsening(checkins: Sequence[SelfCareCheckIn]) -> object | None:
    """Return the reliable change when the latest check-in is reliably worse than the best
    of the previous four (Jacobson–Truax, the instrument's threshold), else None."""
    if len(checkins) < 2:
        return None
    latest = checkins[-1]
    earlier = checkins[-5:-1]
    reference = max(earlier, key=lambda c: c.score)
    change = reliable_change(reference.score, latest.score, latest.instrument_id)
    if change.reliable and change.category == "deteriorated":
        return change
    return None


def trend_chart(checkins: Sequence[SelfCareCheckIn]) -> dict[str, Any] | None:
    """The WHO-5 trend as inline SVG with a data table beside it."""
    if not checkins:
        return None
    instrument = load_instrument("who5")
    cutoff = instrument.cutoff
    chart = Chart(
        title=_("Your wellbeing (WHO-5), week by week"),
        x_label=_("Check-in"),
        y_label=_("WHO-5 (0–100)"),
        y_min=0,
        y_max=100,
        x_max=len(checkins),
        series=[
            Series(
                label=_("WHO-5"),
                points=[(i + 1, c.score) for i, c in enumerate(checkins)],
                css="s-client",
            )
        ],
        hlines=[HLine(cutoff, _("50: low wellbeing at or below"))] if cutoff is not None else [],
        description=_("WHO-5 totals of your weekly check-ins, 0 to 100; higher is better."),
    )
    return {
        "id": "self-care-trend",
        "title": chart.title,
        "svg": render(chart, chart_id="self-care-trend"),
        "legend": [("s-client", _("WHO-5 total"))],
        "notes": [],
        "columns": [_("Check-in"), _("Week of"), _("WHO-5")],
        "rows": [
            (i + 1, date_format(c.week_of, "j M Y"), f"{c.score:.0f}")
            for i, c in enumerate(checkins)
        ],
    }
