"""Every setting of a deployment, read from the environment in this one place.

`Settings.from_env()` parses and checks each variable once (a bad value is a SettingsError naming
the variable, in Chinese, with a stable code); everything else takes a Settings object and reads
no environment of its own. The embedded default is a SQLite file under var/.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class SettingsError(ValueError):
    """An environment variable whose value cannot be used; `code` is stable."""

    code = "invalid_setting"

    def __init__(self, variable: str, value: str, wanted: str) -> None:
        super().__init__(f"环境变量 {variable}={value!r} 无效：应为{wanted}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/suitiao.db"
    local_rules: tuple[Path, ...] = ()  # local agreements changing the rule pack
    local_pairing: tuple[Path, ...] = ()  # agreements adding court–committee pairs
    calendar_dirs: tuple[Path, ...] = ()  # schedules loaded with `suitiao calendar load`
    timer_poll_seconds: float = 30.0
    notify_poll_seconds: float = 300.0  # reminders and escalations; 0 turns the loop off
    notify_config: Path | None = None  # reminder offsets, channels, contacts (TOML)
    smtp_password: str = field(default="", repr=False)
    sms_token: str = field(default="", repr=False)
    secret_key: str = field(default="", repr=False)
    state_dir: Path = Path("var")  # where a generated secret key and loaded calendars are kept
    token_minutes: int = 15
    max_body_bytes: int = 64 * 1024
    signin_per_account: int = 5  # failed sign-ins in 15 minutes before the account pauses
    signin_per_address: int = 20  # ... before the address pauses
    cjk_font: Path | None = None  # the TrueType font of the letters; else the usual places

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        read = _Reader(env)
        state_dir = Path(env.get("SUITIAO_STATE_DIR") or cls.state_dir)
        notify = env.get("SUITIAO_NOTIFY_CONFIG")
        font = env.get("SUITIAO_CJK_FONT")
        return cls(
            database_url=env.get("DATABASE_URL") or cls.database_url,
            local_rules=_paths(env.get("SUITIAO_LOCAL_RULES", "")),
            local_pairing=_paths(env.get("SUITIAO_LOCAL_PAIRING", "")),
            calendar_dirs=(state_dir / "calendars",),
            timer_poll_seconds=read("SUITIAO_TIMER_POLL_SECONDS", float, cls.timer_poll_seconds),
            notify_poll_seconds=read("SUITIAO_NOTIFY_POLL_SECONDS", float, cls.notify_poll_seconds),
            notify_config=Path(notify) if notify else None,
            smtp_password=env.get("SUITIAO_SMTP_PASSWORD", ""),
            sms_token=env.get("SUITIAO_SMS_TOKEN", ""),
            secret_key=env.get("SUITIAO_SECRET_KEY", ""),
            state_dir=state_dir,
            token_minutes=read("SUITIAO_TOKEN_MINUTES", int, cls.token_minutes, minimum=1),
            max_body_bytes=read("SUITIAO_MAX_BODY_BYTES", int, cls.max_body_bytes, minimum=1024),
            signin_per_account=read(
                "SUITIAO_SIGNIN_PER_ACCOUNT", int, cls.signin_per_account, minimum=1
            ),
            signin_per_address=read(
                "SUITIAO_SIGNIN_PER_ADDRESS", int, cls.signin_per_address, minimum=1
            ),
            cjk_font=Path(font) if font else None,
        )


@dataclass(frozen=True)
class _Reader:
    env: Mapping[str, str]

    def __call__(
        self, variable: str, kind: Callable[[str], T], default: T, minimum: float = 0
    ) -> T:
        raw = self.env.get(variable, "").strip()
        if not raw:
            return default
        wanted = f"不小于 {minimum:g} 的{'整数' if kind is int else '数'}"
        try:
            value = kind(raw)
        except ValueError:
            raise SettingsError(variable, raw, wanted) from None
        if not value >= minimum:  # type: ignore[operator]  # int or float; NaN fails too
            raise SettingsError(variable, raw, wanted)
        return value


def _paths(value: str) -> tuple[Path, ...]:
    return tuple(Path(p) for p in value.split(os.pathsep) if p)
