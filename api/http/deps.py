"""What every route needs: the services, the caller, role gates and what the caller may see.

Authentication happens in api/http/middleware.py before any route runs (so a request without
valid credentials is a 401 whatever else is wrong with it); the security schemes here only put
the two ways of signing in into the OpenAPI document.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from api.errors import forbidden, unauthenticated
from api.security import Tokens
from api.settings import Settings
from api.throttle import SignInThrottle
from engine.services import Actor, Engine
from standard_rules.orgs import Registry, default_registry
from storage.accounts import Account, AccountStore
from storage.documents import DocumentStore
from storage.idempotency import IdempotencyStore
from storage.outbox import Outbox
from storage.scoped import ScopedReads, Visibility

CASE_READERS = frozenset({"court_clerk", "judge", "mediator", "auditor", "supervisor"})
CASE_WRITERS = frozenset({"court_clerk", "judge", "mediator"})
AUDITORS = frozenset({"auditor"})
ADMINS = frozenset({"admin"})
ANYONE = frozenset({"court_clerk", "judge", "mediator", "auditor", "supervisor", "admin"})


@dataclass
class Services:
    engine: Engine
    accounts: AccountStore
    idempotency: IdempotencyStore
    reads: ScopedReads
    tokens: Tokens
    settings: Settings
    documents: DocumentStore
    outbox: Outbox
    # One engine step at a time in this process. The engine keeps recently used workflows live
    # in memory and two threads stepping one case would share (and both change) one object;
    # SQLite takes one writer at a time anyway, so this costs little. Other processes are kept
    # apart by the version compare-and-swap in the store.
    steps: threading.Lock = field(default_factory=threading.Lock)
    # The organisation registry with this deployment's local pairing agreements.
    orgs: Registry = field(default_factory=default_registry)
    throttle: SignInThrottle = field(default_factory=SignInThrottle)


bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="系统对接密钥")


def services(request: Request) -> Services:
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
