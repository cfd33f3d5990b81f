"""Reading XES (IEEE 1849) event logs, mapped back as contract/EVENTS.md says (see xes.py).

Pure and streaming: callers hand in the bytes (a binary file object, or an iterable of byte
chunks); nothing here opens files. The document is fed to expat chunk by chunk, and the events of
a trace are yielded when the trace ends, so memory holds one trace at a time whatever the size of
the log. Every event carries the line of its `<event>` tag. A bad event (no activity, an unknown
one, a timestamp without offset) is an InputError at that line; XML that is not well formed stops
the reading there with an InputError at the line expat names, and what was read before is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any
from xml.parsers import expat

from standard_rules.eventlog import Event, InputError, event_from_record

# XES attribute keys of the contract's own fields (the rest of an event's attributes is `data`)
FIELD_OF_KEY: Mapping[str, str] = {
    "concept:name": "activity",
    "time:timestamp": "at",
    "org:resource": "actor",
    "org:role": "role",
    "org:group": "org",
}
_ATTRIBUTE_TAGS = frozenset({"string", "date", "int", "float", "boolean", "id"})
_CHUNK = 1 << 16
_Pending = tuple[int, dict[str, Any], dict[str, Any]]  # an event read: line, fields, data


def _typed(tag: str, value: str) -> Any:
    if tag == "int":
        try:
            return int(value)
        except ValueError:
            return value
    if tag == "float":
        try:
            return float(value)
        except ValueError:
            return value
    if tag == "boolean":
        return value.strip().lower() == "true"
    return value


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _Reader:
    """expat handlers: collect the events of the current trace, hand out finished traces."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.depth = 0
        self.trace_depth = -1  # depth of the open <trace>, -1 outside one
        self.event_depth = -1
        self.trace: dict[str, Any] = {}
        self.trace_line = 0
        self.events: list[_Pending] = []
        self.record: dict[str, Any] = {}
        self.data: dict[str, Any] = {}
        self.event_line = 0
        self.done: list[tuple[dict[str, Any], int, list[_Pending]]] = []
        self.stray: list[int] = []  # lines of events outside any trace

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        tag = _local(name)
        if tag == "trace" and self.trace_depth < 0:
            self.trace_depth = self.depth
            self.trace = {}
            self.trace_line = self.parser.CurrentLineNumber
            self.events = []
        elif tag == "event" and self.event_depth < 0:
            if self.trace_depth < 0:
                self.stray.append(self.parser.CurrentLineNumber)
            self.event_depth = self.depth
            self.record = {}
            self.data = {}
            self.event_line = self.parser.CurrentLineNumber
        elif tag in _ATTRIBUTE_TAGS:
            key = attrs.get("key")
            if key is None or "value" not in attrs:
                return
            value = _typed(tag, attrs["value"])
            if self.event_depth > 0 and self.depth == self.event_depth + 1:
                field = FIELD_OF_KEY.get(key)
                if field is None:
                    self.data[key] = value
                else:
                    self.record[field] = value
            elif self.event_depth < 0 and self.depth == self.trace_depth + 1 > 1:
                self.trace[key] = value

    def end(self, _name: str) -> None:
        if self.depth == self.event_depth:
            self.event_depth = -1
            if self.trace_depth > 0:
                self.events.append((self.event_line, self.record, self.data))
        elif self.depth == self.trace_depth:
            self.trace_depth = -1
            self.done.append((self.trace, self.trace_line, self.events))
            self.events = []
        self.depth -= 1


def _chunks(stream: IO[bytes] | Iterable[bytes]) -> Iterator[bytes]:
    read = getattr(stream, "read", None)
    if read is None:
        yield from stream
        return
    while chunk := read(_CHUNK):
        yield chunk


def parse_xes(
    stream: IO[bytes] | Iterable[bytes],
    activities: frozenset[str],
    source: str = "",
    first_seq: int = 0,
) -> Iterator[Event | InputError]:
    """Yield an Event or an InputError per `<event>`, trace by trace, in document order."""
    reader = _Reader(source)
    seq = first_seq
    codes = {code: code for code in activities}

    def drain() -> Iterator[Event | InputError]:
        nonlocal seq
        for line in reader.stray:
            yield InputError(source, line, "an <event> outside any <trace> has no case")
        reader.stray.clear()
        done, reader.done = reader.done, []
        for trace, trace_line, events in done:
            case = trace.get("concept:name")
            if not isinstance(case, str) or not case:
                yield InputError(
                    source,
                    trace_line,
                    f"trace without a string concept:name: its {len(events)} event(s) skipped",
                )
                continue
            for line, record, data in events:
                record["case"] = case
                if data:
                    record["data"] = data
                result = event_from_record(record, activities, seq, line, source)
                if isinstance(result, str):
                    if "activity" in result and "concept:name" not in result:
                        result = result.replace("'activity'", "'activity' (concept:name)")
                    yield InputError(source, line, result)
                    continue
                result.activity = codes[result.activity]
                seq += 1
                yield result

    first = True
    try:
        for chunk in _chunks(stream):
            if first:
                chunk = chunk.removeprefix(b"\xef\xbb\xbf")
                first = False
            reader.parser.Parse(chunk, False)
            yield from drain()
        reader.parser.Parse(b"", True)
    except expat.ExpatError as exc:
        yield from drain()
        # what was complete in an unfinished trace is still audited
        if reader.trace_depth > 0 and reader.events:
            reader.done.append((reader.trace, reader.trace_line, reader.events))
            reader.events = []
            yield from drain()
        yield InputError(
            source,
            exc.lineno,
            f"XES is not well-formed XML: {expat.ErrorString(exc.code)} (reading stopped here)",
        )
        return
    yield from drain()
