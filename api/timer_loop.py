"""The timer loop inside `serve`: fire due timers in the background, whatever happens.

A sweep that fails (the database locked, gone for a moment, a table missing after a bad
migration) is logged and counted, and the loop waits one interval and sweeps again: one error
must not stop every deadline of every case until someone restarts the service.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from api.http.deps import Services
from engine.services import Engine

log = logging.getLogger("suitiao.api")
MAX_BACKOFF_SECONDS = 300.0


class TimerLoop:
    def __init__(self, services: Services, interval: float) -> None:
        self.services = services
        self.interval = interval
        self.stepped = 0  # cases stepped since start
        self.failures = 0  # sweeps that failed since start
        self.failing = 0  # failures in a row, for the back-off

    def sweep(self) -> int:
        with self.services.steps:  # never alongside a request's step (see Services.steps)
            return self.services.engine.fire_due(limit=50)

    async def run(self) -> None:
        while True:
            try:
                stepped = await asyncio.to_thread(self.sweep)
            except Exception:
                self.failures += 1
                self.failing += 1
                log.exception(
                    "timer sweep failed (%d in a row, %d in all)", self.failing, self.failures
                )
                # Wait longer while the failure lasts, so a dead database is not hammered.
                await asyncio.sleep(
                    min(self.interval * 2 ** min(self.failing - 1, 10), MAX_BACKOFF_SECONDS)
                )
                continue
            self.failing = 0
            self.stepped += stepped
            if stepped == 0:
                await asyncio.sleep(self.interval)


def run_worker(
    engine: Engine,
    interval: float,
    rounds: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[int, int]:
    """`suitiao worker`: the same guard for the stand-alone timer process. Runs `rounds` sweeps
    (None: for ever); returns (cases stepped, failed sweeps)."""
    stepped = failures = failing = 0
    done = 0
    while rounds is None or done < rounds:
        done += 1
        try:
            count = engine.fire_due()
        except Exception:
            failures += 1
            failing += 1
            log.exception("timer sweep failed (%d in a row, %d in all)", failing, failures)
            sleep(min(interval * 2 ** min(failing - 1, 10), MAX_BACKOFF_SECONDS))
            continue
        failing = 0
        stepped += count
        if count == 0:
            sleep(interval)
    return stepped, failures
