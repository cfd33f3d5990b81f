"""Look-ups: the rule pack in force and due dates under the legal calendar."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from api.errors import ApiError
from api.http.deps import Anyone, Svc
from api.http.responses import CASE_READ, READ, errors
from api.http.schemas import DueRead, RuleRead
from api.rule_output import due_dict, rule_dict
from standard_rules.errors import CalendarError

router = APIRouter(tags=["reference"])


@router.get("/rules", response_model=list[RuleRead], responses=errors(*READ), summary="规则包")
def rules(services: Svc, _account: Anyone) -> list[RuleRead]:
    pack = services.engine.pack
    return [RuleRead.model_validate(rule_dict(rule, pack)) for rule in pack.rules.values()]


@router.get(
    "/rules/{rule_id}",
    response_model=RuleRead,
    responses=errors(*CASE_READ),
    summary="一条规则",
)
def rule(rule_id: Annotated[str, Path(max_length=8)], services: Svc, _account: Anyone) -> RuleRead:
    pack = services.engine.pack
    if rule_id not in pack.rules:
        raise ApiError(404, "rule_not_found", f"规则 {rule_id} 不存在", field="rule_id")
    return RuleRead.model_validate(rule_dict(pack.rules[rule_id], pack))


@router.get(
    "/calendar/due",
    response_model=DueRead,
    responses=errors(*READ),
    summary="按法定日历计算期限（自然日顺延或工作日）",
)
def due(
    services: Svc,
    _account: Anyone,
    start: Annotated[date, Query(alias="from", description="起算日")],
    days: Annotated[int, Query(ge=0, le=3650)],
    unit: Literal["calendar", "working"],
) -> DueRead:
    if unit == "working" and days < 1:
        raise ApiError(422, "out_of_range", "工作日期限至少为1日", field="days")
    if not date(1990, 1, 1) <= start <= date(2099, 12, 31):
        raise ApiError(422, "out_of_range", "起算日须在1990年至2099年之间", field="from")
    try:
        due = services.engine.calendar.due(start, days, unit)
    except CalendarError:
        # The legal calendar ends in 2099: a period running past it cannot be reckoned.
        raise ApiError(
            422,
            "out_of_range",
            "期限届满日超出法定日历的范围（至2099年底），请减少天数",
            field="days",
        ) from None
    return DueRead.model_validate(due_dict(due))
