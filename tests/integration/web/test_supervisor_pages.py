"""The supervisor (a court's or a committee's head) on the pages: reads the cases of its side
below it in the registry, sees the parties' numbers masked, and receives the escalations of
every organisation below it; another city's supervisor sees none of it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import add_demo_users
from api.security import hash_password
from api.settings import Settings
from engine.services import Actor
from storage.outbox import Notification
from tests.integration.web.test_pages import sign_in

CLERK = Actor("setup", "court_clerk", "临海市人民法院")
CONSUMER = {"name": "张伟", "phone": "13812345678", "id_number": "11010519491231002X"}
SUPERVISORS = {
    "taizhou-head": "台州市中级人民法院",  # above 临海市人民法院
    "hangzhou-head": "杭州市中级人民法院",  # another city's
    "linhai-cpa-head": "临海市消保委",  # a committee's head: the case is not referred yet
}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'suitiao.db'}",
        secret_key="web-secret-" + "x" * 40,
        state_dir=tmp_path,
    )
    app = create_app(settings, timers=False)
    accounts = app.state.services.accounts
    add_demo_users(accounts)
    for username, org in SUPERVISORS.items():
        accounts.add_user(
            username=username,
            password_hash=hash_password(f"{username}-demo"),
            role="supervisor",
            org=org,
            display_name=f"{org}负责人",
        )
    engine = app.state.engine
    engine.open_case(
        process_id="pre_filing_referral",
        case_id="S-1",
        actor=CLERK,
        facts={"consumer": CONSUMER, "summary": "消费者电话13812345678"},
    )
    task = engine.case("S-1").tasks[0]
    engine.complete(case_id="S-1", task_id=task.task_id, actor=CLERK, payload={"action": "consent"})
    yield TestClient(app)
    engine.store.engine.dispose()


def escalate(client: TestClient, org: str) -> str:
    """An in-app escalation of S-1's waiting referral to `org`'s head, sent."""
    outbox = client.app.state.services.outbox  # type: ignore[attr-defined]
    subject = f"【逾期督办】S-1「委派调解」已逾期（{org}）"
    now = datetime.now(UTC)
    outbox.enqueue(
        [
            Notification(
                key=f"escalation|S-1|{org}",
                case_id="S-1",
                kind="escalation",
                channel="in_app",
                recipient=f"{org}/负责人",
                payload={"subject": subject, "task": "refer"},
                due_at=now,
            )
        ]
    )
    for item in outbox.claim(now):
        outbox.sent(item.id, now)
    return subject


def test_a_city_court_head_reads_its_counties_cases_masked(client: TestClient) -> None:
    sign_in(client, "taizhou-head")
    listed = client.get("/ui/inbox").text
    assert "S-1" in listed
    page = client.get(f"/ui/cases/{quote('S-1', safe='')}")
    assert page.status_code == 200
    assert "13812345678" not in page.text and "1231002X" not in page.text
    assert "138****5678" in page.text
    assert 'name="action"' not in page.text, "a supervisor acts on no task"


@pytest.mark.parametrize("username", ["hangzhou-head", "linhai-cpa-head"])
def test_other_supervisors_do_not_see_the_case(client: TestClient, username: str) -> None:
    sign_in(client, username)
    assert "S-1" not in client.get("/ui/inbox").text
    assert client.get(f"/ui/cases/{quote('S-1', safe='')}").status_code == 404


def test_escalations_reach_the_heads_above_the_late_organisation(client: TestClient) -> None:
    subject = escalate(client, "临海市人民法院")
    sign_in(client, "taizhou-head")
    assert subject in client.get("/ui/inbox").text
    sign_in(client, "hangzhou-head")
    assert subject not in client.get("/ui/inbox").text


def test_the_admin_page_offers_the_supervisor_role(client: TestClient) -> None:
    sign_in(client, "admin")
    page = client.get("/ui/users").text
    assert '<option value="supervisor"' in page and "督办负责人" in page
