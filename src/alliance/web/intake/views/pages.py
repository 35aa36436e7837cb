"""Editing the public practice pages: a practitioner's own, and the practice's (admin)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.intake import actions
from alliance.web.intake.access import organisation_page_for_user, own_page_for_user
from alliance.web.intake.forms import PracticePageForm
from alliance.web.intake.markdown import render_markdown
from alliance.web.intake.models import PracticePage


def _edit(request: AuthenticatedRequest, page: PracticePage, *, redirect_to: str) -> HttpResponse:
    if request.method == "POST":
        form = PracticePageForm(request.POST, request.FILES)
        if form.is_valid():
            actions.update_page(
                request.user,
                page,
                photo=form.cleaned_data["photo"],
                remove_photo=form.cleaned_data["remove_photo"],
                **form.page_fields(),
            )
            messages.success(request, _("Page saved."))
            return redirect(redirect_to)
    else:
        form = PracticePageForm(initial=PracticePageForm.initial_for(page))
    preview = {
        "about_html": render_markdown(page.about),
        "approach_html": render_markdown(page.approach),
        "fees_html": render_markdown(page.fees),
    }
    return render(
        request, "intake/page_edit.html", {"form": form, "page": page, "preview": preview}
    )


@login_required
def practice_page_edit(request: AuthenticatedRequest) -> HttpResponse:
    page = own_page_for_user(request.user)
    return _edit(request, page, redirect_to="practice_page_edit")


@login_required
def practice_page_edit_organisation(request: AuthenticatedRequest) -> HttpResponse:
    page = organisation_page_for_user(request.user)
    return _edit(request, page, redirect_to="practice_page_edit_organisation")
