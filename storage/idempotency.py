"""Idempotency records: a POST retried with the same Idempotency-Key gets the first answer.

A key is claimed before the work starts (an INSERT on the primary key), so two copies of one
request arriving together cannot both run: the second sees the claim and is told to retry.
Records are scoped to the caller and kept for a day.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Column, Engine, Text, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel

RETENTION_SECONDS = 24 * 3600


class IdempotencyRow(SQLModel, table=True):
    __tablename__ = "idempotency"

    principal: str = Field(primary_key=True, max_length=120)
    key: str = Field(primary_key=True, max_length=255)
    fingerprint: str = Field(max_length=64)  # hash of method, path and body
    status: int = 0  # 0 while the first request is still running
    body: str = Field(sa_column=Column(Text, nullable=False, default=""))
    etag: str | None = Field(default=None, max_length=40)
    created_ts: float = Field(index=True)


@dataclass(frozen=True)
class Recorded:
    fingerprint: str
    status: int  # 0: in progress
    body: str
    etag: str | None


table = IdempotencyRow.__table__  # type: ignore[attr-defined]


class IdempotencyStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        SQLModel.metadata.create_all(engine, tables=[table])

    def claim(self, principal: str, key: str, fingerprint: str) -> Recorded | None:
        """Claim the key; None when claimed now, else what is recorded under it."""
        now = time.time()
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    delete(table).where(
                        table.c.principal == principal,
                        table.c.key == key,
                        table.c.created_ts < now - RETENTION_SECONDS,
                    )
                )
                conn.execute(
                    insert(table),
                    [
                        {
                            "principal": principal,
                            "key": key,
                            "fingerprint": fingerprint,
                            "status": 0,
                            "body": "",
                            "created_ts": now,
                        }
                    ],
                )
            return None
        except IntegrityError:
            pass
        with self.engine.connect() as conn:
            row = conn.execute(
                select(table).where(table.c.principal == principal, table.c.key == key)
            ).first()
        if row is None:  # released in between: the caller may simply retry
            return Recorded(fingerprint, 0, "", None)
        return Recorded(row.fingerprint, row.status, row.body, row.etag)

    def record(self, principal: str, key: str, status: int, body: str, etag: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(table)
                .where(table.c.principal == principal, table.c.key == key)
                .values(status=status, body=body, etag=etag)
            )

    def release(self, principal: str, key: str) -> None:
        """Forget a claim whose request failed unexpectedly, so a retry runs again."""
        with self.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.principal == principal, table.c.key == key))

    def purge(self, now: float | None = None) -> int:
        cutoff = (now or time.time()) - RETENTION_SECONDS
        with self.engine.begin() as conn:
            result = conn.execute(delete(table).where(table.c.created_ts < cutoff))
        return int(result.rowcount or 0)
