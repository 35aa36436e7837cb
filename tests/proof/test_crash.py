"""Kill the real server (SIGKILL, whole process group) under load: nothing lost, nothing twice.

Runs on SQLite, and on a fresh PostgreSQL database when ALLIANCE_TEST_DATABASE_URL is PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time

from tests.proof.live import Server, free_port, fresh_database, run_alliance, server_env, submit

CHECKS = 160
KILL_AFTER = 50  # successes before the kill: well inside the run
THREADS = 8
DEADLINE_S = 40


def test_sigkill_mid_load_loses_nothing_and_stores_nothing_twice(tmp_path):
    with fresh_database(tmp_path) as database_url:
        env = server_env(tmp_path, database_url)
        run_alliance(env, "alliance", "migrate")
        tokens = run_alliance(env, "tests.proof.live", "prepare", str(CHECKS)).split()
        assert len(tokens) == CHECKS
        server = Server(env, free_port(), tmp_path / "server.log")
        server.start()

        pending = list(tokens)
        succeeded: list[str] = []
        failures: list[str] = []
        lock = threading.Lock()
        deadline = time.monotonic() + DEADLINE_S

        def client() -> None:
            while time.monotonic() < deadline:
                with lock:
                    if not pending:
                        return
                    token = pending.pop()
                try:
                    ok = submit(server.port, token, timeout=15)
                except OSError as exc:  # refused or reset while the server is down
                    ok = False
                    with lock:
                        failures.append(f"{type(exc).__name__}")
                    time.sleep(0.05)
                with lock:
                    if ok:
                        succeeded.append(token)
                    else:
                        # Its fate is unknown, so it goes back: the retry must store nothing twice.
                        pending.insert(0, token)

        workers = [threading.Thread(target=client, daemon=True) for _ in range(THREADS)]
        try:
            for worker in workers:
                worker.start()
            while time.monotonic() < deadline:
                with lock:
                    done = len(succeeded)
                if done >= KILL_AFTER:
                    break
                time.sleep(0.01)
            killed_at = len(succeeded)
            server.kill()
            time.sleep(0.3)  # let the clients meet a dead server
            server.start()
            for worker in workers:
                worker.join(max(0.1, deadline - time.monotonic()))
        finally:
            server.stop()

        assert KILL_AFTER <= killed_at < CHECKS, "the kill did not land in the middle of the load"
        assert not pending, f"{len(pending)} checks not answered before the deadline"
        assert len(succeeded) == len(set(succeeded)) == CHECKS

        rows = json.loads(run_alliance(env, "tests.proof.live", "count"))
        hashes = {hashlib.sha256(t.encode()).hexdigest() for t in succeeded}
        assert set(rows) == hashes
        wrong = {h: r for h, r in rows.items() if r != [1, 1, 1]}
        # [answered, responses, audit entries]: every success stored exactly once, all or nothing.
        assert not wrong, f"{len(wrong)} checks stored wrongly, e.g. {list(wrong.items())[:3]}"
