"""The public practice pages and the intake request form: no account, no staff navigation."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from alliance.web.accounts.models import Organisation
from alliance.web.intake import actions
from alliance.web.intake.access import (
    published_member_page,
    published_member_pages,
    published_organisation_page,
)
from alliance.web.intake.forms import IntakeForm
from alliance.web.intake.markdown import render_markdown
from alliance.web.intake.models import PracticePage
from alliance.web.intake.ratelimit import INTAKE_LIMIT, INTAKE_WINDOW_SECONDS, hit


def _sections(page: PracticePage) -> dict[str, SafeString]:
    return {
        "about_html": render_markdown(page.about),
        "approach_html": render_markdown(page.approach),
        "fees_html": render_markdown(page.fees),
    }


def _intake(request: HttpRequest, page: PracticePage) -> tuple[IntakeForm, HttpResponse | None]:
    """Handle the intake form on `page`; return a redirect once sent, else the bound form."""
    if request.method != "POST":
        return IntakeForm(page=page), None
    form = IntakeForm(request.POST, page=page)
    allowed = hit("intake", request, limit=INTAKE_LIMIT, window=INTAKE_WINDOW_SECONDS)
    if not allowed:
        form.add_error(
            None,
            _(
                "We have received several requests from your connection in the last hour. "
                "Please try again later, or contact the practice directly."
            ),
        )
        return form, None
    if form.is_spam:
        # Answer a bot as if it had worked, and keep nothing.
        return form, redirect("intake_sent", org_slug=page.organisation.slug)
    if form.is_valid():
        actions.submit_intake(page, **form.intake_fields())
        return form, redirect("intake_sent", org_slug=page.organisation.slug)
    return form, None


def practice_page(request: HttpRequest, org_slug: str) -> HttpResponse:
    page = published_organisation_page(org_slug)
    form, done = _intake(request, page)
    if done is not None:
        return done
    context = {
        "page": page,
        "organisation": page.organisation,
        "members": published_member_pages(page.organisation),
        "form": form,
        **_sections(page),
    }
    return render(request, "intake/public_page.html", context)


def practitioner_page(request: HttpRequest, org_slug: str, member: str) -> HttpResponse:
    page = published_member_page(org_slug, member)
    form, done = _intake(request, page)
    if done is not None:
        return done
    context = {"page": page, "organisation": page.organisation, "form": form, **_sections(page)}
    return render(request, "intake/public_page.html", context)


def intake_sent(request: HttpRequest, org_slug: str) -> HttpResponse:
    try:
        organisation = Organisation.objects.get(slug=org_slug)
    except Organisation.DoesNotExist as exc:
        raise Http404("No such practice") from exc
    return render(request, "intake/intake_sent.html", {"organisation": organisation})
