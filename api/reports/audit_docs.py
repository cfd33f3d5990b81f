"""An audit result as a document to hand on: Markdown, one self-contained HTML file, or Excel.

Each finding cites its rule (id and title), the law behind it (the rule's source with the titles
of the texts in sources.toml), the evidence events (activity, time, file:line) and the due date
with the explanation of how it was reckoned.
"""

from __future__ import annotations

from collections import Counter
from html import escape
from io import BytesIO
from typing import Any

from api.reports.charts import PALETTE, bar_chart
from api.reports.safe_text import visible
from api.reports.workbook import new_workbook, write_table
from standard_rules.audit import KIND_ZH, AuditResult, Finding
from standard_rules.pack import RulePack
from standard_rules.timezone import SHANGHAI

NO_ORG = "（未注明机构）"


def rule_title(pack: RulePack, rule_id: str) -> str:
    rule = pack.rules.get(rule_id)
    return rule.title_zh if rule else ""


def law(pack: RulePack, rule_id: str) -> str:
    """The rule's source as cited in the pack, followed by the full titles of the texts."""
    rule = pack.rules.get(rule_id)
    if rule is None:
        return ""
    titles = []
    for key in rule.sources:
        source = pack.sources.get(key)
        if source is not None:
            titles.append(
                f"[{key}] 《{source.title}》" + (f"（{source.date}）" if source.date else "")
            )
    return rule.source + ("；" + "；".join(titles) if titles else "")


def evidence_text(finding: Finding) -> list[str]:
    return [f"{e.activity} @ {e.at} ({e.file}:{e.line})" for e in finding.evidence]


def by_rule(result: AuditResult) -> list[tuple[str, int]]:
    counts = Counter(f.rule for f in result.findings)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def by_org(result: AuditResult) -> list[tuple[str, int]]:
    counts = Counter(f.org or NO_ORG for f in result.findings)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _summary_line(result: AuditResult) -> str:
    return (
        f"{result.cases} 件案件，{result.events} 条事件；发现问题 {len(result.findings)} 项，"
        f"输入错误 {len(result.input_errors)} 处"
    )


# -- Markdown ----------------------------------------------------------------------------------


def _md(text: object) -> str:
    """A log's text as inert Markdown: controls shown as escapes, no table break, no HTML."""
    escaped = visible(text).replace("\\", "\\\\").replace("|", "\\|")
    return escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_markdown(result: AuditResult, pack: RulePack) -> str:
    out = [
        "# 诉调对接审计报告 Audit report",
        "",
        f"- 审计时点 as of: {result.as_of.isoformat()}",
        f"- 规则包 rule pack: {result.rule_pack}",
        f"- {_summary_line(result)}",
        "",
    ]
    if result.findings:
        out += [
            "## 按规则 By rule",
            "",
            "| 规则 | 名称 | 件数 | 法律依据 |",
            "| --- | --- | ---: | --- |",
        ]
        for rule_id, n in by_rule(result):
            title, source = _md(rule_title(pack, rule_id)), _md(law(pack, rule_id))
            out.append(f"| {rule_id} | {title} | {n} | {source} |")
        out += ["", "## 按机构 By organisation", "", "| 机构 | 件数 |", "| --- | ---: |"]
        out += [f"| {_md(org)} | {n} |" for org, n in by_org(result)]
        out += ["", "## 问题 Findings", ""]
        for f in result.findings:
            out.append(f"### {_md(f.case)} · {f.rule} {_md(rule_title(pack, f.rule))}")
            out.append("")
            out.append(f"- 类型 kind: {KIND_ZH[f.kind]} ({f.kind})")
            if f.due:
                out.append(f"- 期限 due: {f.due.isoformat()}")
            if f.explanation:
                out.append(f"- 期限计算 reckoning: {_md(f.explanation)}")
            if f.at:
                out.append(f"- 发生于 at: {_md(f.at)}")
            out.append(f"- 说明: {_md(f.message)}")
            out.append(f"- 法律依据 law: {_md(law(pack, f.rule))}")
            out.append("- 证据 evidence: " + "; ".join(_md(e) for e in evidence_text(f)))
            out.append("")
    else:
        out += ["未发现问题。No findings.", ""]
    if result.input_errors:
        out += ["## 输入错误 Input errors", "", "| 文件 | 行 | 说明 |", "| --- | ---: | --- |"]
        out += [f"| {_md(e.file)} | {e.line} | {_md(e.message)} |" for e in result.input_errors]
        out.append("")
    return "\n".join(out)


# -- HTML --------------------------------------------------------------------------------------

CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em;
color:#222;max-width:1200px}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}
th{background:#f0f3f7}td.n{text-align:right}
.meta{color:#555}.kind-late{color:#c0504d}.kind-missing{color:#8064a2}
.kind-order,.kind-invalid{color:#b8860b}
svg text{font-size:12px;font-family:inherit}svg .chart-title{font-size:14px;font-weight:bold}
.charts{display:flex;flex-wrap:wrap;gap:2em}small{color:#666}ul{margin:0;padding-left:1.2em}
@media print{body{margin:0}}
"""


def html_page(title: str, body: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        + "".join(body)
        + "</body></html>\n"
    )


def to_html(result: AuditResult, pack: RulePack) -> str:
    e = escape
    body = [
        "<h1>诉调对接审计报告 <small>Audit report</small></h1>",
        f'<p class="meta">审计时点 as of {e(result.as_of.isoformat())} · 规则包 '
        f"{e(result.rule_pack)}<br>{e(_summary_line(result))}</p>",
    ]
    if result.findings:
        body.append('<div class="charts">')
        body.append(bar_chart("问题数 · 按规则 (findings by rule)", by_rule(result)))
        body.append(
            bar_chart("问题数 · 按机构 (by organisation)", by_org(result), color=PALETTE[1])
        )
        body.append("</div>")
        body.append("<h2>按规则 By rule</h2><table><tr><th>规则</th><th>名称</th>")
        body.append("<th>件数</th><th>法律依据</th></tr>")
        for rule_id, n in by_rule(result):
            body.append(
                f"<tr><td>{e(rule_id)}</td><td>{e(rule_title(pack, rule_id))}</td>"
                f'<td class="n">{n}</td><td>{e(law(pack, rule_id))}</td></tr>'
            )
        body.append("</table><h2>问题 Findings</h2><table><tr><th>案号</th><th>规则</th>")
        body.append("<th>类型</th><th>期限及计算</th><th>说明</th><th>证据</th></tr>")
        for f in result.findings:
            due = e(f.due.isoformat()) if f.due else ""
            if f.explanation:
                due += f"<br><small>{e(f.explanation)}</small>"
            evidence = "".join(f"<li>{e(t)}</li>" for t in evidence_text(f))
            body.append(
                f"<tr><td>{e(f.case)}<br><small>{e(f.org)}</small></td>"
                f"<td>{e(f.rule)} {e(rule_title(pack, f.rule))}<br>"
                f"<small>{e(law(pack, f.rule))}</small></td>"
                f'<td class="kind-{e(f.kind)}">{e(KIND_ZH[f.kind])}<br><small>{e(f.kind)}'
                f"</small></td><td>{due}</td><td>{e(f.message)}</td><td><ul>{evidence}</ul></td></tr>"
            )
        body.append("</table>")
    else:
        body.append("<p>未发现问题。No findings.</p>")
    if result.input_errors:
        body.append("<h2>输入错误 Input errors</h2><table><tr><th>文件</th><th>行</th>")
        body.append("<th>说明</th></tr>")
        body += [
            f'<tr><td>{e(x.file)}</td><td class="n">{x.line}</td><td>{e(x.message)}</td></tr>'
            for x in result.input_errors
        ]
        body.append("</table>")
    return html_page("诉调对接审计报告", body)


# -- Excel -------------------------------------------------------------------------------------

FINDING_COLUMNS = (
    ("案号 case", 28),
    ("机构 organisation", 20),
    ("规则 rule", 8),
    ("规则名称 title", 36),
    ("类型 kind", 10),
    ("期限 due", 12),
    ("发生时间 at", 26),
    ("说明 message", 60),
    ("期限计算 reckoning", 50),
    ("法律依据 law", 50),
    ("证据 evidence", 70),
)


def finding_row(f: Finding, pack: RulePack) -> list[Any]:
    return [
        f.case,
        f.org,
        f.rule,
        rule_title(pack, f.rule),
        f"{KIND_ZH[f.kind]} {f.kind}",
        f.due,
        f.at or "",
        f.message,
        f.explanation,
        law(pack, f.rule),
        "\n".join(evidence_text(f)),
    ]


def _findings_chart(sheet: Any, first_row: int, count: int) -> None:
    """A bar chart of the findings by rule, beside the table it is drawn from."""
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.title = "各规则问题件数"
    chart.y_axis.title = "件"
    chart.add_data(
        Reference(sheet, min_col=3, max_col=3, min_row=first_row, max_row=first_row + count),
        titles_from_data=True,
    )
    chart.set_categories(
        Reference(sheet, min_col=1, max_col=1, min_row=first_row + 1, max_row=first_row + count)
    )
    chart.width, chart.height = 20, 10
    sheet.add_chart(chart, "F2")


def to_xlsx(result: AuditResult, pack: RulePack) -> bytes:
    book = new_workbook()
    summary = book.create_sheet("汇总 Summary")
    meta: list[list[Any]] = [
        ["审计时点 as of", f"{result.as_of.astimezone(SHANGHAI):%Y-%m-%d %H:%M}（北京时间）"],
        ["规则包 rule pack", result.rule_pack],
        ["案件 cases", result.cases],
        ["事件 events", result.events],
        ["问题 findings", len(result.findings)],
        ["输入错误 input errors", len(result.input_errors)],
        [],
        ["规则 rule", "名称 title", "件数 findings", "法律依据 law"],
    ]
    rules = by_rule(result)
    meta += [[r, rule_title(pack, r), n, law(pack, r)] for r, n in rules]
    meta += [[], ["机构 organisation", "件数 findings"]]
    meta += [[org, n] for org, n in by_org(result)]
    write_table(summary, None, meta, widths=(24, 40, 14, 60), autofilter=False)
    if rules:
        _findings_chart(summary, first_row=8, count=len(rules))
    findings = book.create_sheet("问题 Findings")
    write_table(
        findings,
        [c for c, _ in FINDING_COLUMNS],
        (finding_row(f, pack) for f in result.findings),
        widths=[w for _, w in FINDING_COLUMNS],
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
