"""Password guessing against other people's requests: 1,000 wrong passwords from one address.

    .venv/bin/python bench/bench_sign_in.py [--attempts 1000] [--max-seconds 30] [--port 8105]

Starts the server (as bench_api.py does, one process, SQLite) three times:

  baseline        three users from 127.0.0.1 on GET /cases with a token, 20 requests/s each
                  (open loop, latency from the time a request was due), for --baseline-seconds.
  throttled       the same while an attacker on 127.0.0.66 (a second loopback address) sends
                  --attempts wrong passwords from 4 connections, for the victim and other names:
                  after 20 failures the address is paused and each attempt is a 429 that costs a
                  dictionary look-up.
  unthrottled     the same with the limits raised out of reach (SUITIAO_SIGNIN_PER_* = 10**9):
                  every attempt pays an argon2 verification, which is what the throttle saves
                  (capped at --max-seconds: unthrottled, 1,000 attempts take minutes).

Reports the users' p50/p95 latency over the requests made during the attack and the ratio to
the baseline. Target (issue 13): the throttled ratio at most 1.2.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_api import seed_users, start_server  # noqa: E402

USERS = 3
RATE = 20.0  # requests per second per user: 60/s in all, well below what one process serves


def users(base: str, stop: threading.Event) -> list[tuple[float, float]]:
    """(start, seconds) of every user request: GET /cases with a token, back to back."""
    out: list[tuple[float, float]] = []
    lock = threading.Lock()

    def one_user() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            form = {"username": "clerk", "password": "bench-password"}
            token = client.post("/auth/token", data=form).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            due = time.perf_counter()
            while not stop.is_set():
                # Open loop at a fixed rate, timed from when the request was due, so a stalled
                # server shows in the latency instead of slowing the users down (bench_api.py).
                due += 1 / RATE
                time.sleep(max(0.0, due - time.perf_counter()))
                start = due
                answer = client.get("/cases", params={"limit": 20}, headers=headers)
                elapsed = time.perf_counter() - start
                if answer.status_code != 200:
                    raise SystemExit(f"user request failed: {answer.status_code} {answer.text}")
                with lock:
                    out.append((start, elapsed))

    threads = [threading.Thread(target=one_user) for _ in range(USERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def attacker(
    base: str, attempts: int, deadline: float, statuses: dict[int, int], paused: list[float]
) -> int:
    """Wrong passwords from 127.0.0.66 on 4 connections; the number sent. `paused` gets the
    time of the first refusal: before it the attempts were checked (argon2), after it not."""
    counter = iter(range(attempts))
    lock = threading.Lock()
    sent = [0]

    def one_connection() -> None:
        transport = httpx.HTTPTransport(local_address="127.0.0.66")
        with httpx.Client(base_url=base, transport=transport, timeout=60) as client:
            while time.perf_counter() < deadline:
                with lock:
                    n = next(counter, None)
                if n is None:
                    return
                name = "clerk" if n % 2 else f"guess{n}"
                answer = client.post("/auth/token", data={"username": name, "password": f"x{n}"})
                with lock:
                    statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
                    sent[0] += 1
                    if answer.status_code == 429 and not paused:
                        paused.append(time.perf_counter())

    threads = [threading.Thread(target=one_connection) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sent[0]


LIMIT_VARS = ("SUITIAO_SIGNIN_PER_ACCOUNT", "SUITIAO_SIGNIN_PER_ADDRESS")


def scenario(name: str, args: argparse.Namespace, limits: str | None) -> dict[str, list[float]]:
    """User latencies (seconds) over the attack (or over --baseline-seconds without one): all,
    and split at the moment the attacker's address was paused."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seed_users(f"sqlite:///{folder / 'bench.db'}")
        saved = {k: os.environ.get(k) for k in LIMIT_VARS}
        for k in LIMIT_VARS:
            if limits is not None:
                os.environ[k] = limits
        server = start_server(folder, args.port)
        try:
            base = f"http://127.0.0.1:{args.port}"
            stop = threading.Event()
            timings: list[tuple[float, float]] = []
            runner = threading.Thread(target=lambda: timings.extend(users(base, stop)))
            runner.start()
            time.sleep(1.0)  # users signed in and warm
            begun = time.perf_counter()
            statuses: dict[int, int] = {}
            paused: list[float] = []
            if name == "baseline":
                time.sleep(args.baseline_seconds)
                sent = 0
            else:
                sent = attacker(base, args.attempts, begun + args.max_seconds, statuses, paused)
            ended = time.perf_counter()
            stop.set()
            runner.join()
            split = paused[0] if paused else ended
            during = [s for start, s in timings if begun <= start <= ended]
            print(
                f"{name}: {ended - begun:.1f} s ({split - begun:.1f} s before the address was "
                f"paused), {sent} wrong passwords {statuses}, {len(during)} user requests"
            )
            return {
                "whole attack": during,
                "before the pause": [s for st, s in timings if begun <= st < split],
                "after the pause": [s for st, s in timings if split <= st <= ended],
            }
        finally:
            server.terminate()
            server.wait(timeout=10)
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--baseline-seconds", type=float, default=10.0)
    parser.add_argument("--max-seconds", type=float, default=30.0, help="cap on each attack")
    parser.add_argument("--port", type=int, default=8105)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.baseline_seconds, args.max_seconds = 4.0, 8.0
    results = {
        "baseline": scenario("baseline", args, None),
        "throttled": scenario("throttled", args, None),
        "unthrottled": scenario("unthrottled", args, str(10**9)),
    }
    base = results["baseline"]["whole attack"]
    base50, base95 = p(base, 0.5), p(base, 0.95)
    print("| scenario | user requests | p50 ms | p95 ms | p50 ratio | p95 ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, phases in results.items():
        for phase, values in phases.items():
            if not values or (name == "baseline" and phase != "whole attack"):
                continue
            q50, q95 = p(values, 0.5), p(values, 0.95)
            label = name if name == "baseline" else f"{name}, {phase}"
            print(
                f"| {label} | {len(values)} | {q50:.1f} | {q95:.1f} | "
                f"{q50 / base50:.2f} | {q95 / base95:.2f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
