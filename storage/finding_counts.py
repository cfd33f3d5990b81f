"""Counts of the findings read model, kept with it: one row per distinct combination of the
columns a summary filters or groups on (rule, filed organisation, kind, the day it shows from,
case status, its day, the case's court and committee), with the number of findings.

Why: the dashboard and /stats count findings by rule, organisation and kind. Counting the
finding rows scans one index entry per finding, so it grows with the cases; these rows grow
with the distinct days and organisations only (a year of a province's findings share a few
thousand keys per court), and the same filter (FindingFilter.where) reads them with SUM.

A step moves a case's findings out of their old keys and into their new ones in its own
transaction, after its other writes and in key order (like storage/stat_counts.py), so two
steps on PostgreSQL wait for each other's counter rows and never deadlock. `suitiao reindex`
recounts them from the finding rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from storage.driver import adding_upsert
from storage.findings import finding_rows_t
from storage.tables import FindingCountRecord

finding_counts_t = FindingCountRecord.__table__  # type: ignore[attr-defined]
KEY = (
    "rule",
    "org",
    "kind",
    "visible_from",
    "status",
    "day_sort",
    "court_org",
    "mediator_org",
)
CountKey = tuple[str, str, str, int, str, int, str, str]


def key_of(row: Mapping[Any, Any]) -> CountKey:
    return (
        row["rule"],
        row["org"] or "",
        row["kind"],
        int(row["visible_from"]),
        row["status"],
        int(row["day_sort"]),
        row["court_org"] or "",
        row["mediator_org"] or "",
    )


def deltas(old: Iterable[CountKey], new: Iterable[Mapping[str, Any]]) -> dict[CountKey, int]:
    """What replacing findings with keys `old` by the finding rows `new` does to the counts."""
    moved: dict[CountKey, int] = {}
    for key in old:
        moved[key] = moved.get(key, 0) - 1
    for row in new:
        key = key_of(row)
        moved[key] = moved.get(key, 0) + 1
    return {k: n for k, n in moved.items() if n}


_UPSERT = adding_upsert(finding_counts_t, KEY, ["findings"])


def move_counts(conn: Connection, moved: Mapping[CountKey, int]) -> None:
    """Apply count deltas, one upsert per key in key order."""
    rows = [{**dict(zip(KEY, k, strict=True)), "findings": moved[k]} for k in sorted(moved)]
    _UPSERT.many(conn, rows)  # in key order


def counted(conn: Connection) -> dict[CountKey, int]:
    """The finding rows counted now, by key (one grouped scan, for reindex)."""
    columns = [finding_rows_t.c[k] for k in KEY]
    stmt = select(*columns, func.count()).group_by(*columns)
    return {key_of(r._mapping): int(r[-1]) for r in conn.execute(stmt)}


def stored(conn: Connection) -> dict[CountKey, int]:
    rows = conn.execute(select(finding_counts_t)).all()
    return {key_of(r._mapping): int(r.findings) for r in rows if r.findings}


def reindex_finding_counts(conn: Connection, *, repair: bool) -> list[str]:
    """Recount from the finding rows; the keys that differed (rewritten with `repair`)."""
    want, have = counted(conn), stored(conn)
    differing = sorted(
        "finding_counts " + "/".join(map(str, k))
        for k in set(want) | set(have)
        if want.get(k) != have.get(k)
    )
    if differing and repair:
        conn.execute(delete(finding_counts_t))
        rows = [{**dict(zip(KEY, k, strict=True)), "findings": n} for k, n in sorted(want.items())]
        if rows:
            conn.execute(insert(finding_counts_t), rows)
    return differing
