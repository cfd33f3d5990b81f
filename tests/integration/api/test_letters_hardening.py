"""Letters: a control character in a party name, Idempotency-Key, and copies piling up."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from docx import Document

from tests.integration.api.conftest import PLAN, World

FIELDS = {
    "fields": {
        "business_name": "临海某家电有限公司",
        "summary": "空调质量纠纷",
        "materials": "起诉状、证据材料",
        "handler": "王书记员",
        "handler_phone": "0576-85000000",
    }
}


def _at_sign_for_referral(world: World, name: str) -> str:
    case_id = world.open(consumer={"name": name, "phone": "13812345678"})
    for bpmn_id in ("record_consent", "refer"):
        assert world.engine.case(case_id).tasks[0].bpmn_id == bpmn_id
        world.act(case_id, PLAN[bpmn_id])
    return case_id


def test_a_word_letter_for_a_name_holding_a_control_character_is_produced(world: World) -> None:
    # Stored before input was checked (or by another way in): the letter must still come out.
    case_id = _at_sign_for_referral(world, "张\x07伟\x1b[31m")
    response = world.client.post(
        f"/cases/{quote(case_id)}/documents/assignment_letter?format=docx",
        json=FIELDS,
        headers=world.headers("court_clerk"),
    )
    assert response.status_code == 200, response.text
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "张伟" in text and "\x07" not in text and "\x1b" not in text


def test_control_characters_are_refused_at_input_in_chinese(world: World) -> None:
    body = {
        "process_id": "pre_filing_referral",
        "case_id": world.new_id(),
        "facts": {"consumer": {"name": "张\x00伟"}},
    }
    response = world.client.post("/cases", json=body, headers=world.headers("court_clerk"))
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["code"] == "control_character"
    assert error["field"] == "facts.consumer.name"
    assert "控制字符" in error["message"]
    case_id = world.case_at("sign_for_referral")
    fields = {"fields": {**FIELDS["fields"], "materials": "证据\x0b材料"}}
    response = world.client.post(
        f"/cases/{quote(case_id)}/documents/assignment_letter",
        json=fields,
        headers=world.headers("court_clerk"),
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "control_character"
    assert "控制字符" in response.json()["message"]


def test_a_letter_posted_again_with_its_key_is_replayed_not_copied(world: World) -> None:
    case_id = world.case_at("sign_for_referral")
    url = f"/cases/{quote(case_id)}/documents/assignment_letter?format=docx"
    headers = {
        **world.headers("court_clerk"),
        "Idempotency-Key": f"letter-{case_id.encode().hex()}",
    }
    answers = [world.client.post(url, json=FIELDS, headers=headers) for _ in range(30)]
    assert all(a.status_code == 200 for a in answers), answers[-1].text
    assert {a.content for a in answers} == {answers[0].content}
    assert answers[0].headers.get("idempotent-replayed") is None
    assert answers[-1].headers["idempotent-replayed"] == "true"
    listed = world.client.get(f"/cases/{quote(case_id)}/documents", headers=headers).json()
    assert len(listed) == 1
    other = {**headers, "Idempotency-Key": "another-request"}
    reused = world.client.post(url.replace("docx", "pdf"), json=FIELDS, headers=other)
    assert reused.status_code == 200
    wrong = world.client.post(url.replace("docx", "pdf"), json={}, headers=other)
    assert wrong.status_code == 422 and wrong.json()["code"] == "idempotency_key_reused"


def test_the_same_letter_with_the_same_content_is_kept_once(world: World) -> None:
    case_id = world.case_at("sign_for_referral")
    url = f"/cases/{quote(case_id)}/documents/assignment_letter?format=docx"
    headers = world.headers("court_clerk")
    first = world.client.post(url, json=FIELDS, headers=headers)
    again = world.client.post(url, json=FIELDS, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.headers["x-document-sha256"] == again.headers["x-document-sha256"]
    changed = {"fields": {**FIELDS["fields"], "materials": "起诉状"}}
    assert world.client.post(url, json=changed, headers=headers).status_code == 200
    listed = world.client.get(f"/cases/{quote(case_id)}/documents", headers=headers).json()
    assert len(listed) == 2  # one per distinct content, not one per click


def test_letters_of_one_case_stop_at_the_limit(world: World, monkeypatch: Any) -> None:
    import storage.documents

    monkeypatch.setattr(storage.documents, "MAX_PER_CASE", 2)
    case_id = world.case_at("sign_for_referral")
    url = f"/cases/{quote(case_id)}/documents/assignment_letter?format=docx"
    headers = world.headers("court_clerk")
    for n in range(2):
        changed = {"fields": {**FIELDS["fields"], "materials": f"材料{n}"}}
        assert world.client.post(url, json=changed, headers=headers).status_code == 200
    over = world.client.post(url, json=FIELDS, headers=headers)
    assert over.status_code == 409 and over.json()["code"] == "too_many_documents"
    assert "上限" in over.json()["message"]
    again = {"fields": {**FIELDS["fields"], "materials": "材料0"}}
    assert world.client.post(url, json=again, headers=headers).status_code == 200  # kept once
