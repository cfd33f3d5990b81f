"""`suitiao demo --cases N` beyond the played templates: copies that verify, reindex clean, keep
the registry's pairing and serve the pages; closed cases' documents stored compressed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from api.app import create_app
from api.demo import DemoClock, add_demo_users
from api.demo_clone import court_pairs, populate_at_scale
from api.settings import Settings
from engine.domain.events import verify_chain
from engine.services import Engine as CaseEngine
from engine.services import SystemClock
from standard_rules.orgs import default_registry
from storage.compact import is_packed, plain_workflow
from storage.migrate import downgrade, upgrade
from storage.sql import SqlCaseStore, cases_t
from storage.verify import Report, verify
from tests.integration.conftest import _empty as empty

TEMPLATES, CASES = 14, 90


def _fill(engine: CaseEngine) -> int:
    clock = DemoClock(SystemClock().now())
    engine.clock = clock
    stored = populate_at_scale(
        engine,
        clock,
        CASES,
        days=60,
        seed=5,
        store=engine.store,
        templates=TEMPLATES,
        batch=25,
        open_share=0.4,
    )
    engine.clock = SystemClock()
    return stored


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app_and_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[TestClient, SqlCaseStore]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'demo.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
        empty(request.getfixturevalue("postgres_engine"))
    settings = Settings(database_url=url, secret_key="scale-" + "x" * 40, state_dir=tmp_path)
    app = create_app(settings, timers=False)
    add_demo_users(app.state.services.accounts)
    store: SqlCaseStore = app.state.engine.store
    assert _fill(app.state.engine) == CASES
    with TestClient(app) as client:
        yield client, store
    store.engine.dispose()


def test_copies_verify_and_match_the_read_model(
    app_and_store: tuple[TestClient, SqlCaseStore],
) -> None:
    _, store = app_and_store
    report = Report()
    problems = list(verify(store.engine, store.anchors, report))
    assert problems == []
    assert report.checked == CASES
    assert store.reindex_tasks(repair=False) == []


def test_copies_keep_the_pairing_and_have_their_own_chain(
    app_and_store: tuple[TestClient, SqlCaseStore],
) -> None:
    _, store = app_and_store
    registry = default_registry()
    with store.engine.connect() as conn:
        rows = conn.execute(select(cases_t.c.id, cases_t.c.court_org, cases_t.c.mediator_org)).all()
    assert len({r.id for r in rows}) == CASES
    courts = set()
    for row in rows:
        if row.court_org is not None and row.mediator_org is not None:
            court, committee = registry.find(row.court_org), registry.find(row.mediator_org)
            assert court is not None and committee is not None, row
            assert registry.may_refer(court, committee), row
            courts.add(row.court_org)
        events = store.events(row.id)
        assert events and all(e.case == row.id for e in events)
        assert verify_chain(events) == []
    assert len(courts) > 10  # spread across the registry, not the demo's two courts


def test_a_tampered_copy_is_found(app_and_store: tuple[TestClient, SqlCaseStore]) -> None:
    _, store = app_and_store
    with store.engine.begin() as conn:
        victim = conn.execute(
            select(cases_t.c.id).where(cases_t.c.id.like("TS%")).limit(1)
        ).scalar_one()
        conn.execute(update(cases_t).where(cases_t.c.id == victim).values(mediator_org="某消保委"))
    problems = list(verify(store.engine, store.anchors, Report()))
    assert any(victim in p for p in problems), problems


def _bearer(client: TestClient, user: str) -> dict[str, str]:
    token = client.post("/auth/token", data={"username": user, "password": f"{user}-demo"})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def test_the_pages_work_on_copies(app_and_store: tuple[TestClient, SqlCaseStore]) -> None:
    client, store = app_and_store
    tasks = client.get("/tasks", params={"limit": 50}, headers=_bearer(client, "clerk"))
    assert tasks.status_code == 200, tasks.text
    demo_courts = {p.court for p in court_pairs()[:2]}
    with store.engine.connect() as conn:
        copied, court = conn.execute(
            select(cases_t.c.id, cases_t.c.court_org)
            .where(cases_t.c.court_org.is_not(None), cases_t.c.court_org.not_in(demo_courts))
            .limit(1)
        ).one()
    case = client.get(f"/cases/{copied}", headers=_bearer(client, "auditor"))
    assert case.status_code == 200, case.text
    assert case.json()["court_org"] == court


def test_closed_documents_are_stored_compressed(
    app_and_store: tuple[TestClient, SqlCaseStore],
) -> None:
    _, store = app_and_store
    with store.engine.connect() as conn:
        rows = conn.execute(select(cases_t.c.id, cases_t.c.status, cases_t.c.workflow)).all()
    closed = [r for r in rows if r.status == "closed"]
    assert closed and all(is_packed(bytes(r.workflow)) for r in closed)
    assert not any(is_packed(bytes(r.workflow)) for r in rows if r.status != "closed")
    one = closed[0]
    loaded = store.get(one.id)
    assert loaded is not None and loaded.workflow == plain_workflow(bytes(one.workflow))
    assert loaded.workflow.startswith(b"{")


def test_migration_compacts_closed_cases_and_their_anchors_still_hold(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'm.db'}",
        secret_key="scale-" + "x" * 40,
        state_dir=tmp_path,
    )
    app = create_app(settings, timers=False)
    store: SqlCaseStore = app.state.engine.store
    _fill(app.state.engine)
    # As the version before 0012 stored them: plain. (The tables are today's, so `verify` runs
    # only after the upgrade: the anchors signed before compaction must still hold then.)
    downgrade(store.engine, "0011_findings_stats")
    with store.engine.connect() as conn:
        assert not any(
            is_packed(bytes(w)) for w in conn.execute(select(cases_t.c.workflow)).scalars()
        )
    upgrade(store.engine)
    with store.engine.connect() as conn:
        head = conn.execute(text("select version_num from alembic_version")).scalar()
        packed = conn.execute(
            select(cases_t.c.workflow).where(cases_t.c.status == "closed")
        ).scalars()
        assert head == "0017_stat_figures"
        assert all(is_packed(bytes(w)) for w in packed)
    assert list(verify(store.engine, store.anchors, Report())) == []
    store.engine.dispose()
