"""What every route needs: the services, the caller, role gates and what the caller may see.

Authentication happens in api/http/middleware.py before any route runs (so a request without
valid credentials is a 401 whatever else is wrong with it); the security schemes here only put
the two ways of signing in into the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from api.bootstrap import Services as Services  # re-exported: routes annotate with it
from api.errors import forbidden, unauthenticated
from engine.services import Actor
from standard_rules.orgs import default_registry
from storage.accounts import Account
from storage.scoped import Visibility

CASE_READERS = frozenset({"court_clerk", "judge", "mediator", "auditor", "supervisor"})
CASE_WRITERS = frozenset({"court_clerk", "judge", "mediator"})
AUDITORS = frozenset({"auditor"})
ADMINS = frozenset({"admin"})
ANYONE = frozenset({"court_clerk", "judge", "mediator", "auditor", "supervisor", "admin"})


bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="系统对接密钥")


def services(request: Request) -> Services:
    """The one dependency for every route, the API's and the pages': the process's services,
    built by api/bootstrap.py (tests may swap it through `app.dependency_overrides`)."""
    found: Services = request.app.state.services
    return found


def caller(
    request: Request,
    _token: Annotated[str | None, Security(bearer)] = None,
    _key: Annotated[str | None, Security(api_key)] = None,
) -> Account:
    account = getattr(request.state, "account", None)
    if not isinstance(account, Account):
        raise unauthenticated()
    return account


def require(roles: frozenset[str]) -> Callable[[Account], Account]:
    def gate(account: Annotated[Account, Depends(caller)]) -> Account:
        if account.role not in roles:
            raise forbidden("您的角色无权执行此操作")
        return account

    return gate


Svc = Annotated[Services, Depends(services)]
Reader = Annotated[Account, Depends(require(CASE_READERS))]
Writer = Annotated[Account, Depends(require(CASE_WRITERS))]
Auditor = Annotated[Account, Depends(require(AUDITORS))]
Admin = Annotated[Account, Depends(require(ADMINS))]
Anyone = Annotated[Account, Depends(require(ANYONE))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="重试时使用同一个键，服务器只执行一次并返回第一次的结果（保留24小时）",
    ),
]


def visibility(account: Account) -> Visibility:
    """Which cases a caller sees: its court's, its mediation organisation's, an auditor its
    organisation's and those below it (a provincial auditor all), a supervisor its side's cases
    of its organisation and those below it; admins see none."""
    if account.role in ("court_clerk", "judge"):
        return Visibility("court", account.org)
    if account.role == "mediator":
        return Visibility("mediator", account.org)
    if account.role == "auditor":
        if account.scope == "province":
            return Visibility("all")
        # An auditor sees its organisation and everything below it in the registry.
        below = default_registry().scope_names(account.org)
        return Visibility("either", account.org, below)
    if account.role == "supervisor":
        # A court's head oversees the cases its courts hold, a committee's head those referred to
        # its committees: the side the organisation acts on, down the registry.
        registry = default_registry()
        org = registry.find(account.org)
        side = "court" if org is not None and org.kind == "court" else "mediator"
        return Visibility(side, account.org, registry.scope_names(account.org))
    return Visibility("none")


def actor(account: Account) -> Actor:
    return Actor(account.id, account.role, account.org)
