"""The client page's session timeline, drawn in Python: one line per session, twenty or more
per episode, was most of the page's template time.

The markup is what `practice/client_detail.html` drew with template tags: the same elements,
the same escaping (values escaped, translations as the template's tags leave them).
"""

from __future__ import annotations

from django.template.defaultfilters import date, floatformat
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in django-stubs 6.1.2
from django.utils.translation import gettext


def _t(text: str) -> SafeString:
    # `{% translate %}` leaves a translation of the template's own text unescaped.
    return mark_safe(gettext(text))  # noqa: S308 - our own catalogue's text


def _checks(session) -> str:
    out = []
    for check in session.checks.all():
        state = check.state
        if state == "expired":
            out.append(format_html('<span class="tag warn">{}</span>', _t("check unanswered")))
        elif state == "open":
            out.append(format_html('<span class="tag">{}</span>', _t("check open")))
    return "".join(out)


def _scores(session, you: SafeString) -> str:
    out = []
    for row in session.scored_rows:
        response = row.response
        category = getattr(row.change, "category", None)
        out.append(
            format_html(
                '<span class="score{}" title="{}">{}{} {}{}</span>',
                " critical" if response.critical else "",
                response.get_rater_display(),
                row.name,
                format_html(" ({})", you) if response.rater == "practitioner" else "",
                floatformat(response.total, "-1") or "—",
                format_html(" · {}", category) if category else "",
            )
        )
    return "".join(out)


def timeline_items(sessions) -> SafeString:
    """The `<li>` of each session, for `<ol class="timeline">`."""
    you = _t("you")
    interpreter = format_html('<span class="tag">{}</span>', _t("interpreter"))
    items = []
    for s in sessions:
        starts_at = template_localtime(s.starts_at)
        number = mark_safe(gettext("Session %(n)s") % {"n": conditional_escape(s.number)})  # noqa: S308
        attendance = (
            format_html('<span class="tag warn">{}</span>', s.get_attendance_display())
            if s.attendance != "attended"
            else ""
        )
        items.append(
            format_html(
                '\n    <li class="att-{}">\n'
                '      <a href="{}">{}</a>\n'
                '      <time datetime="{}">{}</time>\n'
                "      <span>{} · {} min</span>\n"
                "      {}\n      {}\n      {}\n      {}\n    </li>\n    ",
                s.attendance,
                reverse("session", args=[s.public_id]),
                number,
                date(starts_at, "c"),
                date(starts_at, "j M Y, H:i"),
                s.get_format_display(),
                s.duration_minutes,
                attendance,
                interpreter if s.interpreter_present else "",
                mark_safe(_checks(s)),  # noqa: S308 - built with format_html above
                mark_safe(_scores(s, you)),  # noqa: S308 - built with format_html above
            )
        )
    return mark_safe("".join(items))  # noqa: S308 - each item built with format_html
