"""案号: parsed and normalised whatever brackets and padding the clerk typed."""

from __future__ import annotations

import pytest

from standard_rules.case_number import CaseNumber, CaseNumberError, parse, same_case, try_parse


@pytest.mark.parametrize(
    "typed",
    [
        "（2026）浙1082民诉前调123号",
        "(2026)浙1082民诉前调123号",
        "(2026)浙1082民诉前调0123号",
        " （２０２６） 浙1082 民诉前调 123 号",
        "〔2026〕浙1082民诉前调123号",
        "[2026]浙1082民诉前调123号",
    ],
)
def test_every_form_is_the_same_case(typed: str) -> None:
    number = parse(typed)
    assert number == CaseNumber(2026, "浙1082", "民诉前调", 123)
    assert str(number) == "（2026）浙1082民诉前调123号"
    assert same_case(typed, "（2026）浙1082民诉前调123号")


@pytest.mark.parametrize(
    ("typed", "court", "kind"),
    [
        ("（2026）浙1082民初45号", "浙1082", "民初"),
        ("（2026）浙10民终7号", "浙10", "民终"),
        ("（2025）浙1023民特88号", "浙1023", "民特"),
        ("（2026）浙执1号", "浙", "执"),
        ("（2026）浙0192民初3号", "浙0192", "民初"),
    ],
)
def test_court_code_and_type(typed: str, court: str, kind: str) -> None:
    number = parse(typed)
    assert (number.court_code, number.type) == (court, kind)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("abc", "带括号的年份"),
        ("（2026）苏0102民初1号", "浙江法院"),
        ("（2026）浙1082民初号", "格式"),
        ("（2026）浙1082刑初1号", "格式"),
        ("（2026）浙1082民初1", "格式"),
        ("（2026）浙1082民初0号", "大于0"),
        ("（1999）浙1082民初1号", "2000"),
        ("（2026）浙1082民初1号<script>", "格式"),
    ],
)
def test_what_is_not_a_case_number_is_told(typed: str, words: str) -> None:
    with pytest.raises(CaseNumberError, match=words):
        parse(typed)
    assert try_parse(typed) is None


def test_different_cases_differ() -> None:
    assert not same_case("（2026）浙1082民诉前调1号", "（2026）浙1082民诉前调2号")
    assert not same_case("（2026）浙1082民诉前调1号", "（2026）浙1023民诉前调1号")
    assert not same_case("LH-TS-2026-0001", "LH-TS-2026-1")
    assert same_case("LH-TS-2026-0001", "LH-TS-2026-0001")
