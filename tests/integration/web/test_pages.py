"""The pages without a browser: sessions, CSRF, scoping, masking, forms and the diagrams."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.demo import add_demo_users
from api.settings import Settings
from api.web import diagram
from api.web.deadlines import days_left, working_days_between
from api.web.i18n import Translator
from engine.services import Actor
from standard_rules.legal_calendar import Unit, default_calendar

CPA_A = "临海市消保委"
CLERK_A = Actor("setup", "court_clerk", "临海市人民法院")
CLERK_B = Actor("setup-b", "court_clerk", "天台县人民法院")
PHONE = "13812345678"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder: Path = tmp_path_factory.mktemp("web")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'suitiao.db'}",
        secret_key="web-secret-" + "x" * 40,
        state_dir=folder,
    )
    app = create_app(settings, timers=False)
    add_demo_users(app.state.services.accounts)
    engine = app.state.engine
    for case_id, who, org in (("A-1", CLERK_A, CPA_A), ("B-1", CLERK_B, "天台县消保委")):
        engine.open_case(
            process_id="pre_filing_referral",
            case_id=case_id,
            actor=who,
            facts={"consumer": {"name": "张伟", "phone": PHONE}, "claim_amount": 100},
        )
        for payload in ({"action": "consent"}, {"action": "refer", "mediator_org": org}):
            task = engine.case(case_id).tasks[0]
            engine.complete(case_id=case_id, task_id=task.task_id, actor=who, payload=payload)
    yield TestClient(app)
    engine.store.engine.dispose()


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def sign_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    token = csrf(client.get("/ui/login").text)
    answer = client.post(
        "/ui/login",
        data={"username": username, "password": f"{username}-demo", "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def test_pages_ask_for_sign_in_and_the_api_still_wants_a_token(client: TestClient) -> None:
    client.cookies.clear()
    answer = client.get("/ui/inbox", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/ui/login?next=")
    assert client.get("/", follow_redirects=False).headers["location"] == "/ui/login"
    assert client.get("/cases").status_code == 401
    assert client.get("/healthz").status_code == 200


def test_session_cookie_is_httponly_and_lax(client: TestClient) -> None:
    client.cookies.clear()
    token = csrf(client.get("/ui/login").text)
    answer = client.post(
        "/ui/login",
        data={"username": "clerk", "password": "clerk-demo", "csrf_token": token},
        follow_redirects=False,
    )
    cookies = answer.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("suitiao_session="))
    assert "HttpOnly" in session and "SameSite=lax" in session
    assert "Secure" not in session  # served on localhost here
    # The session cookie is not an API credential by itself.
    assert client.get("/tasks").status_code == 401


def test_a_post_without_the_csrf_token_is_refused(client: TestClient) -> None:
    sign_in(client, "clerk")
    answer = client.post("/ui/new", data={"process_id": "pre_filing_referral", "case_id": "X"})
    assert answer.status_code == 400
    assert "表单已过期" in answer.text
    answer = client.post("/ui/login", data={"username": "clerk", "password": "clerk-demo"})
    assert answer.status_code == 400


def test_wrong_password_is_told_in_chinese(client: TestClient) -> None:
    client.cookies.clear()
    token = csrf(client.get("/ui/login").text)
    answer = client.post(
        "/ui/login", data={"username": "clerk", "password": "nope", "csrf_token": token}
    )
    assert answer.status_code == 401
    assert "用户名或密码不正确" in answer.text


def test_another_organisations_case_is_not_found(client: TestClient) -> None:
    sign_in(client, "mediator")
    assert client.get("/ui/cases/A-1").status_code == 200
    answer = client.get("/ui/cases/B-1")
    assert answer.status_code == 404
    assert "张伟" not in answer.text
    token = csrf(client.get("/ui/inbox").text)
    answer = client.post(
        "/ui/cases/B-1/tasks/anything", data={"action": "sign", "csrf_token": token}
    )
    assert answer.status_code == 404
    assert "B-1" not in client.get("/ui/inbox").text


def test_numbers_are_masked_for_auditors_only(client: TestClient) -> None:
    sign_in(client, "mediator")
    assert PHONE in client.get("/ui/cases/A-1").text
    sign_in(client, "auditor")
    page = client.get("/ui/cases/A-1").text
    assert PHONE not in page and "138****5678" in page
    assert "打码" in page


def test_a_wrong_field_comes_back_next_to_it_and_nothing_changes(client: TestClient) -> None:
    sign_in(client, "mediator")
    page = client.get("/ui/cases/A-1").text
    task = re.search(r'action="/ui/cases/A-1/tasks/([^"]+)"', page)
    assert task is not None
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version is not None
    answer = client.post(
        f"/ui/cases/A-1/tasks/{task.group(1)}",
        data={"action": "decline", "reason": "", "csrf_token": csrf(page)},
    )
    assert answer.status_code == 422
    assert 'id="field-reason-error"' in answer.text
    assert "请填写理由" in answer.text
    assert f'name="version" value="{version.group(1)}"' in answer.text
    # The right action moves the case on and redirects back to it.
    answer = client.post(
        f"/ui/cases/A-1/tasks/{task.group(1)}",
        data={"action": "sign", "csrf_token": csrf(page), "version": version.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert "已办理" in client.get(answer.headers["location"]).text
    # A stale form (the old version) is refused, not applied twice.
    answer = client.post(
        f"/ui/cases/A-1/tasks/{task.group(1)}",
        data={"action": "sign", "csrf_token": csrf(page), "version": version.group(1)},
    )
    assert answer.status_code == 409


def test_auditor_dashboard_and_downloads(client: TestClient) -> None:
    sign_in(client, "auditor")
    page = client.get("/ui/audit")
    assert page.status_code == 200 and "<svg" in page.text
    xlsx = client.get("/ui/audit/report.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert "attachment" in xlsx.headers["content-disposition"]
    assert client.get("/ui/audit/statistics.xlsx").content[:2] == b"PK"
    sign_in(client, "clerk")
    assert client.get("/ui/audit").status_code == 403
    assert client.get("/ui/audit/report.xlsx").status_code == 403


def test_english_is_one_click_away(client: TestClient) -> None:
    sign_in(client, "clerk")
    assert "My tasks" in client.get("/ui/inbox?lang=en").text
    assert "My tasks" in client.get("/ui/inbox").text  # kept in a cookie
    assert "我的待办" in client.get("/ui/inbox?lang=zh").text


def test_the_new_case_form_checks_its_fields(client: TestClient) -> None:
    sign_in(client, "clerk")
    token = csrf(client.get("/ui/new").text)
    answer = client.post(
        "/ui/new",
        data={
            "process_id": "pre_filing_referral",
            "case_id": "A-1",
            "consumer": "李娜",
            "claim": "12.345",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 422
    assert "请求金额须为不小于0、精确到分的金额（元）" in answer.text
    answer = client.post(
        "/ui/new",
        data={
            "process_id": "pre_filing_referral",
            "case_id": "(2026)浙1082民诉前调0702号",
            "consumer": "李娜",
            "phone": "13900001234",
            "claim": "12.34",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    # Kept under the normalised case number (full-width brackets, no padding).
    assert answer.headers["location"] == "/ui/cases/" + quote(
        "（2026）浙1082民诉前调702号", safe=""
    )
    answer = client.post(
        "/ui/new",
        data={
            "process_id": "pre_filing_referral",
            "case_id": "（2026）浙1082民诉前调702号",
            "consumer": "李娜",
            "csrf_token": token,
        },
    )
    assert "已存在" in answer.text  # the engine's own message, next to the case number


def test_the_new_case_form_records_the_particulars_letters_print(client: TestClient) -> None:
    sign_in(client, "clerk")
    token = csrf(client.get("/ui/new").text)
    base = {"process_id": "pre_filing_referral", "consumer": "李娜", "business": "临海某公司",
            "csrf_token": token}  # fmt: skip
    bad = client.post(
        "/ui/new",
        data={**base, "case_id": "（2026）浙1082民诉前调881号", "id_number": "12345",
              "credit_code": "ABC",
              "cause": "吵架"},
    )  # fmt: skip
    assert bad.status_code == 422
    for message in ("公民身份号码须为18位", "统一社会信用代码须为18位", "以“纠纷”结尾"):
        assert message in bad.text
    good = client.post(
        "/ui/new",
        data={**base, "case_id": "（2026）浙1082民诉前调882号", "id_number": "33260119900101123x",
              "address": "临海市古城街道", "credit_code": "91331082MA2ABCDE1X",
              "legal_rep": "李强", "business_address": "临海市大洋街道",
              "cause": "买卖合同纠纷"},
        follow_redirects=False,
    )  # fmt: skip
    assert good.status_code == 303
    facts = client.app.state.engine.case("（2026）浙1082民诉前调882号").facts  # type: ignore[attr-defined]
    assert facts["consumer"]["id_number"] == "33260119900101123X"
    assert facts["business"] == {"name": "临海某公司", "credit_code": "91331082MA2ABCDE1X",
                                 "legal_rep": "李强", "address": "临海市大洋街道"}  # fmt: skip
    assert facts["cause"] == "买卖合同纠纷"
    page = client.get(good.headers["location"]).text
    assert "买卖合同纠纷" in page and "91331082MA2ABCDE1X" in page


@pytest.mark.parametrize(
    "process",
    [
        "pre_filing_referral",
        "post_filing_referral",
        "complaint_mediation",
        "supported_lawsuit",
        "mediation",
        "judicial_confirmation",
    ],
)
def test_every_diagram_renders_with_its_current_step(process: str) -> None:
    loaded = diagram.load(process)
    task = next(n.id for n in loaded.nodes.values() if n.kind == "userTask")
    svg = diagram.render(process, {task}, "t", element_id="d")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('aria-current="step"') == 1
    assert f'data-id="{task}"' in svg


def test_a_called_process_stands_for_its_tasks() -> None:
    here, inner = diagram.placement("pre_filing_referral", {"mediate"})
    assert here == {"mediation"}
    assert inner == {"mediation": {"mediate"}}


def test_days_left_are_counted_the_legal_way() -> None:
    from datetime import date

    calendar = default_calendar()
    t = Translator("zh")
    # National Day 2026: Oct 1-7 are rest days; Sep 30 to Oct 9 has 2 working days (8, 9).
    assert working_days_between(calendar, date(2026, 9, 30), date(2026, 10, 9)) == 2
    left = days_left(date(2026, 10, 9), date(2026, 9, 30), t, calendar, Unit.WORKING)
    assert left.text == "剩余9日（2个工作日）"
    assert days_left(date(2026, 9, 30), date(2026, 9, 30), t, calendar, None).text == "今日到期"
    late = days_left(date(2026, 9, 28), date(2026, 9, 30), t, calendar, None)
    assert late.overdue and late.text == "已逾期2日"


def test_a_clerk_produces_a_letter_from_the_case_page(client: TestClient) -> None:
    sign_in(client, "clerk")
    url = f"/ui/cases/{quote('A-1', safe='')}"
    page = client.get(url)
    assert "委派调解函" in page.text and "尚未生成文书" in page.text
    # The case holds no business name or summary: the letter is refused, naming them.
    refused = client.post(
        f"{url}/documents",
        data={"csrf_token": csrf(page.text), "kind": "assignment_letter", "format": "pdf"},
    )
    assert refused.status_code == 422
    assert "缺少必填项" in refused.text and "经营者名称" in refused.text
    assert "business_name" not in refused.text, "a field code shown to a clerk"
    # Nothing was kept.
    assert "尚未生成文书" in client.get(url).text


def test_an_auditor_cannot_produce_letters(client: TestClient) -> None:
    sign_in(client, "auditor")
    url = f"/ui/cases/{quote('A-1', safe='')}"
    page = client.get(url)
    assert "生成并下载" not in page.text
    refused = client.post(
        f"{url}/documents",
        data={"csrf_token": csrf(page.text), "kind": "assignment_letter", "format": "pdf"},
    )
    assert refused.status_code == 403


def test_the_produced_letter_downloads_and_is_listed_with_its_hash(client: TestClient) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    engine.open_case(
        process_id="pre_filing_referral",
        case_id="A-DOC",
        actor=CLERK_A,
        facts={
            "consumer": {"name": "王芳", "phone": PHONE},
            "business": {"name": "临海某家电有限公司"},
            "summary": "空调质量纠纷",
            "claim_amount": 2600,
        },
    )
    for payload in ({"action": "consent"}, {"action": "refer", "mediator_org": CPA_A}):
        task = engine.case("A-DOC").tasks[0]
        engine.complete(case_id="A-DOC", task_id=task.task_id, actor=CLERK_A, payload=payload)
    sign_in(client, "clerk")
    url = f"/ui/cases/{quote('A-DOC', safe='')}"
    page = client.get(url)
    download = client.post(
        f"{url}/documents",
        data={
            "csrf_token": csrf(page.text),
            "kind": "assignment_letter",
            "format": "pdf",
            "materials": "起诉状一份、购物凭证一份",
            "handler": "王书记员",
            "handler_phone": "0576-85000000",
        },
    )
    assert download.status_code == 200, re.findall(r"role=\"alert\"[^>]*>([^<]*)", download.text)
    assert download.content.startswith(b"%PDF")
    assert "attachment" in download.headers["content-disposition"]
    listed = client.get(url).text
    assert hashlib.sha256(download.content).hexdigest()[:12] in listed
    # the kept letter downloads again, the same bytes
    (link,) = re.findall(r'href="(/ui/cases/A-DOC/documents/[0-9a-f]+)"', listed)
    again = client.get(link)
    assert again.status_code == 200 and again.content == download.content
    # producing the same letter again keeps one copy
    client.post(
        f"{url}/documents",
        data={"csrf_token": csrf(listed), "kind": "assignment_letter", "format": "pdf",
              "materials": "起诉状一份、购物凭证一份", "handler": "王书记员",
              "handler_phone": "0576-85000000"},
    )  # fmt: skip
    assert len(re.findall(r'href="/ui/cases/A-DOC/documents/', client.get(url).text)) == 1
    # another case's letter id is not found here
    assert client.get("/ui/cases/A-1/documents/" + link.rsplit("/", 1)[1]).status_code == 404


def test_in_app_reminders_show_in_the_inbox_of_their_organisation(client: TestClient) -> None:
    from datetime import UTC, datetime

    from api.notify import dispatch
    from api.notify.channels import channels_from
    from api.notify.config import load_config
    from storage.outbox import Notification, Outbox

    engine = client.app.state.engine  # type: ignore[attr-defined]
    outbox = Outbox(engine.store.engine)
    now = datetime.now(UTC)
    subject = "【逾期督办】A-1「签收委派/委托材料」已逾期"
    outbox.enqueue(
        [
            Notification(
                "test:A-1:esc",
                "A-1",
                "escalation",
                "in_app",
                CPA_A,
                {"subject": subject, "body": subject},
                now,
            )
        ]
    )
    config = load_config(None)
    assert dispatch(outbox, channels_from(config), config, now).sent == 1
    sign_in(client, "mediator")
    assert subject in client.get("/ui/inbox").text
    sign_in(client, "clerk")  # another organisation's reminder is not shown
    assert subject not in client.get("/ui/inbox").text


def test_reminders_appear_once_with_their_date_and_go_when_the_step_is_done(
    client: TestClient,
) -> None:
    from datetime import UTC, datetime, timedelta

    from api.notify import dispatch
    from api.notify.channels import channels_from
    from api.notify.config import load_config
    from storage.outbox import Notification, Outbox

    engine = client.app.state.engine  # type: ignore[attr-defined]
    engine.open_case(
        process_id="pre_filing_referral",
        case_id="A-REM",
        actor=CLERK_A,
        facts={"consumer": {"name": "王芳", "phone": PHONE}, "claim_amount": 100},
    )
    outbox = Outbox(engine.store.engine)
    now = datetime.now(UTC)
    subject = "【诉调提醒】A-REM「记录当事人是否同意调解」将于到期"
    # the 3-day and the 1-day reminder of the same step
    outbox.enqueue(
        [
            Notification(f"test:A-REM:{n}", "A-REM", "reminder", "in_app", "临海市人民法院",
                         {"subject": subject, "body": subject, "task": "record_consent"},
                         now - timedelta(hours=n))
            for n in (1, 2)
        ]
    )  # fmt: skip
    config = load_config(None)
    dispatch(outbox, channels_from(config), config, now)
    sign_in(client, "clerk")
    inbox = client.get("/ui/inbox").text
    assert inbox.count(subject) == 1
    day = now.astimezone(UTC).date()
    assert re.search(rf'<time datetime="{day:%Y-%m}-\d\d">', inbox)
    task = engine.case("A-REM").tasks[0]
    engine.complete(case_id="A-REM", task_id=task.task_id, actor=CLERK_A,
                    payload={"action": "consent"})  # fmt: skip
    assert subject not in client.get("/ui/inbox").text


def test_the_administrator_gets_a_page_not_a_403_loop(client: TestClient) -> None:
    client.cookies.clear()
    token = csrf(client.get("/ui/login").text)
    landed = client.post(
        "/ui/login", data={"username": "admin", "password": "admin-demo", "csrf_token": token}
    )
    assert landed.status_code == 200 and landed.url.path == "/ui/users"
    assert "用户管理" in landed.text and "立案庭 王书记员" in landed.text
    home = client.get("/")
    assert home.status_code == 200 and home.url.path == "/ui/users"
    assert client.get("/ui/inbox").status_code == 403  # still no cases for an administrator
    sign_in(client, "clerk")
    assert client.get("/ui/admin").status_code == 403
