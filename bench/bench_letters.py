"""Time to produce each letter from a case, as a clerk waits for it on the case page.

    python bench/bench_letters.py [--repeat N] [--quick]

Plays the realistic cases of tests/integration/documents/cases.py (a 委派 to agreement, a 委托
that fails, a complaint supported in court) on SQLite and renders each of the eight letters as
PDF and as Word N times, printing a markdown table of the median and worst time per letter.
The font is registered once per process, while the cases are played. Target: a
letter in < 500 ms (median), so producing it from the page feels immediate.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable as a plain script from a checkout
    sys.path.insert(0, str(ROOT))

TARGET_MS = 500.0


def main() -> int:
    from api.documents import render
    from api.documents.fonts import cjk_font
    from tests.integration.documents.cases import COURT_CONTACT, PLAYS

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeat = 3 if args.quick else args.repeat
    folder = Path(tempfile.mkdtemp(prefix="bench-letters-"))
    played = {}
    for name, play in PLAYS.items():
        (folder / name).mkdir()
        played[name] = play(folder / name)
    print(f"font: {cjk_font().name} (registered while the cases were played)\n")
    print("| letter | PDF median ms | PDF worst ms | Word median ms | Word worst ms | met |")
    print("| --- | --- | --- | --- | --- | --- |")
    worst_median = 0.0
    for p in played.values():
        engine, case_id = p.driver.engine, p.driver.case_id
        day = p.driver.clock.current.date()
        for kind, rendered in p.documents.items():
            extra = dict(COURT_CONTACT)
            if kind == "support_statement":
                extra["court_org"] = rendered.required["court_org"]
            times: dict[str, list[float]] = {"pdf": [], "docx": []}
            for fmt in times:
                for _ in range(repeat):
                    start = time.perf_counter()
                    render(engine, case_id, kind, fmt, extra or None, issued_on=day)
                    times[fmt].append((time.perf_counter() - start) * 1000)
            pdf, docx = times["pdf"], times["docx"]
            median = max(statistics.median(pdf), statistics.median(docx))
            worst_median = max(worst_median, median)
            print(
                f"| {kind} | {statistics.median(pdf):.0f} | {max(pdf):.0f} | "
                f"{statistics.median(docx):.0f} | {max(docx):.0f} | "
                f"{'yes' if median < TARGET_MS else 'no'} |"
            )
    print(f"\nslowest median {worst_median:.0f} ms (target < {TARGET_MS:.0f} ms)")
    return 0 if worst_median < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
