"""Crash safety: a worker is killed with SIGKILL at random moments while it completes tasks and
fires timers, and restarted. Afterwards every acknowledged step is stored exactly once, no step
is half-written, every hash chain verifies, and no timer is lost or fired twice.

The same for HTTP servers (tests/integration/crash_server.py): a server, or one of several
server processes, killed during a burst of idempotent requests; every retry with its key is
answered (never "in progress" for a day) and every step is stored once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine as SqlEngine

from engine.domain.events import verify_chain
from engine.ports import CaseQuery
from engine.services import Engine
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import default_pack
from storage.sql import SqlCaseStore, create_schema
from tests.integration.conftest import _empty as empty
from tests.integration.crash_server import Server, burst, check_once, prepare, retry_all, sign_in

ROOT = Path(__file__).resolve().parents[2]
TIMER_ONCE = ("mediation_timed_out", "consent_refused", "case_closed")


def _run_and_kill(url: str, rounds: int, seed: int) -> list[tuple[str, int]]:
    rng = random.Random(seed)
    acked: list[tuple[str, int]] = []
    for round_no in range(rounds):
        child = subprocess.Popen(  # noqa: S603 - our own driver, fixed arguments
            [sys.executable, "-m", "tests.integration.crash_driver", url, str(seed + round_no)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert child.stdout is not None
        deadline = time.monotonic() + rng.uniform(1.5, 4.0)
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            if line.startswith("ACK "):
                _, case_id, version = line.split()
                acked.append((case_id, int(version)))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
    return acked


def _check(url: str, acked: list[tuple[str, int]]) -> None:
    store = SqlCaseStore.from_url(url)
    cases = {c.id: c for c in store.query(CaseQuery(limit=100_000))}
    assert acked, "the worker acknowledged nothing"
    for case_id, version in acked:
        assert case_id in cases, f"acknowledged case {case_id} was lost"
        assert cases[case_id].version >= version, f"{case_id} lost an acknowledged step"
    for case in cases.values():
        events = store.events(case.id)
        assert verify_chain(events) == [], case.id
        # The row points at the last event: no step wrote its row without its events or back.
        assert events and events[-1].seq == case.last_seq and events[-1].hash == case.last_hash
        counts = Counter(e.activity for e in events)
        assert all(counts[a] <= 1 for a in TIMER_ONCE), (case.id, counts)
    # Timers: the stored rows are exactly the workflows' armed timers (none lost, none stale).
    engine = Engine(store, default_pack(), default_calendar(), cache_size=0)
    from engine.bpmn import runtime

    for case in cases.values():
        stored = store.get(case.id)
        assert stored is not None
        if stored.status == "closed":
            assert store.timers(case.id) == []
            continue
        workflow = engine.serializer.deserialize_json(stored.workflow)
        armed = sorted((t.task_id, t.due_at) for t in runtime.armed_timers(workflow))
        rows = sorted((t.task_id, t.due_at) for t in store.timers(case.id))
        assert armed == rows, case.id


@pytest.mark.slow
def test_sigkill_during_steps_loses_nothing_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    acked = _run_and_kill(url, rounds=6, seed=11)
    _check(url, acked)


@pytest.mark.slow
@pytest.mark.postgres
def test_sigkill_during_steps_loses_nothing_on_postgres(
    postgres_url: str, postgres_engine: SqlEngine
) -> None:
    create_schema(postgres_engine)
    # The session's database holds other tests' cases (some with made-up documents): the check
    # reads every case, so it starts from none.
    empty(postgres_engine)
    acked = _run_and_kill(postgres_url, rounds=5, seed=23)
    _check(postgres_url, acked)


@pytest.mark.slow
def test_kill_9_during_a_burst_leaves_no_key_in_progress(tmp_path: Path) -> None:
    url, cases = prepare(tmp_path)
    server = Server(tmp_path, url, workers=1)
    token = sign_in(server.base)
    try:
        answers = burst(server, token, cases, server.kill)
    finally:
        if server.process.poll() is None:
            server.kill()
    assert list(answers.values()).count(0) >= 1, "nothing was in flight: the kill came too late"
    again = Server(tmp_path, url, workers=1)
    try:
        final = retry_all(again.base, token, cases)
    finally:
        again.kill()
    assert all(s == 200 for s in final.values()), final
    check_once(url, cases)


@pytest.mark.slow
def test_kill_9_of_one_of_several_server_processes(tmp_path: Path) -> None:
    _kill_one_of_several(tmp_path, None)


@pytest.mark.slow
@pytest.mark.postgres
def test_kill_9_of_one_of_several_server_processes_on_postgres(
    tmp_path: Path, postgres_url: str
) -> None:
    _kill_one_of_several(tmp_path, postgres_url)


def _kill_one_of_several(tmp_path: Path, database_url: str | None) -> None:
    url, cases = prepare(tmp_path, database_url)
    server = Server(tmp_path, url, workers=2)
    try:
        token = sign_in(server.base)
        answers = burst(server, token, cases, lambda: os.kill(server.busiest(), signal.SIGKILL))
        assert 0 in answers.values(), "nothing was in flight in the killed process"
        final = retry_all(server.base, token, cases)  # the other process (and its respawn)
    finally:
        server.kill()
    assert all(s == 200 for s in final.values()), final
    check_once(url, cases)
