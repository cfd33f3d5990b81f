"""Numbers typed into free text (a summary, a place) are masked for auditors like the named
fields, on the case, its timeline, the event feed and the case page."""

from __future__ import annotations

from api.http.masking import mask_text
from storage.accounts import Account
from tests.integration.api.conftest import World

SUMMARY = "消费者张伟（身份证11010519491231002X，电话138 1234 5678）称空调不制冷"
PLACE = "临海市消保委调解室，联系0576-85123456或13900001111"


def test_mask_text_finds_ids_and_phones_and_leaves_other_numbers() -> None:
    assert (
        mask_text(SUMMARY) == "消费者张伟（身份证110105********002X，电话138****5678）称空调不制冷"
    )
    assert mask_text(PLACE) == "临海市消保委调解室，联系0576-****3456或139****1111"
    for untouched in (
        "（2026）浙1082民诉前调123号",
        "金额12345678901234元",
        "2026-03-02T09:00+08:00",
    ):
        assert mask_text(untouched) == untouched


def test_auditors_see_free_text_masked_everywhere(fresh: World) -> None:
    case_id = fresh.case_at("notify_parties")
    answer = fresh.client.post(
        f"/cases/{case_id}/notice",
        json={"action": "notify", "place": PLACE},
        headers=fresh.headers("mediator"),
    )
    assert answer.status_code == 200, answer.text
    body = {
        "process_id": "complaint_mediation",
        "case_id": "LH-TS-2026-9901",
        "facts": {"summary": SUMMARY},
    }
    assert fresh.client.post("/cases", json=body, headers=fresh.headers("mediator")).is_success
    auditor = fresh.headers("auditor")
    seen = [
        fresh.client.get(f"/cases/{case_id}/events", headers=auditor).text,
        fresh.client.get("/events", headers=auditor).text,
        fresh.client.get("/cases/LH-TS-2026-9901", headers=auditor).text,
        fresh.client.get("/cases", headers=auditor).text,
    ]
    for text in seen:
        for number in ("13812345678", "138 1234 5678", "85123456", "13900001111", "1231002X"):
            assert number not in text
    assert "0576-****3456" in seen[0] and "138****5678" in seen[2]
    mediator = fresh.client.get(f"/cases/{case_id}/events", headers=fresh.headers("mediator"))
    assert "0576-85123456" in mediator.text  # those who deal with the parties see it in full


def test_supervisors_see_the_parties_numbers_masked(world: World) -> None:
    """A court's head (here 台州's, above 临海) and a committee's head oversee; they do not
    contact the parties, so the API masks for them as for auditors."""
    case_id = world.case_at("sign_for_referral")
    heads = [world.headers("supervisor")]
    heads.append(world.bearer(Account("cpa-head", "秘书长", "supervisor", "临海市消保委")))
    for headers in heads:
        for url in (f"/cases/{case_id}", f"/cases/{case_id}/events", "/cases"):
            answer = world.client.get(url, headers=headers)
            assert answer.status_code == 200, answer.text
            assert "13812345678" not in answer.text and "1231002X" not in answer.text, url
        assert "138****5678" in world.client.get(f"/cases/{case_id}", headers=headers).text
    clerk = world.client.get(f"/cases/{case_id}", headers=world.headers("court_clerk"))
    assert "13812345678" in clerk.text
