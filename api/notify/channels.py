"""Where a notification goes: e-mail over SMTP, SMS through an HTTP gateway, or the in-app inbox.

A channel's send() returns when the message was handed over and raises when it was not; the
dispatcher records either. Each is small so a deployment can supply its own (another SMS vendor
is one class with send_sms()).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

import httpx

from api.notify.config import NotifyConfig, SmtpSettings


class Channel(Protocol):
    def send(self, recipient: str, subject: str, body: str) -> None: ...


class SmtpChannel:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, recipient: str, subject: str, body: str) -> None:
        s = self.settings
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = s.sender, recipient, subject
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=s.sender.rpartition("@")[2] or None)
        message.set_content(body, charset="utf-8")
        with smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds) as smtp:
            if s.starttls:
                smtp.starttls()
            if s.username:
                smtp.login(s.username, s.password)
            smtp.send_message(message)


class SmsGateway(Protocol):
    def send_sms(self, phone: str, text: str) -> None: ...


class HttpSmsGateway:
    """POSTs {"to", "text"} as JSON with a bearer token; any 2xx is accepted, anything else is a
    failure to retry. Vendors that want another shape get a class of their own."""

    def __init__(self, url: str, token: str = "", timeout: float = 10.0) -> None:
        self.url, self.token, self.timeout = url, token, timeout

    def send_sms(self, phone: str, text: str) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = httpx.post(
            self.url, json={"to": phone, "text": text}, headers=headers, timeout=self.timeout
        )
        response.raise_for_status()


class SmsChannel:
    LIMIT = 300  # characters: a few concatenated SMS at most; the full text is in the inbox

    def __init__(self, gateway: SmsGateway) -> None:
        self.gateway = gateway

    def send(self, recipient: str, subject: str, body: str) -> None:
        self.gateway.send_sms(recipient, f"{subject}\n{body}"[: self.LIMIT])


class InAppChannel:
    """The outbox row marked sent is the in-app message (Outbox.inbox lists it)."""

    def send(self, recipient: str, subject: str, body: str) -> None:  # noqa: ARG002
        return None


def channels_from(config: NotifyConfig) -> dict[str, Channel]:
    channels: dict[str, Channel] = {"in_app": InAppChannel(), "email": SmtpChannel(config.smtp)}
    if config.sms_url:
        gateway = HttpSmsGateway(config.sms_url, config.sms_token, config.sms_timeout_seconds)
        channels["sms"] = SmsChannel(gateway)
    return channels
