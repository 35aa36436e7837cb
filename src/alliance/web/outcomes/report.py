"""A client's progress report (HTML with a print stylesheet, and a PDF by WeasyPrint),
and the consented table of the research model."""

from __future__ import annotations

from pathlib import Path

from django.contrib.staticfiles import finders
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

from alliance.instruments import Instrument, InstrumentError, load_instrument
from alliance.web.accounts.models import User
from alliance.web.audit.log import record
from alliance.web.collaboration.gas import gas_series, latest_ratings
from alliance.web.collaboration.models import Goal, GoalRating, GoalStatus
from alliance.web.measures.models import MeasureResponse, Rater
from alliance.web.outcomes.data import outcome_table
from alliance.web.practice.models import Attendance, Episode
from alliance.web.research.datasets import consenting_client_ids

REPORT_CSS = "alliance/outcomes-report.css"


def options(form) -> tuple[object, bool]:
    """Return (episode public id or None, include notes) from the report's GET form."""
    if not form.is_bound or not form.is_valid():
        return None, False
    return form.cleaned_data["episode"], bool(form.cleaned_data["include_notes"])


def _episode(client, episode_id) -> Episode:
    episodes = client.episodes.select_related("practitioner")
    found: Episode | None
    if episode_id is None:
        found = episodes.order_by("-started_on", "-id").first()
    else:
        found = episodes.filter(public_id=episode_id).first()
    if found is None:
        raise Http404("No such episode")
    return found


def band_chart(points: list[dict], instrument: Instrument) -> str:
    """An inline SVG of one instrument's totals by session over its severity bands."""
    if not points:
        return ""
    width, height, pad = 520, 160, 30
    low, high = instrument.range
    span = (high - low) or 1
    n = max(len(points) - 1, 1)

    def px(i: int) -> float:
        return pad + (width - 2 * pad) * (i / n if len(points) > 1 else 0.5)

    def py(v: float) -> float:
        return height - pad - (height - 2 * pad) * (v - low) / span

    parts = [
        f'<svg class="band-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(instrument.short_name)} by session" xmlns="http://www.w3.org/2000/svg">'
    ]
    bands = list(instrument.bands)
    for k, band in enumerate(bands):
        top = bands[k + 1].min if k + 1 < len(bands) else high
        y1, y2 = py(top), py(band.min)
        shade = ("#eef5f3", "#f7f3ea")[k % 2]
        parts.append(
            f'<rect x="{pad}" y="{y1:.1f}" width="{width - 2 * pad}" height="{y2 - y1:.1f}" '
            f'fill="{shade}"/><text x="{width - pad - 2}" y="{y1 + 11:.1f}" '
            f'text-anchor="end" font-size="9" fill="#4a5860">{escape(band.label())}</text>'
        )
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{px(i):.1f},{py(p['score']):.1f}" for i, p in enumerate(points)
    )
    parts.append(f'<path d="{path}" fill="none" stroke="#1f4f4b" stroke-width="2"/>')
    for i, p in enumerate(points):
        parts.append(f'<circle cx="{px(i):.1f}" cy="{py(p["score"]):.1f}" r="3.5" fill="#1f4f4b"/>')
        parts.append(
            f'<text x="{px(i):.1f}" y="{height - 10}" text-anchor="middle" font-size="10" '
            f'fill="#4a5860">S{p["session"]}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped labels


def _scores(episode: Episode) -> list[dict]:
    responses = (
        MeasureResponse.objects.filter(
            session__episode=episode, rater=Rater.CLIENT, total__isnull=False
        )
        .select_related("session")
        .order_by("instrument_id", "session__number")
    )
    by_instrument: dict[str, list[dict]] = {}
    for r in responses:
        by_instrument.setdefault(r.instrument_id, []).append(
            {
                "session": r.session.number,
                "date": r.session.starts_at.date(),
                "score": r.total,
                "band": r.band,
            }
        )
    out = []
    for instrument_id, points in by_instrument.items():
        try:
            inst = load_instrument(instrument_id)
        except InstrumentError:
            continue
        if not inst.bands:
            continue  # process measures (alliance) are not part of a progress report
        for p in points:
            band = inst.band_for(p["score"])
            p["band"] = band.label() if band else p["band"]
        out.append(
            {
                "name": inst.short_name,
                "points": points,
                "chart": band_chart(points, inst),
                "direction": "lower is better" if not inst.higher_is_better else "higher is better",
                "source": inst.bands_source or "",
            }
        )
    return out


def _goals(episode: Episode) -> dict:
    goals = list(
        Goal.objects.filter(episode=episode)
        .exclude(status=GoalStatus.DROPPED)
        .prefetch_related(
            Prefetch("ratings", queryset=GoalRating.objects.select_related("session"))
        )
    )
    rows = []
    for goal in goals:
        latest = latest_ratings(goal)
        first = goal.ratings.all()[0] if goal.ratings.all() else None
        rows.append(
            {
                "title": goal.title,
                "status": goal.get_status_display(),
                "first": first.level if first else None,
                "practitioner": getattr(latest.get("practitioner"), "level", None),
                "client": getattr(latest.get("client"), "level", None),
            }
        )
    series = gas_series(goals)
    return {"rows": rows, "t_score": series[-1].t_score if series else None, "series": series}


def build(user: User, client, episode_id, *, include_notes: bool) -> dict:
    """Everything the progress report shows for one episode of ``client``."""
    episode = _episode(client, episode_id)
    sessions = list(episode.sessions.order_by("number"))
    attendance = {
        label: sum(1 for s in sessions if s.attendance == value)
        for value, label in Attendance.choices
    }
    return {
        "client": client,
        "episode": episode,
        "episodes": list(client.episodes.order_by("-started_on", "-id")),
        "scores": _scores(episode),
        "goals": _goals(episode),
        "sessions": sessions,
        "attendance": attendance,
        "include_notes": include_notes,
        "author": user,
    }


def record_report(user: User, client, action: str, include_notes: bool) -> None:
    """Audit one view or download of a client's progress report."""
    what = "PDF" if action == "export" else "page"
    notes = "with session notes" if include_notes else "without session notes"
    record(user, action, client, summary=f"progress report ({what}, {notes}) for {client.code}")


def render_pdf(request: HttpRequest, context: dict) -> bytes:
    """Render the report's HTML to PDF with WeasyPrint (its print stylesheet applies)."""
    from weasyprint import CSS, HTML, URLFetcher

    html = render_to_string("outcomes/progress_report_print.html", context, request=request)
    css = finders.find(REPORT_CSS)
    # Nothing in a report is fetched from the network: local files and data: URLs only.
    fetcher = URLFetcher(allowed_protocols=["file", "data"])
    sheets = [CSS(filename=css, url_fetcher=fetcher)] if css else []
    document = HTML(string=html, base_url=str(Path(css or ".").parent), url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=sheets)
    return pdf


def consented_table(organisation):
    """The outcome table over episodes of clients whose research consent is in force."""

    episodes = Episode.objects.filter(
        organisation=organisation, client_id__in=consenting_client_ids(organisation)
    )
    return outcome_table(episodes)
