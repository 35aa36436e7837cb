"""Caseload rows rendered in Python: a caseload of 100+ episodes through the template
engine cost ~1 ms a row, most of the page's time, and through format_html still a quarter of
it. Every value is escaped with the standard library's html.escape, as Django's escape does."""

from __future__ import annotations

import html

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def render_rows(episodes, *, show_risk: bool, show_practitioner: bool) -> SafeString:
    """Return the <tr> elements of the caseload table, in the given order."""
    labels = {
        "risk": _("Risk"),
        "alliance": _("Alliance"),
        "practitioner": _("Practitioner"),
        "service": _("Service"),
        "phase": _("Phase"),
        "sessions": _("Sessions"),
        "last": _("Last session"),
        "flags": _("Flags"),
    }
    none_yet, critical, mandated, interpreter = (
        _("none yet"),
        _("critical answer"),
        _("mandated"),
        _("interpreter"),
    )
    client_url = reverse("client", kwargs={"client_id": "00000000-0000-0000-0000-000000000000"})
    # Display names and dates repeat across rows: compute each once.
    services: dict[str, str] = {}
    phases: dict[str, str] = {}
    people: dict[int, str] = {}
    label = {key: escape(value) for key, value in labels.items()}
    none_yet, critical, mandated, interpreter = (
        escape(none_yet),
        escape(critical),
        escape(mandated),
        escape(interpreter),
    )
    rows = []
    for e in episodes:
        if e.service not in services:
            services[e.service] = escape(e.get_service_display())
        if e.phase not in phases:
            phases[e.phase] = escape(e.get_phase_display())
        href = client_url.replace("00000000-0000-0000-0000-000000000000", str(e.client.public_id))
        cells = [f'<th scope="row"><a href="{escape(href)}">{escape(e.client.code)}</a></th>']
        if show_risk:
            risk = getattr(e, "risk", None)
            risk_html = ""
            if risk:
                tags = "".join(
                    f'<span class="tag{" warn" if i == 0 and risk.light == "red" else ""}">'
                    f"{escape(name)}</span>"
                    for i, name in enumerate(risk.labels)
                )
                light, light_label = escape(risk.light), escape(risk.light_label)
                risk_html = (
                    f'<span class="light light-{light}" role="img" aria-label="{light_label}" '
                    f'title="{light_label}"></span> '
                    f'<span class="visually-hidden">{light_label}</span>{tags}'
                )
            cells.append(f'<td data-label="{label["risk"]}" class="risk-tags">{risk_html}</td>')
            # The sparkline is SVG built by our chart code, its label escaped there.
            spark = risk.sparkline if risk and risk.sparkline else ""
            cells.append(f'<td data-label="{label["alliance"]}">{spark}</td>')
        if show_practitioner:
            if e.practitioner_id not in people:
                people[e.practitioner_id] = escape(e.practitioner)
            cells.append(
                f'<td data-label="{label["practitioner"]}">{people[e.practitioner_id]}</td>'
            )
        cells.append(f'<td data-label="{label["service"]}">{services[e.service]}</td>')
        cells.append(
            f'<td data-label="{label["phase"]}"><span class="phase phase-{escape(e.phase)}">'
            f"{phases[e.phase]}</span></td>"
        )
        cells.append(
            f'<td class="num" data-label="{label["sessions"]}">{int(e.session_count)}</td>'
        )
        if e.last_session_at:
            local = timezone.localtime(e.last_session_at)
            last = (
                f'<time datetime="{escape(local.isoformat())}">'
                f"{escape(f'{local.day} {local:%b %Y}')}</time>"
            )
        else:
            last = f'<span class="muted">{none_yet}</span>'
        cells.append(f'<td data-label="{label["last"]}">{last}</td>')
        flags = []
        if getattr(e, "critical_open", False):
            flags.append(f'<span class="tag danger">{critical}</span>')
        if e.mandated:
            flags.append(f'<span class="tag">{mandated}</span>')
        if e.interpreter_needed:
            flags.append(
                f'<span class="tag">{interpreter}: {escape(e.interpreter_language)}</span>'
            )
        cells.append(f'<td data-label="{label["flags"]}">{"".join(flags)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("\n".join(rows))  # noqa: S308 - every value escaped above


def escape(value) -> str:
    """Escape like Django's ``escape`` (stdlib ``html.escape``, quotes included), without
    building a SafeString per value: a row has twenty of them."""
    return html.escape(str(value))
