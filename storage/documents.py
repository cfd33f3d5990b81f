"""Documents kept with their case: the rendered bytes, their SHA-256, and how they were served.

A document is written once and never changed; serving it (post, e-mail, SMS, the online
platform, in person) stamps `served_via` / `served_at` on its row. The event log's vocabulary is
a fixed contract (contract/EVENTS.md), so the channel lives here, next to the hash that proves
which text was served.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import orjson
from sqlalchemy import Column, Engine, LargeBinary, func, select, update
from sqlmodel import Field, SQLModel

from storage.idempotency import write_pending
from storage.integrity import anchors_for

FORMATS = ("pdf", "docx")
MAX_PER_CASE = 200  # letters kept with one case; identical ones are kept once anyway
SERVING_CHANNELS = ("post", "email", "sms", "platform", "in_person")


class DocumentRow(SQLModel, table=True):
    __tablename__ = "documents"

    id: str = Field(primary_key=True, max_length=32)
    case_id: str = Field(index=True, max_length=100)
    kind: str = Field(max_length=64)
    format: str = Field(max_length=8)
    sha256: str = Field(max_length=64)
    size: int
    created_ts: float
    created_by: str | None = Field(default=None, max_length=100)
    served_via: str | None = Field(default=None, max_length=32)
    served_ts: float | None = None
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


documents_t = DocumentRow.__table__  # type: ignore[attr-defined]
_LISTED = [c for c in documents_t.c if c.name != "content"]


@dataclass(frozen=True)
class DocumentRecord:
    """A stored document without its bytes: what a case's timeline lists."""

    id: str
    case_id: str
    kind: str
    format: str
    sha256: str
    size: int
    created_at: datetime
    created_by: str | None
    served_via: str | None
    served_at: datetime | None


class UnknownDocument(LookupError):
    pass


class TooManyDocuments(Exception):
    """The case holds MAX_PER_CASE documents: no more are kept (a runaway client, a loop)."""


def _record(row: Any) -> DocumentRecord:
    return DocumentRecord(
        id=row.id,
        case_id=row.case_id,
        kind=row.kind,
        format=row.format,
        sha256=row.sha256,
        size=row.size,
        created_at=datetime.fromtimestamp(row.created_ts, UTC),
        created_by=row.created_by,
        served_via=row.served_via,
        served_at=None if row.served_ts is None else datetime.fromtimestamp(row.served_ts, UTC),
    )


class DocumentStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Migration 0004 creates the table; create_all keeps a bare engine (tests) usable.
        SQLModel.metadata.create_all(engine, tables=[documents_t])

    def add(
        self,
        *,
        case_id: str,
        kind: str,
        format: str,
        content: bytes,
        created_at: datetime,
        created_by: str | None = None,
    ) -> DocumentRecord:
        if format not in FORMATS:
            raise ValueError(f"format {format!r} is not one of {FORMATS}")
        sha256 = hashlib.sha256(content).hexdigest()
        values = {
            "id": uuid4().hex,
            "case_id": case_id,
            "kind": kind,
            "format": format,
            "sha256": sha256,
            "size": len(content),
            "created_ts": created_at.timestamp(),
            "created_by": created_by,
            "served_via": None,
            "served_ts": None,
        }
        same = select(*_LISTED).where(
            documents_t.c.case_id == case_id,
            documents_t.c.kind == kind,
            documents_t.c.format == format,
            documents_t.c.sha256 == sha256,
        )
        count = select(func.count()).where(documents_t.c.case_id == case_id)
        with self.engine.begin() as conn:
            # The same letter with the same bytes is the same document: keep it once.
            found = conn.execute(same.order_by(documents_t.c.created_ts).limit(1)).first()
            if found is not None:
                record = _record(found)
            else:
                if (conn.execute(count).scalar() or 0) >= MAX_PER_CASE:
                    raise TooManyDocuments(
                        f"本案保存的文书已达上限（{MAX_PER_CASE}份），请勿重复生成"
                    )
                conn.execute(documents_t.insert().values(**values, content=content))
                anchors = anchors_for(self.engine)
                if anchors is not None:  # signed for `suitiao verify`
                    anchors.write_document(conn, str(values["id"]), values)
                record = _record(SimpleNamespace(**values))
            answer = orjson.dumps({"document": record.id}).decode()
            write_pending(conn, answer=(200, answer))  # the request's key, with the letter
        return record

    def get(self, document_id: str) -> DocumentRecord | None:
        stmt = select(*_LISTED).where(documents_t.c.id == document_id)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return _record(row) if row is not None else None

    def list(self, case_id: str) -> list[DocumentRecord]:
        """A case's documents, oldest first (kind, format, hash, created, served)."""
        stmt = (
            select(*_LISTED)
            .where(documents_t.c.case_id == case_id)
            .order_by(documents_t.c.created_ts, documents_t.c.id)
        )
        with self.engine.connect() as conn:
            return [_record(r) for r in conn.execute(stmt).all()]

    def content(self, document_id: str) -> bytes:
        stmt = select(documents_t.c.content).where(documents_t.c.id == document_id)
        with self.engine.connect() as conn:
            data = conn.execute(stmt).scalar()
        if data is None:
            raise UnknownDocument(document_id)
        return bytes(data)

    def mark_served(self, document_id: str, channel: str, at: datetime) -> DocumentRecord:
        """Record how the document reached its addressee; it is served once."""
        if channel not in SERVING_CHANNELS:
            raise ValueError(f"channel {channel!r} is not one of {SERVING_CHANNELS}")
        stmt = (
            update(documents_t)
            .where(documents_t.c.id == document_id, documents_t.c.served_via.is_(None))
            .values(served_via=channel, served_ts=at.timestamp())
        )
        with self.engine.begin() as conn:
            if conn.execute(stmt).rowcount != 1:
                found = conn.execute(
                    select(documents_t.c.served_via).where(documents_t.c.id == document_id)
                ).first()
                if found is None:
                    raise UnknownDocument(document_id)
                raise ValueError(f"document {document_id} was served already ({found[0]})")
            row = conn.execute(select(*_LISTED).where(documents_t.c.id == document_id)).one()
        return _record(row)
