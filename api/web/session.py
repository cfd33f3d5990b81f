"""The pages' session: the API's short-lived JWT in an HttpOnly cookie, and a CSRF token.

The cookie holds the same access token `POST /auth/token` issues (15 minutes). Each page the
user opens re-issues it after checking the account is still active, so a session ends after 15
minutes without use, and a deactivated user is out at the next click. Cookies are HttpOnly and
SameSite=Lax, and Secure unless the site is served on localhost.

CSRF: a random nonce in its own cookie; every form echoes HMAC(secret, nonce, signed-in user)
in a hidden field, checked on POST. The nonce alone is not enough: cookies ignore the port, so a
page on another port of the same host can plant the cookie (cookie tossing) and, SameSite=Lax
letting same-site posts carry the session, post a form as the signed-in user. It cannot compute
the HMAC for that user. A new nonce is set at sign-in, so one known before sign-in is no use.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from starlette.responses import Response

from api.http.deps import services as services  # the one lookup, also the routes' dependency
from storage.accounts import Account

SESSION_COOKIE = "suitiao_session"
CSRF_COOKIE = "suitiao_csrf"
LANG_COOKIE = "suitiao_lang"
CSRF_FIELD = "csrf_token"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "testserver"})


class SignInRequired(Exception):
    """No valid session: the page answers with a redirect to the sign-in page."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("sign in required")
        self.expired = expired


class CsrfFailed(Exception):
    pass


def secure(request: Request) -> bool:
    return request.url.scheme == "https" or (request.url.hostname or "") not in LOCAL_HOSTS


def current(request: Request) -> Account:
    """The signed-in account (checked against the account store), or SignInRequired."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInRequired()
    svc = services(request)
    claimed = svc.tokens.read(token)
    if claimed is None:
        raise SignInRequired(expired=True)
    found = svc.accounts.user(claimed.id)
    if found is None or not found[0].active:
        raise SignInRequired(expired=True)
    account: Account = found[0]
    request.state.account = account
    return account


def set_session(response: Response, request: Request, account: Account) -> None:
    svc = services(request)
    response.set_cookie(
        SESSION_COOKIE,
        svc.tokens.issue(account),
        max_age=svc.tokens.ttl,
        httponly=True,
        samesite="lax",
        secure=secure(request),
        path="/",
    )


def clear_session(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure(request)
    )


def _principal(request: Request) -> str:
    """Whom the session names ('' before sign-in): the CSRF token is bound to it."""
    account = getattr(request.state, "account", None)
    if isinstance(account, Account):
        return account.id
    token = request.cookies.get(SESSION_COOKIE)
    claimed = services(request).tokens.read(token) if token else None
    return claimed.id if claimed is not None else ""


def _bound(request: Request, nonce: str, principal: str | None = None) -> str:
    who = _principal(request) if principal is None else principal
    return services(request).tokens.bind("csrf", f"{nonce}\n{who}")


def _nonce(request: Request) -> str:
    """This browser's CSRF nonce; a new one is made (and set by `finish`) when it has none."""
    nonce = getattr(request.state, "csrf", None)
    if isinstance(nonce, str):
        return nonce
    nonce = request.cookies.get(CSRF_COOKIE) or ""
    if len(nonce) < 32:
        nonce = secrets.token_urlsafe(32)
        request.state.csrf_new = True
    request.state.csrf = nonce
    return nonce


def csrf_token(request: Request, account: Account | None = None) -> str:
    """The value forms echo: the nonce bound to the signed-in user (or `account`)."""
    return _bound(request, _nonce(request), account.id if account is not None else None)


def renew_csrf(request: Request) -> str:
    nonce = secrets.token_urlsafe(32)
    request.state.csrf = nonce
    request.state.csrf_new = True
    return nonce


def check_csrf(request: Request, submitted: str | None) -> None:
    nonce = request.cookies.get(CSRF_COOKIE) or ""
    if len(nonce) < 32 or not submitted:
        raise CsrfFailed()
    if not hmac.compare_digest(_bound(request, nonce), submitted):
        raise CsrfFailed()


def finish(response: Response, request: Request) -> Response:
    """Cookies every page answer carries: a fresh CSRF token when one was made, the language."""
    if getattr(request.state, "csrf_new", False):
        response.set_cookie(
            CSRF_COOKIE,
            request.state.csrf,
            httponly=True,
            samesite="lax",
            secure=secure(request),
            path="/",
        )
    lang = getattr(request.state, "lang_set", None)
    if isinstance(lang, str):
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 86400,
            samesite="lax",
            secure=secure(request),
            path="/",
        )
    return response
