"""Case event logs (contract/EVENTS.md): parsing lines into events, reporting bad lines.

Pure: callers hand in lines (from a file, a socket, a database export); nothing here opens files.
A bad line becomes an InputError with its line number and the rest is still read.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

import orjson

from standard_rules.timezone import SHANGHAI_OFFSET_SECONDS

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})"
)
_DATE_PART = re.compile(r"\d{4}-\d{2}-\d{2}")
_UTC_2000 = datetime(2000, 1, 1, tzinfo=UTC)


def shanghai_day(ts: float) -> int:
    """The Asia/Shanghai date (as an ordinal) of a UTC timestamp: deadlines are reckoned there."""
    return int((ts + SHANGHAI_OFFSET_SECONDS) // 86400) + _EPOCH_ORDINAL


class Event:
    """One event of one case; `day` is its Asia/Shanghai date (ordinal), `seq` its file order."""

    __slots__ = (
        "activity",
        "at",
        "case",
        "data",
        "day",
        "line",
        "org",
        "role",
        "seq",
        "source",
        "ts",
    )

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
        org: str = "",
        role: str = "",
    ) -> None:
        self.case = case
        self.activity = activity
        self.at = at
        self.ts = ts
        self.day = int((ts + SHANGHAI_OFFSET_SECONDS) // 86400) + _EPOCH_ORDINAL
        self.data = data
        self.seq = seq
        self.line = line
        self.source = source
        self.org = org  # the organisation that acted (the statistics group by it)
        self.role = role  # "system" marks what the engine wrote when a period lapsed

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


def parse_datetime(text: object) -> datetime | None:
    """An RFC 3339 timestamp with offset as an aware datetime; None for anything else.

    RFC 3339 (5.6) lets "T" and "Z" be lower case and a space stand for "T"; Python's
    fromisoformat takes all but the lower-case "z", so that one is read as "Z".
    """
    if not isinstance(text, str) or not _RFC3339.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text[:-1] + "Z" if text[-1] == "z" else text)
    except ValueError:
        return None


# The common shapes, "2026-03-02T09:15:00+08:00" and "2026-03-02T01:15:00Z", are read from small
# tables instead of being parsed: the date (a log spans a few hundred), the hour and minute, the
# second, and the offset. Each table only holds pieces that the full reading accepts, with the
# value it gives, so the result is the same; anything else takes the full reading.
# Values are whole seconds held as floats, so their sum is the timestamp exactly (< 2**53).
_DAYS: dict[str, float | None] = {}  # "YYYY-MM-DD" -> seconds from the epoch to 00:00Z that day
_OFFSETS: dict[str, float | None] = {}  # "+08:00" / "Z" -> seconds to add to reach UTC
_HOURS_MINUTES = {f"{h:02d}:{m:02d}": h * 3600.0 + m * 60.0 for h in range(24) for m in range(60)}
_SECONDS = {f":{s:02d}": float(s) for s in range(60)}
_CACHE_LIMIT = 100_000


def _day_seconds(text: str) -> float | None:
    try:
        return _DAYS[text]
    except KeyError:
        pass
    value: float | None = None
    if _DATE_PART.fullmatch(text):
        try:
            value = (date.fromisoformat(text).toordinal() - _EPOCH_ORDINAL) * 86400.0
        except ValueError:
            value = None
    if len(_DAYS) < _CACHE_LIMIT:
        _DAYS[text] = value
    return value


def _offset_seconds(text: str) -> float | None:
    try:
        return _OFFSETS[text]
    except KeyError:
        pass
    moment = parse_datetime("2000-01-01T00:00:00" + text)
    value = None if moment is None else float((moment - _UTC_2000).total_seconds())
    if len(_OFFSETS) < _CACHE_LIMIT:
        _OFFSETS[text] = value
    return value


def parse_timestamp(text: object) -> float | None:
    """Seconds since the epoch for an RFC 3339 timestamp with offset; None for anything else."""
    if type(text) is str and (len(text) == 25 or len(text) == 20) and text[10] in "Tt ":
        # The pieces cover the whole text: date, separator, hh:mm, :ss, offset.
        day = _day_seconds(text[:10])
        clock = _HOURS_MINUTES.get(text[11:16])
        second = _SECONDS.get(text[16:19])
        offset = _offset_seconds(text[19:])
        if day is not None and clock is not None and second is not None and offset is not None:
            return day + clock + second + offset
    moment = parse_datetime(text)
    return None if moment is None else moment.timestamp()


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
    org = record.get("org")
    role = record.get("role")
    return Event(
        case,
        activity,
        str(at),
        ts,
        data,
        seq,
        line,
        source,
        org if type(org) is str else "",
        role if type(role) is str else "",
    )


_CHUNK = 32768  # lines read per batch
_INTERNED_CASES = 200_000  # case ids shared between events; the table starts over past this


def parse_jsonl(
    lines: Iterable[bytes | str], activities: frozenset[str], source: str = "", first_seq: int = 0
) -> Iterator[Event | InputError]:
    """Yield an Event or an InputError per non-blank line (line numbers start at 1).

    Lines are taken some tens of thousands at a time and each batch is parsed in one call (see
    _parse_batch): a million-line log is read at about 300,000 lines a second. A caller reading
    from a socket therefore sees events in batches, not line by line.
    """
    seq = first_seq
    number = 0
    source_lines = iter(lines)
    # One string object per activity code and per case id, shared by all their events: less
    # memory, and the audit's look-ups by case and by activity find the hash already computed.
    codes = {code: code for code in activities}
    case_ids: dict[str, str] = {}
    while True:
        batch = list(islice(source_lines, _CHUNK))
        if not batch:
            return
        if len(case_ids) > _INTERNED_CASES:
            case_ids.clear()  # a streamed audit keeps memory flat: forget long-finished cases
        out: list[Event | InputError] = []
        seq = _parse_batch(batch, number, seq, activities, codes, case_ids, source, out)
        number += len(batch)
        yield from out


def _parse_batch(
    batch: list[bytes | str],
    before: int,
    seq: int,
    activities: frozenset[str],
    codes: dict[str, str],
    case_ids: dict[str, str],
    source: str,
    out: list[Event | InputError],
) -> int:
    """Parse lines before+1 .. before+len(batch) into `out`; return the next event's seq.

    The cyclic garbage collector is paused for the batch (a few milliseconds): every Event is
    new and long-lived, so the collections it would run here find nothing to free, and on a
    million events they cost about a third of the parse. Nothing in here runs caller code.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        loads = orjson.loads
        decode_error = orjson.JSONDecodeError
        days = _DAYS
        offsets = _OFFSETS
        hours_minutes = _HOURS_MINUTES
        seconds = _SECONDS
        append = out.append
        for number, raw in enumerate(batch, start=before + 1):
            try:
                record = loads(raw)
            except decode_error as exc:
                # Blank lines and a byte-order mark on line 1 land here too: orjson rejects both.
                if not raw.strip():
                    continue
                if number != 1:
                    append(InputError(source, number, f"not valid JSON: {exc}"))
                    continue
                raw = (
                    raw.lstrip("\ufeff")
                    if isinstance(raw, str)
                    else raw.removeprefix(b"\xef\xbb\xbf")
                )
                try:
                    record = loads(raw)
                except decode_error as exc2:
                    append(InputError(source, number, f"not valid JSON: {exc2}"))
                    continue
            # The common case in a few checks; anything unusual takes the full validation.
            if type(record) is dict:
                case = record.get("case")
                activity = record.get("activity")
                at = record.get("at")
                data = record.get("data") or _EMPTY
                if (
                    type(case) is str
                    and case
                    and type(activity) is str
                    and (activity := codes.get(activity)) is not None
                    and type(at) is str
                    and type(data) is dict
                ):
                    # parse_timestamp(at), its common case inlined
                    day = days.get(at[:10])
                    clock = hours_minutes.get(at[11:16])
                    second = seconds.get(at[16:19])
                    offset = offsets.get(at[19:])
                    if (
                        day is not None
                        and clock is not None
                        and second is not None
                        and offset is not None
                        and at[10] in "Tt "  # the pieces then cover the whole text
                    ):
                        ts: float | None = day + clock + second + offset
                    else:
                        ts = parse_timestamp(at)
                    if ts is not None:
                        case = case_ids.setdefault(case, case)
                        org = record.get("org")
                        if type(org) is not str:
                            org = ""
                        role = record.get("role")
                        if type(role) is not str:
                            role = ""
                        append(Event(case, activity, at, ts, data, seq, number, source, org, role))
                        seq += 1
                        continue
            result = event_from_record(record, activities, seq, number, source)
            if isinstance(result, str):
                append(InputError(source, number, result))
            else:
                seq += 1
                append(result)
    finally:
        if paused:
            gc.enable()
    return seq


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
