"""案号 on new court cases over the API: checked, normalised, never a duplicate; numbering."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from engine.services import Actor
from tests.integration.api.conftest import World


def create(
    world: World, case_id: str, process: str = "pre_filing_referral", side: str = "own"
) -> Any:
    body = {"process_id": process, "case_id": case_id}
    return world.client.post("/cases", json=body, headers=world.headers("court_clerk", side))


@pytest.mark.parametrize(
    ("typed", "code", "words"),
    [
        ("abc", "invalid_case_number", "带括号的年份"),
        ("（2026）浙1082民诉前调号", "invalid_case_number", "格式"),
        ("（2026）浙1023民诉前调5号", "court_code_mismatch", "不是临海市人民法院的代字（浙1082）"),
        ("（2026）浙1082民初5号", "case_type_mismatch", "民诉前调"),
        (f"（{date.today().year + 1}）浙1082民诉前调5号", "invalid_case_number", "晚于今年"),
    ],
)
def test_a_bad_case_number_is_refused_naming_case_id(
    world: World, typed: str, code: str, words: str
) -> None:
    answer = create(world, typed)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert (body["code"], body["field"]) == (code, "case_id") and words in body["message"]


def test_a_filed_case_takes_a_filed_case_number(world: World) -> None:
    assert create(world, "（2026）浙1082民初601号", "post_filing_referral").status_code == 201
    refused = create(world, "（2026）浙1082民诉前调601号", "post_filing_referral")
    assert refused.json()["code"] == "case_type_mismatch"


def test_full_and_half_width_are_one_case(world: World) -> None:
    first = create(world, "(2026)浙1082民诉前调0611号")
    assert first.status_code == 201, first.text
    assert first.json()["id"] == "（2026）浙1082民诉前调611号"
    again = create(world, "（2026）浙1082民诉前调611号")
    assert again.status_code == 409 and again.json()["code"] == "case_exists"
    headers = world.headers("court_clerk")
    for typed in ("(2026)浙1082民诉前调0611号", "（2026）浙1082民诉前调0611号"):
        found = world.client.get(f"/cases/{typed}", headers=headers)
        assert found.status_code == 200 and found.json()["id"] == "（2026）浙1082民诉前调611号"
    other = world.client.get("/cases/(2026)浙1082民诉前调0611号", headers=world.headers("mediator"))
    assert other.status_code == 404  # found under another spelling is still scoped


def test_a_number_stored_before_normalisation_is_still_a_duplicate(world: World) -> None:
    # The demo and older data keep half-width, padded numbers as typed.
    world.engine.open_case(
        process_id="pre_filing_referral",
        case_id="(2026)浙1082民诉前调0621号",
        actor=Actor("setup", "court_clerk", "临海市人民法院"),
        facts={},
    )
    answer = create(world, "（2026）浙1082民诉前调621号")
    assert answer.status_code == 409
    assert "(2026)浙1082民诉前调0621号" in answer.json()["message"]


def test_committee_cases_keep_their_own_numbering(world: World) -> None:
    body = {"process_id": "complaint_mediation", "case_id": "LH-TS-2026-0631"}
    answer = world.client.post("/cases", json=body, headers=world.headers("mediator"))
    assert answer.status_code == 201 and answer.json()["id"] == "LH-TS-2026-0631"


def test_the_next_number_follows_the_highest_serial_in_either_spelling(fresh: World) -> None:
    headers = fresh.headers("court_clerk")
    year = date.today().year
    first = fresh.client.get("/case-numbers/next", headers=headers).json()["case_id"]
    assert first == f"（{year}）浙1082民诉前调1号"
    clerk = Actor("setup", "court_clerk", "临海市人民法院")
    for case_id in (f"({year})浙1082民诉前调0009号", f"（{year}）浙1082民诉前调10号"):
        fresh.engine.open_case(
            process_id="pre_filing_referral", case_id=case_id, actor=clerk, facts={}
        )
    fresh.engine.open_case(  # another court's numbers do not count
        process_id="pre_filing_referral",
        case_id=f"（{year}）浙1023民诉前调500号",
        actor=Actor("setup", "court_clerk", "天台县人民法院"),
        facts={},
    )
    following = fresh.client.get("/case-numbers/next", headers=headers).json()["case_id"]
    assert following == f"（{year}）浙1082民诉前调11号"
    assert create(fresh, following).status_code == 201
    other = fresh.client.get("/case-numbers/next", headers=fresh.headers("court_clerk", "other"))
    assert other.json()["case_id"] == f"（{year}）浙1023民诉前调501号"
