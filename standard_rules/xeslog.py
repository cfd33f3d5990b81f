"""Reading XES (IEEE 1849) event logs, mapped back as contract/EVENTS.md says (see xes.py).

Pure and streaming: callers hand in the bytes (a binary file object, or an iterable of byte
chunks); nothing here opens files. The document is fed to expat chunk by chunk, and the events of
a trace are yielded when the trace ends, so memory holds one trace at a time whatever the size of
the log. Every event carries the line of its `<event>` tag. A bad event (no activity, an unknown
one, a timestamp without offset) is an InputError at that line; XML that is not well formed stops
the reading there with an InputError at the line expat names, and what was read before is kept.

Bounded: expat rescans a token (a tag with its attributes) from its start each time it is fed
more bytes, so a 40 MB attribute fed in 64 KiB chunks cost 20 s (quadratic). While a token stays
open the chunks double, which makes the rescans add up to twice the token (linear); a token over
`max_element` bytes (64 MiB) stops the reading with an InputError at its line. An encoding expat
does not know, a root element other than `<log>`, entity declarations (the "billion laughs")
and numbers no JSON log could hold (an int of 400 digits, inf) are input errors too. expat reads
no multi-byte encoding but UTF-8/16, so a log declaring GBK or GB18030 (as Chinese systems may
export) is decoded by Python and handed to expat as UTF-8, its lines unchanged.
"""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, NoReturn
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
_DECLARED = re.compile(rb"""\s*<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")
_EXPAT_READS = frozenset({"utf-8", "iso8859-1", "ascii"})  # and UTF-16: expat's own decoders
MAX_ELEMENT = 64 << 20  # bytes one tag (with its attributes) or one run of text may take
_INT64 = 1 << 63
# an event read: line, fields, data, and what is wrong with it ("" when nothing)
_Pending = tuple[int, dict[str, Any], dict[str, Any], str]


class _Stop(Exception):
    """Raised in a handler to end the reading; `_Reader.fatal` says why."""


class _OutOfRange(ValueError):
    """A number a JSON log could not hold either (JSONL is read by orjson: 64-bit ints, finite
    doubles); reading it would hand the report an int of hundreds of digits or an infinity."""


def _typed(tag: str, value: str) -> Any:
    if tag == "int":
        try:
            number = int(value)
        except ValueError:  # not digits, or past Python's 4,300-digit limit
            if value.strip().lstrip("+-").isdecimal():
                raise _OutOfRange(value) from None
            return value
        if -_INT64 <= number < _INT64:
            return number
        try:
            return float(number)  # as orjson reads a JSON integer past 64 bits
        except OverflowError:
            raise _OutOfRange(value) from None
    if tag == "float":
        try:
            real = float(value)
        except ValueError:
            return value
        if not math.isfinite(real):
            raise _OutOfRange(value)
        return real
    if tag == "boolean":
        return value.strip().lower() == "true"
    return value


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _Reader:
    """expat handlers: collect the events of the current trace, hand out finished traces."""

    def __init__(self, source: str, encoding: str | None = None) -> None:
        self.source = source
        self.parser = expat.ParserCreate(encoding)
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.EntityDeclHandler = self.entity
        self.calls = 0  # handler calls: the parser made progress when this moves
        self.fatal: tuple[int, str] | None = None  # what stopped the reading, at which line
        self.depth = 0
        self.trace_depth = -1  # depth of the open <trace>, -1 outside one
        self.event_depth = -1
        self.trace: dict[str, Any] = {}
        self.trace_line = 0
        self.events: list[_Pending] = []
        self.record: dict[str, Any] = {}
        self.data: dict[str, Any] = {}
        self.event_line = 0
        self.problem = ""
        self.done: list[tuple[dict[str, Any], int, list[_Pending]]] = []
        self.stray: list[int] = []  # lines of events outside any trace

    def stop(self, message: str) -> NoReturn:
        if self.fatal is None:
            self.fatal = (self.parser.CurrentLineNumber, message)
        raise _Stop  # expat passes a handler's exception out of Parse()

    def entity(self, name: str, *_rest: object) -> None:
        self.stop(f"XES declares the entity {name!r}: entity declarations are refused")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.calls += 1
        self.depth += 1
        tag = _local(name)
        if self.depth == 1 and tag != "log":
            self.stop(f"the root element is <{name[:80]}>, not <log>: this is not XES")
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
            self.problem = ""
            self.event_line = self.parser.CurrentLineNumber
        elif tag in _ATTRIBUTE_TAGS:
            key = attrs.get("key")
            if key is None or "value" not in attrs:
                return
            try:
                value = _typed(tag, attrs["value"])
            except _OutOfRange:
                if self.event_depth > 0 and not self.problem:
                    shown = attrs["value"][:20] + ("…" if len(attrs["value"]) > 20 else "")
                    self.problem = (
                        f"<{tag}> attribute {key[:80]!r} = {shown} ({len(attrs['value'])} "
                        "characters) is out of range for a number (64-bit integer or finite "
                        "double, as in JSON)"
                    )
                return
            if self.event_depth > 0 and self.depth == self.event_depth + 1:
                field = FIELD_OF_KEY.get(key)
                if field is None:
                    self.data[key] = value
                else:
                    self.record[field] = value
            elif self.event_depth < 0 and self.depth == self.trace_depth + 1 > 1:
                self.trace[key] = value

    def end(self, _name: str) -> None:
        self.calls += 1
        if self.depth == self.event_depth:
            self.event_depth = -1
            if self.trace_depth > 0:
                self.events.append((self.event_line, self.record, self.data, self.problem))
        elif self.depth == self.trace_depth:
            self.trace_depth = -1
            self.done.append((self.trace, self.trace_line, self.events))
            self.events = []
        self.depth -= 1


class _Feed:
    """Chunks for expat, sized by `want` (the reader doubles it while a token stays open)."""

    def __init__(self, stream: IO[bytes] | Iterable[bytes]) -> None:
        self.read = getattr(stream, "read", None)
        self.parts: Iterator[bytes] = iter(()) if self.read is not None else iter(stream)
        self.want = _CHUNK
        self.left = b""
        self.decoder: codecs.IncrementalDecoder | None = None
        self.peeked: bytes | None = None
        self.newlines = 0  # in the raw bytes handed out, for the line of a decoding error
        self.bad_line = 0
        self.failed: UnicodeDecodeError | None = None

    def next(self) -> bytes:
        """The next chunk, as UTF-8 when a decoder is set (UnicodeDecodeError on bad bytes)."""
        if self.failed is not None:
            raise self.failed
        if self.peeked is not None:
            raw, self.peeked = self.peeked, None
        else:
            raw = self._raw()
        if self.decoder is None:
            return raw
        try:
            text = self.decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            # Hand out what was good before the bad bytes; the next call raises.
            good = raw[: max(0, min(exc.start, len(raw)))]
            self.bad_line = self.newlines + good.count(b"\n") + 1
            self.failed = exc
            return good.decode(exc.encoding, errors="ignore").encode("utf-8") or self.next()
        self.newlines += raw.count(b"\n")
        return text.encode("utf-8")

    def _raw(self) -> bytes:
        if self.read is not None:
            chunk: bytes = self.read(self.want)
            return chunk
        pieces, size = [self.left], len(self.left)
        while size < self.want:
            part = next(self.parts, None)
            if part is None:
                break
            pieces.append(part)
            size += len(part)
        joined = b"".join(pieces)
        self.left = joined[self.want :]
        return joined[: self.want]

    def transcode(self) -> str | None:
        """Peek at the declaration; for an encoding only Python reads, decode from here on and
        return "UTF-8" for expat. None: expat reads the bytes as they are (or refuses them)."""
        self.peeked = self._raw()
        found = _DECLARED.match(self.peeked.removeprefix(b"\xef\xbb\xbf"))
        if found is None:
            return None
        try:
            name = codecs.lookup(found.group(1).decode("ascii")).name
        except LookupError:
            return None  # expat says so, as an input error
        if name in _EXPAT_READS or name.startswith("utf-16"):
            return None
        self.decoder = codecs.getincrementaldecoder(name)(errors="strict")
        return "UTF-8"


def parse_xes(
    stream: IO[bytes] | Iterable[bytes],
    activities: frozenset[str],
    source: str = "",
    first_seq: int = 0,
    max_element: int = MAX_ELEMENT,
) -> Iterator[Event | InputError]:
    """Yield an Event or an InputError per `<event>`, trace by trace, in document order."""
    feed = _Feed(stream)
    reader = _Reader(source, feed.transcode())
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
            for line, record, data, problem in events:
                if problem:
                    yield InputError(source, line, problem)
                    continue
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

    def stopped(line: int, message: str) -> Iterator[Event | InputError]:
        yield from drain()
        # what was complete in an unfinished trace is still audited
        if reader.trace_depth > 0 and reader.events:
            reader.done.append((reader.trace, reader.trace_line, reader.events))
            reader.events = []
            yield from drain()
        yield InputError(source, line, message)

    first = True
    pending = 0  # bytes fed since the parser last made progress
    try:
        while chunk := feed.next():
            if first:
                chunk = chunk.removeprefix(b"\xef\xbb\xbf")
                first = False
            calls = reader.calls
            reader.parser.Parse(chunk, False)
            if reader.fatal is not None:
                break
            if reader.calls == calls:
                pending += len(chunk)
                if pending > max_element:  # decoded chunks count as UTF-8: near enough
                    line = reader.parser.CurrentLineNumber
                    yield from stopped(
                        line,
                        f"an XES element or text larger than {max_element >> 20} MiB starts "
                        "here (reading stopped here)",
                    )
                    return
                # the open token's bytes stay within the bound: expat holds them all
                feed.want = min(feed.want * 2, max(max_element - pending + 1, _CHUNK))
            else:
                pending = 0
                feed.want = _CHUNK
            yield from drain()
        if reader.fatal is None:
            reader.parser.Parse(b"", True)
    except expat.ExpatError as exc:
        if reader.fatal is None:
            message = (
                f"XES is not well-formed XML: {expat.ErrorString(exc.code)} (reading stopped here)"
            )
            yield from stopped(exc.lineno, message)
            return
    except _Stop:
        pass
    except UnicodeDecodeError as exc:  # bytes that are not of the declared encoding
        message = f"XES is not valid {exc.encoding}: {exc.reason} (reading stopped here)"
        yield from stopped(feed.bad_line, message)
        return
    except ValueError as exc:  # pyexpat: "multi-byte encodings are not supported" (not decoded)
        yield from stopped(1, f"XES declares an encoding that cannot be read: {exc}")
        return
    except LookupError as exc:  # <?xml encoding="…"?> that neither expat nor Python knows
        yield from stopped(1, f"XES declares an encoding that cannot be read: {exc}")
        return
    if reader.fatal is not None:
        yield from stopped(*reader.fatal)
        return
    yield from drain()
