"""Benchmark `suitiao whatif` against one `suitiao audit` of the same million-event log.

    python bench/bench_whatif.py [--events 1000000] [--repeat 3] [--json OUT]

The log is bench/generate_log.py's (cached as bench_audit.py caches it). Each run is a fresh
interpreter calling api.cli.main in-process, JSON output to a file, so the times include the rule
pack, the calendars, parsing, checking and rendering:

- `audit`: `suitiao audit LOG --format json`, the baseline;
- `whatif --local`: a local agreement giving 委托 (simple procedure) cases 20 days;
- `whatif --calendar`: a 2026 schedule whose National Day holiday runs one day longer (every
  period in days has to be compared under two calendars: the harder case).

Target: each whatif at most 2.5x the audit's wall time, in the same run on the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from bench_audit import cached_log  # noqa: E402

TARGET_RATIO = 2.5

CHILD = r"""
import json, resource, sys, time
args = json.loads(sys.argv[1])
sys.path.insert(0, sys.argv[2])
import api.cli as cli
t0, c0 = time.perf_counter(), time.process_time()
code = cli.main(args)
print(json.dumps({"exit": code, "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

AGREEMENT = """name = "（基准测试）委托简易程序20日"
[[override]]
rule = "R17"
period = "mediation_simple"
days = 20
"""


def schedule_2026_longer_national_day(path: Path) -> None:
    """Today's 2026 schedule with 2026-10-09 added to the National Day block (made up)."""
    from standard_rules.schedules import official_schedules

    year = official_schedules()[2026]
    by_name: dict[str, list[date]] = {}
    for day, name in year.holidays.items():
        by_name.setdefault(name, []).append(day)
    by_name.setdefault("国庆节", []).append(date(2026, 10, 9))
    lines = ["year = 2026", 'source = "（基准测试，非真实通知）2026年安排，国庆多放一日"', ""]
    for name, days in sorted(by_name.items()):
        quoted = ", ".join(f'"{d}"' for d in sorted(set(days)))
        lines += ["[[holiday]]", f'name = "{name}"', f"dates = [{quoted}]", ""]
    for day, name in sorted(year.workdays.items()):
        if day != date(2026, 10, 10):
            lines += ["[[workday]]", f'date = "{day}"', f'name = "{name}"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def run_child(args: list[str], src: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", CHILD, json.dumps(args), str(src)],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (median reported)")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument("--src", type=Path, default=REPO)
    args = parser.parse_args(argv)

    log = cached_log(args.events, args.seed, False)
    print(f"log: {log} ({log.stat().st_size / 1e6:.0f} MB)")
    with tempfile.TemporaryDirectory() as tmp:
        agreement = Path(tmp) / "agreement.toml"
        agreement.write_text(AGREEMENT, encoding="utf-8")
        schedule = Path(tmp) / "cn-2026.toml"
        schedule_2026_longer_national_day(schedule)
        out = str(Path(tmp) / "out.json")
        modes = {
            "audit": ["audit", str(log), "--format", "json", "--output", out],
            "whatif --local": ["whatif", str(log), "--local", str(agreement)],
            "whatif --calendar": ["whatif", str(log), "--calendar", str(schedule)],
        }
        for name, command in modes.items():
            if name != "audit":
                command += ["--format", "json", "--output", out]
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in modes}
        for _ in range(args.repeat):  # interleaved, so a burst of load hits every mode alike
            for name, command in modes.items():
                runs[name].append(run_child(command, args.src))
                if name != "audit":
                    document = json.loads(Path(out).read_bytes())
                    runs[name][-1]["due_changes"] = len(document["due_changes"])
                    runs[name][-1]["appeared"] = len(document["appeared"])
                    runs[name][-1]["disappeared"] = len(document["disappeared"])
    base = statistics.median(r["wall"] for r in runs["audit"])
    base_cpu = statistics.median(r["cpu"] for r in runs["audit"])
    summary: dict[str, object] = {"log": str(log), "events": args.events}
    verdict = "PASS"
    for name, results in runs.items():
        wall = statistics.median(r["wall"] for r in results)
        cpu = statistics.median(r["cpu"] for r in results)
        rss = max(r["maxrss_mb"] for r in results)
        ratio = wall / base
        extra = ""
        if name != "audit":
            r0 = results[0]
            extra = (
                f"; {int(r0['due_changes']):,} due dates moved, +{int(r0['appeared'])} "
                f"-{int(r0['disappeared'])} findings; {ratio:.2f}x the audit "
                f"(CPU {cpu / base_cpu:.2f}x)"
            )
            if ratio > TARGET_RATIO:
                verdict = "MISS"
        walls = ", ".join(f"{r['wall']:.2f}" for r in results)
        print(
            f"{name}: wall {wall:.2f} s median of {len(results)} ({walls}), CPU {cpu:.2f} s, "
            f"peak RSS {rss:.0f} MB{extra}"
        )
        summary[name] = {
            "wall_s": [r["wall"] for r in results],
            "wall_median_s": wall,
            "cpu_median_s": cpu,
            "ratio": ratio,
            "peak_rss_mb": rss,
        }
    print(
        f"target: each whatif <= {TARGET_RATIO}x the audit: {verdict} "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    summary["verdict"] = verdict
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
