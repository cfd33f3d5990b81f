"""`suitiao report`: the statistics as text, JSON, Markdown, HTML (with charts) and Excel.

Every document carries the definition of each figure and its confidence (RULES.md §4).
"""

from __future__ import annotations

from html import escape
from io import BytesIO
from typing import Any

import orjson

from api.reports.audit_docs import html_page
from api.reports.charts import PALETTE, bar_chart
from api.reports.safe_text import visible
from api.reports.workbook import UNIT_FORMATS, new_workbook, write_table
from standard_rules.statistics import Metric, Row, Statistics, as_mapping

GROUP_ZH = {
    "org": "机构 organisation",
    "month": "月 month",
    "quarter": "季 quarter",
    "year": "年 year",
}
CONFIDENCE_ZH = {"low": "低 low", "medium": "中 medium", "high": "高 high"}
CHARTED = ("pre_filing_resolved", "confirmed", "voluntary_rate", "registered")


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.2f}%"
    if unit == "元":
        return f"{value:,.2f}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _window(stats: Statistics) -> str:
    start = stats.start.isoformat() if stats.start else "（最早）"
    end = stats.end.isoformat() if stats.end else "（最晚）"
    return f"{start} — {end}"


def _group_header(stats: Statistics) -> list[str]:
    return [GROUP_ZH[g] for g in stats.by if g == "org"] + [
        GROUP_ZH[g] for g in stats.by if g != "org"
    ][:1]


def _rows(stats: Statistics) -> list[Row]:
    return [*stats.rows, stats.total] if stats.rows else [stats.total]


def _label(row: Row) -> str:
    return " · ".join(row.key) or "合计 total"


def _shown(row: Row) -> str:
    """A group's label for a terminal or Markdown: organisation names come from the log."""
    return visible(_label(row))


def to_json(stats: Statistics) -> bytes:
    return orjson.dumps(as_mapping(stats), option=orjson.OPT_INDENT_2) + b"\n"


def _definitions_text(stats: Statistics) -> list[str]:
    lines = ["口径 Definitions (RULES.md §4):"]
    for m in stats.metrics:
        reported = f" 已公布：{m.reported}" if m.reported else ""
        lines.append(
            f"- {m.zh} ({m.en}, {m.unit}): {m.definition} "
            f"置信度 confidence {CONFIDENCE_ZH.get(m.confidence, m.confidence)}.{reported}"
        )
    lines.append(f"- {stats.overdue_definition}")
    lines.append(stats.note)
    return lines


def to_text(stats: Statistics) -> str:
    lines = [
        f"诉调对接统计 Statistics · 区间 {_window(stats)} · {stats.cases} 件案件",
        "",
    ]
    for row in _rows(stats):
        lines.append(f"[{_shown(row)}]")
        for m in stats.metrics:
            unit = "" if m.unit == "%" else m.unit
            lines.append(f"  {m.zh:<16} {fmt(row.values.get(m.key), m.unit):>14} {unit}")
        for rule in stats.rules:
            lines.append(f"  逾期 {rule:<13} {row.overdue.get(rule, 0):>14,} 件")
        lines.append("")
    lines += _definitions_text(stats)
    return "\n".join(lines) + "\n"


def _md(text: object) -> str:
    escaped = visible(text).replace("\\", "\\\\").replace("|", "\\|")
    return escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_markdown(stats: Statistics) -> str:
    out = [
        "# 诉调对接统计 Statistics",
        "",
        f"- 区间 period: {_window(stats)}",
        f"- 分组 by: {', '.join(GROUP_ZH[g] for g in stats.by) or '（不分组）'}",
        f"- 案件 cases: {stats.cases}",
        "",
    ]
    rows = _rows(stats)
    out.append("| 指标 | 单位 | " + " | ".join(_md(_label(r)) for r in rows) + " |")
    out.append("| --- | --- | " + " | ".join("---:" for _ in rows) + " |")
    for m in stats.metrics:
        cells = " | ".join(fmt(r.values.get(m.key), m.unit) for r in rows)
        out.append(f"| {m.zh} | {m.unit} | {cells} |")
    for rule in stats.rules:
        cells = " | ".join(f"{r.overdue.get(rule, 0):,}" for r in rows)
        out.append(f"| 逾期 {rule} | 件 | {cells} |")
    out += ["", "## 口径 Definitions", ""]
    out += [line if line.startswith("- ") else f"{line}" for line in _definitions_text(stats)[1:]]
    out.append("")
    return "\n".join(out)


def _chart(stats: Statistics, metric: Metric, color: str) -> str:
    bars = [
        (_label(r), float(v)) for r in stats.rows if (v := r.values.get(metric.key)) is not None
    ]
    return bar_chart(f"{metric.zh} ({metric.en})", bars, metric.unit, color)


def to_html(stats: Statistics) -> str:
    e = escape
    rows = _rows(stats)
    body = [
        "<h1>诉调对接统计 <small>Statistics</small></h1>",
        f'<p class="meta">区间 {e(_window(stats))} · 分组 '
        f"{e(', '.join(GROUP_ZH[g] for g in stats.by) or '不分组')} · {stats.cases} 件案件</p>",
    ]
    if stats.rows:
        body.append('<div class="charts">')
        for i, key in enumerate(CHARTED):
            metric = next(m for m in stats.metrics if m.key == key)
            body.append(_chart(stats, metric, PALETTE[i % len(PALETTE)]))
        overdue = [(rule, float(stats.total.overdue.get(rule, 0))) for rule in stats.rules]
        body.append(bar_chart("逾期件数 · 按规则 (overdue by rule)", overdue, "", PALETTE[5]))
        body.append("</div>")
    body.append("<h2>数据 Figures</h2><table><tr><th>指标</th><th>单位</th>")
    body += [f"<th>{e(_label(r))}</th>" for r in rows]
    body.append("</tr>")
    for m in stats.metrics:
        body.append(f"<tr><td>{e(m.zh)}<br><small>{e(m.en)}</small></td><td>{e(m.unit)}</td>")
        body += [f'<td class="n">{e(fmt(r.values.get(m.key), m.unit))}</td>' for r in rows]
        body.append("</tr>")
    for rule in stats.rules:
        body.append(f"<tr><td>逾期 {e(rule)}</td><td>件</td>")
        body += [f'<td class="n">{r.overdue.get(rule, 0):,}</td>' for r in rows]
        body.append("</tr>")
    body.append("</table><h2>口径 Definitions</h2><table><tr><th>指标</th><th>定义</th>")
    body.append("<th>置信度</th><th>已公布数据</th></tr>")
    for m in stats.metrics:
        body.append(
            f"<tr><td>{e(m.zh)}</td><td>{e(m.definition)}</td>"
            f"<td>{e(CONFIDENCE_ZH.get(m.confidence, m.confidence))}</td>"
            f"<td>{e(m.reported)}</td></tr>"
        )
    body.append(
        f"<tr><td>逾期件数</td><td>{e(stats.overdue_definition)}</td><td>—</td><td></td></tr>"
    )
    body.append(f"</table><p>{e(stats.note)}</p>")
    return html_page("诉调对接统计", body)


def _formatted(sheet: Any, value: Any, number_format: str | None) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if number_format and isinstance(value, int | float):
        cell.number_format = number_format
    return cell


def to_xlsx(stats: Statistics) -> bytes:
    """Sheets: the figures (one row per group, with a filter), definitions, and a chart."""
    from openpyxl.chart import BarChart, Reference

    book = new_workbook()
    sheet = book.create_sheet("统计 Statistics")
    header = _group_header(stats) or ["分组 group"]
    columns = [f"{m.zh} ({m.unit})" for m in stats.metrics]
    columns += [f"逾期 {rule} (件)" for rule in stats.rules]

    def cells(row: Row) -> list[Any]:
        key = list(row.key) if stats.rows else ["合计 total"]
        key += [""] * (len(header) - len(key))
        return [
            *key[: len(header)],
            *[row.values.get(m.key) for m in stats.metrics],
            *[row.overdue.get(rule, 0) for rule in stats.rules],
        ]

    formats = [None] * len(header) + [UNIT_FORMATS.get(m.unit) for m in stats.metrics]
    formats += [UNIT_FORMATS["件"]] * len(stats.rules)
    count = write_table(
        sheet,
        [*header, *columns],
        (cells(r) for r in stats.rows),
        widths=[22] * len(header) + [14] * len(columns),
        formats=formats,
    )
    sheet.append([])
    if stats.rows:
        total = cells(stats.total)
        sheet.append([_formatted(sheet, v, f) for v, f in zip(total, formats, strict=False)])
    if count:
        # A bar chart of the first figure (resolved before filing) and confirmations per group.
        chart = BarChart()
        chart.title = "诉前引导化解件数与司法确认件数"
        chart.y_axis.title = "件"
        first = len(header) + 1
        data = Reference(sheet, min_col=first, max_col=first, min_row=1, max_row=count + 1)
        chart.add_data(data, titles_from_data=True)
        confirmed = first + [m.key for m in stats.metrics].index("confirmed")
        chart.add_data(
            Reference(sheet, min_col=confirmed, max_col=confirmed, min_row=1, max_row=count + 1),
            titles_from_data=True,
        )
        chart.set_categories(Reference(sheet, min_col=1, max_col=1, min_row=2, max_row=count + 1))
        chart.width, chart.height = 24, 12
        sheet.add_chart(chart, f"A{count + 5}")
    definitions = book.create_sheet("口径 Definitions")
    write_table(
        definitions,
        ["指标 metric", "English", "单位 unit", "定义 definition", "置信度 confidence", "已公布"],
        [
            [m.zh, m.en, m.unit, m.definition, CONFIDENCE_ZH.get(m.confidence), m.reported]
            for m in stats.metrics
        ]
        + [["逾期件数", "overdue per rule", "件", stats.overdue_definition, "", ""]]
        + [["说明", "note", "", stats.note, "", ""]],
        widths=(22, 30, 8, 90, 14, 36),
    )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(stats: Statistics, fmt: str) -> bytes:
    """The statistics in one of the formats of `suitiao report --format`."""
    if fmt == "json":
        return to_json(stats)
    if fmt == "text":
        return to_text(stats).encode()
    if fmt == "markdown":
        return to_markdown(stats).encode()
    if fmt == "html":
        return to_html(stats).encode()
    if fmt == "xlsx":
        return to_xlsx(stats)
    raise ValueError(f"unknown format {fmt!r}")
