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
from api.web.deadlines import today_shanghai
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
    # The record shows the person's display name, not the login.
    page = client.get(f"/ui/cases/{quote('R-1', safe='')}").text
    assert "立案庭 王书记员" in page


def test_the_new_case_form_offers_the_next_number_and_checks_the_court_code(
    client: TestClient,
) -> None:
    sign_in(client, "clerk")
    form = client.get("/ui/new").text
    year = today_shanghai().year
    assert f'value="（{year}）浙1082民诉前调1号"' in form
    data = {"process_id": "pre_filing_referral", "consumer": "李娜", "csrf_token": csrf(form)}
    answer = client.post("/ui/new", data={**data, "case_id": f"({year})浙1023民诉前调7号"})
    assert answer.status_code == 422
    error = re.search(r'id="field-case_id-error">([^<]*)<', answer.text)
    assert error is not None and "不是临海市人民法院的代字（浙1082）" in html.unescape(
        error.group(1)
    )
    answer = client.post("/ui/new", data={**data, "case_id": "abc"})
    assert answer.status_code == 422 and "带括号的年份" in answer.text
    made = client.post(
        "/ui/new", data={**data, "case_id": f"({year})浙1082民诉前调0007号"}, follow_redirects=False
    )
    assert made.status_code == 303
    assert f'value="（{year}）浙1082民诉前调8号"' in client.get("/ui/new").text


def test_search_finds_a_case_number_however_it_is_typed(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    engine.open_case(
        process_id="pre_filing_referral",
        case_id="(2026)浙1082民诉前调0042号",  # as the demo stores them
        actor=CLERK,
        facts={"consumer": {"name": "王芳"}},
    )
    sign_in(client, "clerk")
    for typed in ("（2026）浙1082民诉前调42号", "(2026)浙1082民诉前调0042号", "民诉前调0042"):
        listed = client.get("/ui/cases", params={"q": typed}).text
        assert quote("(2026)浙1082民诉前调0042号", safe="") in listed, typed
    listed = client.get("/ui/cases", params={"q": "（2026）浙1082民诉前调43号"}).text
    assert quote("(2026)浙1082民诉前调0042号", safe="") not in listed


def test_the_auditor_page_masks_numbers_typed_into_the_summary(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    summary = "消费者电话13812345678，身份证11010519491231002X"
    engine.open_case(
        process_id="pre_filing_referral",
        case_id="R-PII",
        actor=CLERK,
        facts={"consumer": {"name": "张伟"}, "summary": summary},
    )
    sign_in(client, "auditor")
    page = client.get(f"/ui/cases/{quote('R-PII', safe='')}").text
    assert "13812345678" not in page and "1231002X" not in page
    assert "138****5678" in page
    sign_in(client, "clerk")
    assert "13812345678" in client.get(f"/ui/cases/{quote('R-PII', safe='')}").text
