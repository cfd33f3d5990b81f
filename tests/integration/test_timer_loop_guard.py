"""The timer loop inside `serve` survives database errors, and `fire_due` logs what it skips.

The failures are real: the lease table renamed away under the running loop (every sweep then
fails in SQLite), and a case row closed behind the engine's back (its timer cannot fire).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from api.app import create_app
from api.settings import Settings
from api.timer_loop import TimerLoop, run_worker
from engine.services import Actor

CLERK = Actor("clerk", "court_clerk", "临海市人民法院")


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def _app(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'loop.db'}",
        secret_key="loop-secret-" + "x" * 40,
        state_dir=tmp_path,
    )
    app = create_app(settings, timers=False)
    clock = Clock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    app.state.engine.clock = clock
    return app, clock


def _run_in_own_thread(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """asyncio.run in a thread of its own: other tests (Playwright's sync API) may leave an
    event loop running in this one."""
    failures: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as exc:  # surfaced below
            failures.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the scenario hung"
    if failures:
        raise failures[0]


def _rename(engine, old: str, new: str) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))


def test_a_database_error_does_not_stop_the_timer_loop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app, clock = _app(tmp_path)
    services = app.state.services
    engine = services.engine
    engine.open_case(process_id="pre_filing_referral", case_id="LOOP-1", actor=CLERK)
    clock.at += timedelta(days=10)  # the consent window (R01) has lapsed
    sql = engine.store.engine
    _rename(sql, "timer_leases", "timer_leases_gone")
    loop = TimerLoop(services, interval=0.02)

    async def scenario() -> None:
        task = asyncio.create_task(loop.run())
        for _ in range(500):
            if loop.failures >= 2:
                break
            await asyncio.sleep(0.01)
        assert loop.failures >= 2, "the sweep never failed: the injection did not happen"
        assert not task.done(), "the loop stopped at the first database error"
        _rename(sql, "timer_leases_gone", "timer_leases")
        for _ in range(500):
            if loop.stepped >= 1:
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with caplog.at_level(logging.ERROR, logger="suitiao.api"):
        _run_in_own_thread(scenario)
    assert loop.stepped == 1
    assert "consent_refused" in [e.activity for e in engine.events("LOOP-1")]
    assert any("timer sweep failed" in r.getMessage() for r in caplog.records)


def test_fire_due_logs_and_counts_a_case_it_cannot_step(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app, clock = _app(tmp_path)
    engine = app.state.engine
    for case_id in ("BAD-1", "OK-1"):
        engine.open_case(process_id="pre_filing_referral", case_id=case_id, actor=CLERK)
    clock.at += timedelta(days=10)
    with engine.store.engine.begin() as conn:  # closed, yet still due: the step refuses it
        conn.execute(text("UPDATE cases SET status = 'closed' WHERE id = 'BAD-1'"))
    with caplog.at_level(logging.WARNING, logger="suitiao.engine"):
        assert engine.fire_due() == 1
    assert engine.failed_fires == 1
    assert any("BAD-1" in r.getMessage() for r in caplog.records)
    assert "consent_refused" in [e.activity for e in engine.events("OK-1")]


def test_the_stand_alone_worker_goes_on_after_a_database_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app, clock = _app(tmp_path)
    engine = app.state.engine
    engine.open_case(process_id="pre_filing_referral", case_id="LOOP-2", actor=CLERK)
    clock.at += timedelta(days=10)
    sql = engine.store.engine
    _rename(sql, "timer_leases", "timer_leases_gone")
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the database comes back while the worker waits
        waits.append(seconds)
        if len(waits) == 2:
            _rename(sql, "timer_leases_gone", "timer_leases")

    with caplog.at_level(logging.ERROR, logger="suitiao.api"):
        stepped, failures = run_worker(engine, 1.0, rounds=4, sleep=sleep)
    assert failures == 2 and stepped == 1
    assert waits[:2] == [1.0, 2.0]  # backing off while it fails
    assert "consent_refused" in [e.activity for e in engine.events("LOOP-2")]
    assert any("timer sweep failed" in r.getMessage() for r in caplog.records)
