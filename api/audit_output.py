"""Rendering an audit result: the JSON of contract/CLI.md, and text for a person at a terminal."""

from __future__ import annotations

from typing import Any

import orjson

from standard_rules.audit import KIND_ZH, AuditResult, Finding


def finding_dict(finding: Finding) -> dict[str, Any]:
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
    }


def to_json(result: AuditResult) -> bytes:
    document = {
        "cases": result.cases,
        "events": result.events,
        "as_of": result.as_of.isoformat(),
        "rule_pack": result.rule_pack,
        "findings": [finding_dict(f) for f in result.findings],
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
    for error in result.input_errors:
        lines.append(f"输入错误 {error.file}:{error.line}: {error.message}")
    for f in result.findings:
        due = f" 期限 {f.due}" if f.due else ""
        at = f" 发生于 {f.at}" if f.at else ""
        lines.append(f"{f.case}  {f.rule}  {KIND_ZH[f.kind]}({f.kind}){due}{at}")
        lines.append(f"    {f.message}")
        if f.explanation:
            lines.append(f"    期限计算：{f.explanation}")
    if not result.findings and not result.input_errors:
        lines.append("未发现问题。")
    return "\n".join(lines) + "\n"
