"""Views that belong to no area."""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.defaults import bad_request


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Answer that the process is up (used by load balancers and the benchmark floor)."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Answer 200 when this server reaches the database and the shared cache, else 503.

    For monitoring and a proxy's active health checks: a server that cannot reach either would
    turn every request into an error (or a limit that no longer holds). Names only the part that
    failed, never the error's text.
    """
    failed = [
        name
        for name, check in (("database", _database_answers), ("cache", _cache_answers))
        if not check()
    ]
    if failed:
        return HttpResponse(
            "unavailable: " + ", ".join(failed), content_type="text/plain", status=503
        )
    return HttpResponse("ok", content_type="text/plain")


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            row: tuple[object, ...] | None = cursor.fetchone()
            return row == (1,)
    except DatabaseError:
        return False


def _cache_answers() -> bool:
    key = f"alliance:readyz:{uuid.uuid4().hex}"
    try:
        cache.set(key, 1, timeout=10)
        found: bool = cache.get(key) == 1
        cache.delete(key)
        return found
    except Exception:  # noqa: BLE001 - any backend's failure means "not ready"
        return False


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Send browsers that ask for /favicon.ico on their own to the static icon (no 404)."""
    return HttpResponseRedirect(static("alliance/favicon.ico"))


def _too_large_message(exception: Exception) -> str:
    if isinstance(exception, TooManyFieldsSent):
        return _("The form sent more than %(n)s fields.") % {
            "n": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        }
    if isinstance(exception, TooManyFilesSent):
        return _("The form sent more than %(n)s files.") % {
            "n": settings.DATA_UPLOAD_MAX_NUMBER_FILES
        }
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    size = f"{limit / 1024**2:.1f} MB" if limit >= 1024**2 else f"{round(limit / 1024)} KB"
    return _("The request is larger than the limit of %(size)s (files not counted).") % {
        "size": size
    }


def handle_bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Say clearly when a request was refused for its size (413); otherwise Django's 400."""
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        message = _too_large_message(exception)
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": [{"field": "body", "message": message}]}, status=413)
        return render(request, "errors/too_large.html", {"message": message}, status=413)
    return bad_request(request, exception)
