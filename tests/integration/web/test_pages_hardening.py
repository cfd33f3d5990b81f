"""The pages refuse what the API refuses: control characters and far dates, next to the field."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import add_demo_users
from api.settings import Settings
from engine.services import Actor

CLERK = Actor("setup", "court_clerk", "临海市人民法院")
MEDIATOR = Actor("setup-m", "mediator", "临海市消保委")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder: Path = tmp_path_factory.mktemp("web-hardening")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'suitiao.db'}",
        secret_key="web-secret-" + "x" * 40,
        state_dir=folder,
    )
    app = create_app(settings, timers=False)
    add_demo_users(app.state.services.accounts)
    engine = app.state.engine
    engine.open_case(process_id="pre_filing_referral", case_id="H-1", actor=CLERK)
    steps = [
        (CLERK, {"action": "consent"}),
        (CLERK, {"action": "refer", "mediator_org": "临海市消保委"}),
        (MEDIATOR, {"action": "sign"}),
        (MEDIATOR, {"action": "accept"}),
        (MEDIATOR, {"action": "notify"}),
        (MEDIATOR, {"action": "start"}),
    ]
    for who, payload in steps:
        task = engine.case("H-1").tasks[0]
        engine.complete(case_id="H-1", task_id=task.task_id, actor=who, payload=payload)
    yield TestClient(app)
    engine.store.engine.dispose()


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def _sign_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    token = _csrf(client.get("/ui/login").text)
    data = {"username": username, "password": f"{username}-demo", "csrf_token": token}
    assert client.post("/ui/login", data=data, follow_redirects=False).status_code == 303


def test_the_new_case_form_refuses_a_control_character(client: TestClient) -> None:
    _sign_in(client, "clerk")
    form = {
        "process_id": "pre_filing_referral",
        "case_id": "H-2",
        "consumer": "李\x07娜",
        "csrf_token": _csrf(client.get("/ui/new").text),
    }
    answer = client.post("/ui/new", data=form)
    assert answer.status_code == 422
    assert "控制字符" in answer.text
    assert client.get("/ui/cases/H-2").status_code == 404


def test_a_task_form_refuses_control_characters_and_far_dates(client: TestClient) -> None:
    _sign_in(client, "mediator")
    page = client.get("/ui/cases/H-1").text
    task = re.search(r'action="/ui/cases/H-1/tasks/([^"]+)"', page)
    assert task is not None
    url = f"/ui/cases/H-1/tasks/{task.group(1)}"
    token = _csrf(page)
    answer = client.post(url, data={"action": "fail", "reason": "无\x1b果", "csrf_token": token})
    assert answer.status_code == 422 and "控制字符" in answer.text
    far = {"action": "extend", "until": "9999-12-31", "csrf_token": token}
    answer = client.post(url, data=far)
    assert answer.status_code == 422, answer.text
    assert 'id="field-until-error"' in answer.text and "日期须在" in answer.text
    assert [t.bpmn_id for t in client.app.state.engine.case("H-1").tasks] == ["mediate"]  # type: ignore[attr-defined]
