"""Web: p50 / p95 latency and requests per second of four pages under concurrent load, production settings.

    .venv/bin/python bench/web_load.py --database-url postgres://postgres@127.0.0.1:5432/dealerkpi_bench_m \
        --period 2026-10 [--workers 3] [--concurrency 8] [--requests 600] [--max-seconds 60] [--port 8765]

Set-up (not timed): computes one bonus run for the first store for `--period` if it has none, and logs in
two users with Django's test client (`force_login`), keeping their session cookies: a consultant of that
store (for their today page) and its sales manager (for a statement and the run page, drafts included).
Then it starts gunicorn (`dealerkpi.wsgi`, `--workers N`, sync workers, 127.0.0.1 only) with DJANGO_DEBUG=0;
static files are not requested. The load comes from a second process (`--child`): `--concurrency` threads,
each with a keep-alive connection to 127.0.0.1, send GETs for one page at a time: 20 warm-up requests, then
`--requests` requests or `--max-seconds`, whichever comes first; every response must be 200. Latency is
request sent -> body read. The load generator stops by itself; the server is stopped at the end (by its pid).

Pages: the consultant's today page (`/desk/`, desk-today), a statement (`/pay/statements/<id>/`), the store's
monthly sales analysis for `--period` (`/reports/monthly/?store=<id>&month=<period>`, as its sales manager) and
the run page (`/pay/runs/<id>/`). gunicorn is one of the project's dependencies (pyproject.toml).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import threading
import time

from common import PYTHON, ROOT, emit, record, run_child, setup_django

HOST = "127.0.0.1"  # loopback only


def setup(args: argparse.Namespace) -> dict:
    setup_django(args.database_url)
    from django.test import Client

    from dealerkpi.org.models import Role, Store, User
    from dealerkpi.pay import runs
    from dealerkpi.pay.models import Run
    from dealerkpi.plans.engine import Period

    period = Period.parse(args.period)
    store = Store.objects.select_related("region__group").order_by("code").first()
    run = Run.objects.filter(store=store, period=period.first_day, status=Run.Status.DRAFT).order_by("-number").first()
    if run is None:
        run = runs.compute(runs.new_run(store, period))
    statement = run.statements.order_by("pk").first()
    manager = User.objects.get(staff__store=store, staff__role=Role.SALES_MANAGER, staff__leave_date__isnull=True,
                               is_active=True)
    consultant = User.objects.filter(staff__store=store, staff__role=Role.CONSULTANT, staff__leave_date__isnull=True,
                                     is_active=True).order_by("pk").first()
    cookies = {}
    for key, user in (("consultant", consultant), ("manager", manager)):
        client = Client()
        client.force_login(user)
        cookies[key] = client.cookies["sessionid"].value
    return {
        "pages": [
            {"name": "today (consultant)", "path": "/desk/", "session": cookies["consultant"]},
            {"name": "statement", "path": f"/pay/statements/{statement.pk}/", "session": cookies["manager"]},
            {"name": "monthly analysis", "path": f"/reports/monthly/?store={store.pk}&month={args.period}",
             "session": cookies["manager"]},
            {"name": "run page", "path": f"/pay/runs/{run.pk}/", "session": cookies["manager"]},
        ],
        "run": run.pk, "people_in_run": run.statements.count(), "store": store.code,
    }


class Load:
    """The shared state of the threads loading one page: a budget of requests, a deadline, the latencies."""

    def __init__(self, port: int, path: str, session: str) -> None:
        self.port, self.path = port, path
        self.headers = {"Cookie": f"sessionid={session}; django_language=zh-hans", "Host": HOST,
                        "Connection": "keep-alive"}
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.failures: list[int] = []
        self.issued = 0
        self.budget = 0
        self.deadline = 0.0
        self.warm = True

    def round(self, warm: bool, budget: int, seconds: float, threads: int) -> float:
        self.warm, self.budget, self.issued = warm, budget, 0
        self.deadline = 0.0 if warm else time.perf_counter() + seconds
        workers = [threading.Thread(target=self.worker) for _ in range(threads)]
        started = time.perf_counter()
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        return time.perf_counter() - started

    def worker(self) -> None:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        while True:
            with self.lock:
                if self.issued >= self.budget or (self.deadline and time.perf_counter() > self.deadline):
                    break
                self.issued += 1
            started = time.perf_counter()
            try:
                connection.request("GET", self.path, headers=self.headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
                status = 0
            elapsed = time.perf_counter() - started
            with self.lock:
                if not self.warm:
                    self.latencies.append(elapsed)
                if status != 200:
                    self.failures.append(status)
        connection.close()


def load(args: argparse.Namespace) -> None:
    """The load generator (a separate process): every page in turn, bounded count and duration."""
    results = []
    for page in json.loads(args.pages):
        state = Load(args.port, page["path"], page["session"])
        state.round(True, 20, 0, args.concurrency)
        wall = state.round(False, args.requests, args.max_seconds, args.concurrency)
        latencies = sorted(state.latencies)
        results.append({
            "page": page["name"], "path": page["path"], "requests": len(latencies), "failures": len(state.failures),
            "failure_statuses": sorted(set(state.failures))[:5], "seconds": round(wall, 2),
            "requests_per_second": round(len(latencies) / wall, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1),
            "max_ms": round(latencies[-1] * 1000, 1),
        })
    emit({"pages": results})


def serve(args: argparse.Namespace) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": args.database_url, "DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": HOST,
           "DJANGO_SETTINGS_MODULE": "dealerkpi.settings", "PYTHONPATH": str(ROOT / "src")}
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "dealerkpi.wsgi:application", "--bind",
               f"{HOST}:{args.port}", "--workers", str(args.workers), "--worker-class", "sync", "--timeout", "120",
               "--log-level", "warning"]
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    for _ in range(100):
        try:
            probe = http.client.HTTPConnection(HOST, args.port, timeout=2)
            probe.request("GET", "/login/", headers={"Host": HOST})
            probe.getresponse().read()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--period", required=True)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--max-seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pages", default="", help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        load(args)
        return
    prepared = setup(args)
    server = serve(args)
    rounds = []
    try:
        for _ in range(args.repeat):
            result = run_child("web_load.py", ["--database-url", args.database_url, "--period", args.period,
                                               "--port", str(args.port), "--concurrency", str(args.concurrency),
                                               "--requests", str(args.requests), "--max-seconds",
                                               str(args.max_seconds), "--pages", json.dumps(prepared["pages"])])
            rounds.append(result["pages"])
            print(json.dumps(result["pages"], indent=1), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    record("web", {"database": args.database_url, "workers": args.workers, "concurrency": args.concurrency,
                   "run": prepared["run"], "people_in_run": prepared["people_in_run"], "store": prepared["store"],
                   "rounds": rounds, "python": PYTHON})


if __name__ == "__main__":
    main()
