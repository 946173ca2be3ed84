"""Web: p50 / p95 latency and requests per second of the main pages under concurrent load, production settings,
each beside a trivial authenticated view measured in the same round.

    .venv/bin/python bench/web_load.py --database-url postgres://postgres@127.0.0.1:5432/dealerkpi_bench_m \
        --period 2026-10 [--workers 3] [--concurrency 8] [--requests 600] [--max-seconds 60] [--port 8765] \
        [--repeat 1] [--only NAME,NAME]

Set-up (not timed): computes one bonus run for the first store for `--period` if it has none; gives the months the
monthly analysis compares it with (the previous month, the same month last year) a final run if they have none, as
a dealership would have (computed, submitted by the sales manager, approved by the general manager: the analysis
reads such months as kept with their run, reports/kept.py); and logs in, with Django's test client (`force_login`),
keeping their session cookies: a consultant of that store, its sales manager (drafts included), its general
manager and a head-office user (the first active one; left out, and said so, if the database has none). Then it
starts gunicorn (`dealerkpi.wsgi`, `--workers N`, sync workers, 127.0.0.1 only) with DJANGO_DEBUG=0; static files
are not requested. The load comes from a second process (`--child`):
`--concurrency` threads, each with a keep-alive connection to 127.0.0.1, send GETs for one page at a time: 20
warm-up requests, then `--requests` requests or `--max-seconds`, whichever comes first; every response must be 200.
Latency is request sent -> body read. The load generator stops by itself; the server is stopped at the end (by its
pid).

Pages, in this order in every round: the baseline, a trivial authenticated view (`/session/`: the session check,
the signed-in user's name as JSON, as the consultant), the shell: the consultant's list of statements
(`/pay/statements/`: the layout and the menu every page has, around one short list), the consultant's today
page (`/desk/`, desk-today), a statement (`/pay/statements/<id>/`), the store's monthly sales analysis for `--period`
(`/reports/monthly/?store=<id>&month=<period>`, as its sales manager), the run page (`/pay/runs/<id>/`), the daily
report (`/reports/daily/`, as the sales manager: the store's report of today) and the home page (`/`) of the
consultant, the sales manager, the general manager and head office. `--only` measures some of them (by name, the
baseline always). Each page's result gives `p50_ratio` and `p95_ratio`: its p50 and p95 over the baseline's of the
same round. gunicorn is one of the project's dependencies (pyproject.toml).
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
BASELINE = "baseline (session check)"
SHELL = "shell (my statements)"  # the layout and menu every page has, around one short list
HOMES = ("consultant", "manager", "general manager", "head office")


def _users(store: object) -> dict[str, object]:
    """The logins the pages are read as: the store's consultant, sales manager and general manager, and a
    head-office user if there is one."""
    from dealerkpi.org.models import Role, User

    def employed(role: str) -> object:
        return User.objects.filter(staff__store=store, staff__role=role, staff__leave_date__isnull=True,
                                   is_active=True).order_by("pk").first()

    users = {"consultant": employed(Role.CONSULTANT), "manager": employed(Role.SALES_MANAGER),
             "general manager": employed(Role.GENERAL_MANAGER),
             "head office": User.objects.filter(staff__role=Role.HEAD_OFFICE, staff__leave_date__isnull=True,
                                                is_active=True).order_by("pk").first()}
    return {key: user for key, user in users.items() if user is not None}


def _approved_months(store: object, period: object, users: dict[str, object]) -> list[str]:
    """The months the monthly analysis compares `period` with (the previous month, the same month last year) given
    a final bonus run where they have none, as the store would have: computed, submitted by its sales manager,
    approved by its general manager. Their tallies are then kept with the run (reports/kept.py)."""
    from dealerkpi.org.scope import viewer_for
    from dealerkpi.pay import runs, workflow
    from dealerkpi.pay.inputs import FINAL
    from dealerkpi.pay.models import Run
    from dealerkpi.reports.analysis import Months

    manager, general_manager = users["manager"], users["general manager"]
    approved = []
    for month in (Months(period).previous, Months(period).last_year):
        if not Run.objects.filter(store=store, period=month.first_day, status__in=FINAL).exists():
            run = runs.compute(runs.new_run(store, month, manager))
            workflow.submit(run, viewer_for(manager), manager)
            workflow.approve(run, viewer_for(general_manager), general_manager)
            approved.append(str(month))
    return approved


def setup(args: argparse.Namespace) -> dict:
    setup_django(args.database_url)
    from django.test import Client

    from dealerkpi.org.models import Store
    from dealerkpi.pay import runs
    from dealerkpi.pay.models import Run
    from dealerkpi.plans.engine import Period

    period = Period.parse(args.period)
    store = Store.objects.select_related("region__group").order_by("code").first()
    run = Run.objects.filter(store=store, period=period.first_day, status=Run.Status.DRAFT).order_by("-number").first()
    if run is None:
        run = runs.compute(runs.new_run(store, period))
    statement = run.statements.order_by("pk").first()
    users = _users(store)
    approved = _approved_months(store, period, users)
    if approved:
        print(f"bonus runs computed and approved for {', '.join(approved)} (the months compared)", flush=True)
    cookies = {}
    for key, user in users.items():
        client = Client()
        client.force_login(user)
        cookies[key] = client.cookies["sessionid"].value
    pages = [
        {"name": BASELINE, "path": "/session/", "session": cookies["consultant"]},
        {"name": SHELL, "path": "/pay/statements/", "session": cookies["consultant"]},
        {"name": "today (consultant)", "path": "/desk/", "session": cookies["consultant"]},
        {"name": "statement", "path": f"/pay/statements/{statement.pk}/", "session": cookies["manager"]},
        {"name": "monthly analysis", "path": f"/reports/monthly/?store={store.pk}&month={args.period}",
         "session": cookies["manager"]},
        {"name": "run page", "path": f"/pay/runs/{run.pk}/", "session": cookies["manager"]},
        {"name": "daily report", "path": "/reports/daily/", "session": cookies["manager"]},
        *({"name": f"home ({key})", "path": "/", "session": cookies[key]} for key in HOMES if key in cookies),
    ]
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    return {
        "pages": [page for page in pages if not wanted or page["name"] in wanted | {BASELINE}],
        "head_office": users["head office"].username if "head office" in users else None,
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
    emit({"pages": with_ratios(results)})


def with_ratios(results: list[dict]) -> list[dict]:
    """Each page's p50 and p95 over the baseline's of the same round."""
    baseline = next(result for result in results if result["page"] == BASELINE)
    return [{**result, "p50_ratio": round(result["p50_ms"] / baseline["p50_ms"], 1),
             "p95_ratio": round(result["p95_ms"] / baseline["p95_ms"], 1)} for result in results]


def table(results: list[dict]) -> str:
    lines = [f"{'page':26} {'p50 ms':>8} {'p95 ms':>8} {'x p50':>6} {'x p95':>6} {'req/s':>6} {'n':>5} {'fail':>4}"]
    lines += [f"{r['page']:26} {r['p50_ms']:8} {r['p95_ms']:8} {r['p50_ratio']:6} {r['p95_ratio']:6} "
              f"{r['requests_per_second']:6} {r['requests']:5} {r['failures']:4}" for r in results]
    return "\n".join(lines)


def serve(args: argparse.Namespace) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": args.database_url, "DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": HOST,
           "DJANGO_SETTINGS_MODULE": "dealerkpi.settings",
           "PYTHONPATH": os.environ.get("BENCH_SRC") or str(ROOT / "src")}
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
    parser.add_argument("--only", default="", help="pages to measure, by name, comma-separated (the baseline always)")
    parser.add_argument("--pages", default="", help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        load(args)
        return
    prepared = setup(args)
    if prepared["head_office"] is None:
        print("no head-office user in this database: its home page is not measured", flush=True)
    server = serve(args)
    rounds = []
    try:
        for _ in range(args.repeat):
            result = run_child("web_load.py", ["--database-url", args.database_url, "--period", args.period,
                                               "--port", str(args.port), "--concurrency", str(args.concurrency),
                                               "--requests", str(args.requests), "--max-seconds",
                                               str(args.max_seconds), "--pages", json.dumps(prepared["pages"])])
            rounds.append(result["pages"])
            print(table(result["pages"]), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    record("web", {"database": args.database_url, "workers": args.workers, "concurrency": args.concurrency,
                   "head_office": prepared["head_office"],
                   "run": prepared["run"], "people_in_run": prepared["people_in_run"], "store": prepared["store"],
                   "rounds": rounds, "python": PYTHON})


if __name__ == "__main__":
    main()
