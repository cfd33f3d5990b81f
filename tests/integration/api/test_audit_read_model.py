"""GET /audit, GET /stats and the dashboard read the findings read model and the counters:
the same findings as re-auditing every event (as they did before), a page at a time, filed
under the same organisations on the API and the page, scoped to what the caller may see."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.audit_events import audit_events
from api.demo import DemoClock, add_demo_users, populate
from api.http.deps import visibility
from api.settings import Settings
from engine.services import SystemClock
from standard_rules.audit import audit
from tests.integration.api.conftest import SECRET, World


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("audit-rm")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'suitiao.db'}", secret_key=SECRET, state_dir=folder
    )
    app = create_app(settings, timers=False)
    add_demo_users(app.state.services.accounts)
    engine = app.state.engine
    clock = DemoClock(SystemClock().now())
    engine.clock = clock
    populate(engine, clock, cases=40, days=120, seed=7)
    world = World(app)
    world._ids = itertools.count(9001)  # past the demo's own numbers in the same court
    clock.instant = SystemClock().now() - timedelta(days=90)
    world.open()  # and nobody acts on it again: overdue and stalled, whatever the demo drew
    engine.clock = SystemClock()
    yield world
    engine.store.engine.dispose()


def key(f: dict[str, Any]) -> tuple[Any, ...]:
    return (f["case"], f["rule"], f["kind"], f["due"], f["at"], f["org"] or "")


def every_page(world: World, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        query = {"limit": 4, **params, **({"after": after} if after else {})}
        answer = world.client.get("/audit", params=query, headers=headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert int(answer.headers["X-Total-Count"]) == body["total"]
        found += body["findings"]
        after = body["next_after"]
        assert after == answer.headers.get("X-Next-After")
        if after is None:
            assert len(found) == body["total"]
            return found


def reaudit(world: World, account: Any) -> list[tuple[Any, ...]]:
    """What GET /audit answered before: every visible event re-audited now."""
    engine = world.engine
    events = list(audit_events(world.services.reads.events(visibility(account))))
    result = audit(events, engine.pack, engine.calendar, datetime.now(UTC))
    return sorted(
        (
            f.case,
            f.rule,
            f.kind,
            f.due.isoformat() if f.due else None,
            f.at,
            f.org,
        )
        for f in result.findings
    )


@pytest.mark.parametrize("scope", ["province", "org"])
def test_pages_of_findings_are_the_re_audit_of_every_event(demo: World, scope: str) -> None:
    account = demo.account("auditor", scope=scope)
    headers = demo.bearer(account)
    paged = every_page(demo, headers)
    assert sorted(key(f) for f in paged) == reaudit(demo, account)
    assert len({(f["case"], f["rule"], f["kind"], f["due"], f["at"]) for f in paged}) == len(paged)
    whole = demo.client.get("/audit", params={"limit": 2000}, headers=headers).json()
    assert sorted(map(key, whole["findings"])) == sorted(map(key, paged))
    if scope == "province":
        assert paged, "the demo has findings"


def test_filters_narrow_the_findings_and_bad_ones_are_refused(demo: World) -> None:
    headers = demo.headers("auditor", scope="province")
    everything = every_page(demo, headers)
    rule, n = Counter(f["rule"] for f in everything).most_common(1)[0]
    only = every_page(demo, headers, rule=rule)
    assert len(only) == n and {f["rule"] for f in only} == {rule}
    org = sorted({f["org"] for f in everything if f["org"]})[0]
    assert {f["org"] for f in every_page(demo, headers, org=org)} == {org}
    closed = every_page(demo, headers, status="closed")
    still_open = every_page(demo, headers, status="open")
    assert len(closed) + len(still_open) == len(everything)
    for bad, code in (
        ({"status": "done"}, "invalid_filter"),
        ({"kind": "bad"}, "invalid_filter"),
        ({"after": "not-a-cursor"}, "invalid_cursor"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "invalid_period"),
    ):
        answer = demo.client.get("/audit", params=bad, headers=headers)
        assert answer.status_code == 422, bad
        assert answer.json()["code"] == code
        assert re.search(r"[\u4e00-\u9fff]", answer.json()["message"])


def test_stats_from_the_counters_are_the_old_grouped_figures(demo: World) -> None:
    account = demo.account("auditor", scope="province")
    stats = demo.client.get("/stats", headers=demo.bearer(account)).json()
    scope = visibility(account)
    reads = demo.services.reads
    old = reads.statistics(scope, datetime.now(UTC))
    for name in ("cases", "by_status", "by_process", "by_outcome", "deadline_within_3_days"):
        assert stats[name] == old[name], name
    assert stats["findings_by_rule"] == dict(
        sorted(Counter(k[1] for k in reaudit(demo, account)).items())
    )
    rolled = demo.services.orgs.roll_up(reads.cases_by_org(scope))
    assert (stats["by_city"], stats["by_county"]) == (rolled["city"], rolled["county"])


def test_the_dashboard_files_findings_under_the_organisations_the_api_does(demo: World) -> None:
    client = TestClient(demo.app)
    login = client.get("/ui/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login)
    assert csrf is not None
    client.post(
        "/ui/login",
        data={"username": "auditor", "password": "auditor-demo", "csrf_token": csrf.group(1)},
    )
    headers = demo.headers("auditor", scope="province")
    by_org = Counter(f["org"] for f in every_page(demo, headers))
    page = client.get("/ui/audit").text
    table = page.split('id="h-org"')[1].split("</table>")[0]
    shown = dict(re.findall(r'<tr><td>([^<]+)</td><td class="n">(\d+)</td></tr>', table))
    assert {o: int(n) for o, n in shown.items()} == dict(by_org)
