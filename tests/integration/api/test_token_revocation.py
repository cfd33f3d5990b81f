"""Tokens stop working at once on each revocation event: signing out (API and pages),
deactivation, deletion, a password reset, a role or organisation change."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.api.conftest import World

PASSWORD = "first-password"  # noqa: S105


def make_user(world: World, username: str) -> dict[str, str]:
    body = {
        "username": username,
        "password": PASSWORD,
        "role": "court_clerk",
        "org": "临海市人民法院",
        "display_name": "王书记员",
    }
    made = world.client.post("/users", json=body, headers=world.headers("admin"))
    assert made.status_code == 201, made.text
    return sign_in(world, username, PASSWORD)


def sign_in(world: World, username: str, password: str) -> dict[str, str]:
    answer = world.client.post("/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def me(world: World, headers: dict[str, str]) -> int:
    return world.client.get("/me", headers=headers).status_code


def admin(world: World, method: str, url: str, body: Any = None) -> Any:
    return world.client.request(method, url, json=body, headers=world.headers("admin"))


EVENTS: dict[str, Callable[[World, str, dict[str, str]], Any]] = {
    "logout": lambda w, u, h: w.client.post("/auth/logout", headers=h),
    "deactivation": lambda w, u, h: admin(w, "PATCH", f"/users/{u}", {"active": False}),
    "deletion": lambda w, u, h: admin(w, "DELETE", f"/users/{u}"),
    "password reset": lambda w, u, h: admin(
        w, "POST", f"/users/{u}/password", {"password": "second-password"}
    ),
    "role change": lambda w, u, h: admin(
        w, "PATCH", f"/users/{u}", {"role": "mediator", "org": "临海市消保委"}
    ),
    "organisation change": lambda w, u, h: admin(
        w, "PATCH", f"/users/{u}", {"org": "天台县人民法院"}
    ),
}


@pytest.mark.parametrize("event", EVENTS)
def test_each_event_revokes_the_tokens_issued_before(fresh: World, event: str) -> None:
    username = "u-" + str(abs(hash(event)) % 10_000)
    first = make_user(fresh, username)
    second = sign_in(fresh, username, PASSWORD)  # another device
    assert (me(fresh, first), me(fresh, second)) == (200, 200)
    answer = EVENTS[event](fresh, username, first)
    assert answer.status_code in (200, 204), answer.text
    assert (me(fresh, first), me(fresh, second)) == (401, 401)
    failed = fresh.client.get("/cases", headers=first)
    assert failed.status_code == 401 and failed.json()["code"] == "unauthenticated"


def test_after_each_event_who_may_sign_in_again(fresh: World) -> None:
    def token_status(username: str, password: str) -> int:
        data = {"username": username, "password": password}
        return fresh.client.post("/auth/token", data=data).status_code

    make_user(fresh, "again")
    fresh.client.post("/auth/logout", headers=sign_in(fresh, "again", PASSWORD))
    assert token_status("again", PASSWORD) == 200  # signing out is not a lock-out
    admin(fresh, "POST", "/users/again/password", {"password": "second-password"})
    assert (token_status("again", PASSWORD), token_status("again", "second-password")) == (401, 200)
    admin(fresh, "PATCH", "/users/again", {"role": "mediator", "org": "临海市消保委"})
    new = sign_in(fresh, "again", "second-password")
    assert fresh.client.get("/me", headers=new).json()["role"] == "mediator"
    admin(fresh, "PATCH", "/users/again", {"active": False})
    assert token_status("again", "second-password") == 401
    admin(fresh, "PATCH", "/users/again", {"active": True})
    assert token_status("again", "second-password") == 200
    admin(fresh, "DELETE", "/users/again")
    assert token_status("again", "second-password") == 401


def test_a_refused_change_changes_nothing_and_revokes_nothing(fresh: World) -> None:
    headers = make_user(fresh, "steady")
    wrong = admin(fresh, "PATCH", "/users/steady", {"role": "mediator"})  # org is a court
    assert wrong.status_code == 422
    assert (wrong.json()["code"], wrong.json()["field"]) == ("wrong_org_kind", "org")
    assert me(fresh, headers) == 200
    assert fresh.client.get("/me", headers=headers).json()["role"] == "court_clerk"
    missing = admin(fresh, "PATCH", "/users/nobody", {"active": False})
    assert missing.status_code == 404 and missing.json()["field"] == "username"
    own = admin(fresh, "DELETE", "/users/admin-own")
    assert own.status_code == 422 and own.json()["code"] == "own_account"


def test_an_api_key_has_no_session_to_end(fresh: World) -> None:
    made = admin(
        fresh, "POST", "/api-keys", {"name": "系统", "role": "court_clerk", "org": "浙1082"}
    )
    key = {"X-API-Key": made.json()["key"]}
    answer = fresh.client.post("/auth/logout", headers=key)
    assert answer.status_code == 400 and answer.json()["code"] == "not_a_session"


def test_signing_out_of_the_pages_revokes_the_session_token(fresh: World) -> None:
    make_user(fresh, "pages")
    client = fresh.client
    client.cookies.clear()
    page = client.get("/ui/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    data = {"username": "pages", "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/ui/login", data=data, follow_redirects=False).status_code == 303
    session = next(v for k, v in client.cookies.items() if "session" in k)
    bearer = {"Authorization": f"Bearer {session}"}
    assert me(fresh, bearer) == 200
    inbox = client.get("/ui/inbox").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', inbox)
    assert csrf is not None
    client.post("/ui/logout", data={"csrf_token": csrf.group(1)}, follow_redirects=False)
    assert me(fresh, bearer) == 401  # a copy of the cookie is no use either
    client.cookies.clear()


def test_a_deactivated_person_is_signed_out_of_the_pages_at_once(fresh: World) -> None:
    make_user(fresh, "paged")
    client = fresh.client
    client.cookies.clear()
    page = client.get("/ui/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    data = {"username": "paged", "password": PASSWORD, "csrf_token": token.group(1)}
    client.post("/ui/login", data=data, follow_redirects=False)
    assert client.get("/ui/inbox", follow_redirects=False).status_code == 200
    admin(fresh, "PATCH", "/users/paged", {"active": False})
    answer = client.get("/ui/inbox", follow_redirects=False)
    assert answer.status_code == 303 and "/ui/login" in answer.headers["location"]
    client.cookies.clear()


def test_the_timeline_names_people_by_their_display_name(fresh: World) -> None:
    headers = make_user(fresh, "wangsj")  # display name 王书记员
    case_id = fresh.case_at("record_consent")
    answer = fresh.client.post(
        f"/cases/{case_id}/consent", json={"action": "consent"}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    events = fresh.client.get(f"/cases/{case_id}/events", headers=headers).json()
    consent = next(e for e in events if e["activity"] == "consent_given")
    assert (consent["actor"], consent["actor_name"]) == ("wangsj", "王书记员")
