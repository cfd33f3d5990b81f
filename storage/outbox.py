"""The notification outbox: each reminder or escalation is one row, sent at most once.

A row's `key` is unique: whoever plans the same notification twice (two schedulers, a rerun after
downtime) inserts nothing the second time. A dispatcher claims a due row by moving it from
`pending` to `sending` with a compare-and-swap, so two dispatchers never send the same row; a
send that fails puts it back to `pending` with a later `next_ts` (backoff) until attempts run out
and it is `failed`. A dispatcher that dies mid-send leaves the row `sending`: it is not sent
again blindly (the message may have gone out), and `stuck()` lists such rows for a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Column, Connection, Engine, Index, Text, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, SQLModel

from engine.ports import OutboxMessage

STATUSES = ("pending", "sending", "sent", "failed")


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_ts"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=300)  # what makes a notification the same one
    case_id: str = Field(index=True, max_length=100)
    kind: str = Field(max_length=16)  # reminder | escalation
    channel: str = Field(max_length=16)  # email | sms | in_app
    recipient: str = Field(index=True, max_length=200)
    payload: str = Field(sa_column=Column(Text, nullable=False))  # JSON: subject, body, …
    due_ts: float
    next_ts: float  # not before: due_ts, then the backoff after a failure
    status: str = Field(default="pending", max_length=8)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    sent_ts: float | None = None


outbox_t = OutboxRow.__table__  # type: ignore[attr-defined]


# One shape for a notification, whether a step or the scheduler queues it.
Notification = OutboxMessage


@dataclass(frozen=True)
class OutboxItem:
    id: int
    notification: Notification
    status: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None


def queue(conn: Connection, messages: Sequence[OutboxMessage]) -> int:
    """Queue the messages not queued before (by key) in the caller's transaction; returns how
    many were new. The engine's unit of work calls it with a step's messages."""
    if not messages:
        return 0
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(outbox_t).on_conflict_do_nothing(index_elements=["key"])
    added = 0
    for n in messages:  # rowcount per row: executemany's total is not reliable everywhere
        row = {
            "key": n.key,
            "case_id": n.case_id,
            "kind": n.kind,
            "channel": n.channel,
            "recipient": n.recipient,
            "payload": orjson.dumps(n.payload).decode(),
            "due_ts": n.due_at.timestamp(),
            "next_ts": n.due_at.timestamp(),
            "status": "pending",
            "attempts": 0,
        }
        added += conn.execute(stmt, row).rowcount
    return added


def _dt(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        id=row.id,
        notification=Notification(
            key=row.key,
            case_id=row.case_id,
            kind=row.kind,
            channel=row.channel,
            recipient=row.recipient,
            payload=orjson.loads(row.payload),
            due_at=datetime.fromtimestamp(row.due_ts, UTC),
        ),
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        sent_at=_dt(row.sent_ts),
    )


class Outbox:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Migration 0004 creates the table; create_all keeps a bare engine (tests) usable.
        SQLModel.metadata.create_all(engine, tables=[outbox_t])

    def enqueue(self, notifications: Sequence[Notification]) -> int:
        """Add the notifications not planned before (by key); returns how many were new."""
        if not notifications:
            return 0
        with self.engine.begin() as conn:
            return queue(conn, notifications)

    def claim(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        """Due pending rows, each moved to `sending` by this caller alone."""
        due = (
            select(outbox_t.c.id)
            .where(outbox_t.c.status == "pending", outbox_t.c.next_ts <= now.timestamp())
            .order_by(outbox_t.c.next_ts, outbox_t.c.id)
            .limit(limit)
        )
        claimed = []
        with self.engine.begin() as conn:
            for (row_id,) in conn.execute(due).all():
                took = conn.execute(
                    update(outbox_t)
                    .where(outbox_t.c.id == row_id, outbox_t.c.status == "pending")
                    .values(status="sending", attempts=outbox_t.c.attempts + 1)
                ).rowcount
                if took == 1:
                    claimed.append(row_id)
            rows = conn.execute(select(outbox_t).where(outbox_t.c.id.in_(claimed))).all()
        return sorted((_item(r) for r in rows), key=lambda i: claimed.index(i.id))

    def sent(self, item_id: int, at: datetime) -> None:
        self._finish(item_id, status="sent", sent_ts=at.timestamp(), last_error=None)

    def failed(self, item_id: int, error: str, retry_at: datetime | None) -> None:
        """A failed send: pending again from `retry_at`, or failed for good when None."""
        if retry_at is None:
            self._finish(item_id, status="failed", last_error=error[:2000])
        else:
            self._finish(
                item_id, status="pending", last_error=error[:2000], next_ts=retry_at.timestamp()
            )

    def _finish(self, item_id: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(outbox_t)
                .where(outbox_t.c.id == item_id, outbox_t.c.status == "sending")
                .values(**values)
            )

    def items(self, case_id: str | None = None, status: str | None = None) -> list[OutboxItem]:
        stmt = select(outbox_t).order_by(outbox_t.c.due_ts, outbox_t.c.id)
        if case_id is not None:
            stmt = stmt.where(outbox_t.c.case_id == case_id)
        if status is not None:
            stmt = stmt.where(outbox_t.c.status == status)
        with self.engine.connect() as conn:
            return [_item(r) for r in conn.execute(stmt).all()]

    def inbox(self, recipient: str, limit: int | None = None) -> list[OutboxItem]:
        """In-app notifications of a person or organisation, newest first (the `limit` newest)."""
        stmt = (
            select(outbox_t)
            .where(
                outbox_t.c.channel == "in_app",
                outbox_t.c.recipient == recipient,
                outbox_t.c.status == "sent",
            )
            .order_by(outbox_t.c.sent_ts.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_item(r) for r in conn.execute(stmt).all()]

    def stuck(self) -> int:
        with self.engine.connect() as conn:
            stmt = select(func.count()).select_from(outbox_t).where(outbox_t.c.status == "sending")
            return int(conn.execute(stmt).scalar() or 0)
