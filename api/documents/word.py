""".docx rendering with python-docx, for a clerk or mediator to edit before printing.

Fonts are named, not embedded: 宋体 for the title and 仿宋 for the text, as Chinese offices set
their documents (GB/T 9704); Word substitutes where they are missing. The archive is rewritten
with fixed timestamps so the same case data gives the same bytes (and the same hash).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.run import Run

TITLE_FONT, BODY_FONT = "宋体", "仿宋"
FIXED = datetime(2000, 1, 1, tzinfo=UTC)
SIZES = {"title": 22, "number": 12, "heading": 15, "note": 12, "slip": 18}
ALIGN = {
    "title": WD_ALIGN_PARAGRAPH.CENTER,
    "slip": WD_ALIGN_PARAGRAPH.CENTER,
    "number": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}
INDENTED = frozenset({"body", "item", "note"})
# What XML 1.0 cannot hold (python-docx refuses it: every letter of the case failed with 500),
# and the C1 controls and DEL, which no letter means to print. Input refuses them now; this
# covers data stored before that, or arriving by another way.
_NOT_PRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def printable(text: str) -> str:
    return _NOT_PRINTABLE.sub("", text)


def _font(run: Run, name: str, size: int) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)  # CJK text takes the East Asian font, not w:ascii


def _reproducible(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def render_docx(title: str, blocks: Sequence[tuple[str, str]], subject: str) -> bytes:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    props = document.core_properties
    title, subject = printable(title), printable(subject)
    props.title, props.subject, props.author = title, subject, "Suitiao"
    props.created = props.modified = FIXED
    props.last_modified_by, props.revision = "Suitiao", 1
    items = [("title", title), *blocks]
    for index, (style, text) in enumerate(items):
        paragraph = document.add_paragraph()
        following = items[index + 1][0] if index + 1 < len(items) else ""
        # the signature block stays on the page of the paragraph before it; a 回执 starts a page
        if following == "right" or style == "heading":
            paragraph.paragraph_format.keep_with_next = True
        if style == "slip":
            paragraph.paragraph_format.page_break_before = True
        paragraph.alignment = ALIGN.get(style, WD_ALIGN_PARAGRAPH.LEFT)
        size = SIZES.get(style, 14)
        if style in INDENTED:
            paragraph.paragraph_format.first_line_indent = Pt(size * 2)
        paragraph.paragraph_format.line_spacing = Pt(26 if size <= 14 else size * 1.6)
        face = TITLE_FONT if style in ("title", "slip") else BODY_FONT
        _font(paragraph.add_run(printable(text)), face, size)
    buffer = io.BytesIO()
    document.save(buffer)
    return _reproducible(buffer.getvalue())
