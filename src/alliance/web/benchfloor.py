"""The benchmark floor: a bare view doing one INSERT, served only when ALLIANCE_BENCH_FLOOR=true.

`bench/load.py` drives this view and the client's check through the same server and the same
load generator, so the check's throughput can be read against what the stack itself allows.
It is never routed unless the operator asks for it; do not enable it on a live practice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

ENABLED = settings.ALLIANCE_BENCH_FLOOR
TABLE = "alliance_bench_floor"


def create_table() -> None:
    """Create the floor's one-column table if it is missing (the benchmark calls this)."""
    key = (
        "id bigserial PRIMARY KEY"
        if connection.vendor == "postgresql"
        else "id integer PRIMARY KEY AUTOINCREMENT"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({key}, token varchar(64) NOT NULL)")  # noqa: S608


@never_cache
@csrf_protect
@require_POST
def floor(request: HttpRequest) -> HttpResponse:
    """Store one row and answer like the check does (a redirect), with nothing else around it."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (token) VALUES (%s)",  # noqa: S608
            [request.POST.get("token", "")[:64]],
        )
    response = HttpResponse(status=302)
    response["Location"] = "/healthz"
    return response
