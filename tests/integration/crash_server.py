"""Real servers for tests/integration/test_crash_safety.py: `suitiao serve` (one process or
several) on a temporary SQLite database, a burst of idempotent requests over real HTTP, SIGKILL,
and retries of every request with its Idempotency-Key.

Twenty clerks' requests are sent at once and the server (or one of its processes) is killed
once a quarter have been answered, so most are in flight.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from api.demo import add_demo_users
from engine.services import Actor, Engine
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import default_pack
from storage.accounts import AccountStore
from storage.sql import SqlCaseStore

ROOT = Path(__file__).resolve().parents[2]
CLERK = Actor("clerk", "court_clerk", "临海市人民法院")
BURST = 20
RETRY_SECONDS = 60.0  # a key whose step committed but whose answer was not kept waits ~15 s


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def prepare(folder: Path, url: str | None = None) -> tuple[str, list[str]]:
    """Twenty cases waiting for consent, and the demo users, in `url` (default: SQLite)."""
    url = url or f"sqlite:///{folder / 'burst.db'}"
    store = SqlCaseStore.from_url(url)
    add_demo_users(AccountStore(store.engine))
    engine = Engine(store, default_pack(), default_calendar())
    first = 7000 + store.count()  # a shared database may hold cases already
    cases = [f"(2026)浙1082民诉前调{first + n}号" for n in range(BURST)]
    for case_id in cases:
        engine.open_case(process_id="pre_filing_referral", case_id=case_id, actor=CLERK)
    store.engine.dispose()
    return url, cases


class Server:
    def __init__(self, folder: Path, url: str, workers: int) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SUITIAO_SECRET_KEY": "crash-secret-" + "x" * 40,
            "SUITIAO_STATE_DIR": str(folder),
            "SUITIAO_NOTIFY_POLL_SECONDS": "0",
            "SUITIAO_TIMER_POLL_SECONDS": "3600",
        }
        command = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(workers)]
        self.process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.workers = workers
        for _ in range(600):
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200 and len(self.children()) >= (
                        workers if workers > 1 else 0
                    ):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.kill()  # never leave a half-started server behind
        raise AssertionError("the server did not start")

    def children(self, every: bool = False) -> list[int]:
        """The server processes uvicorn spawned (not multiprocessing's resource tracker)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        found = []
        try:
            for pid in (int(p) for p in path.read_text().split()):
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
                if every or b"spawn_main" in command:
                    found.append(pid)
        except OSError:
            pass
        return found

    def busiest(self) -> int:
        """The server process holding the most open client connections right now."""
        established: set[str] = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                lines = Path(table).read_text().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == self.port and fields[3] == "01":  # ESTABLISHED
                    established.add(fields[9])  # the socket's inode

        def load(pid: int) -> int:
            count = 0
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if target.startswith("socket:[") and target[8:-1] in established:
                    count += 1
            return count

        return max(self.children(), key=load)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGSTOP)  # no respawn while its children die
        for pid in self.children(every=True):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


def _call(
    base: str, path: str, data: bytes, headers: dict[str, str]
) -> tuple[int, Any, dict[str, str]]:
    request = urllib.request.Request(base + path, data=data, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read()), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), dict(error.headers)


def sign_in(base: str) -> str:
    form = urllib.parse.urlencode({"username": "clerk", "password": "clerk-demo"}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, body, _ = _call(base, "/auth/token", form, headers)
    assert status == 200, body
    return str(body["access_token"])


def cases_index(case_id: str) -> str:
    return case_id.encode().hex()  # header values are Latin-1


def _consent(base: str, token: str, case_id: str) -> tuple[int, Any, dict[str, str]]:
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Idempotency-Key": f"burst-{cases_index(case_id)}",
    }
    path = f"/cases/{urllib.parse.quote(case_id, safe='')}/consent"
    try:
        return _call(base, path, json.dumps({"action": "consent"}).encode(), headers)
    except (OSError, http.client.HTTPException) as exc:  # the server died under this request
        return 0, str(exc), {}


def burst(server: Server, token: str, cases: list[str], kill: Any) -> dict[str, int]:
    answers: dict[str, int] = {}
    first = threading.Event()

    def one(case_id: str) -> None:
        status, _body, _ = _consent(server.base, token, case_id)
        answers[case_id] = status
        if sum(1 for s in answers.values() if s) >= BURST // 4:
            first.set()

    threads = [threading.Thread(target=one, args=(c,)) for c in cases]
    for t in threads:
        t.start()
    assert first.wait(30), "no answer at all"
    kill()
    for t in threads:
        t.join(timeout=40)
    return answers


def retry_all(base: str, token: str, cases: list[str]) -> dict[str, int]:
    """Retry each request with its key until it is answered (2xx) or the time is up."""
    final: dict[str, int] = {}
    deadline = time.monotonic() + RETRY_SECONDS
    pending = list(cases)
    while pending and time.monotonic() < deadline:
        for case_id in list(pending):
            status, body, _ = _consent(base, token, case_id)
            final[case_id] = status
            if status == 200:
                pending.remove(case_id)
            else:
                assert status in (0, 409), (case_id, status, body)
        if pending:
            time.sleep(0.5)
    return final


def check_once(url: str, cases: list[str]) -> None:
    store = SqlCaseStore.from_url(url)
    for case_id in cases:
        counts = Counter(e.activity for e in store.events(case_id))
        assert counts["consent_given"] == 1, (case_id, counts)
    store.engine.dispose()
