"""A case names the rule pack and calendar its deadlines were reckoned under: in its row, its
API view, its event log (data.reckoned) and every deadline explanation on its page (issue 14:
"a test that a case's deadline explanations name its pack version"; issue 17)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from html import unescape
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import add_demo_users
from api.settings import Settings
from engine.reckoning import period_activities
from engine.services import Engine
from standard_rules.versions import pack_version
from tests.integration.web.test_pages import sign_in
from tests.integration.web.test_provisional_marks import SHANGHAI, in_mediation

CASE = "(2026)浙1082民诉前调0931号"
AGREEMENT = (
    'name = "临海市法院与临海市消保委协议"\n\n[[override]]\nrule = "R16"\n'
    'period = "mediation_pre_filing"\ndays = 45\nreason = "委派调解延长"\n'
)


def _app(tmp_path: Path, local: tuple[Path, ...] = ()) -> tuple[TestClient, Engine]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'suitiao.db'}",
        secret_key="versions-secret-" + "x" * 40,
        state_dir=tmp_path,
        local_rules=local,
    )
    app = create_app(settings, timers=False)
    add_demo_users(app.state.services.accounts)
    return TestClient(app), app.state.engine


@pytest.fixture
def opened(tmp_path: Path) -> Iterator[tuple[TestClient, Engine]]:
    client, engine = _app(tmp_path)
    in_mediation(engine, CASE, datetime(2026, 10, 12, 9, tzinfo=SHANGHAI))
    yield client, engine
    engine.store.engine.dispose()


def explanations(client: TestClient) -> list[str]:
    page = client.get(f"/ui/cases/{quote(CASE, safe='')}").text
    found = re.findall(r'<div class="why">(.*?)</div>', page, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", w)) for w in found]


def test_the_case_row_api_and_log_name_the_versions(opened: tuple[TestClient, Engine]) -> None:
    client, engine = opened
    expected = pack_version(engine.pack).id
    assert engine.case(CASE).pack_version == expected
    assert engine.case(CASE).calendar_version == engine.calendar.version.id
    token = client.post(
        "/auth/token", data={"username": "mediator", "password": "mediator-demo"}
    ).json()["access_token"]
    body = client.get(f"/cases/{CASE}", headers={"Authorization": f"Bearer {token}"}).json()
    assert body["pack_version"] == expected
    assert body["calendar_version"] == engine.calendar.version.id
    stamps = {e.activity: e.data.get("reckoned") for e in engine.events(CASE)}
    stamp = {"pack": expected, "calendar": engine.calendar.version.id}
    # dispute_received starts R01, referral_received R16: both carry the stamp
    assert stamps["dispute_received"] == stamp
    assert stamps["referral_received"] == stamp
    starting = period_activities(engine.pack)
    assert {a for a, s in stamps.items() if s is not None} == set(stamps) & starting


def test_every_deadline_explanation_names_the_case_pack_version(
    opened: tuple[TestClient, Engine],
) -> None:
    client, engine = opened
    sign_in(client, "mediator")
    found = explanations(client)
    assert found, "the case page explains its deadlines"
    version = pack_version(engine.pack).id
    for text in found:
        assert f"规则包 {version}" in text, text
    assert f"规则包：<code>{version}</code>" in client.get(f"/ui/cases/{quote(CASE, safe='')}").text


def test_a_case_reckoned_under_an_earlier_pack_says_so(tmp_path: Path) -> None:
    client, engine = _app(tmp_path)
    in_mediation(engine, CASE, datetime(2026, 10, 12, 9, tzinfo=SHANGHAI))
    before = pack_version(engine.pack).id
    engine.store.engine.dispose()
    agreement = tmp_path / "linhai.toml"
    agreement.write_text(AGREEMENT, encoding="utf-8")
    client, engine = _app(tmp_path, (agreement,))
    after = pack_version(engine.pack).id
    assert after != before
    sign_in(client, "mediator")
    found = explanations(client)
    assert any(f"计算时规则包 {before}（此处按现行规则包 {after} 重算）" in t for t in found), found
    assert engine.case(CASE).pack_version == before, "nothing re-reckons the case by itself"
    engine.store.engine.dispose()
