"""Corrections of a case's facts: which may be corrected, until which step, and how they read.

A fact a later letter prints (the consumer's ID number, the business's credit code, the 案由 …)
may have been left blank or mistyped at registration. Clerks and mediators correct it on the
case page; each change is kept with who and when (storage/attachments.CaseFiles) and read over
the recorded facts. A fact is corrected only until the step that relies on it: the parties'
particulars until the agreement is signed (the last letter the parties sign), the materials
until the mediator signs for them, nothing once the case is closed.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

# field -> (label, activities after which it is settled)
PARTY_LOCK = ("agreement_signed", "case_closed")
CORRECTABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "consumer.phone": ("消费者联系电话", PARTY_LOCK),
    "consumer.id_number": ("消费者公民身份号码", PARTY_LOCK),
    "consumer.address": ("消费者住所", PARTY_LOCK),
    "business.name": ("经营者名称", PARTY_LOCK),
    "business.phone": ("经营者联系电话", PARTY_LOCK),
    "business.credit_code": ("经营者统一社会信用代码", PARTY_LOCK),
    "business.legal_rep": ("经营者法定代表人", PARTY_LOCK),
    "business.address": ("经营者住所", PARTY_LOCK),
    "cause": ("案由", PARTY_LOCK),
    "summary": ("纠纷概要", PARTY_LOCK),
    "materials": ("移送材料", ("referral_received", "case_closed")),
}


def open_fields(seen: Iterable[str]) -> list[str]:
    """The facts that may still be corrected, given the activities the case has had."""
    done = set(seen)
    return [name for name, (_, lock) in CORRECTABLE.items() if not done & set(lock)]


def read(facts: Mapping[str, Any], name: str) -> str:
    head, _, tail = name.partition(".")
    value = facts.get(head)
    if tail:
        value = value.get(tail) if isinstance(value, Mapping) else None
    return "" if value is None else str(value)


def apply(facts: Mapping[str, Any], corrected: Mapping[str, str]) -> dict[str, Any]:
    """The facts with each corrected field's latest value."""
    out = copy.deepcopy(dict(facts))
    for name, value in corrected.items():
        if name not in CORRECTABLE:
            continue
        head, _, tail = name.partition(".")
        if tail:
            party = out.get(head)
            out[head] = {**(party if isinstance(party, Mapping) else {}), tail: value}
        else:
            out[head] = value
    return out
