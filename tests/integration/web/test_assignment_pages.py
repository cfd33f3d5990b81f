"""The case page's assignment form with the demo supervisors (issue 13): the committee's head
assigns its mediators, refusals come back in Chinese, the court's head and the mediators have no
form and are refused, and the inbox follows the assignment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from api.app import create_app
from api.demo import add_demo_users
from api.settings import Settings
from engine.services import Actor
from tests.integration.web.test_pages import csrf, sign_in

CASE = "A-1"
PAGE = "/ui/cases/" + quote(CASE, safe="")
FORM = PAGE + "/tasks/sign_for_referral/assignee"
CLERK = Actor("setup", "court_clerk", "临海市人民法院")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'suitiao.db'}",
        secret_key="web-secret-" + "x" * 40,
        state_dir=tmp_path,
    )
    app = create_app(settings, timers=False)
    add_demo_users(app.state.services.accounts)
    engine = app.state.engine
    engine.open_case(
        process_id="pre_filing_referral", case_id=CASE, actor=CLERK, facts={"claim_amount": 300}
    )
    for payload in ({"action": "consent"}, {"action": "refer", "mediator_org": "临海市消保委"}):
        task = engine.case(CASE).tasks[0]
        engine.complete(case_id=CASE, task_id=task.task_id, actor=CLERK, payload=payload)
    yield TestClient(app)
    engine.store.engine.dispose()


def post(client: TestClient, **form: str) -> Response:
    token = csrf(client.get(PAGE).text)
    answer: Response = client.post(FORM, data={"csrf_token": token, **form}, follow_redirects=False)
    return answer


def inbox_has_case(client: TestClient, scope: str) -> bool:
    return CASE in client.get("/ui/inbox", params={"scope": scope}).text


def test_the_committees_head_assigns_on_the_page(client: TestClient) -> None:
    sign_in(client, "cpa-head")
    page = client.get(PAGE).text
    assert (
        'name="username"' in page
        and "陈调解员（mediator）" in page
        and "孙调解员（mediator2）" in page
    )
    unknown = post(client, username="nobody")
    assert unknown.status_code == 422 and "用户 nobody 不存在" in unknown.text
    done = post(client, username="mediator2")
    assert done.status_code == 303
    page = client.get(PAGE).text
    assert (
        "孙调解员" in page and "周秘书长" in page
    )  # the assignee and who assigned, in the history

    sign_in(client, "mediator")
    assert '<details class="choice"' not in client.get(PAGE).text  # not theirs to sign for
    assert not inbox_has_case(client, "mine") and inbox_has_case(client, "all")
    refused = post(client, username="mediator")
    assert refused.status_code == 403 and "只有主管" in refused.text

    sign_in(client, "mediator2")
    assert inbox_has_case(client, "assigned") and inbox_has_case(client, "mine")
    assert '<details class="choice"' in client.get(PAGE).text


def test_the_courts_head_has_no_form_for_the_committees_task(client: TestClient) -> None:
    sign_in(client, "court-head")
    assert 'name="username"' not in client.get(PAGE).text
    refused = post(client, username="mediator")
    assert refused.status_code == 403 and "不在您" in refused.text
