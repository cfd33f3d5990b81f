"""What the case page adds around the workflow: files attached to the case and corrections of
its facts (storage/attachments.CaseFiles), with their routes.

Attachments are size-limited and type-checked by their first bytes (not by the name or the
browser's word), hashed, and served back only from their own case. Corrections are allowed to
clerks and mediators who can see the case, field by field until the step that relies on the
field (api/documents/corrections.py); each change shows on the timeline with who and when.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from api.documents.corrections import CORRECTABLE, open_fields, read
from api.errors import ApiError
from api.http.deps import CASE_READERS, CASE_WRITERS, Services, Svc
from api.http.masking import mask_value
from api.http.views import visible_case
from api.web.i18n import Translator
from api.web.session import check_csrf, finish, services
from standard_rules.timezone import SHANGHAI
from storage.accounts import Account
from storage.attachments import CaseFiles

MAX_BYTES = 10 * 1024 * 1024  # a scanned complaint of a few dozen pages
KINDS: dict[str, str] = {
    "complaint": "起诉状（扫描件）",
    "consent": "当事人同意调解书",
    "agreement": "签署的调解协议书",
    "attendance": "调解到场记录",
    "evidence": "证据材料",
    "other": "其他材料",
}
# first bytes -> media type; anything else is refused (no HTML, scripts or executables)
MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


class Refused(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def case_files(request: Request) -> CaseFiles:
    """The attachments store, built with the other services (api/bootstrap.py)."""
    return services(request).attachments


def sniff(content: bytes) -> tuple[str, str]:
    for magic, media, ext in MAGIC:
        if content.startswith(magic):
            return media, ext
    raise Refused("file", "只能上传PDF、JPEG或PNG文件（按文件内容识别）")


async def read_upload(upload: Any) -> bytes:
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Refused("file", "请选择要上传的文件")
    content = await upload.read(MAX_BYTES + 1)
    if not content:
        raise Refused("file", "文件为空")
    if len(content) > MAX_BYTES:
        raise Refused("file", f"文件不能超过{MAX_BYTES // (1024 * 1024)}MB")
    return content


def attachments_for_page(request: Request, case_id: str) -> list[dict[str, Any]]:
    return [
        {
            "id": a.id,
            "kind": KINDS.get(a.kind, a.kind),
            "name": a.name,
            "size_kb": max(1, round(a.size / 1024)),
            "sha256": a.sha256,
            "created": a.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        }
        for a in case_files(request).attachments(case_id)
    ]


def correction_items(
    request: Request,
    case_id: str,
    account: Account,
    display_names: Callable[[set[str]], dict[str, str]],
    t: Translator,
) -> list[tuple[datetime, dict[str, Any]]]:
    """The timeline entries of the case's corrections, with their time for ordering."""
    items = []
    edits = case_files(request).edits(case_id)
    names = display_names({e.edited_by for e in edits}) if edits else {}
    for edit in edits:
        label = CORRECTABLE.get(edit.field, (edit.field, ()))[0]
        old, new = edit.old_value or "（空）", edit.new_value or "（空）"
        if account.role not in ("court_clerk", "judge", "mediator"):
            tail = edit.field.rpartition(".")[2]
            old, new = mask_value(tail, old), mask_value(tail, new)
        items.append(
            (
                edit.edited_at,
                {
                    "at": edit.edited_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
                    "activity": "facts_corrected",
                    "name": t("case.corrected"),
                    "who": names.get(edit.edited_by) or edit.edited_by,
                    "role": "",
                    "org": "",
                    "data": {label: f"{old} → {new}"},
                    "deadlines": [],
                },
            )
        )
    return items


def correction_form(facts: Mapping[str, Any], seen: frozenset[str]) -> list[dict[str, str]]:
    return [
        {"name": name, "label": CORRECTABLE[name][0], "value": read(facts, name)}
        for name in open_fields(seen)
    ]


def register(
    router: APIRouter,
    case_page: Callable[..., Response],
    translator: Callable[[Request], Translator],
    page: Callable[..., Response],
) -> None:
    """The routes, on the pages' router (api/web/pages.py calls this once)."""

    def _case_or_none(svc: Services, account: Account, case_id: str) -> Any:
        try:
            return visible_case(svc, account, case_id)
        except ApiError:
            return None

    @router.post("/cases/{case_id}/attachments")
    async def attach(request: Request, svc: Svc, case_id: str) -> Response:
        from api.web.session import current

        account = current(request)
        form = await request.form()
        check_csrf(request, str(form.get("csrf_token", "")))
        t = translator(request)
        view = _case_or_none(svc, account, case_id)
        if view is None:
            return page(request, "error.html", 404, account, t=t, message=t("error.404"))
        if account.role not in CASE_WRITERS:
            return page(request, "error.html", 403, account, t=t, message=t("error.403"))
        kind = str(form.get("kind", ""))
        try:
            if kind not in KINDS:
                raise Refused("kind", "请选择材料类别")
            content = await read_upload(form.get("file"))
            media, ext = sniff(content)
        except Refused as exc:
            return case_page(request, account, case_id, t, 422, attachment_error=str(exc))
        upload = form.get("file")
        raw_name = upload.filename if isinstance(upload, UploadFile) and upload.filename else ""
        stem = raw_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0][:150]
        svc.attachments.attach(
            case_id=case_id,
            kind=kind,
            name=f"{stem or KINDS[kind]}.{ext}",
            media_type=media,
            content=content,
            created_at=svc.engine.clock.now(),
            created_by=account.id,
        )
        url = f"/ui/cases/{quote(case_id, safe='')}?done=1#attachments"
        return finish(RedirectResponse(url, status_code=303), request)

    @router.get("/cases/{case_id}/attachments/{attachment_id}")
    def download(request: Request, svc: Svc, case_id: str, attachment_id: str) -> Response:
        from api.web.session import current

        account = current(request)
        t = translator(request)
        if account.role not in CASE_READERS or _case_or_none(svc, account, case_id) is None:
            return page(request, "error.html", 404, account, t=t, message=t("error.404"))
        try:
            found, content = svc.attachments.content(case_id, attachment_id)
        except LookupError:
            return page(request, "error.html", 404, account, t=t, message=t("error.404"))
        return Response(
            content,
            media_type=found.media_type,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.name)}",
                "X-Content-Type-Options": "nosniff",
                "X-Attachment-SHA256": found.sha256,
            },
        )

    @router.post("/cases/{case_id}/facts")
    async def correct(request: Request, svc: Svc, case_id: str) -> Response:
        from api.web.session import current

        account = current(request)
        form = {k: str(v) for k, v in (await request.form()).items()}
        check_csrf(request, form.get("csrf_token", ""))
        t = translator(request)
        view = _case_or_none(svc, account, case_id)
        if view is None:
            return page(request, "error.html", 404, account, t=t, message=t("error.404"))
        if account.role not in ("court_clerk", "mediator"):
            return page(request, "error.html", 403, account, t=t, message=t("error.403"))
        seen = frozenset(e.activity for e in svc.engine.events(case_id))
        files = svc.attachments
        from api.documents.corrections import apply

        facts = apply(view.facts, files.corrected(case_id))
        changes: dict[str, tuple[str | None, str]] = {}
        errors: dict[str, str] = {}
        allowed = open_fields(seen)
        for name in CORRECTABLE:
            if name not in form:
                continue
            new, old = form[name].strip(), read(facts, name)
            if new == old:
                continue
            if name not in allowed:
                errors[name] = f"{CORRECTABLE[name][0]}已不能更正：依赖它的步骤已完成"
                continue
            problem = check(name, new)
            if problem:
                errors[name] = problem
            else:
                upper = name.endswith(("id_number", "credit_code"))
                changes[name] = (old or None, new.upper() if upper else new)
        if errors:
            return case_page(
                request, account, case_id, t, 422, fact_errors=errors, fact_values=form
            )
        files.correct(case_id=case_id, changes=changes, by=account.id, at=svc.engine.clock.now())
        url = f"/ui/cases/{quote(case_id, safe='')}?done=1#facts"
        return finish(RedirectResponse(url, status_code=303), request)


def check(name: str, value: str) -> str:
    """A Chinese message when the corrected value is not acceptable, else ""."""
    import re

    label = CORRECTABLE[name][0]
    tail = name.rpartition(".")[2]
    if len(value) > (2000 if name == "summary" else 200):
        return f"{label}过长"
    if not value and tail in ("name",):
        return f"请填写{label}"
    if tail == "id_number" and value and not re.fullmatch(r"\d{17}[\dX]", value.upper()):
        return "公民身份号码须为18位（末位可为X）"
    if (
        tail == "credit_code"
        and value
        and not re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}", value.upper())
    ):
        return "统一社会信用代码须为18位数字或大写字母"
    if (
        tail == "phone"
        and value
        and not (value.replace("-", "").isdigit() and 7 <= len(value) <= 20)
    ):
        return f"{label}须为7至20位数字（可含-）"
    if name == "cause" and value and not value.endswith("纠纷"):
        return "案由须以“纠纷”结尾，如“买卖合同纠纷”"
    return ""
