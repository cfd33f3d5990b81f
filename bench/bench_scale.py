"""The read side at province size: a clerk's pages with 10,000 … 1,000,000 cases.

The database is filled the way `suitiao demo --cases N` fills it (api/demo_clone.py): a few
hundred cases played through the engine, the rest copied in bulk across the first `--courts`
basic courts of the Zhejiang registry with their own committees, `--open-share` of the copies
open. Then, over HTTP in the same process (TestClient), for the demo clerk of 临海市人民法院
(one court of 90: a ninetieth of the cases):

- GET /tasks?limit=50 and the web inbox (the waiting-task read model);
- the court's case search, /ui/cases?q=<a party's name> (p99 over several names), and by a
  surname alone (one character: the widest prefix people type, its total capped at 1000+);
  `--explain` prints the search's query plans (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE);
- a case page, /ui/cases/<id> of an open case of the court;
- the findings' pages when `measure_audit(client)` is defined (helper `findings`);
- RSS now and at peak (the peak includes the fill, which runs in this process).

Ratios against the first size of the run are printed last (target: 1M/10k under 2).

    python -m bench.bench_scale --cases 10000 100000 [--db sqlite postgres] [--requests 50]
    python -m bench.bench_scale --cases 1000000 --db postgres     # ≈ 1 h fill on this machine

PostgreSQL: a database of its own (`suitiao_bench_scale`, dropped and created per size) on
--pg (default 127.0.0.1:5432 user postgres).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.demo import DemoClock, add_demo_users, populate
from api.demo_clone import copy_templates, load_templates
from api.settings import Settings
from engine.services import SystemClock
from storage.sql import cases_t

CLERK_COURT = "临海市人民法院"
MAINTENANCE_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_NAME = "suitiao_bench_scale"


CPU: dict[str, list[float]] = {}  # per measured name: CPU ms of each request, this process


def timed(call: Callable[[], Any], repeat: int, name: str = "") -> list[float]:
    """Wall ms of each call; the CPU ms go to CPU[name] (a shared machine inflates wall time,
    CPU time much less)."""
    samples, cpu = [], []
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        response = call()
        samples.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
        status = getattr(response, "status_code", 200)
        if status != 200:
            raise SystemExit(f"request failed: {status} {getattr(response, 'text', '')[:300]}")
    CPU[name] = cpu
    return samples


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set of this process in MB."""
    current = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            current = int(line.split()[1]) / 1024
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def database(kind: str, folder: Path, pg: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'scale.db'}"
    import psycopg
    from psycopg import sql

    with psycopg.connect(pg, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(PG_NAME))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(PG_NAME)))
        info = admin.info
        return f"postgresql://{info.user}@{info.host}:{info.port}/{PG_NAME}"


def sign_in(client: TestClient, user: str) -> dict[str, str]:
    token = client.post("/auth/token", data={"username": user, "password": f"{user}-demo"})
    page = client.get("/ui/login").text
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(
        "/ui/login",
        data={"username": user, "password": f"{user}-demo", "csrf_token": csrf},
        follow_redirects=False,
    )
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def run(kind: str, cases: int, args: argparse.Namespace) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="suitiao-scale-"))
    settings = Settings(
        database_url=database(kind, folder, args.pg),
        secret_key="bench-" + "x" * 40,
        state_dir=folder,
    )
    app = create_app(settings, timers=False)
    add_demo_users(app.state.services.accounts)
    engine = app.state.engine
    clock = DemoClock(SystemClock().now())
    engine.clock = clock
    played: list[str] = []
    began = time.perf_counter()
    populate(engine, clock, min(cases, args.templates), args.days, 2561, opened_ids=played)
    play_s = time.perf_counter() - began
    copying = time.perf_counter()

    def progress(done: int) -> None:
        if done % 100_000 < args.batch:
            rate = done / (time.perf_counter() - copying)
            print(f"  … {done:,} copies, {rate:,.0f}/s", file=sys.stderr, flush=True)

    pool = load_templates(engine.store, played)
    copied = copy_templates(
        engine.store,
        pool,
        range(len(played) + 1, cases + 1),
        2561,
        args.courts,
        args.open_share,
        args.batch,
        progress,
    )
    copy_s = time.perf_counter() - copying
    filled = time.perf_counter() - began
    engine.clock = SystemClock()
    store = engine.store
    if kind == "postgres":
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    with store.engine.connect() as conn:
        open_ids = list(
            conn.execute(
                select(cases_t.c.id)
                .where(cases_t.c.court_org == CLERK_COURT, cases_t.c.status != "closed")
                .order_by(cases_t.c.id)
                .limit(200)
            ).scalars()
        )
        names = list(
            conn.execute(
                select(cases_t.c.facts).where(cases_t.c.court_org == CLERK_COURT).limit(200)
            ).scalars()
        )
    import orjson

    parties = [orjson.loads(f)["consumer"]["name"] for f in names if "consumer" in f]
    rng = random.Random(1)
    client = TestClient(app)
    headers = sign_in(client, "clerk")
    n = args.requests
    result: dict[str, float] = {
        "cases": cases,
        "fill_s": filled,
        "play_rate": len(played) / play_s,
        "copy_rate": copied / copy_s if copied else 0.0,
    }
    samples = {
        "tasks": timed(
            lambda: client.get("/tasks", params={"limit": 50}, headers=headers), n, "tasks"
        ),
        "inbox": timed(lambda: client.get("/ui/inbox"), n, "inbox"),
        "search": timed(
            lambda: client.get("/ui/cases", params={"q": rng.choice(parties)}), n, "search"
        ),
        "surname": timed(
            lambda: client.get("/ui/cases", params={"q": rng.choice(parties)[0]}), n, "surname"
        ),
        "case": timed(lambda: client.get(f"/ui/cases/{rng.choice(open_ids)}"), n, "case"),
    }
    for name, values in samples.items():
        result[f"{name}_p50"] = statistics.median(values)
        result[f"{name}_p99"] = p99(values)
        result[f"{name}_cpu"] = statistics.median(CPU[name])
    # Hook for the findings read models (helper `findings`): /audit, /stats, the dashboard.
    measure_audit = globals().get("measure_audit")
    if callable(measure_audit):
        result.update(measure_audit(client))
    result["rss_mb"], result["peak_rss_mb"] = rss_mb()
    if args.explain:
        for q in (parties[0], parties[0][0]):
            print(f"-- {kind}, {cases:,} cases, q={q}:\n{search_plans(store.engine, q)}")
    client.close()
    store.engine.dispose()
    return result


def search_plans(engine: Any, q: str) -> str:
    """The plans of the clerk's search statements (page and capped count), as the database
    runs them: each must range over a case_terms index, never scan the court's cases."""
    from sqlalchemy import event

    from storage.scoped import ScopedReads, Visibility

    statements: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        ScopedReads(engine).case_page(Visibility("court", CLERK_COURT), q=q)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    postgres = engine.dialect.name == "postgresql"
    lines = []
    with engine.connect() as conn:
        for statement, params in statements:
            explain = "EXPLAIN (ANALYZE, COSTS OFF) " if postgres else "EXPLAIN QUERY PLAN "
            plan = conn.exec_driver_sql(explain + statement, params).all()
            lines += [" ".join(statement.split())[:160] + " …"]
            lines += ["    " + str(row[0] if postgres else row[-1]) for row in plan]
    return "\n".join(lines)


COLUMNS = (
    ("tasks", "GET /tasks"),
    ("inbox", "inbox"),
    ("search", "court case search"),
    ("surname", "search by surname"),
    ("case", "case page"),
)


def measure_audit(
    client: TestClient, requests: int = 20, year: int | None = None
) -> dict[str, float]:
    """The province auditor's read side, from the findings read model and the counters:
    the first page of GET /audit (50 findings), GET /stats for a year (with 同比) and the
    dashboard page /ui/audit; p50 and p99 in ms. Signs in as the demo auditor (token and page
    session) on the client given; bench/bench_audit_scale.py runs it with a baseline."""
    year = year or datetime.now(UTC).year
    token = client.post(
        "/auth/token", data={"username": "auditor", "password": "auditor-demo"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    login = client.get("/ui/login").text
    csrf = login.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(
        "/ui/login",
        data={"username": "auditor", "password": "auditor-demo", "csrf_token": csrf},
        follow_redirects=False,
    )
    period = {"from": f"{year}-01-01", "to": f"{year}-12-31"}

    def ok(response: Any) -> None:
        assert response.status_code == 200, response.text[:300]

    audit = timed(lambda: ok(client.get("/audit", params={"limit": 50}, headers=headers)), requests)
    stats = timed(lambda: ok(client.get("/stats", params=period, headers=headers)), requests)
    dashboard = timed(lambda: ok(client.get("/ui/audit")), requests)
    return {
        "audit_p50": statistics.median(audit),
        "audit_p99": p99(audit),
        "stats_p50": statistics.median(stats),
        "stats_p99": p99(stats),
        "dashboard_p50": statistics.median(dashboard),
        "dashboard_p99": p99(dashboard),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--db", nargs="+", choices=["sqlite", "postgres"], default=["sqlite"])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--courts", type=int, default=90)
    parser.add_argument("--open-share", type=float, default=0.1)
    parser.add_argument("--templates", type=int, default=120)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--pg", default=MAINTENANCE_DSN)
    parser.add_argument("--quick", action="store_true", help="2,000 and 10,000 cases")
    parser.add_argument("--explain", action="store_true", help="print the search's plans")
    args = parser.parse_args(argv)
    sizes = [2_000, 10_000] if args.quick else args.cases
    print(
        f"load average {os.getloadavg()[0]:.1f}; {args.courts} courts, open share {args.open_share}"
    )
    head = " | ".join(f"{label} p50 / p99 / CPU p50 (ms)" for _, label in COLUMNS)
    print(f"| db | cases | fill: played / copied (cases/s) | {head} | RSS now / peak (MB) |")
    print("| --- " * (5 + len(COLUMNS)) + "|")
    for kind in args.db:
        results = []
        for n in sizes:
            r = run(kind, n, args)
            results.append(r)
            cells = " | ".join(
                f"{r[f'{k}_p50']:.1f} / {r[f'{k}_p99']:.1f} / {r[f'{k}_cpu']:.1f}"
                for k, _ in COLUMNS
            )
            extra = {
                k: round(v, 1)
                for k, v in r.items()
                if k.split("_")[0] in ("audit", "stats", "dashboard")
            }
            print(
                f"| {kind} | {n:,} | {r['play_rate']:,.0f} / {r['copy_rate']:,.0f} | {cells} "
                f"| {r['rss_mb']:.0f} / {r['peak_rss_mb']:.0f} |" + (f" {extra}" if extra else ""),
                flush=True,
            )
        base = results[0]
        for r in results[1:]:
            ratios = ", ".join(
                f"{k} p99 ×{r[f'{k}_p99'] / base[f'{k}_p99']:.2f} "
                f"(CPU p50 ×{r[f'{k}_cpu'] / base[f'{k}_cpu']:.2f})"
                for k, _ in COLUMNS
            )
            ratios += "".join(
                f", {k} p50 ×{r[f'{k}_p50'] / base[f'{k}_p50']:.2f}"
                for k in ("audit", "stats", "dashboard")
                if f"{k}_p50" in r and f"{k}_p50" in base
            )
            print(f"{kind}: {r['cases']:,} / {base['cases']:,}: {ratios}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
