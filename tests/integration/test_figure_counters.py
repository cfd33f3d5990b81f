"""The published figures from the tallies kept at each step (stat_figures) equal
compute_statistics over the same cases' events, whatever the period and the scope, on SQLite and
PostgreSQL, for cases played through the engine and for bulk copies; `suitiao reindex` recounts
the tallies from the events (issue 12: the statistics workbook reads no event)."""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api.app import create_app
from api.demo import COURTS, CPAS, DemoClock, add_demo_users
from api.demo_clone import populate_at_scale
from api.http.deps import visibility
from api.reports.stats_docs import to_json, to_xlsx
from api.security import hash_password
from api.settings import Settings
from engine.audit_events import audit_events
from engine.services import Engine, SystemClock
from standard_rules.eventlog import Event
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import default_pack
from standard_rules.statistics import Grouping, Statistics, compute_statistics
from storage.figure_counts import stat_figures_t
from storage.finding_reads import FindingFilter, FindingReads
from storage.scoped import ScopedReads, Visibility
from storage.sql import SqlCaseStore

PROVINCE = Visibility("all")
COUNTY = Visibility("either", COURTS[1], frozenset({CPAS[1]}))  # 天台: its court and committee


@pytest.fixture
def store(sql_store: SqlCaseStore) -> SqlCaseStore:
    return sql_store


def fill(store: SqlCaseStore) -> None:
    """Demo cases played through the engine (each step moves the tallies), then bulk copies
    across more courts (insert_cases adds theirs)."""
    from engine.bpmn.specs import SpecLibrary

    engine = Engine(store, default_pack(), default_calendar(), specs=SpecLibrary())
    clock = DemoClock(SystemClock().now())
    engine.clock = clock
    populate_at_scale(
        engine, clock, cases=70, days=400, seed=11, store=store, templates=45, courts=4
    )


def reference(
    store: SqlCaseStore,
    scope: Visibility,
    by: Sequence[Grouping],
    start: date | None,
    end: date | None,
    as_of: int,
) -> Statistics:
    """What the workbook used to compute: every visible case's events, and the findings."""
    cases: dict[str, list[Event]] = {}
    for event in audit_events(ScopedReads(store.engine).events(scope)):
        cases.setdefault(event.case, []).append(event)
    reads = FindingReads(store.engine)
    chosen = _chosen(start, end, as_of)
    findings, cursor = [], None
    while True:
        page = reads.page(scope, chosen, after=cursor, limit=500)
        findings += page.findings
        if (cursor := page.next) is None:
            break
    ordered = (sorted(events, key=lambda e: (e.ts, e.seq)) for events in cases.values())
    return compute_statistics(ordered, findings, by, start, end)


def _chosen(start: date | None, end: date | None, as_of: int) -> FindingFilter:
    return FindingFilter(
        as_of_day=as_of,
        day_from=start.toordinal() if start else None,
        day_to=end.toordinal() if end else None,
    )


def test_figures_from_counters_equal_those_from_the_events(store: SqlCaseStore) -> None:
    fill(store)
    today = date.today()
    later = (today + timedelta(days=60)).toordinal()  # the open cases' deadlines have passed
    periods = [
        (None, None),
        (today - timedelta(days=90), today),
        (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        (today - timedelta(days=200), today - timedelta(days=120)),
    ]
    reads = FindingReads(store.engine)
    compared = 0
    for scope in (PROVINCE, COUNTY):
        for by in (("org",), ("org", "month"), ("quarter",)):
            for (start, end), as_of in itertools.product(periods, (today.toordinal(), later)):
                want = reference(store, scope, by, start, end, as_of)
                got = reads.figures(scope, _chosen(start, end, as_of), by, start, end)
                assert got == want, (scope, by, start, end, as_of)
                assert json.loads(to_json(got)) == json.loads(to_json(want))
                compared += bool(want.rows)
    assert compared >= 24  # the periods and scopes hold figures, not only empty tables
    province = reads.figures(PROVINCE, _chosen(None, None, later), ("org",))
    county = reads.figures(COUNTY, _chosen(None, None, later), ("org",))
    assert 0 < county.cases < province.cases
    assert province.total.values["confirmed"] and province.total.values["median_days"]
    assert province.rules  # overdue findings are counted too


def test_reindex_recounts_the_figures_from_the_events(store: SqlCaseStore) -> None:
    fill(store)
    assert store.reindex_counters(repair=False) == []
    with store.engine.begin() as conn:
        conn.execute(
            update(stat_figures_t)
            .where(stat_figures_t.c.tally == "confirmed")
            .values(value=stat_figures_t.c.value + 1)
        )
    differing = store.reindex_counters(repair=False)
    assert differing and all(k.startswith("stat_figures ") for k in differing)
    assert store.reindex_counters(repair=True) == differing
    assert store.reindex_counters(repair=False) == []


def _sheet(content: bytes) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return list(book["统计 Statistics"].iter_rows(values_only=True))


def test_the_downloaded_workbook_is_the_one_the_events_make(tmp_path: Path) -> None:
    """GET /ui/audit/statistics.xlsx, as the province auditor and as a county's, for two
    periods and one organisation: the sheet the events would give, cell for cell."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'workbook.db'}",
        secret_key="figures-secret-" + "x" * 40,
        state_dir=tmp_path,
    )
    app = create_app(settings, timers=False)
    accounts = app.state.services.accounts
    add_demo_users(accounts)
    accounts.add_user(
        username="county",
        password_hash=hash_password("county-demo"),
        role="auditor",
        org=COURTS[1],
        display_name="天台审计",
        scope="org",
    )
    store: SqlCaseStore = app.state.engine.store
    fill(store)
    today = date.today()
    as_of = today.toordinal()
    for user in ("auditor", "county"):
        client = TestClient(app)
        sign_in(client, user)
        found = accounts.user(user)
        assert found is not None
        scope = visibility(found[0])
        for start, end, org in (
            (None, None, ""),
            (today - timedelta(days=90), today, ""),
            (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), COURTS[1]),
        ):
            params = {"start": str(start or ""), "end": str(end or ""), "org": org}
            download = client.get("/ui/audit/statistics.xlsx", params=params)
            assert download.status_code == 200, download.text[:300]
            want = reference(store, scope, ("org",), start, end, as_of)
            if org:
                rows = [r for r in want.rows if r.key and r.key[0] == org]
                want = replace(want, rows=rows, total=rows[0] if rows else want.total)
            assert _sheet(download.content) == _sheet(to_xlsx(want)), (user, start, end, org)
        client.close()


def sign_in(client: TestClient, user: str) -> None:
    page = client.get("/ui/login").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    answer = client.post(
        "/ui/login",
        data={"username": user, "password": f"{user}-demo", "csrf_token": found.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
