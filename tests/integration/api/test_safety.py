"""Retries, races, oversized and malformed bodies, and validation errors that name the field."""

from __future__ import annotations

import threading
from typing import Any

from tests.integration.api.conftest import CPA_A, World

REFER = {"action": "refer", "mediator_org": CPA_A}


def test_a_retried_referral_hands_the_case_over_once(world: World) -> None:
    case_id = world.case_at("refer")
    headers = {**world.headers("court_clerk"), "Idempotency-Key": f"refer-{id(case_id)}"}
    first = world.client.post(f"/cases/{case_id}/referral", json=REFER, headers=headers)
    again = world.client.post(f"/cases/{case_id}/referral", json=REFER, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["ETag"] == first.headers["ETag"]
    referred = [e for e in world.engine.events(case_id) if e.activity == "referred"]
    assert len(referred) == 1


def test_a_retried_creation_creates_one_case(world: World) -> None:
    body = {"process_id": "pre_filing_referral", "case_id": world.new_id(), "facts": {}}
    headers = {**world.headers("court_clerk"), "Idempotency-Key": "create-1"}
    first = world.client.post("/cases", json=body, headers=headers)
    again = world.client.post("/cases", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    # without the key, the second attempt is refused: the case exists
    plain = world.client.post("/cases", json=body, headers=world.headers("court_clerk"))
    assert plain.status_code == 409
    assert plain.json()["code"] == "case_exists"


def test_a_key_reused_for_another_request_is_refused(world: World) -> None:
    case_id = world.case_at("refer")
    headers = {**world.headers("court_clerk"), "Idempotency-Key": f"k-{id(case_id)}"}
    assert world.client.post(f"/cases/{case_id}/referral", json=REFER, headers=headers).is_success
    other = {**REFER, "mediator_org": "天台县消保委"}
    response = world.client.post(f"/cases/{case_id}/referral", json=other, headers=headers)
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert response.json()["field"] == "Idempotency-Key"


def test_keys_belong_to_their_caller(world: World) -> None:
    case_a, case_b = world.case_at("refer"), world.case_at("refer")
    key = {"Idempotency-Key": "same-key"}
    clerk = world.headers("court_clerk")
    judge_like_clerk = world.headers("court_clerk", scope="province")  # another token, same id
    assert world.client.post(f"/cases/{case_a}/referral", json=REFER, headers={**clerk, **key})
    response = world.client.post(
        f"/cases/{case_b}/referral", json=REFER, headers={**judge_like_clerk, **key}
    )
    assert response.status_code == 422  # same caller id: the key is taken for another request


def test_a_stale_if_match_gets_409_with_the_current_case(world: World) -> None:
    case_id = world.case_at("record_consent")
    clerk = world.headers("court_clerk")
    read = world.client.get(f"/cases/{case_id}", headers=clerk)
    etag = read.headers["ETag"]
    ok = world.client.post(
        f"/cases/{case_id}/consent", json={"action": "consent"}, headers={**clerk, "If-Match": etag}
    )
    assert ok.status_code == 200
    assert ok.headers["ETag"] != etag
    late = world.client.post(
        f"/cases/{case_id}/referral", json=REFER, headers={**clerk, "If-Match": etag}
    )
    assert late.status_code == 409
    body = late.json()
    assert body["code"] == "concurrent_update"
    assert body["current"]["version"] == ok.json()["version"]
    assert [t["bpmn_id"] for t in body["current"]["tasks"]] == ["refer"]


def test_a_malformed_if_match_is_400(world: World) -> None:
    case_id = world.case_at("record_consent")
    headers = {**world.headers("court_clerk"), "If-Match": "yesterday"}
    response = world.client.post(
        f"/cases/{case_id}/consent", json={"action": "consent"}, headers=headers
    )
    assert response.status_code == 400
    assert response.json()["field"] == "If-Match"


def test_two_people_acting_at_once_one_wins(fresh: World) -> None:
    case_id = fresh.case_at("sign_for_referral")
    mediator = fresh.headers("mediator")
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def act(action: dict[str, Any]) -> None:
        barrier.wait()
        results.append(
            fresh.client.post(f"/cases/{case_id}/receipt", json=action, headers=mediator)
        )

    threads = [
        threading.Thread(target=act, args=({"action": "sign"},)),
        threading.Thread(target=act, args=({"action": "decline", "reason": "不属于消费纠纷"},)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409], [r.text for r in results]
    loser = next(r for r in results if r.status_code == 409).json()
    assert (
        loser["current"]["version"]
        == next(r for r in results if r.status_code == 200).json()["version"]
    )
    decided = [
        e
        for e in fresh.engine.events(case_id)
        if e.activity in ("referral_received", "referral_declined")
    ]
    assert len(decided) == 1


def test_an_oversized_body_is_413(world: World) -> None:
    body = {"process_id": "pre_filing_referral", "case_id": "X", "facts": {"summary": "长" * 40000}}
    response = world.client.post("/cases", json=body, headers=world.headers("court_clerk"))
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


def test_an_oversized_chunked_body_is_413(world: World) -> None:
    def chunks() -> Any:
        for _ in range(100):
            yield b"x" * 1024

    headers = {**world.headers("court_clerk"), "Content-Type": "application/json"}
    response = world.client.post("/cases", content=chunks(), headers=headers)
    assert response.status_code == 413


def test_malformed_json_is_400(world: World) -> None:
    headers = {**world.headers("court_clerk"), "Content-Type": "application/json"}
    for content in (b"{not json", b"[1, 2]", b'"text"', b""):
        response = world.client.post("/cases", content=content, headers=headers)
        assert response.status_code in (400, 422), content
        assert response.json()["code"] in ("malformed_body", "missing_field"), response.text
    response = world.client.post("/cases", content=b"{not json", headers=headers)
    assert response.status_code == 400
    assert response.json()["message"]


def _create(world: World, **facts: Any) -> Any:
    body = {"process_id": "pre_filing_referral", "case_id": world.new_id(), "facts": facts}
    return world.client.post("/cases", json=body, headers=world.headers("court_clerk"))


def test_validation_errors_name_the_field_in_chinese(world: World) -> None:
    cases = [
        ({"consumer": {"name": "张伟", "id_number": "110105194912310021"}}, "invalid_id_number",
         "facts.consumer.id_number", "校验位"),
        ({"consumer": {"name": "张伟", "id_number": "11010519491331002X"}}, "invalid_id_number",
         "facts.consumer.id_number", "出生日期"),
        ({"consumer": {"name": "张伟", "phone": "12345"}}, "invalid_phone",
         "facts.consumer.phone", "手机"),
        ({"claim_amount": -5}, "invalid_amount", "facts.claim_amount", "不小于0"),
        ({"claim_amount": 1.234}, "invalid_amount", "facts.claim_amount", "精确到分"),
        ({"claim_amount": "很多"}, "invalid_amount", "facts.claim_amount", "数字"),
        ({"channel": "fax"}, "invalid_choice", "facts.channel", "须为"),
        ({"colour": "red"}, "unknown_field", "facts.colour", "不支持"),
    ]  # fmt: skip
    for facts, code, field, words in cases:
        response = _create(world, **facts)
        assert response.status_code == 422, response.text
        body = response.json()
        assert (body["code"], body["field"]) == (code, field), body
        assert words in body["message"], body


def test_valid_identity_and_phone_numbers_pass(world: World) -> None:
    consumer = {"name": "王芳", "phone": "+86 138 1234 5678", "id_number": "11010519491231002x"}
    response = _create(world, consumer=consumer, claim_amount="1299.50")
    assert response.status_code == 201, response.text
    stored = response.json()["facts"]
    assert stored["consumer"]["id_number"] == "11010519491231002X"
    assert stored["consumer"]["phone"] == "13812345678"
    assert stored["claim_amount"] == 1299.5
    landline = _create(world, consumer={"name": "李娜", "phone": "0576-85123456"})
    assert landline.status_code == 201


def test_task_field_errors_come_from_the_engine_with_the_field(world: World) -> None:
    case_id = world.case_at("mediate")
    mediator = world.headers("mediator")
    url = f"/cases/{case_id}/mediation"
    response = world.client.post(url, json={"action": "agree"}, headers=mediator)
    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("invalid_task_data", "amount")
    response = world.client.post(
        url, json={"action": "extend", "until": "2001-01-01"}, headers=mediator
    )
    assert response.status_code == 422
    assert response.json()["field"] == "until"
    response = world.client.post(url, json={"action": "fly"}, headers=mediator)
    assert (response.status_code, response.json()["field"]) == (422, "action")
    response = world.client.post(url, json={"action": "agree", "amount": 1.001}, headers=mediator)
    assert (response.status_code, response.json()["field"]) == (422, "amount")


def test_a_task_no_longer_waiting_is_409_with_the_current_case(world: World) -> None:
    case_id = world.case_at("record_consent")
    clerk = world.headers("court_clerk")
    assert world.client.post(f"/cases/{case_id}/consent", json={"action": "consent"}, headers=clerk)
    again = world.client.post(
        f"/cases/{case_id}/consent", json={"action": "consent"}, headers=clerk
    )
    assert again.status_code == 409
    assert again.json()["code"] == "task_not_found"
    assert again.json()["current"]["id"] == case_id
