"""The auditor dashboard's 省市县 table in Chromium: a city auditor sees its counties, with the
same period a year earlier (同比), and nothing of another city's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from api.demo import DemoClock
from api.security import hash_password
from api.web.deadlines import today_shanghai
from engine.services import Actor, SystemClock
from tests.e2e.conftest import Site, shot, sign_in

pytestmark = pytest.mark.e2e
AUDITORS = {"taizhou-auditor": "台州市消保委", "hangzhou-auditor": "杭州市消保委"}
HANGZHOU_CASE = "(2026)浙0106民诉前调0777号"  # 西湖区人民法院, in 杭州
OLD_CASE = "(2025)浙1082民诉前调0555号"  # 临海, opened a year earlier


@pytest.fixture(scope="module")
def auditors(site: Site) -> None:
    accounts = site.app.state.services.accounts
    for username, org in AUDITORS.items():
        accounts.add_user(
            username=username,
            password_hash=hash_password(f"{username}-pw"),
            role="auditor",
            org=org,
            display_name=f"{org}审计员",
        )
    engine = site.app.state.engine
    refer(engine, HANGZHOU_CASE, "西湖区人民法院", "西湖区消保委")
    engine.clock = DemoClock(SystemClock().now() - timedelta(days=366))
    try:
        refer(engine, OLD_CASE, "临海市人民法院", "临海市消保委")
    finally:
        engine.clock = SystemClock()


def refer(engine: Any, case_id: str, court: str, committee: str) -> None:
    """A case opened by the court and referred to the committee: a committee's auditor counts
    the cases referred to the committees below it."""
    clerk = Actor(f"clerk-{court}", "court_clerk", court)
    engine.open_case(
        process_id="pre_filing_referral",
        case_id=case_id,
        actor=clerk,
        facts={"consumer": {"name": "钱多"}, "claim_amount": 700},
    )
    for payload in ({"action": "consent"}, {"action": "refer", "mediator_org": committee}):
        task = engine.case(case_id).tasks[0]
        engine.complete(case_id=case_id, task_id=task.task_id, actor=clerk, payload=payload)


def table(page: Any, level: str) -> dict[str, list[str]]:
    """Rows of the level's table: area → [this period, a year earlier, 同比]."""
    rows = page.locator(f'table.rollup[data-level="{level}"] tbody tr')
    out = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        out[row.locator("th").inner_text().strip()] = cells
    return out


def choose_period(page: Any, days: int) -> None:
    today = today_shanghai()
    page.get_by_label("起始日期").fill((today - timedelta(days=days)).isoformat())
    page.get_by_label("截止日期").fill(today.isoformat())
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()


def test_a_city_auditor_sees_its_counties_year_on_year(
    site: Site, new_page: Any, auditors: None
) -> None:
    page = new_page()
    sign_in(page, site, "taizhou-auditor", "taizhou-auditor-pw")
    assert page.url.endswith("/ui/audit")
    choose_period(page, 60)
    heading = page.get_by_role("heading", name="省市县分级统计（同比）")
    assert heading.is_visible()
    cities, counties = table(page, "city"), table(page, "county")
    assert set(cities) == {"台州市"}, cities
    assert {"临海市", "天台县"} <= set(counties) and "西湖区" not in counties, counties
    linhai = counties["临海市"]
    assert int(linhai[0]) > 0 and linhai[1] == "1", linhai  # the one case a year earlier
    assert linhai[2] == f"{int(linhai[0]) - 1:+.1%}", linhai  # 同比: n / 1 - 1
    assert counties["天台县"][1] == "0" and counties["天台县"][2] == "—"
    assert "年同期" in page.locator("#rollup .meta").inner_text()
    shot(page, "audit-rollup-taizhou")


def test_another_city_auditor_sees_only_its_own(site: Site, new_page: Any, auditors: None) -> None:
    page = new_page()
    sign_in(page, site, "hangzhou-auditor", "hangzhou-auditor-pw")
    choose_period(page, 60)
    cities, counties = table(page, "city"), table(page, "county")
    assert set(cities) == {"杭州市"}, cities
    assert counties == {"西湖区": ["1", "0", "—"]}, counties
