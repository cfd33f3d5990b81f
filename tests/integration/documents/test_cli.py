"""`suitiao document` and `suitiao notify --once` against a database file."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.bootstrap import build_engine
from api.cli import main
from engine.services import Actor
from storage.documents import DocumentStore
from tests.integration.documents.cases import FACTS, PRE_ID


def test_document_and_notify_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)
    engine = build_engine()
    clerk = Actor("clerk-01", "court_clerk", "临海市人民法院")
    engine.open_case(process_id="pre_filing_referral", case_id=PRE_ID, actor=clerk, facts=FACTS)
    (consent,) = engine.case(PRE_ID).tasks
    engine.complete(
        case_id=PRE_ID, task_id=consent.task_id, actor=clerk, payload={"action": "consent"}
    )
    assert main(["document", PRE_ID, "assignment_letter"]) == 1  # not referred yet
    assert "委派调解函" in capsys.readouterr().err
    (refer,) = engine.case(PRE_ID).tasks
    engine.complete(case_id=PRE_ID, task_id=refer.task_id, actor=clerk,
                    payload={"action": "refer", "mediator_org": "临海市消保委"})  # fmt: skip
    out = tmp_path / "letter.docx"
    code = main(["document", PRE_ID, "assignment_letter", "--format", "docx",
                 "--output", str(out), "--served-via", "post",
                 "--set", "handler=王书记员", "--set", "handler_phone=0576-85000000"])  # fmt: skip
    assert code == 0 and out.read_bytes()[:2] == b"PK"
    assert "sha256:" in capsys.readouterr().out
    (record,) = DocumentStore(engine.store.engine).list(PRE_ID)  # type: ignore[attr-defined]
    assert (record.kind, record.format, record.served_via) == ("assignment_letter", "docx", "post")
    assert main(["document", PRE_ID, "assignment_letter", "--set", "nonsense"]) == 2
    assert main(["notify", "--once"]) == 0
    assert capsys.readouterr().out.startswith("planned ")
