"""Logs written to break `suitiao audit` and `suitiao report` (issue 15, "found from outside").

Each was a crash (a traceback, exit 1: the code that means findings), a silent stop, or a
refusal of a valid file. Now each is an input error with its file and line, and the rest of the
log is still read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.cli import main

AS_OF = "2026-12-31T00:00:00+08:00"


def jsonl(*records: dict[str, Any]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def event(case: str, activity: str, at: str, **data: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"case": case, "activity": activity, "at": at}
    if data:
        record["data"] = data
    return record


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main([*argv, "--format", "json", "--as-of", AS_OF])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out else {}, captured.err


XES_EVENT = (
    '<event><string key="concept:name" value="{activity}"/>'
    '<date key="time:timestamp" value="{at}"/>{extra}</event>\n'
)


def xes(events: list[tuple[str, str, str]], encoding: str = "UTF-8", prolog: str = "") -> bytes:
    body = "".join(XES_EVENT.format(activity=a, at=t, extra=x) for a, t, x in events)
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n{prolog}'
        '<log xes.version="1849-2016"><trace><string key="concept:name" value="A-1"/>\n'
        f"{body}</trace></log>\n"
    ).encode()


def test_xes_with_an_unknown_encoding_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.xes"
    path.write_bytes(
        xes([("complaint_received", "2026-01-05T09:00:00+08:00", "")], encoding="x-bogus")
    )
    code, document, _err = run(capsys, "audit", str(path))
    assert code == 1
    errors = document["input_errors"]
    assert [(e["line"], "x-bogus" in e["message"]) for e in errors] == [(1, True)]


def test_xes_prolog_over_8_kib_is_still_xes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    comment = "<!-- " + "导出说明 export notes. " * 800 + "-->\n"
    assert len(comment.encode()) > 16_384
    path = tmp_path / "log.xes"
    path.write_bytes(xes([("complaint_received", "2026-01-05T09:00:00+08:00", "")], prolog=comment))
    _code, document, err = run(capsys, "audit", str(path))
    assert "unknown format" not in err
    assert document["events"] == 1, err


def test_an_xml_file_whose_root_is_not_log_is_still_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "note.xml"
    path.write_bytes(b'<?xml version="1.0"?>\n<!-- ' + b"x" * 10_000 + b" -->\n<note>hi</note>\n")
    code = main(["audit", str(path), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 2 or json.loads(captured.out)["input_errors"], captured


def test_csv_field_over_128_kib_is_one_input_error_and_the_rest_is_audited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = ["case,activity,at,data.reason"]
    rows.append("A-1,complaint_received,2026-01-05T09:00:00+08:00,")
    rows.append("A-1,complaint_rejected,2026-01-06T09:00:00+08:00," + "x" * 200_000)
    rows += [f"B-{i},complaint_received,2026-01-05T09:00:00+08:00," for i in range(3)]
    path = tmp_path / "log.csv"
    path.write_text("\n".join(rows) + "\n")
    code, document, _err = run(capsys, "audit", str(path))
    assert document["cases"] == 4  # A-1 and the three B cases after the long row
    assert [e["line"] for e in document["input_errors"]] == [3]
    assert code == 1


def test_jsonl_line_beyond_the_bound_is_one_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    huge = event("A-1", "complaint_rejected", "2026-01-06T09:00:00+08:00", reason="x" * 2_000_000)
    path = tmp_path / "log.jsonl"
    path.write_text(
        jsonl(event("A-1", "complaint_received", "2026-01-05T09:00:00+08:00"), huge)
        + jsonl(event("B-1", "complaint_received", "2026-01-05T09:00:00+08:00"))
    )
    _code, document, _err = run(capsys, "audit", str(path))
    assert document["cases"] == 2
    [error] = document["input_errors"]
    assert error["line"] == 2
    assert "longer than" in error["message"]


def test_report_on_an_empty_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    code, document, _err = run(capsys, "report", str(path))
    assert code == 0
    assert document["cases"] == 0


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "xlsx"])
def test_report_on_an_empty_log_in_every_format(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n")
    out = tmp_path / f"report.{fmt}"
    assert main(["report", str(path), "--format", fmt, "--output", str(out)]) == 0
    assert out.stat().st_size > 0


def _closed_case(amount: str) -> bytes:
    return xes(
        [
            ("complaint_received", "2026-01-05T09:00:00+08:00", ""),
            (
                "agreement_signed",
                "2026-01-10T09:00:00+08:00",
                f'<int key="amount" value="{amount}"/>',
            ),
            (
                "case_closed",
                "2026-01-11T09:00:00+08:00",
                '<string key="outcome" value="settled_unconfirmed"/>',
            ),
        ]
    )


def test_report_on_a_400_digit_amount(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "log.xes"
    path.write_bytes(_closed_case("9" * 400))
    code, document, _err = run(capsys, "report", str(path))
    assert code == 1  # an input error: the amount cannot be a number of yuan
    assert document["cases"] == 1


def test_audit_reports_the_400_digit_amount_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.xes"
    path.write_bytes(_closed_case("9" * 400))
    _code, document, _err = run(capsys, "audit", str(path))
    [error] = document["input_errors"]
    assert error["line"] == 4
    assert "amount" in error["message"]


@pytest.mark.parametrize(
    "stamps",
    [
        ("0001-01-01T00:00:00+08:00", "0001-01-02T00:00:00+08:00"),
        ("0001-01-01T00:00:00+23:59", "0001-03-01T00:00:00+08:00"),
        ("9999-12-31T10:00:00+08:00", "9999-12-31T23:30:00-23:59"),
    ],
)
@pytest.mark.parametrize("by", ["", "month", "org,year"])
def test_report_on_timestamps_at_the_ends_of_the_calendar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stamps: tuple[str, str], by: str
) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(
        jsonl(
            event("A-1", "complaint_received", stamps[0]),
            event("A-1", "case_closed", stamps[1], outcome="withdrawn"),
            event("A-1", "case_registered", stamps[1]),
        )
    )
    code, document, err = run(capsys, "report", str(path), *(["--by", by] if by else []))
    assert code in (0, 1), err
    assert document["cases"] >= 1


def test_xes_large_attribute_is_fed_to_expat_in_growing_chunks() -> None:
    """expat rescans a token that spans chunks from its start at every chunk: 64 KiB chunks make
    a 16 MB attribute cost 256 rescans (quadratic). Doubling the chunk while a token is open
    makes it a handful (linear); the time is in bench/bench_xes_attribute.py."""
    from standard_rules.pack import default_pack
    from standard_rules.xeslog import parse_xes

    document = xes(
        [("complaint_received", "2026-01-05T09:00:00+08:00", '<string key="note" value="{}"/>')]
    ).replace(b"{}", b"x" * 16_000_000)

    class Stream:
        def __init__(self, data: bytes) -> None:
            self.data, self.at, self.reads = data, 0, 0

        def read(self, size: int) -> bytes:
            self.reads += 1
            chunk = self.data[self.at : self.at + size]
            self.at += len(chunk)
            return chunk

    stream = Stream(document)
    items = list(parse_xes(stream, default_pack().contract_activities))
    assert [type(i).__name__ for i in items] == ["Event"]
    assert stream.reads < 20


def test_xes_element_beyond_the_bound_is_an_input_error_with_its_line() -> None:
    from standard_rules.eventlog import InputError
    from standard_rules.pack import default_pack
    from standard_rules.xeslog import parse_xes

    document = xes(
        [
            ("complaint_received", "2026-01-05T09:00:00+08:00", ""),
            ("complaint_accepted", "2026-01-06T09:00:00+08:00", '<string key="n" value="{}"/>'),
        ]
    ).replace(b"{}", b"x" * 3_000_000)
    items = list(parse_xes([document], default_pack().contract_activities, max_element=1 << 20))
    errors = [i for i in items if isinstance(i, InputError)]
    assert [(e.line, "larger than" in e.message) for e in errors] == [(4, True)]
    assert sum(1 for i in items if not isinstance(i, InputError)) == 1


ESCAPES = "\x1b[2J\x1b]0;pwned\x07\r\x1b[31m"


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_and_markdown_output_neutralise_terminal_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    path = tmp_path / "log.jsonl"
    case = f"A-1{ESCAPES}"
    path.write_text(
        jsonl(
            event(case, "complaint_received", "2026-01-05T09:00:00+08:00"),
            event(case, "complaint_accepted", "2026-03-05T09:00:00+08:00"),
            event(f"B{ESCAPES}", f"nope{ESCAPES}", "x"),
        )
    )
    main(["audit", str(path), "--format", fmt, "--as-of", AS_OF])
    out = capsys.readouterr().out
    assert "A-1" in out
    assert "nope" in out  # the input error is still shown, its escapes made visible
    assert not any(ch in out for ch in "\x1b\x07\r"), repr(out)
    assert "\\x1b" in out


def test_a_fault_while_auditing_exits_2_not_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """1 means findings: a crash of ours must never be read as "the log has findings"."""
    import api.log_input

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug in a reader")

    monkeypatch.setattr(api.log_input, "read_logs", broken)
    path = tmp_path / "log.jsonl"
    path.write_text(jsonl(event("A-1", "complaint_received", "2026-01-05T09:00:00+08:00")))
    assert main(["audit", str(path)]) == 2
    assert "internal error" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("document", "line", "words"),
    [
        (b'<?xml version="1.0"?>\n<note>\n<log/></note>\n', 2, "not <log>"),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE log [\n<!ENTITY a "aaaaaaaaaa">\n'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n<log>&b;</log>\n',
            3,
            "entity",
        ),
    ],
)
def test_xes_that_is_not_a_log_or_declares_entities_stops_with_an_input_error(
    document: bytes, line: int, words: str
) -> None:
    from standard_rules.eventlog import InputError
    from standard_rules.pack import default_pack
    from standard_rules.xeslog import parse_xes

    items = list(parse_xes([document], default_pack().contract_activities))
    assert len(items) == 1 and isinstance(items[0], InputError)
    assert (items[0].line, words in items[0].message) == (line, True), items[0]


def test_xes_in_gbk_is_read_and_its_bad_bytes_are_an_input_error_at_their_line() -> None:
    """pyexpat reads no multi-byte encoding ("multi-byte encodings are not supported", a crash);
    Chinese systems may export GBK or GB18030."""
    from standard_rules.eventlog import Event, InputError
    from standard_rules.pack import default_pack
    from standard_rules.xeslog import parse_xes

    org = '<string key="org" value="消保委"/>'
    document = xes(
        [
            ("complaint_received", "2026-01-05T09:00:00+08:00", org),
            ("complaint_accepted", "2026-01-06T09:00:00+08:00", ""),
        ],
        encoding="GBK",
    ).decode()
    events = list(parse_xes([document.encode("gbk")], default_pack().contract_activities))
    assert [(type(e).__name__, e.line) for e in events] == [("Event", 3), ("Event", 4)]
    first = events[0]
    assert isinstance(first, Event) and first.case == "A-1" and first.data == {"org": "消保委"}
    broken = document.encode("gbk").replace(b"complaint_accepted", b"\xff\xff")
    items = list(parse_xes([broken], default_pack().contract_activities))
    assert [(type(e).__name__, e.line) for e in items] == [("Event", 3), ("InputError", 4)]
    assert isinstance(items[1], InputError) and "gbk" in items[1].message


@pytest.mark.parametrize(
    ("value", "read_as"),
    [("²", "²"), ("12", 12), (str(2**70), float(2**70)), ("1e400", None), ("9" * 5000, None)],
)
def test_xes_numbers_read_as_json_would_or_are_input_errors(value: str, read_as: object) -> None:
    from standard_rules.eventlog import Event
    from standard_rules.pack import default_pack
    from standard_rules.xeslog import parse_xes

    tag = "float" if "e" in value else "int"
    document = xes(
        [("complaint_received", "2026-01-05T09:00:00+08:00", f'<{tag} key="n" value="{value}"/>')]
    )
    [item] = parse_xes([document], default_pack().contract_activities)
    if read_as is None:
        assert not isinstance(item, Event) and "out of range" in item.message
    else:
        assert isinstance(item, Event) and item.data == {"n": read_as}
