"""Reminders and escalations planned from real cases, sent through real SMTP and HTTP servers
on loopback, at most once, retried on failure."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from api.notify import backoff, dispatch, schedule
from api.notify.channels import Channel, HttpSmsGateway, InAppChannel, SmsChannel, SmtpChannel
from api.notify.config import Contact, NotifyConfig, OrgContacts, SmtpSettings, load_config
from api.notify.planner import working_days_before
from engine.bpmn.specs import SpecLibrary
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import default_pack
from storage.outbox import Outbox
from storage.sql import SqlCaseStore
from tests.workflows.conftest import CPC, MEDIATOR, Driver, sh

CASE = "LH-TS-2025-0042"
STAFF_MAIL, BOSS_MAIL = "tiaojie@lh-cpa.example", "mishuzhang@lh-cpa.example"
STAFF_PHONE = "13857600001"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, _Inbox]]:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


class _Gateway(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, Any], str]]
    failures: list[int]  # status codes to answer first, then 200

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status = self.failures.pop(0) if self.failures else 200
        if status == 200:
            self.received.append((body, self.headers.get("Authorization", "")))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def sms_gateway() -> Iterator[tuple[str, type[_Gateway]]]:
    handler = type("Gateway", (_Gateway,), {"received": [], "failures": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sms", handler
    finally:
        server.shutdown()
        server.server_close()


def _config(**changes: Any) -> NotifyConfig:
    org = OrgContacts(
        channels=("in_app", "email", "sms"),
        staff=Contact("调解科", STAFF_MAIL, STAFF_PHONE),
        supervisor=Contact("秘书长", BOSS_MAIL, "13900000009"),
    )
    return replace(NotifyConfig(orgs={CPC: org}), **changes)


@pytest.fixture
def case(tmp_path: Path) -> Driver:
    """A complaint received Mon 3 Mar 2025: R62 wants a decision by Mon 10 Mar (wd 5)."""
    store = SqlCaseStore.from_url(f"sqlite:///{tmp_path / 'notify.db'}")
    d = Driver(SpecLibrary(), default_pack(), default_calendar(), store=store,
               start=sh(2025, 3, 3, 9))  # fmt: skip
    facts = {"claim_amount": 3000, "consumer": {"name": "陈静", "phone": "13600000000"},
             "business": {"name": "某教育培训学校"}, "summary": "预付式消费退费纠纷"}  # fmt: skip
    d.open("complaint_mediation", MEDIATOR, case_id=CASE, facts=facts)
    assert d.due("decide_complaint") == "2025-03-10"
    return d


def _outbox(d: Driver) -> Outbox:
    return Outbox(d.store.engine)  # type: ignore[attr-defined]


def test_reminders_fall_on_working_days_before_the_deadline(case: Driver) -> None:
    calendar = default_calendar()
    due = datetime(2025, 3, 10).date()
    assert working_days_before(calendar, due, 1).isoformat() == "2025-03-07"  # Fri
    assert working_days_before(calendar, due, 3).isoformat() == "2025-03-05"  # Wed
    # across the 2025 National Day holiday and its 调休 Saturday (11 Oct is a working day)
    assert working_days_before(calendar, datetime(2025, 10, 13).date(), 1).isoformat() == (
        "2025-10-11"
    )
    outbox, config = _outbox(case), _config()
    assert schedule(case.engine, outbox, config, sh(2025, 3, 5, 8, 59)) == 0
    assert schedule(case.engine, outbox, config, sh(2025, 3, 5, 9)) == 3  # in-app, mail, SMS
    planned = outbox.items(CASE)
    assert {(i.notification.channel, i.notification.recipient) for i in planned} == {
        ("in_app", CPC), ("email", STAFF_MAIL), ("sms", STAFF_PHONE),
    }  # fmt: skip
    assert all("|3|" in i.notification.key for i in planned)
    # after downtime past both, only the one-day reminder is planned
    assert schedule(case.engine, outbox, config, sh(2025, 3, 8, 9)) == 3
    assert sum("|1|" in i.notification.key for i in outbox.items(CASE)) == 3
    # past the deadline day, no reminder: the case is overdue
    assert schedule(case.engine, outbox, config, sh(2025, 3, 11, 9)) == 0


def test_reminder_reaches_a_real_smtp_server(case: Driver, smtp_server: tuple[int, _Inbox]) -> None:
    port, inbox = smtp_server
    config = _config(smtp=SmtpSettings(host="127.0.0.1", port=port, sender="suitiao@lh.example"))
    outbox = _outbox(case)
    now = sh(2025, 3, 5, 9, 30)
    schedule(case.engine, outbox, config, now)
    channels: dict[str, Channel] = {"email": SmtpChannel(config.smtp), "in_app": InAppChannel()}
    result = dispatch(outbox, channels, config, now)
    assert (result.sent, result.failed) == (2, 1)  # SMS is not configured: failed, recorded
    assert len(inbox.messages) == 1
    rcpt, raw = inbox.messages[0]
    assert rcpt == [STAFF_MAIL]
    message = message_from_bytes(raw)
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == f"【诉调提醒】{CASE}「决定是否受理投诉」将于3月10日到期"
    body = message.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    assert "2025-03-10" in body and "3个工作日" in body
    sent = {i.notification.channel: i for i in outbox.items(CASE)}
    assert sent["email"].status == "sent" and sent["email"].attempts == 1
    assert sent["sms"].status == "failed" and "not configured" in (sent["sms"].last_error or "")
    assert [i.notification.kind for i in outbox.inbox(CPC)] == ["reminder"]
    # at most once: planning and dispatching again sends nothing more
    assert schedule(case.engine, outbox, config, now) == 0
    assert dispatch(outbox, channels, config, now).sent == 0
    assert len(inbox.messages) == 1


def test_sms_gateway_failure_is_retried_with_backoff(
    case: Driver, sms_gateway: tuple[str, type[_Gateway]]
) -> None:
    url, gateway = sms_gateway
    gateway.failures.extend([503])
    config = _config(orgs={CPC: OrgContacts(("sms",), Contact(phone=STAFF_PHONE))})
    channels: dict[str, Channel] = {"sms": SmsChannel(HttpSmsGateway(url, token="s3cret"))}  # noqa: S106
    outbox, now = _outbox(case), sh(2025, 3, 5, 9, 0)
    assert schedule(case.engine, outbox, config, now) == 1
    assert dispatch(outbox, channels, config, now).retrying == 1
    (item,) = outbox.items(CASE)
    assert (item.status, item.attempts) == ("pending", 1)
    assert "503" in (item.last_error or "")
    assert dispatch(outbox, channels, config, now + backoff(config, 1) / 2).sent == 0
    assert dispatch(outbox, channels, config, now + backoff(config, 1)).sent == 1
    (item,) = outbox.items(CASE)
    assert (item.status, item.attempts) == ("sent", 2)
    ((body, auth),) = gateway.received
    assert body["to"] == STAFF_PHONE and CASE in body["text"] and auth == "Bearer s3cret"


class _Broken:
    def __init__(self) -> None:
        self.calls = 0

    def send(self, recipient: str, subject: str, body: str) -> None:
        self.calls += 1
        raise ConnectionRefusedError("relay down")


def test_attempts_run_out_and_the_row_says_why(case: Driver) -> None:
    config = _config(max_attempts=3, orgs={CPC: OrgContacts(("email",), Contact(email="a@b.c"))})
    broken = _Broken()
    outbox, now = _outbox(case), sh(2025, 3, 5, 9)
    schedule(case.engine, outbox, config, now)
    for hour in range(10, 16):  # hours apart: every backoff has elapsed
        dispatch(outbox, {"email": broken}, config, sh(2025, 3, 5, hour))
    (item,) = outbox.items(CASE)
    assert (item.status, item.attempts, broken.calls) == ("failed", 3, 3)
    assert item.last_error == "ConnectionRefusedError: relay down"
    assert [backoff(config, n).total_seconds() for n in (1, 2, 3)] == [60, 120, 240]


def test_two_dispatchers_never_claim_the_same_row(case: Driver) -> None:
    outbox, config, now = _outbox(case), _config(), sh(2025, 3, 5, 9)
    schedule(case.engine, outbox, config, now)
    first, second = outbox.claim(now), outbox.claim(now)
    assert len(first) == 3 and second == []
    assert outbox.stuck() == 3  # claimed, not finished: left for a person, never resent


def test_overdue_task_escalates_to_the_supervisor(case: Driver) -> None:
    case.fire(sh(2025, 3, 11, 8))  # R62's timer fired at the end of 10 Mar: remind()
    assert [r["rule"] for r in case.view.facts["reminders"]] == ["R62"]
    outbox, config = _outbox(case), _config()
    schedule(case.engine, outbox, config, sh(2025, 3, 11, 8))
    escalations = [
        i.notification for i in outbox.items(CASE) if i.notification.kind == "escalation"
    ]
    assert {(n.channel, n.recipient) for n in escalations} == {
        ("in_app", f"{CPC}/负责人"), ("email", BOSS_MAIL), ("sms", "13900000009"),
    }  # fmt: skip
    assert all("已逾期" in str(n.payload["subject"]) for n in escalations)
    assert "秘书长" in str(escalations[0].payload["body"])
    assert schedule(case.engine, outbox, config, sh(2025, 3, 12, 8)) == 0  # once


def test_config_file_sets_offsets_and_contacts(tmp_path: Path) -> None:
    path = tmp_path / "notify.toml"
    path.write_text(
        '[reminders]\nworking_days_before = [1, 5]\nsend_at = "08:30"\n'
        f'[orgs."{CPC}"]\nchannels = ["email"]\nemail = "{STAFF_MAIL}"\n'
        f'[orgs."{CPC}".supervisor]\nemail = "{BOSS_MAIL}"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.working_days_before == (5, 1)
    assert config.send_at.isoformat() == "08:30:00"
    assert config.contacts(CPC).supervisor == Contact(email=BOSS_MAIL)
    assert config.max_attempts == 5  # sections not in the file keep their defaults
    assert load_config().working_days_before == (3, 1)
