"""Views that belong to no area."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    """Answer that the process is up (used by load balancers and the benchmark floor)."""
    return HttpResponse("ok", content_type="text/plain")
