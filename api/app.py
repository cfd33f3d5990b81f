"""The FastAPI application factory: the engine, its timer worker, and the routes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.bootstrap import build_engine
from api.settings import Settings
from engine.services import Engine


async def _timer_loop(engine: Engine, interval: float) -> None:
    """Fire due timers in the background; one sweep is an indexed query when nothing is due."""
    while True:
        stepped = await asyncio.to_thread(engine.fire_due)
        if stepped == 0:
            await asyncio.sleep(interval)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    engine = engine or build_engine(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_timer_loop(engine, settings.timer_poll_seconds))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(title="诉调 Suitiao", version="0.1.0", lifespan=lifespan)
    app.state.engine = engine
    app.state.settings = settings

    @app.get("/healthz", tags=["system"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
