"""Case events as the engine writes them: the EVENTS.md record plus a per-case hash chain.

Each event's hash covers the previous hash and the event's canonical JSON, so deleting, editing
or reordering any stored event breaks every hash after it (suitiao verify finds where).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from standard_rules.timezone import SHANGHAI

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class CaseEvent:
    case: str
    seq: int  # 1-based position in the case
    activity: str
    at: datetime  # tz-aware
    actor: str | None = None
    role: str | None = None
    org: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS
    hash: str = ""

    @property
    def at_text(self) -> str:
        """RFC 3339 in Asia/Shanghai, as the event log contract shows times."""
        return self.at.astimezone(SHANGHAI).isoformat()

    def record(self) -> dict[str, Any]:
        """The contract/EVENTS.md line for this event."""
        rec: dict[str, Any] = {"case": self.case, "activity": self.activity, "at": self.at_text}
        for key in ("actor", "role", "org"):
            value = getattr(self, key)
            if value is not None:
                rec[key] = value
        if self.data:
            rec["data"] = dict(self.data)
        return rec


def event_hash(prev_hash: str, seq: int, record: Mapping[str, Any]) -> str:
    body = orjson.dumps({"seq": seq, **record}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


def chain(
    case: str,
    prev_hash: str,
    first_seq: int,
    drafts: Sequence[tuple[str, datetime, Mapping[str, Any], str | None, str | None, str | None]],
) -> list[CaseEvent]:
    """Seal drafts (activity, at, data, actor, role, org) into hashed events after prev_hash."""
    sealed = []
    for offset, (activity, at, data, actor, role, org) in enumerate(drafts):
        seq = first_seq + offset
        draft = CaseEvent(case, seq, activity, at, actor, role, org, dict(data))
        digest = event_hash(prev_hash, seq, draft.record())
        sealed.append(
            CaseEvent(case, seq, activity, at, actor, role, org, dict(data), prev_hash, digest)
        )
        prev_hash = digest
    return sealed


def verify_chain(events: Sequence[CaseEvent]) -> list[str]:
    """Problems found in one case's chain (empty when it verifies)."""
    problems = []
    prev = GENESIS
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            problems.append(f"{event.case}: event {event.seq} found where {expected_seq} belongs")
        if event.prev_hash != prev:
            problems.append(f"{event.case}: event {event.seq} does not follow the previous hash")
        if event_hash(event.prev_hash, event.seq, event.record()) != event.hash:
            problems.append(f"{event.case}: event {event.seq} ({event.activity}) was altered")
        prev = event.hash
    return problems
