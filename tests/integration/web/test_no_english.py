"""Every page a demo user can reach, in 中文, holds no English word and no internal code.

The pages are crawled as each demo user (links under /ui/, GET only) over the demo cases; the
visible text (not markup, scripts or attribute values) is scanned for ASCII words. Allowed:
numbers, 案号 and complaint numbers, units, and a few proper names (PDF, Word, Excel, the
English switch, the standard's number DB33/T). Anything else fails with the page it is on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import DemoClock, add_demo_users, populate
from api.settings import Settings
from engine.services import SystemClock
from tests.workflows.conftest import CLERK
from tests.workflows.test_paths import PRE

USERS = ("clerk", "judge", "mediator", "auditor", "admin")
# Proper names and units a Chinese page may show as they are.
ALLOWED = frozenset({"PDF", "Word", "Excel", "JPEG", "PNG", "TOML", "English", "DB33", "T", "BPMN"})
UNITS = frozenset({"KB", "MB"})
RULE_ID = re.compile(r"\b[RT]\d{2}\b")  # a rule of the pack, cited like an article
CASE_NUMBER = re.compile(r"[A-Z]{2}-TS-\d{4}-\d{4}")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
MAX_PAGES = 400


class _Text(HTMLParser):
    """The text a reader sees: no script, style, or hidden template."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "svg", "code"):
            self._skip += 1
        found = dict(attrs)
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        for name in ("title", "aria-label", "placeholder", "alt"):
            if found.get(name) and name != "placeholder":
                self.parts.append(str(found[name]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "svg", "code") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def english_words(html: str) -> tuple[list[str], list[str]]:
    parser = _Text()
    parser.feed(html)
    text = RULE_ID.sub(" ", CASE_NUMBER.sub(" ", " ".join(parser.parts)))
    words = [w for w in WORD.findall(text) if w not in ALLOWED | UNITS]
    return words, parser.links


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder: Path = tmp_path_factory.mktemp("zh")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'suitiao.db'}",
        secret_key="zh-secret-" + "x" * 40,
        state_dir=folder,
    )
    app = create_app(settings, timers=False)
    add_demo_users(app.state.services.accounts)
    engine = app.state.engine
    clock = DemoClock(SystemClock().now())
    engine.clock = clock
    populate(engine, clock, cases=24, days=60, seed=13)
    # Whatever the demo drew on the day the test runs, one case nobody acted on for 90 days
    # is overdue: the dashboard has findings to show and to filter.
    clock.instant = SystemClock().now() - timedelta(days=90)
    engine.open_case(process_id=PRE, case_id="(2026)浙1082民诉前调9999号", actor=CLERK, facts={})
    engine.clock = SystemClock()
    yield TestClient(app)
    engine.store.engine.dispose()


def _crawl(client: TestClient, user: str) -> dict[str, list[str]]:
    client.cookies.clear()
    login = client.get("/ui/login?lang=zh").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', login)
    assert token is not None
    client.post(
        "/ui/login",
        data={"username": user, "password": f"{user}-demo", "csrf_token": token.group(1)},
    )
    found: dict[str, list[str]] = {}
    queue, seen = ["/ui/inbox", "/ui/cases", "/ui/audit", "/ui/new", "/ui/admin"], set()
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        answer = client.get(url)
        if "text/html" not in answer.headers.get("content-type", ""):
            continue
        words, links = english_words(answer.text)
        if words:
            found[url] = sorted(set(words))
        for link in links:
            target = urldefrag(link)[0]
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith("/ui/") or "lang=" in parts.query:
                continue
            if parts.path in ("/ui/logout",) or "/documents/" in parts.path:
                continue
            queue.append(target)
    assert len(seen) > 3, f"{user} reached only {seen}"
    return found


@pytest.mark.parametrize("user", USERS)
def test_no_english_word_on_any_chinese_page(client: TestClient, user: str) -> None:
    found = _crawl(client, user)
    report = "\n".join(f"{url}: {', '.join(words)}" for url, words in sorted(found.items()))
    assert not found, f"English or internal codes on the Chinese pages of {user}:\n{report}"


def test_the_scan_finds_a_code_in_visible_text() -> None:
    words, _ = english_words("<p>结果：confirmed <code>R16</code> LH-TS-2026-0001 30日</p>")
    assert words == ["confirmed"]


def test_codes_in_findings_and_definitions_read_in_chinese() -> None:
    from api.web.i18n import Translator
    from api.web.plain import kind_zh, plain_zh

    text = plain_zh(
        "R16：cal(30)自 referral_received（2026-01-02）起算，wd(3)，"
        "performed.voluntary=false，mode=pre_filing；依据：cn-2026 (State Council schedule)"
    )
    words, _ = english_words(f"<p>{text}</p>")
    assert words == [], text
    assert "30日" in text and "3个工作日" in text and "国务院办公厅2026年" in text
    assert kind_zh("late", Translator("zh")) == "逾期办理"


def _sign_in(client: TestClient, user: str) -> None:
    client.cookies.clear()
    login = client.get("/ui/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', login)
    assert token is not None
    client.post(
        "/ui/login",
        data={"username": user, "password": f"{user}-demo", "csrf_token": token.group(1)},
    )


def _finding_orgs(html: str) -> set[str]:
    rows = html.split('id="h-findings"')[1]
    return set(re.findall(r'data-label="机构">([^<]*)</td>', rows))


def test_the_auditor_filters_the_dashboard_by_organisation_and_period(
    client: TestClient,
) -> None:
    _sign_in(client, "auditor")
    everything = client.get("/ui/audit").text
    orgs = _finding_orgs(everything)
    assert orgs, "the demo has findings"
    one = sorted(orgs)[0]
    only = client.get("/ui/audit", params={"org": one}).text
    assert _finding_orgs(only) == {one}
    select = everything.split('id="a-org"')[1].split("</select>")[0]
    options = set(re.findall(r'<option value="([^"]+)"', select))
    assert one in options and len(options) >= 2, options
    other = sorted(options - {one})[0]
    assert one not in _finding_orgs(client.get("/ui/audit", params={"org": other}).text)
    assert 'href="/ui/audit/report.xlsx?org=' in only
    future = client.get("/ui/audit", params={"start": "2099-01-01"}).text
    assert "没有发现问题" in future.split('id="h-findings"')[1]
    wrong = client.get("/ui/audit", params={"start": "2026-13-01", "end": "x"})
    assert wrong.status_code == 200
    assert "起始日期须为日期（年-月-日）" in wrong.text and "截止日期须为日期" in wrong.text
    workbook = client.get("/ui/audit/report.xlsx", params={"org": one})
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
