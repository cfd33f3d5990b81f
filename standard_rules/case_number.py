"""Court case numbers (案号): （2026）浙1082民诉前调123号 = year, court code, case type, serial.

Form per 最高人民法院《关于人民法院案件案号的若干规定》(法〔2015〕137号) and its annex
《人民法院案件类型及其代字标准》 (as amended for 诉前调解: 民诉前调). Clerks type the brackets
full-width （2026） or half-width (2026), sometimes 〔2026〕, and pad the serial (0123); all of
these are one case, so every form is parsed to one canonical text: full-width brackets, the
serial without leading zeros, no spaces.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Civil and enforcement case types this workflow meets (the handoff is civil only). Longest
# first, so 民诉前调 is not read as 民 + something.
TYPES = (
    "民诉前调",
    "民诉前保",
    "民辖终",
    "民初",
    "民终",
    "民申",
    "民抗",
    "民再",
    "民监",
    "民特",
    "民督",
    "民催",
    "民撤",
    "民辖",
    "民破",
    "民他",
    "执恢",
    "执保",
    "执异",
    "执复",
    "执监",
    "执他",
    "执",
)
_OPEN, _CLOSE = "(〔[【", ")〕]】"
_PATTERN = re.compile(
    r"^\((?P<year>\d{4})\)(?P<court>浙\d{0,4})(?P<type>"
    + "|".join(TYPES)
    + r")(?P<serial>\d{1,7})号$"
)


class CaseNumberError(ValueError):
    """Not a case number; the message (Chinese) says what is wrong."""


@dataclass(frozen=True)
class CaseNumber:
    year: int
    court_code: str  # 浙1082
    type: str  # 民诉前调
    serial: int

    def __str__(self) -> str:
        return f"（{self.year}）{self.court_code}{self.type}{self.serial}号"

    def prefix(self) -> str:
        """The canonical text before the serial: what a court's numbers of a year share."""
        return f"（{self.year}）{self.court_code}{self.type}"


def _flatten(text: str) -> str:
    # NFKC turns full-width digits and （） into ASCII; the other bracket pairs by hand.
    flat = "".join(unicodedata.normalize("NFKC", text).split())
    for opening, closing in zip(_OPEN, _CLOSE, strict=True):
        flat = flat.replace(opening, "(").replace(closing, ")")
    return flat


def parse(text: str) -> CaseNumber:
    flat = _flatten(text)
    found = _PATTERN.match(flat)
    if found is None:
        if not flat.startswith("("):
            raise CaseNumberError("案号须以带括号的年份开头，如（2026）浙1082民诉前调123号")
        if not re.match(r"^\(\d{4}\)浙", flat):
            raise CaseNumberError("案号的法院代字须为浙江法院的代字，如 浙1082")
        raise CaseNumberError(
            "案号格式应为（年份）法院代字+类型代字+序号+号，如（2026）浙1082民诉前调123号"
        )
    serial = int(found["serial"])
    if serial == 0:
        raise CaseNumberError("案号序号须大于0")
    year = int(found["year"])
    if year < 2000:
        raise CaseNumberError("案号年份须为2000年以后")
    return CaseNumber(year, found["court"], found["type"], serial)


def try_parse(text: str) -> CaseNumber | None:
    try:
        return parse(text)
    except CaseNumberError:
        return None


def same_case(a: str, b: str) -> bool:
    """Whether two texts name the same case: equal as typed, or as the same case number."""
    if a == b:
        return True
    left, right = try_parse(a), try_parse(b)
    return left is not None and left == right
