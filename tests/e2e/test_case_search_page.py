"""The clerk's case search in a browser: the field says what it finds (a word's beginning, not
its middle), a name and its surname find the court's case, another court's namesake stays
hidden."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import select

from storage.sql import cases_t
from tests.e2e.conftest import OTHER_CASE, Site, shot, sign_in


def _a_party_of(site: Site, court: str) -> tuple[str, str]:
    store = site.app.state.engine.store
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(cases_t.c.id, cases_t.c.facts).where(cases_t.c.court_org == court)
        ).all()
    for case_id, facts in rows:
        name = orjson.loads(facts).get("consumer", {}).get("name")
        if name and len(name) >= 2:
            return case_id, name
    raise AssertionError("the demo has a consumer in this court")


def test_the_clerk_searches_by_name_and_number(site: Site, new_page: Any) -> None:
    case_id, name = _a_party_of(site, "临海市人民法院")
    page = new_page()
    sign_in(page, site, "clerk", "clerk-demo")
    page.goto(site.url("/ui/cases"))
    field = page.get_by_label("案号或当事人")
    hint = field.get_attribute("aria-describedby")  # read out with the field
    assert hint and "中间的几个字查不到" in page.locator(f"#{hint}").inner_text()
    field.fill(name)
    page.get_by_role("button", name="筛选").click()
    assert case_id in page.locator("tbody").inner_text()
    shot(page, "case-search-name")
    # The surname alone finds it too: a word's beginning.
    page.get_by_label("案号或当事人").fill(name[0])
    page.get_by_role("button", name="筛选").click()
    assert case_id in page.locator("tbody").inner_text()
    # Its middle does not, and says so plainly.
    page.get_by_label("案号或当事人").fill("诉前调")
    page.get_by_role("button", name="筛选").click()
    assert "没有符合条件的案件。" in page.content()
    # Another court's case is not found by its party's name, nor by its phone's tail.
    for text in ("赵敏", "1111"):
        page.get_by_label("案号或当事人").fill(text)
        page.get_by_role("button", name="筛选").click()
        assert OTHER_CASE not in page.content()
