"""The auditor's what-if page in headless Chromium: upload a local agreement, see what moves,
download it as Excel, nothing changed; bad files get a Chinese error with its code."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl

from standard_rules.eventlog import Event
from standard_rules.pack import apply_override
from standard_rules.whatif import Scenario, whatif
from tests.e2e.conftest import Site, shot, sign_in
from tests.mediating import mediating_case

AGREEMENT = 'name = "委派调解延长至40日"\n\n[[override]]\nrule = "R16"\ndays = 40\n'


def _all_timers(site: Site) -> list[tuple[str, str, float]]:
    from sqlalchemy import select

    from storage.sql import timers_t

    with site.app.state.engine.store.engine.connect() as conn:
        rows = conn.execute(select(timers_t.c.case_id, timers_t.c.name, timers_t.c.due_ts))
        return sorted((r[0], r[1], r[2]) for r in rows)


def test_auditor_compares_a_local_agreement(site: Site, new_page: Any, tmp_path: Path) -> None:
    engine = site.app.state.engine
    stamp_before, timers_before = engine.pack.stamp, _all_timers(site)
    agreement = tmp_path / "agreement.toml"
    agreement.write_text(AGREEMENT, encoding="utf-8")
    page = new_page(accept_downloads=True)
    sign_in(page, site, "auditor", "auditor-demo")
    page.get_by_role("link", name="假设分析").click()
    assert page.url.endswith("/ui/audit/whatif")
    page.get_by_label("本地协议（覆盖期限参数）").check()
    page.get_by_label("文件（TOML）").set_input_files(str(agreement))
    page.get_by_role("button", name="比较").click()
    page.wait_for_load_state()
    moves = page.locator("#h-moves").inner_text()
    count = int(re.search(r"\((\d+)\)", moves).group(1))  # type: ignore[union-attr]
    # The same comparison done here over every event of the database (a province-wide auditor
    # reads every case): the page reports exactly as many moved due dates.
    events = [
        Event(e.case, e.activity, e.at_text, e.at.timestamp(), e.data, e.seq, org=e.org or "")
        for e in engine.store.all_events()
    ]
    base = Scenario(engine.pack, engine.calendar)
    expected = whatif(
        events,
        base,
        Scenario(apply_override(engine.pack, agreement), engine.calendar),
        datetime.now(UTC),
    )
    assert count == len(expected.due_changes) > 0
    assert "cal(30) 改为 cal(40)（本地协议：委派调解延长至40日）" in page.content()
    assert page.locator("#h-timers").inner_text().startswith("未结案件的定时器 (")
    shot(page, "whatif-1366x768")
    with page.expect_download() as info:
        page.get_by_role("button", name="下载比较结果（Excel）").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    book = openpyxl.load_workbook(saved, read_only=True)
    rows = list(book["期限变动 Due dates"].iter_rows(values_only=True))
    assert len(rows) - 1 == count
    # Nothing was loaded: the engine's pack and every armed timer are as they were.
    assert engine.pack.stamp == stamp_before
    assert _all_timers(site) == timers_before


def test_a_bad_file_is_refused_with_its_field_and_code(
    site: Site, new_page: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "cn-2027.toml"
    bad.write_text('year = 2027\nsource = "x"\n[[workday]]\ndate = "2027-03-03"\n', "utf-8")
    page = new_page()
    sign_in(page, site, "auditor", "auditor-demo")
    page.goto(site.url("/ui/audit/whatif"))
    page.get_by_label("某年放假安排（日历文件）").check()
    page.get_by_label("文件（TOML）").set_input_files(str(bad))
    page.get_by_role("button", name="比较").click()
    page.wait_for_load_state()
    error = page.locator(".field-error").first.inner_text()
    assert "cn-2027.toml: workday[0]: 2027-03-03 is a weekday" in error
    assert "whatif.proposal_invalid" in error
    assert str(tmp_path) not in page.content()  # no server path leaks
    page.get_by_role("button", name="比较").click()  # no file at all
    page.wait_for_load_state()
    assert (
        "请选择要比较的文件（whatif.file_missing）"
        in page.locator(".field-error").first.inner_text()
    )


def test_only_auditors_may_compare(site: Site, new_page: Any) -> None:
    page = new_page()
    sign_in(page, site, "clerk", "clerk-demo")
    response = page.goto(site.url("/ui/audit/whatif"))
    assert response is not None and response.status == 403


def test_an_organisations_auditor_sees_only_its_cases(
    site: Site, new_page: Any, tmp_path: Path
) -> None:
    from api.security import hash_password
    from storage.scoped import Visibility

    org = "天台县人民法院"
    services = site.app.state.services
    # the demo's draw may leave this court no case in mediation on the day the test runs
    mediating_case(site.app.state.engine, "(2026)浙1023民诉前调9001号", org, "天台县消保委")
    if services.accounts.user("auditor-tt") is None:
        services.accounts.add_user(
            username="auditor-tt",
            password_hash=hash_password("auditor-tt-pass"),
            role="auditor",
            org=org,
        )
    agreement = tmp_path / "agreement.toml"
    agreement.write_text(AGREEMENT, encoding="utf-8")
    page = new_page()
    sign_in(page, site, "auditor-tt", "auditor-tt-pass")
    page.goto(site.url("/ui/audit/whatif"))
    page.get_by_label("文件（TOML）").set_input_files(str(agreement))
    page.get_by_role("button", name="比较").click()
    page.wait_for_load_state()
    engine = site.app.state.engine
    visible = [
        Event(e.case, e.activity, e.at_text, e.at.timestamp(), e.data, e.seq, org=e.org or "")
        for e in services.reads.events(Visibility("either", org))
    ]
    everything = {e.case for e in engine.store.all_events()}
    expected = whatif(
        visible,
        Scenario(engine.pack, engine.calendar),
        Scenario(apply_override(engine.pack, agreement), engine.calendar),
        datetime.now(UTC),
    )
    summary = page.locator("#h-result").inner_text()
    assert summary.startswith(f"{expected.cases} 件案件")
    assert expected.cases < len(everything)  # other organisations' cases are left out
    shown = set(page.locator("main a[href^='/ui/cases/']").all_inner_texts())
    assert shown <= {e.case for e in visible}
    assert shown == {d.case for d in expected.due_changes} != set()


def test_a_kept_proposal_is_listed_with_who_and_when_and_can_be_picked_again(
    site: Site, new_page: Any, tmp_path: Path
) -> None:
    """Issue 17: "upload or pick a proposed pack/calendar/agreement"; nothing changes."""
    engine = site.app.state.engine
    stamp_before, timers_before = engine.pack.stamp, _all_timers(site)
    agreement = tmp_path / "agreement.toml"
    agreement.write_text(AGREEMENT, encoding="utf-8")
    page = new_page(accept_downloads=True)
    sign_in(page, site, "auditor", "auditor-demo")
    page.goto(site.url("/ui/audit/whatif"))
    page.get_by_label("本地协议（覆盖期限参数）").check()
    page.get_by_label("文件（TOML）").set_input_files(str(agreement))
    page.get_by_label("保存为方案").fill("委派40日-草案")
    page.get_by_role("button", name="比较").click()
    page.wait_for_load_state()
    assert "已保存为方案“委派40日-草案”" in page.locator(".notice").inner_text()
    uploaded = page.locator("#h-moves").inner_text()
    row = page.locator("table.proposals tbody tr", has_text="委派40日-草案")
    assert "auditor" in row.inner_text() and "本地协议" in row.inner_text()

    # Another day, another visit: pick it from the list instead of uploading it again.
    page.goto(site.url("/ui/audit/whatif"))
    page.get_by_role("button", name="选用此方案：委派40日-草案").click()
    page.wait_for_load_state()
    assert page.locator("#picked").inner_text() == "委派40日-草案"
    assert page.locator("#h-moves").inner_text() == uploaded
    assert "cal(30) 改为 cal(40)（本地协议：委派调解延长至40日）" in page.content()
    with page.expect_download() as info:
        page.get_by_role("button", name="下载比较结果（Excel）").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    rows = list(openpyxl.load_workbook(saved, read_only=True)["期限变动 Due dates"].iter_rows())
    assert f"({len(rows) - 1})" in uploaded

    # A second proposal under the same name is refused with its field and code; nothing kept.
    page.goto(site.url("/ui/audit/whatif"))
    page.get_by_label("文件（TOML）").set_input_files(str(agreement))
    page.get_by_label("保存为方案").fill("委派40日-草案")
    page.get_by_role("button", name="比较").click()
    page.wait_for_load_state()
    assert "（proposal.exists）" in page.locator("#field-name .field-error").inner_text()
    assert page.locator("table.proposals tbody tr", has_text="委派40日-草案").count() == 1
    # Keeping and picking loaded nothing.
    assert engine.pack.stamp == stamp_before
    assert _all_timers(site) == timers_before
