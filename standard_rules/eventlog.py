"""Case event logs (contract/EVENTS.md): parsing lines into events, reporting bad lines.

Pure: callers hand in lines (from a file, a socket, a database export); nothing here opens files.
A bad line becomes an InputError with its line number and the rest is still read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson

SHANGHAI_OFFSET_SECONDS = 8 * 3600  # Asia/Shanghai has had no DST since 1991
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})"
)


def shanghai_day(ts: float) -> int:
    """The Asia/Shanghai date (as an ordinal) of a UTC timestamp: deadlines are reckoned there."""
    return int((ts + SHANGHAI_OFFSET_SECONDS) // 86400) + _EPOCH_ORDINAL


class Event:
    """One event of one case; `day` is its Asia/Shanghai date (ordinal), `seq` its file order."""

    __slots__ = ("activity", "at", "case", "data", "day", "line", "seq", "source", "ts")

    def __init__(
        self,
        case: str,
        activity: str,
        at: str,
        ts: float,
        data: Mapping[str, Any],
        seq: int,
        line: int = 0,
        source: str = "",
    ) -> None:
        self.case = case
        self.activity = activity
        self.at = at
        self.ts = ts
        self.day = shanghai_day(ts)
        self.data = data
        self.seq = seq
        self.line = line
        self.source = source

    @property
    def date(self) -> date:
        return date.fromordinal(self.day)

    def __repr__(self) -> str:
        return f"Event({self.case!r}, {self.activity!r}, {self.at!r})"


@dataclass(frozen=True, slots=True)
class InputError:
    file: str
    line: int
    message: str


_EMPTY: Mapping[str, Any] = {}


def parse_timestamp(text: object) -> float | None:
    """Seconds since the epoch for an RFC 3339 timestamp with offset; None for anything else."""
    if not isinstance(text, str) or not _RFC3339.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def event_from_record(
    record: object, activities: frozenset[str], seq: int, line: int, source: str
) -> Event | str:
    """Validate one decoded record; return the Event, or a message saying what is wrong."""
    if not isinstance(record, dict):
        return "a line must be a JSON object"
    case = record.get("case")
    if not isinstance(case, str) or not case:
        return "missing required field 'case'"
    activity = record.get("activity")
    if not isinstance(activity, str) or not activity:
        return "missing required field 'activity'"
    if activity not in activities:
        return f"unknown activity {activity!r}"
    at = record.get("at")
    if at is None:
        return "missing required field 'at'"
    ts = parse_timestamp(at)
    if ts is None:
        return f"timestamp {at!r} is not RFC 3339 with an offset (e.g. 2026-03-02T09:15:00+08:00)"
    data = record.get("data") or _EMPTY
    if not isinstance(data, dict):
        return "field 'data' must be a JSON object"
    return Event(case, activity, str(at), ts, data, seq, line, source)


def parse_jsonl(
    lines: Iterable[bytes | str], activities: frozenset[str], source: str = "", first_seq: int = 0
) -> Iterator[Event | InputError]:
    """Yield an Event or an InputError per non-blank line (line numbers start at 1)."""
    seq = first_seq
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        if number == 1:
            raw = (
                raw.lstrip("\ufeff") if isinstance(raw, str) else raw.removeprefix(b"\xef\xbb\xbf")
            )
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            yield InputError(source, number, f"not valid JSON: {exc}")
            continue
        result = event_from_record(record, activities, seq, number, source)
        if isinstance(result, str):
            yield InputError(source, number, result)
        else:
            seq += 1
            yield result


def event_to_record(event: Event) -> dict[str, Any]:
    record: dict[str, Any] = {"case": event.case, "activity": event.activity, "at": event.at}
    if event.data:
        record["data"] = dict(event.data)
    return record


def parse_date(value: object) -> int | None:
    """An ISO date (or the date part of a timestamp) as an ordinal; None when it is not one."""
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10]).toordinal()
        except ValueError:
            return None
    return None
