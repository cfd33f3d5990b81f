"""Inline SVG bar charts for the HTML reports: no script, no external file, no CDN."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#3b6ea5", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646")


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, float]],
    unit: str = "",
    color: str = PALETTE[0],
    empty: str = "无数据 (no data)",  # the pages pass their own language's words
) -> str:
    """A horizontal bar chart, one bar per (label, value), as an <svg> element."""
    if not bars:
        return f'<p class="empty">{escape(title)}：{escape(empty)}</p>'
    row, label_w, bar_w, top = 22, 230, 380, 28
    height = top + row * len(bars) + 10
    width = label_w + bar_w + 90
    peak = max((v for _, v in bars), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(bars):
        y = top + i * row
        length = max(1.0, bar_w * value / peak) if value else 0.0
        shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label[:32])}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="16" fill="{color}">'
            f"<title>{escape(label)}: {shown}{escape(unit)}</title></rect>"
            f'<text x="{label_w + length + 4:.1f}" y="{y + 15}">{shown}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
