"""Rendering an audit result: the JSON of contract/CLI.md, text for a person at a terminal, and
(api/reports/audit_docs.py) Markdown, HTML and Excel documents to hand on."""

from __future__ import annotations

from typing import Any

import orjson

from api.reports.safe_text import visible
from standard_rules.audit import CONTRACT_VERSION, KIND_ZH, AuditResult, Finding
from standard_rules.pack import RulePack


def finding_dict(finding: Finding, pack: RulePack | None = None) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if pack is not None:
        from api.reports.audit_docs import law, rule_title

        extra = {"rule_title": rule_title(pack, finding.rule), "law": law(pack, finding.rule)}
    return {
        "case": finding.case,
        "rule": finding.rule,
        "kind": finding.kind,
        "due": finding.due.isoformat() if finding.due else None,
        "at": finding.at,
        "message": finding.message,
        "message_en": finding.message_en,
        "explanation": finding.explanation,
        "evidence": [
            {"activity": e.activity, "at": e.at, "file": e.file, "line": e.line}
            for e in finding.evidence
        ],
        "org": finding.org or None,
        **extra,
    }


def to_json(result: AuditResult, pack: RulePack | None = None) -> bytes:
    document = {
        "contract": CONTRACT_VERSION,
        "cases": result.cases,
        "events": result.events,
        "as_of": result.as_of.isoformat(),
        "rule_pack": result.rule_pack,
        "findings": [finding_dict(f, pack) for f in result.findings],
        "input_errors": [
            {"file": e.file, "line": e.line, "message": e.message} for e in result.input_errors
        ],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def to_text(result: AuditResult) -> str:
    lines = [
        f"审计时点 as of {result.as_of.isoformat()} · 规则包 {result.rule_pack}",
        f"{result.cases} 件案件，{result.events} 条事件；"
        f"发现问题 {len(result.findings)} 项，输入错误 {len(result.input_errors)} 处",
    ]
    # Everything a log supplied goes through visible(): this text lands on a terminal.
    for error in result.input_errors:
        lines.append(f"输入错误 {visible(error.file)}:{error.line}: {visible(error.message)}")
    for f in result.findings:
        due = f" 期限 {f.due}" if f.due else ""
        at = f" 发生于 {visible(f.at)}" if f.at else ""
        lines.append(f"{visible(f.case)}  {f.rule}  {KIND_ZH[f.kind]}({f.kind}){due}{at}")
        lines.append(f"    {visible(f.message)}")
        if f.explanation:
            lines.append(f"    期限计算：{visible(f.explanation)}")
    if not result.findings and not result.input_errors:
        lines.append("未发现问题。")
    return "\n".join(lines) + "\n"


def render(result: AuditResult, pack: RulePack, fmt: str) -> bytes:
    """The result in one of the formats of `suitiao audit --format`."""
    if fmt == "json":
        return to_json(result, pack)
    if fmt == "text":
        return to_text(result).encode()
    from api.reports import audit_docs

    if fmt == "markdown":
        return audit_docs.to_markdown(result, pack).encode()
    if fmt == "html":
        return audit_docs.to_html(result, pack).encode()
    if fmt == "xlsx":
        return audit_docs.to_xlsx(result, pack)
    raise ValueError(f"unknown format {fmt!r}")
