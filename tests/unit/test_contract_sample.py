"""`suitiao audit` against contract/CLI.md and the worked example of contract/examples/."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.cli import main
from standard_rules.eventlog import parse_timestamp

REPO = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """shared/ sits beside the repository checkout (SUITIAO_SHARED names it elsewhere)."""
    configured = os.environ.get("SUITIAO_SHARED")
    if configured:
        return Path(configured)
    return REPO.parent / "shared"


EXAMPLES = shared_dir() / "contract" / "examples"
needs_examples = pytest.mark.skipif(
    not (EXAMPLES / "sample.jsonl").is_file(),
    reason=f"contract examples not found at {EXAMPLES} (set SUITIAO_SHARED)",
)


def audit_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["audit", *args, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def triples(document: dict[str, Any]) -> list[list[str]]:
    return sorted([f["case"], f["rule"], f["kind"]] for f in document["findings"])


def error_lines(document: dict[str, Any]) -> list[int]:
    return sorted(e["line"] for e in document["input_errors"])


def line(case: str, activity: str, at: str, **data: Any) -> str:
    record: dict[str, Any] = {"case": case, "activity": activity, "at": at}
    if data:
        record["data"] = data
    return json.dumps(record, ensure_ascii=False)


# -- the contract's worked example ----------------------------------------------------------


@needs_examples
def test_sample_reproduces_the_expected_audit(capsys: pytest.CaptureFixture[str]) -> None:
    expected = json.loads((EXAMPLES / "sample-expected.json").read_text(encoding="utf-8"))
    code, document = audit_json(
        capsys, str(EXAMPLES / "sample.jsonl"), "--as-of", expected["as_of"]
    )
    assert triples(document) == sorted(expected["findings"])
    assert error_lines(document) == sorted(expected["input_error_lines"])
    assert code == 1
    # The worked example, restated from examples/README.md (not read back from the code):
    assert triples(document) == [
        ["E2", "R16", "late"],
        ["E3", "R62", "late"],
        ["E4", "T01", "invalid"],
    ]
    due = {(f["case"], f["rule"]): f["due"] for f in document["findings"]}
    assert due[("E2", "R16")] == "2025-10-09"
    assert due[("E3", "R62")] == "2025-10-09"
    assert due[("E4", "T01")] is None
    assert document["cases"] == 4
    # contract v2: the JSON names the contract version; this v1 log still audits as before
    assert document["contract"] == "2"
    assert document["as_of"] == "2026-01-31T00:00:00+08:00"
    assert document["input_errors"][0]["file"].endswith("sample.jsonl")


@needs_examples
def test_sample_as_text_mentions_every_finding(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["audit", str(EXAMPLES / "sample.jsonl"), "--as-of", "2026-01-31T00:00:00+08:00"])
    out = capsys.readouterr().out
    assert code == 1
    text_lines = out.splitlines()
    for case, rule, kind in (
        ("E2", "R16", "late"),
        ("E3", "R62", "late"),
        ("E4", "T01", "invalid"),
    ):
        assert any(case in t and rule in t and kind in t for t in text_lines), (case, rule)
    assert "2025-10-09" in out
    assert any(":4" in t for t in text_lines)  # the input error's line number


@needs_examples
def test_output_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code = main(
        [
            "audit",
            str(EXAMPLES / "sample.jsonl"),
            "--as-of",
            "2026-01-31T00:00:00+08:00",
            "--format",
            "json",
            "--output",
            str(target),
        ]
    )
    assert code == 1
    assert capsys.readouterr().out == ""
    document = json.loads(target.read_text(encoding="utf-8"))
    assert triples(document) == [
        ["E2", "R16", "late"],
        ["E3", "R62", "late"],
        ["E4", "T01", "invalid"],
    ]


# -- exit codes -------------------------------------------------------------------------------


CLEAN_CASE = [
    line("K1", "complaint_received", "2026-03-02T09:00:00+08:00", claim_amount=300),
    line("K1", "complaint_accepted", "2026-03-03T09:00:00+08:00"),
    line("K1", "mediation_started", "2026-03-04T09:00:00+08:00"),
    line("K1", "agreement_signed", "2026-03-04T15:00:00+08:00", amount=200),
    line("K1", "performed", "2026-03-05T15:00:00+08:00", voluntary=True),
    line("K1", "case_closed", "2026-03-06T09:00:00+08:00", outcome="settled_performed"),
]


def test_clean_log_exits_0(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    log = tmp_path / "clean.jsonl"
    log.write_text("\n".join(CLEAN_CASE) + "\n", encoding="utf-8")
    code, document = audit_json(capsys, str(log), "--as-of", "2026-12-31T00:00:00+08:00")
    assert (code, document["findings"], document["input_errors"]) == (0, [], [])
    assert (document["cases"], document["events"]) == (1, 6)


def test_as_of_defaults_to_the_latest_event(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = tmp_path / "clean.jsonl"
    log.write_text("\n".join(reversed(CLEAN_CASE)) + "\n", encoding="utf-8")
    code, document = audit_json(capsys, str(log))
    assert code == 0
    assert document["as_of"] == "2026-03-06T09:00:00+08:00"


def test_findings_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    log = tmp_path / "late.jsonl"
    log.write_text(
        line("K", "complaint_received", "2026-03-02T09:00:00+08:00")
        + "\n"
        + line("K", "complaint_accepted", "2026-03-10T09:00:00+08:00")  # due Mon 03-09
        + "\n",
        encoding="utf-8",
    )
    code, document = audit_json(capsys, str(log), "--as-of", "2026-03-10T10:00:00+08:00")
    assert code == 1
    assert [(f["case"], f["rule"], f["kind"], f["due"]) for f in document["findings"]] == [
        ("K", "R62", "late", "2026-03-09")
    ]


def test_input_errors_alone_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    log = tmp_path / "bad.jsonl"
    log.write_text(CLEAN_CASE[0] + "\n" + '{"case": "K1"}\n', encoding="utf-8")
    code, document = audit_json(capsys, str(log), "--as-of", "2026-03-02T10:00:00+08:00")
    assert (code, document["findings"], error_lines(document)) == (1, [], [2])


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["audit", str(tmp_path / "nope.jsonl"), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 2
    assert "nope.jsonl" in captured.err
    assert captured.out == ""


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 4,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b'<?xml version="1.0" encoding="UTF-8"?>\n<note><to>court</to></note>\n',
    ],
    ids=["binary", "png", "xml-not-xes"],
)
def test_unknown_format_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes
) -> None:
    log = tmp_path / "weird.jsonl"
    log.write_bytes(content)
    code = main(["audit", str(log), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 2
    assert "weird.jsonl" in captured.err
    assert len(captured.err.strip().splitlines()) == 1


@needs_examples
def test_as_of_in_utc_with_lower_case_z(capsys: pytest.CaptureFixture[str]) -> None:
    code, document = audit_json(
        capsys, str(EXAMPLES / "sample.jsonl"), "--as-of", "2026-01-30T16:00:00z"
    )
    assert code == 1
    assert triples(document) == [
        ["E2", "R16", "late"],
        ["E3", "R62", "late"],
        ["E4", "T01", "invalid"],
    ]


def test_bad_as_of_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    log = tmp_path / "clean.jsonl"
    log.write_text(CLEAN_CASE[0] + "\n", encoding="utf-8")
    assert main(["audit", str(log), "--as-of", "2026-03-02 10:00"]) == 2
    assert "as-of" in capsys.readouterr().err


# -- malformed lines: each reported with its number, the rest audited --------------------------


def test_malformed_lines_are_reported_and_the_rest_is_audited(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = [
        line("M", "complaint_received", "2026-03-02T09:00:00+08:00"),  # Mon; wd(5) -> 03-09
        line("M", "complaint_accepted", "2026-03-10T09:00:00+08:00"),  # late
        line("M", "mediation_started", "2026-03-11T09:00:00+08:00"),
    ]
    rows: list[bytes] = [
        b"\xef\xbb\xbf" + good[0].encode() + b"\n",  # 1: UTF-8 BOM, still read
        b"\n",  # 2: blank
        b'{"case": "M", "activity": \n',  # 3: not valid JSON
        line("", "referred", "2026-03-02T09:00:00+08:00").encode() + b"\n",  # 4: empty case
        b'{"activity": "referred", "at": "2026-03-02T09:00:00+08:00"}\n',  # 5: no case
        b'{"case": "M", "at": "2026-03-02T09:00:00+08:00"}\n',  # 6: no activity
        b'{"case": "M", "activity": "referred"}\n',  # 7: no at
        line("M", "teleported", "2026-03-02T09:00:00+08:00").encode() + b"\n",  # 8: unknown
        line("M", "referred", "2026-03-02T09:00:00").encode() + b"\n",  # 9: no offset
        line("M", "referred", "2026-03-02").encode() + b"\n",  # 10: a date only
        b'{"case": "M", "activity": "referred", "at": "2026-03-02T09:00:00+08:00", '
        b'"data": [1, 2]}\n',  # 11: data not an object
        b"   \t \n",  # 12: blank (whitespace)
        good[1].encode() + b"\r\n",  # 13: CRLF line ending, read
        b"[1, 2, 3]\n",  # 14: JSON, not an object
        b'{"case": "M", "activity": "referred", "at": 20260302}\n',  # 15: at not text
        good[2].encode() + b"\n",  # 16: read
        good[2].encode()[:25],  # 17: truncated last line, no newline
    ]
    log = tmp_path / "messy.jsonl"
    log.write_bytes(b"".join(rows))
    code, document = audit_json(capsys, str(log), "--as-of", "2026-04-30T00:00:00+08:00")
    assert code == 1
    assert error_lines(document) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 17]
    assert all(e["file"] == str(log) for e in document["input_errors"])
    assert all(e["message"] for e in document["input_errors"])
    assert (document["cases"], document["events"]) == (1, 3)
    assert [(f["case"], f["rule"], f["kind"], f["due"]) for f in document["findings"]] == [
        ("M", "R62", "late", "2026-03-09")
    ]


def test_a_date_the_calendar_cannot_reckon_spoils_only_its_case(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = tmp_path / "typo.jsonl"
    log.write_text(
        "\n".join(
            [
                line("Y", "complaint_received", "2026-03-02T09:00:00+08:00"),
                line("Z", "complaint_received", "2026-03-02T09:00:00+08:00"),
                line("Y", "complaint_accepted", "2206-03-03T09:00:00+08:00"),  # 2026 mistyped
                line("Z", "complaint_accepted", "2026-03-10T09:00:00+08:00"),  # due Mon 03-09
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    code, document = audit_json(capsys, str(log), "--as-of", "2026-03-11T00:00:00+08:00")
    assert code == 1
    assert [(f["case"], f["rule"], f["kind"]) for f in document["findings"]] == [
        ("Z", "R62", "late")
    ]
    assert error_lines(document) == [3]
    assert "Y" in document["input_errors"][0]["message"]


def test_crlf_log_reads_cleanly(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    log = tmp_path / "windows.jsonl"
    log.write_bytes(("\r\n".join(CLEAN_CASE) + "\r\n").encode())
    code, document = audit_json(capsys, str(log), "--as-of", "2026-12-31T00:00:00+08:00")
    assert (code, document["events"], document["input_errors"]) == (0, 6, [])


@pytest.mark.parametrize(
    "at",
    [
        "2026-03-02T01:00:00Z",
        "2026-03-02T01:00:00z",  # RFC 3339 5.6: T and Z may be lower case
        "2026-03-02t01:00:00Z",
        "2026-03-02 01:00:00Z",  # RFC 3339 5.6 NOTE: a space may replace T
        "2026-03-02T01:00:00.123456789Z",
        "2026-03-02T09:00:00+08:00",
        "2026-03-01T20:00:00-05:00",
    ],
)
def test_rfc3339_forms_are_accepted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, at: str
) -> None:
    log = tmp_path / "forms.jsonl"
    log.write_text(line("F", "complaint_received", at) + "\n", encoding="utf-8")
    code, document = audit_json(capsys, str(log), "--as-of", "2026-03-02T10:00:00+08:00")
    assert (code, document["events"], document["input_errors"]) == (0, 1, [])


@pytest.mark.parametrize(
    "at", ["2026-03-02T09:00:00", "2026-03-02T09:00+08:00", "2026-3-2T09:00:00+08:00", "yesterday"]
)
def test_timestamps_without_offset_or_malformed_are_input_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, at: str
) -> None:
    log = tmp_path / "forms.jsonl"
    log.write_text(
        CLEAN_CASE[0] + "\n" + line("F", "complaint_received", at) + "\n", encoding="utf-8"
    )
    code, document = audit_json(capsys, str(log), "--as-of", "2026-03-02T10:00:00+08:00")
    assert (code, document["events"], error_lines(document)) == (1, 1, [2])


def test_several_logs_keep_their_own_line_numbers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(CLEAN_CASE[0] + "\n" + "{oops\n", encoding="utf-8")
    second.write_text("\n".join(CLEAN_CASE[1:]) + "\n" + "{oops\n", encoding="utf-8")
    code, document = audit_json(
        capsys, str(first), str(second), "--as-of", "2026-12-31T00:00:00+08:00"
    )
    assert code == 1
    assert sorted((Path(e["file"]).name, e["line"]) for e in document["input_errors"]) == [
        ("a.jsonl", 2),
        ("b.jsonl", 6),
    ]
    assert (document["cases"], document["events"], document["findings"]) == (1, 6, [])


# -- timestamps: the fast reading agrees with RFC 3339 read in full ------------------------------

RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def reference_timestamp(text: str) -> float | None:
    """RFC 3339 with an offset, read by the standard library (not by standard_rules)."""
    if not RFC3339.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text[:-1] + "Z" if text[-1] == "z" else text).timestamp()
    except ValueError:
        return None


@st.composite
def timestamp_texts(draw: st.DrawFn) -> str:
    moment = draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 12, 31)))
    text = moment.strftime("%Y-%m-%d") + draw(st.sampled_from("Tt ")) + moment.strftime("%H:%M:%S")
    if draw(st.booleans()):
        text += "." + str(moment.microsecond).zfill(6)[: draw(st.integers(1, 6))]
    text += draw(
        st.one_of(
            st.sampled_from(["Z", "z", "+08:00", "+00:00", "-05:00", "+05:45", "-00:00", ""]),
            st.from_regex(r"[+-][0-9]{2}:[0-9]{2}", fullmatch=True),
        )
    )
    if draw(st.integers(0, 3)) == 0:  # break it somewhere
        position = draw(st.integers(0, len(text) - 1))
        text = text[:position] + draw(st.sampled_from("0159:-+TZ x")) + text[position + 1 :]
    return text


@settings(max_examples=400, deadline=None)
@given(timestamp_texts())
def test_timestamps_read_as_rfc3339(text: str) -> None:
    assert parse_timestamp(text) == reference_timestamp(text)
    assert parse_timestamp(text) == reference_timestamp(text)  # and again, from the caches


def test_timestamp_examples() -> None:
    assert parse_timestamp("2026-03-02T09:15:00+08:00") == 1772414100.0
    assert parse_timestamp("2026-03-02T01:15:00Z") == 1772414100.0
    assert parse_timestamp("2026-03-02T01:15:00z") == 1772414100.0
    assert parse_timestamp("2026-02-30T01:15:00Z") is None
    assert parse_timestamp("2026-03-02T24:00:00Z") is None
    assert parse_timestamp("2026-03-02T09:15:00+24:00") is None
    assert parse_timestamp("2026-03-02T09:15+08:00") is None
    assert parse_timestamp("2026-03-02") is None
    assert parse_timestamp(None) is None
