"""The unit of work (engine/ports.py): a step's case row, events, timers and outbox messages are
committed together or not at all, on every store; a lapse's escalation is queued by the very
step that records the lapse (api/notify/planner.py:step_escalations, wired by api/bootstrap.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from api.notify.config import Contact, NotifyConfig, OrgContacts
from api.notify.planner import step_escalations
from engine.domain.errors import CaseExists, ConcurrentUpdate
from engine.ports import CaseStore, OutboxMessage, StepWrite
from storage.memory import MemoryCaseStore
from storage.outbox import Outbox
from storage.sql import SqlCaseStore
from tests.integration.test_store_contract import T0, make_case, make_events, make_timer
from tests.workflows.conftest import CPC, MEDIATOR, Driver, sh

BOSS_MAIL = "boss@cpc.example.cn"


def queued(store: CaseStore, case_id: str) -> list[OutboxMessage]:
    """What the store holds in its outbox for the case."""
    if isinstance(store, MemoryCaseStore):
        return sorted((m for m in store.outbox.values() if m.case_id == case_id), key=_key)
    assert isinstance(store, SqlCaseStore)
    return sorted((i.notification for i in Outbox(store.engine).items(case_id)), key=_key)


def _key(message: OutboxMessage) -> str:
    return message.key


def message(case_id: str, n: int) -> OutboxMessage:
    return OutboxMessage(
        key=f"test|{case_id}|{n}",
        case_id=case_id,
        kind="escalation",
        channel="in_app",
        recipient=f"{CPC}/负责人",
        payload={"subject": f"第{n}条", "body": "逾期督办"},
        due_at=T0 + timedelta(hours=n),
    )


def test_a_step_commits_its_messages_with_it(store: CaseStore) -> None:
    events = make_events("U-1", ["dispute_received"])
    case = make_case("U-1", last_seq=1, last_hash=events[-1].hash)
    timers = [make_timer("U-1", "t", T0 + timedelta(days=3))]
    store.commit(StepWrite(case, None, events, timers, (message("U-1", 1),)))
    more = make_events("U-1", ["consent_given"], first_seq=2, prev_hash=events[-1].hash)
    changed = replace(case, version=2, last_seq=2, last_hash=more[-1].hash)
    # the same message planned again (a retry, the scheduler) is kept once
    store.commit(StepWrite(changed, 1, more, [], (message("U-1", 1), message("U-1", 2))))
    assert queued(store, "U-1") == [message("U-1", 1), message("U-1", 2)]
    assert [e.activity for e in store.events("U-1")] == ["dispute_received", "consent_given"]


def test_a_refused_step_queues_nothing(store: CaseStore) -> None:
    events = make_events("U-2", ["dispute_received"])
    case = make_case("U-2", last_seq=1, last_hash=events[-1].hash)
    store.commit(StepWrite(case, None, events, []))
    before = (store.get("U-2"), store.events("U-2"))
    stale = replace(case, version=2, status="referred")
    with pytest.raises(ConcurrentUpdate):
        store.commit(StepWrite(stale, 7, [], [], (message("U-2", 1),)))
    with pytest.raises(CaseExists):
        store.commit(StepWrite(case, None, [], [], (message("U-2", 2),)))
    assert queued(store, "U-2") == []
    assert (store.get("U-2"), store.events("U-2")) == before


def _config() -> NotifyConfig:
    supervisor = Contact("秘书长", BOSS_MAIL, "13900000009")
    org = OrgContacts(("in_app", "email"), Contact("调解科", "staff@cpc.example.cn"), supervisor)
    return NotifyConfig(orgs={CPC: org})


def test_the_step_that_records_a_lapse_queues_its_escalation(
    store: CaseStore, make_driver: Any
) -> None:
    d: Driver = make_driver(store=store, start=sh(2025, 3, 3, 9))
    d.engine.steps.messages = step_escalations(_config())
    d.open("complaint_mediation", MEDIATOR, case_id="U-3", facts={"claim_amount": 3000})
    assert queued(store, "U-3") == []  # opening a case lapses nothing
    d.fire(sh(2025, 3, 11, 8))  # R62's timer fired at the end of 10 Mar: remind()
    escalations = queued(store, "U-3")
    assert {(m.kind, m.channel, m.recipient) for m in escalations} == {
        ("escalation", "in_app", f"{CPC}/负责人"), ("escalation", "email", BOSS_MAIL),
    }  # fmt: skip
    (lapse,) = d.view.facts["reminders"]
    assert all(m.due_at == datetime.fromisoformat(lapse["at"]) for m in escalations)
