"""The case page's assignments: who each waiting task is assigned to, the supervisor's form to
assign or clear it, and the history of assignments (from the case's facts).

The form posts to /ui/cases/{id}/tasks/{task}/assignee and is checked exactly as the JSON API
checks PUT /cases/{id}/tasks/{task}/assignee (api/assignments.py); a refusal comes back on the
case page, next to the form, in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from api import assignments
from api.bootstrap import Services
from api.errors import ApiError
from api.http.deps import Svc
from api.web.i18n import Translator
from api.web.session import check_csrf, current, finish
from engine.assignment import HISTORY
from engine.domain.errors import DomainError
from engine.services import CaseView
from standard_rules.timezone import SHANGHAI
from storage.accounts import Account

ANCHOR = "#assignments"


def panel(
    svc: Services,
    view: CaseView,
    account: Account,
    t: Translator,
    error: tuple[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Each waiting task with its assignee; for a supervisor over the acting organisation,
    the people it may be assigned to (active, of that organisation, with a role it takes)."""
    supervised = (
        svc.orgs.scope_names(account.org) if account.role == assignments.SUPERVISOR else set()
    )
    items = []
    for task in view.tasks:
        can = task.org is not None and task.org in supervised
        people = svc.accounts.active_people(task.org or "", frozenset(task.roles)) if can else []
        items.append(
            {
                "task_id": task.task_id,
                "title": t.task(task.bpmn_id, task.title_zh),
                "org": task.org,
                "assignee": task.assignee,
                "assignee_name": task.assignee_name,
                "can_assign": can,
                "people": [(p.id, f"{p.name}（{p.id}）") for p in people],
                "error": error[1] if error is not None and error[0] == task.task_id else "",
            }
        )
    return items


def history(view: CaseView, t: Translator) -> list[dict[str, str]]:
    """Who assigned whom to which task and when, latest first."""
    rows = []
    for entry in reversed(list(view.facts.get(HISTORY) or [])):
        at = datetime.fromisoformat(str(entry["at"])).astimezone(SHANGHAI)
        rows.append(
            {
                "at": at.strftime("%Y-%m-%d %H:%M"),
                "task": t.task(str(entry.get("bpmn_id", "")), str(entry.get("title_zh", ""))),
                "to": str(entry.get("to_name") or entry.get("to") or ""),
                "by": str(entry.get("by_name") or entry.get("by") or ""),
            }
        )
    return rows


def register(
    router: APIRouter,
    case_page: Callable[..., Response],
    translator: Callable[[Request], Translator],
    page: Callable[..., Response],
) -> None:
    """The form's route, on the pages' router (api/web/pages.py calls this once)."""

    @router.post("/cases/{case_id}/tasks/{task_id}/assignee")
    async def assign(request: Request, svc: Svc, case_id: str, task_id: str) -> Response:
        account = current(request)
        form = {k: str(v) for k, v in (await request.form()).items()}
        check_csrf(request, form.get("csrf_token"))
        t = translator(request)
        clear = form.get("clear") == "1"
        username = form.get("username", "").strip()
        version = form.get("version", "")
        expected = int(version) if version.isdigit() else None
        try:
            if not clear and not username:
                raise ApiError(422, "assignee_missing", "请选择办理人", field="username")
            assignments.assign(
                svc, account, case_id, task_id, None if clear else username, expected
            )
        except ApiError as exc:
            if exc.status == 404:
                return page(request, "error.html", 404, account, t=t, message=t("error.404"))
            if exc.status == 403:
                return page(request, "error.html", 403, account, t=t, message=exc.message)
            return case_page(
                request, account, case_id, t, exc.status, assign_error=(task_id, exc.message)
            )
        except DomainError as exc:
            status = 422 if exc.field else 409
            return case_page(
                request, account, case_id, t, status, assign_error=(task_id, exc.message)
            )
        url = f"/ui/cases/{quote(case_id, safe='')}?done=1{ANCHOR}"
        return finish(RedirectResponse(url, status_code=303), request)
