"""The statements of a case search: the matches from the term index (storage/case_terms.py)
in the caller's scope, a page of them newest first, and their total counted up to a cap.

The page's and the count's cost is that of the matches in scope, never of the court's cases:
the plans are in tests/integration/test_case_search.py (and `bench_scale.py --explain`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

from storage.case_terms import case_terms_t
from storage.sql import LISTED_COLUMNS, cases_t

if TYPE_CHECKING:
    from storage.scoped import Visibility

SEARCH_COUNT_CAP = 1000  # a search's total is counted this far; beyond it, "1000+"


def search_statements(
    scope: Visibility,
    found: ColumnElement[bool],
    court: str,
    cpa: str,
    process: str,
    status: str,
    *,
    after: tuple[float, str] | None,
    limit: int,
) -> tuple[Select[Any], Select[Any]]:
    """(the page's case rows, unordered and unlimited; the capped count) for the terms
    `found` (case_terms.matching) and the list's filters."""
    c = cases_t.c
    conditions = (
        (c.court_org, court),
        (c.mediator_org, cpa),
        (c.process_id, process),
        (c.status, status),
    )
    # The matching cases come from the term index in the caller's scope, and their
    # rows are read by primary key. The conditions on the case rows are checked again
    # (the terms' organisations are a copy) but kept off the cases' own indexes
    # (`|| ''`): SQLite would otherwise walk the whole court's cases by
    # ix_cases_court_org and test each against the matches.
    t = case_terms_t.c
    matched = select(t.case_id).where(scope.where(case_terms_t), found)
    if court:
        matched = matched.where(t.court_org == court)
    if cpa:
        matched = matched.where(t.mediator_org == cpa)
    where = [scope.over(c.court_org + "", c.mediator_org + "")]
    where += [col + "" == value for col, value in conditions if value]
    paged = matched
    if after is not None:  # the page's matches; the total counts the whole search
        paged = matched.where(tuple_(t.opened_ts, t.case_id) < tuple_(*after))
        where_page = [*where, tuple_(c.opened_ts, c.id) < tuple_(*after)]
    else:
        where_page = where
    if process or status:  # conditions only the case rows hold
        # The page's ids first: ordering the matches reads the leading columns of
        # their rows only, not their facts and workflow documents (TOAST, overflow).
        ids = select(c.id).where(c.id.in_(paged), *where_page)
        ids = ids.order_by(c.opened_ts.desc(), c.id.desc()).limit(limit + 1)
        capped = select(c.id).where(c.id.in_(matched), *where)
    else:
        # The terms carry the opening time: the page and the count are read from the
        # term index alone, and only the page's cases from the cases table.
        ids = (
            paged.with_only_columns(t.case_id, t.opened_ts)
            .distinct()
            .order_by(t.opened_ts.desc(), t.case_id.desc())
            .limit(limit + 1)
        )
        ids = select(ids.subquery().c.case_id)
        capped = matched.distinct()
    stmt = select(*LISTED_COLUMNS).where(c.id.in_(ids.scalar_subquery()), *where_page)
    count = select(func.count()).select_from(capped.limit(SEARCH_COUNT_CAP + 1).subquery())
    return stmt, count
