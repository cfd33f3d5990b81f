"""The HTTP API under load: clients on loopback completing tasks on SQLite.

    .venv/bin/python bench/bench_api.py [--rate 100] [--seconds 20] [--workers 32] [--quick]

Starts `uvicorn api.app:create_app` in a subprocess on 127.0.0.1 (a free port, a fresh SQLite
file in a temporary directory, one user per role), then:

  fixed rate  an open-loop schedule of --rate requests per second for --seconds: creating
              pre-filing cases and driving each through consent → refer → sign → accept →
              notify → start → agree (POST /cases, then POST /cases/{id}/tasks/{task}). Steps
              are interleaved so a case's next step comes a round later. Latency is measured
              from each request's scheduled time, so a stall shows up in it (no coordinated
              omission). Target (issue 5): p99 < 100 ms at 100 requests per second.
  saturation  --workers clients back to back on GET /cases/{id} and the same steps, to find
              the throughput ceiling.

Traffic stays on 127.0.0.1; every loop is bounded in count and time and the server is stopped
at the end.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COURT, CPA = "临海市人民法院", "临海市消保委"
STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("court_clerk", "record_consent", {"action": "consent"}),
    ("court_clerk", "refer", {"action": "refer", "mediator_org": CPA}),
    ("mediator", "sign_for_referral", {"action": "sign"}),
    ("mediator", "accept_referral", {"action": "accept"}),
    ("mediator", "notify_parties", {"action": "notify"}),
    ("mediator", "mediate", {"action": "start"}),
    ("mediator", "mediate", {"action": "agree", "amount": 3000}),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed_users(database_url: str) -> None:
    from api.security import hash_password
    from storage.accounts import AccountStore
    from storage.sql import SqlCaseStore

    store = SqlCaseStore.from_url(database_url)
    accounts = AccountStore(store.engine)
    for name, role, org in (("clerk", "court_clerk", COURT), ("mediator", "mediator", CPA)):
        accounts.add_user(
            username=name, password_hash=hash_password("bench-password"), role=role, org=org
        )
    store.engine.dispose()


def start_server(folder: Path, port: int, processes: int = 1) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'bench.db'}",
        SUITIAO_SECRET_KEY="bench-" + "k" * 40,
        SUITIAO_STATE_DIR=str(folder),
    )
    command = [
        sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        "--workers", str(processes),
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own interpreter
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the server did not start within 30 s")


def token(base: str, username: str) -> dict[str, str]:
    form = {"username": username, "password": "bench-password"}
    response = httpx.post(f"{base}/auth/token", data=form, timeout=10)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


class Load:
    def __init__(self, base: str, workers: int) -> None:
        self.base = base
        self.headers = {"court_clerk": token(base, "clerk"), "mediator": token(base, "mediator")}
        self.local = threading.local()
        self.pool = ThreadPoolExecutor(max_workers=workers)
        self.errors: list[str] = []

    def client(self) -> httpx.Client:
        if not hasattr(self.local, "client"):
            self.local.client = httpx.Client(base_url=self.base, timeout=10)
        found: httpx.Client = self.local.client
        return found

    def request(self, case_id: str, step: int) -> None:
        if step == 0:
            body = {"process_id": "pre_filing_referral", "case_id": case_id, "facts": {}}
            response = self.client().post("/cases", json=body, headers=self.headers["court_clerk"])
        else:
            role, bpmn_id, payload = STEPS[step - 1]
            response = self.client().post(
                f"/cases/{case_id}/tasks/{bpmn_id}", json=payload, headers=self.headers[role]
            )
        if response.status_code >= 300:
            self.errors.append(f"{response.status_code} {response.text[:120]}")

    def plan(self, prefix: str, total: int) -> list[tuple[str, int]]:
        per_case = len(STEPS) + 1
        cases = max(1, total // per_case)
        return [(f"{prefix}-{i:05d}", s) for s in range(per_case) for i in range(cases)][:total]


def fixed_rate(load: Load, rate: float, seconds: float) -> dict[str, float]:
    plan = load.plan("R", int(rate * seconds))
    latencies: list[float] = []
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def run(item: tuple[str, int], due: float) -> None:
        load.request(*item)
        with lock:
            latencies.append(time.perf_counter() - due)

    futures = []
    for n, item in enumerate(plan):
        due = start + n / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        futures.append(load.pool.submit(run, item, due))
    for f in futures:
        f.result(timeout=60)
    elapsed = time.perf_counter() - start
    return summary(latencies, elapsed)


def saturation(load: Load, total: int, prefix: str = "S") -> dict[str, float]:
    plan = load.plan(prefix, total)
    per_round = max(1, total // (len(STEPS) + 1))
    latencies: list[float] = []
    start = time.perf_counter()
    for r in range(0, len(plan), per_round):  # a round at a time: a case's steps stay in order

        def run(item: tuple[str, int]) -> float:
            t0 = time.perf_counter()
            load.request(*item)
            return time.perf_counter() - t0

        latencies += list(load.pool.map(run, plan[r : r + per_round]))
    return summary(latencies, time.perf_counter() - start)


def summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    ordered = sorted(latencies)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "requests": len(ordered),
        "seconds": elapsed,
        "throughput": len(ordered) / elapsed,
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--saturation", type=int, default=2000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--processes", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.saturation = 5.0, 400
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seed_users(f"sqlite:///{folder / 'bench.db'}")
        port = free_port()
        server = start_server(folder, port, args.processes)
        try:
            load = Load(f"http://127.0.0.1:{port}", args.workers)
            saturation(load, 160, prefix="W")  # warm up: specs parsed, pools and caches filled
            load.errors.clear()
            rated = fixed_rate(load, args.rate, args.seconds)
            saturated = saturation(load, args.saturation)
            load.pool.shutdown()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"fixed rate {args.rate:.0f}/s for {args.seconds:.0f} s, {args.workers} client threads:")
    print("  {requests:.0f} requests, {throughput:.1f}/s, p50 {p50_ms:.1f} ms, "
          "p99 {p99_ms:.1f} ms, max {max_ms:.1f} ms".format(**rated))  # fmt: skip
    print(f"saturation, {args.workers} clients back to back:")
    print("  {requests:.0f} requests, {throughput:.1f}/s, p50 {p50_ms:.1f} ms, "
          "p99 {p99_ms:.1f} ms, max {max_ms:.1f} ms".format(**saturated))  # fmt: skip
    if load.errors:
        print(f"{len(load.errors)} failed requests, first: {load.errors[0]}")
        return 1
    verdict = "met" if rated["p99_ms"] < 100 else "NOT met"
    print(f"target p99 < 100 ms at {args.rate:.0f}/s: {verdict}")
    return 0 if rated["p99_ms"] < 100 else 1


if __name__ == "__main__":
    sys.exit(main())
