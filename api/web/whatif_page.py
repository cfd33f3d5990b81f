"""The auditor's what-if page: upload a proposed rule file, local agreement or year schedule, see
what it would change on the cases the auditor may read, download it as Excel.

Nothing is loaded: an administrator loads a new pack or schedule elsewhere. An upload given a
name is kept (api/proposals.py, with who and when) and listed here to be picked again; otherwise
it lives only in the request (the Excel download posts the same text, or the name, back).
"""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from api import proposals
from api.audit_events import audit_events
from api.http.deps import Services, Svc, visibility
from api.proposals import ProposalError
from api.web.pages import XLSX, Me, case_url, page, translator
from api.web.session import CSRF_FIELD, check_csrf
from standard_rules.errors import StandardRulesError
from standard_rules.timezone import SHANGHAI
from standard_rules.whatif import Scenario, WhatIfResult, whatif, whatif_streamed
from storage.accounts import Account

router = APIRouter(prefix="/ui", include_in_schema=False)
KINDS = ("local", "pack", "calendar")
SHOWN = 200
MAX_TEXT = 48 * 1024  # the pages' bodies are capped at 64 KiB; a rule file is a few KiB

TEXT: dict[str, tuple[str, str]] = {
    "title": ("假设分析：拟用规则的影响", "What if: the effect of proposed rules"),
    "intro": (
        "上传拟用的规则文件、本地协议或某年放假安排，查看它对您可见案件的影响。"
        "此处不会改变任何规则或期限：只有管理员载入后才生效。",
        "Upload a proposed rule file, local agreement or year schedule to see what it would "
        "change on the cases you may read. Nothing is changed here: it takes effect only when an "
        "administrator loads it.",
    ),
    "kind": ("拟用内容", "Proposal"),
    "kind.local": ("本地协议（覆盖期限参数）", "Local agreement (overrides periods)"),
    "kind.pack": ("修订规则文件（替换同编号规则）", "Revised rules ([[rule]] tables)"),
    "kind.calendar": ("某年放假安排（日历文件）", "Year schedule (calendar file)"),
    "file": ("文件（TOML）", "File (TOML)"),
    "run": ("比较", "Compare"),
    "download": ("下载比较结果（Excel）", "Download the comparison (Excel)"),
    "current": ("现行", "Current"),
    "proposed": ("拟用", "Proposed"),
    "summary": (
        "{cases} 件案件，{events} 条事件；问题 {old} → {new} 项（新增 {appeared}，消失 "
        "{disappeared}）；期限变动 {moved} 处",
        "{cases} cases, {events} events; findings {old} → {new} (appear {appeared}, disappear "
        "{disappeared}); {moved} due dates move",
    ),
    "totals": ("按机构与规则汇总", "Totals by organisation and rule"),
    "moves": ("期限变动", "Due dates that move"),
    "appeared": ("新增问题", "Findings that appear"),
    "disappeared": ("消失问题", "Findings that disappear"),
    "timers": ("未结案件的定时器", "Armed timers of open cases"),
    "timers.none": ("未结案件的定时器都不受影响。", "No armed timer of an open case moves."),
    "none": ("无。", "None."),
    "same": ("拟用内容对这些案件没有任何差别。", "The proposal changes nothing for these cases."),
    "more": ("仅显示前 {n} 条；完整内容请下载 Excel。", "First {n} shown; download Excel for all."),
    "errors": ("请更正以下问题：", "Please correct:"),
    "col.case": ("案件", "Case"),
    "col.org": ("机构", "Organisation"),
    "col.rule": ("规则", "Rule"),
    "col.period": ("期间", "Period"),
    "col.start": ("起算", "From"),
    "col.old": ("现行期限", "Current due"),
    "col.new": ("拟用期限", "Proposed due"),
    "col.shift": ("变动（日）", "Shift (days)"),
    "col.why": ("原因", "Why"),
    "col.kind": ("类型", "Kind"),
    "col.message": ("说明", "Description"),
    "col.timer": ("定时器", "Timer"),
    "col.fires": ("现定触发", "Fires"),
    "col.would": ("将触发", "Would fire"),
    "col.now": ("现行", "Now"),
    "col.then": ("拟用", "Proposed"),
    "col.up": ("新增", "Appear"),
    "col.down": ("消失", "Disappear"),
    "col.earlier": ("提前", "Earlier"),
    "col.later": ("推迟", "Later"),
    "never": ("不再触发", "would not fire"),
    "keep": ("保存为方案（选填，供以后再比较）", "Keep as a proposal (optional, to compare later)"),
    "kept": ("已保存的方案", "Kept proposals"),
    "kept.none": ("尚无保存的方案。", "No proposal kept yet."),
    "kept.now": ("已保存为方案“{name}”。", "Kept as proposal “{name}”."),
    "compared": ("比较的方案", "Proposal compared"),
    "col.name": ("名称", "Name"),
    "col.file": ("文件", "File"),
    "col.by": ("保存人", "Kept by"),
    "col.at": ("保存时间", "Kept at"),
    "pick": ("选用此方案", "Pick this one"),
}


class _Words:
    def __init__(self, en: bool) -> None:
        self.en = en

    def __call__(self, key: str, **values: object) -> str:
        text = TEXT[key][1 if self.en else 0]
        return text.format(**values) if values else text


def _scenarios(svc: Services, kind: str, text: str, filename: str) -> tuple[Scenario, Scenario]:
    from api.whatif_run import proposal

    if kind not in KINDS:
        raise ProposalError("whatif.kind_invalid", "kind", "请选择拟用内容的类型")
    if not text.strip():
        raise ProposalError("whatif.file_missing", "file", "请选择要比较的文件")
    if len(text.encode()) > MAX_TEXT:
        raise ProposalError("whatif.file_too_large", "file", "文件过大（上限 48 KiB）")
    base = Scenario(svc.engine.pack, svc.engine.calendar)
    name = re.sub(r"[^\w.-]", "_", Path(filename or "proposal.toml").name) or "proposal.toml"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        try:
            new = proposal(
                base,
                pack=path if kind == "pack" else None,
                local=[path] if kind == "local" else [],
                calendars=[path] if kind == "calendar" else [],
                calendar_dirs=list(svc.settings.calendar_dirs),
            )
        except StandardRulesError as exc:
            detail = str(exc).replace(str(path), name)
            raise ProposalError("whatif.proposal_invalid", "file", f"文件有误：{detail}") from None
    return base, new


def _compare(svc: Services, account: Account, base: Scenario, new: Scenario) -> WhatIfResult:
    scope = visibility(account)
    now = datetime.now(UTC)
    result = whatif_streamed(audit_events(svc.reads.events(scope)), base, new, now)
    if result is None:  # the scoped read is in case order; this is only a safeguard
        result = whatif(list(audit_events(svc.reads.events(scope))), base, new, now)
    return result


def _timers(svc: Services, account: Account, base: Scenario, new: Scenario) -> Any:
    from api.whatif_run import run_timers
    from storage.armed import armed_cases

    scope = visibility(account)
    org = None if scope.side == "all" else account.org
    return run_timers(armed_cases(svc.reads.engine, org=org), base, new)


async def _form(request: Request, svc: Services) -> tuple[str, str, str, str, str]:
    """kind, text, filename, the name to keep an upload under, the kept proposal picked."""
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    picked, keep_as = str(form.get("proposal", "")).strip(), str(form.get("keep", "")).strip()
    if picked:
        proposal, path = proposals.find(svc.settings.state_dir, picked)
        text = path.read_text(encoding="utf-8")
        return proposal.kind, text, proposal.filename, "", proposal.name
    kind = str(form.get("kind", ""))
    upload = form.get("file")
    if isinstance(upload, UploadFile):
        raw = await upload.read()
        filename = upload.filename or ""
    else:
        raw, filename = str(form.get("content", "")).encode(), str(form.get("filename", ""))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProposalError("whatif.file_not_utf8", "file", "文件须为 UTF-8 编码的 TOML") from None
    if keep_as:
        proposals.check_name(keep_as)
    return kind, text, filename, keep_as, ""


def _kept(svc: Services) -> list[proposals.Proposal]:
    return proposals.kept(svc.settings.state_dir)


def _forbidden(request: Request, account: Account) -> Response | None:
    if account.role == "auditor":
        return None
    t = translator(request)
    return page(request, "error.html", 403, account, t=t, message=t("error.403"))


@router.get("/audit/whatif")
def whatif_form(request: Request, svc: Svc, account: Me) -> Response:
    denied = _forbidden(request, account)
    if denied is not None:
        return denied
    t = translator(request)
    return page(
        request,
        "whatif.html",
        account=account,
        t=t,
        w=_Words(t.en),
        kinds=KINDS,
        kind="local",
        errors={},
        result=None,
        kept=_kept(svc),
    )


@router.post("/audit/whatif")
async def whatif_run(request: Request, svc: Svc, account: Me) -> Response:
    denied = _forbidden(request, account)
    if denied is not None:
        return denied
    t = translator(request)
    kind = "local"
    notice = ""
    try:
        kind, text, filename, keep_as, picked = await _form(request, svc)
        base, new = _scenarios(svc, kind, text, filename)
        if keep_as:  # only a proposal that parses is kept
            now = datetime.now(UTC).astimezone(SHANGHAI)
            proposals.keep(svc.settings.state_dir, keep_as, kind, text, filename, account.id, now)
            picked, notice = keep_as, _Words(t.en)("kept.now", name=keep_as)
    except ProposalError as exc:
        return page(
            request,
            "whatif.html",
            422,
            account,
            t=t,
            w=_Words(t.en),
            kinds=KINDS,
            kind=kind,
            errors={exc.field: f"{exc.message}（{exc.code}）"},
            result=None,
            kept=_kept(svc),
        )
    result = _compare(svc, account, base, new)
    timers = _timers(svc, account, base, new)
    return page(
        request,
        "whatif.html",
        account=account,
        t=t,
        w=_Words(t.en),
        kinds=KINDS,
        kind=kind,
        errors={},
        result=result,
        totals=result.totals(),
        moves=result.due_changes[:SHOWN],
        appeared=result.appeared[:SHOWN],
        disappeared=result.disappeared[:SHOWN],
        timers=timers.changes[:SHOWN],
        timer_report=timers,
        shown=SHOWN,
        content=text,
        filename=filename,
        case_url=case_url,
        kept=_kept(svc),
        picked=picked,
        notice=notice,
    )


@router.post("/audit/whatif.xlsx")
async def whatif_xlsx(request: Request, svc: Svc, account: Me) -> Response:
    denied = _forbidden(request, account)
    if denied is not None:
        return denied
    from api.whatif_output import to_xlsx

    t = translator(request)
    kind = "local"
    try:
        kind, text, filename, _keep, _picked = await _form(request, svc)
        base, new = _scenarios(svc, kind, text, filename)
    except ProposalError as exc:
        return page(
            request,
            "whatif.html",
            422,
            account,
            t=t,
            w=_Words(t.en),
            kinds=KINDS,
            kind=kind,
            errors={exc.field: f"{exc.message}（{exc.code}）"},
            result=None,
        )
    result = _compare(svc, account, base, new)
    stamp = result.as_of.astimezone(SHANGHAI).strftime("%Y%m%d-%H%M")
    return Response(
        to_xlsx(result),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="suitiao-whatif-{stamp}.xlsx"'},
    )
