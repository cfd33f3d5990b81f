"""An auditor whose organisation has no cases downloads the statistics (was a 500)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import add_demo_users
from api.security import hash_password
from api.settings import Settings
from engine.services import Actor


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'suitiao.db'}",
        secret_key="stats-secret-" + "x" * 40,
        state_dir=tmp_path,
    )
    app = create_app(settings, timers=False)
    accounts = app.state.services.accounts
    add_demo_users(accounts)
    accounts.add_user(
        username="quiet",
        password_hash=hash_password("quiet-demo"),
        role="auditor",
        org="三门县消保委",
        display_name="三门审计",
        scope="org",
    )
    clerk = Actor("setup", "court_clerk", "临海市人民法院")
    app.state.engine.open_case(
        process_id="pre_filing_referral",
        case_id="A-1",
        actor=clerk,
        facts={"consumer": {"name": "张伟", "phone": "13812345678"}, "claim_amount": 100},
    )
    return TestClient(app)


def test_statistics_of_an_organisation_without_cases(client: TestClient) -> None:
    page = client.get("/ui/login").text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    answer = client.post(
        "/ui/login",
        data={"username": "quiet", "password": "quiet-demo", "csrf_token": found.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    download = client.get("/ui/audit/statistics.xlsx")
    assert download.status_code == 200, download.text[:500]
    book = openpyxl.load_workbook(__import__("io").BytesIO(download.content))
    assert "统计 Statistics" in book.sheetnames
    assert client.get("/ui/audit").status_code == 200
