"""The CaseStore contract (engine/ports.py), one suite over every store.

MemoryCaseStore is the reference the property tests use; SqlCaseStore runs on SQLite and
PostgreSQL in production. Anything one of them does differently from the others is a bug in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import pytest

from engine.domain.errors import CaseExists, ConcurrentUpdate, DomainError
from engine.domain.events import GENESIS, CaseEvent, chain, verify_chain
from engine.ports import CaseQuery, CaseStore, StoredCase, Timer
from tests.workflows.conftest import COURT, CPC, OTHER_COURT, OTHER_CPC, Driver

SH = timezone(timedelta(hours=8))
T0 = datetime(2025, 3, 3, 9, 0, 0, tzinfo=SH)


def make_case(case_id: str, **changes: Any) -> StoredCase:
    base = StoredCase(
        id=case_id,
        process_id="pre_filing_referral",
        status="intake",
        version=1,
        opened_at=T0,
        updated_at=T0,
        workflow=b'{"spec": "pre_filing_referral@0"}',
        court_org=COURT,
        mediator_org=None,
        facts={},
    )
    return replace(base, **changes)


def make_events(
    case_id: str,
    activities: Sequence[str],
    first_seq: int = 1,
    prev_hash: str = GENESIS,
    at: datetime = T0,
    data: dict[str, Any] | None = None,
) -> list[CaseEvent]:
    return chain(
        case_id,
        prev_hash,
        first_seq,
        [
            (a, at + timedelta(minutes=i), data or {}, "clerk-01", "court_clerk", COURT)
            for i, a in enumerate(activities)
        ],
    )


def make_timer(case_id: str, name: str, due: datetime) -> Timer:
    """A timer of a BPMN task (task ids are UUIDs)."""
    return Timer(case_id, str(uuid5(NAMESPACE_URL, f"{case_id}/{name}")), name, due)


def snapshot(store: CaseStore, case_id: str) -> tuple[Any, ...]:
    return (store.get(case_id), store.events(case_id), sorted_timers(store, case_id))


def sorted_timers(store: CaseStore, case_id: str) -> list[Timer]:
    return sorted(store.timers(case_id), key=lambda t: (t.due_at, t.name))


def insert(
    store: CaseStore, case: StoredCase, n_events: int = 2, timers: Sequence[Timer] = ()
) -> list[CaseEvent]:
    events = make_events(case.id, ["dispute_received", "consent_given", "referred"][:n_events])
    last = events[-1] if events else None
    case = replace(
        case,
        last_seq=last.seq if last else 0,
        last_hash=last.hash if last else GENESIS,
        next_due=min((t.due_at for t in timers), default=None),
    )
    store.insert(case, events, list(timers))
    return events


# -- insert and get --------------------------------------------------------------------------------


def test_insert_get_round_trip(store: CaseStore) -> None:
    case = make_case(
        "(2025)浙1082民诉前调123号",
        process_id="post_filing_referral",
        status="mediating",
        version=7,
        opened_at=datetime(2025, 3, 3, 9, 15, 30, 123456, tzinfo=SH),
        updated_at=datetime(2025, 3, 4, 1, 2, 3, 999999, tzinfo=UTC),
        closed_at=datetime(2025, 3, 20, 23, 59, 59, tzinfo=SH),
        next_due=datetime(2025, 3, 19, 15, 59, 59, tzinfo=UTC),
        workflow=bytes(range(256)) * 4,  # any bytes, not only UTF-8
        court_org=COURT,
        mediator_org=CPC,
        outcome="trial_resumed",
        facts={
            "当事人": "张三（消费者）",
            "amount": 1200.5,
            "count": 3,
            "online": False,
            "none": None,
            "tasks": [{"task_id": "t-1", "bpmn_id": "mediate", "due": "2025-03-19"}],
            "嵌套": {"列表": ["一", 2, {"三": "四"}]},
        },
        last_seq=3,
        last_hash="ab" * 32,
    )
    events = make_events(case.id, ["dispute_received", "case_registered", "consent_given"])
    timers = [
        make_timer(case.id, "mediation_deadline", datetime(2025, 3, 19, 15, 59, 59, tzinfo=UTC)),
        make_timer(case.id, "refer_reminder", datetime(2025, 3, 6, 15, 59, 59, tzinfo=UTC)),
    ]
    store.insert(case, events, timers)
    got = store.get(case.id)
    assert got == case
    assert got is not case
    assert isinstance(got.workflow, bytes)
    assert store.events(case.id) == events
    assert sorted_timers(store, case.id) == sorted(timers, key=lambda t: t.due_at)
    assert store.count() == 1
    # What get() returns is a copy: changing it changes nothing stored.
    got.facts["当事人"] = "李四"
    got.facts["tasks"].clear()
    assert store.get(case.id) == case
    assert store.get("no-such-case") is None
    assert store.events("no-such-case") == []
    assert store.timers("no-such-case") == []


def test_insert_of_a_taken_id_raises_case_exists_and_writes_nothing(store: CaseStore) -> None:
    case = make_case("A-1")
    insert(store, case, timers=[make_timer("A-1", "t", T0 + timedelta(days=1))])
    before = snapshot(store, "A-1")
    other = make_case("A-1", process_id="complaint_mediation", version=9, court_org=None)
    with pytest.raises(CaseExists):
        store.insert(
            other,
            make_events("A-1", ["complaint_received"], first_seq=3),
            [make_timer("A-1", "other", T0)],
        )
    assert snapshot(store, "A-1") == before
    assert store.count() == 1


# -- update ---------------------------------------------------------------------------------------


def test_update_with_the_right_version(store: CaseStore) -> None:
    old_timers = [
        make_timer("A-1", "consent_lapse", T0 + timedelta(days=7)),
        make_timer("A-1", "reminder", T0 + timedelta(days=3)),
    ]
    first = insert(store, make_case("A-1"), timers=old_timers)
    more = make_events("A-1", ["referred", "referral_received"], 3, first[-1].hash)
    new_timer = make_timer("A-1", "receipt_lapse", T0 + timedelta(days=5))
    changed = make_case(
        "A-1",
        version=2,
        status="received",
        mediator_org=CPC,
        facts={"mediator_org": CPC},
        last_seq=4,
        last_hash=more[-1].hash,
        next_due=new_timer.due_at,
        updated_at=T0 + timedelta(hours=2),
    )
    store.update(changed, 1, more, [new_timer])
    assert store.get("A-1") == changed
    assert store.events("A-1") == first + more
    assert verify_chain(store.events("A-1")) == []
    assert store.timers("A-1") == [new_timer]
    assert store.next_due() == new_timer.due_at
    # A step with no events and no timers left (a closed case).
    closed = replace(changed, version=3, status="closed", outcome="filed", next_due=None)
    store.update(closed, 2, [], [])
    assert store.get("A-1") == closed
    assert store.events("A-1") == first + more
    assert store.timers("A-1") == []
    assert store.next_due() is None


@pytest.mark.parametrize("expected", [0, 2, 5])
def test_update_with_a_stale_version_writes_nothing(store: CaseStore, expected: int) -> None:
    first = insert(store, make_case("A-1"), timers=[make_timer("A-1", "t", T0)])
    before = snapshot(store, "A-1")
    with pytest.raises(ConcurrentUpdate):
        store.update(
            make_case("A-1", version=expected + 1, status="assigned"),
            expected,
            make_events("A-1", ["referred"], 3, first[-1].hash),
            [make_timer("A-1", "other", T0 + timedelta(days=2))],
        )
    assert snapshot(store, "A-1") == before


def test_update_of_an_unknown_case_is_refused(store: CaseStore) -> None:
    with pytest.raises(ConcurrentUpdate):
        store.update(make_case("ghost", version=2), 1, make_events("ghost", ["referred"]), [])
    assert store.get("ghost") is None
    assert store.events("ghost") == []
    assert store.count() == 0


def test_case_and_seq_are_unique_and_a_clash_writes_nothing(store: CaseStore) -> None:
    """Two writers racing past the version check both append seq 3: the second one fails whole."""
    first = insert(store, make_case("A-1"), timers=[make_timer("A-1", "t", T0)])
    before = snapshot(store, "A-1")
    clash = make_events("A-1", ["referral_received"], first_seq=2, prev_hash=first[0].hash)
    with pytest.raises(ConcurrentUpdate):
        store.update(
            make_case("A-1", version=2, status="received"),
            1,
            clash,
            [make_timer("A-1", "new", T0 + timedelta(days=9))],
        )
    assert snapshot(store, "A-1") == before
    twice = make_events("A-1", ["referred"], 3, first[-1].hash) * 2
    with pytest.raises(ConcurrentUpdate):
        store.update(make_case("A-1", version=2), 1, twice, [])
    assert snapshot(store, "A-1") == before
    # A new case whose own events repeat a seq is not stored at all.
    doubled = make_events("B-1", ["dispute_received"]) * 2
    with pytest.raises(DomainError):
        store.insert(make_case("B-1"), doubled, [make_timer("B-1", "t", T0)])
    assert store.get("B-1") is None
    assert store.events("B-1") == []
    assert store.timers("B-1") == []
    # The same seq in another case is no clash.
    insert(store, make_case("C-1"))
    assert [e.seq for e in store.events("C-1")] == [1, 2]


# -- timers ---------------------------------------------------------------------------------------


NOW = datetime(2025, 4, 3, 15, 59, 59, tzinfo=UTC)  # 2025-04-03 23:59:59 in Shanghai


def test_due_cases_order_strictness_and_limit(store: CaseStore) -> None:
    h = timedelta(hours=1)
    plan = {
        "c-late": [NOW - h],
        "c-early": [NOW - 2 * h, NOW - 3 * h, NOW + h],
        "c-tie-b": [NOW - 2.5 * h],
        "c-tie-a": [NOW - 2.5 * h],
        "c-now": [NOW],  # due exactly now: a deadline is reached at its instant
        "c-next": [NOW + timedelta(seconds=1)],
        "c-idle": [],
    }
    for case_id, dues in reversed(plan.items()):
        insert(
            store,
            make_case(case_id),
            timers=[make_timer(case_id, f"t{i}", d) for i, d in enumerate(dues)],
        )
    expected = [
        ("c-early", NOW - 3 * h),
        ("c-tie-a", NOW - 2.5 * h),
        ("c-tie-b", NOW - 2.5 * h),
        ("c-late", NOW - h),
        ("c-now", NOW),
    ]
    assert store.due_cases(NOW, 10) == expected
    assert store.due_cases(NOW.astimezone(SH), 10) == expected  # an instant, whatever its zone
    assert store.due_cases(NOW, 2) == expected[:2]
    assert store.due_cases(NOW, 1) == expected[:1]
    assert store.due_cases(NOW - 3 * h - timedelta(microseconds=1), 10) == []
    assert store.due_cases(NOW + timedelta(seconds=1), 10) == [
        *expected,
        ("c-next", NOW + timedelta(seconds=1)),
    ]
    assert store.next_due() == NOW - 3 * h


def test_due_cases_limit_counts_cases_not_timers(store: CaseStore) -> None:
    """A case with many due timers is one case: the limit still reaches the cases after it."""
    busy = [make_timer("c-busy", f"t{i}", NOW - timedelta(days=10, minutes=i)) for i in range(12)]
    insert(store, make_case("c-busy"), timers=busy)
    insert(
        store, make_case("c-quiet"), timers=[make_timer("c-quiet", "t", NOW - timedelta(days=1))]
    )
    insert(
        store, make_case("c-third"), timers=[make_timer("c-third", "t", NOW - timedelta(hours=1))]
    )
    oldest = NOW - timedelta(days=10, minutes=11)
    assert store.due_cases(NOW, 2) == [("c-busy", oldest), ("c-quiet", NOW - timedelta(days=1))]
    assert [c for c, _ in store.due_cases(NOW, 3)] == ["c-busy", "c-quiet", "c-third"]


def test_next_due(store: CaseStore) -> None:
    assert store.next_due() is None
    insert(store, make_case("A-1"))
    assert store.next_due() is None
    insert(store, make_case("A-2"), timers=[make_timer("A-2", "t", NOW + timedelta(days=2))])
    insert(store, make_case("A-3"), timers=[make_timer("A-3", "t", NOW + timedelta(days=1))])
    assert store.next_due() == NOW + timedelta(days=1)
    store.update(make_case("A-3", version=2), 1, [], [])
    assert store.next_due() == NOW + timedelta(days=2)


# -- leases for several timer workers --------------------------------------------------------------


def test_claim_due_leases_the_earliest_case_nobody_holds(store: CaseStore) -> None:
    h = timedelta(hours=1)
    assert store.claim_due(NOW, "w1", 60, frozenset()) is None
    for case_id, due in [
        ("c-2", NOW - h),
        ("c-1", NOW - 2 * h),
        ("c-3", NOW - h / 2),
        ("c-now", NOW + timedelta(microseconds=1)),
    ]:
        insert(store, make_case(case_id), timers=[make_timer(case_id, "t", due)])
    # The earliest due case, and the earliest due time among the other due cases.
    assert store.claim_due(NOW, "w1", 60, frozenset()) == ("c-1", NOW - h)
    # Another worker skips the leased case.
    assert store.claim_due(NOW, "w2", 60, frozenset()) == ("c-2", NOW - 2 * h)
    assert store.claim_due(NOW, "w3", 60, frozenset()) == ("c-3", NOW - 2 * h)
    assert store.claim_due(NOW, "w4", 60, frozenset()) is None  # c-now is not due yet
    # A release by someone else changes nothing; the holder's release frees the case.
    store.release("c-1", "w4")
    assert store.claim_due(NOW, "w4", 60, frozenset()) is None
    store.release("c-1", "w1")
    assert store.claim_due(NOW, "w4", 60, frozenset()) == ("c-1", NOW - h)
    # A lease runs out: 60 s later the case may be claimed again.
    later = NOW + timedelta(seconds=60)
    assert store.claim_due(later, "w5", 60, frozenset({"c-1"}))[0] == "c-2"  # type: ignore[index]


def test_claim_due_passes_over_excluded_cases(store: CaseStore) -> None:
    """A worker excludes the cases it could not step: they neither come back nor bound the
    others (the second value says up to when the claimed case may be stepped)."""
    h = timedelta(hours=1)
    insert(store, make_case("stuck"), timers=[make_timer("stuck", "t", NOW - 3 * h)])
    insert(store, make_case("c-1"), timers=[make_timer("c-1", "t", NOW - 2 * h)])
    insert(store, make_case("c-2"), timers=[make_timer("c-2", "t", NOW - h)])
    assert store.claim_due(NOW, "w1", 60, frozenset({"stuck"})) == ("c-1", NOW - h)
    store.release("c-1", "w1")
    assert store.claim_due(NOW, "w1", 60, frozenset({"stuck", "c-1"})) == ("c-2", None)


# -- query and export ------------------------------------------------------------------------------


def test_query_by_org_status_process_and_open_only_with_paging(store: CaseStore) -> None:
    cases = {
        "A-1": make_case("A-1", mediator_org=CPC, status="mediating"),
        "A-2": make_case("A-2", mediator_org=OTHER_CPC, status="closed", outcome="filed"),
        "B-1": make_case(
            "B-1",
            process_id="post_filing_referral",
            court_org=OTHER_COURT,
            mediator_org=CPC,
            status="returned",
        ),
        "C-1": make_case("C-1", process_id="complaint_mediation", court_org=None, mediator_org=CPC),
        "C-2": make_case(
            "C-2",
            process_id="complaint_mediation",
            court_org=None,
            mediator_org=OTHER_CPC,
            status="closed",
            outcome="timed_out",
        ),
    }
    for case_id in ["C-2", "A-2", "B-1", "C-1", "A-1"]:  # not in id order
        store.insert(cases[case_id], [], [])

    def ids(**kwargs: Any) -> list[str]:
        found = store.query(CaseQuery(**kwargs))
        for case in found:
            assert case == cases[case.id]
        return [c.id for c in found]

    assert store.count() == 5
    assert ids() == ["A-1", "A-2", "B-1", "C-1", "C-2"]
    assert ids(org=CPC) == ["A-1", "B-1", "C-1"]
    assert ids(org=COURT) == ["A-1", "A-2"]
    assert ids(org=OTHER_CPC) == ["A-2", "C-2"]
    assert ids(org="无此单位") == []
    assert ids(status="closed") == ["A-2", "C-2"]
    assert ids(process_id="complaint_mediation") == ["C-1", "C-2"]
    assert ids(open_only=True) == ["A-1", "B-1", "C-1"]
    assert ids(org=CPC, open_only=True, process_id="pre_filing_referral") == ["A-1"]
    assert ids(org=OTHER_CPC, status="closed", process_id="complaint_mediation") == ["C-2"]
    assert ids(limit=2) == ["A-1", "A-2"]
    assert ids(limit=2, offset=2) == ["B-1", "C-1"]
    assert ids(limit=2, offset=4) == ["C-2"]
    assert ids(limit=2, offset=6) == []
    assert ids(org=CPC, limit=1, offset=1) == ["B-1"]
    assert ids(open_only=True, limit=0) == []


def test_all_events_in_case_then_seq_order(store: CaseStore) -> None:
    a = insert(store, make_case("b-2"), n_events=1)
    b = insert(store, make_case("B-1"), n_events=2)
    c = insert(store, make_case("(2025)浙1082民诉前调7号"), n_events=3)
    more = make_events("b-2", ["consent_given", "referred"], 2, a[-1].hash)
    store.update(make_case("b-2", version=2, last_seq=3, last_hash=more[-1].hash), 1, more, [])
    exported = list(store.all_events())
    # Case ids in code-point order ("(" < "B" < "b"), each case's events by seq.
    assert exported == c + b + a + more
    assert [(e.case, e.seq) for e in exported] == sorted((e.case, e.seq) for e in exported)


def test_events_keep_chinese_text_and_data(store: CaseStore) -> None:
    case_id = "(2026)浙1082民诉前调123号"
    data = {
        "reason": "质量鉴定（第三方机构）：“屏幕碎裂”",
        "amount": 1200.5,
        "count": 3,
        "voluntary": True,
        "until": None,
        "清单": ["一", 2, {"三": "四"}],
        "symbols": 'a"b\\c\n\t🙂',
    }
    events = chain(
        case_id,
        GENESIS,
        1,
        [
            ("dispute_received", T0, {"claim_amount": 5000}, "立案庭-01", "court_clerk", COURT),
            ("pause_started", T0 + timedelta(days=3), data, "调解员-07", "mediator", CPC),
            ("case_closed", T0 + timedelta(days=9), {"outcome": "filed"}, "system", "system", None),
        ],
    )
    store.insert(make_case(case_id, last_seq=3, last_hash=events[-1].hash), events, [])
    got = store.events(case_id)
    assert got == events
    assert [e.record() for e in got] == [e.record() for e in events]
    assert [e.at_text for e in got] == [
        "2025-03-03T09:00:00+08:00",
        "2025-03-06T09:00:00+08:00",
        "2025-03-12T09:00:00+08:00",
    ]
    assert dict(got[1].data) == data
    assert type(got[1].data["amount"]) is float and type(got[1].data["count"]) is int
    assert got[1].org == CPC and got[1].actor == "调解员-07"
    assert got[2].org is None
    assert verify_chain(got) == []
    assert list(store.all_events()) == events


# -- the engine on every store ---------------------------------------------------------------------


ENGINE_PATHS = [
    "pre_pause_ends_by_itself",
    "pre_confirmed",
    "post_simple_timed_out_over_national_day",
    "complaint_timed_out",
]


@pytest.mark.parametrize("name", ENGINE_PATHS)
def test_an_engine_path_on_every_store(store: CaseStore, make_driver: Any, name: str) -> None:
    """The engine drives a whole case through the store, a fresh engine at every step, and
    writes the same log as on the reference memory store."""
    from tests.workflows.test_paths import PATHS

    driver: Driver = make_driver(reload=True, store=store)
    PATHS[name](driver)
    reference: Driver = make_driver(reload=False)
    PATHS[name](reference)
    assert driver.log() == reference.log()
    assert list(store.all_events()) == driver.events()
    assert store.due_cases(datetime(2100, 1, 1, tzinfo=UTC), 10) == []


def test_an_organisation_name_fits_every_store(store: CaseStore, make_driver: Any) -> None:
    """A referral names the mediating organisation: one the columns cannot hold is refused as
    bad input on every store, not accepted by SQLite and crashed on by PostgreSQL."""
    from engine.domain.errors import InvalidTaskData
    from tests.workflows.conftest import CLERK

    driver: Driver = make_driver(store=store)
    driver.open("pre_filing_referral", CLERK, case_id="ORG-1")
    driver.do(CLERK, "record_consent", action="consent")
    version = driver.view.version
    with pytest.raises(InvalidTaskData) as info:
        driver.do(CLERK, "refer", action="refer", mediator_org="浙" * 201)
    assert info.value.field == "mediator_org"
    assert driver.view.version == version
    longest = "浙" * 200
    driver.do(CLERK, "refer", action="refer", mediator_org=longest)
    assert store.get("ORG-1").mediator_org == longest  # type: ignore[union-attr]
    assert driver.event("referred").data["mediator_org"] == longest


def test_a_case_the_sweep_cannot_step_holds_up_no_other(store: CaseStore, make_driver: Any) -> None:
    """A case the worker cannot step (here: closed, yet with a timer left) is passed over; the
    cases due after it still fire, each at its own deadline."""
    from tests.workflows.conftest import CLERK, end_of, sh

    stuck = make_case("A-stuck", status="closed", outcome="filed", next_due=end_of("2025-03-05"))
    store.insert(stuck, [], [make_timer("A-stuck", "t", end_of("2025-03-05"))])
    driver: Driver = make_driver(store=store)
    driver.open("pre_filing_referral", CLERK, case_id="B-open")  # consent lapses 10 Mar
    assert driver.fire(sh(2025, 3, 12, 9)) == 1
    refused = driver.event("consent_refused")
    assert refused.at_text == "2025-03-11T00:00:00+08:00"
    assert store.events("A-stuck") == []
