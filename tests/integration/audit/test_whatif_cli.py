"""`suitiao whatif`: on log files (the contract of `suitiao audit`: exit codes, errors, formats)
and against a live database (SQLite and PostgreSQL): armed timers that would fire earlier or later,
checked against the periods reckoned here case by case."""

from __future__ import annotations

import importlib.util
import io
import json
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook

from api.cli import main
from standard_rules.deadlines import case_conditions, reckon
from standard_rules.eventlog import Event, parse_jsonl
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import apply_override, default_pack
from standard_rules.whatif import Scenario, whatif
from storage.sql import SqlCaseStore
from tests.mediating import mediating_case

REPO = Path(__file__).resolve().parents[3]
SHANGHAI = timezone(timedelta(hours=8))
AGREEMENT = (
    'name = "临海市委托调解协议"\n\n[[override]]\nrule = "R17"\nperiod = "mediation_simple"\n'
    "days = 20\n"
)
R16_LONGER = 'name = "委派延长"\n\n[[override]]\nrule = "R16"\ndays = 40\n'


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = importlib.util.spec_from_file_location("generate_log", REPO / "bench/generate_log.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = tmp_path_factory.mktemp("whatif") / "log.jsonl"
    path.write_text("\n".join(module.generate(600, 5, False)) + "\n", encoding="utf-8")
    return path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_equals_the_library_and_exits_1_on_differences(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agreement = tmp_path / "agreement.toml"
    agreement.write_text(AGREEMENT, encoding="utf-8")
    code, out, _ = _run(["whatif", str(log), "--local", str(agreement), "--format", "json"], capsys)
    assert code == 1
    document = json.loads(out)
    pack = default_pack()
    calendar = default_calendar()
    items = list(parse_jsonl(log.read_bytes().splitlines(), pack.contract_activities, str(log)))
    expected = whatif(
        items, Scenario(pack, calendar), Scenario(apply_override(pack, agreement), calendar)
    )
    assert len(document["due_changes"]) == len(expected.due_changes) > 0
    assert [d["case"] for d in document["disappeared"]] == [f.case for f in expected.disappeared]
    assert document["findings"] == {
        "current": len(expected.old_findings),
        "proposed": len(expected.new_findings),
    }
    assert "临海市委托调解协议" in document["proposed"]
    first = document["due_changes"][0]
    assert first["rule"] == "R17" and first["shift_days"] > 0 and "cal(7)" in first["reason"]


def test_no_difference_exits_0(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    same = tmp_path / "same.toml"
    same.write_text('name = "无变化"\n', encoding="utf-8")
    code, out, _ = _run(["whatif", str(log), "--local", str(same)], capsys)
    assert code == 0
    assert "没有任何差别" in out


def test_xlsx_has_the_same_rows(
    log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    agreement = tmp_path / "agreement.toml"
    agreement.write_text(AGREEMENT, encoding="utf-8")
    out = tmp_path / "whatif.xlsx"
    code, _, _ = _run(
        ["whatif", str(log), "--local", str(agreement), "--format", "xlsx", "--output", str(out)],
        capsys,
    )
    assert code == 1
    _, text, _ = _run(["whatif", str(log), "--local", str(agreement), "--format", "json"], capsys)
    document = json.loads(text)
    book = load_workbook(io.BytesIO(out.read_bytes()), read_only=True)
    moves = list(book["期限变动 Due dates"].iter_rows(values_only=True))
    assert len(moves) - 1 == len(document["due_changes"])
    assert moves[1][0] == document["due_changes"][0]["case"]
    gone = list(book["消失 Disappear"].iter_rows(values_only=True))
    assert len(gone) - 1 == len(document["disappeared"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["whatif", "LOG"], "--pack FILE, --local FILE or --calendar FILE"),
        (["whatif", "--local", "AGREEMENT"], "LOG files or --db"),
        (["whatif", "LOG", "--local", "nowhere.toml"], "--local nowhere.toml: no such file"),
        (["whatif", "LOG", "--pack", "BADPACK"], "rule[0]"),
        (["whatif", "LOG", "--calendar", "BADCAL"], "field 'year'"),
        (["whatif", "missing.jsonl", "--local", "AGREEMENT"], "missing.jsonl: no such file"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    log: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    agreement = tmp_path / "agreement.toml"
    agreement.write_text(AGREEMENT, encoding="utf-8")
    bad_pack = tmp_path / "bad_pack.toml"
    bad_pack.write_text('[[rule]]\nid = "R17"\n', encoding="utf-8")
    bad_cal = tmp_path / "cn-2027.toml"
    bad_cal.write_text('source = "x"\n', encoding="utf-8")
    names = {"LOG": str(log), "AGREEMENT": str(agreement), "BADPACK": str(bad_pack)}
    names["BADCAL"] = str(bad_cal)
    code, out, err = _run([names.get(a, a) for a in args], capsys)
    assert code == 2
    assert out == ""
    assert message in err and err.count("\n") == 1


# -- the live database ---------------------------------------------------------------------------


def _end_of_day(ordinal: int) -> datetime:
    """24:00 of the due day: the first instant of the next day."""
    return datetime.combine(date.fromordinal(ordinal + 1), time(0, 0, tzinfo=SHANGHAI))


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_db_reports_the_armed_timers_that_move(
    backend: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    if backend == "postgres":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'suitiao.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("SUITIAO_LOCAL_RULES", raising=False)
    store = SqlCaseStore.from_url(url)
    if not store.count():
        assert main(["demo", "--cases", "40"]) == 0
        # the demo's draw may leave no case in mediation on the day the test runs
        from api.bootstrap import build_services

        engine = build_services().engine
        mediating_case(engine, "(2026)浙1082民诉前调9001号", "临海市人民法院", "临海市消保委")
    capsys.readouterr()
    agreement = tmp_path / "r16.toml"
    agreement.write_text(R16_LONGER, encoding="utf-8")
    code, out, _ = _run(["whatif", "--db", "--local", str(agreement), "--format", "json"], capsys)
    document = json.loads(out)
    # By hand: every open case's events, R16 reckoned under both packs; a still-open period's
    # timer sits at the end of its old due day and must be reported moved to the new one.
    pack, calendar = default_pack(), default_calendar()
    longer = apply_override(pack, agreement)
    old_p = pack.rules["R16"].period("mediation_pre_filing")
    new_p = longer.rules["R16"].period("mediation_pre_filing")
    expected = set()
    timers_seen = 0
    from storage.armed import armed_cases

    for case_id, timers, case_events in armed_cases(store.engine, batch=7):
        timers_seen += len(timers)
        events = [
            Event(e.case, e.activity, e.at_text, e.at.timestamp(), e.data, e.seq)
            for e in case_events
        ]
        for i, event in enumerate(events):
            if event.activity != old_p.start or not old_p.applies(case_conditions(events, i)):
                continue
            a = reckon(old_p, calendar, events, i)
            b = reckon(new_p, calendar, events, i)
            if a.satisfied_at is not None or a.cancelled_at is not None or a.due is None:
                continue
            for t in timers:
                ends = (t.due_at - timedelta(microseconds=1)).astimezone(SHANGHAI).date()
                if ends.toordinal() == a.due:
                    assert b.due is not None
                    expected.add((case_id, t.name, _end_of_day(b.due).isoformat()))
    assert document["timers"] == timers_seen > 0
    reported = {(c["case"], c["timer"], c["would_fire"]) for c in document["changes"]}
    assert reported == expected
    assert expected, "the demo has open pre-filing cases in mediation"
    assert code == 1
    assert all(c["shift_days"] > 0 and c["rule"] == "R16" for c in document["changes"])
