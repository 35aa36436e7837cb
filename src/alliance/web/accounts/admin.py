"""Django admin for clinic admins: people and organisations, never clinical text."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from alliance.web.accounts.models import Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "client_code_prefix"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(pk=request.user.organisation_id)


@admin.register(User)
class AllianceUserAdmin(UserAdmin):
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
        *UserAdmin.fieldsets,
        ("Practice", {"fields": ["organisation", "role", "practitioner_kind", "supervisor"]}),
    ]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return (
            qs if request.user.is_superuser else qs.filter(organisation=request.user.organisation)
        )
