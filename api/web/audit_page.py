"""The auditor's dashboard and its downloads, read from the findings read model and the
statistics counters (storage/finding_reads.py): a page of findings with the counts by rule,
organisation and kind, and the cases by status, outcome, process and region, each an indexed
query, so the page costs the same with a thousand cases as with a million.

The statistics workbook (RULES.md §4's published figures) adds up the tallies kept at each step
(storage/figure_counts.py) and counts the overdue findings; the audit workbook is written from
the read model page by page. Neither reads an event.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.http.deps import Services, Svc, visibility
from api.web.deadlines import today_shanghai
from api.web.pages import XLSX, Me, Text, case_url, page, translator
from api.web.plain import kind_zh, plain_zh
from api.web.rollup import roll_up_table
from standard_rules.audit import AuditResult, Finding
from standard_rules.eventlog import shanghai_day
from standard_rules.statistics import NO_ORG, Statistics
from standard_rules.timezone import SHANGHAI
from storage.accounts import Account
from storage.finding_reads import (
    FindingFilter,
    FindingReads,
    decode_finding_cursor,
    encode_finding_cursor,
)
from storage.scoped import Visibility

router = APIRouter(prefix="/ui", include_in_schema=False)
SHOWN = 200
EXPORT_PAGE = 2000


@dataclass(frozen=True)
class AuditFilter:
    """The auditor's period (by due date of a finding, else the day of its event) and
    organisation; errors name the field in Chinese and leave that bound out."""

    org: str = ""
    start: date | None = None
    end: date | None = None
    errors: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, org: str, start: str, end: str) -> AuditFilter:
        days: dict[str, date | None] = {"start": None, "end": None}
        errors = []
        for key, raw, label in (("start", start, "起始日期"), ("end", end, "截止日期")):
            if raw:
                try:
                    days[key] = date.fromisoformat(raw)
                except ValueError:
                    errors.append((key, f"{label}须为日期（年-月-日）"))
        lo, hi = days["start"], days["end"]
        if lo and hi and lo > hi:
            errors.append(("end", "截止日期不能早于起始日期"))
            hi = None
        return cls(org.strip(), lo, hi, tuple(errors))

    def findings(self, as_of_day: int) -> FindingFilter:
        return FindingFilter(
            as_of_day=as_of_day,
            org=self.org,
            day_from=self.start.toordinal() if self.start else None,
            day_to=self.end.toordinal() if self.end else None,
        )

    def query(self, **more: str) -> str:
        params = {"org": self.org, "start": self.start or "", "end": self.end or "", **more}
        kept = {k: str(v) for k, v in params.items() if v}
        return f"?{urlencode(kept)}" if kept else ""


def _today() -> tuple[datetime, int]:
    now = datetime.now(UTC)
    return now, shanghai_day(now.timestamp())


def _ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


@router.get("/audit")
def audit_dashboard(
    request: Request,
    svc: Svc,
    account: Me,
    org: Text = "",
    start: Text = "",
    end: Text = "",
    after: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    t = translator(request)
    if account.role != "auditor":
        return page(request, "error.html", 403, account, t=t, message=t("error.403"))
    from api.reports.audit_docs import rule_title
    from api.reports.charts import PALETTE, bar_chart

    scope = visibility(account)
    reads = FindingReads(svc.reads.engine)
    chosen = AuditFilter.parse(org, start, end)
    now, today = _today()
    wanted = chosen.findings(today)
    try:
        cursor = decode_finding_cursor(after) if after else None
    except ValueError:
        cursor = None  # a mangled link starts from the first page
    summary = reads.summary(scope, wanted)
    shown = reads.page(scope, wanted, after=cursor, limit=SHOWN)
    counters = reads.counters(scope)
    none = t("audit.nodata")  # an empty chart in the page's own language
    rule_bars = _ranked(summary.by_rule)
    org_bars = _ranked({(o or NO_ORG): n for o, n in summary.by_org.items()})
    charts = [
        bar_chart(t("audit.by_rule"), [(r, float(n)) for r, n in rule_bars], "", PALETTE[1], none),
        bar_chart(t("audit.by_org"), [(o, float(n)) for o, n in org_bars], "", PALETTE[0], none),
    ]
    period = (
        (chosen.start or date(1, 1, 1)).toordinal(),
        (chosen.end or date.max).toordinal(),
    )
    regions = svc.orgs.roll_up(
        reads.opened_by_org(scope, period if chosen.start or chosen.end else None)
    )
    region_chart = bar_chart(
        "立案数 · 按设区市" if not t.en else "Cases opened by city",
        [(c, float(n)) for c, n in regions["city"].items()],
        "件",
        PALETTE[2],
        none,
    )
    pack = svc.engine.pack
    return page(
        request,
        "audit.html",
        account=account,
        t=t,
        result={
            "cases": counters["cases"],
            "events": counters["events"],
            "rule_pack": pack.stamp,
        },
        total=summary.total,
        as_of=now.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        charts=charts,
        rule_bars=[(r, rule_title(pack, r), n) for r, n in rule_bars],
        org_bars=org_bars,
        kinds=summary.by_kind,
        findings=shown.findings,
        next_page=chosen.query(after=encode_finding_cursor(shown.next)) if shown.next else "",
        counters=counters,
        regions=regions,
        region_chart=region_chart,
        case_url=case_url,
        chosen=chosen,
        rollup=roll_up_table(svc, scope, chosen.start, chosen.end, today_shanghai()),
        orgs=sorted(set(_choices(reads, scope, summary.by_org)) | ({chosen.org} - {""})),
        plain=lambda text: plain_zh(str(text), t),
        kind_name=lambda kind: kind_zh(str(kind), t),
    )


def _choices(reads: FindingReads, scope: Visibility, shown: dict[str, int]) -> list[str]:
    """The organisation filter's choices: those findings are filed under and those of the
    visible cases (from the counters)."""
    return sorted({o for o in shown if o} | set(reads.case_orgs(scope)))


def all_findings(
    reads: FindingReads, scope: Visibility, wanted: FindingFilter
) -> Iterator[Finding]:
    """Every finding of the filter, read page by page (a bounded query each)."""
    cursor = None
    while True:
        found = reads.page(scope, wanted, after=cursor, limit=EXPORT_PAGE)
        yield from found.findings
        if found.next is None:
            return
        cursor = found.next


def _result(svc: Services, account: Account, chosen: AuditFilter) -> AuditResult:
    scope = visibility(account)
    reads = FindingReads(svc.reads.engine)
    now, today = _today()
    counters = reads.counters(scope)
    return AuditResult(
        cases=counters["cases"],
        events=counters["events"],
        as_of=now,
        rule_pack=svc.engine.pack.stamp,
        findings=list(all_findings(reads, scope, chosen.findings(today))),
    )


@router.get("/audit/report.xlsx")
def audit_xlsx(
    request: Request, svc: Svc, account: Me, org: Text = "", start: Text = "", end: Text = ""
) -> Response:
    t = translator(request)
    if account.role != "auditor":
        return page(request, "error.html", 403, account, t=t, message=t("error.403"))
    from api.reports.audit_docs import to_xlsx

    result = _result(svc, account, AuditFilter.parse(org, start, end))
    stamp = result.as_of.astimezone(SHANGHAI).strftime("%Y%m%d-%H%M")
    return Response(
        to_xlsx(result, svc.engine.pack),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="suitiao-audit-{stamp}.xlsx"'},
    )


def published_figures(svc: Services, account: Account, chosen: AuditFilter) -> Statistics:
    """The figures by organisation over the auditor's period, from the counters kept at each
    step (never the events); narrowed to the chosen organisation, whose row is the total."""
    stats = FindingReads(svc.reads.engine).figures(
        visibility(account), chosen.findings(_today()[1]), ("org",), chosen.start, chosen.end
    )
    if chosen.org:
        rows = [r for r in stats.rows if r.key and r.key[0] == chosen.org]
        stats = replace(stats, rows=rows, total=rows[0] if rows else stats.total)
    return stats


@router.get("/audit/statistics.xlsx")
def stats_xlsx(
    request: Request, svc: Svc, account: Me, org: Text = "", start: Text = "", end: Text = ""
) -> Response:
    t = translator(request)
    if account.role != "auditor":
        return page(request, "error.html", 403, account, t=t, message=t("error.403"))
    from api.reports.stats_docs import to_xlsx

    chosen = AuditFilter.parse(org, start, end)
    stats = published_figures(svc, account, chosen)
    stamp = _today()[0].astimezone(SHANGHAI).strftime("%Y%m%d-%H%M")
    return Response(
        to_xlsx(stats),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="suitiao-statistics-{stamp}.xlsx"'},
    )
