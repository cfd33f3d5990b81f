"""Runs the atheris harness (tests/fuzz/atheris_logs.py) for a bounded time: 20 s under the `ci`
and `dev` hypothesis profiles, 10 minutes under `deep`. libFuzzer's own limits make a hang over
10 s (-timeout) or more than 1 GiB of memory (-rss_limit_mb) a crash. Seeds: one small log in
each format, so the fuzzer starts from inputs that reach the checks."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from standard_rules.xes import write_xes

REPO = Path(__file__).resolve().parents[2]
SECONDS = 600 if os.environ.get("HYPOTHESIS_PROFILE") == "deep" else 20
RECORDS = [
    {"case": "A-1", "activity": "complaint_received", "at": "2026-01-05T09:00:00+08:00"},
    {
        "case": "A-1",
        "activity": "agreement_signed",
        "at": "2026-01-09T09:00:00+08:00",
        "data": {"amount": 1200},
    },
    {"case": "B-2", "activity": "referred", "at": "0001-01-01T00:00:00+23:59", "org": "x"},
]


def seeds(folder: Path) -> None:
    jsonl = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS)
    csv = "案号,环节,时间,机构,数据\n" + "".join(
        f'{r["case"]},{r["activity"]},{r["at"]},{r.get("org", "")},"{{}}"\n' for r in RECORDS
    )
    xes = "".join(write_xes(RECORDS))
    for n, (choice, text) in enumerate([(0, jsonl), (2, csv), (3, xes), (0, xes), (1, jsonl)]):
        (folder / f"seed-{n}").write_bytes(bytes([choice]) + text.encode())


@pytest.mark.slow
def test_atheris_finds_no_crash_in_the_readers(tmp_path: Path) -> None:
    if importlib.util.find_spec("atheris") is None:
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail("atheris is pinned in requirements.lock but not installed")
        pytest.skip("atheris is not installed (make test installs it into .venv)")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds(corpus)
    result = subprocess.run(  # noqa: S603 - this interpreter running our harness, fixed arguments
        [
            sys.executable,
            "-m",
            "tests.fuzz.atheris_logs",
            f"-max_total_time={SECONDS}",
            "-timeout=10",
            "-rss_limit_mb=1024",
            "-max_len=65536",
            f"-artifact_prefix={tmp_path}/",
            str(corpus),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=SECONDS + 120,
        check=False,
    )
    crashes = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("crash", "timeout")))
    assert result.returncode == 0 and not crashes, (crashes, result.stderr[-4000:])
    assert "Done" in result.stderr
