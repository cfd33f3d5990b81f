"""Idempotency records: a POST retried with the same Idempotency-Key gets the first answer.

A step's key is written in the step's own transaction (`within_step` / `write_pending`): the
store that commits the step (cases, documents) inserts the key row with the step's rows, so a
process killed mid-request leaves either nothing (the retry runs the step) or the step with its
key (the retry is answered, never run twice). The answer itself is written just after the
commit; a row left without one (killed in that instant) is answered from the current state once
it is STALE_SECONDS old. Two copies of one request arriving together both run, but only one
can commit its key: the other rolls back and is answered with the first one's answer.

Callers that do not write through such a store (accounts, API keys) claim the key first
(`claim`), as before. Records are scoped to the caller and kept for a day.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import Column, Connection, Engine, Text, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel

RETENTION_SECONDS = 24 * 3600
STALE_SECONDS = 15.0  # a key row without its answer for this long lost its writer
CLAIM_STALE_SECONDS = 120.0  # a claim (accounts, API keys) this old lost its request


class IdempotencyRow(SQLModel, table=True):
    __tablename__ = "idempotency"

    principal: str = Field(primary_key=True, max_length=120)
    key: str = Field(primary_key=True, max_length=255)
    fingerprint: str = Field(max_length=64)  # hash of method, path and body
    status: int = 0  # 0 while the answer is not recorded yet
    body: str = Field(sa_column=Column(Text, nullable=False, default=""))
    etag: str | None = Field(default=None, max_length=40)
    created_ts: float = Field(index=True)


@dataclass(frozen=True)
class Recorded:
    fingerprint: str
    status: int  # 0: in progress (or committed, answer not yet recorded)
    body: str
    etag: str | None
    created_ts: float = 0.0

    def stale(self, now: float | None = None) -> bool:
        return self.status == 0 and (now or time.time()) - self.created_ts > STALE_SECONDS


@dataclass
class PendingKey:
    """The key of the request under way, for the store that commits its step to write."""

    principal: str
    key: str
    fingerprint: str
    written: bool = False


class KeyTaken(Exception):
    """Another copy of the request committed its step under this key first."""


table = IdempotencyRow.__table__  # type: ignore[attr-defined]
_pending: ContextVar[PendingKey | None] = ContextVar("suitiao_pending_key", default=None)


@contextmanager
def within_step(pending: PendingKey) -> Iterator[PendingKey]:
    """Have the next step committed in this context carry `pending` in its transaction."""
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)


def write_pending(conn: Connection, answer: tuple[int, str] | None = None) -> None:
    """Insert the pending key, if any, in the caller's open transaction (once per request);
    with its answer (status, body) when the step alone determines it.

    Called last in a step's transaction; KeyTaken rolls the whole step back."""
    pending = _pending.get()
    if pending is None or pending.written:
        return
    row = _row(pending.principal, pending.key, pending.fingerprint, time.time())
    if answer is not None:
        row.update(status=answer[0], body=answer[1])
    try:
        conn.execute(insert(table), [row])
    except IntegrityError as exc:
        raise KeyTaken(pending.key) from exc
    pending.written = True


def _row(principal: str, key: str, fingerprint: str, now: float) -> dict[str, object]:
    return {
        "principal": principal,
        "key": key,
        "fingerprint": fingerprint,
        "status": 0,
        "body": "",
        "created_ts": now,
    }


class IdempotencyStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        SQLModel.metadata.create_all(engine, tables=[table])

    def lookup(self, principal: str, key: str) -> Recorded | None:
        """What is recorded under the key (expired records are forgotten first)."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(table).where(
                    table.c.principal == principal,
                    table.c.key == key,
                    table.c.created_ts < time.time() - RETENTION_SECONDS,
                )
            )
            row = conn.execute(
                select(table).where(table.c.principal == principal, table.c.key == key)
            ).first()
        if row is None:
            return None
        return Recorded(row.fingerprint, row.status, row.body, row.etag, row.created_ts)

    def claim(self, principal: str, key: str, fingerprint: str) -> Recorded | None:
        """Claim the key; None when claimed now, else what is recorded under it."""
        if self.lookup(principal, key) is None:
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(table), [_row(principal, key, fingerprint, time.time())])
                return None
            except IntegrityError:
                pass
        found = self.lookup(principal, key)
        if found is None:  # released in between: the caller may simply retry
            return Recorded(fingerprint, 0, "", None, time.time())
        if found.status == 0 and time.time() - found.created_ts > CLAIM_STALE_SECONDS:
            # Its request died with its process (kill -9): nothing will ever answer it.
            with self.engine.begin() as conn:
                taken = conn.execute(
                    update(table)
                    .where(
                        table.c.principal == principal,
                        table.c.key == key,
                        table.c.status == 0,
                        table.c.created_ts == found.created_ts,
                    )
                    .values(fingerprint=fingerprint, created_ts=time.time())
                )
            if taken.rowcount == 1:
                return None
        return found

    def record(self, principal: str, key: str, status: int, body: str, etag: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(table)
                .where(table.c.principal == principal, table.c.key == key)
                .values(status=status, body=body, etag=etag)
            )

    def record_new(
        self, pending: PendingKey, status: int, body: str, etag: str | None
    ) -> Recorded | None:
        """Record an answer whose request wrote no step; None if recorded now, else what
        another copy of the request recorded first."""
        row = _row(pending.principal, pending.key, pending.fingerprint, time.time())
        row.update(status=status, body=body, etag=etag)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(table), [row])
            return None
        except IntegrityError:
            found = self.lookup(pending.principal, pending.key)
            return found or Recorded(pending.fingerprint, status, body, etag, time.time())

    def release(self, principal: str, key: str) -> None:
        """Forget a claim whose request failed unexpectedly, so a retry runs again."""
        with self.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.principal == principal, table.c.key == key))

    def purge(self, now: float | None = None) -> int:
        cutoff = (now or time.time()) - RETENTION_SECONDS
        with self.engine.begin() as conn:
            result = conn.execute(delete(table).where(table.c.created_ts < cutoff))
        return int(result.rowcount or 0)
