"""Supervisors assign a waiting task to one person (issue 13): who may assign, to whom, and
that only the assignee may then complete the task."""

from __future__ import annotations

from typing import Any

import pytest

from storage.accounts import Account
from tests.integration.api.conftest import COURT_A, CPA_A, CPA_B, World

CITY_CPA = "台州市消保委"  # above 临海市消保委 in the registry


def person(world: World, login: str, role: str, org: str) -> dict[str, str]:
    return world.bearer(Account(login, f"{login}姓名", role, org))


def assign(world: World, case_id: str, task: str, who: dict[str, str], username: str) -> Any:
    path = f"/cases/{case_id}/tasks/{task}/assignee"
    return world.client.put(path, json={"username": username}, headers=who)


@pytest.fixture
def people(fresh: World) -> dict[str, dict[str, str]]:
    return {
        "a1": person(fresh, "med-a1", "mediator", CPA_A),
        "a2": person(fresh, "med-a2", "mediator", CPA_A),
        "b1": person(fresh, "med-b1", "mediator", CPA_B),
        "aud": person(fresh, "aud-a", "auditor", CPA_A),
        "clerk": person(fresh, "clerk-a", "court_clerk", COURT_A),
        "city_head": person(fresh, "head-taizhou", "supervisor", CITY_CPA),
        "county_head": person(fresh, "head-linhai", "supervisor", CPA_A),
        "other_head": person(fresh, "head-tiantai", "supervisor", CPA_B),
        "court_head": person(fresh, "head-court", "supervisor", COURT_A),
    }


def test_only_the_assignee_may_complete_and_the_next_task_starts_unassigned(
    fresh: World, people: dict[str, dict[str, str]]
) -> None:
    case_id = fresh.case_at("sign_for_referral")
    answer = assign(fresh, case_id, "sign_for_referral", people["city_head"], "med-a1")
    assert answer.status_code == 200, answer.text
    [task] = answer.json()["tasks"]
    assert (task["assignee"], task["assignee_name"]) == ("med-a1", "med-a1姓名")

    # Others of the organisation see it, assigned, and may not act on it.
    listed = fresh.client.get("/tasks", headers=people["a2"]).json()
    [mine] = [t["task"] for t in listed if t["case_id"] == case_id]
    assert mine["assignee_name"] == "med-a1姓名" and mine["actionable"] is False
    refused = fresh.client.post(
        f"/cases/{case_id}/receipt", json={"action": "sign"}, headers=people["a2"]
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "task_assigned_to_other"
    assert "med-a1姓名" in refused.json()["message"]

    # "Assigned to me" lists it for the assignee only.
    only = {"assigned_to_me": "true"}
    assert [
        t["case_id"] for t in fresh.client.get("/tasks", params=only, headers=people["a1"]).json()
    ] == [case_id]
    assert fresh.client.get("/tasks", params=only, headers=people["a2"]).json() == []

    done = fresh.client.post(
        f"/cases/{case_id}/receipt", json={"action": "sign"}, headers=people["a1"]
    )
    assert done.status_code == 200, done.text
    [following] = done.json()["tasks"]
    assert following["bpmn_id"] == "accept_referral" and following["assignee"] is None
    assert following["actionable"] is True  # anyone of the committee again
    [entry] = done.json()["facts"]["assignments"]
    assert (entry["to"], entry["by"], entry["by_name"]) == (
        "med-a1",
        "head-taizhou",
        "head-taizhou姓名",
    )
    assert fresh.client.get("/tasks", params=only, headers=people["a1"]).json() == []


def test_clearing_the_assignment_lets_the_organisation_act_again(
    fresh: World, people: dict[str, dict[str, str]]
) -> None:
    case_id = fresh.case_at("sign_for_referral")
    assert assign(fresh, case_id, "sign_for_referral", people["county_head"], "med-a1").is_success
    cleared = fresh.client.delete(
        f"/cases/{case_id}/tasks/sign_for_referral/assignee", headers=people["county_head"]
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["tasks"][0]["assignee"] is None
    history = cleared.json()["facts"]["assignments"]
    assert [h["to"] for h in history] == ["med-a1", None]
    done = fresh.client.post(
        f"/cases/{case_id}/receipt", json={"action": "sign"}, headers=people["a2"]
    )
    assert done.status_code == 200, done.text


def test_a_court_head_assigns_the_courts_tasks(
    fresh: World, people: dict[str, dict[str, str]]
) -> None:
    case_id = fresh.case_at("record_consent")
    answer = assign(fresh, case_id, "record_consent", people["court_head"], "clerk-a")
    assert answer.status_code == 200, answer.text
    assert answer.json()["tasks"][0]["assignee"] == "clerk-a"


@pytest.mark.parametrize(
    ("who", "username", "status", "code"),
    [
        ("a1", "med-a2", 403, "assign_not_supervisor"),  # a mediator assigns nothing
        ("other_head", "med-a1", 404, "case_not_found"),  # an unrelated county's head
        ("court_head", "med-a1", 403, "task_outside_scope"),  # the committee's task
        ("city_head", "nobody", 422, "assignee_unknown"),
        ("city_head", "med-b1", 422, "invalid_assignee"),  # of another committee
        ("city_head", "aud-a", 422, "invalid_assignee"),  # of the committee, not a mediator
        ("city_head", "clerk-a", 422, "invalid_assignee"),  # of the court
    ],
)
def test_each_refusal(
    fresh: World,
    people: dict[str, dict[str, str]],
    who: str,
    username: str,
    status: int,
    code: str,
) -> None:
    case_id = fresh.case_at("sign_for_referral")
    before = fresh.engine.case(case_id).version
    answer = assign(fresh, case_id, "sign_for_referral", people[who], username)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])
    if status == 422:
        assert body["field"] == "username"
    assert fresh.engine.case(case_id).version == before  # nothing written


def test_a_deactivated_user_a_task_no_longer_waiting_and_a_bad_body_are_refused(
    fresh: World, people: dict[str, dict[str, str]]
) -> None:
    case_id = fresh.case_at("sign_for_referral")
    fresh.services.accounts.set_active("med-a2", False)
    inactive = assign(fresh, case_id, "sign_for_referral", people["city_head"], "med-a2")
    assert inactive.status_code == 422 and inactive.json()["code"] == "assignee_inactive"
    assert inactive.json()["field"] == "username"
    gone = assign(fresh, case_id, "notify_parties", people["city_head"], "med-a1")
    assert gone.status_code == 409 and gone.json()["code"] == "task_not_found"
    empty = fresh.client.put(
        f"/cases/{case_id}/tasks/sign_for_referral/assignee",
        json={"username": ""},
        headers=people["city_head"],
    )
    assert empty.status_code == 422 and empty.json()["field"] == "username"
