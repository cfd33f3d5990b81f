"""A due date reckoned over a year with no official holiday schedule is marked provisional in the
API and on the pages, as /calendar/due says (issue 11, part 6)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import add_demo_users
from engine.services import Actor, Engine
from standard_rules.legal_calendar import default_calendar
from tests.integration.web.test_pages import sign_in

SHANGHAI = timezone(timedelta(hours=8))
CLERK = Actor("setup", "court_clerk", "临海市人民法院")
MEDIATOR = Actor("setup-m", "mediator", "临海市消保委")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.instant = now

    def now(self) -> datetime:
        return self.instant


@pytest.fixture
def app_and_engine(tmp_path: Path) -> Iterator[tuple[TestClient, Engine]]:
    from api.settings import Settings

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'suitiao.db'}",
        secret_key="mark-secret-" + "x" * 40,
        state_dir=tmp_path,
    )
    app = create_app(settings, timers=False)
    add_demo_users(app.state.services.accounts)
    engine: Engine = app.state.engine
    yield TestClient(app), engine
    engine.store.engine.dispose()


def in_mediation(engine: Engine, case_id: str, received: datetime) -> None:
    engine.clock = Clock(received)
    engine.open_case(process_id="pre_filing_referral", case_id=case_id, actor=CLERK)
    for who, payload in (
        (CLERK, {"action": "consent"}),
        (CLERK, {"action": "refer", "mediator_org": "临海市消保委"}),
        (MEDIATOR, {"action": "sign"}),
        (MEDIATOR, {"action": "accept"}),
    ):
        task = engine.case(case_id).tasks[0]
        engine.complete(case_id=case_id, task_id=task.task_id, actor=who, payload=payload)


def test_a_2027_due_date_is_marked_provisional_a_2026_one_is_not(
    app_and_engine: tuple[TestClient, Engine],
) -> None:
    client, engine = app_and_engine
    assert not default_calendar().is_official(2027)
    in_mediation(engine, "(2026)浙1082民诉前调0901号", datetime(2026, 12, 10, 9, tzinfo=SHANGHAI))
    in_mediation(engine, "(2026)浙1082民诉前调0902号", datetime(2026, 10, 12, 9, tzinfo=SHANGHAI))
    engine.clock = Clock(datetime(2026, 12, 11, 9, tzinfo=SHANGHAI))
    sign_in(client, "mediator")
    token = client.post(
        "/auth/token", data={"username": "mediator", "password": "mediator-demo"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    late = client.get("/cases/(2026)浙1082民诉前调0901号", headers=headers).json()["tasks"][0]
    early = client.get("/cases/(2026)浙1082民诉前调0902号", headers=headers).json()["tasks"][0]
    assert late["due"].startswith("2027-") and late["due_provisional"] is True
    assert early["due"].startswith("2026-") and early["due_provisional"] is False
    inbox = client.get("/ui/inbox").text
    assert inbox.count("暂定") == 1, "only the 2027 row is marked"
