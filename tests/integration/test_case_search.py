"""The case search index (issue 12, a court's case search): written with every step and with
bulk copies, rebuilt by `suitiao reindex`, read by ScopedReads.case_page on SQLite and
PostgreSQL, each query an index range in the caller's scope."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, event, select, text

from engine.domain.events import GENESIS
from storage.bulk import insert_cases
from storage.case_search import SEARCH_COUNT_CAP
from storage.case_terms import case_terms_t
from storage.scoped import ScopedReads, Visibility
from storage.sql import SqlCaseStore
from tests.integration.test_store_contract import T0, make_case, make_events
from tests.workflows.conftest import CLERK, COURT, CPC, OTHER_COURT, Driver
from tests.workflows.test_paths import PRE

MINE = Visibility("court", COURT)


@pytest.fixture
def store(sql_store: SqlCaseStore) -> SqlCaseStore:
    return sql_store


def terms_of(store: SqlCaseStore, case_id: str) -> set[str]:
    with store.engine.connect() as conn:
        found = conn.execute(select(case_terms_t.c.term).where(case_terms_t.c.case_id == case_id))
        return set(found.scalars())


def found(store: SqlCaseStore, q: str, scope: Visibility = MINE, **kw: Any) -> list[str]:
    rows, total, _ = ScopedReads(store.engine).case_page(scope, q=q, **kw)
    assert total == len(rows)
    return [r.id for r in rows]


def put(store: SqlCaseStore, case_id: str, minutes: int = 0, **facts: Any) -> None:
    events = make_events(case_id, ["referral_received"])
    store.insert(
        make_case(
            case_id,
            opened_at=T0 + timedelta(minutes=minutes),
            facts=facts,
            last_seq=1,
            last_hash=events[-1].hash,
        ),
        events,
        [],
    )


def test_opening_a_case_writes_its_terms(store: SqlCaseStore, make_driver: Any) -> None:
    d: Driver = make_driver(store=store)
    d.open(
        PRE,
        CLERK,
        case_id="（2025）浙1082民诉前调7号",
        facts={
            "consumer": {"name": "王伟", "phone": "13900001111"},
            "business": {"name": "临海市某某电器有限公司"},
        },
    )
    assert terms_of(store, d.case_id) >= {"王伟", "临海市某某电器有限公司", "1111", "7号"}
    typed = ("王伟", "王", "1111", "临海市某某", "(2025)浙1082民诉前调7号", "2025", "浙1082", "7号")
    for q in typed:
        assert found(store, q) == [d.case_id], q
    assert store.reindex_terms(repair=False) == []


def test_a_step_that_changes_the_parties_rewrites_the_terms(store: SqlCaseStore) -> None:
    put(store, "T-1", consumer={"name": "张三"})
    assert found(store, "张三") == ["T-1"]
    case = store.get("T-1")
    assert case is not None
    # A step that changes no party nor organisation does not touch the index at all.
    first = make_events("T-1", ["consent_given"], first_seq=2, prev_hash=case.last_hash)
    same = replace(case, version=2, last_seq=2, last_hash=first[-1].hash, status="referred")
    statements: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        store.update(same, 1, first, [])
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    assert statements and not [s for s in statements if "case_terms" in s]
    more = make_events("T-1", ["referred"], first_seq=3, prev_hash=same.last_hash)
    changed = replace(
        same,
        version=3,
        last_seq=3,
        last_hash=more[-1].hash,
        facts={"consumer": {"name": "李四", "phone": "0576-8888 2345"}},
    )
    store.update(changed, 2, more, [])
    assert found(store, "张三") == []
    assert found(store, "李四") == found(store, "2345") == ["T-1"]
    # A referral moves the case to a committee: the committee now finds it by name.
    assert found(store, "李四", Visibility("mediator", CPC)) == []
    again = make_events("T-1", ["referral_received"], first_seq=4, prev_hash=changed.last_hash)
    referred = replace(changed, version=4, last_seq=4, last_hash=again[-1].hash, mediator_org=CPC)
    store.update(referred, 3, again, [])
    assert found(store, "李四", Visibility("mediator", CPC)) == ["T-1"]
    assert store.reindex_terms(repair=False) == []


def test_bulk_copies_write_their_terms(store: SqlCaseStore) -> None:
    batch = []
    for n, name in enumerate(["赵敏", "赵四海", "钱多多"]):
        case_id = f"({2026})浙1082民诉前调{n + 1:04d}号"
        events = make_events(case_id, ["referral_received"])
        case = make_case(
            case_id,
            opened_at=T0 + timedelta(days=n),
            facts={"consumer": {"name": name}},
            last_seq=1,
            last_hash=events[-1].hash,
        )
        batch.append((case, events, []))
    insert_cases(store, batch)
    assert found(store, "赵") == ["(2026)浙1082民诉前调0002号", "(2026)浙1082民诉前调0001号"]
    # Typed with full-width brackets and no padding: the canonical term finds the padded id.
    assert found(store, "（2026）浙1082民诉前调3号") == ["(2026)浙1082民诉前调0003号"]
    assert store.reindex_terms(repair=False) == []


def test_reindex_check_finds_a_deleted_term_and_repairs_it(store: SqlCaseStore) -> None:
    put(store, "R-1", consumer={"name": "孙悟空"})
    put(store, "R-2", consumer={"name": "猪八戒"})
    before = terms_of(store, "R-2")
    with store.engine.begin() as conn:
        conn.execute(
            delete(case_terms_t).where(
                case_terms_t.c.case_id == "R-2", case_terms_t.c.term == "猪八戒"
            )
        )
    assert found(store, "猪八戒") == []
    assert store.reindex_terms(repair=False) == ["R-2"]
    assert store.reindex_terms() == ["R-2"]
    assert terms_of(store, "R-2") == before
    assert found(store, "猪八戒") == ["R-2"]
    assert store.reindex_terms(repair=False) == []


def test_case_numbers_in_either_width_and_the_old_spellings(store: SqlCaseStore) -> None:
    put(store, "（2026）浙1082民诉前调12号", 1)
    put(store, "(2026)浙1082民诉前调0123号", 2)  # stored padded, half-width (old demo)
    put(store, "(2025)浙1082民初5号", 3)
    spelt = (
        "(2026)浙1082民诉前调123号",
        "〔2026〕浙1082民诉前调0123号",
        "（２０２６）浙1082民诉前调123号",
    )
    for typed in spelt:
        assert found(store, typed) == ["(2026)浙1082民诉前调0123号"], typed
    # Part of a number from its case type or court, padded as stored or not.
    for typed in ("民诉前调0123", "民诉前调123号", "浙1082民诉前调0123号", "0123号"):
        assert found(store, typed) == ["(2026)浙1082民诉前调0123号"], typed
    assert found(store, "（2026）") == ["(2026)浙1082民诉前调0123号", "（2026）浙1082民诉前调12号"]
    assert found(store, "2026浙1082") == found(store, "（2026）")
    assert found(store, "12") == ["(2026)浙1082民诉前调0123号", "（2026）浙1082民诉前调12号"]
    assert found(store, "12号") == ["（2026）浙1082民诉前调12号"]
    assert found(store, "民初") == ["(2025)浙1082民初5号"]  # from the case type on
    assert found(store, "前调12") == []  # the middle of a number is no term's beginning


def test_names_by_prefix_not_by_their_middle(store: SqlCaseStore) -> None:
    put(store, "N-1", 1, consumer={"name": "王伟"})
    put(store, "N-2", 2, consumer={"name": "王伟明"}, business={"name": "Apple 旗舰店"})
    put(store, "N-3", 3, consumer={"name": "黄王"})
    assert found(store, "王伟") == ["N-2", "N-1"]  # a 2-character name, and longer ones
    assert found(store, "王") == ["N-2", "N-1"]
    assert found(store, " 王 ") == ["N-2", "N-1"]
    assert found(store, "伟") == []
    assert found(store, "apple") == found(store, "ＡＰＰＬＥ旗") == ["N-2"]
    assert found(store, "%") == found(store, "_") == []  # no wildcards
    assert found(store, "   ") == ["N-3", "N-2", "N-1"]  # blank: no search, every case


def test_another_courts_case_is_never_found(store: SqlCaseStore) -> None:
    put(store, "V-1", consumer={"name": "周杰"})
    events = make_events("V-2", ["referral_received"])
    other = make_case(
        "V-2",
        court_org=OTHER_COURT,
        facts={"consumer": {"name": "周杰"}},
        last_seq=1,
        last_hash=events[-1].hash,
    )
    store.insert(other, events, [])
    assert found(store, "周杰") == ["V-1"]
    assert found(store, "V-2") == []
    assert found(store, "周杰", Visibility("court", OTHER_COURT)) == ["V-2"]
    assert found(store, "周杰", Visibility("all")) == ["V-2", "V-1"]
    assert found(store, "周杰", Visibility("none")) == []
    assert found(store, "周杰", Visibility("court", COURT, frozenset({OTHER_COURT}))) == [
        "V-2",
        "V-1",
    ]


def test_pages_of_a_search_and_the_capped_total(store: SqlCaseStore) -> None:
    batch = []
    for n in range(SEARCH_COUNT_CAP + 5):
        case_id = f"P-{n:05d}"
        case = make_case(
            case_id, opened_at=T0 + timedelta(minutes=n), facts={"consumer": {"name": f"吴{n}"}}
        )
        batch.append((replace(case, last_seq=0, last_hash=GENESIS), [], []))
    insert_cases(store, batch)
    reads = ScopedReads(store.engine)
    rows, total, cursor = reads.case_page(MINE, q="吴", limit=40)
    assert total == SEARCH_COUNT_CAP + 1  # counted no further: the page says "1000+"
    assert [r.id for r in rows] == [f"P-{n:05d}" for n in range(1004, 964, -1)]
    assert cursor is not None
    rows, _, _ = reads.case_page(MINE, q="吴", limit=40, after=cursor)
    assert rows[0].id == "P-00964"
    rows, total, cursor = reads.case_page(MINE, q="吴100", limit=3)
    assert total == 6 and [r.id for r in rows] == ["P-01004", "P-01003", "P-01002"]
    rows, total, cursor = reads.case_page(MINE, q="吴100", limit=3, after=cursor)
    assert total == 6 and [r.id for r in rows] == ["P-01001", "P-01000", "P-00100"]
    assert cursor is None
    # Filters still apply with a search.
    assert reads.case_page(MINE, q="吴100", status="closed")[1] == 0


def test_the_search_reads_the_term_index(store: SqlCaseStore) -> None:
    """The plans the benchmark relies on: a range over a case_terms index, never a scan of
    the court's cases or of the facts."""
    put(store, "E-1", consumer={"name": "郑和"})
    reads = ScopedReads(store.engine)
    captured: list[str] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        if "case_terms" in statement and "count" not in statement:
            captured.append(statement)
            captured.append(params)

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        reads.case_page(MINE, q="郑")
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    statement, params = captured[0], captured[1]
    postgres = store.engine.dialect.name == "postgresql"
    explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
    with store.engine.connect() as conn:
        if postgres:
            conn.execute(text("SET enable_seqscan = off"))  # a tiny table: ask for the index
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(explain + statement, params).all())
    assert "ix_case_terms_court" in plan, plan
    # ... and reads the matching cases by primary key, never the court's cases by their
    # organisation (which SQLite chose before the case conditions were kept off that index).
    assert "ix_cases_court_org" not in plan, plan
    assert ("cases_pkey" if postgres else "sqlite_autoindex_cases_1") in plan, plan


def test_verify_and_reindex_cover_the_search_index(
    tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    from api.bootstrap import build_engine
    from api.cli import main as cli
    from api.demo import DemoClock, populate
    from engine.services import SystemClock

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'terms.db'}")
    monkeypatch.setenv("SUITIAO_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("SUITIAO_SECRET_KEY", "terms-secret-" + "x" * 40)
    engine = build_engine()
    clock = DemoClock(SystemClock().now())
    engine.clock = clock
    populate(engine, clock, cases=6, days=30, seed=5)
    store: Any = engine.store
    assert cli(["verify"]) == 0
    with store.engine.begin() as conn:
        victim, term = conn.execute(select(case_terms_t.c.case_id, case_terms_t.c.term)).first()
        conn.execute(
            delete(case_terms_t).where(
                case_terms_t.c.case_id == victim, case_terms_t.c.term == term
            )
        )
    capsys.readouterr()
    assert cli(["verify"]) == 1
    assert f"{victim}: search index differs from the case" in capsys.readouterr().out
    assert cli(["reindex", "--check"]) == 1
    said = capsys.readouterr().out
    assert "案件检索索引：1 件案件不一致" in said and victim in said
    assert cli(["reindex"]) == 0
    assert cli(["reindex", "--check"]) == 0
    assert cli(["verify"]) == 0
    assert term in terms_of(store, victim)
    store.engine.dispose()


def test_the_case_list_page_searches_and_caps_its_total(tmp_path: Path) -> None:
    """The clerk's page over HTTP: the hint, a name found, another court's namesake not, and a
    surname shared by more cases than the cap counted as 1000+."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.demo import add_demo_users
    from api.settings import Settings

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'page.db'}",
        secret_key="page-" + "x" * 40,
        state_dir=tmp_path,
    )
    app = create_app(settings, timers=False)
    add_demo_users(app.state.services.accounts)
    store: SqlCaseStore = app.state.engine.store
    batch = []
    for n in range(SEARCH_COUNT_CAP + 2):
        court = OTHER_COURT if n == 0 else COURT
        name = "冯宝宝" if n < 2 else f"冯{n}"
        case = make_case(
            f"W-{n:05d}",
            court_org=court,
            opened_at=T0 + timedelta(minutes=n),
            facts={"consumer": {"name": name}},
        )
        batch.append((case, [], []))
    insert_cases(store, batch)
    with TestClient(app) as client:
        login = client.get("/ui/login").text
        csrf = login.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/ui/login",
            data={"username": "clerk", "password": "clerk-demo", "csrf_token": csrf},
            follow_redirects=False,
        )
        page = client.get("/ui/cases", params={"q": "冯宝宝"})
        assert page.status_code == 200, page.text
        assert "W-00001" in page.text and "W-00000" not in page.text
        assert "共 1 项" in page.text
        assert "案号或名称中间的几个字查不到" in page.text
        wide = client.get("/ui/cases", params={"q": "冯"})
        assert f"共 {SEARCH_COUNT_CAP}+ 项" in wide.text
        assert "W-00000" not in wide.text
    store.engine.dispose()
