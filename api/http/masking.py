"""Personal data shown only to those who need it.

Court clerks, judges and mediators deal with the parties and see identity and phone numbers in
full. Auditors check timeliness and see them masked (ID 330102********123X, phone 138****5678);
so do supervisors, who oversee the handling of many organisations' cases and do not contact the
parties themselves, and so does anyone else who may read a case. People also type numbers into
free text (a summary, a place, a reason): those are found by pattern and masked the same way.
"""

from __future__ import annotations

import re
from typing import Any

FULL_VIEW = frozenset({"court_clerk", "judge", "mediator"})
MASKED_KEYS = frozenset({"id_number", "phone"})


def mask_value(key: str, value: str) -> str:
    if key == "id_number":
        return value[:6] + "*" * max(len(value) - 10, 0) + value[-4:] if len(value) > 10 else "****"
    if len(value) >= 7:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return "****"


# Digits on either side mean a longer number (an amount, a case serial), not a person's.
_ID_IN_TEXT = re.compile(
    r"(?<![0-9])([1-9][0-9]{5})((?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"[0-9]{3})([0-9Xx])(?![0-9A-Za-z])"
)
_PHONE_IN_TEXT = re.compile(
    r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9][0-9])[- ]?([0-9]{4})[- ]?([0-9]{4})(?![0-9])"
    r"|(?<![0-9])(0[0-9]{2,3})-([0-9]{3,4})([0-9]{4})(?![0-9])"
)


def _id_match(found: re.Match[str]) -> str:
    return mask_value("id_number", found.group(0))


def _phone_match(found: re.Match[str]) -> str:
    if found.group(1):
        return f"{found.group(1)}****{found.group(3)}"
    return f"{found.group(4)}-****{found.group(6)}"


def mask_text(text: str) -> str:
    """Identity and phone numbers inside free text, masked in place."""
    return _PHONE_IN_TEXT.sub(_phone_match, _ID_IN_TEXT.sub(_id_match, text))


def mask(data: Any, role: str) -> Any:
    if role in FULL_VIEW:
        return data
    return _mask(data)


def _mask(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            k: mask_value(k, v) if k in MASKED_KEYS and isinstance(v, str) else _mask(v)
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [_mask(v) for v in data]
    if isinstance(data, str):
        return mask_text(data)
    return data
