"""Engine views to API bodies, seen through the caller's eyes (masking, what it may act on)."""

from __future__ import annotations

from datetime import date

from api.case_numbers import spellings
from api.errors import ApiError
from api.http.deps import Services, visibility
from api.http.masking import mask
from api.http.schemas import CaseRead, ChoiceRead, FieldRead, TaskRead
from engine.domain.errors import CaseNotFound
from engine.services import CaseView, TaskView
from standard_rules.case_number import try_parse
from storage.accounts import Account


def task_read(task: TaskView, account: Account) -> TaskRead:
    return TaskRead(
        case_id=task.case_id,
        task_id=task.task_id,
        bpmn_id=task.bpmn_id,
        title_zh=task.title_zh,
        roles=list(task.roles),
        org=task.org,
        due=date.fromisoformat(task.due) if task.due else None,
        due_provisional=task.due_provisional,
        choices=[
            ChoiceRead(
                id=c["id"],
                label_zh=c["label_zh"],
                fields=[
                    FieldRead(
                        name=f["name"],
                        label_zh=f["label_zh"],
                        kind=f["kind"],
                        required=f["required"],
                        choices=list(f["choices"]),
                        future=f["future"],
                    )
                    for f in c["fields"]
                ],
            )
            for c in task.choices
        ],
        actionable=account.role in task.roles
        and (task.org is None or task.org == account.org)
        and (task.assignee is None or task.assignee == account.id),
        assignee=task.assignee,
        assignee_name=task.assignee_name,
    )


def case_read(view: CaseView, account: Account) -> CaseRead:
    return CaseRead(
        id=view.id,
        process_id=view.process_id,
        status=view.status,
        version=view.version,
        court_org=view.court_org,
        mediator_org=view.mediator_org,
        outcome=view.outcome,
        facts=mask(dict(view.facts), account.role),
        tasks=[task_read(t, account) for t in view.tasks],
        next_due=view.next_due,
        opened_at=view.opened_at,
        closed_at=view.closed_at,
        pack_version=view.pack_version,
        calendar_version=view.calendar_version,
    )


def not_found(case_id: str) -> ApiError:
    return ApiError(404, "case_not_found", f"案件 {case_id} 不存在")


def visible_case(services: Services, account: Account, case_id: str) -> CaseView:
    """The case if the caller may see it; a case of another organisation is 'not found' too."""
    try:
        view = services.engine.case(case_id)
    except CaseNotFound:
        # A case number typed another way (（2026） for (2026), 0123 for 123) is the same case.
        number = try_parse(case_id)
        stored = services.reads.existing_ids(spellings(number)) if number is not None else []
        if not stored:
            raise not_found(case_id) from None
        view = services.engine.case(stored[0])
    if not visibility(account).allows(view.court_org, view.mediator_org):
        raise not_found(case_id)
    return view


def check_visible(services: Services, account: Account, case_id: str) -> None:
    """As visible_case, reading only the two organisations (before a step, which reads the rest)."""
    orgs = services.reads.orgs(case_id)
    if orgs is None or not visibility(account).allows(*orgs):
        raise not_found(case_id)


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(header: str | None) -> int | None:
    if header is None or header.strip() == "*":
        return None
    text = header.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise ApiError(
            400, "invalid_if_match", 'If-Match 须为案件的 ETag，如 "3"', field="If-Match"
        )
    return int(text)
