"""Which part of the read model costs a durable step what: each part's marginal cost, measured
paired (as bench_read_model.py): two stores in one process, each step of each case run on the
store writing the whole read model and on one writing all of it but that part, back to back, the
order alternating, each step timed on its own. Medians over rounds of the ratio of step times.

Parts: the waiting-task rows, the search terms, the findings (the re-audit of the case and its
finding rows, not their counts), the counters (finding counts, open deadlines by day, statistics
counters) and the figure tallies. Workload: bench/engine_fixtures.py's pre-filing path, N cases
× 8 steps interleaved, SQLite WAL, anchors on.

    .venv/bin/python bench/bench_step_cost.py [--cases 150] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine_fixtures as fx

import storage.sql
from storage.integrity import Anchors
from storage.sql import SqlCaseStore

# The functions storage.sql calls for each part, and what each returns when switched off.
PARTS: dict[str, dict[str, Callable[[], Any]]] = {
    "waiting tasks": {"task_rows": list, "_STEP_DELETE_TASKS": lambda: None},
    "search terms": {"write_terms": lambda: None},
    "findings": {"write_audited": dict},
    "counters": {"move_counts": lambda: None, "move_due": lambda: None},
    "statistics counters": {"move_counters": lambda: None},
    "figure tallies": {"move_tallies": lambda: None},
}
_off = {"now": False}  # whether the step under way is the one without the part


class _GatedStatement:
    """A DriverStatement that runs only while the part is on."""

    def __init__(self, statement: Any) -> None:
        self.statement = statement

    def one(self, *args: Any) -> None:
        if not _off["now"]:
            self.statement.one(*args)


def _gate(name: str, when_off: Callable[[], Any]) -> Callable[[], None]:
    """Make storage.sql's `name` skip itself while `_off` says so; returns the undo."""
    original = getattr(storage.sql, name)

    def gated(*args: Any, **kwargs: Any) -> Any:
        return when_off() if _off["now"] else original(*args, **kwargs)

    replacement = gated if callable(original) else _GatedStatement(original)
    setattr(storage.sql, name, replacement)
    return lambda: setattr(storage.sql, name, original)


def _engine(path: Path) -> Any:
    store = SqlCaseStore.from_url(fx.sqlite_url(path), Anchors("bench-secret-" + "x" * 40))
    return fx.make_engine(store, fx.FakeClock(fx.T0)), store


def marginal(part: str, cases: int, folder: Path) -> float:
    """Step time with the whole read model over step time without `part`."""
    undo = [_gate(name, off) for name, off in PARTS[part].items()]
    try:
        engines = {off: _engine(folder / f"{part}-{int(off)}.db") for off in (False, True)}
        ids = [f"B-{n:05d}" for n in range(cases)]
        for case_id in ids:
            for off, (engine, _store) in engines.items():
                _off["now"] = off
                fx.open_case(engine, case_id)
        spent = dict.fromkeys(engines, 0.0)
        for k in range(len(fx.PATH)):
            for n, case_id in enumerate(ids):
                for off in (False, True) if n % 2 == 0 else (True, False):
                    _off["now"] = off
                    started = time.perf_counter()
                    fx.do_step(engines[off][0], case_id, k)
                    spent[off] += time.perf_counter() - started
        for _, store in engines.values():
            store.engine.dispose()
        return spent[False] / spent[True]
    finally:
        _off["now"] = False
        for step in undo:
            step()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{args.cases} cases x {len(fx.PATH)} steps, {args.rounds} rounds, paired")
    print("| part of the read model | its cost: step time with it / without it (median; rounds) |")
    print("| --- | --- |")
    with tempfile.TemporaryDirectory(prefix="suitiao-step-cost-") as d:
        for part in PARTS:
            ratios = []
            for r in range(args.rounds):
                folder = Path(d) / f"{r}"
                folder.mkdir(exist_ok=True)
                ratios.append(marginal(part, args.cases, folder))
            listed = ", ".join(f"{x:.3f}" for x in ratios)
            print(f"| {part} | {100 * (statistics.median(ratios) - 1):+.1f} % ({listed}) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
