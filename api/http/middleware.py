"""ASGI middleware: who is calling (bearer token or API key), and how big a body may be.

Authentication runs first, for every path but the public ones, so an operation answers 401 to a
request without valid credentials before it looks at anything else. Bodies over the limit are
refused with 413, by Content-Length when given and by counting otherwise (chunked uploads).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from api.errors import ApiError, unauthenticated
from storage.accounts import Account

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PUBLIC = frozenset({"/healthz", "/docs", "/docs/oauth2-redirect", "/openapi.json", "/auth/token"})


async def _send_error(error: ApiError, scope: Scope, receive: Receive, send: Send) -> None:
    await error.response()(scope, receive, send)


class Authenticate:
    def __init__(
        self,
        app: ASGIApp,
        tokens: Callable[[str], Account | None],
        keys: Callable[[str], Account | None],
    ) -> None:
        self.app, self.tokens, self.keys = app, tokens, keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PUBLIC:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v for k, v in scope["headers"]}
        account: Account | None = None
        authorization = headers.get("authorization", b"").decode("latin-1")
        presented_key = headers.get("x-api-key", b"").decode("latin-1").strip()
        if authorization:
            kind, _, token = authorization.partition(" ")
            if kind.lower() != "bearer" or not token.strip():
                await _send_error(unauthenticated("只接受 Bearer 令牌"), scope, receive, send)
                return
            account = self.tokens(token.strip())
            if account is None:
                error = unauthenticated("令牌无效或已过期，请重新登录")
                await _send_error(error, scope, receive, send)
                return
        elif presented_key:
            account = self.keys(presented_key)
            if account is None:
                await _send_error(unauthenticated("API 密钥无效或已停用"), scope, receive, send)
                return
        if account is None:
            await _send_error(unauthenticated(), scope, receive, send)
            return
        scope.setdefault("state", {})["account"] = account
        await self.app(scope, receive, send)


class LimitBody:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    def _too_large(self) -> ApiError:
        kib = self.max_bytes // 1024
        return ApiError(413, "body_too_large", f"请求体不能超过 {kib} KiB")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                error = ApiError(400, "malformed_body", "Content-Length 无效")
                await _send_error(error, scope, receive, send)
                return
            if length > self.max_bytes:
                await _send_error(self._too_large(), scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        # No length given: read the body here, up to the limit, then hand it on.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _send_error(self._too_large(), scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
