"""Our audit against pm4py, same run, same machine; XES export; streamed audit memory.

    python bench/bench_audit_formats.py [--events 1000000] [--xes-cases 10000] [--repeat 3]

1. Audit vs replay, on one generated log of N events (bench/generate_log.py, cases one after
   another as `suitiao export` writes them):
   - ours: `suitiao audit LOG --format json --output FILE` in a fresh interpreter (parse, every
     check of EVENTS.md with deadlines in working days, render, write);
   - pm4py: token-based replay fitness (control flow only) of the same events on a Petri net of
     the log's dominant paths (pm4py's inductive miner, not timed). Reported twice: the replay alone
     (the log already a pm4py DataFrame), and load + replay (reading the JSONL into the
     DataFrame with orjson and pandas, pm4py.format_dataframe, then the replay).
   Goal: ours faster than pm4py's replay while checking more.
2. XES export of M cases: standard_rules.xes.write_xes against pm4py.write_xes of the same
   events (from a DataFrame, as pm4py users call it), both writing a file. Goal: ≥ 5× faster.
3. Memory of the streamed audit: peak RSS of `suitiao audit` on a log of N/10 events and of N
   events (both case after case, so streamed), and of N events interleaved by time (grouped in
   memory). Bound: the streamed audit's peak grows by less than STREAM_GROWTH_MB from N/10 to N.

pm4py is AGPL-3.0 and a dev/bench dependency only. Each side runs in its own fresh interpreter;
medians of --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from bench_audit import cached_log  # noqa: E402

STREAM_GROWTH_MB = 64.0
XES_GOAL = 5.0

# The control-flow model: pm4py's inductive miner (noise threshold 0.2) on the log itself, i.e.
# the dominant behaviour of the generator's paths as a sound Petri net. Discovery is not timed.
# The generator's injected breaches (a missing acceptance, consent after the referral, no
# outcome, ...) are what keeps fitness below 1. (A hand-written process tree of the same paths
# replays badly: token-based replay guesses wrongly through its many silent transitions.)
NOISE = "0.2"

OURS = r"""
import json, resource, sys, time
log, out, src = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, src)
import api.cli as cli
t0 = time.perf_counter()
code = cli.main(["audit", log, "--format", "json", "--output", out])
wall = time.perf_counter() - t0
doc = json.loads(open(out, "rb").read())
print(json.dumps({"wall": wall, "exit": code, "events": doc["events"], "cases": doc["cases"],
    "findings": len(doc["findings"]), "input_errors": len(doc["input_errors"]),
    "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

PM4PY = r"""
import json, resource, sys, time, warnings, os
warnings.simplefilter("ignore")
os.environ["TQDM_DISABLE"] = "1"
log, noise = sys.argv[1], float(sys.argv[2])
import orjson, pandas as pd, pm4py
t0 = time.perf_counter()
cases, acts, ats = [], [], []
with open(log, "rb") as handle:
    for line in handle:
        r = orjson.loads(line)
        cases.append(r["case"]); acts.append(r["activity"]); ats.append(r["at"])
df = pd.DataFrame({"case": cases, "activity": acts,
                   "at": pd.to_datetime(ats, utc=True, format="ISO8601")})
df = pm4py.format_dataframe(df, case_id="case", activity_key="activity", timestamp_key="at")
t1 = time.perf_counter()
net, im, fm = pm4py.discover_petri_net_inductive(df, noise_threshold=noise)
t2 = time.perf_counter()
fitness = pm4py.fitness_token_based_replay(df, net, im, fm)
t3 = time.perf_counter()
print(json.dumps({"load": t1 - t0, "model": t2 - t1, "replay": t3 - t2, "events": len(df),
    "fitness": fitness, "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

XES = r"""
import json, sys, time, warnings, os
warnings.simplefilter("ignore")
os.environ["TQDM_DISABLE"] = "1"
cases, src, tmp = int(sys.argv[1]), sys.argv[2], sys.argv[3]
sys.path.insert(0, src); sys.path.insert(0, src + "/bench")
from generate_log import generate
from standard_rules.xes import write_xes
import pandas as pd, pm4py
records = [json.loads(line) for line in generate(cases, 20261, False)]
t0 = time.perf_counter()
with open(tmp + "/ours.xes", "w", encoding="utf-8") as out:
    out.writelines(write_xes(records))
ours = time.perf_counter() - t0
rows = []
for r in records:
    row = {"case:concept:name": r["case"], "concept:name": r["activity"], "time:timestamp": r["at"],
           "org:role": r.get("role")}
    row.update(r.get("data") or {})
    rows.append(row)
df = pd.DataFrame(rows)
df["time:timestamp"] = pd.to_datetime(df["time:timestamp"], utc=True, format="ISO8601")
t1 = time.perf_counter()
pm4py.write_xes(df, tmp + "/pm4py.xes")
theirs = time.perf_counter() - t1
t2 = time.perf_counter()
back = pm4py.read_xes(tmp + "/ours.xes")
read_back = time.perf_counter() - t2
print(json.dumps({"cases": cases, "events": len(records), "ours": ours, "pm4py": theirs,
    "pm4py_reads_ours_events": len(back), "pm4py_read_s": read_back}))
"""


def child(code: str, *args: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TQDM_DISABLE": "1"}
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def ours(log: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        return child(OURS, str(log), str(Path(tmp) / "audit.json"), str(REPO))


def num(value: object) -> float:
    return float(str(value))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--xes-cases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    summary: dict[str, object] = {"load_average": os.getloadavg()[0]}
    ok = True

    log = cached_log(args.events, 20261, False)
    print(f"log: {log} ({log.stat().st_size / 1e6:.0f} MB)")
    mine = [ours(log) for _ in range(args.repeat)]
    theirs = [child(PM4PY, str(log), NOISE) for _ in range(args.repeat)]
    our_wall = statistics.median(num(r["wall"]) for r in mine)
    replay = statistics.median(num(r["replay"]) for r in theirs)
    load_replay = statistics.median(num(r["load"]) + num(r["replay"]) for r in theirs)
    first, pm = mine[0], theirs[0]
    fitness = pm["fitness"]
    assert isinstance(fitness, dict)
    print(
        f"ours  suitiao audit (parse + all checks incl. deadlines + JSON): {our_wall:.2f} s median"
        f" of {args.repeat}; {first['events']:,} events, {first['cases']:,} cases, "
        f"{first['findings']:,} findings; peak RSS {num(first['maxrss_mb']):.0f} MB"
    )
    print(
        f"pm4py token-based replay (control flow only): {replay:.2f} s median; "
        f"load JSONL → DataFrame {statistics.median(num(r['load']) for r in theirs):.2f} s; "
        f"load + replay {load_replay:.2f} s; log fitness {fitness['log_fitness']:.4f}, "
        f"fitting traces {fitness['perc_fit_traces']:.1f}%; peak RSS {num(pm['maxrss_mb']):.0f} MB"
    )
    ratio, ratio_total = replay / our_wall, load_replay / our_wall
    verdict = "PASS" if our_wall < replay else "MISS"
    ok &= verdict == "PASS"
    print(
        f"  ratio pm4py replay / ours = {ratio:.2f}× (load + replay / ours = {ratio_total:.2f}×)"
        f": ours faster than the replay alone: {verdict}"
    )
    summary["audit"] = {
        "ours_s": [num(r["wall"]) for r in mine],
        "pm4py_replay_s": [num(r["replay"]) for r in theirs],
        "pm4py_load_s": [num(r["load"]) for r in theirs],
        "ratio_replay_over_ours": ratio,
        "ratio_load_replay_over_ours": ratio_total,
        "fitness": fitness,
        "events": first["events"],
        "findings": first["findings"],
        "verdict": verdict,
    }

    with tempfile.TemporaryDirectory() as tmp:
        runs = [child(XES, str(args.xes_cases), str(REPO), tmp) for _ in range(args.repeat)]
    x_ours = statistics.median(num(r["ours"]) for r in runs)
    x_pm = statistics.median(num(r["pm4py"]) for r in runs)
    x_verdict = "PASS" if x_pm / x_ours >= XES_GOAL else "MISS"
    ok &= x_verdict == "PASS"
    print(
        f"XES export of {args.xes_cases:,} cases ({runs[0]['events']:,} events): ours "
        f"{x_ours:.3f} s, pm4py.write_xes {x_pm:.2f} s: {x_pm / x_ours:.1f}× "
        f"(goal ≥ {XES_GOAL:.0f}×): {x_verdict}; pm4py.read_xes reads ours back: "
        f"{runs[0]['pm4py_reads_ours_events']:,} events"
    )
    summary["xes"] = {"ours_s": x_ours, "pm4py_s": x_pm, "ratio": x_pm / x_ours, "runs": runs}

    if not args.skip_memory:
        small = cached_log(args.events // 10, 20261, False)
        shuffled = cached_log(args.events, 20261, True)
        rss_small = num(ours(small)["maxrss_mb"])
        rss_big = num(first["maxrss_mb"])
        rss_grouped = num(ours(shuffled)["maxrss_mb"])
        growth = rss_big - rss_small
        m_verdict = "PASS" if growth < STREAM_GROWTH_MB else "MISS"
        ok &= m_verdict == "PASS"
        print(
            f"memory: streamed audit peak RSS {rss_small:.0f} MB at {args.events // 10:,} events, "
            f"{rss_big:.0f} MB at {args.events:,} (growth {growth:.0f} MB, bound "
            f"{STREAM_GROWTH_MB:.0f} MB: {m_verdict}); interleaved log (grouped in memory) "
            f"{rss_grouped:.0f} MB"
        )
        summary["memory"] = {
            "streamed_small_mb": rss_small,
            "streamed_mb": rss_big,
            "grouped_mb": rss_grouped,
            "verdict": m_verdict,
        }
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
