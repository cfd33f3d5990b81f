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
from standard_rules.eventlog import parse_timestamp, shanghai_day
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.pack import RulePack
from storage.tables import FindingRowRecord

finding_rows_t = FindingRowRecord.__table__  # type: ignore[attr-defined]
END_OF_TIME = date.max.toordinal()
TIMED_KINDS = frozenset({"missing", "stalled"})  # findings that appear when a due date passes

DELETE_FINDINGS = delete(finding_rows_t).where(finding_rows_t.c.case_id == bindparam("b_id"))
INSERT_FINDINGS = insert(finding_rows_t)
# A step without new events cannot change what the audit finds, only where a case is filed.
REFILE_FINDINGS = (
    update(finding_rows_t)
    .where(finding_rows_t.c.case_id == bindparam("b_id"))
    .values(
        court_org=bindparam("b_court"),
        mediator_org=bindparam("b_cpa"),
        status=bindparam("b_status"),
    )
)
_ORDER = attrgetter("ts", "seq")


class FindingAuditor:
    """The checker of one pack and calendar, built once and used for every step's case."""

    def __init__(self, pack: RulePack, calendar: LegalCalendar) -> None:
        self.pack = pack
        self.calendar = calendar
        self.checker = Checker(pack, calendar)

    def findings(self, events: Iterable[CaseEvent]) -> list[Finding]:
        """What `suitiao audit` finds in this case at the end of time, in its order."""
        items = sorted(audit_events(events), key=_ORDER)
        if not items:
            return []
        try:
            found = self.checker.check_case(items, END_OF_TIME)
        except CalendarError:  # the audit reports such a case as an input error, not a finding
            return []
        return sorted(found, key=Finding.sort_key)


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
    from storage.finding_counts import case_keys, deltas

    before = case_keys(conn, case.id)
    status = "closed" if case.status == "closed" else "open"
    if events is None:
        conn.execute(
            REFILE_FINDINGS,
            {
                "b_id": case.id,
                "b_court": case.court_org,
                "b_cpa": case.mediator_org,
                "b_status": status,
            },
        )
        refiled = [
            {
                "rule": k[0],
                "org": k[1],
                "kind": k[2],
                "visible_from": k[3],
                "status": status,
                "day_sort": k[5],
                "court_org": case.court_org,
                "mediator_org": case.mediator_org,
            }
            for k in before
        ]
        return deltas(before, refiled)
    conn.execute(DELETE_FINDINGS, {"b_id": case.id})
    rows = finding_rows(case, auditor.findings(events))
    if rows:
        conn.execute(INSERT_FINDINGS, rows)
    return deltas(before, rows)


def stored_rows(conn: Connection, case_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    stmt = select(finding_rows_t).where(finding_rows_t.c.case_id.in_(list(case_ids)))
    for row in conn.execute(stmt).all():
        found.setdefault(row.case_id, []).append(dict(row._mapping))
    for rows in found.values():
        rows.sort(key=lambda r: r["n"])
    return found
