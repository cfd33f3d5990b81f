"""Reminders before deadlines and escalation of overdue tasks, through an outbox.

`schedule` plans what the open cases call for and puts it in the outbox (at most once per key);
`dispatch` sends what is due through the channels, retrying failures with backoff.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from api.notify.channels import Channel
from api.notify.config import NotifyConfig
from api.notify.planner import plan
from engine.services import Engine
from storage.outbox import Outbox


@dataclass(frozen=True)
class Dispatched:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def schedule(engine: Engine, outbox: Outbox, config: NotifyConfig, now: datetime) -> int:
    """Plan the notifications of every open case; returns how many were new."""
    added, offset = 0, 0
    while True:
        batch = engine.open_cases(limit=500, offset=offset)
        if not batch:
            return added
        offset += len(batch)
        for view in batch:
            added += outbox.enqueue(plan(view, config, engine.calendar, now))


def backoff(config: NotifyConfig, attempts: int) -> timedelta:
    seconds = config.backoff_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config.backoff_cap_seconds))


def dispatch(
    outbox: Outbox,
    channels: Mapping[str, Channel],
    config: NotifyConfig,
    now: datetime,
    limit: int = 100,
) -> Dispatched:
    """Send the due notifications once each; a failure is retried later until attempts run out."""
    sent = retrying = failed = 0
    for item in outbox.claim(now, limit):
        n = item.notification
        channel = channels.get(n.channel)
        try:
            if channel is None:
                raise LookupError(f"channel {n.channel} is not configured")
            channel.send(n.recipient, str(n.payload["subject"]), str(n.payload["body"]))
        except Exception as exc:  # any failure of a channel is recorded, never lost
            error = f"{type(exc).__name__}: {exc}"
            if channel is None or item.attempts >= config.max_attempts:
                outbox.failed(item.id, error, retry_at=None)
                failed += 1
            else:
                outbox.failed(item.id, error, retry_at=now + backoff(config, item.attempts))
                retrying += 1
            continue
        outbox.sent(item.id, now)
        sent += 1
    return Dispatched(sent, retrying, failed)
