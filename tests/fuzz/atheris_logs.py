"""Coverage-guided fuzzing of the log readers with atheris (libFuzzer), beside the hypothesis suite.

    python -m tests.fuzz.atheris_logs -max_total_time=60 [-artifact_prefix=DIR/] [CORPUS_DIR]

The first byte of each input picks the reader (told by content, JSONL, CSV or XES), the rest is
the log, read as `suitiao audit` reads a file (api.log_input.read_stream: bounded lines, calendar
range). A crash is any exception, or an item that is not an Event or an InputError with a line,
or an event dated outside the calendar. tests/fuzz/test_fuzz_atheris.py runs it for a bounded
time under make test and longer under HYPOTHESIS_PROFILE=deep.
"""

from __future__ import annotations

import io
import sys
from datetime import date

import atheris

with atheris.instrument_imports():
    from api.log_input import format_of, read_stream
    from standard_rules.eventlog import Event, InputError
    from standard_rules.pack import default_pack

ACTIVITIES = default_pack().contract_activities
FORMATS = ("auto", "jsonl", "csv", "xes")
LAST_DAY = date.max.toordinal()


def one_input(data: bytes) -> None:
    if not data:
        return
    choice, document = FORMATS[data[0] % len(FORMATS)], data[1:]
    handle = io.BytesIO(document)
    if choice == "auto":
        fmt = format_of(handle)
        if fmt is None:
            return
        handle.seek(0)
    else:
        fmt = choice  # type: ignore[assignment]
    for item in read_stream(handle, fmt, ACTIVITIES, source="fuzz"):  # type: ignore[arg-type]
        if type(item) is Event:
            if not 1 <= item.day <= LAST_DAY or item.activity not in ACTIVITIES or item.line < 1:
                raise AssertionError(f"bad event {item!r} at line {item.line}")
        elif type(item) is not InputError or item.line < 1:
            raise AssertionError(f"not an event or an input error with a line: {item!r}")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
