"""Idempotency records on a real SQLite file: a claim whose request died is taken over."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import update

from storage.idempotency import CLAIM_STALE_SECONDS, IdempotencyStore, table
from storage.sql import make_engine


def test_a_claim_left_by_a_dead_request_is_taken_over_after_a_while(tmp_path: Path) -> None:
    store = IdempotencyStore(make_engine(f"sqlite:///{tmp_path / 'i.db'}"))
    assert store.claim("admin", "k1", "f") is None
    held = store.claim("admin", "k1", "f")
    assert held is not None and held.status == 0  # still running: the retry must wait
    with store.engine.begin() as conn:  # as if claimed long ago by a process since killed
        old = time.time() - CLAIM_STALE_SECONDS - 1
        conn.execute(update(table).values(created_ts=old))
    assert store.claim("admin", "k1", "f") is None  # taken over: the retry runs
    assert store.claim("admin", "k1", "f") is not None  # and holds it in turn
    store.record("admin", "k1", 201, "{}", None)
    with store.engine.begin() as conn:
        conn.execute(update(table).values(created_ts=time.time() - CLAIM_STALE_SECONDS - 1))
    answered = store.claim("admin", "k1", "f")
    assert answered is not None and answered.status == 201  # an answer is never taken over
