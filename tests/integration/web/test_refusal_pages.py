"""Issue 13's refusals over the pages, each matching an API test (test_org_refusals.py,
test_case_numbers.py): a referral to an HTML or formula string, the court box of a complaint
offering or taking a 消保委, and the same 案号 typed full-width and half-width."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from api.app import create_app
from api.demo import add_demo_users
from api.settings import Settings
from api.web.deadlines import today_shanghai
from tests.integration.api.conftest import SECRET, World
from tests.integration.web.test_pages import csrf, sign_in
from tests.integration.web.test_registry_pages import refer_form


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'suitiao.db'}", secret_key=SECRET, state_dir=tmp_path
    )
    app = create_app(settings, timers=False)
    add_demo_users(app.state.services.accounts)
    yield World(app)
    app.state.engine.store.engine.dispose()


def field_error(page: str, name: str) -> str:
    found = re.search(rf'<p class="field-error" id="field-{name}-error">([^<]*)</p>', page)
    assert found is not None, f"no error next to {name}"
    return html.unescape(found.group(1))


@pytest.mark.parametrize(
    "typed", ["<script>alert(1)</script>", '=HYPERLINK("http://x","点我")', "临海消保委"]
)
def test_a_referral_to_a_string_outside_the_registry_is_refused(world: World, typed: str) -> None:
    case_id = world.case_at("refer")
    before = world.engine.case(case_id).version
    client = world.client
    sign_in(client, "clerk")
    url, token = refer_form(client.get(f"/ui/cases/{quote(case_id, safe='')}").text)
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
    assert "不在浙江省组织名录中" in field_error(answer.text, "mediator_org")
    assert "<script>alert(1)</script>" not in answer.text  # echoed escaped, never as markup
    after = world.engine.case(case_id)
    assert after.version == before and after.mediator_org is None  # nothing half-written


def complaint_at_follow_up(world: World) -> str:
    """A complaint of 临海市消保委 accepted, mediated and agreed: the follow-up waits."""
    case_id = world.open("complaint_mediation")
    answers = {
        "decide_complaint": {"action": "accept"},
        "notify_parties": {"action": "notify"},
        "start_mediation": {"action": "start"},
        "mediate": {"action": "agree", "amount": 1000},
    }
    for _ in range(10):
        current = world.engine.case(case_id).tasks[0].bpmn_id
        if current == "agreement_follow_up":
            return case_id
        world.act(case_id, answers[current])
    raise AssertionError("the complaint did not reach the follow-up")


def follow_up_form(page: str) -> tuple[str, str, str]:
    """(action url, csrf token, the court pick-list's options) of the follow-up's 'apply'."""
    found = re.search(
        r'action="([^"]+/tasks/[^"]+)"[^>]*>((?:(?!</form>).)*value="apply"(?:(?!</form>).)*)</form>',
        page,
        re.S,
    )
    assert found is not None, "no application form"
    select = re.search(r'<select[^>]*name="court"[^>]*>(.*?)</select>', found.group(2), re.S)
    assert select is not None, "the court is a pick-list"
    assert not re.search(r'<input[^>]*name="court"', found.group(2)), "never free text"
    return html.unescape(found.group(1)), csrf(page), select.group(1)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("临海市消保委", "受理法院须为法院"),
        ("临海消保委", "受理法院“临海消保委”不在浙江省组织名录中"),
    ],
)
def test_the_court_box_of_a_complaint_offers_and_takes_only_courts(
    world: World, typed: str, message: str
) -> None:
    case_id = complaint_at_follow_up(world)
    before = world.engine.case(case_id).version
    client = world.client
    sign_in(client, "mediator")
    url, token, options = follow_up_form(client.get(f"/ui/cases/{quote(case_id, safe='')}").text)
    offered = [v for v in re.findall(r'<option value="([^"]*)"', options) if v]
    assert offered and all(v.endswith("法院") for v in offered), offered
    assert "临海市人民法院" in offered and "临海市消保委" not in offered
    answer = client.post(
        url,
        data={
            "csrf_token": token,
            "action": "apply",
            "version": str(before),
            "joint": "on",
            "court": typed,
        },
    )
    assert answer.status_code == 422
    assert message in field_error(answer.text, "court")
    assert world.engine.case(case_id).version == before


def test_the_same_number_full_width_or_half_width_is_one_case(world: World) -> None:
    client = world.client
    sign_in(client, "clerk")
    year = today_shanghai().year
    form = client.get("/ui/new").text
    data = {"process_id": "pre_filing_referral", "consumer": "李娜", "csrf_token": csrf(form)}
    made = client.post(
        "/ui/new", data={**data, "case_id": f"({year})浙1082民诉前调0077号"}, follow_redirects=False
    )
    assert made.status_code == 303
    again = client.post("/ui/new", data={**data, "case_id": f"（{year}）浙1082民诉前调77号"})
    assert again.status_code == 422
    assert "已存在" in field_error(again.text, "case_id")
    stored = world.services.reads.stored([f"（{year}）浙1082民诉前调77号"])
    assert len(stored) == 1
