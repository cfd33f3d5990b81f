"""The waiting-task read model (issue 12, first part): written with every step, rebuilt by
`suitiao reindex`, read a page at a time by GET /tasks and the inbox."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete, select

from storage.scoped import ScopedReads, TaskFilter, Visibility
from storage.sql import SqlCaseStore
from storage.task_rows import task_rows, task_rows_t
from tests.workflows.conftest import CLERK, CPC, MEDIATOR, Driver, sh
from tests.workflows.test_paths import PRE


def rows_in_table(store: SqlCaseStore) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        found = conn.execute(select(task_rows_t).order_by("case_id", "task_id")).all()
    return [dict(r._mapping) for r in found]


def expected_rows(store: SqlCaseStore, ids: list[str]) -> list[dict[str, Any]]:
    rows = []
    for case_id in ids:
        stored = store.get(case_id)
        assert stored is not None
        rows += task_rows(stored)
    return sorted(rows, key=lambda r: (r["case_id"], r["task_id"]))


@pytest.fixture
def store(sql_store: SqlCaseStore) -> SqlCaseStore:
    return sql_store


def test_every_step_writes_the_read_model_with_the_case(
    store: SqlCaseStore, make_driver: Any
) -> None:
    d: Driver = make_driver(store=store)
    ids = []
    for n in range(3):
        d.open(PRE, CLERK, case_id=f"RM-{n}", facts={"consumer": {"name": f"消费者{n}"}})
        ids.append(d.case_id)
        assert rows_in_table(store) == expected_rows(store, ids)
    d.case_id = "RM-0"
    d.do(CLERK, "record_consent", action="consent")
    d.do(CLERK, "refer", action="refer", mediator_org=CPC)
    d.at(sh(2025, 3, 4, 10))
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    assert rows_in_table(store) == expected_rows(store, ids)
    row = next(r for r in rows_in_table(store) if r["case_id"] == "RM-0")
    assert (row["bpmn_id"], row["acting_org"], row["roles"]) == (
        "accept_referral",
        CPC,
        ",mediator,",
    )
    assert "消费者0" in row["search"]
    # A case that closes leaves the read model in the same step.
    d.case_id = "RM-1"
    d.do(CLERK, "record_consent", action="refuse", party="consumer")
    d.do(CLERK, "register_case", action="register")
    assert all(r["case_id"] != "RM-1" for r in rows_in_table(store))
    assert store.reindex_tasks(repair=False) == []


def test_reindex_finds_and_repairs_a_damaged_read_model(
    store: SqlCaseStore, make_driver: Any
) -> None:
    d: Driver = make_driver(store=store)
    for n in range(4):
        d.open(PRE, CLERK, case_id=f"RX-{n}")
    before = rows_in_table(store)
    with store.engine.begin() as conn:
        conn.execute(delete(task_rows_t).where(task_rows_t.c.case_id == "RX-2"))
        conn.execute(
            task_rows_t.update().where(task_rows_t.c.case_id == "RX-3").values(due="1999-01-01")
        )
    assert store.reindex_tasks(repair=False) == ["RX-2", "RX-3"]
    assert store.reindex_tasks() == ["RX-2", "RX-3"]
    assert rows_in_table(store) == before
    assert store.reindex_tasks(repair=False) == []


def test_pages_follow_the_due_date_and_count_every_task(
    store: SqlCaseStore, make_driver: Any
) -> None:
    d: Driver = make_driver(store=store)
    for n in range(7):
        d.at(sh(2025, 3, 3 + n, 9))
        d.open(PRE, CLERK, case_id=f"PG-{n}")
    reads = ScopedReads(store.engine)
    scope = Visibility("court", "临海市人民法院")
    mine = TaskFilter(role="court_clerk", acting_org="临海市人民法院")
    seen, cursor, totals = [], None, set()
    while True:
        page = reads.tasks(scope, mine, after=cursor, limit=3)
        totals.add(page.total)
        seen += [(r["due"], r["case_id"]) for r in page.rows]
        cursor = page.next
        if cursor is None:
            break
    assert totals == {7}
    assert seen == sorted(seen) and len(seen) == 7
    assert reads.tasks(Visibility("court", "天台县人民法院"), mine).total == 0
    assert reads.tasks(scope, TaskFilter(role="mediator")).total == 0
    assert reads.tasks(scope, TaskFilter(q="pg-3")).total == 1
    up_to_third = reads.tasks(scope, TaskFilter(due_to=date.fromisoformat(seen[2][0])))
    assert up_to_third.total == 3
