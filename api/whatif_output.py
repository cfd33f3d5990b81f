"""Rendering a what-if comparison: text, JSON, Markdown and an Excel workbook (summary, due dates
that move, findings that appear or disappear, totals by organisation and rule)."""

from __future__ import annotations

from dataclasses import asdict
from io import BytesIO
from typing import Any

import orjson

from api.audit_output import finding_dict
from api.reports.workbook import new_workbook, write_table
from api.whatif_run import TimerReport
from standard_rules.audit import KIND_ZH, Finding
from standard_rules.whatif import DueChange, TimerChange, WhatIfResult

FORMATS = ("text", "json", "markdown", "xlsx")


def _day(value: object) -> str:
    return "—" if value is None else str(value)


def _shift_zh(shift: int | None) -> str:
    if shift is None:
        return "适用与否改变"
    return f"推迟{shift}日" if shift > 0 else f"提前{-shift}日"


def move_dict(d: DueChange) -> dict[str, Any]:
    return {
        "case": d.case,
        "org": d.org or None,
        "rule": d.rule,
        "period": d.period,
        "start": {"activity": d.start_activity, "at": d.start_at},
        "old_due": d.old_due.isoformat() if d.old_due else None,
        "new_due": d.new_due.isoformat() if d.new_due else None,
        "shift_days": d.shift,
        "reason": d.reason_zh,
        "reason_en": d.reason_en,
        "ended_at": d.done_at,
        "current_reckoning": d.old_reckoning,
        "proposed_reckoning": d.new_reckoning,
    }


def to_json(result: WhatIfResult) -> bytes:
    document = {
        "cases": result.cases,
        "events": result.events,
        "as_of": result.as_of.isoformat(),
        "current": result.old,
        "proposed": result.new,
        "findings": {"current": len(result.old_findings), "proposed": len(result.new_findings)},
        "due_changes": [move_dict(d) for d in result.due_changes],
        "appeared": [finding_dict(f) for f in result.appeared],
        "disappeared": [finding_dict(f) for f in result.disappeared],
        "totals": [asdict(t) for t in result.totals()],
        "input_errors": [
            {"file": e.file, "line": e.line, "message": e.message} for e in result.input_errors
        ],
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def _finding_line(f: Finding) -> str:
    due = f" 期限 {f.due}" if f.due else ""
    return f"{f.case}  {f.rule}  {KIND_ZH.get(f.kind, f.kind)}({f.kind}){due}  {f.message}"


def to_text(result: WhatIfResult) -> str:
    lines = [
        f"审计时点 as of {result.as_of.isoformat()}",
        f"现行 current:  {result.old}",
        f"拟用 proposed: {result.new}",
        f"{result.cases} 件案件，{result.events} 条事件；问题 {len(result.old_findings)} → "
        f"{len(result.new_findings)} 项（新增 {len(result.appeared)}，消失 "
        f"{len(result.disappeared)}）；期限变动 {len(result.due_changes)} 处；"
        f"输入错误 {len(result.input_errors)} 处",
    ]
    for e in result.input_errors:
        lines.append(f"输入错误 {e.file}:{e.line}: {e.message}")
    if result.due_changes:
        lines.append("")
        lines.append("期限变动 due dates that move:")
    for d in result.due_changes:
        lines.append(
            f"{d.case}  {d.rule} {d.period}  {_day(d.old_due)} → {_day(d.new_due)}"
            f"（{_shift_zh(d.shift)}）  自 {d.start_activity} {d.start_at}"
        )
        lines.append(f"    原因：{d.reason_zh}")
        if d.old_reckoning:
            lines.append(f"    现行：{d.old_reckoning}")
        if d.new_reckoning:
            lines.append(f"    拟用：{d.new_reckoning}")
    for title, found in (
        ("新增问题 appear:", result.appeared),
        ("消失问题 disappear:", result.disappeared),
    ):
        if found:
            lines += ["", title] + [_finding_line(f) for f in found]
    totals = result.totals()
    if totals:
        lines += ["", "按机构与规则汇总 totals (现行 → 拟用，新增/消失，期限提前/推迟):"]
        for t in totals:
            lines.append(
                f"{t.org or '（未知机构）'}  {t.rule}  {t.old_findings} → {t.new_findings}  "
                f"+{t.appeared}/-{t.disappeared}  提前 {t.earlier} 推迟 {t.later}"
            )
    if not result.changed:
        lines.append("拟用规则与现行规则对这些案件没有任何差别。")
    return "\n".join(lines) + "\n"


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(result: WhatIfResult) -> str:
    out = [
        "# 假设分析 What if",
        "",
        f"- 审计时点 as of: {result.as_of.isoformat()}",
        f"- 现行 current: {_md(result.old)}",
        f"- 拟用 proposed: {_md(result.new)}",
        f"- {result.cases} 件案件 cases, {result.events} 条事件 events",
        f"- 问题 findings: {len(result.old_findings)} → {len(result.new_findings)} "
        f"(新增 appear {len(result.appeared)}, 消失 disappear {len(result.disappeared)})",
        f"- 期限变动 due dates that move: {len(result.due_changes)}",
        "",
        "## 按机构与规则 Totals by organisation and rule",
        "",
        "| 机构 | 规则 | 现行 | 拟用 | 新增 | 消失 | 提前 | 推迟 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for t in result.totals():
        out.append(
            f"| {_md(t.org or '—')} | {t.rule} | {t.old_findings} | {t.new_findings} | "
            f"{t.appeared} | {t.disappeared} | {t.earlier} | {t.later} |"
        )
    out += [
        "",
        "## 期限变动 Due dates that move",
        "",
        "| 案件 | 规则 | 期间 | 起算 | 现行期限 | 拟用期限 | 变动 | 原因 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for d in result.due_changes:
        out.append(
            f"| {_md(d.case)} | {d.rule} | {d.period} | {_md(d.start_activity)} {_md(d.start_at)} "
            f"| {_day(d.old_due)} | {_day(d.new_due)} | {_shift_zh(d.shift)} | {_md(d.reason_zh)} |"
        )
    for title, found in (
        ("新增问题 Findings that appear", result.appeared),
        ("消失问题 Findings that disappear", result.disappeared),
    ):
        out += ["", f"## {title}", "", "| 案件 | 机构 | 规则 | 类型 | 期限 | 说明 |"]
        out.append("| --- | --- | --- | --- | --- | --- |")
        for f in found:
            out.append(
                f"| {_md(f.case)} | {_md(f.org)} | {f.rule} | {f.kind} | {_day(f.due)} "
                f"| {_md(f.message)} |"
            )
    return "\n".join(out) + "\n"


def _finding_row(f: Finding) -> list[Any]:
    return [
        f.case,
        f.org,
        f.rule,
        f"{KIND_ZH.get(f.kind, f.kind)} {f.kind}",
        f.due,
        f.at or "",
        f.message,
    ]


_FINDING_HEADER = [
    "案件 case",
    "机构 org",
    "规则 rule",
    "类型 kind",
    "期限 due",
    "发生 at",
    "说明 message",
]


def to_xlsx(result: WhatIfResult) -> bytes:
    book = new_workbook()
    summary = book.create_sheet("汇总 Summary")
    meta: list[list[Any]] = [
        ["审计时点 as of", result.as_of.isoformat()],
        ["现行 current", result.old],
        ["拟用 proposed", result.new],
        ["案件 cases", result.cases],
        ["事件 events", result.events],
        ["现行问题 findings now", len(result.old_findings)],
        ["拟用问题 findings proposed", len(result.new_findings)],
        ["新增 appear", len(result.appeared)],
        ["消失 disappear", len(result.disappeared)],
        ["期限变动 due dates moved", len(result.due_changes)],
        ["输入错误 input errors", len(result.input_errors)],
        [],
        ["机构 org", "规则 rule", "现行 now", "拟用 proposed", "新增", "消失", "提前", "推迟"],
    ]
    meta += [
        [
            t.org,
            t.rule,
            t.old_findings,
            t.new_findings,
            t.appeared,
            t.disappeared,
            t.earlier,
            t.later,
        ]
        for t in result.totals()
    ]
    write_table(summary, None, meta, widths=(28, 60, 12, 12, 8, 8, 8, 8), autofilter=False)
    moves = book.create_sheet("期限变动 Due dates")
    write_table(
        moves,
        [
            "案件 case",
            "机构 org",
            "规则 rule",
            "期间 period",
            "起算事件 start",
            "起算时间 at",
            "现行期限 current",
            "拟用期限 proposed",
            "变动(日) shift",
            "原因 why",
            "结束于 ended",
            "现行计算 current reckoning",
            "拟用计算 proposed reckoning",
        ],
        (
            [
                d.case,
                d.org,
                d.rule,
                d.period,
                d.start_activity,
                d.start_at,
                d.old_due,
                d.new_due,
                d.shift,
                d.reason_zh,
                d.done_at or "",
                d.old_reckoning,
                d.new_reckoning,
            ]
            for d in result.due_changes
        ),
        widths=(18, 24, 8, 24, 20, 26, 14, 14, 10, 70, 26, 60, 60),
    )
    for title, found in (("新增 Appear", result.appeared), ("消失 Disappear", result.disappeared)):
        sheet = book.create_sheet(title)
        write_table(
            sheet,
            _FINDING_HEADER,
            (_finding_row(f) for f in found),
            widths=(18, 24, 8, 14, 12, 26, 80),
        )
    errors = book.create_sheet("输入错误 Input errors")
    write_table(
        errors,
        ["文件 file", "行 line", "说明 message"],
        ([x.file, x.line, x.message] for x in result.input_errors),
        widths=(40, 8, 80),
    )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(result: WhatIfResult, fmt: str) -> bytes:
    if fmt == "json":
        return to_json(result)
    if fmt == "text":
        return to_text(result).encode()
    if fmt == "markdown":
        return to_markdown(result).encode()
    if fmt == "xlsx":
        return to_xlsx(result)
    raise ValueError(f"unknown format {fmt!r}")


# -- armed timers of the live database ------------------------------------------------------------


def timer_dict(c: TimerChange) -> dict[str, Any]:
    return {
        "case": c.case,
        "org": c.org or None,
        "timer": c.timer,
        "fires": c.armed.isoformat(),
        "would_fire": c.would_fire.isoformat() if c.would_fire else None,
        "shift_days": c.shift,
        **{
            k: v
            for k, v in move_dict(c.change).items()
            if k in ("rule", "period", "old_due", "new_due", "reason", "reason_en")
        },
    }


def render_timers(report: TimerReport, fmt: str) -> bytes:
    if fmt == "json":
        document = {
            "current": report.old,
            "proposed": report.new,
            "open_cases_with_timers": report.cases,
            "timers": report.timers,
            "changes": [timer_dict(c) for c in report.changes],
        }
        return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
    earlier = sum(1 for c in report.changes if c.shift is not None and c.shift < 0)
    later = sum(1 for c in report.changes if c.shift is not None and c.shift > 0)
    if fmt == "xlsx":
        book = new_workbook()
        sheet = book.create_sheet("定时器 Timers")
        write_table(
            sheet,
            [
                "案件 case",
                "机构 org",
                "定时器 timer",
                "规则 rule",
                "期间 period",
                "现定触发 fires",
                "将触发 would fire",
                "变动(日) shift",
                "原因 why",
            ],
            (
                [
                    c.case,
                    c.org,
                    c.timer,
                    c.change.rule,
                    c.change.period,
                    c.armed.isoformat(),
                    c.would_fire.isoformat() if c.would_fire else "不再触发",
                    c.shift,
                    c.change.reason_zh,
                ]
                for c in report.changes
            ),
            widths=(18, 24, 28, 8, 24, 28, 28, 10, 70),
        )
        buffer = BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    lines = [
        f"现行 current:  {report.old}",
        f"拟用 proposed: {report.new}",
        f"{report.cases} 件未结案件共 {report.timers} 个定时器；{len(report.changes)} 个将改变"
        f"（提前 {earlier}，推迟 {later}）",
    ]
    for c in report.changes:
        would = c.would_fire.isoformat() if c.would_fire else "不再触发"
        lines.append(
            f"{c.case}  {c.timer}  {c.change.rule} {c.change.period}  {c.armed.isoformat()} → "
            f"{would}（{_shift_zh(c.shift)}）"
        )
        lines.append(f"    原因：{c.change.reason_zh}")
    if fmt == "markdown":
        return ("\n\n".join(lines[:3]) + "\n\n```\n" + "\n".join(lines[3:]) + "\n```\n").encode()
    return ("\n".join(lines) + "\n").encode()
