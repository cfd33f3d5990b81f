"""Reading an XES log with one large attribute: before and after the chunk growth (issue 15).

    python bench/bench_xes_attribute.py [--sizes 1,2,4,8,16,40] [--over 100] [--output FILE]

Each size S (MB) is a log of two events, the second with one attribute of S MB. Read with
standard_rules.xeslog.parse_xes, the whole file in a fresh temporary file:

- before: expat fed fixed 64 KiB chunks, as the reader did until issue 15 (the stream hands out
  at most 64 KiB whatever is asked, so the reader cannot grow its chunks). expat 2.5 rescans an
  open token from its start at every chunk: quadratic in the attribute;
- after: the reader as it is (chunks double while a token stays open): each byte is rescanned
  about twice, the cost of expat itself;
- floor: the whole file handed to expat in one call (no rescans at all): what expat 2.5.0 costs
  on its own, which is itself a little worse than linear in one huge attribute.

--over: a log whose attribute passes the 64 MiB bound, which is read up to the bound and
reported as an input error (after only; before, it would be read whole).
Seconds are CPU seconds of this process (the machine is shared, so wall clock would measure the
other users too), best of --repeat runs; "per MB" shows the growth: flat is linear.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from standard_rules.eventlog import InputError  # noqa: E402
from standard_rules.pack import default_pack  # noqa: E402
from standard_rules.xeslog import parse_xes  # noqa: E402

HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1849-2016"><trace>'
    b'<string key="concept:name" value="A-1"/>\n'
    b'<event><string key="concept:name" value="complaint_received"/>'
    b'<date key="time:timestamp" value="2026-01-05T09:00:00+08:00"/></event>\n'
    b'<event><string key="concept:name" value="complaint_accepted"/>'
    b'<date key="time:timestamp" value="2026-01-06T09:00:00+08:00"/><string key="note" value="'
)
TAIL = b'"/></event>\n</trace></log>\n'


class Whole:
    """A file that hands out everything at the first read: one Parse call."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle

    def read(self, _size: int = -1) -> bytes:
        return self.handle.read()


class FixedChunks:
    """A file that hands out at most 64 KiB per read, as the old reader asked for."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle

    def read(self, _size: int = -1) -> bytes:
        return self.handle.read(1 << 16)


def write_log(path: Path, megabytes: float) -> None:
    with path.open("wb") as out:
        out.write(HEAD)
        left = int(megabytes * 1_000_000)
        while left > 0:
            piece = min(left, 1 << 20)
            out.write(b"x" * piece)
            left -= piece
        out.write(TAIL)


def read(path: Path, how: str) -> tuple[float, int, int]:
    activities = default_pack().contract_activities
    with path.open("rb") as handle:
        stream = {"before": FixedChunks, "floor": Whole}.get(how, lambda h: h)(handle)
        start = time.process_time()
        items = list(parse_xes(stream, activities))  # type: ignore[arg-type]
        seconds = time.process_time() - start
    errors = sum(1 for i in items if isinstance(i, InputError))
    return seconds, len(items) - errors, errors


def best(path: Path, how: str, repeat: int) -> tuple[float, int, int]:
    runs = [read(path, how) for _ in range(repeat)]
    return min(runs)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1,2,4,8,16,40")
    parser.add_argument("--before-up-to", type=float, default=40.0)
    parser.add_argument("--over", type=float, default=100.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    sizes = [float(s) for s in args.sizes.split(",") if s]
    lines = [
        "| attribute | before (64 KiB chunks) | per MB | after (growing chunks) | per MB "
        "| floor (one call) | ratio before/after |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.xes"
        for size in sizes:
            write_log(path, size)
            after, events, errors = best(path, "after", args.repeat)
            assert (events, errors) == (2, 0), (events, errors)
            floor, _events, _errors = best(path, "floor", args.repeat)
            if size <= args.before_up_to:
                before, events, errors = best(path, "before", 1 if size > 8 else args.repeat)
                assert (events, errors) == (2, 0), (events, errors)
                cells = f"{before:.3f} s | {before / size * 1000:.1f} ms"
                ratio = f"{before / after:.0f}×"
            else:
                cells, ratio = "— | —", "—"
            per_mb = after / size * 1000
            lines.append(
                f"| {size:g} MB | {cells} | {after:.3f} s | {per_mb:.1f} ms | {floor:.3f} s "
                f"| {ratio} |"
            )
            print(lines[-1], flush=True)
        if args.over:
            write_log(path, args.over)
            after, events, errors = best(path, "after", 1)
            lines.append(
                f"| {args.over:g} MB (over the 64 MiB bound) | — | — | {after:.3f} s "
                f"({events} event, {errors} input error) | — | — | — |"
            )
            print(lines[-1], flush=True)
    table = "\n".join(lines) + "\n"
    print()
    print(table)
    if args.output:
        args.output.write_text(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
