"""Loading a holiday schedule re-audits the findings it can move (issue 12: findings that stay
right when the calendar moves): right after `suitiao calendar load`, `suitiao reindex --check`
finds nothing to rebuild, on SQLite and PostgreSQL, for re-armed cases and for cases the
schedule moves no timer of."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.cli import main as cli
from api.schedule_loading import load_schedule
from api.settings import Settings
from standard_rules.legal_calendar import default_calendar
from storage.findings import finding_rows_t
from storage.sql import SqlCaseStore
from tests.integration.conftest import _empty as empty
from tests.workflows.conftest import CLERK, CPC, MEDIATOR, Driver, sh
from tests.workflows.test_paths import COMPLAINT, PRE

NOTICE = Path(__file__).resolve().parents[2] / "fixtures" / "calendars" / "cn-2027.toml"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'schedule.db'}"
        return
    engine = request.getfixturevalue("postgres_engine")
    empty(engine)
    found = engine.url.render_as_string(hide_password=False)
    yield found.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def settings(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SUITIAO_STATE_DIR", str(tmp_path / "var"))
    return Settings.from_env()


def play(settings: Settings, make_driver: Any) -> list[str]:
    """Cases whose periods reach into the 2027 Spring Festival while 2027 is provisional."""
    store = SqlCaseStore.from_url(settings.database_url)
    # Mediation under way since Wed 6 Jan: its 30 days end on the eve of the festival.
    mediating: Driver = make_driver(store=store, start=sh(2027, 1, 4, 9))
    mediating.open(PRE, CLERK, case_id="(2027)浙1082民诉前调1号")
    mediating.do(CLERK, "record_consent", action="consent")
    mediating.do(CLERK, "refer", action="refer", mediator_org=CPC)
    mediating.at(sh(2027, 1, 6, 10))
    mediating.do(MEDIATOR, "sign_for_referral", action="sign")
    mediating.do(MEDIATOR, "accept_referral", action="accept")
    mediating.do(MEDIATOR, "notify_parties", action="notify")
    # A complaint received Fri 29 Jan and not decided: R62's 5 working days end on Thu 11 Feb
    # provisionally, on Fri 12 Feb under the notice (a `missing` finding, no timer).
    waiting: Driver = make_driver(store=store, start=sh(2027, 1, 29, 9))
    waiting.open(COMPLAINT, MEDIATOR, case_id="LH-TS-2027-0001")
    # One received Mon 1 Feb and rejected on Sat 13 Feb, a working day under the notice: late
    # under the provisional calendar (due Fri 12 Feb), in time under the notice. The case is
    # closed: no timer to re-arm, no step to take, only its finding moves.
    decided: Driver = make_driver(store=store, start=sh(2027, 2, 1, 9))
    decided.open(COMPLAINT, MEDIATOR, case_id="LH-TS-2027-0002")
    decided.at(sh(2027, 2, 13, 10))
    decided.do(MEDIATOR, "decide_complaint", action="reject", reason="已由法院受理")
    store.engine.dispose()
    return [mediating.case_id, waiting.case_id, decided.case_id]


def dues(settings: Settings) -> dict[tuple[str, str, str], str | None]:
    store = SqlCaseStore.from_url(settings.database_url)
    t = finding_rows_t.c
    with store.engine.connect() as conn:
        rows = conn.execute(finding_rows_t.select().order_by(t.case_id, t.n)).all()
    store.engine.dispose()
    return {(r.case_id, r.rule, r.kind): r.due for r in rows}


def test_loading_a_schedule_leaves_no_finding_stale(
    settings: Settings, make_driver: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not default_calendar().is_official(2027), "2027 must still be provisional here"
    cases = play(settings, make_driver)
    before = dues(settings)

    preview = load_schedule(settings, NOTICE, dry_run=True)
    assert sorted(preview.refreshed) == sorted(cases)
    assert dues(settings) == before, "a dry run changes no finding"

    loaded = load_schedule(settings, NOTICE)
    assert sorted(loaded.refreshed) == sorted(cases)
    moved = {m.case_id for m in loaded.moved}
    assert cases[2] not in moved, "a closed case has no timer: only its findings move"
    after = dues(settings)
    assert after != before
    assert (before[(cases[1], "R62", "missing")], after[(cases[1], "R62", "missing")]) == (
        "2027-02-11",
        "2027-02-12",
    )
    assert (cases[2], "R62", "late") in before and (cases[2], "R62", "late") not in after
    capsys.readouterr()
    assert cli(["reindex", "--check"]) == 0, capsys.readouterr().out
    # A second load of the same notice has nothing left to re-audit.
    assert load_schedule(settings, NOTICE).refreshed == []
