"""The findings read model: one row per finding per case, written with the step that appends
the case's events, by auditing that case's events only (the cost of a step does not grow with
the number of cases).

Time: a case is audited as if the audit day were the end of time (as audit_streamed does), so
every `missing` deadline and `stalled` check that can ever hold is already a row, with its due
date. Such a row is shown only from the day after its due date (`visible_from`): "overdue" is an
indexed comparison at query time, so nothing is re-audited when a day passes, and an audit "as
of" any day reads the same rows. A step that ends the period before it lapses re-audits the case
and the row goes. `suitiao audit` over the same events gives the same findings (tested).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from operator import attrgetter
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, delete, insert, select, update

from engine.audit_events import audit_events
from engine.domain.events import CaseEvent
from engine.ports import StoredCase
from standard_rules.audit import Checker, Evidence, Finding
from standard_rules.errors import CalendarError
from standard_rules.eventlog import Event, parse_timestamp, shanghai_day
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.pack import RulePack
from storage.driver import DriverStatement
from storage.tables import FindingRowRecord

finding_rows_t = FindingRowRecord.__table__  # type: ignore[attr-defined]
END_OF_TIME = date.max.toordinal()
TIMED_KINDS = frozenset({"missing", "stalled"})  # findings that appear when a due date passes

DELETE_FINDINGS = delete(finding_rows_t).where(finding_rows_t.c.case_id == bindparam("b_id"))
INSERT_FINDINGS = insert(finding_rows_t)
_INSERT = DriverStatement(INSERT_FINDINGS)
# A step rewrites only the rows that changed, and of those only the changed columns: an UPDATE
# touches the indexes of the columns it sets, where DELETE and INSERT touch all six B-trees
# (bench/bench_read_model.py: half the pages the read model added to a step's commit).
_COLUMNS = tuple(c.name for c in finding_rows_t.c if c.name != "case_id")
_STORED = DriverStatement(
    select(*(finding_rows_t.c[name] for name in _COLUMNS))
    .where(finding_rows_t.c.case_id == bindparam("b_id"))
    .order_by(finding_rows_t.c.n)
)
_UPDATE = DriverStatement(
    update(finding_rows_t).where(
        finding_rows_t.c.case_id == bindparam("b_id"), finding_rows_t.c.n == bindparam("b_n")
    )
)
_DELETE_FROM = DriverStatement(
    delete(finding_rows_t).where(
        finding_rows_t.c.case_id == bindparam("b_id"), finding_rows_t.c.n >= bindparam("b_n")
    )
)
AUDIT_ORDER = attrgetter("ts", "seq")  # the order the audit reads a case's events in


class FindingAuditor:
    """The checker of one pack and calendar, built once and used for every step's case."""

    def __init__(self, pack: RulePack, calendar: LegalCalendar) -> None:
        self.pack = pack
        self.calendar = calendar
        self.checker = Checker(pack, calendar)

    def findings(self, events: Iterable[CaseEvent]) -> list[Finding]:
        """What `suitiao audit` finds in this case at the end of time, in its order."""
        return self.check(audit_items(events))

    def check(self, items: Sequence[Event]) -> list[Finding]:
        """The same, of the case's events as the audit reads them (audit_items)."""
        if not items:
            return []
        try:
            found = self.checker.check_case(items, END_OF_TIME)
        except CalendarError:  # the audit reports such a case as an input error, not a finding
            return []
        return sorted(found, key=Finding.sort_key)


def audit_items(events: Iterable[CaseEvent]) -> list[Event]:
    """A case's events as the audit reads them, in its order (instant, then sequence)."""
    return sorted(audit_events(events), key=AUDIT_ORDER)


_default: FindingAuditor | None = None


def default_auditor() -> FindingAuditor:
    """The auditor of the packaged rule pack and calendar (a store built without one)."""
    global _default
    if _default is None:
        from standard_rules.legal_calendar import default_calendar
        from standard_rules.pack import load_pack

        _default = FindingAuditor(load_pack(), default_calendar())
    return _default


def finding_day(finding: Finding) -> int:
    """The day a finding is filed under for periods: its due date, else its event's day."""
    if finding.due is not None:
        return finding.due.toordinal()
    ts = parse_timestamp(finding.at) if finding.at else None
    return 0 if ts is None else shanghai_day(ts)


def finding_rows(case: StoredCase, findings: Sequence[Finding]) -> list[dict[str, Any]]:
    status = "closed" if case.status == "closed" else "open"
    rows = []
    for n, f in enumerate(findings):
        timed = f.kind in TIMED_KINDS and f.due is not None
        rows.append(
            {
                "case_id": case.id,
                "n": n,
                "rule": f.rule,
                "kind": f.kind,
                "org": f.org,
                "court_org": case.court_org,
                "mediator_org": case.mediator_org,
                "status": status,
                "due": f.due.isoformat() if f.due else None,
                "at": f.at,
                "day_sort": finding_day(f),
                "visible_from": f.due.toordinal() + 1 if timed and f.due else 0,
                "message": f.message,
                "message_en": f.message_en,
                "explanation": f.explanation,
                "evidence": orjson.dumps(
                    [[e.activity, e.at, e.line, e.file] for e in f.evidence]
                ).decode(),
            }
        )
    return rows


def row_finding(row: Any) -> Finding:
    """The audit's Finding from a stored row (for the reports that render findings)."""
    return Finding(
        case=row.case_id,
        rule=row.rule,
        kind=row.kind,
        message=row.message,
        due=date.fromisoformat(row.due) if row.due else None,
        at=row.at,
        evidence=tuple(
            Evidence(a, at, line, file) for a, at, line, file in orjson.loads(row.evidence)
        ),
        explanation=row.explanation,
        message_en=row.message_en,
        org=row.org,
    )


def write_findings(
    conn: Connection,
    auditor: FindingAuditor,
    case: StoredCase,
    events: Sequence[CaseEvent] | None,
) -> dict[Any, int]:
    """Replace the case's finding rows; `events` are all of its events, or None when the step
    appended none (then only the filing columns move). Returns what that does to the finding
    counts (storage/finding_counts.py), for the caller to apply last in its transaction."""
    return write_audited(conn, auditor, case, None if events is None else audit_items(events))


def write_audited(
    conn: Connection,
    auditor: FindingAuditor,
    case: StoredCase,
    items: Sequence[Event] | None,
) -> dict[Any, int]:
    """write_findings of the case's events as the audit reads them (audit_items): a step
    converts them once for its findings and its figures."""
    from storage.finding_counts import deltas, key_of

    stored = [
        dict(zip(_COLUMNS, found, strict=True)) for found in _STORED.rows(conn, {"b_id": case.id})
    ]
    before = [key_of(row) for row in stored]
    status = "closed" if case.status == "closed" else "open"
    if items is None:
        # No new event: the same findings, filed where the case is now.
        rows = [
            {
                **row,
                "case_id": case.id,
                "court_org": case.court_org,
                "mediator_org": case.mediator_org,
                "status": status,
            }
            for row in stored
        ]
    else:
        rows = finding_rows(case, auditor.check(items))
    _rewrite(conn, case.id, stored, rows)
    return deltas(before, rows)


def _rewrite(
    conn: Connection, case_id: str, stored: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> None:
    """Make the case's stored rows the new `rows` (numbered 0, 1, ...), writing only what
    differs: changed columns of rows kept, rows past the new end deleted, new ones inserted."""
    by_n = {row["n"]: row for row in stored}
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    added = []
    for new in rows:
        old = by_n.get(new["n"])
        if old is None:
            added.append(new)
            continue
        changed = {k: new[k] for k in _COLUMNS if old[k] != new[k]}
        if changed:
            updates.setdefault(tuple(changed), []).append(
                {**changed, "b_id": case_id, "b_n": new["n"]}
            )
    for changed_rows in updates.values():
        _UPDATE.many(conn, changed_rows)
    if any(n >= len(rows) for n in by_n):
        _DELETE_FROM.one(conn, {"b_id": case_id, "b_n": len(rows)})
    _INSERT.many(conn, added)


def stored_rows(conn: Connection, case_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    stmt = select(finding_rows_t).where(finding_rows_t.c.case_id.in_(list(case_ids)))
    for row in conn.execute(stmt).all():
        found.setdefault(row.case_id, []).append(dict(row._mapping))
    for rows in found.values():
        rows.sort(key=lambda r: r["n"])
    return found
