"""Signing in, API keys, what each role sees (scoping and masking), my tasks, the event feed."""

from __future__ import annotations

import io
import time

import jwt
import pytest

from api.demo import DEMO_USERS, add_demo_users
from api.security import hash_password
from storage.accounts import Account
from tests.integration.api.conftest import COURT_A, CPA_A, SECRET, World


def _sign_in(world: World, username: str, password: str) -> dict[str, str]:
    response = world.client.post("/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"  # noqa: S105 - the OAuth2 token type
    assert body["expires_in"] == 15 * 60
    return {"Authorization": f"Bearer {body['access_token']}"}


def test_password_sign_in(fresh: World) -> None:
    fresh.services.accounts.add_user(
        username="wang", password_hash=hash_password("s3cret-pass"), role="judge", org=COURT_A
    )
    headers = _sign_in(fresh, "wang", "s3cret-pass")
    me = fresh.client.get("/me", headers=headers).json()
    assert (me["id"], me["role"], me["org"]) == ("wang", "judge", COURT_A)
    wrong = fresh.client.post("/auth/token", data={"username": "wang", "password": "nope-nope"})
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "invalid_credentials"
    stored = fresh.services.accounts.user("wang")
    assert stored is not None and stored[1].startswith("$argon2id$")


def test_an_expired_or_forged_token_is_401(world: World) -> None:
    now = int(time.time())
    claims = {"iss": "suitiao", "sub": "x", "role": "judge", "org": COURT_A, "iat": now - 1000}
    expired = jwt.encode({**claims, "exp": now - 10}, SECRET, algorithm="HS256")
    forged = jwt.encode({**claims, "exp": now + 600}, "another-secret-" * 4, algorithm="HS256")
    unsigned = jwt.encode({**claims, "exp": now + 600}, None, algorithm="none")
    for token in (expired, forged, unsigned):
        response = world.client.get("/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


def test_api_keys_for_systems(fresh: World) -> None:
    admin = fresh.headers("admin")
    made = fresh.client.post(
        "/api-keys", json={"name": "法院系统", "role": "court_clerk", "org": COURT_A}, headers=admin
    )
    assert made.status_code == 201
    key = made.json()["key"]
    system = {"X-API-Key": key}
    assert fresh.client.get("/me", headers=system).json()["kind"] == "api_key"
    body = {"process_id": "pre_filing_referral", "case_id": "（2026）浙1082民诉前调8001号"}
    assert fresh.client.post("/cases", json=body, headers=system).status_code == 201
    listed = fresh.client.get("/api-keys", headers=admin).json()
    assert all("key" not in item for item in listed)
    revoked = fresh.client.delete(f"/api-keys/{made.json()['id']}", headers=admin)
    assert revoked.status_code == 204
    assert fresh.client.get("/me", headers=system).status_code == 401


def test_auditors_see_numbers_masked_and_others_in_full(world: World) -> None:
    case_id = world.case_at("sign_for_referral")
    seen = {
        role: world.client.get(f"/cases/{case_id}", headers=world.headers(role)).json()["facts"]
        for role in ("court_clerk", "judge", "mediator", "auditor")
    }
    for role in ("court_clerk", "judge", "mediator"):
        assert seen[role]["consumer"]["id_number"] == "11010519491231002X"
        assert seen[role]["consumer"]["phone"] == "13812345678"
    assert seen["auditor"]["consumer"]["id_number"] == "110105********002X"
    assert seen["auditor"]["consumer"]["phone"] == "138****5678"
    listed = world.client.get("/cases", headers=world.headers("auditor")).json()["items"]
    assert all("13812345678" not in str(item) for item in listed)


def test_a_provincial_auditor_reads_every_organisation(fresh: World) -> None:
    own, elsewhere = fresh.case_at("refer"), fresh.open("complaint_mediation")
    local = fresh.client.get("/cases", headers=fresh.headers("auditor", "other")).json()
    assert local["items"] == []
    province = fresh.headers("auditor", "other", scope="province")
    ids = {c["id"] for c in fresh.client.get("/cases", headers=province).json()["items"]}
    assert {own, elsewhere} <= ids
    assert fresh.client.get("/stats", headers=province).json()["cases"] == 2


def test_scoping_of_lists(fresh: World) -> None:
    referred, not_yet = fresh.case_at("sign_for_referral"), fresh.case_at("record_consent")

    def ids(role: str, side: str = "own") -> set[str]:
        page = fresh.client.get("/cases", headers=fresh.headers(role, side)).json()
        return {c["id"] for c in page["items"]}

    assert ids("court_clerk") == ids("judge") == {referred, not_yet}
    assert ids("mediator") == {referred}  # a case reaches the 消保委 when it is referred
    assert ids("court_clerk", "other") == ids("mediator", "other") == set()


def test_my_tasks_are_those_i_may_act_on_with_due_dates(fresh: World) -> None:
    fresh.case_at("record_consent")
    received = fresh.case_at("accept_referral")
    clerk = fresh.client.get("/tasks", headers=fresh.headers("court_clerk")).json()
    assert [t["task"]["bpmn_id"] for t in clerk] == ["record_consent"]
    mediator = fresh.client.get("/tasks", headers=fresh.headers("mediator")).json()
    assert [(t["case_id"], t["task"]["bpmn_id"]) for t in mediator] == [
        (received, "accept_referral")
    ]
    assert mediator[0]["task"]["due"] is not None  # R06: 3 working days from receipt
    assert mediator[0]["task"]["actionable"] is True
    assert fresh.client.get("/tasks", headers=fresh.headers("judge")).json() == []


def test_the_event_feed_follows_cases_without_polling_each(fresh: World) -> None:
    case_id = fresh.case_at("sign_for_referral")
    clerk, mediator = fresh.headers("court_clerk"), fresh.headers("mediator")
    page = fresh.client.get("/events", params={"after": 0}, headers=clerk).json()
    assert [e["activity"] for e in page["events"]] == [
        "dispute_received",
        "consent_given",
        "referred",
    ]
    cursor = page["next_after"]
    fresh.client.post(f"/cases/{case_id}/receipt", json={"action": "sign"}, headers=mediator)
    newer = fresh.client.get("/events", params={"after": cursor}, headers=clerk).json()
    assert [e["activity"] for e in newer["events"]] == ["referral_received"]
    assert newer["next_after"] > cursor
    again = fresh.client.get("/events", params={"after": newer["next_after"]}, headers=clerk)
    assert again.json() == {"events": [], "next_after": newer["next_after"]}
    other = fresh.client.get("/events", headers=fresh.headers("court_clerk", "other")).json()
    assert other["events"] == []


def test_timeline_audit_and_reference(world: World) -> None:
    case_id = world.case_at("mediate")
    clerk = world.headers("court_clerk")
    timeline = world.client.get(f"/cases/{case_id}/events", headers=clerk).json()
    assert timeline[0]["activity"] == "dispute_received"
    assert timeline[0]["activity_zh"]
    report = world.client.get(
        f"/cases/{case_id}/audit", params={"as_of": "2099-01-01T00:00:00+08:00"}, headers=clerk
    ).json()
    assert report["cases"] == 1
    assert any(f["rule"] == "R16" and f["kind"] == "missing" for f in report["findings"])
    bad = world.client.get(f"/cases/{case_id}/audit", params={"as_of": "2099-01-01"}, headers=clerk)
    assert (bad.status_code, bad.json()["field"]) == (422, "as_of")
    rule = world.client.get("/rules/R16", headers=clerk).json()
    assert rule["parameters"][0]["days"] == 30
    assert world.client.get("/rules/R99", headers=clerk).status_code == 404
    due = world.client.get(
        "/calendar/due", params={"from": "2026-09-28", "days": 3, "unit": "working"}, headers=clerk
    ).json()
    assert due["due"] == "2026-10-08"


def test_admin_makes_users_who_can_sign_in(fresh: World) -> None:
    admin = fresh.headers("admin")
    body = {"username": "li", "password": "long-enough", "role": "mediator", "org": CPA_A}
    assert fresh.client.post("/users", json=body, headers=admin).status_code == 201
    again = fresh.client.post("/users", json=body, headers=admin)
    assert (again.status_code, again.json()["code"]) == (409, "user_exists")
    assert (
        fresh.client.get("/me", headers=_sign_in(fresh, "li", "long-enough")).json()["org"] == CPA_A
    )
    short = fresh.client.post("/users", json={**body, "password": "short"}, headers=admin)
    assert (short.status_code, short.json()["field"]) == (422, "password")


def test_demo_users_one_per_role_once(fresh: World) -> None:
    created = add_demo_users(fresh.services.accounts)
    assert sorted(created) == sorted(u[0] for u in DEMO_USERS)
    assert add_demo_users(fresh.services.accounts) == []
    roles = {a.role for a in fresh.services.accounts.users()}
    assert roles == {"court_clerk", "judge", "mediator", "auditor", "admin", "supervisor"}
    username, password = DEMO_USERS[0][:2]
    _sign_in(fresh, username, password)
    # The heads who assign tasks, one of the court and one of the committee (issue 13).
    heads = {(u[0], u[3]) for u in DEMO_USERS if u[2] == "supervisor"}
    assert heads == {("court-head", "临海市人民法院"), ("cpa-head", "临海市消保委")}
    _sign_in(fresh, "cpa-head", "cpa-head-demo")


def test_cli_user_add(tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    from api import cli

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setattr("sys.stdin", io.StringIO("a-good-password\n"))
    code = cli.main(
        ["user", "add", "zhao", "--role", "court_clerk", "--org", COURT_A, "--password-stdin"]
    )
    assert code == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a-good-password\n"))
    again = ["user", "add", "zhao", "--role", "court_clerk", "--org", COURT_A, "--password-stdin"]
    assert cli.main(again) == 2
    accounts = cli._accounts()
    found = accounts.user("zhao")
    assert found is not None
    assert found[0] == Account("zhao", "zhao", "court_clerk", COURT_A)
