"""Across cases: my tasks with their due dates, the event feed, audit and statistics."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.errors import ApiError
from api.http.cases import AsOf, as_of_or_now, audit_report
from api.http.deps import Auditor, Reader, Svc, visibility
from api.http.masking import mask
from api.http.responses import READ, errors
from api.http.schemas import AuditReport, FeedEvent, FeedPage, MyTask, Statistics
from api.http.views import task_read
from engine.domain.errors import InvalidTaskData
from standard_rules.timezone import SHANGHAI
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
) -> list[MyTask]:
    """One page of the caller's tasks from the waiting-task read model (no case is loaded
    beyond the page's); X-Total-Count says how many there are, X-Next-After where to go on."""
    page = services.reads.tasks(
        visibility(account),
        TaskFilter(role=account.role, acting_org=account.org),
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


@router.get(
    "/audit",
    response_model=AuditReport,
    responses=errors(*READ),
    summary="审计：本单位（省级为全省）全部案件的期限与程序合规",
)
def audit_all(services: Svc, account: Auditor, as_of: AsOf = None) -> AuditReport:
    return audit_report(services, services.reads.events(visibility(account)), as_of_or_now(as_of))


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
    if (start is None) != (end is None) or (start and end and start > end):
        raise ApiError(
            422, "invalid_period", "统计区间须同时给出 from 和 to，且 from 不晚于 to", field="from"
        )
    scope = visibility(account)
    now = as_of_or_now(None)
    report = audit_report(services, services.reads.events(scope), now)
    figures = services.reads.statistics(scope, now)
    by_rule = Counter(f.rule for f in report.findings)
    period = (start, end) if start is not None and end is not None else None
    levels = services.orgs.roll_up(services.reads.cases_by_org(scope, _span(period)))
    extra: dict[str, Any] = {}
    if period is not None:
        before = services.orgs.roll_up(
            services.reads.cases_by_org(scope, _span(_year_earlier(period)))
        )
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
        **figures,
        findings_by_rule=dict(sorted(by_rule.items())),
        by_province=levels["province"],
        by_city=levels["city"],
        by_county=levels["county"],
        **extra,
    )


def _span(period: tuple[date, date] | None) -> tuple[float, float] | None:
    """Shanghai calendar days [from, to] as timestamps [start of from, start of the day after)."""
    if period is None:
        return None
    start = datetime.combine(period[0], time(), SHANGHAI)
    end = datetime.combine(period[1] + timedelta(days=1), time(), SHANGHAI)
    return start.timestamp(), end.timestamp()


def _year_earlier(period: tuple[date, date]) -> tuple[date, date]:
    def back(day: date) -> date:  # 29 February a year earlier is the 28th
        return day.replace(year=day.year - 1, day=min(day.day, 28 if day.month == 2 else day.day))

    return back(period[0]), back(period[1])
