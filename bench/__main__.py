"""`make bench` / `python -m bench`: run every benchmark in its quick mode, or one by name.

    python -m bench                 # all, quick
    python -m bench engine --full   # one, as configured for the results table

Results and how they were measured are in bench/README.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
QUICK = {
    "deadlines": [],
    "audit": ["--events", "200000", "--repeat", "1"],
    "engine": ["--quick"],
    "timer_sweep": ["--quick"],
    "workers": ["--quick"],
    "api": ["--quick"],
    "letters": ["--quick"],
    "anchors": ["--cases", "100", "--rounds", "1"],
    "sign_in": ["--quick"],
    "audit_formats": ["--events", "100000", "--xes-cases", "2000", "--repeat", "1"],
    "whatif": ["--events", "200000", "--repeat", "1"],
    "scale": ["--quick", "--requests", "20", "--templates", "40"],
    "demo": ["--played", "20", "--cases", "2000"],
    "read_model": ["--cases", "50", "--rounds", "1"],
    "timer_burst": ["--timers", "500"],
    "xes_attribute": ["--sizes", "1,2,4,8", "--over", "0", "--repeat", "1"],
    "figures": ["--cases", "1000", "--requests", "3", "--baseline-runs", "1"],
}


def main(argv: list[str]) -> int:
    full = "--full" in argv
    names = [a for a in argv if not a.startswith("--")] or list(QUICK)
    status = 0
    for name in names:
        script = HERE / f"bench_{name}.py"
        if not script.exists():
            sys.stderr.write(f"no benchmark named {name!r} (have: {', '.join(QUICK)})\n")
            return 2
        args = [] if full else QUICK.get(name, [])
        sys.stdout.write(f"\n## {name}\n\n")
        sys.stdout.flush()
        status |= subprocess.call([sys.executable, str(script), *args])  # noqa: S603
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
