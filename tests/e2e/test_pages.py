"""End to end in headless Chromium: what a clerk, a mediator and an auditor do in the pages."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest

from tests.e2e.conftest import (
    LAPTOP,
    LATE_COMPLAINT,
    OTHER_CASE,
    OVERDUE_REFERRAL,
    PHONE,
    Site,
    shot,
    sign_in,
)

pytestmark = pytest.mark.e2e
CASE = "（2026）浙1082民诉前调9001号"  # as normalised: full-width brackets, no padding


def case_path(case_id: str) -> str:
    return "/ui/cases/" + quote(case_id, safe="")


def choose(page: Any, label: str) -> Any:
    """Open a choice (a <details>) by its label and return its form."""
    details = page.locator("details.choice").filter(
        has=page.locator("summary", has_text=re.compile(f"^{re.escape(label)}"))
    )
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details.locator("form")


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/ui/login")


def test_clerk_refers_mediator_agrees_clerk_sees_result(site: Site, new_page: Any) -> None:
    page = new_page()
    sign_in(page, site, "clerk", "clerk-demo")
    overdue = page.locator("tr.overdue", has=page.get_by_role("link", name=OVERDUE_REFERRAL))
    assert "已逾期" in overdue.inner_text()  # in words and an icon, not by colour alone
    shot(page, "inbox-clerk-1366x768")
    page.set_viewport_size(PHONE)
    shot(page, "inbox-clerk-390x844")
    page.set_viewport_size(LAPTOP)

    # The clerk registers a dispute before filing.
    page.get_by_role("link", name="登记案件").click()
    assert page.get_by_label("案号").input_value().startswith("（")  # the next number, offered
    page.get_by_label("案号").fill("")
    page.get_by_role("button", name="登记").click()  # empty: errors next to the fields
    assert page.locator("#field-case_id-error").inner_text() == "请填写案号"
    assert page.locator("#field-consumer-error").inner_text() == "请填写消费者姓名"
    page.get_by_label("案号").fill(CASE)
    page.get_by_label("消费者姓名").fill("张三")
    page.get_by_label("消费者电话").fill("13800001111")
    page.get_by_label("经营者名称").fill("临海某家电有限公司")
    page.get_by_label("请求金额（元）").fill("1999")
    page.get_by_role("button", name="登记").click()
    page.wait_for_url("**" + quote(CASE, safe="") + "*")
    assert page.locator("h1").inner_text().endswith(CASE)
    assert "13800001111" in page.content()  # clerks see the phone in full

    # Consent, then referral; an empty organisation is refused next to its field.
    choose(page, "双方同意调解").get_by_role("button", name="双方同意调解").click()
    page.wait_for_load_state()
    assert "已办理" in page.locator(".notice").inner_text()
    form = choose(page, "委派/委托")
    form.get_by_role("button", name="委派/委托").click()
    error = page.locator("#field-mediator_org-error")
    assert error.inner_text() == "请填写调解组织"
    assert page.locator("#field-mediator_org").get_attribute("aria-invalid") == "true"
    form = choose(page, "委派/委托")
    form.get_by_label("调解组织").select_option("临海市消保委")
    form.get_by_role("button", name="委派/委托").click()
    page.wait_for_load_state()
    assert "签收委派/委托材料" in page.locator(".waiting").inner_text()
    shot(page, "case-clerk-1366x768")
    sign_out(page)

    # The mediator finds it in the inbox, signs for it, accepts, notifies and mediates.
    sign_in(page, site, "mediator", "mediator-demo")
    row = page.locator("tr", has=page.get_by_role("link", name=CASE))
    assert "签收委派/委托材料" in row.inner_text()
    assert "剩余" in row.inner_text() or "今日到期" in row.inner_text()
    page.get_by_role("link", name=CASE).click()
    assert page.locator("svg.bpmn .node.current[data-id='sign_for_referral']").count() == 1
    choose(page, "签收材料").get_by_role("button", name="签收材料").click()
    page.wait_for_load_state()
    choose(page, "接受").get_by_role("button", name="接受", exact=True).click()
    page.wait_for_load_state()
    page.get_by_role("button", name="已通知调解时间地点").click()
    page.wait_for_load_state()
    # the 调解通知书 prints the time and place: the step asks for them
    assert "调解时间" in page.locator("#field-session_at-error").inner_text()
    form = choose(page, "已通知调解时间地点")
    form.locator("[name=session_at]").fill("12月20日14时")
    form.locator("[name=place]").fill("临海市消保委调解室")
    form.get_by_role("button", name="已通知调解时间地点").click()
    page.wait_for_load_state()
    # The mediation sub-process is drawn too, the current task highlighted in it.
    assert page.locator("#diagram-mediation .node.current[data-id='mediate']").count() == 1
    choose(page, "开始调解").get_by_role("button", name="开始调解").click()
    page.wait_for_load_state()
    form = choose(page, "达成调解协议")
    form.get_by_label("协议金额（元）").fill("abc")
    form.get_by_role("button", name="达成调解协议").click()
    assert page.locator("#field-amount-error").inner_text() == "协议金额（元）须为金额（元）"
    assert page.locator("#error-summary").is_visible()
    form = choose(page, "达成调解协议")
    form.get_by_label("协议金额（元）").fill("1800")
    form.locator("[name=performance_method]").fill("银行转账")
    form.locator("[name=performance_deadline]").fill(f"{date.today() + timedelta(days=9)}")
    form.get_by_role("button", name="达成调解协议").click()
    page.wait_for_load_state()
    assert "达成调解协议" in page.locator(".timeline").inner_text()
    shot(page, "case-mediator-1366x768")
    sign_out(page)

    # The clerk sees the result: the agreement and its filing with the court.
    sign_in(page, site, "clerk", "clerk-demo")
    page.goto(site.url(case_path(CASE)))
    timeline = page.locator(".timeline").inner_text()
    assert "达成调解协议" in timeline
    assert "1800" in timeline
    assert "已达成协议" in page.locator(".case-head").inner_text() or "agreed" in page.content()
    shot(page, "case-clerk-result-1366x768")
    page.set_viewport_size(PHONE)
    shot(page, "case-clerk-result-390x844")


def test_auditor_downloads_the_excel_report(site: Site, new_page: Any, tmp_path: Any) -> None:
    page = new_page(accept_downloads=True)
    sign_in(page, site, "auditor", "auditor-demo")
    assert page.url.endswith("/ui/audit")
    assert page.locator("svg[role='img']").count() >= 2  # findings by rule and by organisation
    findings = page.locator("#h-findings + div").inner_text()
    assert LATE_COMPLAINT in findings and "R62" in findings
    shot(page, "audit-1366x768")
    with page.expect_download() as info:
        page.get_by_role("link", name="审计报告（Excel）").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    book = openpyxl.load_workbook(saved, read_only=True)
    assert len(book.sheetnames) >= 2
    with page.expect_download() as info:
        page.get_by_role("link", name="统计报表（Excel）").click()
    stats = tmp_path / info.value.suggested_filename
    info.value.save_as(stats)
    assert "统计 Statistics" in openpyxl.load_workbook(stats, read_only=True).sheetnames
    # Auditors see phone numbers masked.
    page.goto(site.url(case_path(OTHER_CASE)))
    content = page.content()
    assert "13900001111" not in content and "139****1111" in content
    page.set_viewport_size(PHONE)
    page.goto(site.url("/ui/audit"))
    shot(page, "audit-390x844")


def test_mediator_cannot_open_another_organisations_case(site: Site, new_page: Any) -> None:
    page = new_page()
    sign_in(page, site, "mediator", "mediator-demo")
    assert OTHER_CASE not in page.content()
    response = page.goto(site.url(case_path(OTHER_CASE)))
    assert response is not None and response.status == 404
    assert "案件不存在，或不属于您的单位" in page.content()
    assert "赵敏" not in page.content()
    # A form post to it is refused the same way.
    page.goto(site.url("/ui/cases?q=" + quote("浙1023")))
    assert OTHER_CASE not in page.content()


def test_inbox_on_laptop_and_phone_in_both_languages(site: Site, new_page: Any) -> None:
    page = new_page(PHONE)
    sign_in(page, site, "mediator", "mediator-demo")
    assert page.locator("h1").inner_text() == "我的待办"
    shot(page, "inbox-mediator-390x844")
    overdue = page.locator("tr.overdue")
    if overdue.count():
        assert "已逾期" in overdue.first.inner_text()  # in words, not by colour alone
    page.get_by_role("link", name="切换为英文页面").click()
    assert page.locator("h1").inner_text() == "My tasks"
    assert page.locator("html").get_attribute("lang") == "en"
    page.set_viewport_size(LAPTOP)
    shot(page, "inbox-mediator-en-1366x768")
    page.get_by_role("link", name="切换为中文").click()
    assert page.locator("h1").inner_text() == "我的待办"
    # Filters: due this week, then overdue; each result row says so.
    page.get_by_label("期限").select_option("overdue")
    page.get_by_role("button", name="筛选").click()
    for text in page.locator("tbody tr").all_inner_texts():
        assert "已逾期" in text
    # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    page.goto(site.url("/ui/inbox"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_sign_in_page_and_wrong_password(site: Site, new_page: Any) -> None:
    page = new_page(PHONE)
    page.goto(site.url("/"))
    assert page.url.endswith("/ui/login")
    shot(page, "login-390x844")
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").inner_text() == "用户名或密码不正确"
