"""Django admin for clinic admins: people and organisations, never clinical text."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest

from alliance.web.accounts.access import staff_user
from alliance.web.accounts.models import Organisation, Role, User
from alliance.web.accounts.passwords import send_reset_link

if TYPE_CHECKING:
    # The settings mixin always sits in front of a ModelAdmin, whose methods it extends.
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object


def is_clinic_admin(request: HttpRequest) -> bool:
    user = request.user
    return (
        isinstance(user, User) and user.is_active and (user.is_superuser or user.role == Role.ADMIN)
    )


class ClinicAdminMixin:
    """Clinic admins manage their own organisation's records; superusers manage all."""

    def has_module_permission(self, request: HttpRequest):
        return is_clinic_admin(request)

    def has_view_permission(self, request: HttpRequest, obj=None):
        return is_clinic_admin(request)

    def has_add_permission(self, request: HttpRequest):
        return is_clinic_admin(request)

    def has_change_permission(self, request: HttpRequest, obj=None):
        return is_clinic_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Staff records are deactivated, never deleted: the audit log points at them.
        return False


class OrganisationSettingsAdminMixin(ClinicAdminMixin, _ModelAdmin):
    """One settings row per organisation: an admin sees and adds only their own."""

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request).select_related("organisation")
        return (
            qs
            if staff_user(request).is_superuser
            else qs.filter(organisation=staff_user(request).organisation)
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        if not super().has_add_permission(request) or staff_user(request).organisation_id is None:
            return False
        return not self.model.objects.filter(
            organisation_id=staff_user(request).organisation_id
        ).exists()

    def save_model(self, request: HttpRequest, obj, form, change) -> None:
        if not change:
            obj.organisation = staff_user(request).organisation
        super().save_model(request, obj, form, change)


@admin.register(Organisation)
class OrganisationAdmin(ClinicAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "client_code_prefix"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request)
        return (
            qs
            if staff_user(request).is_superuser
            else qs.filter(pk=staff_user(request).organisation_id)
        )

    def has_add_permission(self, request: HttpRequest):
        return staff_user(request).is_superuser


class StaffCreationForm(forms.ModelForm):
    """A new member of staff without a password: they set their own from an e-mailed link."""

    class Meta:
        model = User
        fields = [
            "username",
            "email",
            "first_name",
            "last_name",
            "organisation",
            "role",
            "practitioner_kind",
            "supervisor",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = "The link to set their own password goes here."


@admin.register(User)
class AllianceUserAdmin(ClinicAdminMixin, UserAdmin):
    add_form = StaffCreationForm
    actions = ["send_password_reset_link"]
    list_display = [
        "username",
        "first_name",
        "last_name",
        "role",
        "practitioner_kind",
        "supervisor",
        "is_active",
    ]
    list_filter = ["role", "practitioner_kind", "is_active"]
    fieldsets = [
        (
            None,
            {
                "fields": ["username"],
                # No password field and no link to a set-password form.
                "description": (
                    "Nobody but its owner sets a password: choose the action “Send a password "
                    "reset link” in the list of staff."
                ),
            },
        ),
        ("Person", {"fields": ["first_name", "last_name", "email"]}),
        (
            "Practice",
            {"fields": ["organisation", "role", "practitioner_kind", "supervisor", "is_active"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "email",
                    "first_name",
                    "last_name",
                    "organisation",
                    "role",
                    "practitioner_kind",
                    "supervisor",
                ],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # An admin who could change a colleague's address could send the reset link to
        # themselves and sign in as them. Once someone has a password or has signed in, only
        # they change their address (their own account page; or the operator at the command
        # line); an admin still corrects the address of someone who has not started.
        in_use = obj is not None and (obj.has_usable_password() or obj.last_login is not None)
        if in_use and obj.pk != staff_user(request).pk:
            fields.append("email")
        return fields

    def user_change_password(self, request: HttpRequest, id, form_url=""):
        # An admin who could set a practitioner's password could sign in as them.
        raise PermissionDenied("Admins send a password reset link; they never set a password.")

    def save_model(self, request: HttpRequest, obj, form, change) -> None:
        if change:
            obj._credential_actor = staff_user(request)
            super().save_model(request, obj, form, change)
            return
        obj.set_unusable_password()
        super().save_model(request, obj, form, change)
        try:
            send_reset_link(staff_user(request), obj, base=request.build_absolute_uri("/"))
        except ValidationError as error:
            messages.warning(request, " ".join(error.messages))
        else:
            messages.info(request, f"A link to set a password was sent to {obj.email}.")

    @admin.action(description="Send a password reset link")
    def send_password_reset_link(self, request: HttpRequest, queryset) -> None:
        sent = []
        for user in queryset:
            try:
                with transaction.atomic():
                    send_reset_link(staff_user(request), user, base=request.build_absolute_uri("/"))
            except ValidationError as error:
                messages.warning(request, " ".join(error.messages))
            else:
                sent.append(user.get_username())
        if sent:
            messages.info(request, f"Password reset link sent to {', '.join(sent)}.")

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request)
        return (
            qs
            if staff_user(request).is_superuser
            else qs.filter(organisation=staff_user(request).organisation)
        )

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs: Any):
        if not staff_user(request).is_superuser:
            if db_field.name == "organisation":
                organisation_id = staff_user(request).organisation_id
                kwargs["queryset"] = (
                    Organisation.objects.filter(pk=organisation_id)
                    if organisation_id is not None
                    else Organisation.objects.none()
                )
            elif db_field.name == "supervisor":
                kwargs["queryset"] = User.objects.filter(
                    organisation=staff_user(request).organisation, role=Role.SUPERVISOR
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
