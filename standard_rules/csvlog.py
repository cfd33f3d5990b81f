"""CSV event logs (contract/EVENTS.md): the JSONL fields as columns, `data` as a JSON string.

Pure: callers hand in text lines (a file opened with newline="", a list, a socket); nothing here
opens files. Real exports come from spreadsheets with Chinese headers, so a header may name its
columns in English or in Chinese (COLUMN_NAMES, documented in README.md "Auditing logs"); the
`环节` column may hold the activity code or its Chinese name from the vocabulary. Columns named
`data.KEY` (or `数据.KEY`) become data keys; any other column is ignored.

A bad row becomes an InputError with its line number (the physical line where the row starts;
the header is line 1) and the rest is still read: a row the csv module cannot read (a field over
its 128 KiB limit) too, and a row holding a line the caller cut for its length (`overlong`).
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any

import orjson

from standard_rules.eventlog import Event, InputError, event_from_record

# header text (stripped, case-insensitive for English) -> field of contract/EVENTS.md
COLUMN_NAMES: Mapping[str, str] = {
    "case": "case",
    "案号": "case",
    "案件编号": "case",
    "案件号": "case",
    "activity": "activity",
    "环节": "activity",
    "活动": "activity",
    "事件": "activity",
    "at": "at",
    "时间": "at",
    "发生时间": "at",
    "actor": "actor",
    "经办人": "actor",
    "承办人": "actor",
    "role": "role",
    "角色": "role",
    "org": "org",
    "机构": "org",
    "单位": "org",
    "组织": "org",
    "data": "data",
    "数据": "data",
}
REQUIRED = ("case", "activity", "at")
_DATA_PREFIXES = ("data.", "数据.")


def header_fields(row: Iterable[str]) -> list[str | None]:
    """The field each header cell names (None: ignored column); `data.KEY` → "data.KEY"."""
    fields: list[str | None] = []
    for cell in row:
        name = cell.strip().lstrip("\ufeff").strip()
        field = COLUMN_NAMES.get(name) or COLUMN_NAMES.get(name.lower())
        if field is None:
            for prefix in _DATA_PREFIXES:
                if name.lower().startswith(prefix) and len(name) > len(prefix):
                    field = "data." + name[len(prefix) :]
        fields.append(field)
    return fields


def is_csv_header(line: str) -> bool:
    """Whether a first line is a CSV header naming the required columns (English or Chinese)."""
    try:
        row = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return False
    fields = set(header_fields(row))
    return all(name in fields for name in REQUIRED)


def _cell_value(text: str) -> Any:
    """A `data.KEY` cell: JSON numbers, booleans and null as such, anything else as text."""
    stripped = text.strip()
    if stripped and (stripped[0] in "-0123456789" or stripped in ("true", "false", "null")):
        try:
            return orjson.loads(stripped)
        except orjson.JSONDecodeError:
            return text
    return text


class _Lines:
    """Counts the physical lines the csv reader takes, so a row knows where it started."""

    __slots__ = ("count", "lines")

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = iter(lines)
        self.count = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.count += 1
        return line


def parse_csv(
    lines: Iterable[str],
    activities: frozenset[str],
    source: str = "",
    first_seq: int = 0,
    labels: Mapping[str, str] | None = None,
    overlong: Collection[int] = (),
) -> Iterator[Event | InputError]:
    """Yield an Event or an InputError per data row; `labels` maps Chinese names to codes.

    `lines` are text lines as a file opened with newline="" gives them (CRLF kept, so a quoted
    field may span lines); a byte-order mark on the first line is ignored. `overlong`: numbers
    of the lines the caller shortened because they were too long (their rows are input errors).
    """
    counted = _Lines(lines)
    reader = csv.reader(counted)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        yield InputError(source, 1, f"CSV header could not be read: {exc}")
        return
    fields = header_fields(header)
    missing = [name for name in REQUIRED if name not in fields]
    if missing:
        yield InputError(
            source,
            1,
            f"CSV header lacks the column(s) {', '.join(missing)} "
            "(case/案号, activity/环节, at/时间)",
        )
        return
    names = labels or {}
    codes = {code: code for code in activities}
    case_ids: dict[str, str] = {}
    seq = first_seq
    width = len(fields)
    while True:
        start = counted.count + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The reader starts afresh on the next line: one bad row, not the end of the audit.
            yield InputError(source, start, f"CSV row could not be read: {exc} (row skipped)")
            continue
        if overlong and any(n in overlong for n in range(start, counted.count + 1)):
            yield InputError(source, start, "CSV row holds a line too long to read (row skipped)")
            continue
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line
        if len(row) > width:
            yield InputError(source, start, f"{len(row)} cells in a row of {width} columns")
            continue
        record: dict[str, Any] = {}
        data: dict[str, Any] = {}
        problem = ""
        for field, cell in zip(fields, row, strict=False):
            if field is None or cell == "":
                continue
            if field == "data":
                try:
                    value = orjson.loads(cell)
                except orjson.JSONDecodeError as exc:
                    problem = f"column data is not valid JSON: {exc}"
                    break
                if not isinstance(value, dict):
                    problem = "column data must hold a JSON object"
                    break
                data = {**value, **data}
            elif field.startswith("data."):
                data[field[5:]] = _cell_value(cell)
            else:
                record[field] = cell.strip()
        if problem:
            yield InputError(source, start, problem)
            continue
        activity = record.get("activity")
        if isinstance(activity, str) and activity not in codes:
            record["activity"] = names.get(activity, activity)
        if data:
            record["data"] = data
        result = event_from_record(record, activities, seq, start, source)
        if isinstance(result, str):
            yield InputError(source, start, result)
            continue
        if len(case_ids) > 200_000:
            case_ids.clear()  # memory stays flat on a streamed audit
        result.case = case_ids.setdefault(result.case, result.case)
        result.activity = codes[result.activity]
        seq += 1
        yield result
