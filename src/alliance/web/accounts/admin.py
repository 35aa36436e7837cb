"""Django admin for clinic admins: people and organisations, never clinical text."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from alliance.web.accounts.models import Organisation, Role, User


def is_clinic_admin(request) -> bool:
    user = request.user
    return user.is_active and (user.is_superuser or user.role == Role.ADMIN)


class ClinicAdminMixin:
    """Clinic admins manage their own organisation's records; superusers manage all."""

    def has_module_permission(self, request):
        return is_clinic_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_clinic_admin(request)

    def has_add_permission(self, request):
        return is_clinic_admin(request)

    def has_change_permission(self, request, obj=None):
        return is_clinic_admin(request)

    def has_delete_permission(self, request, obj=None):
        # Staff records are deactivated, never deleted: the audit log points at them.
        return False


class OrganisationSettingsAdminMixin(ClinicAdminMixin):
    """One settings row per organisation: an admin sees and adds only their own."""

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("organisation")
        return (
            qs if request.user.is_superuser else qs.filter(organisation=request.user.organisation)
        )

    def has_add_permission(self, request):
        if not super().has_add_permission(request) or request.user.organisation_id is None:
            return False
        return not self.model.objects.filter(organisation_id=request.user.organisation_id).exists()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.organisation = request.user.organisation
        super().save_model(request, obj, form, change)


@admin.register(Organisation)
class OrganisationAdmin(ClinicAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "client_code_prefix"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(pk=request.user.organisation_id)

    def has_add_permission(self, request):
        return request.user.is_superuser


@admin.register(User)
class AllianceUserAdmin(ClinicAdminMixin, UserAdmin):
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
        (None, {"fields": ["username", "password"]}),
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
                    "password1",
                    "password2",
                    "organisation",
                    "role",
                    "practitioner_kind",
                    "supervisor",
                ],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return (
            qs if request.user.is_superuser else qs.filter(organisation=request.user.organisation)
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            if db_field.name == "organisation":
                kwargs["queryset"] = Organisation.objects.filter(pk=request.user.organisation_id)
            elif db_field.name == "supervisor":
                kwargs["queryset"] = User.objects.filter(
                    organisation=request.user.organisation, role=Role.SUPERVISOR
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
