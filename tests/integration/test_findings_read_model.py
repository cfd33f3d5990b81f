"""The findings read model and the statistics counters (issue 12, part A): written with every
step, equal to `suitiao audit` over the exported logs at any audit time, rebuilt and checked by
`suitiao reindex` / `suitiao verify`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from api.cli import main as cli
from api.demo import DemoClock, populate
from engine.services import Engine, SystemClock
from standard_rules.eventlog import shanghai_day
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import default_pack
from storage.due_counts import stat_due_t
from storage.finding_counts import counted, finding_counts_t, stored
from storage.finding_reads import FindingFilter, FindingReads
from storage.findings import FindingAuditor, finding_rows_t
from storage.scoped import ScopedReads, Visibility
from storage.sql import SqlCaseStore, cases_t
from storage.stat_counts import recount, stat_cases_t, stat_opened_t, stored_counts
from tests.workflows.conftest import CLERK, Driver, sh
from tests.workflows.test_paths import PRE

ALL = Visibility("all")
SHANGHAI_NOON = timedelta(hours=4)  # 12:00 in Shanghai is 04:00 UTC


@pytest.fixture
def store(sql_store: SqlCaseStore) -> SqlCaseStore:
    return sql_store


def demo(store: SqlCaseStore, cases: int = 40) -> Engine:
    from engine.bpmn.specs import SpecLibrary

    engine = Engine(store, default_pack(), default_calendar(), specs=SpecLibrary())
    clock = DemoClock(SystemClock().now())
    engine.clock = clock
    populate(engine, clock, cases=cases, days=120, seed=7)
    # One case nobody acts on for 90 days: overdue and stalled, whatever the demo drew.
    clock.instant = SystemClock().now() - timedelta(days=90)
    engine.open_case(process_id=PRE, case_id="(2026)浙1082民诉前调9999号", actor=CLERK, facts={})
    engine.clock = SystemClock()
    return engine


def model(store: SqlCaseStore, day: int, scope: Visibility = ALL) -> list[tuple[Any, ...]]:
    reads = FindingReads(store.engine)
    found, cursor = [], None
    while True:
        page = reads.page(scope, FindingFilter(as_of_day=day), after=cursor, limit=7)
        found += page.findings
        cursor = page.next
        if cursor is None:
            break
    assert len(found) == page.total
    return sorted(_key(_as_dict(f)) for f in found)


def _as_dict(finding: Any) -> dict[str, Any]:
    return {
        "case": finding.case,
        "rule": finding.rule,
        "kind": finding.kind,
        "due": finding.due.isoformat() if finding.due else None,
        "at": finding.at,
        "org": finding.org,
        "message": finding.message,
        "explanation": finding.explanation,
        "evidence": [(e.activity, e.at) for e in finding.evidence],
    }


def _key(f: dict[str, Any]) -> tuple[Any, ...]:
    """What must agree (evidence by activity and time: file and line differ by source)."""
    evidence = tuple(
        (e[0], e[1]) if isinstance(e, list | tuple) else (e["activity"], e["at"])
        for e in f["evidence"]
    )
    return (
        f["case"],
        f["rule"],
        f["kind"],
        f["due"],
        f["at"],
        f["org"] or "",
        f["message"],
        f["explanation"],
        evidence,
    )


def cli_audit(
    tmp_path: Path, url: str, as_of: datetime, monkeypatch: Any, capsys: Any
) -> list[tuple[Any, ...]]:
    """`suitiao export` then `suitiao audit --format json --as-of` on what it wrote."""
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SUITIAO_STATE_DIR", str(tmp_path))
    log = tmp_path / "export.jsonl"
    capsys.readouterr()
    assert cli(["export", "--format", "jsonl", "--output", str(log)]) == 0
    capsys.readouterr()
    cli(["audit", str(log), "--format", "json", "--as-of", as_of.isoformat()])
    document = json.loads(capsys.readouterr().out)
    assert document["input_errors"] == []
    return sorted(_key(f) for f in document["findings"])


def test_the_read_model_is_what_suitiao_audit_finds_in_the_demo(
    store: SqlCaseStore, tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    demo(store)
    url = store.engine.url.render_as_string(hide_password=False)
    if url.startswith("postgresql+psycopg://"):
        url = "postgresql://" + url.removeprefix("postgresql+psycopg://")
    now = datetime.now(UTC)
    # Today, and days on which `missing` and `stalled` findings come due in the demo.
    for as_of in (
        now - timedelta(days=30),
        now,
        now + timedelta(days=20),
        now + timedelta(days=90),
    ):
        expected = cli_audit(tmp_path, url, as_of, monkeypatch, capsys)
        assert model(store, shanghai_day(as_of.timestamp())) == expected, as_of
    assert expected, "the demo has findings"
    assert any(k[2] == "missing" for k in expected)


def test_a_missing_step_shows_once_its_due_date_passes_without_a_write(
    store: SqlCaseStore, make_driver: Any
) -> None:
    d: Driver = make_driver(store=store)
    d.at(sh(2025, 3, 3, 9))
    d.open(PRE, CLERK, case_id="TM-1")
    d.do(CLERK, "record_consent", action="consent")
    with store.engine.connect() as conn:
        timed = conn.execute(
            select(
                finding_rows_t.c.rule, finding_rows_t.c.due, finding_rows_t.c.visible_from
            ).where(finding_rows_t.c.kind.in_(["missing", "stalled"]))
        ).all()
    assert timed, "an open case owes its next step (or falls quiet)"
    rule, due, visible_from = timed[0]
    due_day = date.fromisoformat(due).toordinal()
    assert visible_from == due_day + 1
    reads = FindingReads(store.engine)
    on_due = reads.summary(ALL, FindingFilter(as_of_day=due_day))
    after = reads.summary(ALL, FindingFilter(as_of_day=due_day + 1))
    assert after.by_rule.get(rule, 0) == on_due.by_rule.get(rule, 0) + 1


def test_counters_follow_every_step_and_reindex_repairs_them(store: SqlCaseStore) -> None:
    engine = demo(store, cases=24)
    with store.engine.connect() as conn:
        rows = [
            r._mapping
            for r in conn.execute(
                select(
                    *(
                        cases_t.c[c]
                        for c in (
                            "court_org",
                            "mediator_org",
                            "opened_ts",
                            "process_id",
                            "status",
                            "outcome",
                            "last_seq",
                        )
                    )
                )
            ).all()
        ]
        assert stored_counts(conn) == recount(rows)
    counters = FindingReads(store.engine).counters(ALL)
    assert counters["cases"] == store.count() == 24 + 1
    assert counters["events"] == sum(len(engine.events(c.id)) for c in store.query(_all()))
    assert store.reindex_counters(repair=False) == []
    with store.engine.begin() as conn:
        conn.execute(update(stat_cases_t).values(cases=stat_cases_t.c.cases + 1))
        conn.execute(delete(stat_opened_t))
    differing = store.reindex_counters()
    assert differing and all(k.startswith(("stat_cases", "stat_opened")) for k in differing)
    assert store.reindex_counters(repair=False) == []
    assert FindingReads(store.engine).counters(ALL) == counters


def _all() -> Any:
    from engine.ports import CaseQuery

    return CaseQuery(limit=10_000)


def test_reindex_and_verify_find_a_tampered_finding(
    tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'tamper.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SUITIAO_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("SUITIAO_SECRET_KEY", "tamper-secret-" + "x" * 40)
    from api.bootstrap import build_engine

    engine = build_engine()
    clock = DemoClock(SystemClock().now())
    engine.clock = clock
    populate(engine, clock, cases=16, days=90, seed=3)
    store: Any = engine.store
    assert cli(["verify"]) == 0
    with store.engine.begin() as conn:
        victim = conn.execute(select(finding_rows_t.c.case_id).limit(1)).scalar()
        assert victim is not None, "the demo has findings"
        conn.execute(delete(finding_rows_t).where(finding_rows_t.c.case_id == victim))
        conn.execute(update(stat_cases_t).values(events=stat_cases_t.c.events + 3))
    capsys.readouterr()
    assert cli(["verify"]) == 1
    said = capsys.readouterr().out
    assert f"{victim}: findings read model differs" in said
    assert "statistics counter differs" in said
    assert cli(["reindex", "--check"]) == 1
    assert victim in capsys.readouterr().out
    assert cli(["reindex"]) == 0
    assert cli(["reindex", "--check"]) == 0
    assert cli(["verify"]) == 0
    store.engine.dispose()


def test_a_store_audits_with_the_pack_it_is_given(store: SqlCaseStore, make_driver: Any) -> None:
    """The engine's pack (local rules included) is the one the read model audits with."""
    auditor = FindingAuditor(default_pack(), default_calendar())
    assert store.auditor.pack.stamp == auditor.pack.stamp
    d: Driver = make_driver(store=store)
    d.at(sh(2025, 3, 3, 9))
    d.open(PRE, CLERK, case_id="PK-1")
    assert store.reindex_findings(repair=False) == []


def test_finding_counts_follow_every_step_and_reindex_repairs_them(store: SqlCaseStore) -> None:
    demo(store, cases=24)
    with store.engine.connect() as conn:
        want, have = counted(conn), stored(conn)
    assert want and have == want  # the demo has findings, and every step kept their counts
    reads = FindingReads(store.engine)
    for day in (0, date(2026, 6, 1).toordinal(), date.max.toordinal()):
        chosen = FindingFilter(as_of_day=day)
        page = reads.page(ALL, chosen, limit=1000)
        summary = reads.summary(ALL, chosen)
        # The sums over the counts equal the rows they count, on every audit day.
        assert summary.total == page.total == len(page.findings)
        by_rule: dict[str, int] = {}
        for finding in page.findings:
            by_rule[finding.rule] = by_rule.get(finding.rule, 0) + 1
        assert summary.by_rule == by_rule
    assert store.reindex_counters(repair=False) == []
    with store.engine.begin() as conn:
        conn.execute(update(finding_counts_t).values(findings=finding_counts_t.c.findings + 1))
        conn.execute(update(stat_due_t).values(cases=stat_due_t.c.cases + 1))
    differing = store.reindex_counters()
    assert {k.split()[0] for k in differing} == {"finding_counts", "stat_due"}
    assert store.reindex_counters(repair=False) == []


def test_due_within_counts_open_cases_by_the_day_of_their_deadline(store: SqlCaseStore) -> None:
    demo(store, cases=24)
    reads = ScopedReads(store.engine)
    now = datetime.now(UTC)
    today = shanghai_day(now.timestamp())
    cases = store.query(_all())
    for days in (-30, 0, 3, 30):
        expected = sum(
            1
            for c in cases
            if c.status != "closed"
            and c.next_due is not None
            and shanghai_day(c.next_due.timestamp()) <= today + days
        )
        assert reads.due_within(ALL, now, days=days) == expected
    assert reads.due_within(ALL, now, days=30) > 0  # the demo has open deadlines
