"""Files attached to a case and corrections of its facts, through the pages (real SQLite)."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import add_demo_users
from api.documents import render
from api.web.case_extras import MAX_BYTES
from engine.services import Actor
from storage.attachments import CaseFiles
from tests.integration.web.test_pages import csrf, sign_in

CLERK = Actor("setup", "court_clerk", "临海市人民法院")
PDF = b"%PDF-1.4\n% a scanned complaint\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from api.settings import Settings

    folder: Path = tmp_path_factory.mktemp("extras")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'suitiao.db'}",
        secret_key="extras-secret-" + "x" * 40,
        state_dir=folder,
    )
    app = create_app(settings, timers=False)
    add_demo_users(app.state.services.accounts)
    engine = app.state.engine
    for case_id, org in (("F-1", "临海市消保委"), ("F-2", "临海市消保委")):
        engine.open_case(
            process_id="pre_filing_referral",
            case_id=case_id,
            actor=CLERK,
            facts={"consumer": {"name": "张伟", "phone": "13812345678"}, "claim_amount": 100,
                   "business": {"name": "临海某公司"}, "summary": "买卖合同纠纷"},
        )  # fmt: skip
        for payload in ({"action": "consent"}, {"action": "refer", "mediator_org": org}):
            task = engine.case(case_id).tasks[0]
            engine.complete(case_id=case_id, task_id=task.task_id, actor=CLERK, payload=payload)
    yield TestClient(app)
    engine.store.engine.dispose()


URL = "/ui/cases/F-1"


def upload(client: TestClient, name: str, content: bytes, kind: str = "complaint") -> object:
    token = csrf(client.get(URL).text)
    return client.post(
        f"{URL}/attachments",
        data={"csrf_token": token, "kind": kind},
        files={"file": (name, content, "application/octet-stream")},
    )


def test_a_file_is_attached_hashed_listed_and_downloaded(client: TestClient) -> None:
    sign_in(client, "clerk")
    answer = upload(client, "起诉状.pdf", PDF)
    assert answer.status_code == 200 and "起诉状.pdf" in answer.text  # type: ignore[attr-defined]
    page = client.get(URL).text
    assert hashlib.sha256(PDF).hexdigest()[:12] in page
    (link,) = re.findall(r'href="(/ui/cases/F-1/attachments/[0-9a-f]+)"', page)
    got = client.get(link)
    assert got.content == PDF and got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    upload(client, "again.pdf", PDF)  # the same file twice is kept once
    assert len(re.findall(r"/ui/cases/F-1/attachments/", client.get(URL).text)) == 1
    # another case does not serve it; the mediator of the case may read it
    assert client.get(link.replace("F-1", "F-2")).status_code == 404
    sign_in(client, "mediator")
    assert client.get(link).content == PDF


def test_a_file_of_another_type_or_too_large_is_refused_by_its_content(
    client: TestClient,
) -> None:
    sign_in(client, "clerk")
    html = upload(client, "scan.pdf", b"<html><script>alert(1)</script></html>")
    assert html.status_code == 422  # type: ignore[attr-defined]
    assert "只能上传PDF、JPEG或PNG文件" in html.text  # type: ignore[attr-defined]
    big = upload(client, "big.png", PNG + b"\x00" * MAX_BYTES)
    assert big.status_code == 422 and "不能超过10MB" in big.text  # type: ignore[attr-defined]
    assert upload(client, "photo.png", PNG, kind="nonsense").status_code == 422  # type: ignore[attr-defined]
    sign_in(client, "auditor")
    token = csrf(client.get(URL).text)
    refused = client.post(
        f"{URL}/attachments",
        data={"csrf_token": token, "kind": "other"},
        files={"file": ("x.png", PNG, "image/png")},
    )
    assert refused.status_code == 403


def test_a_correction_is_on_the_timeline_and_in_the_letters(client: TestClient) -> None:
    sign_in(client, "clerk")
    token = csrf(client.get("/ui/cases/F-2").text)
    bad = client.post(
        "/ui/cases/F-2/facts",
        data={"csrf_token": token, "consumer.id_number": "123", "cause": "买卖合同纠纷"},
    )
    assert bad.status_code == 422 and "公民身份号码须为18位" in bad.text
    files = CaseFiles(client.app.state.services.documents.engine)  # type: ignore[attr-defined]
    assert files.edits("F-2") == []  # nothing half-written
    good = client.post(
        "/ui/cases/F-2/facts",
        data={"csrf_token": token, "consumer.id_number": "33260119900101123x",
              "business.credit_code": "91331082MA2ABCDE1X", "materials": "起诉状1份"},
    )  # fmt: skip
    assert good.status_code == 200
    timeline = good.text.split('id="h-timeline"')[1]
    assert "更正案件信息" in timeline and "立案庭 王书记员" in timeline
    assert "（空） → 33260119900101123X" in timeline
    engine = client.app.state.engine  # type: ignore[attr-defined]
    assert "id_number" not in engine.case("F-2").facts["consumer"]  # the record is untouched
    # the letters read the corrected facts, whoever asks for them (pages, API, command line)
    letter = render(engine, "F-2", "assignment_letter", "docx",
                    {"handler": "王书记员", "handler_phone": "0576-85000000"},
                    files=files)  # fmt: skip
    text = "".join(p.text for p in Document(io.BytesIO(letter)).paragraphs)
    assert "公民身份号码：33260119900101123X。" in text and "91331082MA2ABCDE1X" in text
    assert files.corrected("F-2")["materials"] == "起诉状1份"
    sign_in(client, "auditor")  # auditors see the correction masked
    assert "33260119900101123X" not in client.get("/ui/cases/F-2").text


def test_a_fact_is_settled_once_the_step_relying_on_it_is_done(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    mediator = Actor("setup-m", "mediator", "临海市消保委")
    task = engine.case("F-2").tasks[0]
    engine.complete(case_id="F-2", task_id=task.task_id, actor=mediator,
                    payload={"action": "sign"})  # fmt: skip
    sign_in(client, "clerk")
    page = client.get("/ui/cases/F-2").text
    assert 'name="materials"' not in page.split('id="h-facts"')[1].split("</form>")[0]
    token = csrf(page)
    late = client.post("/ui/cases/F-2/facts", data={"csrf_token": token, "materials": "另一份"})
    assert late.status_code == 422 and "移送材料已不能更正" in late.text
