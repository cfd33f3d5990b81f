"""The app on a free port of 127.0.0.1 (uvicorn in a thread, a temporary SQLite database with
the demo users and a few demo cases), and Debian's Chromium driven by Playwright.

Chromium comes from the system (/usr/bin/chromium, installed by .ci/run); `playwright install`
is never run. Screenshots go to tests/e2e/artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from api.demo import DemoClock, add_demo_users, populate
from api.settings import Settings
from engine.services import Actor, SystemClock

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = os.environ.get("SUITIAO_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
OTHER_CASE = "(2026)浙1023民诉前调0999号"  # 天台: referred to 天台县消保委
LATE_COMPLAINT = "LH-TS-2026-0901"
OVERDUE_REFERRAL = "(2026)浙1082民诉前调0902号"

UNDER_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
MISSING = ""
try:
    import playwright.sync_api as playwright_api
except ImportError:
    MISSING = "the playwright package is missing (make test installs it into .venv)"
if not MISSING and shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
    MISSING = f"{CHROMIUM} is missing (scripts/bootstrap.sh test installs Debian's chromium)"


@pytest.fixture(scope="session", autouse=True)
def _browser_present() -> None:
    """Without a browser the page tests skip on a laptop, but under CI they fail (before the app
    is built): a skip there would let the pages go untested without anyone noticing."""
    if MISSING and UNDER_CI:
        pytest.fail(f"CI=true: {MISSING}", pytrace=False)
    if MISSING:
        pytest.skip(MISSING)


def _late_people(engine: Any, clock: DemoClock) -> None:
    """People acting late, which the engine's timers do not catch: a complaint accepted after
    its 5 working days (an audit finding), and a referral the clerk has not yet made (overdue
    in the clerk's inbox)."""
    now = SystemClock().now()
    mediator = Actor("mediator", "mediator", "临海市消保委")
    clerk = Actor("clerk", "court_clerk", "临海市人民法院")
    clock.instant = now - timedelta(days=20)
    engine.open_case(
        process_id="complaint_mediation",
        case_id=LATE_COMPLAINT,
        actor=mediator,
        facts={"consumer": {"name": "黄强", "phone": "13700002222"}, "claim_amount": 2600},
    )
    engine.open_case(
        process_id="pre_filing_referral",
        case_id=OVERDUE_REFERRAL,
        actor=clerk,
        facts={"consumer": {"name": "吴杰", "phone": "13600003333"}, "claim_amount": 880},
    )
    task = engine.case(OVERDUE_REFERRAL).tasks[0]
    engine.complete(
        case_id=OVERDUE_REFERRAL, task_id=task.task_id, actor=clerk, payload={"action": "consent"}
    )
    clock.instant = now - timedelta(days=3)
    task = engine.case(LATE_COMPLAINT).tasks[0]
    engine.complete(
        case_id=LATE_COMPLAINT, task_id=task.task_id, actor=mediator, payload={"action": "accept"}
    )
    clock.instant = now


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Site:
    def __init__(self, base: str, app: Any) -> None:
        self.base = base
        self.app = app

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    import uvicorn

    folder = tmp_path_factory.mktemp("web")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'suitiao.db'}",
        secret_key="e2e-secret-" + "x" * 40,
        state_dir=folder,
    )
    app = create_app(settings, timers=False)
    engine = app.state.engine
    add_demo_users(app.state.services.accounts)
    clock = DemoClock(SystemClock().now())
    engine.clock = clock
    populate(engine, clock, cases=16, days=45, seed=7)
    _late_people(engine, clock)
    engine.clock = SystemClock()
    # A case of another court and 消保委, for the scoping test.
    clerk_b = Actor("clerk-b", "court_clerk", "天台县人民法院")
    engine.open_case(
        process_id="pre_filing_referral",
        case_id=OTHER_CASE,
        actor=clerk_b,
        facts={"consumer": {"name": "赵敏", "phone": "13900001111"}, "claim_amount": 500},
    )
    for payload in (
        {"action": "consent"},
        {"action": "refer", "mediator_org": "天台县消保委"},
    ):
        task = engine.case(OTHER_CASE).tasks[0]
        engine.complete(case_id=OTHER_CASE, task_id=task.task_id, actor=clerk_b, payload=payload)

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield Site(f"http://127.0.0.1:{port}", app)
    server.should_exit = True
    thread.join(timeout=10)
    engine.store.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def make(viewport: dict[str, int] = LAPTOP, **options: Any) -> Any:
        context = browser.new_context(viewport=viewport, locale="zh-CN", **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page: Any, site: Site, username: str, password: str) -> None:
    page.goto(site.url("/"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert "/ui/login" not in page.url, page.content()


def shot(page: Any, name: str) -> Path:
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
