"""A city committee's head assigns a waiting task in one of its county committees on the case
page (issue 13), in Chromium: the assignee alone gets the task's form, the others see who has
it, the history shows who assigned whom, and clearing it gives the task back to everyone.

Its own city (温州) so the other page tests' counts of 台州's cases stay as they are."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from api.security import hash_password
from engine.services import Actor
from tests.e2e.conftest import Site, shot, sign_in

pytestmark = pytest.mark.e2e
CASE = "(2026)浙0302民诉前调0961号"
COURT, COMMITTEE, CITY = "鹿城区人民法院", "鹿城区消保委", "温州市消保委"
PEOPLE = {
    "wz-head": ("supervisor", CITY, "温州市消保委 林秘书长"),
    "lc-med-1": ("mediator", COMMITTEE, "鹿城 郑调解员"),
    "lc-med-2": ("mediator", COMMITTEE, "鹿城 冯调解员"),
}


@pytest.fixture(scope="module")
def referred(site: Site) -> str:
    accounts = site.app.state.services.accounts
    for username, (role, org, name) in PEOPLE.items():
        accounts.add_user(
            username=username,
            password_hash=hash_password(f"{username}-pw"),
            role=role,
            org=org,
            display_name=name,
        )
    engine = site.app.state.engine
    clerk = Actor("lc-clerk", "court_clerk", COURT)
    engine.open_case(
        process_id="pre_filing_referral",
        case_id=CASE,
        actor=clerk,
        facts={"consumer": {"name": "钱多"}, "claim_amount": 700},
    )
    for payload in ({"action": "consent"}, {"action": "refer", "mediator_org": COMMITTEE}):
        task = engine.case(CASE).tasks[0]
        engine.complete(case_id=CASE, task_id=task.task_id, actor=clerk, payload=payload)
    return "/ui/cases/" + quote(CASE, safe="")


def as_person(new_page: Any, site: Site, username: str) -> Any:
    page = new_page()
    sign_in(page, site, username, f"{username}-pw")
    return page


def test_a_city_head_assigns_a_county_mediator_on_the_case_page(
    site: Site, new_page: Any, referred: str
) -> None:
    head = as_person(new_page, site, "wz-head")
    head.goto(site.url(referred))
    panel = head.locator("#assignments")
    assert "未指派" in panel.inner_text()
    # Nothing chosen: refused next to the form, in Chinese.
    panel.get_by_role("button", name="指派", exact=True).click()
    head.wait_for_load_state()
    assert "请选择办理人" in head.locator("#field-assignee").inner_text()
    panel = head.locator("#assignments")
    panel.get_by_label("指派给").select_option("lc-med-2")
    panel.get_by_role("button", name="指派", exact=True).click()
    head.wait_for_url("**done=1**")
    panel = head.locator("#assignments")
    assert "鹿城 冯调解员" in panel.locator(".assignee").inner_text()
    history = panel.locator("table.assign-history tbody tr").first.inner_text()
    assert "鹿城 冯调解员" in history and "林秘书长" in history
    shot(head, "case-assignment-1366x768")

    other = as_person(new_page, site, "lc-med-1")
    other.goto(site.url(referred))
    assert other.locator("details.choice").count() == 0  # not theirs to sign for
    assert "鹿城 冯调解员" in other.locator("#assignments").inner_text()
    assert other.locator("#assignments form").count() == 0  # mediators assign nothing

    chosen = as_person(new_page, site, "lc-med-2")
    chosen.goto(site.url("/ui/inbox?scope=assigned"))
    assert chosen.get_by_role("link", name=CASE).count() == 1
    chosen.goto(site.url(referred))
    assert chosen.locator("details.choice summary", has_text="签收").count() == 1

    head.get_by_role("button", name="取消指派").click()
    head.wait_for_url("**done=1**")
    assert "未指派" in head.locator("#assignments .assignee").inner_text()
    other.goto(site.url(referred))
    assert other.locator("details.choice summary", has_text="签收").count() == 1
