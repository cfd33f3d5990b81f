"""Who may assign a waiting task and to whom, for the HTTP API and the case page alike.

A supervisor (a court's president or division head, a committee's head) assigns the tasks of its
organisation and of those below it in the registry: 台州市消保委's head those of 临海市消保委,
天台县消保委's head none of them. The assignee must be an active user; that it has the role the
task takes and belongs to the acting organisation is checked by the engine
(engine/use_cases/assign_task.py), which alone reads the case's saved task list.
"""

from __future__ import annotations

from api.bootstrap import Services
from api.errors import ApiError
from api.http.views import visible_case
from engine.assignment import Person
from engine.domain.errors import TaskNotFound
from engine.services import CaseView, TaskView
from storage.accounts import Account

SUPERVISOR = "supervisor"


def person(account: Account) -> Person:
    return Person(account.id, account.name, account.role, account.org)


def assignable_task(
    services: Services, account: Account, case_id: str, task_id: str
) -> tuple[CaseView, TaskView]:
    """The case and its waiting task, if the caller is a supervisor over the organisation
    acting on it."""
    if account.role != SUPERVISOR:
        raise ApiError(
            403, "assign_not_supervisor", "只有主管（院长、庭长或消保委负责人）可以指派任务"
        )
    view = visible_case(services, account, case_id)  # another organisation's case: 404
    task = next((t for t in view.tasks if task_id in (t.task_id, t.bpmn_id)), None)
    if task is None:
        raise TaskNotFound(f"案件 {view.id} 当前没有待办任务 {task_id}")
    if task.org is None or task.org not in services.orgs.scope_names(account.org):
        raise ApiError(
            403,
            "task_outside_scope",
            f"此任务由{task.org or '（尚未确定的单位）'}办理，不在您（{account.org}）的管辖范围内",
        )
    return view, task


def assignee_account(services: Services, username: str) -> Account:
    found = services.accounts.user(username)
    if found is None or found[0].kind != "user":
        raise ApiError(422, "assignee_unknown", f"用户 {username} 不存在", field="username")
    if not found[0].active:
        raise ApiError(
            422, "assignee_inactive", f"用户 {username} 已停用，不能指派", field="username"
        )
    return found[0]


def assign(
    services: Services,
    account: Account,
    case_id: str,
    task_id: str,
    username: str | None,
    expected_version: int | None = None,
) -> CaseView:
    """Assign the task to `username` (None: clear the assignment); ApiError or a DomainError
    (the task no longer waits, the person cannot do it, the case changed) when refused."""
    view, task = assignable_task(services, account, case_id, task_id)
    to = person(assignee_account(services, username)) if username is not None else None
    with services.steps:
        return services.engine.assign(
            case_id=view.id,
            task_id=task.task_id,
            to=to,
            by=person(account),
            expected_version=expected_version,
        )
