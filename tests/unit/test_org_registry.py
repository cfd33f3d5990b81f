"""The organisation registry: complete for Zhejiang, internally consistent, and its pairing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from standard_rules.orgs import RegistryError, apply_agreement, default_registry, load_registry

REG = default_registry()
COUNTY_KINDS = ("市辖区", "县级市", "县")


def counties() -> list[str]:
    return [d.code for d in REG.divisions.values() if d.kind in COUNTY_KINDS]


def test_the_divisions_are_the_90_county_level_divisions_of_zhejiang_2024() -> None:
    kinds = Counter(d.kind for d in REG.divisions.values())
    assert kinds == {"province": 1, "city": 11, "市辖区": 37, "县级市": 20, "县": 33}
    for d in REG.divisions.values():
        assert len(d.code) == 6 and d.code.isdigit() and d.code.startswith("33"), d
        if d.kind == "province":
            assert d.parent is None and d.code == "330000"
        elif d.kind == "city":
            assert d.parent == "330000" and d.code.endswith("00")
        else:
            # GB/T 2260: a county's code begins with its city's first four digits.
            assert d.parent == d.code[:4] + "00" and REG.divisions[d.parent].kind == "city", d
    assert len({d.name for d in REG.divisions.values()}) == len(REG.divisions)


def test_every_entry_has_a_valid_division_and_a_parent_of_its_kind_one_level_up() -> None:
    order = {"province": 0, "city": 1, "county": 2}
    for org in REG.orgs.values():
        assert org.division in REG.divisions, org.id
        assert org.short and org.name and org.kind in ("court", "committee")
        if org.level == "province":
            assert org.parent is None and org.division == "330000"
            continue
        parent = REG.orgs[org.parent or ""]
        assert parent.kind == org.kind
        assert order[parent.level] == order[org.level] - 1, org.id
        # The parent sits in the division above (or, for a city-wide special court, the same).
        division = REG.divisions[org.division]
        assert parent.division in (division.parent, division.code), org.id


def test_every_county_level_division_has_a_basic_court_and_a_committee() -> None:
    for code in counties():
        kinds = sorted(o.kind for o in REG.orgs.values() if o.division == code)
        assert kinds == ["committee", "court"], code
    for code, d in REG.divisions.items():
        if d.kind == "city":
            city = [o for o in REG.orgs.values() if o.division == code and o.level == "city"]
            assert {o.kind for o in city} == {"court", "committee"}, code


def test_basic_court_codes_follow_the_division_code() -> None:
    for org in REG.of_kind("court"):
        assert org.court_code is not None and org.court_code.startswith("浙")
        assert REG.court_by_code(org.court_code) == org
        if org.level == "county" and REG.divisions[org.division].kind in COUNTY_KINDS:
            assert org.court_code == "浙" + org.division[2:]
    assert REG.find("临海市人民法院") == REG.court_by_code("浙1082")
    assert len([o for o in REG.of_kind("court") if o.level == "city"]) == 12  # 11 + 宁波海事法院


@pytest.mark.parametrize(
    ("typed", "short"),
    [
        ("临海市消保委", "临海市消保委"),
        ("临海市消费者权益保护委员会", "临海市消保委"),
        (" 临海市 消保委 ", "临海市消保委"),
        ("cpc:331082", "临海市消保委"),
        ("浙江省临海市人民法院", "临海市人民法院"),
        ("台州市椒江区人民法院", "椒江区人民法院"),
        ("杭州中院", "杭州市中级人民法院"),
        ("浙江省消保委", "浙江省消保委"),
    ],
)
def test_names_people_type_find_the_entry_and_its_stored_short_name(typed: str, short: str) -> None:
    org = REG.find(typed)
    assert org is not None and org.short == short


def test_a_typo_finds_nothing() -> None:
    assert REG.find("临海消保委") is None
    assert REG.find("") is None
    assert REG.find(None) is None


def test_names_used_by_the_demo_data_are_in_the_registry() -> None:
    demo = ("临海市人民法院", "天台县人民法院", "临海市消保委", "天台县消保委", "浙江省消保委")
    for name in demo:
        org = REG.find(name)
        assert org is not None and org.short == name


def test_hierarchy_scope_city_sees_its_counties_province_sees_all() -> None:
    taizhou = REG.scope_names("台州市消保委")
    assert "临海市消保委" in taizhou and "天台县消保委" in taizhou and "台州市消保委" in taizhou
    assert "杭州市消保委" not in taizhou and "临海市人民法院" not in taizhou
    assert len(taizhou) == 10
    assert REG.scope_names("临海市消保委") == {"临海市消保委"}
    assert len(REG.scope_names("浙江省消保委")) == len(REG.of_kind("committee")) == 102
    assert REG.rollup("临海市消保委") == ("浙江省", "台州市", "临海市")
    assert REG.rollup("无此单位") == ("未登记", "未登记", "未登记")


def test_default_pairing_is_the_committee_of_the_same_county() -> None:
    linhai = REG.find("临海市人民法院")
    assert linhai is not None
    assert [o.short for o in REG.committees_for(linhai)] == ["临海市消保委"]
    assert not REG.may_refer(linhai, REG.find("天台县消保委"))  # type: ignore[arg-type]
    assert REG.committees_for(REG.find("临海市消保委")) == []  # type: ignore[arg-type]


def test_a_local_agreement_adds_pairs(tmp_path: Path) -> None:
    path = tmp_path / "taizhou.toml"
    path.write_text(
        'name = "台州诉调对接协议"\n[[pair]]\n'
        'court = "临海市人民法院"\ncommittee = "台州市消保委"\n',
        encoding="utf-8",
    )
    reg = apply_agreement(REG, path)
    linhai = reg.find("临海市人民法院")
    assert linhai is not None
    assert [o.short for o in reg.committees_for(linhai)] == ["台州市消保委", "临海市消保委"]
    assert reg.agreements[0].startswith("台州诉调对接协议 (sha256:")
    assert REG.extra_pairs == frozenset()  # the base registry is unchanged


@pytest.mark.parametrize(
    ("court", "committee", "field"),
    [("临海消保委", "台州市消保委", "court"), ("临海市人民法院", "椒江区人民法院", "committee")],
)
def test_an_agreement_naming_an_unknown_or_wrong_kind_org_is_refused(
    tmp_path: Path, court: str, committee: str, field: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        f'name = "x"\n[[pair]]\ncourt = "{court}"\ncommittee = "{committee}"\n', encoding="utf-8"
    )
    with pytest.raises(RegistryError, match=f"field '{field}'"):
        load_registry(agreements=[path])


def test_a_registry_with_a_dangling_parent_is_refused(tmp_path: Path) -> None:
    source = Path(__file__).parents[2] / "standard_rules" / "data" / "orgs"
    for name in ("divisions.toml", "courts.toml"):
        (tmp_path / name).write_text((source / name).read_text(encoding="utf-8"), encoding="utf-8")
    text = (source / "committees.toml").read_text(encoding="utf-8")
    (tmp_path / "committees.toml").write_text(
        text.replace('parent = "cpc:331000"', 'parent = "cpc:339900"', 1), encoding="utf-8"
    )
    with pytest.raises(RegistryError, match="parent cpc:339900"):
        load_registry(tmp_path)


def test_statistics_roll_up_by_county_city_and_province() -> None:
    counts = {"临海市消保委": 3, "天台县人民法院": 2, "台州市消保委": 1, "杭州市上城区消保委": 4}
    counts["浙江省消保委"] = 5
    counts["临海消保委"] = 7  # an old free-text name: counted, never lost
    levels = REG.roll_up(counts)
    assert levels["county"] == {
        "上城区": 4,
        "临海市": 3,
        "台州市本级": 1,
        "天台县": 2,
        "未登记": 7,
        "浙江省本级": 5,
    }
    assert levels["city"] == {"台州市": 6, "杭州市": 4, "浙江省本级": 5, "未登记": 7}
    assert levels["province"] == {"浙江省": 15, "未登记": 7}
