"""Client data pages: export download, erase/anonymise confirmation, retention settings."""

from __future__ import annotations

import json
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from alliance.web.accounts.access import AuthenticatedRequest, require_role
from alliance.web.accounts.models import Role
from alliance.web.forms import add_action_errors
from alliance.web.practice.models import Client
from alliance.web.rights import access, actions
from alliance.web.rights.export import build_client_export, export_filename
from alliance.web.rights.forms import ErasureForm, FindClientForm, RetentionForm
from alliance.web.rights.retention import cutoff, due_clients


@login_required
def client_export(request: AuthenticatedRequest, client_id: UUID) -> HttpResponse:
    client = access.exportable_client_for_user(request.user, client_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    document = build_client_export(request.user, client, via="web")
    response = HttpResponse(
        json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename(client)}"'
    response["Cache-Control"] = "no-store"
    return response


def _confirm(
    request: HttpRequest, client, *, template_context: dict, done_url: str
) -> HttpResponse:
    """Show what erasing or anonymising `client` removes and keeps; on a valid POST, do it."""
    form = ErasureForm(request.POST or None, client=client, prefix="erase")
    if request.method == "POST" and form.is_valid():
        mode = form.cleaned_data["mode"]
        try:
            result = actions.erase_client(request.user, client, mode=mode)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            if mode == actions.ERASE:
                messages.success(
                    request,
                    _("Client %(code)s and every record about them were erased.")
                    % {"code": result.code},
                )
                return redirect(done_url)
            client = Client.objects.get(pk=client.pk)
            messages.success(
                request,
                _("Client %(code)s was anonymised; the record is now %(new)s.")
                % {"code": result.code, "new": client.code},
            )
            return redirect(template_context.get("anonymised_url") or done_url)
    return render(
        request,
        "rights/erase.html",
        {
            **template_context,
            "client": client,
            "form": form,
            "plan": actions.erasure_plan(client),
            "already_anonymised": actions.is_anonymised(client),
            "has_open_episode": client.episodes.filter(ended_on__isnull=True).exists(),
        },
    )


@login_required
def client_erase(request: AuthenticatedRequest, client_id: UUID) -> HttpResponse:
    client = access.erasable_client_for_user(request.user, client_id)
    return _confirm(
        request,
        client,
        template_context={
            "back_url": reverse("client", kwargs={"client_id": client.public_id}),
            "action_url": request.path,
        },
        done_url=reverse("client_list"),
    )


@login_required
def data_requests(request: AuthenticatedRequest) -> HttpResponse:
    """The admin's page for a client's erasure request, found by code (counts only)."""
    require_role(request.user, Role.ADMIN)
    code = request.POST.get("code") or request.GET.get("code") or ""
    find = FindClientForm({"code": code} if code else None)
    client = None
    # The form's validation (length, no NUL characters) comes before any lookup.
    if code and find.is_valid():
        try:
            client = access.admin_client_by_code(request.user, code)
        except Http404:
            find.add_error(
                "code", _("No client with the code %(code)s in your practice.") % {"code": code}
            )
    if client is None:
        return render(request, "rights/data_requests.html", {"find": find})
    return _confirm(
        request,
        client,
        template_context={
            "back_url": reverse("data_requests"),
            "action_url": f"{reverse('data_requests')}?code={client.code}",
            "hidden_code": client.code,
            "anonymised_url": reverse("data_requests"),
        },
        done_url=reverse("data_requests"),
    )


@login_required
def retention_settings(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, Role.ADMIN)
    organisation = request.user.organisation
    if organisation is None:  # never: require_role refused a user without one
        raise Http404("Not found")
    initial = {
        "retention_years": organisation.retention_years,
        "retention_action": organisation.retention_action,
    }
    form = RetentionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_retention(request.user, organisation, **form.cleaned_data)
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, _("The retention rule was saved."))
            return redirect("retention_settings")
    organisation.refresh_from_db()
    return render(
        request,
        "rights/retention.html",
        {
            "form": form,
            "organisation": organisation,
            "cutoff": cutoff(organisation),
            "due_count": due_clients(organisation).count(),
        },
    )
