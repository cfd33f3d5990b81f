"""Every operation × every role × own/other organisation, with the exact status expected.

The rows are checked against the app's OpenAPI document: an operation added without a row
fails this test.
Reading: a case of another organisation answers 404 (its existence is not revealed); a role
that may never perform an operation gets 403 before any case is looked up; the engine's own
check (this task is not for your role, or for your organisation's side) is a 403 too.
Columns: court_clerk, judge, mediator, auditor, admin, supervisor; each "own/other" (a supervisor's
own organisation is the intermediate court above the case's court).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from storage.accounts import Account, AccountExists
from tests.integration.api.conftest import ROLES, TOKEN_ONLY, World

PUBLIC = {
    ("GET", "/healthz"),
    ("POST", "/auth/token"),
}
_counter = itertools.count(1)

Request = tuple[str, dict[str, Any] | None, dict[str, Any] | None]  # url, json, query


@dataclass(frozen=True)
class Row:
    expect: str  # "clerk judge mediator auditor admin supervisor", each "own/other"
    request: Callable[[World], Request]

    def status(self, role: str, side: str) -> int:
        cell = self.expect.split()[ROLES.index(role)]
        own, other = cell.split("/")
        return int(own if side == "own" else other)


def at(bpmn_id: str, suffix: str, body: dict[str, Any]) -> Callable[[World], Request]:
    def make(world: World) -> Request:
        return f"/cases/{world.case_at(bpmn_id)}{suffix}", body, None

    return make


def fixed(url: str, body: dict[str, Any] | None = None, **query: Any) -> Callable[[World], Request]:
    return lambda world: (url, body, query or None)


def new_case(world: World) -> Request:
    body = {"process_id": "pre_filing_referral", "case_id": world.new_id(), "facts": {}}
    return "/cases", body, None


def new_user(_world: World) -> Request:
    body = {"username": f"u{next(_counter)}", "password": "long-enough", "role": "judge"}
    return "/users", {**body, "org": "临海市人民法院"}, None


def a_user(suffix: str, body: dict[str, Any] | None = None) -> Callable[[World], Request]:
    def make(world: World) -> Request:
        username = f"m{next(_counter)}"
        world.services.accounts.add_user(
            username=username, password_hash=TOKEN_ONLY, role="judge", org="临海市人民法院"
        )
        return f"/users/{username}{suffix}", body, None

    return make


def assignment(body: dict[str, Any] | None) -> Callable[[World], Request]:
    """A court task of 临海's (its clerk to assign it to): only a supervisor over the court
    assigns, so 台州's intermediate court may and 杭州's does not see the case."""

    def make(world: World) -> Request:
        with contextlib.suppress(AccountExists):
            world.services.accounts.add_user(
                username="clerk-assignee",
                password_hash=TOKEN_ONLY,
                role="court_clerk",
                org="临海市人民法院",
            )
        return f"/cases/{world.case_at('record_consent')}/tasks/record_consent/assignee", body, None

    return make


def new_key(world: World) -> Request:
    _, secret = world.services.accounts.add_key(name="k", role="court_clerk", org="临海市人民法院")
    key_id = secret.removeprefix("stk_").split("_")[0]
    return f"/api-keys/{key_id}", None, None


# A supervisor reads what is below it and acts on no step (403 before any look-up); it assigns
# the steps of the organisations below it to one of their people.
READ_CASE = "200/404 200/404 200/404 200/404 403/403 200/404"
COURT_STEP = "200/404 403/404 404/404 403/403 403/403 403/403"  # before referral: no mediator yet
MEDIATOR_STEP = "403/404 403/404 200/404 403/403 403/403 403/403"
JUDGE_STEP = "403/404 200/404 403/404 403/403 403/403 403/403"
ALL_READERS = "200/200 200/200 200/200 200/200 403/403 200/200"
EVERYONE = "200/200 200/200 200/200 200/200 200/200 200/200"
AUDITOR_ONLY = "403/403 403/403 403/403 200/200 403/403 403/403"
SUPERVISOR_ONLY = "403/403 403/403 403/403 403/403 403/403 200/404"  # assigning a task


def admin_only(status: int) -> str:
    return f"403/403 403/403 403/403 403/403 {status}/{status} 403/403"


MATRIX: dict[tuple[str, str], Row] = {
    ("GET", "/me"): Row(EVERYONE, fixed("/me")),
    ("GET", "/users"): Row(admin_only(200), fixed("/users")),
    ("POST", "/users"): Row(admin_only(201), new_user),
    ("PATCH", "/users/{username}"): Row(admin_only(200), a_user("", {"display_name": "王法官"})),
    ("DELETE", "/users/{username}"): Row(admin_only(204), a_user("")),
    ("POST", "/users/{username}/password"): Row(
        admin_only(204), a_user("/password", {"password": "a-new-password"})
    ),
    ("POST", "/auth/logout"): Row(
        "204/204 204/204 204/204 204/204 204/204 204/204", fixed("/auth/logout")
    ),
    ("GET", "/api-keys"): Row(admin_only(200), fixed("/api-keys")),
    ("POST", "/api-keys"): Row(
        admin_only(201),
        fixed("/api-keys", {"name": "法院系统", "role": "court_clerk", "org": "临海市人民法院"}),
    ),
    ("DELETE", "/api-keys/{key_id}"): Row(admin_only(204), new_key),
    ("GET", "/cases"): Row(ALL_READERS, fixed("/cases")),
    # The number is 临海's (浙1082): the other court's clerk may not register under it.
    ("POST", "/cases"): Row("201/422 403/403 403/403 403/403 403/403 403/403", new_case),
    ("GET", "/cases/{case_id}"): Row(READ_CASE, at("sign_for_referral", "", {})),
    ("GET", "/cases/{case_id}/events"): Row(READ_CASE, at("sign_for_referral", "/events", {})),
    ("GET", "/cases/{case_id}/audit"): Row(READ_CASE, at("sign_for_referral", "/audit", {})),
    ("GET", "/cases/{case_id}/documents"): Row(
        READ_CASE, at("sign_for_referral", "/documents", {})
    ),
    # The 委派调解函 exists once the case is referred: the court and the mediator may produce it.
    ("POST", "/cases/{case_id}/documents/{kind}"): Row(
        "200/404 200/404 200/404 403/403 403/403 403/403",
        at(
            "sign_for_referral",
            "/documents/assignment_letter",
            {
                "fields": {
                    "business_name": "临海某家电有限公司",
                    "summary": "空调质量纠纷",
                    "materials": "起诉状、证据材料",
                    "handler": "王书记员",
                    "handler_phone": "0576-85000000",
                }
            },
        ),
    ),
    ("POST", "/cases/{case_id}/tasks/{task_id}"): Row(
        MEDIATOR_STEP, at("sign_for_referral", "/tasks/sign_for_referral", {"action": "sign"})
    ),
    ("POST", "/cases/{case_id}/consent"): Row(
        COURT_STEP, at("record_consent", "/consent", {"action": "consent"})
    ),
    ("POST", "/cases/{case_id}/referral"): Row(
        COURT_STEP, at("refer", "/referral", {"action": "refer", "mediator_org": "临海市消保委"})
    ),
    ("POST", "/cases/{case_id}/receipt"): Row(
        MEDIATOR_STEP, at("sign_for_referral", "/receipt", {"action": "sign"})
    ),
    ("POST", "/cases/{case_id}/acceptance"): Row(
        MEDIATOR_STEP, at("accept_referral", "/acceptance", {"action": "accept"})
    ),
    ("POST", "/cases/{case_id}/notice"): Row(
        MEDIATOR_STEP, at("notify_parties", "/notice", {"action": "notify"})
    ),
    ("POST", "/cases/{case_id}/mediation"): Row(
        MEDIATOR_STEP, at("mediate", "/mediation", {"action": "start"})
    ),
    ("POST", "/cases/{case_id}/follow-up"): Row(
        MEDIATOR_STEP, at("agreement_follow_up", "/follow-up", {"action": "performed"})
    ),
    ("POST", "/cases/{case_id}/registration"): Row(
        COURT_STEP, at("register_case", "/registration", {"action": "register"})
    ),
    ("POST", "/cases/{case_id}/confirmation/acceptance"): Row(
        JUDGE_STEP, at("decide_acceptance", "/confirmation/acceptance", {"action": "accept"})
    ),
    ("POST", "/cases/{case_id}/confirmation/ruling"): Row(
        JUDGE_STEP, at("rule_on_confirmation", "/confirmation/ruling", {"action": "valid"})
    ),
    ("PUT", "/cases/{case_id}/tasks/{task_id}/assignee"): Row(
        SUPERVISOR_ONLY, assignment({"username": "clerk-assignee"})
    ),
    ("DELETE", "/cases/{case_id}/tasks/{task_id}/assignee"): Row(SUPERVISOR_ONLY, assignment(None)),
    ("GET", "/tasks"): Row(ALL_READERS, fixed("/tasks")),
    ("GET", "/events"): Row(ALL_READERS, fixed("/events", after=0)),
    ("GET", "/audit"): Row(AUDITOR_ONLY, fixed("/audit")),
    ("GET", "/stats"): Row(AUDITOR_ONLY, fixed("/stats")),
    ("GET", "/rules"): Row(EVERYONE, fixed("/rules")),
    ("GET", "/orgs"): Row(EVERYONE, fixed("/orgs", kind="committee")),
    ("GET", "/orgs/{org}/committees"): Row(EVERYONE, fixed("/orgs/临海市人民法院/committees")),
    ("GET", "/case-numbers/next"): Row(
        "200/200 403/403 403/403 403/403 403/403 403/403", fixed("/case-numbers/next")
    ),
    ("GET", "/rules/{rule_id}"): Row(EVERYONE, fixed("/rules/R16")),
    ("GET", "/calendar/due"): Row(
        EVERYONE, fixed("/calendar/due", **{"from": "2026-09-28", "days": 3, "unit": "working"})
    ),
}


def _operations(world: World) -> set[tuple[str, str]]:
    """Every operation the app serves, as its OpenAPI document lists them."""
    paths = world.app.openapi()["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item}


def test_every_operation_has_a_row(world: World) -> None:
    operations = _operations(world) - PUBLIC
    assert set(MATRIX) == operations, (
        f"missing rows: {sorted(operations - set(MATRIX))}; "
        f"rows without an operation: {sorted(set(MATRIX) - operations)}"
    )


CELLS = [
    pytest.param(op, role, side, id=f"{op[0]} {op[1]} {role} {side}")
    for op in MATRIX
    for role in ROLES
    for side in ("own", "other")
]


@pytest.mark.parametrize(("operation", "role", "side"), CELLS)
def test_status(world: World, operation: tuple[str, str], role: str, side: str) -> None:
    row = MATRIX[operation]
    url, body, query = row.request(world)
    response = world.client.request(
        operation[0], url, json=body, params=query, headers=world.headers(role, side)
    )
    assert response.status_code == row.status(role, side), response.text
    if response.status_code >= 400:
        error = response.json()
        assert error["code"] and error["message"]


@pytest.mark.parametrize("operation", sorted(MATRIX), ids=lambda op: f"{op[0]} {op[1]}")
def test_without_credentials_401(world: World, operation: tuple[str, str]) -> None:
    url, body, query = MATRIX[operation].request(world)
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"X-API-Key": "stk_no_such"}):
        response = world.client.request(operation[0], url, json=body, params=query, headers=headers)
        assert response.status_code == 401, response.text
        assert response.json()["code"] == "unauthenticated"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_public_operations_need_no_credentials(world: World) -> None:
    assert world.client.get("/healthz").status_code == 200
    assert world.client.get("/openapi.json").status_code == 200
    assert world.client.get("/docs").status_code == 200
    response = world.client.post("/auth/token", data={"username": "nobody", "password": "x" * 8})
    assert response.status_code == 401


# -- the hierarchy: county, city and province auditors and supervisors; paired and unpaired
# committees ----------------------------------------------------------------------------------
# The case is 临海市人民法院's, referred to 临海市消保委 (county 临海市, city 台州市). Auditors see
# their organisation and everything below it; a committee acts only on what was referred to it,
# however high it sits. Columns: reading the case, signing for the referral.

HIERARCHY: dict[str, tuple[str, str, str, int, int]] = {
    # name: (role, organisation, scope, read, sign)
    "county auditor": ("auditor", "临海市消保委", "org", 200, 403),
    "city auditor": ("auditor", "台州市消保委", "org", 200, 403),
    "province committee auditor": ("auditor", "浙江省消保委", "org", 200, 403),
    "province-scope auditor": ("auditor", "浙江省消保委", "province", 200, 403),
    "another county's auditor": ("auditor", "天台县消保委", "org", 404, 403),
    "another city's auditor": ("auditor", "杭州市消保委", "org", 404, 403),
    "intermediate court auditor": ("auditor", "台州市中级人民法院", "org", 200, 403),
    "another intermediate court's auditor": ("auditor", "杭州市中级人民法院", "org", 404, 403),
    "paired committee": ("mediator", "临海市消保委", "org", 200, 200),
    "unpaired committee": ("mediator", "天台县消保委", "org", 404, 404),
    "city committee above the paired one": ("mediator", "台州市消保委", "org", 404, 404),
    # Supervisors see their side's cases of their organisation and below, and act on none.
    "the court's own supervisor": ("supervisor", "临海市人民法院", "org", 200, 403),
    "intermediate court supervisor": ("supervisor", "台州市中级人民法院", "org", 200, 403),
    "high court supervisor": ("supervisor", "浙江省高级人民法院", "org", 200, 403),
    "another county court's supervisor": ("supervisor", "天台县人民法院", "org", 404, 403),
    "another city's court supervisor": ("supervisor", "杭州市中级人民法院", "org", 404, 403),
    "paired committee's head": ("supervisor", "临海市消保委", "org", 200, 403),
    "city committee head above it": ("supervisor", "台州市消保委", "org", 200, 403),
    "province committee head": ("supervisor", "浙江省消保委", "org", 200, 403),
    "unpaired committee's head": ("supervisor", "天台县消保委", "org", 404, 403),
    "another city's committee head": ("supervisor", "杭州市消保委", "org", 404, 403),
}


def _headers(world: World, name: str) -> dict[str, str]:
    role, org, scope, _, _ = HIERARCHY[name]
    return world.bearer(Account(f"h-{name}", name, role, org, scope))


@pytest.mark.parametrize("name", HIERARCHY)
def test_hierarchy_reading_and_acting(world: World, name: str) -> None:
    read, sign = HIERARCHY[name][3:]
    case_id = world.case_at("sign_for_referral")
    headers = _headers(world, name)
    for suffix in ("", "/events", "/audit", "/documents"):
        answer = world.client.get(f"/cases/{case_id}{suffix}", headers=headers)
        assert answer.status_code == read, (suffix, answer.text)
    answer = world.client.post(
        f"/cases/{case_id}/receipt", json={"action": "sign"}, headers=headers
    )
    assert answer.status_code == sign, answer.text


def test_hierarchy_lists_feeds_and_rolled_up_statistics(fresh: World) -> None:
    case_id = fresh.case_at("sign_for_referral")
    for name, (role, _, _, read, _) in HIERARCHY.items():
        headers = _headers(fresh, name)
        listed = [c["id"] for c in fresh.client.get("/cases", headers=headers).json()["items"]]
        fed = {e["case"] for e in fresh.client.get("/events", headers=headers).json()["events"]}
        assert (case_id in listed, case_id in fed) == (read == 200,) * 2, name
        if role != "auditor":
            continue
        stats = fresh.client.get("/stats", headers=headers).json()
        assert stats["cases"] == (1 if read == 200 else 0), name
        if read == 200:
            assert stats["by_county"] == {"临海市": 1}, name
            assert stats["by_city"] == {"台州市": 1} and stats["by_province"] == {"浙江省": 1}
