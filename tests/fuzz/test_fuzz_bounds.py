"""Memory stays bounded on inputs far larger than the bounds: one 24 MB line of JSONL or CSV, one
XES attribute larger than the element bound. Each is one input error at its line, the rest of the
log is read, and the memory Python allocates meanwhile (tracemalloc, which sees expat's buffers
too) stays a small multiple of the bound, not of the input."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from api.log_input import MAX_LINE, read_log
from standard_rules.eventlog import Event, InputError
from standard_rules.pack import default_pack
from standard_rules.xeslog import parse_xes

ACTIVITIES = default_pack().contract_activities
HUGE = 24_000_000
GOOD = '"case": "B-1", "activity": "complaint_received", "at": "2026-01-05T09:00:00+08:00"'


def peak_while(run: Iterator[Event | InputError]) -> tuple[list[Event | InputError], int]:
    tracemalloc.start()
    try:
        items = list(run)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return items, peak


def write_with_huge_line(path: Path, first: str, huge_prefix: str, last: str) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(first + "\n" + huge_prefix)
        for _ in range(HUGE // 1_000_000):
            out.write("x" * 1_000_000)
        out.write('"}\n' + last + "\n")


def test_a_jsonl_line_of_24_mb(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    write_with_huge_line(path, "{" + GOOD + "}", '{"case": "A-1", "note": "', "{" + GOOD + "}")
    items, peak = peak_while(read_log(path, "jsonl", ACTIVITIES, None, 0))
    assert [(type(i).__name__, i.line) for i in items] == [
        ("Event", 1),
        ("InputError", 2),
        ("Event", 3),
    ]
    assert peak < 4 * MAX_LINE


def test_a_csv_line_of_24_mb(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    row = "B-1,complaint_received,2026-01-05T09:00:00+08:00,"
    write_with_huge_line(path, "case,activity,at,data.note\n" + row, 'A-1,x,y,"', row)
    items, peak = peak_while(read_log(path, "csv", ACTIVITIES, None, 0))
    assert [(type(i).__name__, i.line) for i in items] == [
        ("Event", 2),
        ("InputError", 3),
        ("Event", 4),
    ]
    assert peak < 8 * MAX_LINE  # characters: up to 4 bytes each in a str


def test_an_xes_attribute_over_the_element_bound() -> None:
    bound = 4 << 20

    def chunks() -> Iterator[bytes]:
        yield (
            b'<?xml version="1.0"?>\n<log><trace><string key="concept:name" value="A-1"/>\n'
            b'<event><string key="concept:name" value="complaint_received"/>'
            b'<date key="time:timestamp" value="2026-01-05T09:00:00+08:00"/></event>\n'
            b'<event><string key="note" value="'
        )
        for _ in range(HUGE // 1_000_000):
            yield b"x" * 1_000_000
        yield b'"/></event></trace></log>\n'

    items, peak = peak_while(parse_xes(chunks(), ACTIVITIES, max_element=bound))
    assert [(type(i).__name__, i.line) for i in items] == [("Event", 3), ("InputError", 4)]
    assert peak < 6 * bound
