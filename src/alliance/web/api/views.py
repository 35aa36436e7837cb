"""The token pages: list, create (the secret is shown once) and revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from alliance.web.accounts.access import AuthenticatedRequest
from alliance.web.accounts.models import User
from alliance.web.api import actions
from alliance.web.api.access import token_for_user, tokens_for_user
from alliance.web.api.forms import TokenForm
from alliance.web.api.models import TokenKind
from alliance.web.forms import add_action_errors


def _require_staff(user: User) -> None:
    if user.organisation_id is None:
        raise Http404("No organisation")


@login_required
def token_list(request: AuthenticatedRequest) -> HttpResponse:
    _require_staff(request.user)
    if request.method == "POST" and "revoke" in request.POST:
        return _revoke(request, request.POST["revoke"])
    form = TokenForm(request.POST or None, actor=request.user)
    secret = None
    created = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        service_user = data.get("service_user")
        try:
            created, secret = actions.create_token(
                request.user,
                service_user or request.user,
                scopes=data["scopes"],
                days=data["days"],
                name=data["name"],
                kind=TokenKind.SERVICE if service_user else TokenKind.PERSONAL,
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            form = TokenForm(actor=request.user)
    tokens = tokens_for_user(request.user).select_related("user", "created_by")
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "secret": secret, "created": created},
    )


def _revoke(request: AuthenticatedRequest, token_id: str) -> HttpResponse:
    token = token_for_user(request.user, token_id)
    try:
        actions.revoke_token(request.user, token)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": token.prefix})
    return redirect("api_tokens")
