"""Views that belong to no area."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.defaults import bad_request


@require_GET
def healthz(request):
    """Answer that the process is up (used by load balancers and the benchmark floor)."""
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def favicon(request):
    """Send browsers that ask for /favicon.ico on their own to the static icon (no 404)."""
    return HttpResponseRedirect(static("alliance/favicon.ico"))


def _too_large_message(exception) -> str:
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


def handle_bad_request(request, exception=None):
    """Say clearly when a request was refused for its size (413); otherwise Django's 400."""
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        message = _too_large_message(exception)
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": [{"field": "body", "message": message}]}, status=413)
        return render(request, "errors/too_large.html", {"message": message}, status=413)
    return bad_request(request, exception)
