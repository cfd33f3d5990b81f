"""Settings from the environment: where the database is, where extra calendars and local rule
agreements live. The embedded default is a SQLite file in the working directory."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/suitiao.db"
    local_rules: tuple[Path, ...] = ()
    local_pairing: tuple[Path, ...] = ()  # agreements adding court–committee pairs
    calendar_dirs: tuple[Path, ...] = ()
    timer_poll_seconds: float = 30.0
    notify_poll_seconds: float = 300.0  # reminders and escalations; 0 turns the loop off
    secret_key: str = field(default="", repr=False)
    state_dir: Path = Path("var")  # where a generated secret key is kept
    token_minutes: int = 15
    max_body_bytes: int = 64 * 1024
    signin_per_account: int = 5  # failed sign-ins in 15 minutes before the account pauses
    signin_per_address: int = 20  # ... before the address pauses

    @classmethod
    def from_env(cls) -> Settings:
        local = os.environ.get("SUITIAO_LOCAL_RULES", "")
        state_dir = Path(os.environ.get("SUITIAO_STATE_DIR", "var"))
        pairing = os.environ.get("SUITIAO_LOCAL_PAIRING", "")
        return cls(
            database_url=os.environ.get("DATABASE_URL", cls.database_url),
            local_rules=tuple(Path(p) for p in local.split(os.pathsep) if p),
            local_pairing=tuple(Path(p) for p in pairing.split(os.pathsep) if p),
            timer_poll_seconds=float(os.environ.get("SUITIAO_TIMER_POLL_SECONDS", "30")),
            notify_poll_seconds=float(os.environ.get("SUITIAO_NOTIFY_POLL_SECONDS", "300")),
            secret_key=os.environ.get("SUITIAO_SECRET_KEY", ""),
            state_dir=state_dir,
            # Schedules loaded with `suitiao calendar load` (api/schedule_loading.py).
            calendar_dirs=(state_dir / "calendars",),
            signin_per_account=int(os.environ.get("SUITIAO_SIGNIN_PER_ACCOUNT", "5")),
            signin_per_address=int(os.environ.get("SUITIAO_SIGNIN_PER_ADDRESS", "20")),
        )
