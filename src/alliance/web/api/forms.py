"""The form for creating an API token on /api/tokens/."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alliance.web.accounts.models import Role, User
from alliance.web.api.models import MAX_TOKEN_DAYS, SCOPES, SERVICE_SCOPES


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, required=False, help_text=_("What the token is for.")
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=[(s, s) for s in SCOPES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("read/write cover every resource; the others one resource each."),
    )
    days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        initial=90,
        help_text=_("Required; at most 365 days."),
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if actor.role == Role.ADMIN:
            # token_list answers 404 to anyone without an organisation.
            assert actor.organisation_id is not None
            self.fields["service_user"] = forms.ModelChoiceField(
                label=_("Service token for"),
                queryset=User.objects.filter(
                    organisation_id=actor.organisation_id,
                    is_active=True,
                    role=Role.PRACTITIONER,
                ),
                required=False,
                help_text=_(
                    "Leave empty for a personal token. A service token is an integration "
                    "account over this practitioner's records, with scopes %(scopes)s only: "
                    "it reads no clinical text and writes no clinical records. The "
                    "practitioner sees it on their token page, is told by e-mail and may "
                    "revoke it."
                )
                % {"scopes": ", ".join(SERVICE_SCOPES)},
            )
