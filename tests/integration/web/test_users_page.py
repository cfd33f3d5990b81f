# ruff: noqa: S106 -- test passwords
"""The admin's page of people: organisations from the registry, each change effective at once."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import add_demo_users
from api.settings import Settings
from tests.integration.web.test_pages import csrf, sign_in


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'suitiao.db'}",
        secret_key="web-secret-" + "x" * 40,
        state_dir=tmp_path,
    )
    app = create_app(settings, timers=False)
    add_demo_users(app.state.services.accounts)
    yield TestClient(app)
    app.state.engine.store.engine.dispose()


def create(client: TestClient, **fields: str) -> tuple[int, str]:
    token = csrf(client.get("/ui/users").text)
    answer = client.post("/ui/users", data={"csrf_token": token, **fields}, follow_redirects=False)
    return answer.status_code, answer.text


def change(client: TestClient, username: str, **fields: str) -> tuple[int, str]:
    token = csrf(client.get("/ui/users").text)
    data = {"csrf_token": token, **fields}
    answer = client.post(f"/ui/users/{username}", data=data, follow_redirects=False)
    return answer.status_code, answer.text


def test_only_admins_see_it_and_it_is_their_home(client: TestClient) -> None:
    sign_in(client, "clerk")
    assert client.get("/ui/users").status_code == 403
    sign_in(client, "admin")
    page = client.get("/ui/users", follow_redirects=False)
    assert page.status_code == 200 and "用户管理" in page.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/ui/users"
    assert not re.search(r'<input[^>]*name="org"', page.text), "the organisation is a pick-list"
    assert '<option value="临海市消保委">' in page.text


def test_create_refuses_an_org_outside_the_registry_or_of_the_wrong_kind(
    client: TestClient,
) -> None:
    sign_in(client, "admin")
    fields = {"username": "wang", "password": "long-enough", "role": "court_clerk"}
    status, text = create(client, **fields, org="临海消保委")
    assert status == 422 and "不在浙江省组织名录中" in html.unescape(text)
    status, text = create(client, **fields, org="临海市消保委")
    assert status == 422 and "所属单位须为法院" in html.unescape(text)
    status, _ = create(client, **fields, org="临海市人民法院", display_name="王书记员")
    assert status == 303
    listed = client.get("/ui/users").text
    assert "王书记员" in listed
    assert client.app.state.services.accounts.user("wang") is not None  # type: ignore[attr-defined]


def test_each_change_ends_the_persons_session_at_once(client: TestClient) -> None:
    sign_in(client, "admin")
    create(client, username="li", password="long-enough", role="judge", org="临海市人民法院")
    person = TestClient(client.app)
    token = csrf(person.get("/ui/login").text)
    data = {"username": "li", "password": "long-enough", "csrf_token": token}
    assert person.post("/ui/login", data=data, follow_redirects=False).status_code == 303
    assert person.get("/ui/cases", follow_redirects=False).status_code == 200
    assert change(client, "li", action="update", role="mediator", org="临海市消保委")[0] == 303
    assert person.get("/ui/cases", follow_redirects=False).status_code == 303  # signed out
    accounts = client.app.state.services.accounts  # type: ignore[attr-defined]
    found = accounts.user("li")
    assert found is not None and (found[0].role, found[0].org) == ("mediator", "临海市消保委")
    assert change(client, "li", action="password", password="short")[0] == 422
    assert change(client, "li", action="password", password="another-one")[0] == 303
    assert change(client, "li", action="deactivate")[0] == 303
    assert not accounts.user("li")[0].active
    assert change(client, "admin", action="delete")[0] == 422  # not oneself
    assert change(client, "li", action="delete")[0] == 303
    assert accounts.user("li") is None
