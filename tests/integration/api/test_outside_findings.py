"""What testing from outside found (issue 15): each a request that gave 500, an English error,
a hint about another organisation's cases, a missing header or a missing field."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

from fastapi.testclient import TestClient

from tests.integration.api.conftest import COURT_A, World


def _client(world: World) -> TestClient:
    return TestClient(world.app, raise_server_exceptions=False)


def test_a_due_date_beyond_the_calendar_is_a_chinese_error_not_500(world: World) -> None:
    params = {"from": "2099-12-01", "days": 60, "unit": "calendar"}
    answer = _client(world).get("/calendar/due", params=params, headers=world.headers("judge"))
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["code"] == "out_of_range" and body["field"] in ("days", "from")
    assert "2099" in body["message"]


def test_pause_and_extension_dates_are_bounded(world: World) -> None:
    case_id = world.case_at("mediate")
    world.act(case_id, {"action": "start"})
    url = f"/cases/{quote(case_id)}/tasks/mediate"
    headers = world.headers("mediator")
    for action, extra in (("pause", {"reason": "鉴定"}), ("extend", {})):
        body = {"action": action, "until": "9999-12-31", **extra}
        answer = _client(world).post(url, json=body, headers=headers)
        assert answer.status_code == 422, answer.text
        error = answer.json()
        assert error["code"] == "date_out_of_range" and error["field"] == "until", error
        assert "日期" in error["message"]
    near = (date.today() + timedelta(days=30)).isoformat()
    ok = _client(world).post(
        url, json={"action": "pause", "reason": "鉴定", "until": near}, headers=headers
    )
    assert ok.status_code == 200, ok.text


def test_invalid_utf8_and_deep_json_get_chinese_errors_with_codes(world: World) -> None:
    headers = {**world.headers("court_clerk"), "Content-Type": "application/json"}
    client = _client(world)
    bad = client.post("/cases", content=b'{"process_id": "\xff\xfe"}', headers=headers)
    assert bad.status_code == 400, bad.text
    assert bad.json()["code"] == "invalid_utf8" and "UTF-8" in bad.json()["message"]
    deep = b'{"facts":' * 2000 + b"1" + b"}" * 2000
    answer = client.post("/cases", content=deep, headers=headers)
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "json_too_deep" and "嵌套" in answer.json()["message"]
    # Brackets inside a string are text, not nesting.
    text = {"process_id": "pre_filing_referral", "case_id": world.new_id()}
    text["facts"] = {"summary": "[" * 200}  # type: ignore[assignment]
    fine = client.post("/cases", json=text, headers=world.headers("court_clerk"))
    assert fine.status_code == 201, fine.text


def test_creating_another_courts_case_id_does_not_say_it_exists(world: World) -> None:
    theirs = world.open()  # of court A
    body = {"process_id": "pre_filing_referral", "case_id": theirs}
    answer = _client(world).post("/cases", json=body, headers=world.headers("court_clerk", "other"))
    assert answer.status_code != 409, answer.text
    error = answer.json()
    assert "已存在" not in error["message"] and "current" not in error
    assert COURT_A not in answer.text
    assert error["field"] == "case_id"
    own = _client(world).post("/cases", json=body, headers=world.headers("court_clerk"))
    assert own.status_code == 409 and own.json()["code"] == "case_exists"  # its own: it may know


def test_pages_and_answers_forbid_framing_and_caching(world: World) -> None:
    client = _client(world)
    for answer in (
        client.get("/ui/login"),
        client.get(f"/cases/{quote(world.open())}", headers=world.headers("court_clerk")),
    ):
        assert answer.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert "no-store" in answer.headers["cache-control"]
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_complaint_case_reaches_judicial_confirmation_over_the_api(world: World) -> None:
    case_id = world.open("complaint_mediation")
    plan = {
        "decide_complaint": {"action": "accept"},
        "start_mediation": {"action": "start"},
        "notify_parties": {"action": "notify"},
        "mediate": {"action": "agree", "amount": 1000},
    }
    for _ in range(10):
        current = world.engine.case(case_id).tasks[0].bpmn_id
        if current == "agreement_follow_up":
            break
        world.act(case_id, plan[current])
    url = f"/cases/{quote(case_id)}/tasks/agreement_follow_up"
    body = {"action": "apply", "joint": True, "court": COURT_A}
    answer = _client(world).post(url, json=body, headers=world.headers("mediator"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["court_org"] == COURT_A
    tasks = world.engine.case(case_id).tasks
    assert tasks and tasks[0].bpmn_id == "decide_acceptance"
    judge = world.client.get(f"/cases/{quote(case_id)}", headers=world.headers("judge"))
    assert judge.status_code == 200


def test_the_notice_records_how_it_was_served_over_the_api(world: World) -> None:
    case_id = world.case_at("notify_parties")
    url = f"/cases/{quote(case_id)}/tasks/notify_parties"
    body = {"action": "notify", "channel": "sms"}
    answer = _client(world).post(url, json=body, headers=world.headers("mediator"))
    assert answer.status_code == 200, answer.text
    notified = [e for e in world.engine.events(case_id) if e.activity == "parties_notified"]
    assert notified[-1].data.get("channel") == "sms"
