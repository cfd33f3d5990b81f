"""PDF rendering with reportlab: A4, margins and sizes after GB/T 9704 (党政机关公文格式), the CJK
font embedded as a subset, Chinese line breaking. Output is byte-for-byte reproducible."""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from typing import Any

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus import paragraph as rl_paragraph

from api.documents.fonts import cjk_font

FONT = "SuitiaoCJK"
# reportlab's list of characters that may not start a line is Japanese-centred and misses the
# full-width Chinese ones (，：；？！》” …); without them a comma can open a line (GB/T 15834
# 标点符号用法 forbids it). They hang at the end of the previous line instead.
CHINESE_CANNOT_START = "，。、：；？！）》」』】〕…—’”·％"
rl_paragraph.ALL_CANNOT_START += "".join(
    c for c in CHINESE_CANNOT_START if c not in rl_paragraph.ALL_CANNOT_START
)


@cache
def _font() -> str:
    pdfmetrics.registerFont(TTFont(FONT, str(cjk_font()), subfontIndex=0))
    return FONT


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base: dict[str, Any] = {"fontName": font, "fontSize": 14, "leading": 26, "wordWrap": "CJK"}
    return {
        "title": ParagraphStyle("title", **{**base, "fontSize": 22, "leading": 36},
                                alignment=TA_CENTER, spaceAfter=10),
        "number": ParagraphStyle("number", **{**base, "fontSize": 12}, alignment=TA_CENTER,
                                 spaceAfter=14),
        "addressee": ParagraphStyle("addressee", **base, alignment=TA_LEFT),
        "body": ParagraphStyle("body", **base, firstLineIndent=28),
        "item": ParagraphStyle("item", **base, firstLineIndent=28),
        "heading": ParagraphStyle("heading", **{**base, "fontSize": 15}, spaceBefore=6,
                                  keepWithNext=1),  # never a heading alone at a page foot
        "right": ParagraphStyle("right", **base, alignment=TA_RIGHT, rightIndent=28),
        "note": ParagraphStyle("note", **{**base, "fontSize": 12, "leading": 22},
                               firstLineIndent=24),
        "slip": ParagraphStyle("slip", **{**base, "fontSize": 18, "leading": 30},
                               alignment=TA_CENTER, spaceAfter=10),
    }  # fmt: skip


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _page_number(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 12)
    canvas.drawCentredString(A4[0] / 2, 20 * mm, f"— {doc.page} —")
    canvas.restoreState()


def render_pdf(title: str, blocks: Sequence[tuple[str, str]], subject: str) -> bytes:
    """The document as PDF; `blocks` are (style, text) as Template.fill gives them."""
    styles = _styles(_font())
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        topMargin=37 * mm,
        bottomMargin=35 * mm,
        leftMargin=28 * mm,
        rightMargin=26 * mm,
        title=title,
        subject=subject,
        author="",
        creator="Suitiao",
        producer="Suitiao",
        invariant=True,  # fixed dates and ids: the same case data gives the same bytes
    )
    story: list[Any] = [Paragraph(_escape(title), styles["title"])]
    for part in _parts(blocks):
        if part[0][0] == "slip":  # a 回执 is cut off and returned: it starts a page of its own
            story.append(PageBreak())
        story += _part(part, styles)
    doc.build(story, onFirstPage=_page_number, onLaterPages=_page_number)
    return buffer.getvalue()


def _parts(blocks: Sequence[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The letter, then each 回执 slip that follows it."""
    parts: list[list[tuple[str, str]]] = [[]]
    for block in blocks:
        if block[0] == "slip" and parts[-1]:
            parts.append([])
        parts[-1].append(block)
    return [p for p in parts if p]


def _part(blocks: Sequence[tuple[str, str]], styles: dict[str, ParagraphStyle]) -> list[Any]:
    """Paragraphs of one part; the signature block never stands alone on a page: it is kept
    together with the paragraph before it, as the 诉讼文书样式 require."""
    flow: list[Any] = [Paragraph(_escape(text), styles[style]) for style, text in blocks]
    signature = len(blocks)
    while signature > 0 and blocks[signature - 1][0] == "right":
        signature -= 1
    if signature == len(blocks):
        return flow
    keep = max(signature - 1, 0)
    tail = [*flow[keep:signature], Spacer(1, 18), *flow[signature:]]
    return [*flow[:keep], KeepTogether(tail)]
