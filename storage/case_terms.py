"""The case search index: the words a case is found by, kept with each step.

Clerks look a case up by its number (typed with full- or half-width brackets, with or without
the year, from its case type, or just "123号"), by a party's name or by the phone number's last
four digits (尾号). Each of these is stored as a normalised term next to the case's
organisations and opening time; a search is an exact-or-prefix match on the term
(`term >= q AND term < q || U+10FFFF`) within the caller's scope, which an index answers
without reading any case that does not match.
A text inside a word (the middle of a name or case number) is not a prefix of any term and is
not found: that is the price of a search that does not read a court's every case.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update
from sqlalchemy.sql.elements import ColumnElement

from engine.ports import StoredCase
from standard_rules.case_number import TYPES, try_parse
from storage.driver import DriverStatement
from storage.tables import CaseTermRecord

case_terms_t = CaseTermRecord.__table__  # type: ignore[attr-defined]
TERM_LENGTH = 200  # the column's; a longer name is cut (its prefix still finds it)
_OPEN, _CLOSE = "〔[【", "〕]】"
_BRACKETS = str.maketrans(dict.fromkeys(_OPEN, "(") | dict.fromkeys(_CLOSE, ")"))
_TOP = "\U0010ffff"  # sorts after every character (in code point and UTF-8 byte order)

_DELETE = delete(case_terms_t).where(case_terms_t.c.case_id == bindparam("b_id"))
INSERT_TERMS = insert(case_terms_t)
# As a step runs them (storage/driver.py says why).
_STEP_DELETE, _STEP_INSERT = DriverStatement(_DELETE), DriverStatement(INSERT_TERMS)
_MOVE = DriverStatement(update(case_terms_t).where(case_terms_t.c.case_id == bindparam("b_id")))


def normalise(text: str) -> str:
    """One spelling for what people type: NFKC (full-width digits and （） become ASCII),
    the other bracket pairs as (), no spaces, lower case."""
    flat = "".join(unicodedata.normalize("NFKC", text).split()).translate(_BRACKETS)
    return flat.lower()[:TERM_LENGTH]


def id_terms(case_id: str) -> set[str]:
    """A case number in the forms people type: whole (as stored and as canonical), without
    the brackets (so "2026" or "2026浙1082" finds the year's cases), without the year
    ("浙1082民诉前调123号"), from the case type ("民诉前调123号") and the serial alone
    ("123号"). Committee numbers, which the standard does not fix, are found by their whole
    text and their last run of digits."""
    terms = {normalise(case_id)}
    number = try_parse(case_id)
    if number is not None:
        kind = f"{number.type}{number.serial}号"
        tail = number.court_code + kind
        terms |= {normalise(str(number)), normalise(f"{number.year}{tail}"), normalise(tail)}
        terms |= {kind, f"{number.serial}号"}
    else:
        digits = ""
        for ch in reversed(normalise(case_id)):
            if not ch.isdigit():
                break
            digits = ch + digits
        if digits.lstrip("0"):
            terms.add(digits.lstrip("0"))
    return {t for t in terms if t}


def fact_terms(facts: Mapping[str, Any]) -> set[str]:
    """Every party's name, and the consumer's phone's last four digits if one is stored."""
    terms = set()
    for key in ("consumer", "business"):
        party = facts.get(key)
        if not isinstance(party, Mapping):
            continue
        if party.get("name"):
            terms.add(normalise(str(party["name"])))
        digits = "".join(ch for ch in str(party.get("phone") or "") if ch.isdigit())
        if len(digits) >= 4:
            terms.add(digits[-4:])
    return {t for t in terms if t}


def case_terms(case: StoredCase) -> list[dict[str, Any]]:
    """The index rows of a case as stored (closed cases too: they are searched as well)."""
    opened = case.opened_at.timestamp()
    return [
        {
            "case_id": case.id,
            "term": term,
            "court_org": case.court_org,
            "mediator_org": case.mediator_org,
            "opened_ts": opened,
        }
        for term in sorted(id_terms(case.id) | fact_terms(case.facts))
    ]


def _key(row: Any) -> tuple[str, str, str, float]:
    """What a row says, comparable (a dict or a row's mapping)."""
    return (row["term"], row["court_org"] or "", row["mediator_org"] or "", row["opened_ts"])


def write_terms(
    conn: Connection, case: StoredCase, before: tuple[Mapping[str, Any], str] | None
) -> None:
    """In the step's transaction: the case's rows as now saved. `before`: the case row's
    organisations and opening time and its facts (JSON) as they were, None for a new case.
    Most steps change neither the parties nor the organisations: they write nothing here,
    and cost no statement."""
    if before is not None:
        row, facts = before
        now = {
            "court_org": case.court_org,
            "mediator_org": case.mediator_org,
            "opened_ts": case.opened_at.timestamp(),
        }
        moved = {k: v for k, v in now.items() if row[k] != v}
        if fact_terms(orjson.loads(facts)) == fact_terms(case.facts):
            if moved:
                # Same words, filed anew (a referral names the committee): set only what moved,
                # so the indexes of the other columns are left alone.
                _MOVE.many(conn, [{**moved, "b_id": case.id}])
            return
        _STEP_DELETE.one(conn, {"b_id": case.id})
    _STEP_INSERT.many(conn, case_terms(case))


def differing_terms(conn: Connection, cases: Sequence[StoredCase], *, repair: bool) -> list[str]:
    """The ids of these cases whose stored rows are not what they should be (and, with
    `repair`, their rows rewritten): `suitiao reindex` and `suitiao verify`."""
    ids = [c.id for c in cases]
    stored: dict[str, list[tuple[str, str, str, float]]] = {}
    for row in conn.execute(select(case_terms_t).where(case_terms_t.c.case_id.in_(ids))).all():
        stored.setdefault(row.case_id, []).append(_key(row._mapping))
    differing = []
    for case in cases:
        expected = case_terms(case)
        if sorted(_key(r) for r in expected) == sorted(stored.get(case.id, [])):
            continue
        differing.append(case.id)
        if repair:
            conn.execute(_DELETE, {"b_id": case.id})
            if expected:
                conn.execute(INSERT_TERMS, expected)
    return differing


def needle(q: str) -> str:
    """What a search text is looked up as: the canonical number when it is a whole case
    number (however typed), else the text normalised with a serial's padding dropped after a
    case type or before 号 ("民诉前调0042" as "民诉前调42"), as the terms hold serials."""
    number = try_parse(q)
    if number is not None:
        return normalise(str(number))
    text = _PADDED_AFTER_TYPE.sub(r"\1", normalise(q))
    return _PADDED_SERIAL.sub("", text)


_PADDED_AFTER_TYPE = re.compile("(" + "|".join(TYPES) + ")0+(?=[0-9])")
_PADDED_SERIAL = re.compile("^0+(?=[0-9]+号)")


def matching(q: str) -> ColumnElement[bool] | None:
    """The clause over case_terms for a search text: a term equal to its needle or starting
    with it, one range the term indexes answer. (Every spelling a case number was stored
    under has the canonical number among its terms, so one range finds them all.) None when
    the text holds nothing to search by."""
    found = needle(q)
    if not found:
        return None
    term = case_terms_t.c.term
    return and_(term >= found, term < found + _TOP)
