"""`suitiao proposals` keeps a proposed agreement, pack or schedule with who and when, and
`suitiao whatif … --proposal NAME` compares it exactly as the file itself would (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.audit.test_whatif_cli import AGREEMENT, _run, log  # noqa: F401

NOTICE_WITH_A_WEEKDAY = 'year = 2027\nsource = "x"\n[[workday]]\ndate = "2027-03-03"\n'


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path / "var"
    monkeypatch.setenv("SUITIAO_STATE_DIR", str(state))
    return state


def test_keep_list_and_compare_by_name(
    log: Path,  # noqa: F811
    state: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    agreement = tmp_path / "linhai.toml"
    agreement.write_text(AGREEMENT, encoding="utf-8")
    code, out, err = _run(["proposals"], capsys)
    assert (code, err) == (0, "") and "尚无保存的方案" in out
    args = ["proposals", "keep", "临海委托20日", "--local", str(agreement), "--by", "张审计"]
    code, out, _ = _run(args, capsys)
    assert code == 0 and "已保存方案“临海委托20日”" in out
    code, out, _ = _run(["proposals", "--json"], capsys)
    [kept] = json.loads(out)
    assert (kept["name"], kept["kind"], kept["filename"], kept["by"]) == (
        "临海委托20日",
        "local",
        "linhai.toml",
        "张审计",
    )
    assert kept["at"].endswith("+08:00")
    # The same comparison as naming the file itself.
    by_file = _run(["whatif", str(log), "--local", str(agreement), "--format", "json"], capsys)
    by_name = _run(["whatif", str(log), "--proposal", "临海委托20日", "--format", "json"], capsys)
    assert by_name[0] == by_file[0] == 1
    strip = ("as_of",)
    named = {k: v for k, v in json.loads(by_name[1]).items() if k not in strip}
    filed = {k: v for k, v in json.loads(by_file[1]).items() if k not in strip}
    assert named == filed
    # Keeping it loaded nothing: the rules in force are the base pack's.
    code, out, _ = _run(["rules", "--json"], capsys)
    assert "临海市委托调解协议" not in out


def test_refusals_exit_2_with_a_code_and_keep_nothing(
    log: Path,  # noqa: F811
    state: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = _run(["whatif", str(log), "--proposal", "没有这个"], capsys)
    assert code == 2 and "proposal.not_found" in err
    bad = tmp_path / "cn-2027.toml"
    bad.write_text(NOTICE_WITH_A_WEEKDAY, encoding="utf-8")
    code, _, err = _run(["proposals", "keep", "坏日历", "--calendar", str(bad)], capsys)
    assert code == 2 and "2027-03-03 is a weekday" in err
    assert not (state / "proposals" / "坏日历.json").exists()
    good = tmp_path / "linhai.toml"
    good.write_text(AGREEMENT, encoding="utf-8")
    assert _run(["proposals", "keep", "a", "--local", str(good)], capsys)[0] == 0
    code, _, err = _run(["proposals", "keep", "a", "--local", str(good)], capsys)
    assert code == 2 and "proposal.exists" in err
    code, _, err = _run(["proposals", "keep", "../x", "--local", str(good)], capsys)
    assert code == 2 and "proposal.name_invalid" in err
    # A kept file altered afterwards is refused rather than compared.
    (state / "proposals" / "a.toml").write_text(AGREEMENT + "\n# edited\n", encoding="utf-8")
    code, _, err = _run(["whatif", str(log), "--proposal", "a"], capsys)
    assert code == 2 and "proposal.altered" in err
