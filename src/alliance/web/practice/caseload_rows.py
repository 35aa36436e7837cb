"""Caseload rows rendered in Python: a caseload of 100+ episodes through the template
engine cost ~1 ms a row, most of the page's time. Every value is escaped by format_html."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
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
    rows = []
    for e in episodes:
        if e.service not in services:
            services[e.service] = str(e.get_service_display())
        if e.phase not in phases:
            phases[e.phase] = str(e.get_phase_display())
        cells = [
            format_html(
                '<th scope="row"><a href="{}">{}</a></th>',
                client_url.replace("00000000-0000-0000-0000-000000000000", str(e.client.public_id)),
                e.client.code,
            )
        ]
        if show_risk:
            risk = getattr(e, "risk", None)
            risk_html = ""
            if risk:
                tags = format_html_join(
                    "",
                    '<span class="tag{}">{}</span>',
                    (
                        (" warn" if i == 0 and risk.light == "red" else "", label)
                        for i, label in enumerate(risk.labels)
                    ),
                )
                risk_html = format_html(
                    '<span class="light light-{}" role="img" aria-label="{}" title="{}"></span> '
                    '<span class="visually-hidden">{}</span>{}',
                    risk.light,
                    risk.light_label,
                    risk.light_label,
                    risk.light_label,
                    tags,
                )
            cells.append(
                format_html(
                    '<td data-label="{}" class="risk-tags">{}</td>', labels["risk"], risk_html
                )
            )
            spark = mark_safe(risk.sparkline) if risk and risk.sparkline else ""  # noqa: S308 - SVG built by our chart code
            cells.append(format_html('<td data-label="{}">{}</td>', labels["alliance"], spark))
        if show_practitioner:
            cells.append(
                format_html(
                    '<td data-label="{}">{}</td>',
                    labels["practitioner"],
                    people.setdefault(e.practitioner_id, str(e.practitioner)),
                )
            )
        cells.append(
            format_html('<td data-label="{}">{}</td>', labels["service"], services[e.service])
        )
        cells.append(
            format_html(
                '<td data-label="{}"><span class="phase phase-{}">{}</span></td>',
                labels["phase"],
                e.phase,
                phases[e.phase],
            )
        )
        cells.append(
            format_html(
                '<td class="num" data-label="{}">{}</td>', labels["sessions"], e.session_count
            )
        )
        if e.last_session_at:
            local = timezone.localtime(e.last_session_at)
            last = format_html(
                '<time datetime="{}">{}</time>',
                local.isoformat(),
                f"{local.day} {local:%b %Y}",
            )
        else:
            last = format_html('<span class="muted">{}</span>', none_yet)
        cells.append(format_html('<td data-label="{}">{}</td>', labels["last"], last))
        flags = []
        if getattr(e, "critical_open", False):
            flags.append(format_html('<span class="tag danger">{}</span>', critical))
        if e.mandated:
            flags.append(format_html('<span class="tag">{}</span>', mandated))
        if e.interpreter_needed:
            flags.append(
                format_html('<span class="tag">{}: {}</span>', interpreter, e.interpreter_language)
            )
        flag_html = mark_safe("".join(flags))  # noqa: S308 - each flag built by format_html
        cells.append(format_html('<td data-label="{}">{}</td>', labels["flags"], flag_html))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("\n".join(rows))  # noqa: S308 - every cell built by format_html
