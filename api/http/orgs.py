"""The organisation registry over HTTP: the pick-lists clients offer instead of free text."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from api.errors import ApiError
from api.http.deps import Anyone, Svc
from api.http.responses import READ, errors
from api.org_checks import paired_committees
from standard_rules.orgs import Org

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
