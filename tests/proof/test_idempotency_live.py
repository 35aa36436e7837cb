"""Requests racing each other through the real server store one record, never two.

An integrator whose request timed out retries it while the first attempt may still be running;
a client taps "send" on two phones at once. Runs on a file SQLite database and, in CI's second
run, on a fresh PostgreSQL database — the real server with several workers, so the requests
truly overlap.
"""

from __future__ import annotations

import http.client
import json
import threading

from tests.proof.live import (
    Server,
    free_port,
    fresh_database,
    run_alliance,
    server_env,
    submit,
)

RETRIES = 8


def _call(port: int, method: str, path: str, secret: str, body: dict | None = None, key=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    try:
        connection.request(method, path, body=json.dumps(body) if body else None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_racing_retries_and_double_taps_store_one_record(tmp_path):
    with fresh_database(tmp_path) as database_url:
        env = server_env(tmp_path, database_url)
        run_alliance(env, "alliance", "migrate")
        secret = run_alliance(env, "tests.proof.live", "api-token").strip()
        server = Server(env, free_port(), tmp_path / "server.log", workers=3)
        server.start()
        try:
            body = {"name": "Racing Retries", "preferred_language": "en"}
            barrier = threading.Barrier(RETRIES)
            results: list[tuple[int, bytes]] = []

            def retry():
                barrier.wait()
                results.append(
                    _call(server.port, "POST", "/api/v1/clients", secret, body, key="retry-1")
                )

            threads = [threading.Thread(target=retry) for _ in range(RETRIES)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            status, listing = _call(server.port, "GET", "/api/v1/clients?limit=50", secret)

            # The same check submitted eight times at once: one answer, one audit entry.
            [token] = run_alliance(env, "tests.proof.live", "prepare", "1").split()
            barrier = threading.Barrier(RETRIES)
            submitted: list[bool] = []

            def tap():
                barrier.wait()
                submitted.append(submit(server.port, token, timeout=30))

            threads = [threading.Thread(target=tap) for _ in range(RETRIES)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            rows = json.loads(run_alliance(env, "tests.proof.live", "count"))
        finally:
            server.stop()

    # Every tap lands on the thank-you page (an answered link says thank you again) ...
    assert submitted == [True] * RETRIES
    # ... and the check is answered once: [answered, stored responses, audit entries].
    assert list(rows.values()) == [[1, 1, 1]]

    assert status == 200
    codes = [client["code"] for client in json.loads(listing)["items"]]
    assert len(codes) == 2, f"one client before and exactly one more, got {codes}"
    statuses = [s for s, _ in results]
    assert set(statuses) <= {201, 409}, results
    created = [json.loads(b) for s, b in results if s == 201]
    assert created, "at least one attempt answers with the created client"
    assert len({c["id"] for c in created}) == 1, "every replay returns the same client"
    for s, b in results:
        if s == 409:  # still being created by a racing attempt: retry later, says the body
            assert json.loads(b)["errors"][0]["field"] == "Idempotency-Key"
