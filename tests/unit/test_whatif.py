"""What if: the reported differences equal two independent audits compared by hand.

Each proposal (a pack lengthening R17, a local agreement, a 2027 schedule) is audited on its own
with audit(), the findings are diffed here, and the due dates are reckoned here period by period
with deadlines.reckon; whatif() must report exactly that, having read the log once.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from standard_rules.audit import Finding, audit, audit_streamed, group_cases
from standard_rules.deadlines import case_conditions, reckon
from standard_rules.errors import PackError
from standard_rules.eventlog import Event, InputError, parse_jsonl
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.pack import RulePack, apply_override, default_pack
from standard_rules.schedules import official_schedules
from standard_rules.whatif import (
    Scenario,
    WhatIfResult,
    finding_key,
    proposed_calendar,
    proposed_pack,
    whatif,
    whatif_streamed,
)

REPO = Path(__file__).resolve().parents[2]
# Shifting the 2025–2026 log by 104 weeks keeps every weekday and lands it in 2027–2028.
TWO_YEARS = timedelta(days=728)

SCHEDULE_2027 = """
# TEST FIXTURE, NOT A STATE COUNCIL NOTICE: a made-up 2027 schedule whose National Day holiday
# runs to 10-07 (the statute alone gives 10-01..10-03) and whose Spring Festival block moves.
year = 2027
source = "（测试用）国务院办公厅关于2027年部分节假日安排的通知"

[[holiday]]
name = "元旦"
dates = ["2027-01-01"]

[[holiday]]
name = "春节"
from = "2027-02-06"
to = "2027-02-13"

[[holiday]]
name = "劳动节"
from = "2027-05-01"
to = "2027-05-05"

[[holiday]]
name = "国庆节"
from = "2027-10-01"
to = "2027-10-07"

[[workday]]
date = "2027-02-20"
name = "春节"

[[workday]]
dates = ["2027-09-26", "2027-10-09"]
name = "国庆节"
"""


def _generated(cases: int) -> list[str]:
    spec = importlib.util.spec_from_file_location("generate_log", REPO / "bench/generate_log.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    lines: list[str] = module.generate(cases, 17, False)
    return lines


def _shift(line: str) -> str:
    """The same event two years later (dates in its data too)."""
    record = json.loads(line)
    at = datetime.fromisoformat(record["at"].replace("Z", "+00:00"))
    record["at"] = (at + TWO_YEARS).isoformat()
    for key, value in (record.get("data") or {}).items():
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = datetime.fromisoformat(value).date() + TWO_YEARS
            record["data"][key] = day.isoformat()
    return json.dumps(record, ensure_ascii=False)


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return default_pack()


@pytest.fixture(scope="module")
def calendar() -> LegalCalendar:
    return LegalCalendar(official_schedules())


@pytest.fixture(scope="module")
def small_log(pack: RulePack) -> list[Event | InputError]:
    return _items(_generated(300), pack)


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return _generated(1500)


def _items(lines: list[str], pack: RulePack) -> list[Event | InputError]:
    return list(parse_jsonl(lines, pack.contract_activities, "log.jsonl"))


def _r17_rule_text(days: int) -> str:
    text = (REPO / "standard_rules/data/rules/mediation.toml").read_text(encoding="utf-8")
    match = re.search(r'\[\[rule\]\]\nid = "R17"\n.*?(?=\n\[\[rule\]\])', text, re.S)
    assert match is not None
    block = match.group(0)
    assert "days = 15" in block
    return 'version = "2027.1-draft"\n\n' + block.replace("days = 15", f"days = {days}", 1)


def _by_hand(
    items: list[Event | InputError], old: Scenario, new: Scenario
) -> tuple[Counter[tuple[object, ...]], Counter[tuple[object, ...]], set[tuple[object, ...]]]:
    """Two independent audits diffed, and every checked period reckoned under both scenarios."""
    before = audit(items, old.pack, old.calendar)
    after = audit(items, new.pack, new.calendar)
    old_keys = Counter(finding_key(f) for f in before.findings)
    new_keys = Counter(finding_key(f) for f in after.findings)
    moved: set[tuple[object, ...]] = set()
    cases = group_cases(i for i in items if isinstance(i, Event))
    for events in cases.values():
        for rule in new.pack.rules.values():
            if rule.check is None or rule.check.type != "deadline":
                continue
            for period in rule.periods:
                if period.days is None or (
                    rule.check.periods and period.name not in rule.check.periods
                ):
                    continue  # the periods the audit holds cases to
                old_period = old.pack.rules[rule.id].period(period.name)
                for i, event in enumerate(events):
                    if event.activity != period.start:
                        continue
                    known = case_conditions(events, i)
                    a = reckon(old_period, old.calendar, events, i).due
                    b = reckon(period, new.calendar, events, i).due
                    a = a if old_period.applies(known) else None
                    b = b if period.applies(known) else None
                    if a != b:
                        moved.add((event.case, rule.id, period.name, event.at, a, b))
    return new_keys - old_keys, old_keys - new_keys, moved


def _reported(
    result: WhatIfResult,
) -> tuple[Counter[tuple[object, ...]], Counter[tuple[object, ...]], set[tuple[object, ...]]]:
    return (
        Counter(finding_key(f) for f in result.appeared),
        Counter(finding_key(f) for f in result.disappeared),
        {
            (
                d.case,
                d.rule,
                d.period,
                d.start_at,
                d.old_due and d.old_due.toordinal(),
                d.new_due and d.new_due.toordinal(),
            )
            for d in result.due_changes
        },
    )


def _check_against_hand(
    items: list[Event | InputError], old: Scenario, new: Scenario
) -> WhatIfResult:
    result = whatif(items, old, new)
    assert _reported(result) == _by_hand(items, old, new)
    # the streamed pass over the same (contiguous) log says the same
    streamed = whatif_streamed(iter(items), old, new)
    assert streamed is not None
    assert _reported(streamed) == _reported(result)
    # the totals add up to what was reported, organisation by organisation and rule by rule
    totals = result.totals()
    assert sum(t.appeared for t in totals) == len(result.appeared)
    assert sum(t.disappeared for t in totals) == len(result.disappeared)
    assert sum(t.old_findings for t in totals) == len(audit(items, old.pack, old.calendar).findings)
    assert sum(t.new_findings for t in totals) == len(result.new_findings)
    return result


def test_a_pack_that_lengthens_r17(
    tmp_path: Path, pack: RulePack, calendar: LegalCalendar, lines: list[str]
) -> None:
    path = tmp_path / "r17.toml"
    path.write_text(_r17_rule_text(25), encoding="utf-8")
    revised = proposed_pack(pack, path)
    assert revised.rules["R17"].period("mediation_ordinary").days == 25
    assert revised.rules["R16"] == pack.rules["R16"]
    assert revised.stamp != pack.stamp and "2027.1-draft" in revised.stamp
    items = _items(lines, pack)
    result = _check_against_hand(items, Scenario(pack, calendar), Scenario(revised, calendar))
    # lengthening a period can only take findings away, and moves due dates later
    assert result.disappeared and not result.appeared
    assert {f.rule for f in result.disappeared} == {"R17"}
    assert result.due_changes and all(d.shift and d.shift > 0 for d in result.due_changes)
    assert all("cal(15) 改为 cal(25)" in d.reason_zh for d in result.due_changes)
    # each side says how its due date is reckoned, pauses and agreed extensions named
    for d in result.due_changes:
        assert "起15日" in d.old_reckoning and "起25日" in d.new_reckoning
        assert str(d.new_due) in d.new_reckoning


def test_a_local_agreement_giving_entrusted_cases_20_days(
    tmp_path: Path, pack: RulePack, calendar: LegalCalendar, lines: list[str]
) -> None:
    path = tmp_path / "agreement.toml"
    path.write_text(
        'name = "临海市法院与临海市消保委协议"\n\n[[override]]\nrule = "R17"\n'
        'period = "mediation_simple"\ndays = 20\nreason = "委托案件20日"\n',
        encoding="utf-8",
    )
    local = apply_override(pack, path)
    items = _items(lines, pack)
    result = _check_against_hand(items, Scenario(pack, calendar), Scenario(local, calendar))
    assert result.due_changes
    assert {(d.rule, d.period) for d in result.due_changes} == {("R17", "mediation_simple")}
    assert all("临海市法院与临海市消保委协议" in d.reason_zh for d in result.due_changes)
    assert result.disappeared


def test_a_2027_schedule_that_moves_holidays(
    tmp_path: Path, pack: RulePack, calendar: LegalCalendar, lines: list[str]
) -> None:
    path = tmp_path / "cn-2027.toml"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    proposed, label = proposed_calendar(official_schedules(), [path])
    assert "cn-2027" in label
    assert not calendar.is_official(2027) and proposed.is_official(2027)
    items = _items([_shift(line) for line in lines], pack)
    result = _check_against_hand(
        items, Scenario(pack, calendar), Scenario(pack, proposed, calendar_label=label)
    )
    assert result.due_changes
    # every move names a day whose status changed, e.g. the National Day holiday now to 10-07
    # (10-04 and 10-05 are already rest days provisionally: 补假 for 10-02 and 10-03)
    assert all("2027-" in d.reason_zh for d in result.due_changes)
    assert any(
        "2027-10-06 由工作日改为休息日（国庆节假期）" in d.reason_zh for d in result.due_changes
    )
    assert any(d.shift and d.shift > 0 for d in result.due_changes)


def test_the_same_scenario_changes_nothing(
    pack: RulePack, calendar: LegalCalendar, lines: list[str]
) -> None:
    items = _items(lines, pack)
    result = whatif(items, Scenario(pack, calendar), Scenario(pack, calendar))
    assert not result.changed
    assert len(result.old_findings) == len(audit(items, pack, calendar).findings) > 0


def test_a_case_coming_back_stops_the_streamed_pass(
    pack: RulePack, calendar: LegalCalendar
) -> None:
    items = _items(_generated(20), pack)
    events = [i for i in items if isinstance(i, Event)]
    assert whatif_streamed(reversed(events), Scenario(pack, calendar), Scenario(pack, calendar))
    shuffled = events[::2] + events[1::2]
    assert whatif_streamed(shuffled, Scenario(pack, calendar), Scenario(pack, calendar)) is None
    assert audit_streamed(shuffled, pack, calendar) is None  # the same contract as the audit's


def test_a_bad_pack_file_names_the_file_and_field(tmp_path: Path, pack: RulePack) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(_r17_rule_text(15).replace('unit = "calendar"', 'unit = "weeks"', 1))
    with pytest.raises(PackError, match=r"bad.toml: rule\[0\] \(R17\)\.period\[0\]\.unit"):
        proposed_pack(pack, path)
    path.write_text('name = "x"\n')
    with pytest.raises(PackError, match=r"bad\.toml: field 'rule'"):
        proposed_pack(pack, path)


def test_findings_are_keyed_without_their_due_date() -> None:
    a = Finding(case="C", rule="R17", kind="late", message="m", at="t")
    b = Finding(case="C", rule="R17", kind="late", message="other", at="t")
    assert finding_key(a) == finding_key(b)


def test_a_pack_directory_is_a_whole_pack(pack: RulePack, calendar: LegalCalendar) -> None:
    from standard_rules.pack import DATA_DIR

    whole = proposed_pack(pack, DATA_DIR)
    assert whole.stamp == pack.stamp
    items = _items(_generated(50), pack)
    assert not whatif(items, Scenario(pack, calendar), Scenario(whole, calendar)).changed


_DAY_PERIODS = [
    (rule.id, period.name)
    for rule in default_pack().rules.values()
    if rule.check is not None and rule.check.type == "deadline"
    for period in rule.periods
    if period.days is not None
]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    target=st.sampled_from(_DAY_PERIODS),
    days=st.integers(min_value=1, max_value=90),
    unit=st.sampled_from(["calendar", "working"]),
)
def test_any_agreement_reports_what_two_audits_show(
    tmp_path_factory: pytest.TempPathFactory,
    pack: RulePack,
    calendar: LegalCalendar,
    small_log: list[Event | InputError],
    target: tuple[str, str],
    days: int,
    unit: str,
) -> None:
    path = tmp_path_factory.mktemp("agreement") / "agreement.toml"
    path.write_text(
        f'name = "任意协议"\n[[override]]\nrule = "{target[0]}"\nperiod = "{target[1]}"\n'
        f'days = {days}\nunit = "{unit}"\n',
        encoding="utf-8",
    )
    old, new = Scenario(pack, calendar), Scenario(apply_override(pack, path), calendar)
    assert _reported(whatif(small_log, old, new)) == _by_hand(small_log, old, new)
