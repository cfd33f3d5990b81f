"""storage/attachments.CaseFiles on SQLite and PostgreSQL: files kept once per case and served
only from their case; corrections all-or-none, in order, latest value wins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from storage.attachments import CaseFiles

AT = datetime(2026, 12, 7, 9, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def files(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CaseFiles]:
    if request.param == "sqlite":
        engine: Engine = create_engine(f"sqlite:///{tmp_path / 'files.db'}")
        yield CaseFiles(engine)
        engine.dispose()
        return
    engine = request.getfixturevalue("postgres_engine")
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE TABLE attachments, case_fact_edits RESTART IDENTITY"))
    yield CaseFiles(engine)


def test_a_file_is_kept_once_and_only_from_its_case(files: CaseFiles) -> None:
    pdf = b"%PDF-1.4 scan"
    first, new = files.attach(case_id="A", kind="complaint", name="起诉状.pdf",
                              media_type="application/pdf", content=pdf, created_at=AT,
                              created_by="clerk")  # fmt: skip
    again, new_again = files.attach(case_id="A", kind="other", name="x.pdf",
                                    media_type="application/pdf", content=pdf, created_at=AT,
                                    created_by="clerk")  # fmt: skip
    assert new and not new_again and again.id == first.id
    assert [a.name for a in files.attachments("A")] == ["起诉状.pdf"]
    assert files.content("A", first.id)[1] == pdf
    with pytest.raises(LookupError):
        files.content("B", first.id)


def test_corrections_are_kept_in_order_and_the_latest_wins(files: CaseFiles) -> None:
    files.correct(case_id="A", changes={"cause": (None, "买卖合同纠纷")}, by="clerk", at=AT)
    files.correct(
        case_id="A",
        changes={"cause": ("买卖合同纠纷", "产品责任纠纷"), "consumer.address": (None, "临海")},
        by="mediator",
        at=AT + timedelta(minutes=5),
    )
    edits = files.edits("A")
    assert [(e.field, e.edited_by) for e in edits] == [
        ("cause", "clerk"), ("cause", "mediator"), ("consumer.address", "mediator")
    ]  # fmt: skip
    assert files.corrected("A") == {"cause": "产品责任纠纷", "consumer.address": "临海"}
    assert files.corrected("B") == {}
