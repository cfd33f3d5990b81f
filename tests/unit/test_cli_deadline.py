"""`suitiao deadline` as contract/CLI.md specifies it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import orjson
import pytest

from api.cli import main
from standard_rules import legal_calendar
from standard_rules.schedules import CALENDAR_DIR_ENV

CLI_KEYS = {"from", "days", "unit", "due", "provisional", "skipped", "calendar"}


@pytest.fixture(autouse=True)
def _fresh_default_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    # No schedule directory from the environment, and no calendar cached by an earlier test.
    monkeypatch.delenv(CALENDAR_DIR_ENV, raising=False)
    monkeypatch.setattr(legal_calendar, "_default", None)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(["deadline", *args])
    except SystemExit as exc:  # pragma: no cover - main() returns its code; tolerate sys.exit
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code, out, err = run(capsys, *args, "--json")
    assert (code, err) == (0, "")
    assert out.endswith("\n") and out.count("\n") == 1
    document = orjson.loads(out)
    assert isinstance(document, dict)
    return document


@pytest.mark.parametrize(
    ("args", "due"),
    [
        (["--from", "2026-09-28", "--days", "3", "--unit", "working"], "2026-10-08"),
        (["--from", "2026-09-30", "--days", "1", "--unit", "calendar"], "2026-10-08"),
        (["--from", "2026-02-13", "--days", "1", "--unit", "working"], "2026-02-14"),  # 调休 Sat
        (["--from", "2025-01-27", "--days", "4", "--unit", "working"], "2025-02-08"),
        (["--from", "2026-03-07", "--days", "0", "--unit", "calendar"], "2026-03-09"),
        (["--from", "2026-03-07", "--days", "1", "--unit", "working"], "2026-03-09"),
        (["--unit", "calendar", "--days", "30", "--from", "2026-01-31"], "2026-03-02"),
        (["--from", "2026-12-31", "--days", "1", "--unit", "calendar"], "2027-01-04"),
    ],
)
def test_plain_output_is_one_date_line(
    capsys: pytest.CaptureFixture[str], args: list[str], due: str
) -> None:
    assert run(capsys, *args) == (0, f"{due}\n", "")


def test_json_has_the_contract_keys_plus_explanations(capsys: pytest.CaptureFixture[str]) -> None:
    document = run_json(capsys, "--from", "2026-09-28", "--days", "3", "--unit", "working")
    assert CLI_KEYS - set(document) == set()
    extra = set(document) - CLI_KEYS
    assert extra and all(key.startswith("explanation") for key in extra), extra


def test_the_cli_md_example(capsys: pytest.CaptureFixture[str]) -> None:
    document = run_json(capsys, "--from", "2026-09-28", "--days", "3", "--unit", "working")
    assert {key: document[key] for key in CLI_KEYS} == {
        "from": "2026-09-28",
        "days": 3,
        "unit": "working",
        "due": "2026-10-08",
        "provisional": False,
        "skipped": [f"2026-10-0{d}" for d in range(1, 8)],
        "calendar": "cn-2026 (State Council schedule)",
    }
    assert "2026-10-01（国庆节假期）" in str(document["explanation"])
    assert "2026-10-07 (National Day holiday)" in str(document["explanation_en"])


def test_json_calendar_days_into_2027_is_provisional(capsys: pytest.CaptureFixture[str]) -> None:
    document = run_json(capsys, "--from", "2026-12-31", "--days", "1", "--unit", "calendar")
    assert document["due"] == "2027-01-04"
    assert document["provisional"] is True
    assert document["skipped"] == ["2027-01-01", "2027-01-02", "2027-01-03"]
    assert document["calendar"] == (
        "cn-2026 (State Council schedule); cn-2027 (provisional: statutory holidays only)"
    )
    assert "暂定" in str(document["explanation"])


def test_json_cal_zero_on_a_working_day(capsys: pytest.CaptureFixture[str]) -> None:
    document = run_json(capsys, "--from", "2026-03-09", "--days", "0", "--unit", "calendar")
    assert (document["due"], document["skipped"], document["days"]) == ("2026-03-09", [], 0)


def test_calendar_dir_loads_a_schedule_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "cn-2027.toml").write_text(
        'year = 2027\nsource = "虚构的通知（测试）"\n'
        '[[holiday]]\nname = "春节"\nfrom = "2027-02-05"\nto = "2027-02-11"\n',
        encoding="utf-8",
    )
    args = ["--from", "2027-02-04", "--days", "1", "--unit", "calendar"]
    assert run_json(capsys, *args)["due"] == "2027-02-11"  # provisional: 除夕–初三, 补假 2 days
    document = run_json(capsys, *args, "--calendar-dir", str(tmp_path))
    assert (document["due"], document["provisional"]) == ("2027-02-12", False)
    assert document["calendar"] == "cn-2027 (State Council schedule)"


BAD: list[tuple[str, Sequence[str], str]] = [
    ("bad-date", ["--from", "2026-02-30", "--days", "3", "--unit", "working"], "--from"),
    ("not-a-date", ["--from", "yesterday", "--days", "3", "--unit", "working"], "--from"),
    ("slashes", ["--from", "2026/09/28", "--days", "3", "--unit", "working"], "--from"),
    ("negative-days", ["--from", "2026-09-28", "--days", "-1", "--unit", "calendar"], "--days"),
    ("fraction", ["--from", "2026-09-28", "--days", "1.5", "--unit", "calendar"], "--days"),
    ("words", ["--from", "2026-09-28", "--days", "three", "--unit", "calendar"], "--days"),
    ("unknown-unit", ["--from", "2026-09-28", "--days", "3", "--unit", "weeks"], "--unit"),
    ("missing-from", ["--days", "3", "--unit", "working"], "--from"),
    ("missing-days", ["--from", "2026-09-28", "--unit", "working"], "--days"),
    ("missing-unit", ["--from", "2026-09-28", "--days", "3"], "--unit"),
    ("zero-working", ["--from", "2026-09-28", "--days", "0", "--unit", "working"], "--days"),
    ("unknown-option", ["--from", "2026-09-28", "--days", "3", "--unit", "working", "-x"], "-x"),
    ("past-2099", ["--from", "2099-12-20", "--days", "30", "--unit", "calendar"], "2099"),
    ("huge", ["--from", "2026-09-28", "--days", "10000000", "--unit", "working"], "2099"),
]


@pytest.mark.parametrize(("args", "mentions"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_arguments_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], args: Sequence[str], mentions: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("suitiao: ")
    assert mentions in err


def test_bad_arguments_with_json_still_print_nothing_on_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys, "--from", "2026-09-28", "--days", "0", "--unit", "working", "--json"
    )
    assert (code, out, err.count("\n")) == (2, "", 1)


def test_malformed_schedule_in_calendar_dir_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "cn-2027.toml"
    path.write_text("year = 2027\n", encoding="utf-8")
    args = ["--from", "2026-09-28", "--days", "3", "--unit", "working"]
    code, out, err = run(capsys, *args, "--calendar-dir", str(tmp_path))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert str(path) in err and "'source'" in err
