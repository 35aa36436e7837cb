"""The web server process: gunicorn serving Alliance, with the task worker beside it if asked.

`alliance demo` and `alliance serve` prepare in their own process (migrations, the demo data,
static files: work that imports numpy and polars and starts their thread pools), then replace
that process with this module (`os.execv`). So the gunicorn master that forks the workers has
never started a thread: thread pools do not survive a fork, and a worker that inherits one
hangs on its first polars query. This module imports nothing of Alliance at load time; each
worker loads the Django application after the fork.

Run as ``python -m alliance.web.server --bind HOST:PORT [--workers N] [--threads N]
[--with-task-worker]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

# A request still running when the server is told to stop gets this long before its worker
# is killed, so Ctrl+C or SIGTERM ends everything within 10 seconds.
GRACEFUL_STOP_SECONDS = 5


def exec_server(bind: str, *, workers: int, threads: int, with_task_worker: bool) -> None:
    """Replace this process with a fresh interpreter running the server (never returns)."""
    argv = [sys.executable, "-m", "alliance.web.server", "--bind", bind]
    argv += ["--workers", str(workers), "--threads", str(threads)]
    if with_task_worker:
        argv.append("--with-task-worker")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)  # noqa: S606 - our own interpreter and module


def run(bind: str, *, workers: int, threads: int) -> None:
    """Serve the Django application through gunicorn until stopped."""
    from gunicorn.app.base import BaseApplication

    class AllianceServer(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", bind)
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", "-")
            # Check, portal and reset links' tokens are redacted from access and error logs.
            self.cfg.set("logger_class", "alliance.web.security.logs.RedactingLogger")
            self.cfg.set("graceful_timeout", GRACEFUL_STOP_SECONDS)
            self.cfg.set("preload_app", False)
            if "control_socket_disable" in self.cfg.settings:
                # gunicorn 25+ serves a control socket from a thread in the master, which
                # would then fork every replacement worker from a threaded process.
                self.cfg.set("control_socket_disable", True)

        def load(self):
            # Called in each worker after the fork: Django, numpy and polars start there.
            from alliance.web.wsgi import application

            return application

    AllianceServer().run()


def start_task_worker() -> subprocess.Popen:
    """Start `alliance worker` (webhook deliveries) as a child process."""
    command = [sys.executable, "-m", "alliance", "worker"]
    return subprocess.Popen(command, env=os.environ.copy())  # noqa: S603


def stop_task_worker(process: subprocess.Popen) -> None:
    """Ask the task worker to finish its current task and stop; kill it if it does not."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=GRACEFUL_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m alliance.web.server", description=__doc__)
    parser.add_argument("--bind", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--with-task-worker", action="store_true")
    options = parser.parse_args(argv)
    task_worker = start_task_worker() if options.with_task_worker else None
    try:
        run(options.bind, workers=options.workers, threads=options.threads)
    finally:
        if task_worker is not None:
            stop_task_worker(task_worker)


if __name__ == "__main__":
    main()
