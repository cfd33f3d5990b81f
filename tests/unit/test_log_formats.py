"""Reading CSV and XES logs, telling formats apart, and the streamed audit (pure functions)."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from standard_rules.audit import audit, audit_streamed, group_cases
from standard_rules.csvlog import is_csv_header, parse_csv
from standard_rules.eventlog import Event, InputError, parse_jsonl
from standard_rules.legal_calendar import LegalCalendar, default_calendar
from standard_rules.logformat import detect_format
from standard_rules.pack import RulePack, default_pack
from standard_rules.xes import write_xes
from standard_rules.xeslog import parse_xes

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return default_pack()


@pytest.fixture(scope="module")
def calendar() -> LegalCalendar:
    return default_calendar()


def generated_lines(cases: int, shuffle: bool = False) -> list[str]:
    spec = importlib.util.spec_from_file_location("generate_log", REPO / "bench/generate_log.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lines: list[str] = module.generate(cases, 7, shuffle)
    return lines


def split(items: list[Event | InputError]) -> tuple[list[Event], list[InputError]]:
    return (
        [i for i in items if isinstance(i, Event)],
        [i for i in items if isinstance(i, InputError)],
    )


def to_csv(records: list[dict[str, Any]], chinese: bool, crlf: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(
        ["案号", "环节", "时间", "角色", "机构", "数据"]
        if chinese
        else ["case", "activity", "at", "role", "org", "data"]
    )
    for r in records:
        data = json.dumps(r["data"], ensure_ascii=False) if r.get("data") else ""
        writer.writerow([r["case"], r["activity"], r["at"], r.get("role", ""), "", data])
    return out.getvalue()


# -- format detection ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'{"case": "A"}\n', "jsonl"),
        (b'\xef\xbb\xbf\n  {"case": "A"}', "jsonl"),
        (b'<?xml version="1.0"?><log/>', "xes"),
        (b"\xef\xbb\xbf<log>", "xes"),
        (b'<?xml version="1.0"?><!-- <note> --><xes:log xmlns:xes="x">', "xes"),
        (b'<?xml version="1.0"?>\n<note><to>court</to></note>', None),
        (b"case,activity,at\r\nA,referred,2026-01-01T00:00:00+08:00\r\n", "csv"),
        ("\ufeff案号,环节,时间,机构\n".encode(), "csv"),
        ("案件编号;环节\n".encode(), None),
        (b"hello world\n", None),
        (b"", "jsonl"),
    ],
)
def test_detect_format(head: bytes, expected: str | None) -> None:
    assert detect_format(head) == expected


def test_csv_header_needs_the_three_columns() -> None:
    assert is_csv_header("Case, Activity, AT, org")
    assert is_csv_header("案号,环节,时间")
    assert not is_csv_header("案号,环节,备注")


# -- CSV -----------------------------------------------------------------------------------------


def test_csv_with_chinese_headers_reads_like_jsonl(pack: RulePack) -> None:
    lines = generated_lines(40)
    records = [json.loads(line) for line in lines]
    expected, _ = split(list(parse_jsonl(lines, pack.contract_activities)))
    text = to_csv(records, chinese=True, crlf=True)
    got, errors = split(
        list(parse_csv(io.StringIO(text, newline=""), pack.contract_activities, "x.csv"))
    )
    assert errors == []
    assert [(e.case, e.activity, e.at, dict(e.data), e.seq) for e in got] == [
        (e.case, e.activity, e.at, dict(e.data), e.seq) for e in expected
    ]
    assert [e.line for e in got] == list(range(2, len(records) + 2))  # the header is line 1


def test_csv_bad_rows_are_reported_with_their_line_and_the_rest_is_read(pack: RulePack) -> None:
    text = (
        "\ufeff案号,环节,时间,机构,data.amount,备注\r\n"
        "A,dispute_received,2026-03-02T09:00:00+08:00,临海市人民法院,,\r\n"
        "A,fly_to_moon,2026-03-02T10:00:00+08:00,,,\r\n"  # line 3: unknown activity
        "A,consent_given,2026-03-03 09:00:00,,,\r\n"  # line 4: no offset
        "A,达成调解协议,2026-03-04T09:00:00+08:00,,1200,note\r\n"  # a Chinese activity name
        '"B","referred","2026-03-05T09:00:00+08:00",,,"多行\r\n备注"\r\n'  # lines 6-7
        "B,referral_received,2026-03-06T09:00:00+08:00,,,\r\n"
        '"C","referral_rec'  # line 9: truncated in the middle of a quoted field
    )
    labels = {a.zh: code for code, a in pack.activities.items()}
    items = list(
        parse_csv(io.StringIO(text, newline=""), pack.contract_activities, "x.csv", labels=labels)
    )
    events, errors = split(items)
    assert [(e.line, e.activity) for e in events] == [
        (2, "dispute_received"),
        (5, "agreement_signed"),
        (6, "referred"),
        (8, "referral_received"),
    ]
    assert events[0].org == "临海市人民法院"
    assert events[1].data == {"amount": 1200}
    assert [(e.line, e.file) for e in errors] == [(3, "x.csv"), (4, "x.csv"), (9, "x.csv")]
    assert "unknown activity" in errors[0].message
    assert "offset" in errors[1].message


def test_csv_without_required_columns_is_one_error(pack: RulePack) -> None:
    items = list(parse_csv(["案号,备注\n", "A,x\n"], pack.contract_activities, "x.csv"))
    assert len(items) == 1 and isinstance(items[0], InputError) and items[0].line == 1


# -- JSONL: the same bars ------------------------------------------------------------------------


def test_jsonl_bom_crlf_truncation_offset_unknown(pack: RulePack) -> None:
    raw = (
        b'\xef\xbb\xbf{"case":"A","activity":"dispute_received","at":"2026-03-02T09:00:00+08:00"}\r\n'
        b'{"case":"A","activity":"warp","at":"2026-03-02T10:00:00+08:00"}\r\n'
        b'{"case":"A","activity":"consent_given","at":"2026-03-02T10:00:00"}\r\n'
        b'{"case":"A","activity":"referred","at":"2026-03-03T10:00:00+08:00","org":"X"}\r\n'
        b'{"case":"A","activity":"referral_rec'
    )
    items = list(parse_jsonl(io.BytesIO(raw), pack.contract_activities, "x.jsonl"))
    events, errors = split(items)
    assert [(e.line, e.activity, e.org) for e in events] == [
        (1, "dispute_received", ""),
        (4, "referred", "X"),
    ]
    assert [e.line for e in errors] == [2, 3, 5]


# -- XES -----------------------------------------------------------------------------------------


def test_xes_round_trip(pack: RulePack) -> None:
    lines = generated_lines(30)
    records = [json.loads(line) for line in lines]
    for r in records[::3]:
        r["org"] = "临海市消保委 <&>"
    document = "".join(write_xes(records)).encode()
    expected, _ = split(list(parse_jsonl(lines, pack.contract_activities)))
    # fed in small chunks: the reader must not depend on where chunks end
    chunks = [document[i : i + 97] for i in range(0, len(document), 97)]
    got, errors = split(list(parse_xes(chunks, pack.contract_activities, "x.xes")))
    assert errors == []
    assert [(e.case, e.activity, e.at, dict(e.data)) for e in got] == [
        (e.case, e.activity, e.at, dict(e.data)) for e in expected
    ]
    assert {e.org for e in got} == {"", "临海市消保委 <&>"}
    assert all(e.line > 0 for e in got)


def test_xes_bad_events_and_truncation(pack: RulePack) -> None:
    def ev(activity: str, at: str, extra: str = "") -> str:
        return (
            f'    <event><string key="concept:name" value="{activity}"/>'
            f'<date key="time:timestamp" value="{at}"/>{extra}</event>\n'
        )

    text = (
        '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n'
        '<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">\n'
        "  <trace>\n"
        '    <string key="concept:name" value="A"/>\n'
        + ev("dispute_received", "2026-03-02T09:00:00.000+08:00")
        + ev("warp", "2026-03-02T09:00:00+08:00")
        + ev("consent_given", "2026-03-02T09:00:00")
        + ev(
            "referred",
            "2026-03-03T09:00:00+08:00",
            '<string key="mode" value="pre_filing"/><int key="n" value="3"/>'
            '<boolean key="b" value="true"/>',
        )
        + "  </trace>\n  <trace>\n"
        '    <string key="concept:name" value="B"/>\n'
        + ev("referred", "2026-03-04T09:00:00+08:00")
        + ev("referral_received", "2026-03-05T09:00:00+08:00")[:-40]  # cut off mid-attribute
    )
    items = list(parse_xes(io.BytesIO(text.encode()), pack.contract_activities, "x.xes"))
    events, errors = split(items)
    assert [(e.case, e.activity, e.line) for e in events] == [
        ("A", "dispute_received", 5),
        ("A", "referred", 8),
        ("B", "referred", 12),
    ]
    assert events[1].data == {"mode": "pre_filing", "n": 3, "b": True}
    assert [e.line for e in errors] == [6, 7, 13]
    assert "unknown activity" in errors[0].message
    assert "offset" in errors[1].message
    assert "well-formed" in errors[2].message


# -- streamed audit ------------------------------------------------------------------------------


def test_streamed_audit_equals_grouped_audit(pack: RulePack, calendar: LegalCalendar) -> None:
    lines = generated_lines(400)
    items = list(parse_jsonl(lines, pack.contract_activities, "g.jsonl"))
    grouped = audit(items, pack, calendar)
    streamed = audit_streamed(iter(items), pack, calendar)
    assert streamed is not None
    assert grouped.findings and streamed.findings == grouped.findings
    assert (streamed.cases, streamed.events, streamed.as_of) == (
        grouped.cases,
        grouped.events,
        grouped.as_of,
    )
    # an earlier audit time: `missing` findings not yet due are dropped the same way
    as_of = datetime.fromisoformat("2025-09-30T12:00:00+08:00")
    early = audit_streamed(iter(items), pack, calendar, as_of)
    assert early is not None
    assert early.findings == audit(items, pack, calendar, as_of).findings


def test_streamed_audit_gives_up_on_interleaved_cases(
    pack: RulePack, calendar: LegalCalendar
) -> None:
    lines = generated_lines(50, shuffle=True)
    items = list(parse_jsonl(lines, pack.contract_activities))
    assert audit_streamed(iter(items), pack, calendar) is None
    assert len(group_cases(i for i in items if isinstance(i, Event))) == 50
