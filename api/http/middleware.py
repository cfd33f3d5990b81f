"""ASGI middleware: who is calling (bearer token or API key), how big a body may be, what a JSON
body must be (UTF-8, nesting bounded), and the headers every answer carries.

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


MAX_JSON_DEPTH = 32  # our bodies nest 3 deep; Python's parser recurses (and fails in English)


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than `limit`."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # cannot nest deeper than it has brackets: the usual case, no scan
    depth, in_string, escaped = 0, False, False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def _json_problem(headers: dict[bytes, bytes], body: bytes) -> ApiError | None:
    if b"json" not in headers.get(b"content-type", b"").lower():
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        message = f"请求体须为 UTF-8 编码的 JSON（第 {exc.start + 1} 个字节无效）"
        return ApiError(400, "invalid_utf8", message)
    if json_depth_exceeds(body):
        return ApiError(400, "json_too_deep", f"JSON 嵌套不能超过 {MAX_JSON_DEPTH} 层")
    return None


class SecurityHeaders:
    """No framing (clickjacking), no caching of case data, no content sniffing, on every answer
    of the pages and the API; static files may be cached."""

    HEADERS = (
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", b"frame-ancestors 'none'"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    )

    def __init__(self, app: ASGIApp, static_prefix: str = "/ui/static/") -> None:
        self.app, self.static_prefix = app, static_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope["path"]).startswith(self.static_prefix)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in {h for h, _ in self.HEADERS}
                    and (cacheable or k.lower() != b"cache-control")
                ]
                headers.extend(self.HEADERS)
                if not cacheable:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


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
        # Read the body here (it is small: at most max_bytes), then hand it on.
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
        problem = _json_problem(headers, body)
        if problem is not None:
            await _send_error(problem, scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
