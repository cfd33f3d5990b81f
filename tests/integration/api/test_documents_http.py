"""The handoff letters over HTTP: produced from the case, kept with it, refused when incomplete."""

from __future__ import annotations

import hashlib
import io
from urllib.parse import quote

from pypdf import PdfReader

from api.documents.fields import case_number
from tests.integration.api.conftest import World


def test_a_clerk_produces_the_assignment_letter_and_it_is_kept(world: World) -> None:
    case_id = world.case_at("sign_for_referral")
    url = f"/cases/{quote(case_id)}/documents"
    body = {
        "fields": {
            "business_name": "临海某家电有限公司",
            "summary": "空调质量纠纷",
            "materials": "起诉状、证据材料",
            "handler": "王书记员",
            "handler_phone": "0576-85000000",
        }
    }
    response = world.client.post(
        f"{url}/assignment_letter", json=body, headers=world.headers("court_clerk")
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-document-sha256"] == hashlib.sha256(response.content).hexdigest()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert (
        "委派调解函" in text and case_number(case_id) in text and "空调质量纠纷纠纷一案" not in text
    )
    assert "空调质量纠纷一案" in text and "本院承办人：王书记员" in text

    listed = world.client.get(url, headers=world.headers("mediator")).json()
    assert [(d["kind"], d["format"], d["sha256"]) for d in listed] == [
        ("assignment_letter", "pdf", hashlib.sha256(response.content).hexdigest())
    ]


def test_an_incomplete_document_is_refused_naming_the_fields(world: World) -> None:
    case_id = world.case_at("sign_for_referral")
    response = world.client.post(
        f"/cases/{quote(case_id)}/documents/assignment_letter?format=docx",
        json={},
        headers=world.headers("court_clerk"),
    )
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "missing_fields"
    assert set(error["field"].split(",")) == {
        "business_name", "cause", "materials", "handler", "handler_phone"
    }  # fmt: skip
    assert "移送材料" in error["message"]


def test_a_document_before_its_step_or_of_no_kind_is_refused(world: World) -> None:
    case_id = world.case_at("record_consent")
    headers = world.headers("court_clerk")
    early = world.client.post(
        f"/cases/{quote(case_id)}/documents/mediation_agreement", json={}, headers=headers
    )
    assert early.status_code == 409 and early.json()["code"] == "document_not_ready"
    unknown = world.client.post(
        f"/cases/{quote(case_id)}/documents/no_such_letter", json={}, headers=headers
    )
    assert unknown.status_code == 404 and unknown.json()["field"] == "kind"
