"""`suitiao audit` and `suitiao report` end to end: every input and output format."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from api.cli import main
from standard_rules.xes import write_xes

REPO = Path(__file__).resolve().parents[3]


def generated(cases: int, shuffle: bool = False) -> list[str]:
    spec = importlib.util.spec_from_file_location("generate_log", REPO / "bench/generate_log.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lines: list[str] = module.generate(cases, 11, shuffle)
    return lines


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One log in every format (names hide the format: it is told by content)."""
    root = tmp_path_factory.mktemp("logs")
    lines = generated(150)
    records = [json.loads(line) for line in lines]
    for r in records:
        r["org"] = "临海市人民法院" if r["case"][-1] in "02468" else "天台县消保委"
    paths = {name: root / f"log-{name}.txt" for name in ("jsonl", "csv", "xes", "shuffled")}
    paths["jsonl"].write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["案号", "环节", "时间", "角色", "机构", "数据"])
    for r in records:
        data = json.dumps(r.get("data") or {}, ensure_ascii=False)
        writer.writerow([r["case"], r["activity"], r["at"], r["role"], r["org"], data])
    paths["csv"].write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode())
    paths["xes"].write_text("".join(write_xes(records)), encoding="utf-8")
    shuffled = [json.loads(line) for line in generated(150, shuffle=True)]
    paths["shuffled"].write_text("".join(json.dumps(r) + "\n" for r in shuffled))
    return paths


def audit_json(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict[str, Any]]:
    code = main(["audit", str(path), "--format", "json", "--as-of", "2026-12-31T00:00:00+08:00"])
    captured = capsys.readouterr()
    assert captured.err == ""  # no progress bar when stderr is not a terminal
    return code, json.loads(captured.out)


def key(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(f["case"], f["rule"], f["kind"], f["due"], f["at"]) for f in document["findings"]]


def test_every_input_format_gives_the_same_audit(
    logs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, expected = audit_json(capsys, logs["jsonl"])
    assert code == 1 and expected["findings"] and expected["input_errors"] == []
    for name in ("csv", "xes"):
        code, document = audit_json(capsys, logs[name])
        assert document["input_errors"] == [], name
        assert (document["cases"], document["events"]) == (expected["cases"], expected["events"])
        assert key(document) == key(expected), name
    finding = expected["findings"][0]
    assert finding["law"] and finding["rule_title"] and finding["org"]
    assert finding["evidence"][0]["file"] == str(logs["jsonl"])


def test_interleaved_log_is_grouped_and_audited_alike(
    logs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, shuffled = audit_json(capsys, logs["shuffled"])
    lines = generated(150)
    plain = logs["shuffled"].with_name("plain.jsonl")
    plain.write_text("".join(line + "\n" for line in lines))
    _, ordered = audit_json(capsys, plain)
    assert key(shuffled) == key(ordered) and shuffled["cases"] == 150


def test_unknown_format_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Dear auditor,\nhere are the cases\n")
    assert main(["audit", str(path)]) == 2
    assert "unknown format" in capsys.readouterr().err


def test_markdown(logs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "audit.md"
    assert main(["audit", str(logs["csv"]), "--format", "markdown", "--output", str(out)]) == 1
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# 诉调对接审计报告")
    assert "法律依据 law: [" in text and "期限计算 reckoning:" in text
    assert f"{logs['csv']}:" in text  # evidence cites file:line


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.sources += [v or "" for k, v in attrs if k in ("src", "href")]


def test_html_is_one_self_contained_file_with_charts(logs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "audit.html"
    assert main(["audit", str(logs["xes"]), "--format", "html", "--output", str(out)]) == 1
    text = out.read_text(encoding="utf-8")
    parser = _Collect()
    parser.feed(text)
    assert parser.tags.count("svg") == 2  # by rule and by organisation
    assert "script" not in parser.tags and parser.sources == []
    assert "按机构" in text and "临海市人民法院" in text and "天台县消保委" in text
    assert "<style>" in text


def test_xlsx_summary_and_findings_with_filter(logs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "audit.xlsx"
    json_out = tmp_path / "audit.json"
    assert main(["audit", str(logs["jsonl"]), "--format", "xlsx", "--output", str(out)]) == 1
    main(["audit", str(logs["jsonl"]), "--format", "json", "--output", str(json_out)])
    findings = json.loads(json_out.read_text())["findings"]
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["汇总 Summary", "问题 Findings", "输入错误 Input errors"]
    sheet = book["问题 Findings"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["案号 case", "机构 organisation", "规则 rule"]
    assert sheet.max_row == len(findings) + 1
    assert sheet.auto_filter.ref == f"A1:K{len(findings) + 1}"
    first = [c.value for c in sheet[2]]
    assert first[0] == findings[0]["case"] and first[2] == findings[0]["rule"]
    assert "jsonl" not in str(first[9]) and first[9]  # the law column
    summary = {row[0].value: row[1].value for row in book["汇总 Summary"].iter_rows(max_row=6)}
    assert summary["问题 findings"] == len(findings)
    assert str(summary["审计时点 as of"]).endswith("（北京时间）")  # local time, not UTC
    assert len(book["汇总 Summary"]._charts) == 1  # findings by rule


def test_xlsx_keeps_formula_like_text_as_text(tmp_path: Path) -> None:
    log = tmp_path / "evil.csv"
    log.write_text(
        'case,activity,at\n=HYPERLINK("http://x"),referred,2026-03-03T09:00:00+08:00\n',
        encoding="utf-8",
    )
    out = tmp_path / "evil.xlsx"
    assert main(["audit", str(log), "--format", "xlsx", "--output", str(out)]) == 1
    cell = openpyxl.load_workbook(out)["问题 Findings"]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html", "xlsx"])
def test_report_formats(logs: dict[str, Path], tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    args = ["report", str(logs["jsonl"]), "--by", "org", "--by", "year", "--format", fmt]
    assert main([*args, "--output", str(out)]) == 0
    if fmt == "json":
        document = json.loads(out.read_text())
        assert {d["key"] for d in document["definitions"]} >= {"confirmed", "voluntary_rate"}
        assert all(d["confidence"] == "low" for d in document["definitions"])
        assert document["groups"] and len(document["groups"][0]["key"]) == 2
    elif fmt == "xlsx":
        book = openpyxl.load_workbook(out)
        assert book.sheetnames == ["统计 Statistics", "口径 Definitions"]
        assert book["统计 Statistics"].auto_filter.ref
        sheet = book["统计 Statistics"]
        assert len(sheet._charts) == 1
        header = [c.value for c in sheet[1]]
        rate = header.index(next(h for h in header if h and h.endswith("(%)"))) + 1
        money = [i + 1 for i, h in enumerate(header) if h and h.endswith("(元)")]
        assert sheet.cell(row=2, column=rate).number_format == '0.00"%"'
        assert all(sheet.cell(row=2, column=c).number_format == "#,##0.00" for c in money)
    else:
        text = out.read_text(encoding="utf-8")
        assert "自动履行率" in text and "置信度" in text
        if fmt == "html":
            assert text.count("<svg") >= 4 and "<script" not in text


def test_report_rejects_two_periods(logs: dict[str, Path]) -> None:
    assert main(["report", str(logs["jsonl"]), "--by", "month,year"]) == 2


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(logs: dict[str, Path], monkeypatch: Any) -> None:
    from api import log_input
    from standard_rules.legal_calendar import default_calendar
    from standard_rules.pack import default_pack

    monkeypatch.setattr(log_input.Progress, "update", _always_draw(log_input.Progress.update))
    terminal = _Terminal()
    result, streamed = log_input.run_audit(
        [logs["jsonl"]], default_pack(), default_calendar(), None, terminal
    )
    assert streamed and result.events > 0
    assert "审计 audit [" in terminal.getvalue() and "MB" in terminal.getvalue()
    plain = io.StringIO()
    log_input.run_audit([logs["shuffled"]], default_pack(), default_calendar(), None, plain)
    assert plain.getvalue() == ""


def _always_draw(update: Any) -> Any:
    def draw(self: Any, done: int) -> None:
        self.drawn = 0.0  # no rate limit in the test
        update(self, done)

    return draw
