"""Assigning a waiting task to one person: PUT and DELETE /cases/{id}/tasks/{task}/assignee.

Supervisors only (api/assignments.py says over which organisations). The answer is the case as
it now is, with the task's assignee; the history is in the case's facts (`assignments`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from api import assignments
from api.errors import from_domain, json_response
from api.http.cases import CaseId, IfMatch
from api.http.deps import Anyone, Svc
from api.http.responses import ETAG, WRITE, errors
from api.http.schemas import AssigneeBody, CaseRead
from api.http.views import case_read, etag, parse_if_match
from engine.domain.errors import ConcurrentUpdate, DomainError, TaskNotFound, TransitionNotAllowed
from storage.accounts import Account

router = APIRouter(prefix="/cases", tags=["cases"])
TaskId = Annotated[str, Path(min_length=1, max_length=64, description="任务实例号或 BPMN 任务名")]
PATH = "/{case_id}/tasks/{task_id}/assignee"


def _answer(
    services: Svc,
    account: Account,
    case_id: str,
    task_id: str,
    username: str | None,
    if_match: str | None,
) -> Response:
    expected = parse_if_match(if_match)
    try:
        view = assignments.assign(services, account, case_id, task_id, username, expected)
    except (ConcurrentUpdate, TaskNotFound, TransitionNotAllowed) as exc:
        current = case_read(services.engine.case(case_id), account)
        raise from_domain(exc, current.model_dump(mode="json")) from None
    except DomainError as exc:
        raise from_domain(exc) from None
    body = case_read(view, account).model_dump(mode="json")
    return json_response(200, body, {"ETag": etag(view.version)})


@router.put(
    PATH,
    response_model=CaseRead,
    responses={200: {"headers": ETAG}, **errors(*WRITE)},
    summary="主管指派待办任务的办理人（本单位或下级单位中具有相应角色的人员）",
)
def assign_task(
    case_id: CaseId,
    task_id: TaskId,
    body: AssigneeBody,
    services: Svc,
    account: Anyone,
    if_match: IfMatch = None,
) -> Response:
    return _answer(services, account, case_id, task_id, body.username, if_match)


@router.delete(
    PATH,
    response_model=CaseRead,
    responses={200: {"headers": ETAG}, **errors(*WRITE)},
    summary="主管取消任务的指派（本单位任一相应角色人员均可办理）",
)
def clear_assignee(
    case_id: CaseId,
    task_id: TaskId,
    services: Svc,
    account: Anyone,
    if_match: IfMatch = None,
) -> Response:
    return _answer(services, account, case_id, task_id, None, if_match)
