"""Files attached to a case (scanned 起诉状, consent forms, the signed agreement, attendance
records) and corrections of a case's facts, each kept with who and when.

An attachment is written once, hashed (SHA-256) and never changed; the same file attached twice
to a case is kept once. A correction never rewrites the case record or its event log (their
vocabulary is a fixed contract, contract/EVENTS.md): it is a row of its own, shown on the
timeline and read over the recorded facts wherever a letter or a page prints them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

from sqlalchemy import Column, Engine, LargeBinary, select
from sqlmodel import Field, SQLModel


class AttachmentRow(SQLModel, table=True):
    __tablename__ = "attachments"

    id: str = Field(primary_key=True, max_length=32)
    case_id: str = Field(index=True, max_length=100)
    kind: str = Field(max_length=32)
    name: str = Field(max_length=200)
    media_type: str = Field(max_length=100)
    sha256: str = Field(max_length=64)
    size: int
    created_ts: float
    created_by: str | None = Field(default=None, max_length=100)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class FactEditRow(SQLModel, table=True):
    __tablename__ = "case_fact_edits"

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=100)
    field: str = Field(max_length=64)
    old_value: str | None = Field(default=None, max_length=2000)
    new_value: str = Field(max_length=2000)
    edited_by: str = Field(max_length=100)
    edited_ts: float


attachments_t = AttachmentRow.__table__  # type: ignore[attr-defined]
edits_t = FactEditRow.__table__  # type: ignore[attr-defined]
_LISTED = [c for c in attachments_t.c if c.name != "content"]


@dataclass(frozen=True)
class Attachment:
    id: str
    case_id: str
    kind: str
    name: str
    media_type: str
    sha256: str
    size: int
    created_at: datetime
    created_by: str | None


@dataclass(frozen=True)
class FactEdit:
    case_id: str
    field: str
    old_value: str | None
    new_value: str
    edited_by: str
    edited_at: datetime


def _attachment(row: Any) -> Attachment:
    return Attachment(
        id=row.id,
        case_id=row.case_id,
        kind=row.kind,
        name=row.name,
        media_type=row.media_type,
        sha256=row.sha256,
        size=row.size,
        created_at=datetime.fromtimestamp(row.created_ts, UTC),
        created_by=row.created_by,
    )


class CaseFiles:
    """Attachments and fact corrections of cases, in the case database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Migration 0008 creates the tables; create_all keeps a bare engine (tests) usable.
        SQLModel.metadata.create_all(engine, tables=[attachments_t, edits_t])

    # -- attachments ---------------------------------------------------------------------------

    def attach(
        self,
        *,
        case_id: str,
        kind: str,
        name: str,
        media_type: str,
        content: bytes,
        created_at: datetime,
        created_by: str | None,
    ) -> tuple[Attachment, bool]:
        """Keep the file with the case; (the attachment, False) when the case had it already."""
        digest = hashlib.sha256(content).hexdigest()
        with self.engine.begin() as conn:
            same = conn.execute(
                select(*_LISTED).where(
                    attachments_t.c.case_id == case_id, attachments_t.c.sha256 == digest
                )
            ).first()
            if same is not None:
                return _attachment(same), False
            values = {
                "id": uuid4().hex,
                "case_id": case_id,
                "kind": kind,
                "name": name,
                "media_type": media_type,
                "sha256": digest,
                "size": len(content),
                "created_ts": created_at.timestamp(),
                "created_by": created_by,
            }
            conn.execute(attachments_t.insert().values(**values, content=content))
        return _attachment(SimpleNamespace(**values)), True

    def attachments(self, case_id: str) -> list[Attachment]:
        stmt = (
            select(*_LISTED)
            .where(attachments_t.c.case_id == case_id)
            .order_by(attachments_t.c.created_ts, attachments_t.c.id)
        )
        with self.engine.connect() as conn:
            return [_attachment(r) for r in conn.execute(stmt).all()]

    def content(self, case_id: str, attachment_id: str) -> tuple[Attachment, bytes]:
        """The file, only from its own case (another case's id is not found)."""
        stmt = select(*_LISTED, attachments_t.c.content).where(
            attachments_t.c.id == attachment_id, attachments_t.c.case_id == case_id
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            raise LookupError(attachment_id)
        return _attachment(row), bytes(row.content)

    # -- corrections of facts --------------------------------------------------------------------

    def correct(
        self,
        *,
        case_id: str,
        changes: dict[str, tuple[str | None, str]],
        by: str,
        at: datetime,
    ) -> list[FactEdit]:
        """Record each changed field (old, new) in one transaction: all or none."""
        made = [FactEdit(case_id, name, old, new, by, at) for name, (old, new) in changes.items()]
        if made:
            with self.engine.begin() as conn:
                conn.execute(
                    edits_t.insert(),
                    [
                        {
                            "case_id": e.case_id,
                            "field": e.field,
                            "old_value": e.old_value,
                            "new_value": e.new_value,
                            "edited_by": e.edited_by,
                            "edited_ts": e.edited_at.timestamp(),
                        }
                        for e in made
                    ],
                )
        return made

    def edits(self, case_id: str) -> list[FactEdit]:
        """A case's corrections, oldest first."""
        stmt = (
            select(edits_t)
            .where(edits_t.c.case_id == case_id)
            .order_by(edits_t.c.edited_ts, edits_t.c.id)
        )
        with self.engine.connect() as conn:
            return [
                FactEdit(
                    r.case_id,
                    r.field,
                    r.old_value,
                    r.new_value,
                    r.edited_by,
                    datetime.fromtimestamp(r.edited_ts, UTC),
                )
                for r in conn.execute(stmt).all()
            ]

    def corrected(self, case_id: str) -> dict[str, str]:
        """The latest value of each corrected field."""
        return {e.field: e.new_value for e in self.edits(case_id)}
