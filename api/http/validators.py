"""Checks of Chinese identity numbers, phone numbers and amounts, with errors in Chinese.

Each raises PydanticCustomError with a stable code (`invalid_id_number`, ...); api/errors.py
passes code and message through and names the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID = re.compile(r"^[1-9]\d{16}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
MAX_AMOUNT = Decimal("1000000000")
# C0 and C1 control characters and DEL: invisible, break Word letters (not valid XML) and
# terminals. Line ends and tabs are allowed only in free text (Paragraph), never in names.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
CONTROL_MESSAGE = "不得包含控制字符（换行、制表符以外的不可见字符），请删除后重试"


def id_check_char(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def check_id_number(value: Any) -> str:
    """A resident identity number (GB 11643-1999): 18 characters, a real birth date, checksum."""
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_id_number", "身份证号码须为18位文字")
    text = value.strip().upper()
    if not _ID.match(text):
        raise PydanticCustomError("invalid_id_number", "身份证号码须为18位（末位可为X）")
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise PydanticCustomError("invalid_id_number", "身份证号码中的出生日期无效") from None
    if born.year < 1900 or born > date.today():
        raise PydanticCustomError("invalid_id_number", "身份证号码中的出生日期无效")
    if id_check_char(text[:17]) != text[17]:
        raise PydanticCustomError("invalid_id_number", "身份证号码校验位不正确")
    return text


def check_phone(value: Any) -> str:
    """A mainland mobile number (11 digits, +86 allowed) or a landline with its area code."""
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_phone", "电话号码须为文字")
    text = re.sub(r"[\s()（）]", "", value)
    text = text.removeprefix("+86").removeprefix("0086")
    if _MOBILE.match(text) or _LANDLINE.match(text):
        return text
    raise PydanticCustomError(
        "invalid_phone", "电话号码须为11位手机号码或带区号的固定电话（如 0576-85123456）"
    )


def check_amount(value: Any) -> Decimal:
    """Yuan, not negative, to the fen, at most one billion."""
    if isinstance(value, bool):
        raise PydanticCustomError("invalid_amount", "金额须为数字（元）")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise PydanticCustomError("invalid_amount", "金额须为数字（元）") from None
    if not amount.is_finite() or amount < 0:
        raise PydanticCustomError("invalid_amount", "金额须为不小于0的数字（元）")
    if amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        raise PydanticCustomError("invalid_amount", "金额须精确到分且不超过10亿元")
    return amount


def check_line(value: Any) -> Any:
    """A name or one line of text: no control characters at all."""
    if isinstance(value, str) and _CONTROL.search(value):
        raise PydanticCustomError(
            "control_character", CONTROL_MESSAGE.replace("换行、制表符以外的", "")
        )
    return value


def check_paragraph(value: Any) -> Any:
    """Free text: line ends and tabs, but no other control character."""
    if isinstance(value, str) and _CONTROL_IN_TEXT.search(value):
        raise PydanticCustomError("control_character", CONTROL_MESSAGE)
    return value


MIN_DATE = date(2000, 1, 1)
HORIZON_DAYS = 2 * 366  # a pause or extension further ahead than two years is a typing error


def check_near_date(value: date) -> date:
    """A date a case may wait for (pause, extension, effect): not before 2000, not more than
    two years ahead; the legal calendar cannot reckon past 2099 at all."""
    latest = date.today() + timedelta(days=HORIZON_DAYS)
    if not MIN_DATE <= value <= latest:
        raise PydanticCustomError(
            "date_out_of_range", f"日期须在{MIN_DATE.isoformat()}至{latest.isoformat()}之间"
        )
    return value


DATE_FIELDS = frozenset({"until", "effective_on"})


def form_problem(
    form: Mapping[str, str], lines: frozenset[str] = frozenset()
) -> tuple[str, str] | None:
    """(field, 中文 message) of the first value a page's form must not pass on: a control
    character (in any field; `lines` hold names, where line ends are refused too) or a date
    out of bounds. The pages send forms to the engine without the API's schemas."""
    for name, value in form.items():
        pattern = _CONTROL if name in lines else _CONTROL_IN_TEXT
        if pattern.search(value):
            return name, CONTROL_MESSAGE
        if name in DATE_FIELDS and value.strip():
            try:
                check_near_date(date.fromisoformat(value.strip()))
            except PydanticCustomError as exc:  # a ValueError too: caught first
                return name, exc.message()
            except ValueError:
                return name, "日期须为 YYYY-MM-DD"
    return None


def amount_number(amount: Decimal) -> int | float:
    return int(amount) if amount == amount.to_integral() else float(amount)


IdNumber = Annotated[
    str,
    BeforeValidator(check_id_number),
    WithJsonSchema({"type": "string", "description": "18位居民身份证号码（校验位按GB 11643）"}),
]
Phone = Annotated[
    str,
    BeforeValidator(check_phone),
    WithJsonSchema({"type": "string", "description": "手机号码或带区号的固定电话"}),
]
Amount = Annotated[
    Decimal,
    BeforeValidator(check_amount),
    WithJsonSchema(
        {"type": "number", "minimum": 0, "maximum": 1e9, "description": "金额（元），精确到分"}
    ),
]
Line = Annotated[str, AfterValidator(check_line)]
Paragraph = Annotated[str, AfterValidator(check_paragraph)]
NearDate = Annotated[date, AfterValidator(check_near_date)]
