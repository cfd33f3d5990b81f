"""The findings read model under any behaviour of the actors and any passage of time: the
compliance machine's histories (tests/property/test_engine_compliance.py), played on SQLite,
where after every step the read model, asked as of today and as of two months on, holds exactly
what the audit finds in every case's events, filed under the same organisations."""

from __future__ import annotations

import tempfile
from datetime import UTC, timedelta
from typing import Any

from hypothesis import settings
from hypothesis.stateful import invariant

from engine.audit_events import audit_events
from standard_rules.audit import audit
from standard_rules.eventlog import shanghai_day
from standard_rules.legal_calendar import LegalCalendar
from storage.finding_reads import FindingFilter, FindingReads
from storage.findings import FindingAuditor
from storage.scoped import Visibility
from storage.sql import SqlCaseStore
from tests.property.test_engine_compliance import HandoffCases


def _key(f: Any) -> tuple[Any, ...]:
    due = f.due.isoformat() if f.due else None
    return (f.case, f.rule, f.kind, due, f.at, f.org, f.message, f.explanation)


class FindingsOnSql(HandoffCases):
    def _engines(self, calendar: LegalCalendar) -> None:
        auditor = FindingAuditor(self.pack, calendar)
        if isinstance(self.store, SqlCaseStore):
            # A schedule was loaded: `suitiao reindex` brings the findings under it.
            self.store.auditor = auditor
            self.store.reindex_findings()
        else:
            folder = tempfile.mkdtemp(prefix="suitiao-findings-")
            self.store = SqlCaseStore.from_url(f"sqlite:///{folder}/p.db", auditor=auditor)
        self.calendar = calendar
        super()._engines(calendar)

    @invariant()
    def read_model_is_the_audit_of_the_events(self) -> None:
        if not hasattr(self, "engine") or not self.opened:
            return
        assert isinstance(self.store, SqlCaseStore)
        events = [e for case_id in self.opened for e in self.store.events(case_id)]
        reads = FindingReads(self.store.engine)
        for ahead in (0, 60):
            as_of = self.clock.now().astimezone(UTC) + timedelta(days=ahead)
            expected = audit(list(audit_events(events)), self.pack, self.calendar, as_of)
            page = reads.page(
                Visibility("all"),
                FindingFilter(as_of_day=shanghai_day(as_of.timestamp())),
                limit=10_000,
            )
            assert sorted(map(_key, page.findings)) == sorted(map(_key, expected.findings)), (
                as_of.isoformat()
            )

    def teardown(self) -> None:
        super().teardown()
        if isinstance(getattr(self, "store", None), SqlCaseStore):
            self.read_model_is_the_audit_of_the_events()
            self.store.engine.dispose()


# SQLite and a migration per example: a handful of examples, each a long history.
FindingsOnSql.TestCase.settings = settings(
    settings.default, max_examples=max(4, settings.default.max_examples // 20), deadline=None
)
TestFindingsOnSql = FindingsOnSql.TestCase
