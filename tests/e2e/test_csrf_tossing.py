"""Cookie tossing in Chromium: a page on another port of the same host plants the CSRF cookie.

Cookies ignore the port, so a server on 127.0.0.1:<other> may overwrite `suitiao_csrf` with a
value it knows and then post a form carrying that value to the pages, as the signed-in clerk
(same site: SameSite=Lax lets the session cookie go along). A token bound to the session must
make that post fail and leave the case where it was.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

import pytest

from engine.services import Actor
from tests.e2e.conftest import Site, sign_in
from tests.e2e.test_pages import choose

pytestmark = pytest.mark.e2e
CASE = "(2026)浙1082民诉前调9301号"
PLANTED = "t" * 43  # as long as a real token, so the server would keep it


def _attacker(target: str, task_id: str) -> type[BaseHTTPRequestHandler]:
    page = f"""<!doctype html><html><body>
<form id="f" method="post" action="{target}/ui/cases/{quote(CASE, safe="")}/tasks/{task_id}">
<input type="hidden" name="action" value="consent">
<input type="hidden" name="csrf_token" value="{PLANTED}">
</form><script>document.getElementById("f").submit()</script></body></html>"""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = page.encode()
            self.send_response(200)
            # No Domain and no port: the browser files it under 127.0.0.1, for every port.
            self.send_header("Set-Cookie", f"suitiao_csrf={PLANTED}; Path=/; HttpOnly")
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def evil_site(site: Site) -> Iterator[tuple[str, str]]:
    engine = site.app.state.engine
    clerk = Actor("clerk", "court_clerk", "临海市人民法院")
    engine.open_case(
        process_id="pre_filing_referral",
        case_id=CASE,
        actor=clerk,
        facts={"consumer": {"name": "钱七", "phone": "13800009301"}, "claim_amount": 300},
    )
    task_id = engine.case(CASE).tasks[0].task_id
    server = ThreadingHTTPServer(("127.0.0.1", 0), _attacker(site.base, task_id))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", task_id
    finally:
        server.shutdown()
        server.server_close()


def test_a_csrf_cookie_planted_from_another_port_cannot_complete_a_step(
    site: Site, new_page: Any, evil_site: tuple[str, str]
) -> None:
    evil_url, task_id = evil_site
    page = new_page()
    sign_in(page, site, "clerk", "clerk-demo")
    with page.expect_navigation(url=f"{site.base}/ui/cases/**"):
        page.goto(evil_url)
    page.wait_for_load_state()
    cookies = {c["name"]: c["value"] for c in page.context.cookies(site.base)}
    assert cookies.get("suitiao_csrf") == PLANTED  # the toss itself worked in this browser
    engine = site.app.state.engine
    activities = [e.activity for e in engine.events(CASE)]
    assert "consent_given" not in activities and "mediation_consented" not in activities
    assert [t.task_id for t in engine.case(CASE).tasks] == [task_id]  # the step did not run
    assert page.locator("body").inner_text().strip() != ""
    # The clerk's own form still works in the same browser, planted cookie or not.
    page.goto(site.url("/ui/cases/" + quote(CASE, safe="")))
    choose(page, "双方同意调解").get_by_role("button", name="双方同意调解").click()
    page.wait_for_load_state()
    assert [t.task_id for t in engine.case(CASE).tasks] != [task_id]
