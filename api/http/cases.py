"""Cases: open, read, timeline, audit, and every workflow step (generic and named routes).

A step is POST /cases/{id}/tasks/{task}, where task is the waiting task's instance id or its
BPMN id and the body is {"action": choice, ...fields}. The named routes (/referral, /receipt,
...) are the same call with the BPMN id filled in. Reporting back to the court and closing are
done by the engine itself when the outcome that causes them is recorded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query
from starlette.responses import Response

from api import case_numbers
from api.audit_events import audit_events
from api.audit_output import finding_dict
from api.errors import ApiError, from_domain
from api.http import idempotency
from api.http.deps import IdempotencyKey, Reader, Svc, Writer, actor, visibility
from api.http.masking import mask
from api.http.responses import CASE_READ, ETAG, READ, WRITE, errors
from api.http.schemas import (
    AuditReport,
    CaseCreate,
    CasePage,
    CaseRead,
    EventRead,
    ProcessId,
    TaskSubmission,
)
from api.http.validators import amount_number
from api.http.views import case_read, check_visible, etag, parse_if_match, visible_case
from api.org_checks import check_step
from engine.domain.errors import CaseExists, ConcurrentUpdate, TaskNotFound, TransitionNotAllowed
from standard_rules.audit import audit
from standard_rules.case_number import try_parse
from standard_rules.eventlog import parse_datetime
from standard_rules.timezone import SHANGHAI

router = APIRouter(prefix="/cases", tags=["cases"])
CaseId = Annotated[str, Path(min_length=1, max_length=100, description="案号")]
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", max_length=40, description='案件的 ETag（如 "3"）；不符时 409'),
]

# Named routes for the main steps: path -> (BPMN task, summary).
STEPS: dict[str, tuple[str, str]] = {
    "consent": ("record_consent", "记录当事人是否同意调解"),
    "referral": ("refer", "委派/委托调解组织"),
    "receipt": ("sign_for_referral", "调解组织签收或不予接受"),
    "acceptance": ("accept_referral", "确认接受或不予接受委派/委托"),
    "notice": ("notify_parties", "通知当事人调解时间地点"),
    "mediation": ("mediate", "调解：开始、暂停、恢复、延期、达成协议、调解不成、撤回"),
    "follow-up": ("agreement_follow_up", "协议履行完毕或共同申请司法确认"),
    "registration": ("register_case", "登记立案"),
    "confirmation/acceptance": ("decide_acceptance", "法院决定是否受理司法确认申请"),
    "confirmation/ruling": ("rule_on_confirmation", "司法确认裁定"),
}


def _facts(body: CaseCreate) -> dict[str, Any]:
    facts = body.facts.model_dump(mode="json", exclude_none=True)
    if body.facts.claim_amount is not None:
        facts["claim_amount"] = amount_number(body.facts.claim_amount)
    return facts


@router.get("", response_model=CasePage, responses=errors(*READ), summary="本单位的案件")
def list_cases(
    services: Svc,
    account: Reader,
    status: Annotated[str | None, Query(max_length=32)] = None,
    process_id: ProcessId | None = None,
    open_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> CasePage:
    rows = services.reads.cases(
        visibility(account),
        status=status,
        process_id=process_id,
        open_only=open_only,
        limit=limit,
        offset=offset,
    )
    engine = services.engine
    items = [case_read(engine.view(row), account) for row in rows]
    return CasePage(items=items, limit=limit, offset=offset)


@router.post(
    "",
    status_code=201,
    response_model=CaseRead,
    responses={201: {"headers": ETAG}, **errors(*WRITE)},
    summary="登记案件（法院：诉前委派/诉中委托；消保委：投诉、支持起诉）",
)
def create_case(
    body: CaseCreate, services: Svc, account: Writer, key: IdempotencyKey = None
) -> Response:
    def work() -> idempotency.Outcome:
        # The court's own number in another spelling: its own case, so CaseExists (409) as is.
        case_id = checked_case_id()
        try:
            with services.steps:
                view = services.engine.open_case(
                    process_id=body.process_id,
                    case_id=case_id,
                    actor=actor(account),
                    facts=_facts(body),
                )
        except CaseExists:
            orgs = services.reads.orgs(case_id)
            if orgs is not None and visibility(account).allows(*orgs):
                raise  # the caller's own case: 409, as it may know
            # Another organisation's case: say nothing of it (not "exists", not whose).
            raise ApiError(
                422,
                "case_id_unavailable",
                "此案号不能由本单位登记，请核对案号",
                field="case_id",
            ) from None
        return 201, case_read(view, account), etag(view.version)

    def checked_case_id() -> str:
        if account.role != "court_clerk":  # anyone else is refused by the engine, as before
            return body.case_id
        today = datetime.now(SHANGHAI).date()
        return case_numbers.check(
            services.orgs, services.reads, body.process_id, account.org, body.case_id, today
        )

    def current() -> idempotency.Outcome:
        number = try_parse(body.case_id)  # the case as stored: its canonical number
        view = services.engine.case(str(number) if number else body.case_id)
        return 201, case_read(view, account), etag(view.version)

    request_hash = idempotency.fingerprint("POST", "/cases", body)
    return idempotency.run_step(services, account, key, request_hash, work, current)


@router.get(
    "/{case_id}",
    response_model=CaseRead,
    responses={200: {"headers": ETAG}, **errors(*CASE_READ)},
    summary="案件及其待办任务",
)
def get_case(case_id: CaseId, services: Svc, account: Reader, response: Response) -> CaseRead:
    view = visible_case(services, account, case_id)
    response.headers["ETag"] = etag(view.version)
    return case_read(view, account)


@router.get(
    "/{case_id}/events",
    response_model=list[EventRead],
    responses=errors(*CASE_READ),
    summary="案件时间线（事件日志）",
)
def case_events(case_id: CaseId, services: Svc, account: Reader) -> list[EventRead]:
    case_id = visible_case(services, account, case_id).id
    names = services.engine.pack.activities
    stored = services.engine.events(case_id)
    people = services.accounts.display_names({e.actor for e in stored if e.actor})
    return [
        EventRead(
            seq=e.seq,
            activity=e.activity,
            activity_zh=names[e.activity].zh if e.activity in names else None,
            at=e.at,
            actor=e.actor,
            actor_name=people.get(e.actor or ""),
            role=e.role,
            org=e.org,
            data=mask(dict(e.data), account.role),
            hash=e.hash,
        )
        for e in stored
    ]


AsOf = Annotated[
    str | None,
    Query(
        max_length=40,
        description="审计时点，RFC 3339 带时区（如 2026-03-31T23:59:59+08:00）；默认现在",
        json_schema_extra={"format": "date-time"},
    ),
]


def as_of_or_now(as_of: str | None) -> datetime:
    if as_of is None:
        return datetime.now(UTC)
    parsed = parse_datetime(as_of)
    if parsed is None:
        raise ApiError(422, "invalid_date", "审计时点须为带时区的 RFC 3339 时间", field="as_of")
    return parsed


def audit_report(services: Svc, events: Any, as_of: datetime) -> AuditReport:
    items = list(audit_events(events))
    engine = services.engine
    result = audit(items, engine.pack, engine.calendar, as_of)
    return AuditReport.model_validate(
        {
            "cases": result.cases,
            "events": result.events,
            "as_of": result.as_of,
            "rule_pack": result.rule_pack,
            "findings": [finding_dict(f) for f in result.findings],
        }
    )


@router.get(
    "/{case_id}/audit",
    response_model=AuditReport,
    responses=errors(*CASE_READ),
    summary="按规则包审计本案（期限、顺序、结案依据）",
)
def case_audit(case_id: CaseId, services: Svc, account: Reader, as_of: AsOf = None) -> AuditReport:
    case_id = visible_case(services, account, case_id).id
    return audit_report(services, services.engine.events(case_id), as_of_or_now(as_of))


def _complete(
    services: Svc,
    account: Writer,
    case_id: str,
    task_id: str,
    body: TaskSubmission,
    if_match: str | None,
    key: str | None,
) -> Response:
    expected = parse_if_match(if_match)

    def work() -> idempotency.Outcome:
        check_visible(services, account, case_id)
        payload = body.model_dump(mode="json", exclude_none=True)
        if body.amount is not None:
            payload["amount"] = amount_number(body.amount)
        orgs = services.reads.orgs(case_id)
        payload = check_step(services.orgs, orgs[0] if orgs else None, payload)
        try:
            with services.steps:
                view = services.engine.complete(
                    case_id=case_id,
                    task_id=task_id,
                    actor=actor(account),
                    payload=payload,
                    expected_version=expected,
                )
        except (ConcurrentUpdate, TaskNotFound, TransitionNotAllowed) as exc:
            current = case_read(services.engine.case(case_id), account)
            raise from_domain(exc, current.model_dump(mode="json")) from None
        return 200, case_read(view, account), etag(view.version)

    def current() -> idempotency.Outcome:
        view = visible_case(services, account, case_id)
        return 200, case_read(view, account), etag(view.version)

    request_hash = idempotency.fingerprint("POST", f"/cases/{case_id}/tasks/{task_id}", body)
    return idempotency.run_step(services, account, key, request_hash, work, current)


@router.post(
    "/{case_id}/tasks/{task_id}",
    response_model=CaseRead,
    responses={200: {"headers": ETAG}, **errors(*WRITE)},
    summary="办理待办任务（task_id 可为任务实例号或 BPMN 任务名）",
)
def complete_task(
    case_id: CaseId,
    task_id: Annotated[str, Path(min_length=1, max_length=64)],
    body: TaskSubmission,
    services: Svc,
    account: Writer,
    if_match: IfMatch = None,
    key: IdempotencyKey = None,
) -> Response:
    return _complete(services, account, case_id, task_id, body, if_match, key)


def _named_step(bpmn_id: str) -> Any:
    def step(
        case_id: CaseId,
        body: TaskSubmission,
        services: Svc,
        account: Writer,
        if_match: IfMatch = None,
        key: IdempotencyKey = None,
    ) -> Response:
        return _complete(services, account, case_id, bpmn_id, body, if_match, key)

    return step


for _path, (_bpmn_id, _summary) in STEPS.items():
    router.add_api_route(
        f"/{{case_id}}/{_path}",
        _named_step(_bpmn_id),
        methods=["POST"],
        response_model=CaseRead,
        responses={200: {"headers": ETAG}, **errors(*WRITE)},
        summary=_summary,
        description=f"等同于 POST /cases/{{case_id}}/tasks/{_bpmn_id}",
        name=f"step_{_bpmn_id}",
        operation_id=f"step_{_bpmn_id}",
    )
