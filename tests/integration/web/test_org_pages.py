"""The pages offer organisations as pick-lists from the registry and refuse any other."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import add_demo_users
from api.settings import Settings
from engine.services import Actor
from tests.integration.web.test_pages import csrf, sign_in

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
        process_id="pre_filing_referral",
        case_id="R-1",
        actor=CLERK,
        facts={"consumer": {"name": "张伟"}},
    )
    task = engine.case("R-1").tasks[0]
    engine.complete(case_id="R-1", task_id=task.task_id, actor=CLERK, payload={"action": "consent"})
    yield TestClient(app)
    engine.store.engine.dispose()


def refer_form(page: str) -> tuple[str, str]:
    found = re.search(
        r'action="([^"]+/tasks/[^"]+)"[^>]*>\s*(?:(?!</form>).)*value="refer"', page, re.S
    )
    assert found is not None, "no referral form"
    return html.unescape(found.group(1)), csrf(page)


def test_the_referral_form_offers_only_the_paired_committees(client: TestClient) -> None:
    sign_in(client, "clerk")
    page = client.get(f"/ui/cases/{quote('R-1', safe='')}").text
    select = re.search(r'<select[^>]*name="mediator_org"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None, "the committee is a pick-list"
    assert re.findall(r'<option value="([^"]*)"', select.group(1)) == ["", "临海市消保委"]
    assert not re.search(r'<input[^>]*name="mediator_org"', page), "never free text"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("天台县消保委", "临海市人民法院与天台县消保委未建立诉调对接"),
        ("临海消保委", "调解组织“临海消保委”不在浙江省组织名录中"),
        ("临海市人民法院", "调解组织须为消费者权益保护委员会（消保委）"),
    ],
)
def test_a_forged_choice_is_refused_next_to_the_field(
    client: TestClient, typed: str, message: str
) -> None:
    sign_in(client, "clerk")
    engine = client.app.state.engine  # type: ignore[attr-defined]
    before = engine.case("R-1").version
    page = client.get(f"/ui/cases/{quote('R-1', safe='')}").text
    url, token = refer_form(page)
    answer = client.post(
        url,
        data={
            "csrf_token": token,
            "action": "refer",
            "version": str(before),
            "mediator_org": typed,
        },
    )
    assert answer.status_code == 422
    error = re.search(
        r'<p class="field-error" id="field-mediator_org-error">([^<]*)</p>', answer.text
    )
    assert error is not None and message in html.unescape(error.group(1))
    assert engine.case("R-1").version == before and engine.case("R-1").mediator_org is None


def test_the_paired_committee_is_accepted(client: TestClient) -> None:
    sign_in(client, "clerk")
    engine = client.app.state.engine  # type: ignore[attr-defined]
    page = client.get(f"/ui/cases/{quote('R-1', safe='')}").text
    url, token = refer_form(page)
    version = str(engine.case("R-1").version)
    data = {
        "csrf_token": token,
        "action": "refer",
        "version": version,
        "mediator_org": "临海市消保委",
    }
    answer = client.post(url, data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:500]
    assert engine.case("R-1").mediator_org == "临海市消保委"
