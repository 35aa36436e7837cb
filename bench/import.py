"""Import 100,000 administrations (PHQ-9, 900,000 item rows) from CSV; compare with a raw executemany.

Prints administrations/s of `alliance import responses` (parse, validate, score, insert) beside a
raw `executemany` of the same rows into the same table (the floor), on SQLite and — when
DATABASE_URL points to a scratch PostgreSQL database — on PostgreSQL. Target: ≤ 3× the floor.

    python bench/import.py [--clients 5000 --sessions 20]
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import uuid

import _django
from _django import clients_and_sessions_main


def run_one(database_url: str, args) -> None:
    vendor = _django.start(database_url, "alliance-bench-import-")
    from django.db import connection, transaction

    from alliance.web.measures.importing import import_responses
    from alliance.web.measures.models import MeasureResponse
    from alliance.web.measures.recording import COLUMNS

    org, _sessions = _django.bulk_caseload("Import bench", "I", args.clients, args.sessions)
    rng = random.Random(3)  # noqa: S311
    path = os.path.join(os.environ["ALLIANCE_HOME"], "responses.csv")
    with open(path, "w") as fh:
        fh.write("client_code,session_number,instrument,item,value\n")
        for code in (f"I-{k:05d}" for k in range(args.clients)):
            for n in range(1, args.sessions + 1):
                for item in range(1, 10):
                    fh.write(f"{code},{n},phq9,{item},{rng.randint(0, 3)}\n")
    n_admin = args.clients * args.sessions
    print(f"[{vendor}] wrote {n_admin} administrations to {path}", file=sys.stderr)

    t0 = time.perf_counter()
    report = import_responses(path, org)
    ours = time.perf_counter() - t0
    assert report.imported and report.created == n_admin, report.errors[:5]

    # The floor: the same rows, already computed, inserted with one executemany.
    rows = list(MeasureResponse.objects.filter(organisation=org).values_list(*COLUMNS[1:]))
    MeasureResponse.objects.filter(organisation=org).delete()
    params = [
        (
            str(uuid.uuid4()).replace("-", "") if vendor == "sqlite" else str(uuid.uuid4()),
            o,
            s,
            ck,
            i,
            r,
            src,
            json.dumps(a),
            t,
            json.dumps(sub),
            b,
            sc,
            json.dumps(m),
            json.dumps(ci),
            c,
            at,
        )
        for (o, s, ck, i, r, src, a, t, sub, b, sc, m, ci, c, at) in rows
    ]
    table = MeasureResponse._meta.db_table
    columns = COLUMNS
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)
    floor = time.perf_counter() - t0
    print(f"\n{vendor}: {n_admin} administrations ({n_admin * 9} item rows)")
    print(f"  alliance import responses : {ours:7.2f} s  {n_admin / ours:10.0f} administrations/s")
    print(
        f"  raw executemany (floor)   : {floor:7.2f} s  {n_admin / floor:10.0f} administrations/s"
    )
    print(f"  ratio                     : {ours / floor:7.2f}× the floor (target ≤ 3×)")


def main() -> None:
    clients_and_sessions_main(__doc__, __file__, run_one)


if __name__ == "__main__":
    main()
