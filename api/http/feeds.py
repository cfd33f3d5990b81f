"""Across cases: my tasks with their due dates, the event feed, audit and statistics."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.audit_output import finding_dict
from api.errors import ApiError
from api.http.cases import AsOf, as_of_or_now
from api.http.deps import Auditor, Reader, Svc, visibility
from api.http.masking import mask
from api.http.responses import READ, errors
from api.http.schemas import AuditReport, FeedEvent, FeedPage, MyTask, Statistics
from api.http.views import task_read
from engine.domain.errors import InvalidTaskData
from standard_rules.eventlog import shanghai_day
from storage.finding_reads import FindingFilter, decode_finding_cursor, encode_finding_cursor
from storage.scoped import Cursor, TaskFilter, decode_cursor, encode_cursor

router = APIRouter(tags=["feeds"])


def parse_cursor(text: str | None) -> Cursor | None:
    """A cursor from X-Next-After; a malformed one is a Chinese 422, not a 500."""
    if not text:
        return None
    try:
        return decode_cursor(text)
    except ValueError:
        raise InvalidTaskData("after 须为上一页响应头 X-Next-After 的值", field="after") from None


@router.get(
    "/tasks",
    response_model=list[MyTask],
    responses=errors(*READ),
    summary="我的待办（按法定期限排序）",
)
def my_tasks(
    services: Svc,
    account: Reader,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    after: Annotated[
        str | None,
        Query(
            max_length=200,
            description="上一页响应头 X-Next-After 的值：从它之后继续（按期限、案号排序）",
        ),
    ] = None,
    assigned_to_me: Annotated[bool, Query(description="只列出主管指派给我的任务")] = False,
) -> list[MyTask]:
    """One page of the caller's tasks from the waiting-task read model (no case is loaded
    beyond the page's); X-Total-Count says how many there are, X-Next-After where to go on."""
    page = services.reads.tasks(
        visibility(account),
        TaskFilter(
            role=account.role,
            acting_org=account.org,
            assignee=account.id if assigned_to_me else None,
        ),
        after=parse_cursor(after),
        limit=limit,
    )
    cases = services.reads.stored([row["case_id"] for row in page.rows])
    found: list[MyTask] = []
    for row in page.rows:
        stored = cases.get(row["case_id"])
        if stored is None:  # closed between the two reads
            continue
        view = services.engine.view(stored)
        task = next((t for t in view.tasks if t.task_id == row["task_id"]), None)
        if task is not None:
            found.append(
                MyTask(
                    case_id=view.id,
                    process_id=view.process_id,
                    status=view.status,
                    task=task_read(task, account),
                )
            )
    response.headers["X-Total-Count"] = str(page.total)
    if page.next is not None:
        response.headers["X-Next-After"] = encode_cursor(page.next)
    return found


@router.get(
    "/events",
    response_model=FeedPage,
    responses=errors(*READ),
    summary="事件订阅：本单位案件的新事件（after 为游标）",
    description="按事件写入顺序返回 id 大于 after 的事件。保存最后一个 next_after，下次从它继续，"
    "无需逐案轮询。案件在委派后才对调解组织可见：此前的事件请读取案件时间线。",
)
def event_feed(
    services: Svc,
    account: Reader,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> FeedPage:
    items = services.reads.feed(visibility(account), after, limit)
    events = [
        FeedEvent(
            id=item.id,
            case=item.event.case,
            seq=item.event.seq,
            activity=item.event.activity,
            at=item.event.at,
            actor=item.event.actor,
            role=item.event.role,
            org=item.event.org,
            data=mask(dict(item.event.data), account.role),
        )
        for item in items
    ]
    return FeedPage(events=events, next_after=events[-1].id if events else after)


FINDING_KINDS = ("late", "missing", "order", "invalid", "early", "stalled")


@router.get(
    "/audit",
    response_model=AuditReport,
    responses=errors(*READ),
    summary="审计：本单位（省级为全省）全部案件的期限与程序合规（分页）",
)
def audit_all(
    services: Svc,
    account: Auditor,
    response: Response,
    as_of: AsOf = None,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
    after: Annotated[
        str | None,
        Query(max_length=300, description="上一页的 next_after（或响应头 X-Next-After）"),
    ] = None,
    org: Annotated[str, Query(max_length=200, description="问题归属机构")] = "",
    rule: Annotated[str, Query(max_length=16, description="规则编号，如 R16")] = "",
    kind: Annotated[str, Query(max_length=16, description="问题类型")] = "",
    status: Annotated[str, Query(max_length=8, description="open：案件在办；closed：已结案")] = "",
    start: Annotated[
        date | None, Query(alias="from", description="期限日（无期限的按事件日）起")
    ] = None,
    end: Annotated[
        date | None, Query(alias="to", description="期限日（无期限的按事件日）止")
    ] = None,
    due_this_week: Annotated[
        bool, Query(description="只看期限日在本周（周一至周日）的问题")
    ] = False,
) -> AuditReport:
    """A page of findings from the findings read model, kept at each step; a `missing` or
    `stalled` finding counts from the day after its due date, as of `as_of`."""
    now = as_of_or_now(as_of)
    day = shanghai_day(now.timestamp())
    if status not in ("", "open", "closed"):
        raise ApiError(
            422, "invalid_filter", "status 须为 open（在办）或 closed（已结案）", field="status"
        )
    if kind and kind not in FINDING_KINDS:
        raise ApiError(
            422, "invalid_filter", f"kind 须为 {'、'.join(FINDING_KINDS)} 之一", field="kind"
        )
    if start and end and start > end:
        raise ApiError(422, "invalid_period", "from 不得晚于 to", field="from")
    day_from = start.toordinal() if start else None
    day_to = end.toordinal() if end else None
    if due_this_week:
        monday = day - date.fromordinal(day).weekday()
        day_from = max(day_from or monday, monday)
        day_to = min(day_to or monday + 6, monday + 6)
    try:
        cursor = decode_finding_cursor(after) if after else None
    except ValueError:
        raise ApiError(
            422, "invalid_cursor", "after 须为上一页的 next_after", field="after"
        ) from None
    wanted = FindingFilter(
        as_of_day=day,
        org=org,
        rule=rule,
        kind=kind,
        status=status,
        day_from=day_from,
        day_to=day_to,
    )
    scope = visibility(account)
    found = services.reads.findings.page(scope, wanted, after=cursor, limit=limit)
    counters = services.reads.findings.counters(scope)
    token = encode_finding_cursor(found.next) if found.next else None
    response.headers["X-Total-Count"] = str(found.total)
    if token:
        response.headers["X-Next-After"] = token
    return AuditReport.model_validate(
        {
            "cases": counters["cases"],
            "events": counters["events"],
            "as_of": now,
            "rule_pack": services.engine.pack.stamp,
            "findings": [finding_dict(f) for f in found.findings],
            "total": found.total,
            "next_after": token,
        }
    )


@router.get(
    "/stats",
    response_model=Statistics,
    responses=errors(*READ),
    summary="统计：案件数、状态、流程、结果、近期期限与审计发现",
)
def statistics(
    services: Svc,
    account: Auditor,
    start: Annotated[date | None, Query(alias="from", description="立案日期起（含）")] = None,
    end: Annotated[date | None, Query(alias="to", description="立案日期止（含）")] = None,
) -> Statistics:
    """From the counters kept at each step and the findings read model: a few grouped queries
    over counter rows, whatever the number of cases."""
    if (start is None) != (end is None) or (start and end and start > end):
        raise ApiError(
            422, "invalid_period", "统计区间须同时给出 from 和 to，且 from 不晚于 to", field="from"
        )
    scope = visibility(account)
    now = as_of_or_now(None)
    reads = services.reads.findings
    counters = reads.counters(scope)
    findings = reads.summary(scope, FindingFilter(as_of_day=shanghai_day(now.timestamp())))
    period = (start, end) if start is not None and end is not None else None
    levels = services.orgs.roll_up(reads.opened_by_org(scope, _days(period)))
    extra: dict[str, Any] = {}
    if period is not None:
        before = services.orgs.roll_up(reads.opened_by_org(scope, _days(_year_earlier(period))))
        extra = {
            "period": list(period),
            "same_period_last_year": {f"by_{level}": table for level, table in before.items()},
            "year_on_year": {
                f"by_{level}": {
                    key: (round(n / before[level][key] - 1, 4) if before[level].get(key) else None)
                    for key, n in table.items()
                }
                for level, table in levels.items()
            },
        }
    return Statistics(
        cases=counters["cases"],
        by_status=counters["by_status"],
        by_process=counters["by_process"],
        by_outcome=counters["by_outcome"],
        deadline_within_3_days=services.reads.due_within(scope, now, days=3),
        findings_by_rule=dict(sorted(findings.by_rule.items())),
        by_province=levels["province"],
        by_city=levels["city"],
        by_county=levels["county"],
        **extra,
    )


def _days(period: tuple[date, date] | None) -> tuple[int, int] | None:
    """Shanghai calendar days [from, to] as ordinals (the counters are kept by day)."""
    return None if period is None else (period[0].toordinal(), period[1].toordinal())


def _year_earlier(period: tuple[date, date]) -> tuple[date, date]:
    def back(day: date) -> date:  # 29 February a year earlier is the 28th
        return day.replace(year=day.year - 1, day=min(day.day, 28 if day.month == 2 else day.day))

    return back(period[0]), back(period[1])
