from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from alliance.web.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    list_display = [
        "at",
        "actor_name",
        "token_prefix",
        "token_creator_name",
        "action",
        "object_type",
        "object_id",
        "summary",
    ]
    list_filter = ["action", "object_type"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        qs = super().get_queryset(request)
        user = request.user
        # The admin site lets in only active staff before this runs.
        if isinstance(user, AnonymousUser):
            raise PermissionDenied
        return qs if user.is_superuser else qs.filter(organisation=user.organisation)

    def has_module_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if isinstance(user, AnonymousUser):
            return False
        return user.is_active and (user.is_superuser or user.role == "admin")

    def has_view_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
