"""Writing Excel workbooks with openpyxl (write-only mode: a large sheet streams to the file).

Cells from a log are text an outsider wrote: a value starting with "=" is kept as text, never
written as a formula, and characters Excel refuses are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
_WRAP = Alignment(wrap_text=True, vertical="top")
_MAX_CELL = 32_767


def new_workbook() -> Any:
    return Workbook(write_only=True)


# How a figure of each unit reads in Excel: rates are percentages already (85.5 → 85.50%).
UNIT_FORMATS = {"%": '0.00"%"', "元": "#,##0.00", "件": "#,##0", "日": "0.0"}


def _cell(sheet: Any, value: Any, header: bool = False, number_format: str | None = None) -> Any:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:_MAX_CELL]
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text from a log, not a formula
    if isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    if number_format and isinstance(value, int | float) and not isinstance(value, bool):
        cell.number_format = number_format
    if header:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    elif isinstance(value, str) and "\n" in value:
        cell.alignment = _WRAP
    return cell


def write_table(
    sheet: Any,
    header: Sequence[str] | None,
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int] = (),
    autofilter: bool = True,
    formats: Sequence[str | None] = (),
) -> int:
    """Header (bold, frozen, with a filter) and rows; returns the number of data rows.
    `formats` gives a column's number format (UNIT_FORMATS), None for none."""
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    count = 0
    if header is not None:
        sheet.freeze_panes = "A2"
        sheet.append([_cell(sheet, h, header=True) for h in header])
    for row in rows:
        sheet.append(
            [
                _cell(sheet, v, number_format=formats[i] if i < len(formats) else None)
                for i, v in enumerate(row)
            ]
        )
        count += 1
    if header is not None and autofilter:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    return count
