"""Loading a year's official holiday schedule re-arms the timers reckoned while it was provisional
(issue 11, part 1; contract/EVENTS.md "How periods are reckoned").

The scenario of the issue: a 委派 case signed for on Wed 6 Jan 2027, while 2027 has no official
schedule. Its 30 days end on Fri 5 Feb, the eve of the Spring Festival; the provisional calendar
(statutory days only) moves the end to the first working day after them. The notice then gives
5–11 Feb off: the mediation runs to Fri 12 Feb, and the mediator records an agreement on 10 Feb.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from api.schedule_loading import installed_dir, load_schedule
from api.settings import Settings
from engine.services import Engine
from standard_rules.legal_calendar import LegalCalendar, Unit, default_calendar
from standard_rules.pack import default_pack
from standard_rules.schedules import official_schedules
from storage.sql import SqlCaseStore
from tests.workflows.conftest import CLERK, CPC, MEDIATOR, Driver, end_of, last_instant, sh
from tests.workflows.test_paths import PRE

NOTICE = """\
year = 2027
source = "（测试用）国务院办公厅关于2027年部分节假日安排的通知"

[[holiday]]
name = "元旦"
dates = ["2027-01-01"]

[[holiday]]
name = "春节"
from = "2027-02-05"
to = "2027-02-11"

[[workday]]
name = "春节"
dates = ["2027-02-13"]
"""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'suitiao.db'}",
        state_dir=tmp_path / "var",
        calendar_dirs=(tmp_path / "var" / "calendars",),
    )


@pytest.fixture
def notice(tmp_path: Path) -> Path:
    path = tmp_path / "notice-2027.toml"
    path.write_text(NOTICE, encoding="utf-8")
    return path


def open_mediation(settings: Settings, make_driver: Any) -> Driver:
    store = SqlCaseStore.from_url(settings.database_url)
    d: Driver = make_driver(store=store, start=sh(2027, 1, 4, 9))
    d.open(PRE, CLERK, case_id="(2027)浙1082民诉前调1号")
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    d.at(sh(2027, 1, 6, 10))
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.do(MEDIATOR, "accept_referral", action="accept")
    d.do(MEDIATOR, "notify_parties", action="notify")
    return d


def test_loading_the_schedule_moves_the_provisional_deadline(
    settings: Settings, notice: Path, make_driver: Any
) -> None:
    assert not default_calendar().is_official(2027), "2027 must still be provisional here"
    d = open_mediation(settings, make_driver)
    provisional = default_calendar().due(date(2027, 1, 6), 30, Unit.CALENDAR).due
    assert provisional < date(2027, 2, 12)
    assert d.due("mediate") == provisional.isoformat()
    assert d.task("mediate").due_provisional

    preview = load_schedule(settings, notice, dry_run=True)
    assert preview.installed is None
    assert not installed_dir(settings).exists(), "a dry run installs nothing"
    assert (preview.moved[0].old, preview.moved[0].new) == (
        end_of(provisional.isoformat()),
        end_of("2027-02-12"),
    )
    assert d.due("mediate") == provisional.isoformat(), "a dry run changes nothing"

    loaded = load_schedule(settings, notice)
    assert loaded.installed == installed_dir(settings) / "cn-2027.toml"
    assert loaded.installed.read_text(encoding="utf-8") == NOTICE
    assert [(m.case_id, m.timer) for m in loaded.moved] == [(d.case_id, "mediation_deadline")]

    # Every process of the installation now reads the notice with the schedule files.
    official = LegalCalendar(official_schedules(settings.calendar_dirs))
    assert official.is_official(2027)
    live = Engine(d.store, default_pack(), official, specs=d.specs, clock=d.clock)
    d.engine = live
    d.calendar = official
    assert d.due("mediate") == "2027-02-12"
    assert not d.task("mediate").due_provisional
    # No contract event records a re-arm: the case row names the new calendar and its facts keep
    # the re-arm; the event that started the period still names the calendar that first set it.
    before = default_calendar().version.id
    assert d.view.calendar_version == official.version.id != before
    [rearm] = d.view.facts["rearmed"]
    assert rearm["calendar"] == official.version.id
    assert [(m["timer"], m["new"]) for m in rearm["timers"]] == [
        ("mediation_deadline", end_of("2027-02-12").isoformat())
    ]
    assert d.events()[-4].data["reckoned"]["calendar"] == before
    assert end_of("2027-02-12") in d.timer_dues()
    # The provisional date passes: nothing lapses, and the agreement is recorded on 10 Feb.
    assert d.fire(last_instant(provisional.isoformat()) + timedelta(days=1)) == 0
    d.at(sh(2027, 2, 10, 10))
    d.do(MEDIATOR, "mediate", action="agree", amount=1200)
    assert "mediation_timed_out" not in d.activities()
    # A second load of the same notice has nothing left to move.
    assert load_schedule(settings, notice).moved == []


def test_a_period_nothing_moves_is_reckoned_again_too(
    settings: Settings, notice: Path, make_driver: Any
) -> None:
    """R40's 30 days (no pause, no extension: only the expression reckons it) from an agreement
    effective Wed 6 Jan 2027 end on Fri 5 Feb, the eve of the Spring Festival."""
    d = open_mediation(settings, make_driver)
    d.at(sh(2027, 1, 6, 15))
    d.do(MEDIATOR, "mediate", action="agree", amount=800, effective_on="2027-01-06")
    provisional = default_calendar().due(date(2027, 1, 6), 30, Unit.CALENDAR).due
    assert d.due("agreement_follow_up") == provisional.isoformat()
    loaded = load_schedule(settings, notice)
    assert [(m.timer, m.new) for m in loaded.moved] == [
        ("confirmation_window_lapse", end_of("2027-02-12"))
    ]


def test_the_command_reports_what_it_moves(
    settings: Settings, notice: Path, make_driver: Any, tmp_path: Path
) -> None:
    open_mediation(settings, make_driver)
    env = {
        "DATABASE_URL": settings.database_url,
        "SUITIAO_STATE_DIR": str(settings.state_dir),
        "PATH": "/usr/bin:/bin",
    }
    command = [sys.executable, "-m", "api.cli", "calendar", "load", str(notice)]
    dry = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [*command, "--dry-run"], env=env, capture_output=True, text=True, check=False
    )
    assert dry.returncode == 0, dry.stderr
    assert "将重新计算 1 个计时器（1 件在办案件）" in dry.stdout
    assert "mediation_deadline" in dry.stdout
    assert "将按新的放假安排更新 1 件案件的审计发现" in dry.stdout  # its mediation period's end
    provisional = default_calendar().due(date(2027, 1, 6), 30, Unit.CALENDAR).due
    assert f"{provisional} → 2027-02-12" in dry.stdout  # due dates, in Shanghai
    # Not confirmed (no terminal, no --yes): nothing is loaded.
    unconfirmed = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        command, env=env, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    assert not (installed_dir(settings) / "cn-2027.toml").exists()
    real = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [*command, "--yes"], env=env, capture_output=True, text=True, check=False
    )
    assert real.returncode == 0, real.stderr
    assert "已重新计算 1 个计时器（1 件在办案件）" in real.stdout
    assert "已按新的放假安排更新 1 件案件的审计发现" in real.stdout
    assert (installed_dir(settings) / "cn-2027.toml").is_file()


def test_a_malformed_notice_is_refused_and_changes_nothing(
    settings: Settings, make_driver: Any, tmp_path: Path
) -> None:
    d = open_mediation(settings, make_driver)
    before = d.timer_dues()
    bad = tmp_path / "bad.toml"
    bad.write_text(NOTICE.replace('dates = ["2027-02-13"]', 'dates = ["2027-02-15"]'), "utf-8")
    env = {"DATABASE_URL": settings.database_url, "SUITIAO_STATE_DIR": str(settings.state_dir)}
    result = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "api.cli", "calendar", "load", str(bad), "--yes"],
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "bad.toml" in result.stderr and "2027-02-15" in result.stderr
    assert d.timer_dues() == before
    assert not installed_dir(settings).exists()
