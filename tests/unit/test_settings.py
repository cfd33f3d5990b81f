"""Settings: every variable parsed in one place, a bad value refused by name, in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.cli import main
from api.settings import Settings, SettingsError


def test_an_empty_environment_gives_the_defaults() -> None:
    assert Settings.from_env({}) == Settings(calendar_dirs=(Path("var") / "calendars",))


def test_every_variable_is_read() -> None:
    settings = Settings.from_env({
        "DATABASE_URL": "postgresql://db/suitiao",
        "SUITIAO_STATE_DIR": "/srv/suitiao",
        "SUITIAO_LOCAL_RULES": "a.toml:b.toml",
        "SUITIAO_LOCAL_PAIRING": "pairs.toml",
        "SUITIAO_TIMER_POLL_SECONDS": "5",
        "SUITIAO_NOTIFY_POLL_SECONDS": "0",
        "SUITIAO_NOTIFY_CONFIG": "/etc/suitiao/notify.toml",
        "SUITIAO_SMTP_PASSWORD": "smtp-secret",
        "SUITIAO_SMS_TOKEN": "sms-secret",
        "SUITIAO_SECRET_KEY": "k" * 40,
        "SUITIAO_TOKEN_MINUTES": "30",
        "SUITIAO_MAX_BODY_BYTES": "131072",
        "SUITIAO_SIGNIN_PER_ACCOUNT": "3",
        "SUITIAO_SIGNIN_PER_ADDRESS": "9",
        "SUITIAO_CJK_FONT": "/fonts/song.ttf",
    })  # fmt: skip
    assert settings == Settings(
        database_url="postgresql://db/suitiao",
        local_rules=(Path("a.toml"), Path("b.toml")),
        local_pairing=(Path("pairs.toml"),),
        calendar_dirs=(Path("/srv/suitiao/calendars"),),
        timer_poll_seconds=5.0,
        notify_poll_seconds=0.0,
        notify_config=Path("/etc/suitiao/notify.toml"),
        smtp_password="smtp-secret",  # noqa: S106 - a test value
        sms_token="sms-secret",  # noqa: S106 - a test value
        secret_key="k" * 40,
        state_dir=Path("/srv/suitiao"),
        token_minutes=30,
        max_body_bytes=131072,
        signin_per_account=3,
        signin_per_address=9,
        cjk_font=Path("/fonts/song.ttf"),
    )
    assert "smtp-secret" not in repr(settings) and "k" * 40 not in repr(settings)


def test_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        Settings().token_minutes = 60  # type: ignore[misc]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SUITIAO_TOKEN_MINUTES", "fifteen"),
        ("SUITIAO_TOKEN_MINUTES", "0"),
        ("SUITIAO_TIMER_POLL_SECONDS", "-1"),
        ("SUITIAO_TIMER_POLL_SECONDS", "nan"),
        ("SUITIAO_MAX_BODY_BYTES", "10"),
        ("SUITIAO_SIGNIN_PER_ACCOUNT", "2.5"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({variable: value})
    assert refused.value.code == "invalid_setting"
    assert refused.value.variable == variable
    assert str(refused.value).startswith(f"环境变量 {variable}=")


def test_the_command_line_reports_a_bad_setting_as_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("SUITIAO_TOKEN_MINUTES", "soon")
    assert main(["processes"]) == 2
    assert "invalid_setting: 环境变量 SUITIAO_TOKEN_MINUTES='soon' 无效" in capsys.readouterr().err
