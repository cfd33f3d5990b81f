"""Plain Chinese for texts written with the rule pack's codes (findings, 口径 definitions).

The audit and the statistics speak in contract codes (`agreement_signed`, `cal(30)`,
`mode=pre_filing`, `cn-2026 (State Council schedule)`), which is right for a log and a CLI
but not for a page a clerk or an auditor reads in Chinese: here each code becomes its 中文 name.
"""

from __future__ import annotations

import re

from api.web.deadlines import calendar_names_zh
from api.web.i18n import CHOICE_VALUE, DATA_KEY, Translator
from standard_rules.audit import KIND_ZH as AUDIT_KIND_ZH

PERIOD = re.compile(r"\b(cal|wd)\((\d+)\)")
KEY_VALUE = re.compile(r"\b(?:([a-z][a-z_]*)\.)?([a-z][a-z_]*)=([a-z_]+)\b")
FILES = (("RULES.md", "本系统规则说明"),)
CODE = re.compile(r"\b[a-z][a-z_]*\b")
# The audit's own names for every kind, in the words a page reader uses where they differ.
KIND_ZH = {
    **AUDIT_KIND_ZH,
    "late": "逾期办理",
    "missing": "未办理",
    "order": "顺序不符",
    "invalid": "不合规定",
    "early": "过早办理",
    "stalled": "长期未推进",
}


def _period(match: re.Match[str]) -> str:
    return match.group(2) + ("个工作日" if match.group(1) == "wd" else "日")


def plain_zh(text: str, t: Translator | None = None) -> str:
    """`text` with every code the pages know replaced by its Chinese name."""
    t = t or Translator("zh")
    if t.en:
        return text
    text = PERIOD.sub(_period, calendar_names_zh(text))

    def pair(match: re.Match[str]) -> str:
        activity, key, value = match.groups()
        said = t.value(value == "true") if value in ("true", "false") else t.value(value)
        owner = f"{t.value(activity)}的" if activity else ""
        return f"{owner}{t.data_key(key)}为{said}"

    for name, zh in FILES:
        text = text.replace(name, zh)

    def word(match: re.Match[str]) -> str:
        code = match.group(0)
        if code in DATA_KEY:
            return t.data_key(code)
        if code in CHOICE_VALUE:
            return t.value(code)
        return t.value(code)  # an activity or outcome code; anything else is left as it is

    return CODE.sub(word, KEY_VALUE.sub(pair, text))


def kind_zh(kind: str, t: Translator) -> str:
    return kind if t.en else KIND_ZH.get(kind, kind)
