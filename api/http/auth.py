"""Signing in (OAuth2 password flow), the caller's identity, users and API keys (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.security import OAuth2PasswordRequestForm
from starlette.responses import Response

from api.errors import ApiError
from api.http import idempotency
from api.http.deps import Admin, Anyone, IdempotencyKey, Svc
from api.http.responses import READ, errors
from api.http.schemas import (
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyRead,
    Me,
    PasswordReset,
    Token,
    UserCreate,
    UserRead,
    UserUpdate,
)
from api.org_checks import OrgRefused, account_org
from api.security import hash_password, verify_password
from api.throttle import TooManyAttempts, refusal_message
from storage.accounts import Account, AccountExists

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/token",
    response_model=Token,
    responses=errors(400, 401, 413, 422, 429),
    summary="登录（OAuth2 密码模式），取得15分钟有效的访问令牌；连续失败过多时暂停（429）",
)
def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], services: Svc, request: Request
) -> Token:
    username = form.username[:64]
    address = request.client.host if request.client else ""
    found = services.accounts.user(username)
    account, password_hash = found if found is not None else (None, None)

    def verify() -> bool:
        ok = verify_password(password_hash, form.password)
        return ok and account is not None and account.active

    try:  # the (deliberately slow) password check, if the throttle lets it run
        ok = services.throttle.check(username, address, verify)
    except TooManyAttempts as refused:
        raise ApiError(
            429,
            "too_many_attempts",
            refusal_message(refused.seconds),
            field="username",
            headers={"Retry-After": str(refused.seconds)},
        ) from None
    if not ok or account is None:
        raise ApiError(
            401,
            "invalid_credentials",
            "用户名或密码不正确",
            headers={"WWW-Authenticate": "Bearer"},
        )
    tokens = services.tokens
    return Token(access_token=tokens.issue(account), expires_in=tokens.ttl)


@router.get("/me", response_model=Me, responses=errors(401, 403), summary="当前用户")
def me(account: Anyone) -> Me:
    return Me(
        id=account.id,
        name=account.name,
        role=account.role,
        org=account.org,
        scope=account.scope,
        kind=account.kind,
    )


@router.get("/users", response_model=list[UserRead], responses=errors(401, 403), summary="用户")
def list_users(services: Svc, _admin: Admin) -> list[UserRead]:
    return [_user_read(a) for a in services.accounts.users()]


@router.post(
    "/users",
    status_code=201,
    response_model=UserRead,
    responses=errors(400, 401, 403, 409, 413, 422),
    summary="新建用户",
)
def create_user(
    body: UserCreate, services: Svc, admin: Admin, key: IdempotencyKey = None
) -> Response:
    def work() -> idempotency.Outcome:
        org = _org(services, body.role, body.org)
        try:
            account = services.accounts.add_user(
                username=body.username,
                password_hash=hash_password(body.password),
                role=body.role,
                org=org,
                display_name=body.display_name,
                scope=body.scope,
            )
        except AccountExists:
            raise ApiError(
                409, "user_exists", f"用户 {body.username} 已存在", field="username"
            ) from None
        read = UserRead(
            username=account.id,
            display_name=body.display_name,
            role=account.role,
            org=account.org,
            scope=account.scope,
            active=True,
        )
        return 201, read, None

    request_hash = idempotency.fingerprint("POST", "/users", body)
    return idempotency.run(services, admin, key, request_hash, work)


Username = Annotated[str, Path(min_length=1, max_length=64)]


def _user_read(account: Account) -> UserRead:
    return UserRead(
        username=account.id,
        display_name=account.name,
        role=account.role,
        org=account.org,
        scope=account.scope,
        active=account.active,
    )


def _stored(services: Svc, username: str) -> Account:
    found = services.accounts.user(username)
    if found is None:
        raise ApiError(404, "user_not_found", f"用户 {username} 不存在", field="username")
    return found[0]


@router.post(
    "/auth/logout",
    status_code=204,
    responses=errors(401, 403),
    summary="退出登录：本用户已签发的令牌立即失效",
)
def sign_out(services: Svc, account: Anyone) -> Response:
    if account.kind != "user":
        raise ApiError(400, "not_a_session", "API 密钥没有登录会话，请由管理员停用密钥", field=None)
    services.accounts.revoke_tokens(account.id)
    return Response(status_code=204)


@router.patch(
    "/users/{username}",
    response_model=UserRead,
    responses=errors(400, 401, 403, 404, 413, 422),
    summary="修改用户（角色、单位、范围、姓名、停用/启用）；其令牌立即失效",
)
def update_user(username: Username, body: UserUpdate, services: Svc, admin: Admin) -> UserRead:
    current = _stored(services, username)
    if username == admin.id and (body.active is False or body.role not in (None, "admin")):
        raise ApiError(
            422, "own_account", "不能停用自己的账号或取消自己的管理员角色", field="active"
        )
    role = body.role or current.role
    org = None
    if body.org is not None or body.role is not None:
        org = _org(services, role, body.org if body.org is not None else current.org)
    services.accounts.update_user(
        username, role=body.role, org=org, scope=body.scope, display_name=body.display_name
    )
    if body.active is not None:
        services.accounts.set_active(username, body.active)
    return _user_read(_stored(services, username))


@router.post(
    "/users/{username}/password",
    status_code=204,
    responses=errors(400, 401, 403, 404, 413, 422),
    summary="重设用户密码；其令牌立即失效",
)
def reset_password(
    username: Username, body: PasswordReset, services: Svc, _admin: Admin
) -> Response:
    _stored(services, username)
    services.accounts.set_password(username, hash_password(body.password))
    return Response(status_code=204)


@router.delete(
    "/users/{username}",
    status_code=204,
    responses=errors(401, 403, 404, 422),
    summary="删除用户；其令牌立即失效（案件记录中的经办人不变）",
)
def delete_user(username: Username, services: Svc, admin: Admin) -> Response:
    if username == admin.id:
        raise ApiError(422, "own_account", "不能删除自己的账号", field="username")
    if not services.accounts.delete_user(username):
        raise ApiError(404, "user_not_found", f"用户 {username} 不存在", field="username")
    return Response(status_code=204)


def _org(services: Svc, role: str, org: str) -> str:
    """A person belongs to a registry organisation of their role's kind (clerks to a court)."""
    try:
        return account_org(services.orgs, role, org)
    except OrgRefused as exc:
        raise ApiError(422, exc.code, exc.message, field="org") from None


def _key_read(account: Account) -> ApiKeyRead:
    return ApiKeyRead(
        id=account.id.removeprefix("key:"),
        name=account.name,
        role=account.role,
        org=account.org,
        scope=account.scope,
        active=account.active,
    )


@router.get(
    "/api-keys", response_model=list[ApiKeyRead], responses=errors(401, 403), summary="API 密钥"
)
def list_keys(services: Svc, _admin: Admin) -> list[ApiKeyRead]:
    return [_key_read(a) for a in services.accounts.api_keys()]


@router.post(
    "/api-keys",
    status_code=201,
    response_model=ApiKeyIssued,
    responses=errors(400, 401, 403, 409, 413, 422),
    summary="新建系统对接用的 API 密钥（密钥只显示一次）",
)
def create_key(
    body: ApiKeyCreate, services: Svc, admin: Admin, key: IdempotencyKey = None
) -> Response:
    def work() -> idempotency.Outcome:
        account, secret = services.accounts.add_key(
            name=body.name,
            role=body.role,
            org=_org(services, body.role, body.org),
            scope=body.scope,
        )
        return 201, ApiKeyIssued(**_key_read(account).model_dump(), key=secret), None

    request_hash = idempotency.fingerprint("POST", "/api-keys", body)
    return idempotency.run(services, admin, key, request_hash, work)


@router.delete(
    "/api-keys/{key_id}",
    status_code=204,
    responses=errors(*READ, 404),
    summary="停用 API 密钥",
)
def revoke_key(
    key_id: Annotated[str, Path(max_length=32)], services: Svc, _admin: Admin
) -> Response:
    if not services.accounts.revoke_key(key_id):
        raise ApiError(404, "key_not_found", f"API 密钥 {key_id} 不存在或已停用", field="key_id")
    return Response(status_code=204)
