"""The pages people use in a browser: sign-in, inbox, case search, case page, new case, audit.

Server-rendered (Jinja2), working without JavaScript: every form POSTs and the page comes back
with the errors next to their fields, or redirects (303) to the case on success. The pages use
the engine and the scoped reads the JSON API uses, with the same visibility (another
organisation's case is "not found") and the same masking of ID and phone numbers.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api import case_numbers
from api.documents import FieldConflict, MissingFields, NotReady
from api.documents import kept as kept_letter
from api.documents import produce as produce_letter
from api.documents import timeline as documents_timeline
from api.documents.corrections import apply as apply_corrections
from api.documents.fields import LABELS
from api.documents.fonts import FontMissing
from api.documents.template import kinds as document_kinds
from api.documents.template import load_template
from api.errors import ApiError
from api.http.deps import CASE_READERS, CASE_WRITERS, Services, Svc, actor, visibility
from api.http.masking import mask
from api.http.validators import form_problem
from api.http.views import visible_case
from api.org_checks import check_step, paired_committees
from api.security import verify_password
from api.throttle import TooManyAttempts, refusal_message
from api.web import assign_page, case_extras, diagram
from api.web.deadlines import (
    timeline_deadlines,
    to_events,
    today_shanghai,
)
from api.web.i18n import LANGS, PROCESS, STATUS, Translator
from api.web.session import (
    CSRF_FIELD,
    LANG_COOKIE,
    SignInRequired,
    check_csrf,
    clear_session,
    csrf_token,
    current,
    finish,
    renew_csrf,
    services,
    set_session,
)
from api.web.views import (
    context_for,
    due_range,
    inbox_rows,
    missing_for_letters,
    parties,
    parties_line,
    payload_from_form,
    task_forms,
)
from engine.actions import FORMS, validate
from engine.domain.errors import DomainError, InvalidTaskData
from engine.reckoning import RECKONED
from standard_rules.timezone import SHANGHAI as _SHANGHAI
from storage.accounts import Account
from storage.case_search import SEARCH_COUNT_CAP
from storage.documents import TooManyDocuments
from storage.scoped import Cursor, TaskFilter, decode_cursor, encode_cursor

HERE = Path(__file__).parent
templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
router = APIRouter(prefix="/ui", include_in_schema=False)
Me = Annotated[Account, Depends(current)]
INBOX_PAGE = 50
CASE_PAGE = 50


def _case_cursor(text: str) -> tuple[float, str] | None:
    opened, _, case_id = text.partition("~")
    try:
        return (float(opened), case_id) if case_id else None
    except ValueError:
        return None  # mangled by hand: the first page


def _cursor(text: str) -> Cursor | None:
    try:
        return decode_cursor(text) if text else None
    except ValueError:
        return None  # a cursor mangled by hand: the first page


def _cursor_text(cursor: Cursor | None) -> str:
    return "" if cursor is None else encode_cursor(cursor)


def translator(request: Request) -> Translator:
    asked = request.query_params.get("lang")
    pack = services(request).engine.pack  # process names carry this installation's periods
    if asked in LANGS:
        request.state.lang_set = asked
        return Translator(asked, pack)
    return Translator(request.cookies.get(LANG_COOKIE, "zh"), pack)


def other_lang_url(request: Request, t: Translator) -> str:
    params = dict(request.query_params)
    params["lang"] = "zh" if t.en else "en"
    return f"{request.url.path}?{urlencode(params)}"


def page(
    request: Request, name: str, status: int = 200, account: Account | None = None, **ctx: Any
) -> Response:
    t = ctx.pop("t", None) or translator(request)
    html = templates.get_template(name).render(
        request=request,
        t=t,
        account=account,
        csrf=csrf_token(request),
        csrf_field=CSRF_FIELD,
        lang=t.lang,
        other_lang=other_lang_url(request, t),
        path=request.url.path,
        quote=quote,
        **ctx,
    )
    response = HTMLResponse(html, status_code=status)
    if account is not None:
        set_session(response, request, account)  # sliding: 15 minutes from the last page
    return finish(response, request)


def case_url(case_id: str, **params: str) -> str:
    url = f"/ui/cases/{quote(case_id, safe='')}"
    return url + (f"?{urlencode(params)}" if params else "")


def home_for(account: Account) -> str:
    if account.role == "admin":
        return "/ui/users"  # an administrator reads no cases: the inbox would be a 403
    return "/ui/audit" if account.role == "auditor" else "/ui/inbox"


def safe_next(target: str | None) -> str | None:
    if target and target.startswith("/ui/") and not target.startswith("//"):
        return target
    return None


# -- signing in ---------------------------------------------------------------------------------


@router.get("/login")
def login_form(
    request: Request, next: str | None = None, expired: int = 0, kept: int = 0
) -> Response:
    t = translator(request)
    error = t("login.expired.kept") if expired and kept else t("login.expired") if expired else ""
    return page(
        request,
        "login.html",
        t=t,
        next=safe_next(next) or "",
        error=error,
        username="",
    )


@router.post("/login")
async def login(request: Request, svc: Svc) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    t = translator(request)
    username = str(form.get("username", ""))[:64]
    password = str(form.get("password", ""))
    address = request.client.host if request.client else ""
    found = svc.accounts.user(username)
    account, password_hash = found if found is not None else (None, None)

    def verify() -> bool:
        ok = verify_password(password_hash, password)
        return ok and account is not None and account.active

    try:  # the (deliberately slow) password check, if the throttle lets it run
        # argon2 off the event loop: this handler is async and the loop serves everyone
        ok = await run_in_threadpool(svc.throttle.check, username, address, verify)
    except TooManyAttempts as refused:
        return page(
            request,
            "login.html",
            status=429,
            t=t,
            next=safe_next(str(form.get("next", ""))) or "",
            error=refusal_message(refused.seconds),
            username=username,
        )
    if not ok or account is None:
        return page(
            request,
            "login.html",
            status=401,
            t=t,
            next=safe_next(str(form.get("next", ""))) or "",
            error=t("login.failed"),
            username=username,
        )
    target = safe_next(str(form.get("next", ""))) or home_for(account)
    response = RedirectResponse(target, status_code=303)
    set_session(response, request, account)
    renew_csrf(request)  # a token known before sign-in is no use after it
    return finish(response, request)


@router.post("/logout")
async def logout(request: Request, svc: Svc) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    # Revoke the session token itself, not just the cookie that carries it.
    with contextlib.suppress(SignInRequired):
        svc.accounts.revoke_tokens(current(request).id)
    response = RedirectResponse("/ui/login", status_code=303)
    clear_session(response, request)
    renew_csrf(request)
    return finish(response, request)


# -- inbox and search ---------------------------------------------------------------------------


Text = Annotated[str, Query(max_length=100)]


@router.get("/inbox")
def inbox(
    request: Request,
    svc: Svc,
    account: Me,
    q: Text = "",
    court: Text = "",
    cpa: Text = "",
    process: Text = "",
    status: Text = "",
    due: Text = "",
    scope: Text = "",
    after: Text = "",
) -> Response:
    t = translator(request)
    if account.role not in CASE_READERS:
        return page(request, "error.html", 403, account, t=t, message=t("error.403"))
    today = today_shanghai()
    # Auditors and supervisors act on no task: their inbox is everything they oversee.
    mine_only = scope != "all" and account.role not in ("auditor", "supervisor")
    due_from, due_to = due_range(due, today)
    chosen = TaskFilter(
        role=account.role if mine_only else None,
        acting_org=account.org if mine_only else None,
        court=court,
        cpa=cpa,
        process=process,
        status=status,
        q=q,
        due_from=due_from,
        due_to=due_to,
        assignee=account.id if mine_only and scope == "assigned" else None,
        # "mine to act on" leaves out what a supervisor assigned to a colleague
        open_to=account.id if mine_only else None,
    )
    # One page from the waiting-task read model: the cost is the page's, not the caseload's.
    found = svc.reads.tasks(visibility(account), chosen, after=_cursor(after), limit=INBOX_PAGE)
    cases = svc.reads.stored(sorted({row["case_id"] for row in found.rows}))
    views = {case_id: svc.engine.view(stored) for case_id, stored in cases.items()}
    wanted = {(row["case_id"], row["task_id"]) for row in found.rows}
    rows = inbox_rows(
        [views[row["case_id"]] for row in found.rows if row["case_id"] in views],
        account,
        svc.engine.pack,
        svc.engine.calendar,
        today,
        t,
        mine_only=False,
        only=wanted,
    )
    courts, cpas = svc.reads.task_orgs(visibility(account))
    return page(
        request,
        "inbox.html",
        account=account,
        t=t,
        rows=rows,
        total=found.total,
        next_url=(
            str(request.url.include_query_params(after=_cursor_text(found.next)))
            if found.next
            else ""
        ),
        today=today,
        courts=courts,
        cpas=cpas,
        processes=PROCESS,
        statuses=STATUS,
        f={
            "q": q,
            "court": court,
            "cpa": cpa,
            "process": process,
            "status": status,
            "due": due,
            "scope": "all" if not mine_only else ("assigned" if scope == "assigned" else "mine"),
        },
        case_url=case_url,
        notices=_notices(svc, account),
    )


def _notices(svc: Services, account: Account) -> list[dict[str, str]]:
    """The organisation's in-app reminders and escalations: each once (the latest), with the
    day it was sent, and only while the step it is about still waits."""
    outbox = svc.outbox
    # the newest of each list only: an organisation's outbox grows with its cases
    items = outbox.inbox(account.org, limit=200) + outbox.inbox(f"{account.org}/负责人", limit=200)
    if account.role == "supervisor":  # escalations of every organisation below too
        for org in sorted(svc.orgs.scope_names(account.org) - {account.org}):
            items += outbox.inbox(f"{org}/负责人", limit=200)
    items.sort(key=lambda i: i.sent_at or i.notification.due_at, reverse=True)
    shown: list[dict[str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    views: dict[str, Any] = {}
    for item in items[:200]:
        n = item.notification
        if n.case_id not in views:
            try:
                views[n.case_id] = svc.engine.case(n.case_id)
            except DomainError:
                views[n.case_id] = None
        view = views[n.case_id]
        task = _notice_task(view, n.payload) if view is not None else None
        key = (n.case_id, n.kind, task or str(n.payload.get("rule", "")))
        if key in seen:
            continue
        seen.add(key)
        waiting = view is not None and view.status != "closed"
        if view is not None and task is not None:
            waiting = waiting and task in {x.bpmn_id for x in view.tasks}
        if not waiting:
            continue  # the step is done: the reminder has served its purpose
        sent = (item.sent_at or n.due_at).astimezone(_SHANGHAI)
        shown.append(
            {
                "case_id": n.case_id,
                "kind": n.kind,
                "subject": str(n.payload.get("subject", "")),
                "date": sent.strftime("%Y-%m-%d"),
            }
        )
        if len(shown) == 8:
            break
    return shown


def _notice_task(view: Any, payload: dict[str, Any]) -> str | None:
    """The step a notice is about: named by a reminder, found by rule for an escalation."""
    if payload.get("task"):
        return str(payload["task"])
    rule = payload.get("rule")
    for fired in view.facts.get("reminders", []) if rule else []:
        if fired.get("rule") == rule:
            return str(fired.get("task"))
    return None


@router.get("/cases")
def case_list(
    request: Request,
    svc: Svc,
    account: Me,
    q: Text = "",
    court: Text = "",
    cpa: Text = "",
    process: Text = "",
    status: Text = "",
    after: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    t = translator(request)
    if account.role not in CASE_READERS:
        return page(request, "error.html", 403, account, t=t, message=t("error.403"))
    # One page, newest first, filtered in SQL: the cost is the page's, not the caseload's.
    # A 案号 finds its case however it was typed: its terms hold the canonical number.
    found, total, following = svc.reads.case_page(
        visibility(account),
        court=court,
        cpa=cpa,
        process=process,
        status=status,
        q=q,
        after=_case_cursor(after),
        limit=CASE_PAGE,
    )
    courts, cpas = svc.reads.case_orgs(visibility(account))
    return page(
        request,
        "cases.html",
        account=account,
        t=t,
        rows=[svc.engine.view(r) for r in found],
        # A search counts no further than the cap (storage/scoped.py case_page).
        total=f"{SEARCH_COUNT_CAP}+" if total > SEARCH_COUNT_CAP else total,
        next_url=(
            str(request.url.include_query_params(after=f"{following[0]!r}~{following[1]}"))
            if following
            else ""
        ),
        courts=courts,
        cpas=cpas,
        processes=PROCESS,
        statuses=STATUS,
        f={"q": q, "court": court, "cpa": cpa, "process": process, "status": status},
        case_url=case_url,
        parties_line=parties_line,
    )


# -- a case -------------------------------------------------------------------------------------


def _case_page(
    request: Request,
    account: Account,
    case_id: str,
    t: Translator,
    status: int = 200,
    submitted: dict[str, str] | None = None,
    error: tuple[str, str, str] | None = None,
    notice: str = "",
    document_error: str = "",
    document_form: dict[str, str] | None = None,
    attachment_error: str = "",
    fact_errors: dict[str, str] | None = None,
    fact_values: dict[str, str] | None = None,
    assign_error: tuple[str, str] | None = None,
) -> Response:
    svc = services(request)
    try:
        view = visible_case(svc, account, case_id)
    except ApiError:
        return page(request, "error.html", 404, account, t=t, message=t("error.404"))
    # the facts as corrected on this page (each correction is on the timeline)
    corrected = svc.attachments.corrected(case_id)
    view = replace(view, facts=apply_corrections(view.facts, corrected))
    engine = svc.engine
    stored = engine.events(case_id)
    events = to_events(stored)
    today = today_shanghai()
    deadlines = timeline_deadlines(
        events, engine.pack, engine.calendar, today, view.status == "closed", t, view.pack_version
    )
    seen = frozenset(e.activity for e in stored)
    forms = task_forms(
        view, account, seen, engine.pack, engine.calendar, today, t, submitted, error
    )
    for form in forms:
        for index in sorted(deadlines, reverse=True):
            open_ones = [
                d for d in deadlines[index] if d.due is not None and d.due == form.left.due
            ]
            if open_ones:
                form.explanation = open_ones[0].explanation
                break
    waiting = [
        t.task(task.bpmn_id, task.title_zh) + f"（{task.org or t.role(task.roles[0])}）"
        for task in view.tasks
        if all(f.task.task_id != task.task_id for f in forms)
    ]
    bpmn_ids = {task.bpmn_id for task in view.tasks}
    here, inner = diagram.placement(view.process_id, bpmn_ids)
    # finished steps are tinted; a call activity the case is still inside counts as current
    done_here, done_inner = diagram.placement(
        view.process_id, set(engine.finished_steps(case_id)) - bpmn_ids
    )
    current_names = ", ".join(t.task(task.bpmn_id, task.title_zh) for task in view.tasks) or t(
        "case.diagram.none"
    )
    title = f"{t('case.diagram')}：{t.process(view.process_id)}。{t('case.diagram.current')}"
    diagrams = [
        (
            t.process(view.process_id),
            diagram.render(
                view.process_id,
                here,
                title + current_names,
                done=done_here - here,
                element_id="diagram-main",
            ),
        )
    ]
    for sub in sorted(set(inner) | set(done_inner)):
        ids = inner.get(sub, set())
        sub_name = t.process(sub)
        diagrams.append(
            (
                t("case.diagram.sub") + sub_name,
                diagram.render(
                    sub,
                    ids,
                    f"{sub_name}。{t('case.diagram.current')}{current_names}",
                    done=done_inner.get(sub, set()) - ids,
                    element_id=f"diagram-{sub}",
                ),
            )
        )
    party_list, masked = parties(view, account, t)
    names = engine.pack.activities
    people = svc.accounts.display_names({r.actor for r in stored if r.actor})
    timeline = []
    for index, (event, raw) in enumerate(zip(events, stored, strict=True)):
        activity = names.get(event.activity)
        timeline.append(
            {
                "at": raw.at.astimezone(_SHANGHAI).strftime("%Y-%m-%d %H:%M"),
                "activity": event.activity,
                "name": (activity.en if t.en else activity.zh) if activity else event.activity,
                # a person by name, never by login; someone unknown here by role only
                "who": t("case.system")
                if raw.role == "system"
                else people.get(raw.actor or "") or t.role(raw.role),
                "role": t.role(raw.role),
                "org": raw.org or "",
                # the versions that reckoned it are in the deadlines' explanations below
                "data": mask({k: v for k, v in raw.data.items() if k != RECKONED}, account.role),
                "deadlines": deadlines.get(index, []),
            }
        )
    edits = case_extras.correction_items(
        request, case_id, account, lambda logins: _display_names(svc, logins), t
    )
    if edits:  # corrections take their place in time among the events
        stamped = [(raw.at, item) for raw, item in zip(stored, timeline, strict=True)]
        timeline = [item for _, item in sorted(stamped + edits, key=lambda pair: pair[0])]
    outcome = None
    if view.outcome:
        found = engine.pack.outcomes.get(view.outcome) if hasattr(engine.pack, "outcomes") else None
        outcome = (found.en if t.en else found.zh) if found is not None else view.outcome
    errors = []
    if error is not None:
        errors.append((error[1], error[2]))
    if assign_error is not None:
        errors.append(("assignee", assign_error[1]))
    return page(
        request,
        "case.html",
        status,
        account,
        t=t,
        view=view,
        parties=party_list,
        masked=masked,
        forms=forms,
        waiting=waiting,
        diagrams=diagrams,
        timeline=timeline,
        outcome=outcome,
        errors=errors,
        notice=notice,
        claim=view.facts.get("claim_amount"),
        amount=view.facts.get("amount"),
        summary=mask(view.facts.get("summary"), account.role),
        channel=view.facts.get("channel"),
        case_url=case_url,
        org_options=_org_pick_lists(svc, view.court_org),
        documents=_documents(svc, case_id),
        document_kinds=_document_kinds() if account.role in CASE_WRITERS else [],
        document_error=document_error,
        document_form={"handler": account.name, **(document_form or {})},
        attachments=case_extras.attachments_for_page(request, case_id),
        attachment_kinds=case_extras.KINDS if account.role in CASE_WRITERS else {},
        attachment_error=attachment_error,
        fact_form=case_extras.correction_form(view.facts, seen)
        if account.role in ("court_clerk", "mediator") and view.status != "closed"
        else [],
        fact_errors=fact_errors or {},
        fact_values=fact_values or {},
        assignments=assign_page.panel(svc, view, account, t, assign_error),
        assignment_history=assign_page.history(view, t),
        printed_at=datetime.now(UTC).astimezone(_SHANGHAI).strftime("%Y-%m-%d %H:%M"),
    )


def _display_names(svc: Services, logins: set[str]) -> dict[str, str]:
    """The display names of the people who acted on a case (one query)."""
    return svc.accounts.display_names(logins)


def _documents(svc: Services, case_id: str) -> list[dict[str, Any]]:
    records = documents_timeline(svc.documents, case_id)
    for record in records:
        created = datetime.fromisoformat(str(record["created_at"])).astimezone(_SHANGHAI)
        record["created"] = created.strftime("%Y-%m-%d %H:%M")
    return records


# What the letter form may add to the case record (fields.collect refuses contradictions).
LETTER_INPUTS = ("materials", "cause", "court_org", "handler", "handler_phone")
LETTER_MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _document_kinds() -> list[tuple[str, str]]:
    return [(kind, load_template(kind).title) for kind in document_kinds()]


@router.post("/cases/{case_id}/documents")
async def produce_document(request: Request, svc: Svc, case_id: str, account: Me) -> Response:
    """Produce a letter from the case, keep it with the case, and hand the file to the browser."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form.get(CSRF_FIELD))
    t = translator(request)
    try:
        visible_case(svc, account, case_id)
    except ApiError:
        return page(request, "error.html", 404, account, t=t, message=t("error.404"))
    if account.role not in CASE_WRITERS:
        return page(request, "error.html", 403, account, t=t, message=t("error.403"))
    kind, fmt = form.get("kind", ""), form.get("format", "pdf")
    if kind not in document_kinds() or fmt not in ("pdf", "docx"):
        return _case_page(request, account, case_id, t, 422, document_error="文书种类或格式无效")
    extra = {k: form[k].strip() for k in LETTER_INPUTS if form.get(k, "").strip()} or None
    try:
        _, content = produce_letter(
            svc.engine,
            svc.documents,
            case_id,
            kind,
            fmt,
            extra,
            created_by=account.id,
            corrected=svc.attachments.corrected(case_id),
        )
    except MissingFields as exc:
        # in words a clerk reads, naming what to fill in, without the field codes
        missing = "、".join(LABELS[f] for f in exc.fields)
        title = load_template(kind).title
        message = f"{title}缺少必填项：{missing}。请在下方填写，或先在案件中补充后再生成。"
        return _case_page(
            request, account, case_id, t, 422, document_error=message, document_form=form
        )
    except (NotReady, FieldConflict, FontMissing, TooManyDocuments) as exc:
        return _case_page(
            request, account, case_id, t, 422, document_error=str(exc), document_form=form
        )
    media = LETTER_MEDIA[fmt]
    disposition = f"attachment; filename*=UTF-8''{quote(case_id + '-' + kind)}.{fmt}"
    return Response(content, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/cases/{case_id}/documents/{document_id}")
def download_document(
    request: Request, svc: Svc, case_id: str, document_id: str, account: Me
) -> Response:
    """A letter kept with the case, downloaded again byte for byte (its hash is listed)."""
    t = translator(request)
    if account.role not in CASE_READERS:
        return page(request, "error.html", 403, account, t=t, message=t("error.403"))
    try:
        visible_case(svc, account, case_id)
        record, content = kept_letter(svc.documents, case_id, document_id)
    except (ApiError, LookupError):
        return page(request, "error.html", 404, account, t=t, message=t("error.404"))
    name = quote(f"{case_id}-{record.kind}.{record.format}")
    return Response(
        content,
        media_type=LETTER_MEDIA[record.format],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{name}",
            "X-Document-SHA256": record.sha256,
        },
    )


def _org_pick_lists(svc: Services, court_org: str | None) -> dict[str, list[tuple[str, str]]]:
    """Organisation fields are pick-lists from the registry, never free text: the committees
    paired with the case's court, and the courts of Zhejiang for a judicial confirmation."""
    committees = paired_committees(svc.orgs, court_org)
    courts = svc.orgs.of_kind("court")
    return {
        "mediator_org": [(o.short, o.label) for o in committees],
        "court": [(o.short, o.label) for o in courts],
    }


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: str, account: Me, done: int = 0) -> Response:
    t = translator(request)
    if account.role not in CASE_READERS:
        return page(request, "error.html", 403, account, t=t, message=t("error.403"))
    return _case_page(request, account, case_id, t, notice=t("case.saved") if done else "")


@router.post("/cases/{case_id}/tasks/{task_id}")
async def complete_task(
    request: Request, svc: Svc, case_id: str, task_id: str, account: Me
) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form.get(CSRF_FIELD))
    t = translator(request)
    try:
        view = visible_case(svc, account, case_id)
    except ApiError:
        return page(request, "error.html", 404, account, t=t, message=t("error.404"))
    task = next((x for x in view.tasks if x.task_id == task_id), None)
    action = form.get("action", "")
    if task is None:
        return _case_page(
            request,
            account,
            case_id,
            t,
            409,
            form,
            (
                task_id,
                "",
                "此任务已办理或已不在等待（可能已被他人办理或期限已届满），请查看最新状态",
            ),
        )
    problem = form_problem(form)  # control characters, far dates (api/http/validators.py)
    if problem is not None:
        return _case_page(request, account, case_id, t, 422, form, (task_id, *problem))
    version = form.get("version", "")
    payload = payload_from_form(task.bpmn_id, action, form)
    needed = missing_for_letters(task.bpmn_id, action, payload)
    if needed is not None:
        # the engine's own checks first, so its errors (a bad amount) are named before this one
        try:
            spec = FORMS[task.bpmn_id]
            seen = frozenset(e.activity for e in svc.engine.events(case_id))
            validate(spec.choice(action), payload, context_for(view, seen, today_shanghai(), task))
        except InvalidTaskData as exc:
            return _case_page(
                request, account, case_id, t, 422, form, (task_id, exc.field or "", exc.message)
            )
        label = next(
            (f.label_zh for c in FORMS[task.bpmn_id].choices for f in c.fields if f.name == needed),
            needed,
        )
        message = f"请填写{label}（后续文书须载明）"
        return _case_page(request, account, case_id, t, 422, form, (task_id, needed, message))
    try:
        payload = check_step(svc.orgs, view.court_org, payload)
        with svc.steps:
            svc.engine.complete(
                case_id=case_id,
                task_id=task.task_id,
                actor=actor(account),
                payload=payload,
                expected_version=int(version) if version.isdigit() else None,
            )
    except InvalidTaskData as exc:
        return _case_page(
            request, account, case_id, t, 422, form, (task_id, exc.field or "", exc.message)
        )
    except DomainError as exc:
        return _case_page(request, account, case_id, t, 409, form, (task_id, "", exc.message))
    response = RedirectResponse(case_url(case_id, done="1"), status_code=303)
    return finish(response, request)


# -- the administrator ---------------------------------------------------------------------------


@router.get("/admin")
def admin_page(request: Request, svc: Svc, account: Me) -> Response:
    """The administrator's page: who may sign in, with which role and organisation. Cases are
    not shown (an administrator is no party to them)."""
    t = translator(request)
    if account.role != "admin":
        return page(request, "error.html", 403, account, t=t, message=t("error.403"))
    users = sorted(svc.accounts.users(), key=lambda a: (a.org, a.role, a.id))
    return page(request, "admin.html", account=account, t=t, users=users)


# -- a new case ---------------------------------------------------------------------------------

NEW_FIELDS = (
    "process_id",
    "case_id",
    "consumer",
    "phone",
    "business",
    "claim",
    "channel",
    "summary",
)


def _processes_for(account: Account) -> list[str]:
    if account.role == "court_clerk":
        return ["pre_filing_referral", "post_filing_referral"]
    if account.role == "mediator":
        return ["complaint_mediation", "supported_lawsuit"]
    return []


@router.get("/new")
def new_case_form(request: Request, svc: Svc, account: Me) -> Response:
    t = translator(request)
    allowed = _processes_for(account)
    if not allowed:
        return page(request, "error.html", 403, account, t=t, message=t("error.403"))
    return page(
        request,
        "new_case.html",
        account=account,
        t=t,
        processes=[(p, t.process(p)) for p in allowed],
        values={
            "process_id": allowed[0],
            "channel": "offline",
            "case_id": _suggested_number(svc, account),
        },
        errors={},
        causes=CAUSES,
    )


def _suggested_number(svc: Services, account: Account) -> str:
    """The next 诉前调 number of the clerk's court this year, offered in the form."""
    court = svc.orgs.find(account.org)
    if account.role != "court_clerk" or court is None or court.court_code is None:
        return ""
    return case_numbers.next_number(svc.reads, court.court_code, "民诉前调", today_shanghai().year)


def _validate_new(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    from decimal import Decimal, InvalidOperation

    errors: dict[str, str] = {}
    facts: dict[str, Any] = {}
    case_id = form.get("case_id", "").strip()
    if not case_id:
        errors["case_id"] = "请填写案号"
    elif len(case_id) > 100 or any(c in case_id for c in "/\\?#%") or not case_id.isprintable():
        errors["case_id"] = "案号不超过100字，且不能含 / \\ ? # % 或控制字符"
    name = form.get("consumer", "").strip()
    if not name:
        errors["consumer"] = "请填写消费者姓名"
    elif len(name) > 50:
        errors["consumer"] = "消费者姓名不能超过50字"
    else:
        facts["consumer"] = {"name": name}
    phone = form.get("phone", "").strip()
    if phone:
        if not (phone.isdigit() and 7 <= len(phone) <= 20):
            errors["phone"] = "电话号码须为7至20位数字"
        elif "consumer" in facts:
            facts["consumer"]["phone"] = phone
    business = form.get("business", "").strip()
    if len(business) > 200:
        errors["business"] = "经营者名称不能超过200字"
    elif business:
        facts["business"] = {"name": business}
    claim = form.get("claim", "").strip()
    if claim:
        try:
            value = Decimal(claim)
            if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
                raise InvalidOperation
            if value > Decimal("1000000000"):
                raise InvalidOperation
            facts["claim_amount"] = int(value) if value == value.to_integral() else float(value)
        except InvalidOperation:
            errors["claim"] = "请求金额须为不小于0、精确到分的金额（元）"
    if form.get("channel") in ("offline", "online"):
        facts["channel"] = form["channel"]
    _validate_particulars(form, facts, errors)
    summary = form.get("summary", "").strip()
    if len(summary) > 2000:
        errors["summary"] = "纠纷概要不能超过2000字"
    elif summary:
        facts["summary"] = summary
    problem = form_problem(form, lines=frozenset({"consumer", "phone", "business"}))
    if problem is not None:  # control characters (they broke every Word letter of the case)
        errors.setdefault(*problem)
    return facts, errors


# 案由 of consumer disputes as the 民事案件案由规定 names them; the field takes others too.
CAUSES = (
    "买卖合同纠纷", "网络购物合同纠纷", "产品责任纠纷", "服务合同纠纷",
    "预付式消费合同纠纷", "餐饮服务合同纠纷", "旅游合同纠纷", "装饰装修合同纠纷",
)  # fmt: skip
ID_NUMBER = re.compile(r"\d{17}[\dX]")
CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")


def _validate_particulars(
    form: dict[str, str], facts: dict[str, Any], errors: dict[str, str]
) -> None:
    """The parties' particulars the letters print: ID number, addresses, credit code, 案由."""
    value = {k: form.get(k, "").strip() for k in
             ("id_number", "address", "credit_code", "legal_rep", "business_address",
              "business_phone", "cause")}  # fmt: skip
    consumer = facts.get("consumer")
    business = facts.setdefault("business", {}) if form.get("business", "").strip() else None
    if value["id_number"]:
        if not ID_NUMBER.fullmatch(value["id_number"].upper()):
            errors["id_number"] = "公民身份号码须为18位（末位可为X）"
        elif consumer is not None:
            consumer["id_number"] = value["id_number"].upper()
    if value["address"] and consumer is not None:
        consumer["address"] = value["address"][:200]
    if value["credit_code"]:
        if not CREDIT_CODE.fullmatch(value["credit_code"].upper()):
            errors["credit_code"] = "统一社会信用代码须为18位数字或大写字母"
        elif business is not None:
            business["credit_code"] = value["credit_code"].upper()
        else:
            errors["credit_code"] = "请先填写经营者名称"
    for key, fact in (("legal_rep", "legal_rep"), ("business_address", "address")):
        if value[key] and business is not None:
            business[fact] = value[key][:200]
    if value["business_phone"]:
        if not (
            value["business_phone"].replace("-", "").isdigit()
            and 7 <= len(value["business_phone"]) <= 20
        ):
            errors["business_phone"] = "经营者联系电话须为7至20位数字（可含-）"
        elif business is not None:
            business["phone"] = value["business_phone"]
    if value["cause"]:
        if len(value["cause"]) > 30 or not value["cause"].endswith("纠纷"):
            errors["cause"] = "案由须为不超过30字、以“纠纷”结尾的名称，如“买卖合同纠纷”"
        else:
            facts["cause"] = value["cause"]


@router.post("/new")
async def new_case(request: Request, svc: Svc, account: Me) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form.get(CSRF_FIELD))
    t = translator(request)
    allowed = _processes_for(account)
    if not allowed:
        return page(request, "error.html", 403, account, t=t, message=t("error.403"))
    facts, errors = _validate_new(form)
    process_id = form.get("process_id", "")
    if process_id not in allowed:
        errors["process_id"] = "请选择路径"
    if not errors:
        try:
            form["case_id"] = case_numbers.check(
                svc.orgs,
                svc.reads,
                process_id,
                account.org,
                form["case_id"].strip(),
                today_shanghai(),
            )
            with svc.steps:
                svc.engine.open_case(
                    process_id=process_id,
                    case_id=form["case_id"],
                    actor=actor(account),
                    facts=facts,
                )
        except DomainError as exc:
            errors[exc.field or "case_id"] = exc.message
    if errors:
        return page(
            request,
            "new_case.html",
            422,
            account,
            t=t,
            processes=[(p, t.process(p)) for p in allowed],
            values=form,
            errors=errors,
            causes=CAUSES,
        )
    return finish(RedirectResponse(case_url(form["case_id"].strip()), status_code=303), request)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- attachments and corrections of facts (api/web/case_extras.py) ------------------------------

case_extras.register(router, _case_page, translator, page)
assign_page.register(router, _case_page, translator, page)
