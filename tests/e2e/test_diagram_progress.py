"""The case page's diagram shows how far the case has come: the steps it has finished tinted,
the one it waits on highlighted, the rest plain."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from tests.e2e.conftest import ARTIFACTS, OVERDUE_REFERRAL, Site, sign_in


def test_finished_steps_and_the_waiting_one_are_marked(new_page: Any, site: Site) -> None:
    page = new_page()
    sign_in(page, site, "clerk", "clerk-demo")
    page.goto(site.url("/ui/cases/" + quote(OVERDUE_REFERRAL, safe="")))
    main = page.locator("#diagram-main")
    # consent recorded, now waiting for the referral
    for step in ("start", "record_consent", "consent_gw"):
        assert main.locator(f".node.done[data-id='{step}']").count() == 1, step
    assert main.locator(".node.current[data-id='refer']").count() == 1
    assert main.locator(".node.done[data-id='refer']").count() == 0
    for step in ("register_case", "mediation", "sign_for_referral", "deem_refused"):
        node = main.locator(f".node[data-id='{step}']")
        assert "done" not in (node.get_attribute("class") or ""), step
    # the finished steps are drawn differently from the plain ones
    done = main.locator(".node.done[data-id='record_consent'] > rect").first
    plain = main.locator(".node[data-id='register_case'] > rect").first
    fill = "el => getComputedStyle(el).fill"
    assert done.evaluate(fill) != plain.evaluate(fill)
    assert "已完成的步骤" in page.locator(".legend").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("figure.diagram").first.screenshot(
        path=str(ARTIFACTS / "case-diagram-progress.png")
    )
