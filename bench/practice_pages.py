"""Server time of the caseload and client pages for a clinic of 50 × 100 clients × 20 sessions.

Every session has the client's Alliance Check, every fourth a PHQ-9 (one client in ten with a
falling alliance, one in fifty with a critical item 9), the last session an open check, and
the monitoring has run once, so the pages draw sparklines, charts and alerts as in a clinic.
Prints p50/p95 and the queries of each page beside a bare Django view (the floor), on SQLite
and — when DATABASE_URL points to PostgreSQL (a scratch database: it is filled) — on
PostgreSQL. Target: p95 ≤ 50 ms on both databases, queries not growing with the caseload.

    python bench/practice_pages.py [--practitioners 50 --clients 100 --sessions 20 --requests 200]
    python bench/practice_pages.py --no-answers     # sessions only, as before issue 17
    python bench/practice_pages.py --profile 20     # also cProfile 20 requests of each page
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time

from _django import run_each_database, start
from load import create_open_checks


def add_answers(org, practitioners, sessions_per_episode: int) -> int:
    """Store scored answers in bulk (no audit, no alerts: the monitoring runs once after)."""

    from django.utils import timezone

    from alliance.web.insights.demo import alliance_answers, phq9_answers
    from alliance.web.measures.models import MeasureResponse, Rater, Source
    from alliance.web.measures.recording import Administration, score_administrations
    from alliance.web.practice.models import Session

    stored = 0
    now = timezone.now()
    for p_index, practitioner in enumerate(practitioners):
        sessions = list(
            Session.objects.filter(episode__practitioner=practitioner)
            .only("id", "organisation_id", "number", "episode_id", "starts_at")
            .order_by("episode_id", "number")
        )
        administrations = []
        for s in sessions:
            falling = s.episode_id % 10 == 0 and s.number > sessions_per_episode - 4
            alliance = 4.0 if falling else min(9.0, 6.5 + 0.25 * s.number)
            administrations.append(
                Administration.for_session(
                    s, "alliance-check", alliance_answers(alliance), submitted_at=s.starts_at
                )
            )
            if s.number % 4 == 1:
                item9 = 1 if s.episode_id % 50 == 0 and s.number == 1 else 0
                phq = 14 - min(8, s.number // 2)
                administrations.append(
                    Administration.for_session(
                        s, "phq9", phq9_answers(phq, item9=item9), submitted_at=s.starts_at
                    )
                )
        scores = score_administrations(administrations)
        MeasureResponse.objects.bulk_create(
            [
                MeasureResponse(
                    organisation_id=a.organisation_id,
                    session_id=a.session_id,
                    instrument_id=a.instrument_id,
                    rater=Rater.CLIENT,
                    source=Source.CHECK,
                    answers={str(k): v for k, v in a.answers.items()},
                    total=score["total"],
                    subscales={
                        k.removeprefix("subscale_"): v
                        for k, v in score.items()
                        if k.startswith("subscale_") and v is not None
                    },
                    band=score["band"] or "",
                    scored=bool(score["scored"]),
                    missing_items=[str(m) for m in score["missing_items"] or []],
                    critical_items=[str(c) for c in score["critical"] or []],
                    critical=bool(score["critical"]),
                    submitted_at=a.submitted_at,
                )
                for a, score in zip(administrations, scores, strict=True)
            ],
            batch_size=2000,
        )
        stored += len(administrations)
        last = [s for s in sessions if s.number == sessions_per_episode]
        create_open_checks(org, practitioner, last, now)
        print(
            f"\ranswered practitioner {p_index + 1}/{len(practitioners)}",
            end="",
            file=sys.stderr,
        )
    return stored


def build(args, vendor: str):
    """Fill the clinic; return (organisation, practitioners)."""
    from django.utils import timezone

    from alliance.web.accounts.models import Organisation, Role, User
    from alliance.web.practice.models import Client, Episode, PhaseChange, Session

    t0 = time.perf_counter()
    org = Organisation.objects.create(
        name="Bench clinic", slug=f"bench-{int(time.time())}", client_code_prefix="B"
    )
    practitioners = User.objects.bulk_create(
        [
            User(
                username=f"bench-p{i}-{org.slug}",
                organisation=org,
                role=Role.PRACTITIONER,
                practitioner_kind="therapist",
                last_name=f"P{i:02d}",
            )
            for i in range(args.practitioners)
        ]
    )
    start_day = timezone.localdate() - dt.timedelta(days=7 * args.sessions + 7)
    tz = timezone.get_current_timezone()
    phases = ["engagement", "assessment", "working", "ending"]
    for p_index, practitioner in enumerate(practitioners):
        clients = Client.objects.bulk_create(
            [
                Client(
                    organisation=org,
                    practitioner=practitioner,
                    code=f"B-{p_index:02d}{c:03d}",
                    name=f"Client {p_index}-{c}",
                )
                for c in range(args.clients)
            ]
        )
        episodes = Episode.objects.bulk_create(
            [
                Episode(
                    organisation=org,
                    client=c,
                    practitioner=practitioner,
                    service="therapy",
                    started_on=start_day,
                    phase=phases[i % 4],
                    referral_reason="Referred for low mood.",
                )
                for i, c in enumerate(clients)
            ]
        )
        PhaseChange.objects.bulk_create(
            [
                PhaseChange(
                    organisation=org,
                    episode=e,
                    to_phase="engagement",
                    changed_on=start_day,
                    changed_by=practitioner,
                )
                for e in episodes
            ]
        )
        Session.objects.bulk_create(
            [
                Session(
                    organisation=org,
                    episode=e,
                    number=n + 1,
                    phase=e.phase,
                    starts_at=dt.datetime.combine(
                        start_day + dt.timedelta(days=7 * n), dt.time(10), tzinfo=tz
                    ),
                    note="Talked through the week; noticed more energy.",
                )
                for e in episodes
                for n in range(args.sessions)
            ],
            batch_size=2000,
        )
        print(
            f"\r[{vendor}] built practitioner {p_index + 1}/{len(practitioners)}",
            end="",
            file=sys.stderr,
        )
    print(
        f"\n[{vendor}] built {Session.objects.filter(organisation=org).count()} sessions in "
        f"{time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    if args.answers:
        from alliance.web.insights.models import Alert
        from alliance.web.insights.services import monitor_organisation

        t0 = time.perf_counter()
        stored = add_answers(org, practitioners, args.sessions)
        monitor_organisation(org)
        print(
            f"\n[{vendor}] stored {stored} answers, monitored: "
            f"{Alert.objects.filter(organisation=org).count()} alerts, in "
            f"{time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
        )
    try:
        from alliance.web.practice.summaries import refresh_all
    except ImportError:  # a version before the episode summaries (issue 17)
        pass
    else:
        # Bulk inserts bypass the actions that keep them; a clinic gets them from the
        # migration that added them and from every write since.
        t0 = time.perf_counter()
        refresh_all(org)
        print(f"[{vendor}] summaries in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    # A clinic's tables grow a few rows at a time and autovacuum keeps PostgreSQL's statistics
    # current; the bulk load above outruns it, and with no statistics the planner joins a
    # client's sessions to every answer in the table (235 ms instead of 0.6 ms here).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return org, practitioners


def run_one(database_url: str, args) -> None:
    vendor = start(database_url, "alliance-bench-")
    import random

    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext

    from alliance.web.practice.models import Client

    org, practitioners = build(args, vendor)
    http = HttpClient()

    split = TimeSplit()

    def timed(url: str) -> tuple[float, int]:
        with CaptureQueriesContext(connection) as queries, split.request(connection):
            begin = time.perf_counter()
            response = http.get(url)
            elapsed = time.perf_counter() - begin
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        split.finish(elapsed)
        return elapsed * 1000, len(queries.captured_queries)

    def urls(rng: random.Random):
        """Sign in as a random practitioner; return the pages to time for them."""
        practitioner = rng.choice(practitioners)
        http.force_login(practitioner)
        client = Client.objects.filter(practitioner=practitioner).order_by("?").first()
        return {
            "bare view (floor)": "/healthz",
            "caseload": "/caseload/",
            "client page": f"/clients/{client.public_id}/",
        }

    rng = random.Random(7)  # noqa: S311
    # CaptureQueriesContext keeps every query's SQL (and times nothing of ours): its cost is
    # the same for every page and small beside a request.
    results: dict[str, list[float]] = {}
    queries: dict[str, set[int]] = {}
    parts: dict[str, list[tuple[float, float, float]]] = {}
    for _ in range(args.requests):
        for name, url in urls(rng).items():
            ms, n = timed(url)
            results.setdefault(name, []).append(ms)
            queries.setdefault(name, set()).add(n)
            parts.setdefault(name, []).append(split.last)
    print(
        f"\n{vendor}: {args.practitioners} practitioners × {args.clients} clients × "
        f"{args.sessions} sessions{', answered and monitored' if args.answers else ''}, "
        f"{args.requests} requests per page"
    )
    print(f"{'page':<20}{'p50 ms':>10}{'p95 ms':>10}{'queries':>10}")
    for name, samples in results.items():
        samples.sort()
        p50 = statistics.median(samples)
        p95 = samples[int(0.95 * (len(samples) - 1))]
        counts = sorted(queries[name])
        shown = str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
        verdict = "" if name.endswith("(floor)") else ("  met" if p95 <= 50 else "  NOT met")
        print(f"{name:<20}{p50:>10.1f}{p95:>10.1f}{shown:>10}{verdict}")
    print("target: p95 <= 50 ms")
    print(f"\nwhere the time goes (median per request, ms; {vendor})")
    print(f"{'page':<20}{'database':>10}{'templates':>10}{'other':>10}")
    for name, rows in parts.items():
        sql, tmpl, other = (statistics.median(r[i] for r in rows) for i in range(3))
        print(f"{name:<20}{sql:>10.1f}{tmpl:>10.1f}{other:>10.1f}")
    print(
        "database: executing queries and fetching rows (including in templates); templates: "
        "rendering without their queries; other: the view's Python, middleware and the test "
        "client"
    )
    if args.profile:
        profile(http, urls, args.profile)


class TimeSplit:
    """Splits each request's time into database, template rendering and the rest.

    Every query is timed by a database execute wrapper; the outermost template render of
    Django's backend is timed by wrapping it; queries run while rendering count as database.
    """

    def __init__(self) -> None:
        from django.template.backends.django import Template

        self.sql = self.sql_in_templates = self.templates = 0.0
        self.depth = 0
        self.last = (0.0, 0.0, 0.0)
        original = Template.render
        split = self

        def render(template, *args, **kwargs):
            split.depth += 1
            begin = time.perf_counter()
            try:
                return original(template, *args, **kwargs)
            finally:
                split.depth -= 1
                if split.depth == 0:
                    split.templates += time.perf_counter() - begin

        Template.render = render

    def _execute(self, execute, sql, params, many, context):
        begin = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - begin
            self.sql += took
            if self.depth:
                self.sql_in_templates += took

    def request(self, connection):
        self.sql = self.sql_in_templates = self.templates = 0.0
        return connection.execute_wrapper(self._execute)

    def finish(self, elapsed: float) -> None:
        templates = self.templates - self.sql_in_templates
        other = elapsed - self.sql - templates
        self.last = (1000 * self.sql, 1000 * templates, 1000 * other)


def profile(http, urls, n: int) -> None:
    """Print where `n` requests of each page spend their time (cProfile, cumulative)."""
    import cProfile
    import pstats
    import random

    rng = random.Random(11)  # noqa: S311
    for name in ("caseload", "client page"):
        profiler = cProfile.Profile()
        for _ in range(n):
            url = urls(rng)[name]  # signs in: not profiled
            profiler.enable()
            response = http.get(url)
            profiler.disable()
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        print(f"\n--- {name}: {n} requests, cumulative time ---")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--practitioners", type=int, default=50)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--answers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="answer every session and run the monitoring (default: yes)",
    )
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile N requests")
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database:
        run_one(args.database, args)
        return
    run_each_database(
        __file__,
        [
            "--practitioners",
            str(args.practitioners),
            "--clients",
            str(args.clients),
            "--sessions",
            str(args.sessions),
            "--requests",
            str(args.requests),
            "--answers" if args.answers else "--no-answers",
            "--profile",
            str(args.profile),
        ],
    )


if __name__ == "__main__":
    main()
