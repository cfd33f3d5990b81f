"""Personal data shown only to those who need it.

Court clerks, judges and mediators deal with the parties and see identity and phone numbers in
full. Auditors check timeliness and see them masked (ID 330102********123X, phone 138****5678);
so does anyone else who may read a case.
"""

from __future__ import annotations

from typing import Any

FULL_VIEW = frozenset({"court_clerk", "judge", "mediator"})
MASKED_KEYS = frozenset({"id_number", "phone"})


def mask_value(key: str, value: str) -> str:
    if key == "id_number":
        return value[:6] + "*" * max(len(value) - 10, 0) + value[-4:] if len(value) > 10 else "****"
    if len(value) >= 7:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return "****"


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
    return data
