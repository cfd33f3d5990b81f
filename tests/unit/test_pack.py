"""The rule pack as data: loading, stamping, validation errors, local overrides, `suitiao rules`."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from datetime import datetime
from pathlib import Path

import pytest

from api.cli import main
from standard_rules.audit import audit
from standard_rules.errors import PackError
from standard_rules.eventlog import parse_jsonl
from standard_rules.legal_calendar import Unit, default_calendar
from standard_rules.pack import DATA_DIR, RulePack, apply_override, default_pack, load_pack

EXPECTED_IDS = [f"R{n:02d}" for n in range(1, 78)] + ["T01", "T02", "T03"]
AUDITED = ["R02", "R06", "R16", "R17", "R22", "R40", "R44", "R48", "R62", "R63", "T01", "T02"]


@pytest.fixture(scope="module")
def base() -> RulePack:
    return load_pack()


# -- the base pack ------------------------------------------------------------------------------


def test_base_pack_has_r01_to_r77_and_t01(base: RulePack) -> None:
    assert sorted(base.rules) == sorted(EXPECTED_IDS)
    assert all(rule.id == key for key, rule in base.rules.items())


def test_every_rule_id_is_written_once_in_the_data() -> None:
    # Read the TOML directly: the loader's dict would hide a duplicate that it failed to reject.
    seen: list[str] = []
    for path in sorted((DATA_DIR / "rules").glob("*.toml")):
        seen += [raw["id"] for raw in tomllib.loads(path.read_text("utf-8")).get("rule", [])]
    assert sorted(seen) == sorted(EXPECTED_IDS)


def test_audited_rules_carry_a_check(base: RulePack) -> None:
    assert sorted(r.id for r in base.rules.values() if r.check is not None) == AUDITED


def test_stamp_names_the_pack_version_and_digest(base: RulePack) -> None:
    manifest = tomllib.loads((DATA_DIR / "pack.toml").read_text("utf-8"))
    assert manifest["name"] in base.stamp
    assert manifest["version"] in base.stamp
    assert re.search(r"sha256:[0-9a-f]{12}", base.stamp)
    assert base.local == ()


def test_stamp_changes_with_the_data(tmp_path: Path, base: RulePack) -> None:
    data = copy_data(tmp_path)
    assert load_pack(data).stamp == base.stamp  # a copy is the same pack
    path = data / "rules" / "mediation.toml"
    path.write_text(path.read_text("utf-8") + "\n# a comment changes the bytes\n", "utf-8")
    changed = load_pack(data)
    assert changed.stamp != base.stamp
    assert changed.rules == base.rules


def test_default_pack_is_the_base_pack(base: RulePack) -> None:
    assert default_pack().stamp == base.stamp


def test_r16_and_r17_parameters(base: RulePack) -> None:
    r16 = base.rule("R16").period()
    assert (r16.days, r16.unit, r16.start) == (30, Unit.CALENDAR, "referral_received")
    r17 = {p.name: p for p in base.rule("R17").periods}
    assert sorted((p.days, dict(p.when)["procedure"]) for p in r17.values()) == [
        (7, "simple"),
        (15, "ordinary"),
    ]


# -- validation: broken copies of the data directory -------------------------------------------


def copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def edit_rule(data: Path, file: str, rule_id: str, old: str, new: str) -> Path:
    """Replace `old` by `new` inside one rule's block of data/rules/<file>."""
    path = data / "rules" / file
    text = path.read_text("utf-8")
    start = text.index(f'id = "{rule_id}"')
    following = text.find("[[rule]]", start)
    end = len(text) if following == -1 else following
    block = text[start:end]
    assert block.count(old) == 1, f"{old!r} not once in {rule_id}"
    path.write_text(text[:start] + block.replace(old, new) + text[end:], "utf-8")
    return path


def load_error(data: Path) -> str:
    with pytest.raises(PackError) as info:
        load_pack(data)
    return str(info.value)


def test_duplicate_rule_id(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    path = edit_rule(data, "mediation.toml", "R17", 'id = "R17"', 'id = "R16"')
    message = load_error(data)
    assert str(path) in message
    assert "R16" in message


def test_unknown_unit(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    path = edit_rule(data, "mediation.toml", "R16", 'unit = "calendar"', 'unit = "fortnights"')
    message = load_error(data)
    assert str(path) in message
    assert ".unit" in message
    assert "fortnights" in message


def test_unknown_activity_in_a_period(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    path = edit_rule(
        data, "mediation.toml", "R16", 'from = "referral_received"', 'from = "referral_recieved"'
    )
    message = load_error(data)
    assert str(path) in message
    assert "R16" in message
    assert "period" in message
    assert "referral_recieved" in message


def test_unknown_activity_in_until(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    path = edit_rule(
        data,
        "complaint.toml",
        "R62",
        'until = ["complaint_accepted", "complaint_rejected"]',
        'until = ["complaint_accepted", "complaint_ignored"]',
    )
    message = load_error(data)
    assert str(path) in message
    assert "complaint_ignored" in message


def test_unknown_source_key(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    path = edit_rule(data, "mediation.toml", "R16", 'sources = ["TYTJ"]', 'sources = ["NOPE"]')
    message = load_error(data)
    assert str(path) in message
    assert "sources" in message
    assert "NOPE" in message


def test_unknown_outcome_code(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    path = edit_rule(
        data,
        "mediation.toml",
        "R16",
        'outcomes = ["timed_out", "filed"]',
        'outcomes = ["timed_out", "flied"]',
    )
    message = load_error(data)
    assert str(path) in message
    assert "outcomes" in message
    assert "flied" in message


def test_outcome_requiring_an_unknown_activity(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    path = data / "outcomes.toml"
    text = path.read_text("utf-8")
    assert text.count('requires = ["case_registered"]') == 1
    path.write_text(
        text.replace('requires = ["case_registered"]', 'requires = ["registered"]'), "utf-8"
    )
    message = load_error(data)
    assert "outcomes.toml" in message
    assert "registered" in message


@pytest.mark.parametrize(
    ("new", "field", "bad"),
    [
        ('when = { moda = "pre_filing"', "when.moda", "moda"),
        ('when = { mode = "prefiling"', "when.mode", "prefiling"),
    ],
)
def test_unknown_when_key_or_value(tmp_path: Path, new: str, field: str, bad: str) -> None:
    data = copy_data(tmp_path)
    path = edit_rule(data, "mediation.toml", "R16", 'when = { mode = "pre_filing"', new)
    message = load_error(data)
    assert str(path) in message
    assert field in message
    assert bad in message


def test_unknown_check_type(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    path = edit_rule(
        data, "terminal.toml", "T01", 'type = "outcome_supported"', 'type = "outcome_suported"'
    )
    message = load_error(data)
    assert str(path) in message
    assert "check.type" in message
    assert "outcome_suported" in message


def test_missing_rule_number(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    edit_rule(data, "complaint.toml", "R63", 'id = "R63"', 'id = "T63"')
    message = load_error(data)
    assert "rules" in message
    assert "R63" in message
    assert "T63" not in message


def test_bad_toml(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    path = data / "rules" / "intake.toml"
    path.write_text(path.read_text("utf-8") + '\n[[rule]\nid = "R99\n', "utf-8")
    message = load_error(data)
    assert str(path) in message
    assert "TOML" in message


def test_bad_rule_id(tmp_path: Path) -> None:
    data = copy_data(tmp_path)
    path = edit_rule(data, "intake.toml", "R02", 'id = "R02"', 'id = "Rule2"')
    message = load_error(data)
    assert str(path) in message
    assert "Rule2" in message


# -- local overrides -----------------------------------------------------------------------------

AGREEMENT = "临海市人民法院与临海市消保委诉调对接协议（2026）"


def write_override(tmp_path: Path, body: str, name: str = AGREEMENT) -> Path:
    path = tmp_path / "local.toml"
    path.write_text(f'name = "{name}"\n\n{body}', "utf-8")
    return path


R16_TO_20 = """
[[override]]
rule = "R16"
days = 20
reason = "本地协议约定委派调解期限为20日"
"""


def audit_r16(pack: RulePack, outcome_day: str) -> list[tuple[str, str, str, str | None]]:
    """Pre-filing referral signed for on Mon 2026-03-02, the mediation failing on `outcome_day`."""
    rows = [
        ("consent_given", "2026-03-02T08:00:00+08:00", {}),
        ("referred", "2026-03-02T08:30:00+08:00", {"mode": "pre_filing"}),
        ("referral_received", "2026-03-02T09:00:00+08:00", {}),
        ("referral_accepted", "2026-03-02T09:30:00+08:00", {}),
        ("mediation_failed", f"{outcome_day}T10:00:00+08:00", {}),
    ]
    lines = [json.dumps({"case": "L", "activity": a, "at": at, "data": d}) for a, at, d in rows]
    items = list(parse_jsonl(lines, pack.contract_activities))
    # within T02's 60 quiet days of the outcome: the case is open but not stalled
    as_of = datetime.fromisoformat("2026-05-01T00:00:00+08:00")
    result = audit(items, pack, default_calendar(), as_of)
    assert result.rule_pack == pack.stamp
    return [(f.case, f.rule, f.kind, f.due.isoformat() if f.due else None) for f in result.findings]


def test_override_changes_r16_and_nothing_else(tmp_path: Path, base: RulePack) -> None:
    path = write_override(tmp_path, R16_TO_20)
    local = load_pack(overrides=[path])
    period = local.rule("R16").period()
    assert period.days == 20
    assert period.overridden_by == AGREEMENT
    assert period.unit is Unit.CALENDAR
    assert period.until == base.rule("R16").period().until
    assert {k: v for k, v in local.rules.items() if k != "R16"} == {
        k: v for k, v in base.rules.items() if k != "R16"
    }
    assert local.activities == base.activities
    assert local.outcomes == base.outcomes
    assert local.stamp.startswith(base.stamp)
    assert AGREEMENT in local.stamp
    assert len(local.local) == 1
    assert apply_override(base, path).stamp == local.stamp
    assert base.rule("R16").period().days == 30  # the base pack is not touched


def test_override_changes_the_audit(tmp_path: Path, base: RulePack) -> None:
    local = load_pack(overrides=[write_override(tmp_path, R16_TO_20)])
    # Base: 2026-03-02 + 30 = Wed 04-01. Local: + 20 = Sun 03-22 -> Mon 03-23.
    assert audit_r16(base, "2026-03-24") == []
    assert audit_r16(local, "2026-03-23") == []
    assert audit_r16(local, "2026-03-24") == [("L", "R16", "late", "2026-03-23")]


def test_override_unit(tmp_path: Path) -> None:
    body = '[[override]]\nrule = "R06"\nperiod = "acceptance"\nunit = "calendar"\n'
    local = load_pack(overrides=[write_override(tmp_path, body)])
    assert local.rule("R06").period("acceptance").unit is Unit.CALENDAR
    assert local.rule("R06").period("acceptance").days == 3


def test_override_names_a_period_of_a_two_period_rule(tmp_path: Path, base: RulePack) -> None:
    body = '[[override]]\nrule = "R17"\nperiod = "mediation_simple"\ndays = 10\n'
    local = load_pack(overrides=[write_override(tmp_path, body)])
    periods = {p.name: p.days for p in local.rule("R17").periods}
    assert periods == {"mediation_ordinary": 15, "mediation_simple": 10}


@pytest.mark.parametrize(
    ("body", "field", "bad"),
    [
        ('[[override]]\nrule = "R99"\ndays = 20\n', "rule", "R99"),
        ('[[override]]\nrule = "R16"\nperiod = "nope"\ndays = 20\n', "period", "nope"),
        ('[[override]]\nrule = "R16"\nhours = 20\n', "hours", "hours"),
        ('[[override]]\nrule = "R16"\ndays = -1\n', "days", "-1"),
        ('[[override]]\nrule = "R16"\nunit = "moons"\n', "unit", "moons"),
        ('[[override]]\nrule = "R17"\ndays = 10\n', "period", "period"),
    ],
    ids=["unknown-rule", "unknown-period", "unknown-field", "negative", "bad-unit", "ambiguous"],
)
def test_bad_override_names_the_field(tmp_path: Path, body: str, field: str, bad: str) -> None:
    path = write_override(tmp_path, body)
    with pytest.raises(PackError) as info:
        load_pack(overrides=[path])
    message = str(info.value)
    assert str(path) in message
    assert f".{field}" in message
    assert bad in message


def test_override_without_a_name(tmp_path: Path) -> None:
    path = tmp_path / "anon.toml"
    path.write_text(R16_TO_20, "utf-8")
    with pytest.raises(PackError, match="name"):
        load_pack(overrides=[path])


# -- suitiao rules ------------------------------------------------------------------------------


def test_rules_text_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    listed = re.findall(r"^(R\d\d|T\d\d)\s", out, flags=re.MULTILINE)
    assert listed == EXPECTED_IDS
    assert "委派调解期限30日" in out


def test_rules_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert isinstance(items, list)
    assert [item["id"] for item in items] == EXPECTED_IDS
    for item in items:
        assert {"id", "title_zh", "title_en", "kind", "parameters", "source"} <= set(item)
        assert item["title_zh"]
        assert item["title_en"]
        assert item["source"]
        assert isinstance(item["kind"], list)
        assert isinstance(item["parameters"], list)
    by_id = {item["id"]: item for item in items}
    (r16,) = by_id["R16"]["parameters"]
    assert (r16["days"], r16["unit"], r16["from"]) == (30, "calendar", "referral_received")
    assert r16["overridden_by"] is None
    assert by_id["R62"]["parameters"][0]["days"] == 5
    assert by_id["R62"]["parameters"][0]["unit"] == "working"


def test_rules_json_with_a_local_agreement(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_override(tmp_path, R16_TO_20)
    assert main(["rules", "--json", "--local", str(path)]) == 0
    items = {item["id"]: item for item in json.loads(capsys.readouterr().out)}
    (r16,) = items["R16"]["parameters"]
    assert (r16["days"], r16["overridden_by"]) == (20, AGREEMENT)
    assert items["R17"]["parameters"][0]["overridden_by"] is None


def test_rules_with_a_bad_local_agreement_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_override(tmp_path, '[[override]]\nrule = "R99"\ndays = 1\n')
    assert main(["rules", "--local", str(path)]) == 2
    assert "R99" in capsys.readouterr().err
