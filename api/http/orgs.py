"""The organisation registry over HTTP: the pick-lists clients offer instead of free text, and
the next case number of the caller's court."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from api.case_numbers import next_number
from api.errors import ApiError
from api.http.deps import Anyone, Svc, require
from api.http.responses import READ, errors
from api.org_checks import paired_committees
from standard_rules.orgs import Org
from standard_rules.timezone import SHANGHAI
from storage.accounts import Account

router = APIRouter(prefix="/orgs", tags=["reference"])


class OrgRead(BaseModel):
    id: str = Field(description="稳定标识，如 court:浙1082、cpc:331082")
    kind: str = Field(description="court（法院）或 committee（消保委）")
    level: str = Field(description="province | city | county")
    name: str = Field(description="全称")
    short: str = Field(description="简称：案件与账号中保存的名称")
    division: str = Field(description="行政区划代码（GB/T 2260）")
    court_code: str | None = Field(description="法院代字，如 浙1082")
    parent: str | None


def _read(org: Org) -> OrgRead:
    return OrgRead(
        id=org.id,
        kind=org.kind,
        level=org.level,
        name=org.name,
        short=org.short,
        division=org.division,
        court_code=org.court_code,
        parent=org.parent,
    )


@router.get("", response_model=list[OrgRead], responses=errors(*READ), summary="组织名录")
def list_orgs(
    services: Svc,
    _account: Anyone,
    kind: Annotated[str | None, Query(pattern="^(court|committee)$")] = None,
) -> list[OrgRead]:
    return [_read(o) for o in services.orgs.orgs.values() if kind in (None, o.kind)]


@router.get(
    "/{org}/committees",
    response_model=list[OrgRead],
    responses=errors(*READ, 404),
    summary="法院可委派/委托的调解组织（默认同一县域，另加本地协议）",
)
def committees_of(
    org: Annotated[str, Path(max_length=200)], services: Svc, _account: Anyone
) -> list[OrgRead]:
    court = services.orgs.find(org)
    if court is None or court.kind != "court":
        raise ApiError(404, "org_not_found", f"组织名录中没有法院“{org[:30]}”", field="org")
    return [_read(o) for o in paired_committees(services.orgs, court.short)]


numbers = APIRouter(tags=["cases"])
Clerk = Annotated[Account, Depends(require(frozenset({"court_clerk"})))]


class NextNumber(BaseModel):
    case_id: str = Field(description="建议的下一个案号（本院、本年、该类型的最大序号加一）")


@numbers.get(
    "/case-numbers/next",
    response_model=NextNumber,
    responses=errors(*READ),
    summary="本院下一个案号（新登记诉前调解案件时使用）",
)
def next_case_number(
    services: Svc,
    account: Clerk,
    type: Annotated[str, Query(pattern="^(民诉前调|民初|民终|民再)$")] = "民诉前调",
) -> NextNumber:
    court = services.orgs.find(account.org)
    if court is None or court.court_code is None:
        raise ApiError(
            422, "unknown_org", f"您所属的法院“{account.org}”不在组织名录中", field="org"
        )
    year = datetime.now(SHANGHAI).year
    return NextNumber(case_id=next_number(services.reads, court.court_code, type, year))
