"""The FastAPI application factory: the engine, its timer worker, and the routes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors, web
from api.bootstrap import Services, build_services
from api.http import assignments, auth, cases, documents, feeds, orgs, reference
from api.http.middleware import Authenticate, LimitBody, SecurityHeaders
from api.settings import Settings
from api.throttle import RefusePausedAddresses
from api.timer_loop import TimerLoop

log = logging.getLogger("suitiao.api")

DESCRIPTION = """诉调对接工作流引擎（DB33/T 2561-2022）。

登录：`POST /auth/token`（OAuth2 密码模式）取得 15 分钟有效的 Bearer 令牌；系统对接用
`X-API-Key`。每个用户属于一个单位，只能看到交给本单位或由本单位移交的案件；其他单位的案件
一律答 404。审计员只读，身份证号和电话号码对其打码。

写操作：`Idempotency-Key` 使重试只执行一次；`If-Match`（案件的 ETag）防止两人同时办理同一
案件，不符时 409 并附案件当前状态。错误体：`{"code", "message", "field"}`。
"""


async def _notify_loop(services: Services, interval: float) -> None:
    """Plan reminders and escalations and send what is due, as `suitiao notify` does."""
    from api.notify import dispatch, schedule
    from api.notify.channels import channels_from

    config, outbox = services.notify, services.outbox
    channels = channels_from(config)

    def once() -> None:
        now = services.engine.clock.now()
        schedule(services.engine, outbox, config, now)
        dispatch(outbox, channels, config, now)

    while True:
        try:
            await asyncio.to_thread(once)
        except Exception:  # a failing channel must not stop the service; the outbox retries
            log.exception("notification round failed")
        await asyncio.sleep(interval)


def _tune_gc() -> None:
    """Fewer, cheaper collections: a server keeps thousands of live workflow objects in its
    cache, and a full collection walking them all stalls every request in flight (the p99)."""
    gc.collect()
    gc.freeze()  # what exists after start-up (specs, modules) is never garbage
    gc.set_threshold(50_000, 20, 100)


def create_app(settings: Settings | None = None, timers: bool = True) -> FastAPI:
    services = build_services(settings)
    settings = services.settings

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if not timers:
            yield
            return
        _tune_gc()  # a serving process, not a test client: see _tune_gc
        tasks = [asyncio.create_task(TimerLoop(services, settings.timer_poll_seconds).run())]
        if settings.notify_poll_seconds > 0:
            tasks.append(asyncio.create_task(_notify_loop(services, settings.notify_poll_seconds)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(
        title="诉调 Suitiao",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        redoc_url=None,
    )
    app.state.services = services
    app.state.engine = services.engine  # for tests and benchmarks that drive the engine
    app.state.settings = settings
    errors.install(app)

    @app.get("/healthz", tags=["system"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    for router in (auth.router, cases.router, documents.router, feeds.router, reference.router):
        app.include_router(router)
    app.include_router(orgs.router)
    app.include_router(assignments.router)
    app.include_router(orgs.numbers)
    app.add_middleware(LimitBody, max_bytes=settings.max_body_bytes)
    app.add_middleware(Authenticate, tokens=services.tokens.read, keys=services.accounts.key)
    web.install(app)  # the pages at / and /ui/ (cookie sign-in), in front of the API
    app.add_middleware(RefusePausedAddresses, throttle=services.throttle)
    app.add_middleware(SecurityHeaders)  # outermost: the pages' answers and the API's
    return app
