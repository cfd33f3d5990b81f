"""Benchmark `suitiao audit --format json` on a million-event log: wall time, events/s, peak RSS.

    python bench/bench_audit.py [--events 1000000] [--repeat 3] [--shuffle] [--json OUT]

The log comes from bench/generate_log.py (seeded, so every run audits the same bytes) and is
cached under /tmp/suitiao-bench/ (keyed by the generator's source, the seed and the size). Each
run is a fresh interpreter, so peak memory (getrusage ru_maxrss) is that of the audit alone:

- `cli`: api.cli.main(["audit", LOG, "--format", "json", "--output", FILE]) in-process: the very
  code path of the command (rule pack, calendar, parse, audit, rendering, writing).
- `phases`: the same steps one by one, timed separately (pack + calendar, parse, audit, render).

Targets on the 2-core reference machine: under 10 s and under 1 GB; stretch goal 5 s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = Path(os.environ.get("SUITIAO_BENCH_CACHE", tempfile.gettempdir())) / "suitiao-bench"
TARGET_S, STRETCH_S, TARGET_MB = 10.0, 5.0, 1024.0

# Runs in a fresh interpreter; prints one JSON object.
CHILD = r"""
import json, resource, sys, time
t_start = time.perf_counter()
mode, log, out, src = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
sys.path.insert(0, src)
from pathlib import Path
import api.cli as cli
from api.audit_output import to_json
from standard_rules.audit import audit
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import load_pack
t_imported = time.perf_counter()
cpu_imported = time.process_time()
phases = {}
if mode == "cli":
    code = cli.main(["audit", log, "--format", "json", "--output", out])
    t_end = time.perf_counter()
    document = json.loads(Path(out).read_bytes())
    events, findings, errors = document["events"], len(document["findings"]), len(
        document["input_errors"])
else:
    t0 = time.perf_counter()
    pack = load_pack()
    calendar = default_calendar()
    t1 = time.perf_counter()
    items = list(cli._read_log(Path(log), pack.contract_activities, 0))
    t2 = time.perf_counter()
    result = audit(items, pack, calendar, None)
    t3 = time.perf_counter()
    Path(out).write_bytes(to_json(result))
    t_end = time.perf_counter()
    phases = {"pack_calendar": t1 - t0, "parse": t2 - t1, "audit": t3 - t2, "render": t_end - t3}
    code = result.exit_code
    events, findings, errors = result.events, len(result.findings), len(result.input_errors)
print(json.dumps({
    "mode": mode, "exit": code, "events": events, "findings": findings, "input_errors": errors,
    "wall": t_end - t_imported, "cpu": time.process_time() - cpu_imported,
    "imports": t_imported - t_start, "phases": phases, "module": cli.__file__,
    "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def cached_log(events: int, seed: int, shuffle: bool) -> Path:
    source = (HERE / "generate_log.py").read_bytes()
    key = hashlib.sha256(source).hexdigest()[:10]
    path = CACHE / f"log-{events}-{seed}-{'shuffled' if shuffle else 'by-case'}-{key}.jsonl"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        command = [sys.executable, str(HERE / "generate_log.py"), str(partial)]
        command += ["--events", str(events), "--seed", str(seed)]
        if shuffle:
            command.append("--shuffle")
        print(f"generating {path} ...", file=sys.stderr)
        subprocess.run(command, check=True)  # noqa: S603 - our own script, fixed arguments
        partial.replace(path)
    return path


def run_child(mode: str, log: Path, src: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        env = {**os.environ, "PYTHONPATH": str(src)}
        done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "-c", CHILD, mode, str(log), str(out), str(src)],
            check=True,
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
        )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument("--shuffle", action="store_true", help="cases interleaved by time")
    parser.add_argument("--repeat", type=int, default=3, help="end-to-end runs (median reported)")
    parser.add_argument("--no-phases", action="store_true", help="skip the per-phase run")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument(
        "--src",
        type=Path,
        default=REPO,
        help="the source tree to benchmark (default: this one), e.g. a checkout of an older commit",
    )
    args = parser.parse_args(argv)

    log = cached_log(args.events, args.seed, args.shuffle)
    size_mb = log.stat().st_size / 1e6
    print(f"log: {log} ({size_mb:.0f} MB)")
    runs = [run_child("cli", log, args.src) for _ in range(args.repeat)]
    walls = [float(str(r["wall"])) for r in runs]
    cpus = [float(str(r["cpu"])) for r in runs]
    rss = max(float(str(r["maxrss_mb"])) for r in runs)
    first = runs[0]
    events = int(str(first["events"]))
    wall = statistics.median(walls)
    print(f"code: {first['module']}")
    print(
        f"suitiao audit --format json: {events:,} events, {first['findings']} findings, "
        f"{first['input_errors']} input errors, exit {first['exit']}"
    )
    print(
        f"  wall {wall:.2f} s median of {len(walls)} ({', '.join(f'{w:.2f}' for w in walls)}); "
        f"{events / wall:,.0f} events/s; peak RSS {rss:.0f} MB; "
        f"interpreter imports {float(str(first['imports'])):.2f} s (not counted)"
    )
    print(
        f"  CPU {statistics.median(cpus):.2f} s median (wall above CPU means other load on the "
        f"machine; load average {os.getloadavg()[0]:.1f})"
    )
    summary: dict[str, object] = {
        "log": str(log),
        "events": events,
        "findings": first["findings"],
        "wall_s": walls,
        "wall_median_s": wall,
        "cpu_s": cpus,
        "events_per_s": events / wall,
        "peak_rss_mb": rss,
    }
    if not args.no_phases:
        phased = run_child("phases", log, args.src)
        phases = phased["phases"]
        assert isinstance(phases, dict)
        print("  phases: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
        summary["phases"] = phases
    verdict = "PASS" if wall < TARGET_S and rss < TARGET_MB else "MISS"
    stretch = " (stretch goal met)" if wall < STRETCH_S and verdict == "PASS" else ""
    print(f"  target < {TARGET_S:.0f} s and < {TARGET_MB:.0f} MB: {verdict}{stretch}")
    summary["verdict"] = verdict
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
