"""The admin's page of people: create, change role or organisation (within the registry),
deactivate or reactivate, reset a password, delete. Every change revokes the person's tokens
at once (storage/accounts.py); organisations are pick-lists from the registry."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from api.http.deps import Svc
from api.org_checks import OrgRefused, account_org
from api.security import MIN_PASSWORD, hash_password
from api.web.pages import Me, page, translator
from api.web.session import CSRF_FIELD, check_csrf, finish, services
from storage.accounts import ROLES, Account, AccountExists

router = APIRouter(prefix="/ui", include_in_schema=False)
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")


def _page(request: Request, account: Account, status: int = 200, **ctx: Any) -> Response:
    svc = services(request)
    orgs = [(o.short, o.label, o.kind) for o in svc.orgs.orgs.values()]
    ctx.setdefault("errors", {})
    ctx.setdefault("values", {})
    return page(
        request,
        "users.html",
        status,
        account,
        t=translator(request),
        users=svc.accounts.users(),
        roles=ROLES,
        orgs=orgs,
        **ctx,
    )


def _forbidden(request: Request, account: Account) -> Response:
    t = translator(request)
    return page(request, "error.html", 403, account, t=t, message=t("error.403"))


@router.get("/users")
def users_page(request: Request, account: Me, done: str = "") -> Response:
    if account.role != "admin":
        return _forbidden(request, account)
    return _page(request, account, notice="已保存" if done else "")


def _org(request: Request, role: str, org: str, errors: dict[str, str]) -> str:
    try:
        return account_org(services(request).orgs, role, org)
    except OrgRefused as exc:
        errors["org"] = exc.message
        return ""


@router.post("/users")
async def create_user(request: Request, svc: Svc, account: Me) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form.get(CSRF_FIELD))
    if account.role != "admin":
        return _forbidden(request, account)
    errors: dict[str, str] = {}
    username, role = form.get("username", "").strip(), form.get("role", "")
    if not USERNAME.match(username):
        errors["username"] = "用户名须为2至64位字母、数字或 _ . @ -"
    if role not in ROLES:
        errors["role"] = "请选择角色"
    if len(form.get("password", "")) < MIN_PASSWORD:
        errors["password"] = f"密码至少{MIN_PASSWORD}位"
    org = _org(request, role, form.get("org", ""), errors) if role in ROLES else ""
    scope = "province" if form.get("scope") == "province" else "org"
    if not errors:
        try:
            svc.accounts.add_user(
                username=username,
                password_hash=hash_password(form["password"]),
                role=role,
                org=org,
                display_name=form.get("display_name", "").strip()[:100],
                scope=scope,
            )
        except AccountExists:
            errors["username"] = f"用户 {username} 已存在"
    if errors:
        values = {k: v for k, v in form.items() if k != "password"}
        return _page(request, account, 422, errors=errors, values=values)
    return finish(RedirectResponse("/ui/users?done=1", status_code=303), request)


@router.post("/users/{username}")
async def change_user(request: Request, svc: Svc, username: str, account: Me) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form.get(CSRF_FIELD))
    if account.role != "admin":
        return _forbidden(request, account)
    accounts = svc.accounts
    found = accounts.user(username)
    if found is None:
        return _page(request, account, 404, errors={"user": f"用户 {username} 不存在"})
    action, errors = form.get("action", ""), {}
    if username == account.id and action in ("deactivate", "delete", "update"):
        errors["user"] = "不能停用、删除或更改自己的账号"
    elif action in ("deactivate", "activate"):
        accounts.set_active(username, action == "activate")
    elif action == "delete":
        accounts.delete_user(username)
    elif action == "password":
        if len(form.get("password", "")) < MIN_PASSWORD:
            errors["user"] = f"密码至少{MIN_PASSWORD}位"
        else:
            accounts.set_password(username, hash_password(form["password"]))
    elif action == "update":
        role = form.get("role", "")
        org = _org(request, role, form.get("org", ""), errors) if role in ROLES else ""
        if role not in ROLES:
            errors["user"] = "请选择角色"
        elif not errors:
            accounts.update_user(username, role=role, org=org)
    else:
        errors["user"] = "未知操作"
    if errors:
        errors.setdefault("user", errors.pop("org", ""))
        return _page(request, account, 422, errors=errors, target=username)
    return finish(RedirectResponse("/ui/users?done=1", status_code=303), request)
