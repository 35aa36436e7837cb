"""The audit log page, browsable and filterable by the organisation's admins.

It lives here, not in `audit`, so that `audit` (which every app records into) imports nothing
of `accounts`, which records into it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render

from alliance.web.accounts.access import AuthenticatedRequest, require_role
from alliance.web.accounts.models import Organisation, Role, User
from alliance.web.audit.models import AuditAction, AuditEntry
from alliance.web.forms import form_field


class AuditFilterForm(forms.Form):
    actor = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Who")
    action = forms.ChoiceField(
        choices=[("", "Any action"), *AuditAction.choices], required=False, label="What"
    )
    object_type = forms.CharField(required=False, max_length=40, label="Record type")
    since = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From"
    )
    until = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Until"
    )

    def __init__(self, *args: Any, organisation: Organisation | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actor = form_field(self, "actor", forms.ModelChoiceField)
        actor.queryset = User.objects.filter(organisation=organisation)


@login_required
def audit_log(request: AuthenticatedRequest) -> HttpResponse:
    require_role(request.user, Role.ADMIN)
    form = AuditFilterForm(request.GET or None, organisation=request.user.organisation)
    entries = AuditEntry.objects.filter(organisation=request.user.organisation)
    if form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            entries = entries.filter(actor=data["actor"])
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["object_type"]:
            entries = entries.filter(object_type=data["object_type"].strip().lower())
        if data["since"]:
            entries = entries.filter(at__date__gte=data["since"])
        if data["until"]:
            entries = entries.filter(at__date__lte=data["until"])
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
