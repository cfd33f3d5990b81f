"""Pack and calendar versions: the same data gives the same id, any change that reckons a date
differently gives another, and a provisional year stays named as such."""

from __future__ import annotations

from pathlib import Path

from standard_rules.legal_calendar import LegalCalendar
from standard_rules.pack import apply_override, default_pack
from standard_rules.schedules import load_schedule_file, official_schedules
from standard_rules.versions import calendar_version, pack_version
from tests.unit.test_schedules import HYPOTHETICAL_2027, write

AGREEMENT = (
    'name = "临海市法院与临海市消保委协议"\n\n[[override]]\nrule = "R17"\n'
    'period = "mediation_simple"\ndays = 20\nreason = "委托调解延长"\n'
)


def test_the_base_pack_version_names_its_declared_version_and_a_hash() -> None:
    pack = default_pack()
    version = pack_version(pack)
    assert version.declared == pack.version
    assert version.id == f"{pack.version}@{version.digest}"
    assert len(version.digest) == 12
    assert version == pack_version(default_pack())  # stable


def test_a_local_agreement_changes_the_pack_version_and_is_named(tmp_path: Path) -> None:
    base = default_pack()
    path = write(tmp_path, "linhai.toml", AGREEMENT)
    local = apply_override(base, path)
    assert pack_version(local).digest != pack_version(base).digest
    assert pack_version(local).declared == base.version
    assert "临海市法院与临海市消保委协议" in pack_version(local).describe_zh()
    # Another agreement text under the same name is another version.
    other = write(tmp_path, "linhai2.toml", AGREEMENT.replace("days = 20", "days = 25"))
    assert pack_version(apply_override(base, other)).digest != pack_version(local).digest


def test_a_2027_notice_changes_the_calendar_version_and_its_official_years(
    tmp_path: Path,
) -> None:
    calendar = LegalCalendar(official_schedules([]))
    before = calendar.version
    assert 2027 not in before.official
    assert "2027年起" in before.describe_zh()
    calendar.load(load_schedule_file(write(tmp_path, "cn-2027.toml", HYPOTHETICAL_2027)))
    after = calendar.version
    assert after.digest != before.digest
    assert after.official[-1] == 2027
    assert "2028年起" in after.describe_zh()
    # Hashed from the days, not the file: the same notice elsewhere is the same version.
    elsewhere = write(tmp_path / "other", "notice.toml", HYPOTHETICAL_2027)
    assert calendar_version(official_schedules([elsewhere.parent])) == after


def test_official_years_with_a_gap_read_as_spans() -> None:
    schedules = official_schedules([])
    del schedules[2021]
    version = calendar_version(schedules)
    assert version.official_spans().startswith("2004–2020、2022–")
