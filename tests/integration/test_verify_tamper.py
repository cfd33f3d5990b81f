"""`suitiao verify` against tampered databases: one test per kind of stored data.

A database is made through the real composition root (signed with SUITIAO_SECRET_KEY), copied,
changed with plain SQL as someone with write access to the database would, and verified. Each
change must be found (exit 1, naming the case); the untouched copy must verify clean.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from api.bootstrap import build_engine
from api.cli import main
from api.documents import produce
from api.settings import Settings
from engine.domain.events import GENESIS, event_hash
from engine.services import Actor
from storage.documents import DocumentStore

SECRET = "verify-secret-" + "x" * 40
CLERK = Actor("clerk", "court_clerk", "临海市人民法院")
CASES = ["(2026)浙1082民诉前调8001号", "(2026)浙1082民诉前调8002号"]
VICTIM = CASES[0]
Tamper = Callable[[sqlite3.Connection], None]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("verify")
    path = folder / "pristine.db"
    settings = Settings(database_url=f"sqlite:///{path}", secret_key=SECRET, state_dir=folder)
    engine = build_engine(settings)
    for case_id in CASES:
        engine.open_case(
            process_id="pre_filing_referral",
            case_id=case_id,
            actor=CLERK,
            facts={"consumer": {"name": "张伟", "phone": "13812345678"}, "claim_amount": 900},
        )
        for payload in ({"action": "consent"}, {"action": "refer", "mediator_org": "临海市消保委"}):
            task = engine.case(case_id).tasks[0]
            engine.complete(case_id=case_id, task_id=task.task_id, actor=CLERK, payload=payload)
    documents = DocumentStore(engine.store.engine)  # type: ignore[attr-defined]
    fields = {
        "business_name": "临海某家电有限公司",
        "summary": "空调",
        "materials": "证据",
        "cause": "买卖合同纠纷",
        "handler": "王书记员",
        "handler_phone": "0576-85000000",
    }
    produce(engine, documents, VICTIM, "assignment_letter", "docx", fields)
    engine.store.engine.dispose()  # type: ignore[attr-defined]
    return path


def _verify(
    path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("SUITIAO_SECRET_KEY", SECRET)
    monkeypatch.setenv("SUITIAO_STATE_DIR", str(path.parent))
    code = main(["verify"])
    return code, capsys.readouterr().out


def _recompute_chain(db: sqlite3.Connection) -> None:
    """Edit an event and recompute every hash after it, and the case row: a careful forger."""
    rows = db.execute(
        "SELECT id, seq, activity, at, actor, role, org, data FROM events"
        " WHERE case_id = ? ORDER BY seq",
        (VICTIM,),
    ).fetchall()
    prev, edited = GENESIS, False
    for row_id, seq, activity, at, actor, role, org, data in rows:
        values = orjson.loads(data)
        if activity == "referred":
            values["mediator_org"] = "某某调解中心"
            edited = True
        record = {"case": VICTIM, "activity": activity, "at": at}
        for key, value in (("actor", actor), ("role", role), ("org", org)):
            if value is not None:
                record[key] = value
        if values:
            record["data"] = values
        digest = event_hash(prev, seq, record)
        db.execute(
            "UPDATE events SET data = ?, prev_hash = ?, hash = ? WHERE id = ?",
            (orjson.dumps(values).decode(), prev, digest, row_id),
        )
        prev = digest
    assert edited, "the forger found no referral to edit"
    db.execute("UPDATE cases SET last_hash = ? WHERE id = ?", (prev, VICTIM))


def _edit_facts(db: sqlite3.Connection) -> None:
    (facts,) = db.execute("SELECT facts FROM cases WHERE id = ?", (VICTIM,)).fetchone()
    values = orjson.loads(facts)
    values["claim_amount"] = 90000
    db.execute("UPDATE cases SET facts = ? WHERE id = ?", (orjson.dumps(values).decode(), VICTIM))


def _edit_letter_and_hash(db: sqlite3.Connection) -> None:
    forged = b"PK forged letter"
    import hashlib

    db.execute(
        "UPDATE documents SET content = ?, sha256 = ?, size = ? WHERE case_id = ?",
        (forged, hashlib.sha256(forged).hexdigest(), len(forged), VICTIM),
    )


def _delete_case_entirely(db: sqlite3.Connection) -> None:
    for table in ("cases", "events", "timers", "documents"):
        column = "id" if table == "cases" else "case_id"
        db.execute(f"DELETE FROM {table} WHERE {column} = ?", (VICTIM,))  # noqa: S608
    for table in ("chain_heads", "document_anchors"):
        db.execute(f"DELETE FROM {table} WHERE case_id = ?", (VICTIM,))  # noqa: S608


TAMPERS: dict[str, Tamper] = {
    "recomputed chain": _recompute_chain,
    "edited case facts": _edit_facts,
    "edited organisation": lambda db: db.execute(
        "UPDATE cases SET mediator_org = '天台县消保委' WHERE id = ?", (VICTIM,)
    ),
    "edited status": lambda db: db.execute(
        "UPDATE cases SET status = 'closed' WHERE id = ?", (VICTIM,)
    ),
    "deleted timers": lambda db: db.execute("DELETE FROM timers WHERE case_id = ?", (VICTIM,)),
    "moved timer": lambda db: db.execute(
        "UPDATE timers SET due_ts = due_ts + 864000 WHERE case_id = ?", (VICTIM,)
    ),
    "deleted case row": lambda db: db.execute("DELETE FROM cases WHERE id = ?", (VICTIM,)),
    "deleted case and all its rows": _delete_case_entirely,
    "edited stored letter": lambda db: db.execute(
        "UPDATE documents SET content = ? WHERE case_id = ?", (b"PK edited", VICTIM)
    ),
    "edited stored letter and its hash": _edit_letter_and_hash,
    "deleted stored letter": lambda db: db.execute(
        "DELETE FROM documents WHERE case_id = ?", (VICTIM,)
    ),
    "deleted waiting-task row": lambda db: db.execute(
        "DELETE FROM task_rows WHERE case_id = ?", (VICTIM,)
    ),
    "edited waiting-task due date": lambda db: db.execute(
        "UPDATE task_rows SET due = '2099-01-01' WHERE case_id = ?", (VICTIM,)
    ),
    "deleted last event": lambda db: db.execute(
        "DELETE FROM events WHERE case_id = ? AND seq = (SELECT max(seq) FROM events"
        " WHERE case_id = ?)",
        (VICTIM, VICTIM),
    ),
}


def test_the_untouched_database_verifies(
    pristine: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    copy = tmp_path / "copy.db"
    shutil.copy(pristine, copy)
    code, out = _verify(copy, monkeypatch, capsys)
    assert code == 0, out
    assert "checked 2 case(s): 0 problem(s)" in out


@pytest.mark.parametrize("kind", sorted(TAMPERS))
def test_verify_finds_tampering(
    kind: str,
    pristine: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    copy = tmp_path / "copy.db"
    shutil.copy(pristine, copy)
    with sqlite3.connect(copy) as db:
        TAMPERS[kind](db)
    code, out = _verify(copy, monkeypatch, capsys)
    assert code == 1, f"{kind} went unnoticed:\n{out}"
    assert VICTIM in out or "deleted" in out, out


def test_verify_with_another_key_says_the_anchors_do_not_match(
    pristine: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    copy = tmp_path / "copy.db"
    shutil.copy(pristine, copy)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{copy}")
    monkeypatch.setenv("SUITIAO_SECRET_KEY", "another-" + "y" * 40)
    assert main(["verify"]) == 1
    assert "signature" in capsys.readouterr().out


def test_a_database_from_before_anchors_is_flagged_until_sealed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage.sql import SqlCaseStore

    path = tmp_path / "old.db"
    store = SqlCaseStore.from_url(f"sqlite:///{path}")  # no key: as an older version wrote it
    from engine.services import Engine
    from standard_rules.legal_calendar import default_calendar
    from standard_rules.pack import default_pack

    Engine(store, default_pack(), default_calendar()).open_case(
        process_id="pre_filing_referral", case_id=VICTIM, actor=CLERK
    )
    store.engine.dispose()
    code, out = _verify(path, monkeypatch, capsys)
    assert code == 1 and "no signed chain head" in out, out
    assert main(["verify", "--seal"]) == 0
    assert "signed 1 case(s)" in capsys.readouterr().out
    code, out = _verify(path, monkeypatch, capsys)
    assert code == 0, out


@pytest.mark.postgres
def test_anchors_and_verify_on_postgres(
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sqlalchemy import text

    settings = Settings(database_url=postgres_url, secret_key=SECRET, state_dir=tmp_path)
    engine = build_engine(settings)
    sql = engine.store.engine  # type: ignore[attr-defined]
    with sql.begin() as conn:  # the session's database may hold other tests' rows
        for table in (
            *("cases", "events", "timers", "documents", "chain_heads", "document_anchors"),
            *("finding_rows", "finding_counts", "stat_cases", "stat_opened", "stat_due"),
            "stat_figures",
        ):
            conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608
        conn.execute(text("DELETE FROM integrity_ledger"))
    case_id = "(2026)浙1082民诉前调8101号"
    engine.open_case(process_id="pre_filing_referral", case_id=case_id, actor=CLERK)
    task = engine.case(case_id).tasks[0]
    engine.complete(
        case_id=case_id, task_id=task.task_id, actor=CLERK, payload={"action": "consent"}
    )
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("SUITIAO_SECRET_KEY", SECRET)
    assert main(["verify"]) == 0, capsys.readouterr().out
    capsys.readouterr()
    with sql.begin() as conn:
        conn.execute(
            text("UPDATE cases SET court_org = '天台县人民法院' WHERE id = :id"), {"id": case_id}
        )
    assert main(["verify"]) == 1
    assert case_id in capsys.readouterr().out
    sql.dispose()


def test_sealing_does_not_whitewash_what_the_events_contradict(
    pristine: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    copy = tmp_path / "copy.db"
    shutil.copy(pristine, copy)
    with sqlite3.connect(copy) as db:
        db.execute("UPDATE cases SET mediator_org = '天台县消保委' WHERE id = ?", (VICTIM,))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{copy}")
    monkeypatch.setenv("SUITIAO_SECRET_KEY", SECRET)
    assert main(["verify", "--seal"]) == 0  # someone re-signs the edited row
    capsys.readouterr()
    code, out = _verify(copy, monkeypatch, capsys)
    assert code == 1 and VICTIM in out and "its events say 临海市消保委" in out, out
