"""The web pages (issue 6), served by the API's own process.

The JSON API authenticates every request with a bearer token or an API key before routing
(api/http/middleware.py). The pages sign people in with a cookie instead, so they are a small
application of their own, put in front of the API by `install`: requests for `/` and `/ui/...`
go to the pages, everything else to the API exactly as before.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from api.http.deps import Services
from api.http.middleware import LimitBody
from api.web import session, users
from api.web.case_extras import MAX_BYTES as UPLOAD_MAX_BYTES
from api.web.pages import home_for, page, router, translator

STATIC = Path(__file__).parent / "static"
PREFIX = "/ui"


def build(services: Services) -> FastAPI:
    web = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    web.state.services = services
    web.include_router(router)
    from api.web.audit_page import router as audit_router  # the auditor's dashboard
    from api.web.whatif_page import router as whatif_router  # the auditor's what-if page

    web.include_router(audit_router)
    web.include_router(whatif_router)
    web.include_router(users.router)  # the admin's page of people
    web.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="static")

    @web.get("/", include_in_schema=False)
    @web.get(PREFIX, include_in_schema=False)
    def root(request: Request) -> Response:
        try:
            account = session.current(request)
        except session.SignInRequired:
            return RedirectResponse(f"{PREFIX}/login", status_code=303)
        return RedirectResponse(home_for(account), status_code=303)

    @web.exception_handler(session.SignInRequired)
    async def sign_in(request: Request, exc: Exception) -> Response:
        expired = isinstance(exc, session.SignInRequired) and exc.expired
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        posted = request.method == "POST"
        if posted:  # back to the page the form was on, where the browser kept what was typed
            target = form_page(request.url.path, request.headers.get("referer", ""))
        url = f"{PREFIX}/login?next={quote(target, safe='')}" + ("&expired=1" if expired else "")
        url += "&kept=1" if expired and posted else ""
        response = RedirectResponse(url, status_code=303)
        session.clear_session(response, request)
        return response

    @web.exception_handler(session.CsrfFailed)
    async def csrf_failed(request: Request, _exc: Exception) -> Response:
        t = translator(request)
        return page(request, "error.html", 400, t=t, message=t("error.csrf"))

    @web.exception_handler(StarletteHTTPException)
    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
        t = translator(request)
        message = t("error.404") if status == 404 else str(getattr(exc, "detail", ""))
        return page(request, "error.html", status, t=t, message=message)

    return web


def form_page(path: str, referer: str) -> str:
    """The page a form was posted from: the referring page of this site, else the case page
    for a case's forms, else the inbox (a GET of the form's own address would be a 405)."""
    from urllib.parse import urlsplit

    parts = urlsplit(referer)
    if parts.path.startswith(PREFIX + "/") and not parts.path.startswith(PREFIX + "/login"):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    if path.startswith(PREFIX + "/cases/"):
        return "/".join(path.split("/")[:4])
    return f"{PREFIX}/inbox"


class WebFront:
    """ASGI: `/` and `/ui/...` to the pages, everything else to the API."""

    def __init__(self, app: Any, web: Any) -> None:
        self.app, self.web = app, web

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path == "/" or path == PREFIX or path.startswith(PREFIX + "/"):
                await self.web(scope, receive, send)
                return
        await self.app(scope, receive, send)


class UploadsApart:
    """ASGI: the attachment upload form to its own body limit, every other page to the usual."""

    def __init__(self, pages: Any, uploads: Any) -> None:
        self.pages, self.uploads = pages, uploads

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path: str = scope.get("path", "")
        target = self.uploads if path.endswith("/attachments") else self.pages
        await target(scope, receive, send)


def install(app: FastAPI) -> None:
    """Serve the pages from `app` (called once by api.app.create_app)."""
    services: Services = app.state.services
    web = build(services)
    limit = services.settings.max_body_bytes
    pages = LimitBody(web, max_bytes=limit)
    # An attached file may be a scanned complaint of several MB: that one form gets room for
    # it (case_extras checks the file's own limit and says so next to the form).
    uploads = LimitBody(web, max_bytes=max(limit, UPLOAD_MAX_BYTES + 256 * 1024))
    app.add_middleware(WebFront, web=UploadsApart(pages, uploads))
