"""Research pages: the researcher's page, the data-set builder, the report, model fitting,
consent changes.

Each view checks access through `access`, validates with a form, calls one action, renders
or streams the file. Researchers see counts, codes of instruments and research statistics,
never a client's code, name or note.
"""

from __future__ import annotations

import math
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.practice.access import client_for_user
from alliance.web.research import actions
from alliance.web.research.access import can_change_research_consent, require_research_access
from alliance.web.research.datasets import (
    NoResearchData,
    alliance_reliability,
    build_research_data,
    consent_counts,
    instrument_metadata,
    instruments_with_data,
    research_variables,
)
from alliance.web.research.forms import ExportForm, FitForm, ReportForm, ResearchConsentForm
from alliance.web.research.models import ResearchExport
from alliance.web.research.presets import PRESETS

PAST_EXPORTS = 25


def _instrument_choices(organisation) -> list[tuple[str, str]]:
    ids = instruments_with_data(organisation)
    meta = instrument_metadata(ids)
    return [(i, f"{meta.get(i, {}).get('label', i)} ({i})") for i in ids]


def _attachment(content: bytes | str, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def research_home(request: AuthenticatedRequest) -> HttpResponse:
    organisation = require_research_access(request.user)
    return render(
        request,
        "research/home.html",
        {
            "counts": consent_counts(organisation),
            "export_form": ExportForm(instruments=_instrument_choices(organisation)),
            "report_form": ReportForm(),
            "reliability": alliance_reliability(organisation),
            "exports": ResearchExport.objects.filter(organisation=organisation).select_related(
                "created_by"
            )[:PAST_EXPORTS],
        },
    )


@login_required
def research_export(request: AuthenticatedRequest) -> HttpResponse:
    organisation = require_research_access(request.user)
    form = ExportForm(request.POST or None, instruments=_instrument_choices(organisation))
    if request.method == "POST" and form.is_valid():
        try:
            result = actions.export_dataset(
                request.user,
                organisation=organisation,
                fmt=form.cleaned_data["format"],
                shape=form.cleaned_data["shape"],
                instruments=form.cleaned_data["instruments"],
                services=form.cleaned_data["services"],
            )
        except NoResearchData as error:
            form.add_error(None, str(error))
        else:
            return _attachment(result.as_zip(), result.export.file_name, "application/zip")
    return render(request, "research/export.html", {"form": form})


@login_required
def research_report(request: AuthenticatedRequest) -> HttpResponse:
    organisation = require_research_access(request.user)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            export, html = actions.export_report(
                request.user, organisation=organisation, seed=form.cleaned_data["seed"]
            )
        except NoResearchData as error:
            form.add_error(None, str(error))
        else:
            return _attachment(html, export.file_name, "text/html; charset=utf-8")
    return render(request, "research/report.html", {"form": form})


PARAMETER_NAMES = ("lhs", "op", "rhs", "group")
PARAMETER_NUMBERS = ("est", "se", "z", "pvalue", "ci.lower", "ci.upper")


def _parameter_table(rows: list[dict], grouped: bool) -> dict:
    """Columns (lavaan's names) and cells of a parameter table, for the template."""
    names = [n for n in PARAMETER_NAMES if n != "group" or grouped]
    numbers = [n for n in PARAMETER_NUMBERS if rows and n in rows[0]]
    return {
        "names": names,
        "numbers": numbers,
        "rows": [
            {
                "names": [row.get(n, "") for n in names],
                "numbers": [_finite(row.get(n)) for n in numbers],
            }
            for row in rows
        ],
    }


def _finite(value):
    if isinstance(value, int | float) and math.isfinite(value):
        return value
    return None


def _fit_tables(outcome) -> dict:
    payload = outcome.payload
    grouped = bool(payload["options"].get("group"))
    return {
        "fit": [(name, _finite(value)) for name, value in payload["fit"].items()],
        "parameters": _parameter_table(payload["parameters"], grouped),
        "defined": _parameter_table(payload["defined"], grouped) if payload["defined"] else None,
    }


def _preset_initial(name: str) -> dict:
    preset = PRESETS.get(name)
    if preset is None:
        return {}
    return {"model": preset.syntax, **preset.fields}


def _variables(organisation, initial: dict) -> list[dict]:
    """The variables a model may name in the data chosen by default (or by the preset)."""
    try:
        data = build_research_data(organisation, instruments=initial.get("instruments") or None)
    except NoResearchData:
        return []
    return research_variables(data, initial.get("shape", "wide"))


@login_required
def research_fit(request: AuthenticatedRequest) -> HttpResponse:
    """Fit a lavaan-syntax model to the consenting clients' data; show it or download JSON."""
    organisation = require_research_access(request.user)
    choices = _instrument_choices(organisation)
    preset = request.GET.get("preset", "")
    initial = _preset_initial(preset)
    form = FitForm(request.POST or None, instruments=choices, initial=initial)
    outcome = None
    variables = None
    if request.method == "POST" and form.is_valid():
        options = dict(form.cleaned_data)
        try:
            outcome = actions.fit_model(
                request.user, organisation=organisation, syntax=options.pop("model"), **options
            )
        except NoResearchData as error:
            form.add_error(None, str(error))
        except actions.ModelFitError as error:
            form.add_error(None, str(error))
            variables = error.variables
        else:
            if request.POST.get("download") == "json":
                return _attachment(outcome.as_json(), outcome.export.file_name, "application/json")
            variables = outcome.variables
    elif request.method != "POST":
        variables = _variables(organisation, initial)
    return render(
        request,
        "research/fit.html",
        {
            "form": form,
            "outcome": outcome,
            "tables": _fit_tables(outcome) if outcome is not None else None,
            "variables": variables,
            "presets": PRESETS,
            "preset": preset,
        },
    )


@login_required
@require_POST
def research_consent(request: AuthenticatedRequest, client_id: UUID) -> HttpResponse:
    client = client_for_user(request.user, client_id, write=True)
    if not can_change_research_consent(request.user, client):
        raise Http404("No such client")
    target = reverse("client", kwargs={"client_id": client.public_id}) + "#research-consent"
    try:
        if request.POST.get("action") == "withdraw":
            actions.withdraw_research_consent(request.user, client)
            messages.success(
                request, _("Research consent withdrawn: no future export includes this client.")
            )
        else:
            form = ResearchConsentForm(request.POST, prefix="research")
            if not form.is_valid():
                for errors in form.errors.values():
                    for error in errors:
                        # django-stubs types an ErrorList's items as ValidationError | str;
                        # iterating one yields its messages, str.
                        messages.error(request, error)  # type: ignore[arg-type]
                return redirect(target)
            actions.record_research_consent(
                request.user, client, given_on=form.cleaned_data["given_on"]
            )
            messages.success(request, _("Research consent recorded."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(target)
