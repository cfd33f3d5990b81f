"""The words a case is found by (storage/case_terms.py): normalised once, on both sides."""

from __future__ import annotations

from storage.case_terms import fact_terms, id_terms, normalise


def test_normalise_folds_width_brackets_spaces_and_case() -> None:
    assert normalise(" （２０２６）浙1082民诉前调１２３号 ") == "(2026)浙1082民诉前调123号"
    assert normalise("〔2026〕浙1082") == "(2026)浙1082"
    assert normalise("王 伟") == "王伟"
    assert normalise("ＡＢＣ电器") == "abc电器"


def test_a_court_number_is_found_whole_without_year_or_brackets_and_by_serial() -> None:
    terms = id_terms("(2026)浙1082民诉前调0123号")  # padded, half-width, as the demo stored it
    assert terms == {
        "(2026)浙1082民诉前调0123号",  # as stored
        "(2026)浙1082民诉前调123号",  # canonical
        "2026浙1082民诉前调123号",
        "浙1082民诉前调123号",
        "民诉前调123号",
        "123号",
    }


def test_a_committee_number_is_found_whole_and_by_its_serial() -> None:
    assert id_terms("TS3310-2026-000045") == {"ts3310-2026-000045", "45"}


def test_names_and_the_phone_tail() -> None:
    facts = {
        "consumer": {"name": "王伟", "phone": "139-0000-1111"},
        "business": {"name": "临海市某某电器有限公司"},
    }
    assert fact_terms(facts) == {"王伟", "临海市某某电器有限公司", "1111"}
    assert fact_terms({"consumer": {"name": "李", "phone": "12"}}) == {"李"}
    assert fact_terms({"summary": "王伟"}) == set()
