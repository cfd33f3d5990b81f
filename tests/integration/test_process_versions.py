"""Processes that change while cases run (issue 14, versioned processes).

Cases are opened on version 1 of the BPMN files; version 2 is deployed (a relabelled task, and
in a second variant a task removed). Both versions run side by side: old cases on theirs, new
cases on the new one. `migrate` moves the old cases where every task they wait on exists in
both, with --dry-run first, and reports the others.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from engine.bpmn.specs import WORKFLOWS_DIR, SpecLibrary
from engine.services import Actor, Engine
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import default_pack
from storage.process_archive import SqlProcessArchive
from storage.sql import SqlCaseStore
from tools.bpmn_builder import Process

SH = timezone(timedelta(hours=8))
CLERK = Actor("c-1", "court_clerk", "临海市人民法院")
MEDIATOR = Actor("m-1", "mediator", "临海市消保委")


class Clock:
    def __init__(self) -> None:
        self.instant = datetime(2025, 3, 3, 9, tzinfo=SH)

    def now(self) -> datetime:
        return self.instant


def mediation_v2(*, drop_notify: bool) -> str:
    """Version 2 of the mediation process, written by the same builder as version 1: the
    mediation task relabelled, and optionally the notice to the parties taken out."""
    p = Process("mediation", "调解（第二版）", "Version 2 of the mediation process (test).")
    p.start(lane="mediator")
    if not drop_notify:
        p.user("notify_parties", "通知调解时间地点，告知权利义务及司法确认（R13）", "mediator")
    p.user("mediate", "调解（第二版）", "mediator")
    p.gateway("mediate_gw", "调解结束？", lane="mediator")
    p.end("end_mediation", "调解终结", lane="mediator")
    if drop_notify:
        p.chain("start", "mediate", "mediate_gw")
    else:
        p.chain("start", "notify_parties", "mediate", "mediate_gw")
    p.flow("mediate_gw", "end_mediation", 'mediation_result != ""', "已有结果")
    p.otherwise("mediate_gw", "mediate", "继续调解")
    return p.to_xml()


def version_two(tmp_path: Path, *, drop_notify: bool = False) -> Path:
    folder = tmp_path / ("v2-dropped" if drop_notify else "v2")
    shutil.copytree(WORKFLOWS_DIR, folder)
    (folder / "mediation.bpmn").write_text(mediation_v2(drop_notify=drop_notify), "utf-8")
    return folder


def engine_on(store: SqlCaseStore, specs: SpecLibrary, clock: Clock) -> Engine:
    return Engine(store, default_pack(), default_calendar(), specs=specs, clock=clock)


def open_at_notify(engine: Engine, case_id: str) -> None:
    engine.open_case(process_id="pre_filing_referral", case_id=case_id, actor=CLERK)
    for who, payload in (
        (CLERK, {"action": "consent"}),
        (CLERK, {"action": "refer", "mediator_org": "临海市消保委"}),
        (MEDIATOR, {"action": "sign"}),
        (MEDIATOR, {"action": "accept"}),
    ):
        task = engine.case(case_id).tasks[0]
        engine.complete(case_id=case_id, task_id=task.task_id, actor=who, payload=payload)


def act(engine: Engine, case_id: str, bpmn_id: str, who: Actor, **payload: Any) -> None:
    task = next(t for t in engine.case(case_id).tasks if t.bpmn_id == bpmn_id)
    engine.complete(case_id=case_id, task_id=task.task_id, actor=who, payload=payload)


@pytest.fixture
def store(tmp_path: Path) -> SqlCaseStore:
    return SqlCaseStore.from_url(f"sqlite:///{tmp_path / 'suitiao.db'}")


def test_two_versions_run_side_by_side_and_open_cases_migrate(
    store: SqlCaseStore, tmp_path: Path
) -> None:
    clock = Clock()
    archive = SqlProcessArchive(store.engine)
    v1 = SpecLibrary(archive=archive)
    old = engine_on(store, v1, clock)
    open_at_notify(old, "OLD-1")
    open_at_notify(old, "OLD-2")
    act(old, "OLD-2", "notify_parties", MEDIATOR, action="notify")
    old_due = old.case("OLD-1").tasks[0].due
    old_timers = store.timers("OLD-1")

    v2 = SpecLibrary(version_two(tmp_path), archive=archive)
    assert v2.version != v1.version
    new = engine_on(store, v2, clock)  # a fresh deployment: nothing cached from version 1
    open_at_notify(new, "NEW-1")
    assert [v for v, _ in v2.archived_versions()] == [v1.version, v2.version]
    counts = store.open_cases_by_process_ref()
    assert counts == {
        f"pre_filing_referral@{v1.version}": 2,
        f"pre_filing_referral@{v2.version}": 1,
    }
    # The old case still runs, on its own version, loaded from the archive.
    act(new, "OLD-1", "notify_parties", MEDIATOR, action="notify")
    assert new.case("OLD-1").tasks[0].bpmn_id == "mediate"
    stored = store.get("OLD-1")
    assert stored is not None and stored.process_ref == f"pre_filing_referral@{v1.version}"

    preview = new.migrate_cases(v1.version, v2.version, dry_run=True)
    assert (preview.moved, preview.refused) == (["OLD-1", "OLD-2"], [])
    assert store.open_cases_by_process_ref() == counts, "a dry run changes nothing"

    done = new.migrate_cases(v1.version, v2.version)
    assert done.moved == ["OLD-1", "OLD-2"]
    assert store.open_cases_by_process_ref() == {f"pre_filing_referral@{v2.version}": 3}
    # The migrated case keeps its legal deadline and goes on under the new version.
    assert new.case("OLD-1").tasks[0].due == old_due
    assert [t.due_at for t in store.timers("OLD-1")] == [t.due_at for t in old_timers]
    clock.instant += timedelta(days=2)
    act(new, "OLD-1", "mediate", MEDIATOR, action="agree", amount=500)
    assert "agreement_signed" in [e.activity for e in new.events("OLD-1")]
    # And a fresh engine on version 2 reads every case.
    again = engine_on(store, SpecLibrary(version_two(tmp_path / "again"), archive=archive), clock)
    assert again.case("OLD-2").tasks[0].bpmn_id == "mediate"


def test_cases_waiting_on_a_removed_task_stay_on_their_version(
    store: SqlCaseStore, tmp_path: Path
) -> None:
    clock = Clock()
    archive = SqlProcessArchive(store.engine)
    v1 = SpecLibrary(archive=archive)
    old = engine_on(store, v1, clock)
    open_at_notify(old, "AT-NOTIFY")
    open_at_notify(old, "AT-MEDIATE")
    act(old, "AT-MEDIATE", "notify_parties", MEDIATOR, action="notify")
    v2 = SpecLibrary(version_two(tmp_path, drop_notify=True), archive=archive)
    new = engine_on(store, v2, clock)
    report = new.migrate_cases(v1.version, v2.version)
    assert report.moved == ["AT-MEDIATE"]
    assert [case for case, _ in report.refused] == ["AT-NOTIFY"]
    assert "notify_parties" in report.refused[0][1]
    stored = store.get("AT-NOTIFY")
    assert stored is not None and stored.process_ref == f"pre_filing_referral@{v1.version}"
    # It goes on, on version 1.
    act(new, "AT-NOTIFY", "notify_parties", MEDIATOR, action="notify")
    assert new.case("AT-NOTIFY").tasks[0].bpmn_id == "mediate"


def test_an_unknown_version_is_an_error(store: SqlCaseStore) -> None:
    specs = SpecLibrary(archive=SqlProcessArchive(store.engine))
    engine = engine_on(store, specs, Clock())
    with pytest.raises(KeyError, match="not deployed"):
        engine.migrate_cases("0000000000000000", specs.version)
