"""Opening the auditor's log files: format by content, streaming parse, a progress bar.

The parsers in standard_rules (eventlog, csvlog, xeslog) are pure; this module opens the files,
tells their format from their first bytes (standard_rules.logformat), and runs the audit:
streamed case by case when every case's events are contiguous (audit_streamed), or, when a case
comes back later in the logs, read again and grouped in memory (audit). A progress bar goes to
standard error only when it is a terminal.

Every input is bounded: a line of JSONL or CSV longer than MAX_LINE is skipped without being
held in memory and reported as an input error at its line (XES elements are bounded in
standard_rules/xeslog.py), and an event whose Asia/Shanghai date falls outside the years 1–9999
(a year-1 or year-9999 timestamp pushed over the edge by its offset) is an input error too.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from standard_rules.audit import AuditResult, audit, audit_streamed, group_cases
from standard_rules.csvlog import parse_csv
from standard_rules.eventlog import Event, InputError, parse_jsonl
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.logformat import LogFormat, detect_format, prolog_only
from standard_rules.pack import RulePack


class UnknownFormat(Exception):
    """A file that is none of JSONL, CSV (with a known header) or XES."""


def activity_labels(pack: RulePack) -> dict[str, str]:
    """Chinese activity names (the vocabulary's 中文 column) → codes, for CSV exports."""
    return {a.zh: code for code, a in pack.activities.items() if a.contract and a.zh}


HEAD = 8192
MAX_PROLOG = 1 << 20  # an XML declaration, comments and DOCTYPE before <log>: read this far


def format_of(handle: IO[bytes]) -> LogFormat | None:
    """The format of an open log from its first bytes (None: unknown); reads from the start."""
    head = handle.read(HEAD)
    # An XES export may open with long comments; read on (doubling) until the root shows.
    while prolog_only(head) and len(head) < MAX_PROLOG:
        more = handle.read(len(head))
        if not more:
            break
        head += more
    return detect_format(head)


def log_format(path: Path) -> LogFormat:
    with path.open("rb") as handle:
        found = format_of(handle)
    if found is None:
        raise UnknownFormat(
            f"{path}: unknown format (expected JSON Lines, CSV with a header naming "
            "case/案号, activity/环节 and at/时间, or XES)"
        )
    return found


class Progress:
    """A one-line bar on standard error, redrawn at most ten times a second; off unless a TTY."""

    def __init__(self, total: int, label: str, stream: IO[str] | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty() and total > 0
        self.total = total
        self.label = label
        self.started = time.monotonic()
        self.drawn = 0.0

    def update(self, done: int) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.drawn < 0.1:
            return
        self.drawn = now
        share = min(1.0, done / self.total)
        width = 30
        filled = int(share * width)
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {share:5.1%} "
            f"{done / 1e6:,.1f}/{self.total / 1e6:,.1f} MB {now - self.started:4.0f} s"
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.drawn:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()


MAX_LINE = 1 << 20  # bytes of a JSONL line, characters of a CSV line
_LAST_DAY = date.max.toordinal()
_SKIP = 1 << 16


def bounded_lines(
    readline: Callable[[int], Any], limit: int, overlong: set[int], placeholder: Any
) -> Iterator[Any]:
    """The lines `readline` gives, each at most `limit` long: a longer one is read through in
    small pieces, never held whole, its number added to `overlong`, and `placeholder` given in
    its place so that the line numbers of the rest stay right."""
    number = 0
    while line := readline(limit + 1):
        number += 1
        if len(line) > limit and line[-1:] not in ("\n", b"\n", "\r"):
            while (rest := readline(_SKIP)) and rest[-1:] not in ("\n", b"\n", "\r"):
                pass
            overlong.add(number)
            line = placeholder
        yield line


def _too_long(item: InputError, overlong: set[int]) -> InputError:
    if item.line in overlong:
        message = f"line longer than {MAX_LINE >> 20} MiB: not read (the rest is read)"
        return InputError(item.file, item.line, message)
    return item


def _in_calendar(item: Event | InputError) -> Event | InputError:
    if type(item) is Event and not 1 <= item.day <= _LAST_DAY:
        message = f"timestamp {item.at!r} falls outside the years 1–9999 in Asia/Shanghai"
        return InputError(item.source, item.line, message)
    return item


def read_log(
    path: Path,
    fmt: LogFormat,
    activities: frozenset[str],
    labels: dict[str, str] | None,
    first_seq: int,
    on_bytes: Progress | None = None,
    done_before: int = 0,
) -> Iterator[Event | InputError]:
    """The events and input errors of one file, streamed; `labels`: Chinese activity names."""
    with path.open("rb") as handle:
        items = read_stream(handle, fmt, activities, labels, first_seq, str(path))
        if on_bytes is None or not on_bytes.enabled:
            yield from items
            return
        for n, item in enumerate(items):
            if n & 4095 == 0:
                on_bytes.update(done_before + handle.tell())
            yield item


def read_stream(
    handle: IO[bytes],
    fmt: LogFormat,
    activities: frozenset[str],
    labels: dict[str, str] | None = None,
    first_seq: int = 0,
    source: str = "",
) -> Iterator[Event | InputError]:
    """The events and input errors of an open binary log (read from where it stands), bounded."""
    overlong: set[int] = set()
    items: Iterator[Event | InputError]
    if fmt == "jsonl":
        lines = bounded_lines(handle.readline, MAX_LINE, overlong, b"\x00\n")
        items = parse_jsonl(lines, activities, source=source, first_seq=first_seq)
    elif fmt == "csv":
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="replace", newline="")
        rows = bounded_lines(text.readline, MAX_LINE, overlong, "\n")
        items = parse_csv(
            rows, activities, source=source, first_seq=first_seq, labels=labels,
            overlong=overlong,
        )  # fmt: skip
    else:
        from standard_rules.xeslog import parse_xes

        items = parse_xes(handle, activities, source=source, first_seq=first_seq)
    for item in items:
        if type(item) is InputError:
            yield _too_long(item, overlong) if overlong else item
        else:
            yield _in_calendar(item)


def read_logs(
    paths: Sequence[Path], formats: Sequence[LogFormat], pack: RulePack, progress: Progress | None
) -> Iterator[Event | InputError]:
    seq = 0
    done = 0
    activities, labels = pack.contract_activities, activity_labels(pack)
    for path, fmt in zip(paths, formats, strict=True):
        for item in read_log(path, fmt, activities, labels, seq, progress, done):
            if type(item) is Event:
                seq = item.seq + 1
            yield item
        done += path.stat().st_size


def run_audit(
    paths: Sequence[Path],
    pack: RulePack,
    calendar: LegalCalendar,
    as_of: datetime | None,
    stream: IO[str] | None = None,
) -> tuple[AuditResult, bool]:
    """Audit the logs; returns the result and whether it was streamed (contiguous cases)."""
    formats = [log_format(path) for path in paths]
    total = sum(path.stat().st_size for path in paths)
    progress = Progress(total, "审计 audit", stream)
    try:
        result = audit_streamed(read_logs(paths, formats, pack, progress), pack, calendar, as_of)
        if result is not None:
            return result, True
        progress = Progress(total, "审计 audit (按案件归组 grouping)", stream)
        items = list(read_logs(paths, formats, pack, progress))
        return audit(items, pack, calendar, as_of), False
    finally:
        progress.close()


def load_cases(
    paths: Sequence[Path], pack: RulePack, stream: IO[str] | None = None
) -> tuple[list[Event | InputError], dict[str, list[Event]]]:
    """Every item of the logs, and the events grouped by case (in memory), for `report`."""
    formats = [log_format(path) for path in paths]
    progress = Progress(sum(path.stat().st_size for path in paths), "读取 reading", stream)
    try:
        items = list(read_logs(paths, formats, pack, progress))
    finally:
        progress.close()
    return items, group_cases(item for item in items if type(item) is Event)
