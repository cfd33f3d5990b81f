"""Task assignments in the store (issue 13): the read model's assignee column is written with
the assigning step, dropped by the step that ends the task, kept by `suitiao reindex` (it is
derived from the case's facts) and signed like any step, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from engine.assignment import Person
from engine.domain.errors import AssignedToOther, InvalidAssignee
from engine.services import Actor
from storage.integrity import Anchors
from storage.scoped import ScopedReads, TaskFilter, Visibility
from storage.sql import SqlCaseStore
from storage.task_rows import task_rows_t
from storage.verify import Report, verify
from tests.integration.conftest import _empty as empty
from tests.workflows.conftest import CLERK, CPC, MEDIATOR, Driver, sh
from tests.workflows.test_paths import PRE

KEY = "k" * 32
HEAD = Person("head-taizhou", "台州市消保委主任", "supervisor", "台州市消保委")
ONE = Person("med-007", "李调解员", "mediator", CPC)
OTHER = Actor("med-008", "mediator", CPC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlCaseStore]:
    if request.param == "sqlite":
        sqlite = SqlCaseStore.from_url(f"sqlite:///{tmp_path / 'as.db'}", Anchors(KEY))
        yield sqlite
        sqlite.engine.dispose()
        return
    engine = request.getfixturevalue("postgres_engine")
    empty(engine)
    yield SqlCaseStore(engine, Anchors(KEY))


def assignees(store: SqlCaseStore) -> dict[str, str | None]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(task_rows_t.c.bpmn_id, task_rows_t.c.assignee)).all()
    return {str(bpmn): who for bpmn, who in rows}


def at_signing(d: Driver) -> None:
    d.open(PRE, CLERK, case_id="AS-1")
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    d.at(sh(2025, 3, 4, 10))


def test_the_assignee_is_in_the_read_model_until_the_task_ends(
    store: SqlCaseStore, make_driver: Any
) -> None:
    d: Driver = make_driver(store=store)
    at_signing(d)
    task = d.task("sign_for_referral").task_id
    d.engine.assign(case_id="AS-1", task_id=task, to=ONE, by=HEAD)
    assert assignees(store) == {"sign_for_referral": "med-007"}
    reads = ScopedReads(store.engine)
    scope = Visibility("mediator", CPC)
    assert reads.tasks(scope, TaskFilter(assignee="med-007")).total == 1
    assert reads.tasks(scope, TaskFilter(assignee="med-008")).total == 0
    # No event: an assignment is not a contract activity.
    assert [e.activity for e in d.engine.events("AS-1")][-1] == "referred"
    assert list(verify(store.engine, Anchors(KEY), Report())) == []

    d.attempt(AssignedToOther, OTHER, "sign_for_referral", action="sign")
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    assert assignees(store) == {"accept_referral": None}
    stored = store.get("AS-1")
    assert stored is not None and stored.facts["assigned"] == {}
    assert [h["to"] for h in stored.facts["assignments"]] == ["med-007"]


def test_reindex_keeps_the_assignee(store: SqlCaseStore, make_driver: Any) -> None:
    d: Driver = make_driver(store=store)
    at_signing(d)
    d.engine.assign(case_id="AS-1", task_id="sign_for_referral", to=ONE, by=HEAD)
    assert store.reindex_tasks(repair=False) == []
    with store.engine.begin() as conn:
        conn.execute(update(task_rows_t).values(assignee=None))
    assert store.reindex_tasks() == ["AS-1"]
    assert assignees(store) == {"sign_for_referral": "med-007"}
    with store.engine.begin() as conn:
        conn.execute(delete(task_rows_t))
    assert store.reindex_tasks() == ["AS-1"]
    assert assignees(store) == {"sign_for_referral": "med-007"}


def test_the_engine_refuses_a_person_who_cannot_do_the_task(
    store: SqlCaseStore, make_driver: Any
) -> None:
    d: Driver = make_driver(store=store)
    at_signing(d)
    for wrong in (
        Person("clerk-01", "王书记员", "court_clerk", CPC),
        Person("med-9", "赵调解员", "mediator", "天台县消保委"),
    ):
        with pytest.raises(InvalidAssignee) as refused:
            d.engine.assign(case_id="AS-1", task_id="sign_for_referral", to=wrong, by=HEAD)
        assert refused.value.field == "username"
    assert assignees(store) == {"sign_for_referral": None}
