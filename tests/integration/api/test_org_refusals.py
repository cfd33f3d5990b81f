"""Organisations come from the registry: unknown, wrong-kind and unpaired ones are refused over
the API with a Chinese message naming the field, and nothing about the case changes."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from api.settings import Settings
from tests.integration.api.conftest import SECRET, World


def refer(world: World, mediator_org: str) -> tuple[str, int, dict[str, object]]:
    case_id = world.case_at("refer")
    before = world.engine.case(case_id).version
    answer = world.client.post(
        f"/cases/{case_id}/referral",
        json={"action": "refer", "mediator_org": mediator_org},
        headers=world.headers("court_clerk"),
    )
    after = world.engine.case(case_id)
    if answer.status_code != 200:
        assert after.version == before and after.mediator_org is None  # nothing half-written
        assert [t.bpmn_id for t in after.tasks] == ["refer"]
    return case_id, answer.status_code, answer.json()


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("临海消保委", "unknown_org"),  # the typo of the issue
        ("<script>alert(1)</script>", "unknown_org"),
        ('=HYPERLINK("http://x","点我")', "unknown_org"),
        ("临海市人民法院", "wrong_org_kind"),  # the court itself
        ("台州市中级人民法院", "wrong_org_kind"),
        ("天台县消保委", "unpaired_org"),  # a real committee, not paired with 临海
        ("台州市消保委", "unpaired_org"),  # its city's: only through a local agreement
    ],
)
def test_referral_to_a_bad_organisation_is_refused(world: World, typed: str, code: str) -> None:
    _, status, body = refer(world, typed)
    assert status == 422, body
    assert body["code"] == code and body["field"] == "mediator_org"
    assert "调解组织" in str(body["message"]) or "诉调对接" in str(body["message"])


def test_unpaired_refusal_names_the_committees_that_may_be_chosen(world: World) -> None:
    _, _, body = refer(world, "天台县消保委")
    assert (
        body["message"]
        == "临海市人民法院与天台县消保委未建立诉调对接，不能委派（可选：临海市消保委）"
    )


def test_the_full_name_is_accepted_and_stored_as_the_short_name(world: World) -> None:
    case_id, status, body = refer(world, "临海市消费者权益保护委员会")
    assert status == 200, body
    assert body["mediator_org"] == "临海市消保委"
    referred = [e for e in world.engine.events(case_id) if e.activity == "referred"]
    assert referred[0].data["mediator_org"] == "临海市消保委"


def test_the_confirmation_court_must_be_a_court(world: World) -> None:
    case_id = world.case_at("agreement_follow_up")
    answer = world.client.post(
        f"/cases/{case_id}/follow-up",
        json={"action": "apply", "joint": True, "court": "临海市消保委"},
        headers=world.headers("mediator"),
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "wrong_org_kind" and answer.json()["field"] == "court"


@pytest.mark.parametrize(
    ("role", "org", "code"),
    [
        ("mediator", "临海消保委", "unknown_org"),
        ("court_clerk", "临海市消保委", "wrong_org_kind"),
        ("mediator", "临海市人民法院", "wrong_org_kind"),
    ],
)
def test_an_account_belongs_to_a_registry_org_of_its_role_kind(
    world: World, role: str, org: str, code: str
) -> None:
    body = {"username": f"x-{role}-{len(org)}", "password": "long-enough", "role": role, "org": org}
    answer = world.client.post("/users", json=body, headers=world.headers("admin"))
    assert answer.status_code == 422
    assert answer.json()["code"] == code and answer.json()["field"] == "org"
    assert world.services.accounts.user(body["username"]) is None
    key = {"name": "系统", "role": role, "org": org}
    answer = world.client.post("/api-keys", json=key, headers=world.headers("admin"))
    assert answer.status_code == 422 and answer.json()["field"] == "org"


def test_an_account_org_is_kept_under_its_short_name(world: World) -> None:
    body = {
        "username": "full-name-user",
        "password": "long-enough",
        "role": "mediator",
        "org": "临海市消费者权益保护委员会",
    }
    answer = world.client.post("/users", json=body, headers=world.headers("admin"))
    assert answer.status_code == 201, answer.text
    assert answer.json()["org"] == "临海市消保委"


def test_the_pick_lists_come_from_the_registry(world: World) -> None:
    headers = world.headers("court_clerk")
    paired = world.client.get("/orgs/临海市人民法院/committees", headers=headers).json()
    assert [o["short"] for o in paired] == ["临海市消保委"]
    assert paired[0]["division"] == "331082" and paired[0]["id"] == "cpc:331082"
    committees = world.client.get("/orgs", params={"kind": "committee"}, headers=headers).json()
    assert len(committees) == 102 and {o["kind"] for o in committees} == {"committee"}
    missing = world.client.get("/orgs/临海消保委/committees", headers=headers)
    assert missing.status_code == 404 and missing.json()["field"] == "org"


@pytest.fixture
def agreed(tmp_path: Path) -> Iterator[World]:
    agreement = tmp_path / "taizhou.toml"
    agreement.write_text(
        'name = "台州市诉调对接协议"\n[[pair]]\ncourt = "浙1082"\ncommittee = "cpc:331000"\n',
        encoding="utf-8",
    )
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'suitiao.db'}",
        secret_key=SECRET,
        state_dir=tmp_path,
        local_pairing=(agreement,),
    )
    app = create_app(settings, timers=False)
    yield World(app)
    app.state.engine.store.engine.dispose()


def test_a_local_agreement_pairs_more_committees(agreed: World) -> None:
    _, status, body = refer(agreed, "台州市消保委")
    assert status == 200, body
    assert body["mediator_org"] == "台州市消保委"
    _, status, body = refer(agreed, "天台县消保委")
    assert status == 422 and body["code"] == "unpaired_org"


def test_cli_user_add_refuses_an_org_outside_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from api import cli

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setattr("sys.stdin", io.StringIO("a-good-password\n"))
    add = ["user", "add", "qian", "--role", "mediator", "--org", "临海消保委", "--password-stdin"]
    assert cli.main(add) == 2
    assert "不在浙江省组织名录中" in capsys.readouterr().err
    assert cli._accounts().user("qian") is None
    monkeypatch.setattr("sys.stdin", io.StringIO("a-good-password\n"))
    add[6] = "临海市消费者权益保护委员会"
    assert cli.main(add) == 0
    found = cli._accounts().user("qian")
    assert found is not None and found[0].org == "临海市消保委"
