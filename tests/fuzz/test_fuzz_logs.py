"""Fuzzing every log reader (JSONL, CSV, XES) and `suitiao audit` / `suitiao report`.

Properties: nothing crashes; every item read is an Event or an InputError with a line inside the
file; every non-blank JSONL line gives exactly one of the two; the commands exit 0, 1 (findings
or input errors) or 2 (an unknown format), never with an internal error; each example finishes
within 10 s. The size of the run is the hypothesis profile's: `ci` in make test (300 examples),
`deep` for long runs (HYPOTHESIS_PROFILE=deep, 5,000). Memory is bounded by
test_fuzz_bounds.py on inputs far larger than these.
"""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from api.cli import main
from api.log_input import UnknownFormat, log_format, read_log
from standard_rules.eventlog import Event, InputError
from standard_rules.pack import default_pack
from tests.fuzz.strategies import any_log, csv_logs, jsonl_logs, xes_logs

ACTIVITIES = default_pack().contract_activities
LAST_DAY = date.max.toordinal()
# No hang: an example over 10 s fails (hypothesis reports it as DeadlineExceeded).
bounded = settings(
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def read_all(document: bytes) -> tuple[str | None, list[Event | InputError]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log"
        path.write_bytes(document)
        try:
            fmt = log_format(path)
        except UnknownFormat:
            return None, []
        return fmt, list(read_log(path, fmt, ACTIVITIES, None, 0))


def check_items(document: bytes, items: list[Event | InputError]) -> None:
    lines = len(re.split(rb"\r\n|\r|\n", document))  # CSV and XML end lines at CR too
    for item in items:
        assert type(item) in (Event, InputError), item
        assert 1 <= item.line <= lines + 1, item
        if type(item) is Event:
            assert 1 <= item.day <= LAST_DAY
            assert item.activity in ACTIVITIES


@bounded
@given(jsonl_logs())
@example(b'{"case": "A", "activity": "referred", "at": "0001-01-01T00:00:00+23:59"}\n')
def test_jsonl_every_line_is_an_event_or_an_input_error(document: bytes) -> None:
    fmt, items = read_all(document)
    check_items(document, items)
    if fmt != "jsonl":
        return
    lines = [n for n, line in enumerate(document.split(b"\n"), start=1) if line.strip()]
    assert [item.line for item in items] == lines


@bounded
@given(csv_logs())
def test_csv_never_crashes_and_lines_only_go_forward(document: bytes) -> None:
    _fmt, items = read_all(document)
    check_items(document, items)
    lines = [item.line for item in items]
    assert lines == sorted(lines)


@bounded
@given(xes_logs())
@example(b'<?xml version="1.0" encoding="x-bogus"?>\n<log/>')
def test_xes_never_crashes(document: bytes) -> None:
    _fmt, items = read_all(document)
    check_items(document, items)


@bounded
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash_a_reader(document: bytes) -> None:
    _fmt, items = read_all(document)
    check_items(document, items)


@bounded
@given(
    any_log,
    st.sampled_from(["audit", "report"]),
    st.sampled_from(["text", "json", "markdown", "html", "xlsx"]),
    st.sampled_from([[], ["--by", "org,month"], ["--by", "year"], ["--from", "2026-01-01"]]),
)
def test_audit_and_report_exit_0_1_or_2_never_with_a_fault(
    document: bytes, command: str, fmt: str, options: list[str]
) -> None:
    if command == "audit" and options:
        options = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log"
        path.write_bytes(document)
        out = Path(folder) / "out"
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main([command, str(path), "--format", fmt, "--output", str(out), *options])
        assert "internal error" not in err.getvalue(), err.getvalue()
        assert "Traceback" not in err.getvalue(), err.getvalue()
        if code == 2:
            assert "unknown format" in err.getvalue(), err.getvalue()
        else:
            assert code in (0, 1)
            assert out.stat().st_size > 0
            if fmt in ("text", "markdown"):
                shown = out.read_text(encoding="utf-8")
                assert "\x1b" not in shown and "\r" not in shown
