"""Notification settings: reminder offsets, retry policy, SMTP and SMS gateway, and each
organisation's contacts and supervisor. Defaults in notify.toml beside this file; a deployment's
own file (SUITIAO_NOTIFY_CONFIG or --config) replaces whole sections."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from api.settings import Settings

DEFAULTS = Path(__file__).parent / "notify.toml"
CHANNELS = ("in_app", "email", "sms")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Contact:
    name: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class OrgContacts:
    channels: tuple[str, ...] = ("in_app",)
    staff: Contact = Contact()
    supervisor: Contact | None = None


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    sender: str = "suitiao@localhost"
    starttls: bool = False
    username: str = ""
    password: str = field(default="", repr=False)
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class NotifyConfig:
    working_days_before: tuple[int, ...] = (3, 1)
    send_at: time = time(9, 0)
    max_attempts: int = 5
    backoff_seconds: float = 60.0
    backoff_cap_seconds: float = 3600.0
    smtp: SmtpSettings = SmtpSettings()
    sms_url: str = ""
    sms_token: str = field(default="", repr=False)
    sms_timeout_seconds: float = 10.0
    orgs: dict[str, OrgContacts] = field(default_factory=dict)

    def contacts(self, org: str) -> OrgContacts:
        return self.orgs.get(org, OrgContacts())


def _org(name: str, raw: dict[str, Any]) -> OrgContacts:
    channels = tuple(raw.get("channels", ("in_app",)))
    unknown = set(channels) - set(CHANNELS)
    if unknown:
        raise ConfigError(f"orgs.{name}: unknown channels {sorted(unknown)}")
    sup = raw.get("supervisor")
    return OrgContacts(
        channels=channels,
        staff=Contact(raw.get("name", ""), raw.get("email", ""), raw.get("phone", "")),
        supervisor=None if sup is None else Contact(**sup),
    )


def load_config(path: Path | None = None, settings: Settings | None = None) -> NotifyConfig:
    """The defaults, overridden by `path` or else the deployment's SUITIAO_NOTIFY_CONFIG; the
    SMTP password and SMS token come from the settings, never from a file."""
    settings = settings or Settings.from_env()
    raw = tomllib.loads(DEFAULTS.read_text(encoding="utf-8"))
    path = path or settings.notify_config
    if path is not None:
        try:
            raw.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from None
    reminders, retry, smtp, sms = raw["reminders"], raw["retry"], raw["smtp"], raw["sms"]
    offsets = tuple(sorted({int(n) for n in reminders["working_days_before"]}, reverse=True))
    if any(n < 1 for n in offsets):
        raise ConfigError("reminders.working_days_before: whole numbers of at least 1")
    return NotifyConfig(
        working_days_before=offsets,
        send_at=time.fromisoformat(reminders.get("send_at", "09:00")),
        max_attempts=int(retry["max_attempts"]),
        backoff_seconds=float(retry["backoff_seconds"]),
        backoff_cap_seconds=float(retry["backoff_cap_seconds"]),
        smtp=SmtpSettings(
            host=smtp["host"],
            port=int(smtp["port"]),
            sender=smtp["sender"],
            starttls=bool(smtp.get("starttls", False)),
            username=smtp.get("username", ""),
            password=settings.smtp_password,
            timeout_seconds=float(smtp.get("timeout_seconds", 10)),
        ),
        sms_url=sms.get("url", ""),
        sms_token=settings.sms_token,
        sms_timeout_seconds=float(sms.get("timeout_seconds", 10)),
        orgs={name: _org(name, o) for name, o in raw.get("orgs", {}).items()},
    )
