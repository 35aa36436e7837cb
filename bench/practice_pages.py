"""Server time of the caseload and client pages for a clinic of 50 × 100 clients × 20 sessions.

Prints p50/p95 of each page beside a bare Django view (the floor), on SQLite and — when
DATABASE_URL points to PostgreSQL (a scratch database: it is filled) — on PostgreSQL.
Target: p95 ≤ 50 ms on both databases.

    python bench/practice_pages.py [--practitioners 50 --clients 100 --sessions 20 --requests 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time

from _django import run_each_database, start


def run_one(database_url: str, args) -> None:
    vendor = start(database_url, "alliance-bench-")
    from django.test import Client as HttpClient
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

    http = HttpClient()

    def timed(url: str) -> float:
        begin = time.perf_counter()
        response = http.get(url)
        elapsed = time.perf_counter() - begin
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return elapsed * 1000

    import random

    rng = random.Random(7)  # noqa: S311
    results: dict[str, list[float]] = {"bare view (floor)": [], "caseload": [], "client page": []}
    for _ in range(args.requests):
        practitioner = rng.choice(practitioners)
        http.force_login(practitioner)
        client = Client.objects.filter(practitioner=practitioner).order_by("?").first()
        results["bare view (floor)"].append(timed("/healthz"))
        results["caseload"].append(timed("/caseload/"))
        results["client page"].append(timed(f"/clients/{client.public_id}/"))
    print(
        f"\n{vendor}: {args.practitioners} practitioners × {args.clients} clients × {args.sessions} sessions, "
        f"{args.requests} requests per page"
    )
    print(f"{'page':<20}{'p50 ms':>10}{'p95 ms':>10}")
    for name, samples in results.items():
        samples.sort()
        p50 = statistics.median(samples)
        p95 = samples[int(0.95 * (len(samples) - 1))]
        print(f"{name:<20}{p50:>10.1f}{p95:>10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--practitioners", type=int, default=50)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200)
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
        ],
    )


if __name__ == "__main__":
    main()
