"""Across cases: my tasks with their due dates, the event feed, audit and statistics."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.errors import ApiError
from api.http.cases import AsOf, as_of_or_now, audit_report
from api.http.deps import Auditor, Reader, Svc, visibility
from api.http.masking import mask
from api.http.responses import READ, errors
from api.http.schemas import AuditReport, FeedEvent, FeedPage, MyTask, Statistics
from api.http.views import task_read

router = APIRouter(tags=["feeds"])
SHANGHAI = timezone(timedelta(hours=8))


@router.get(
    "/tasks",
    response_model=list[MyTask],
    responses=errors(*READ),
    summary="我的待办（按法定期限排序）",
)
def my_tasks(
    services: Svc, account: Reader, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[MyTask]:
    found: list[MyTask] = []
    engine = services.engine
    for stored in services.reads.open_cases(visibility(account)):
        view = engine.view(stored)
        for task in view.tasks:
            read = task_read(task, account)
            if read.actionable:
                found.append(
                    MyTask(
                        case_id=view.id, process_id=view.process_id, status=view.status, task=read
                    )
                )
    found.sort(key=lambda t: (t.task.due is None, t.task.due or "", t.case_id))
    return found[:limit]


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
