"""Every document rendered for realistic cases, read back from the PDF and the .docx."""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from api.documents import FieldConflict, MissingFields, NotReady, kinds, produce, render, timeline
from api.documents.fields import amount_in_words
from api.documents.fonts import FontMissing, cjk_font
from api.documents.template import TemplateError, load_template, placeholders
from storage.documents import DocumentStore
from tests.integration.documents.cases import (
    AGREEMENT_TERMS,
    COURT_CONTACT,
    FACTS,
    PLAYS,
    PRE_ID,
    Played,
    Rendered,
    _driver,
)
from tests.workflows.conftest import CLERK, CPC, MEDIATOR

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SUITIAO_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Played]:
    return {name: play(tmp_path_factory.mktemp(name)) for name, play in PLAYS.items()}


def _all(played: dict[str, Played]) -> list[tuple[str, Rendered]]:
    return [(name, r) for name, p in played.items() for r in p.documents.values()]


RENDERED = [(play, kind) for play, kinds_ in {
    "pre_filing_agreement": ["assignment_letter", "receipt", "mediation_notice",
                             "mediation_agreement", "result_reply", "confirmation_application"],
    "post_filing_failure": ["entrustment_letter", "result_reply"],
    "complaint_supported": ["support_statement"],
}.items() for kind in kinds_]  # fmt: skip


def _flat(text: str) -> str:
    """Extracted text without layout: line breaks and spaces fall where the line wraps."""
    return re.sub(r"\s+", "", text)


def pdf_text(data: bytes) -> str:
    """The text of every page, without the page numbers (— 1 —) that interrupt a paragraph."""
    pages = (page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return "\n".join(re.sub(r"^— \d+ —\n?", "", text, flags=re.M) for text in pages)


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def _fixed_texts(kind: str, printed_when: dict[str, str]) -> list[str]:
    """The template's own words: every literal piece of every printed block, and the title."""
    template = load_template(kind)
    pieces = [template.title]
    for block in template.blocks:
        if block.when is not None and not printed_when.get(block.when):
            continue
        pieces += [lit for lit, *_ in _parse(block.text) if lit.strip()]
    return pieces


def _parse(text: str) -> list[tuple[str, str | None, str | None, str | None]]:
    from string import Formatter

    return list(Formatter().parse(text))


def test_every_template_is_rendered_for_a_case() -> None:
    assert sorted({kind for _, kind in RENDERED}) == kinds()
    assert len(kinds()) == 8


@pytest.mark.parametrize(("play", "kind"), RENDERED)
@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_document_shows_every_required_field_and_its_fixed_text(
    played: dict[str, Played], play: str, kind: str, fmt: str
) -> None:
    rendered = played[play].documents[kind]
    text = _flat(pdf_text(rendered.pdf) if fmt == "pdf" else docx_text(rendered.docx))
    assert rendered.required, f"{kind} has no required fields"
    for field, value in {**rendered.required, **rendered.expected}.items():
        assert _flat(value) in text, f"{kind}.{fmt}: {field}={value!r} not in the text"
    for piece in _fixed_texts(kind, {**rendered.required, **rendered.expected}):
        assert _flat(piece) in text, f"{kind}.{fmt}: fixed text {piece!r} missing"
    assert "{" not in text and "None" not in text


@pytest.mark.parametrize(("play", "kind"), RENDERED)
def test_golden_files(played: dict[str, Played], play: str, kind: str) -> None:
    rendered = played[play].documents[kind]
    expected = {
        f"{play}__{kind}.pdf.txt": pdf_text(rendered.pdf),
        f"{play}__{kind}.docx.xml": _docx_xml(rendered.docx),
    }
    for name, actual in expected.items():
        path = GOLDEN / name
        if UPDATE:
            path.write_text(actual, encoding="utf-8")
        assert path.is_file(), f"no golden file {name}: run with SUITIAO_UPDATE_GOLDEN=1"
        expected_text = path.read_text(encoding="utf-8")
        if name.endswith(".pdf.txt"):
            # where lines wrap depends on the font installed (a serif face, else 文泉驿): the
            # words and their order are compared, the layout is checked by the other tests
            actual, expected_text = _flat(actual), _flat(expected_text)
        assert actual == expected_text, f"{name} differs from the golden file"


def _docx_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode()
    return re.sub(r"><", ">\n<", xml) + "\n"  # one element a line: readable diffs


def test_rendering_is_reproducible(played: dict[str, Played]) -> None:
    p = played["pre_filing_agreement"]
    day = p.driver.clock.current.date()
    for fmt in ("pdf", "docx"):
        first = render(p.driver.engine, PRE_ID, "result_reply", fmt, issued_on=day)
        assert first == render(p.driver.engine, PRE_ID, "result_reply", fmt, issued_on=day)


def test_pdf_embeds_the_cjk_font(played: dict[str, Played]) -> None:
    data = played["pre_filing_agreement"].documents["assignment_letter"].pdf
    fonts = {
        str(font["/BaseFont"])
        for page in PdfReader(io.BytesIO(data)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    # subsets of the CJK font (reportlab names them AAAAAA+, AAAAAB+ …) carry the text
    assert any(re.match(r"/[A-Z]{6}\+", f) for f in fonts), fonts
    assert b"/FontFile2" in data  # the TrueType subset is in the file, not named only


# -- refusals ------------------------------------------------------------------------------------


def _pre_case(tmp_path: Path, facts: dict[str, object]) -> Played:
    p = Played(_driver(tmp_path, "refusals.db"))
    p.driver.open("pre_filing_referral", CLERK, case_id=PRE_ID, facts=facts)
    p.driver.do(CLERK, "record_consent", action="consent")
    p.driver.do(CLERK, "refer", action="refer", mediator_org=CPC)
    return p


def test_a_missing_required_field_is_named_not_left_blank(tmp_path: Path) -> None:
    facts = {k: v for k, v in FACTS.items() if k not in ("materials", "summary")}
    p = _pre_case(tmp_path, facts)
    with pytest.raises(MissingFields) as info:
        render(p.driver.engine, PRE_ID, "assignment_letter")
    assert info.value.fields == ["cause", "materials", "handler", "handler_phone"]
    assert "案由（cause）" in str(info.value) and "移送材料（materials）" in str(info.value)
    # given by hand, the same fields complete the letter
    extra = {"cause": "商品质量纠纷", "materials": "起诉状1份", **COURT_CONTACT}
    assert render(p.driver.engine, PRE_ID, "assignment_letter", extra=extra).startswith(b"%PDF")


def test_the_agreement_step_records_the_terms_the_agreement_prints(tmp_path: Path) -> None:
    p = _pre_case(tmp_path, FACTS)
    d = p.driver
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.do(MEDIATOR, "accept_referral", action="accept")
    d.do(MEDIATOR, "notify_parties", action="notify", session_at="3月5日9时", place="调解室")
    d.do(MEDIATOR, "mediate", action="start")
    d.do(MEDIATOR, "mediate", action="agree", amount=1000, **AGREEMENT_TERMS)
    signed = next(e for e in d.engine.events(PRE_ID) if e.activity == "agreement_signed")
    assert signed.data["performance_deadline"] == "2025-03-14"
    text = _flat(docx_text(render(d.engine, PRE_ID, "mediation_agreement", "docx")))
    assert "履行方式：银行转账至甲方本人账户。" in text
    assert "履行期限：于2025年3月14日前履行完毕。" in text
    assert _flat(AGREEMENT_TERMS["terms"]) in text


def test_an_agreement_without_its_terms_names_them(tmp_path: Path) -> None:
    p = _pre_case(tmp_path, FACTS)
    d = p.driver
    d.do(MEDIATOR, "sign_for_referral", action="sign")
    d.do(MEDIATOR, "accept_referral", action="accept")
    d.do(MEDIATOR, "notify_parties", action="notify", session_at="3月5日9时", place="调解室")
    d.do(MEDIATOR, "mediate", action="start")
    d.do(MEDIATOR, "mediate", action="agree", amount=1000)
    with pytest.raises(MissingFields) as info:
        render(d.engine, PRE_ID, "mediation_agreement")
    assert info.value.fields == ["performance_method", "performance_deadline"]


def test_a_document_before_its_step_is_refused(tmp_path: Path) -> None:
    p = _pre_case(tmp_path, FACTS)
    with pytest.raises(NotReady, match="调解协议书"):
        render(p.driver.engine, PRE_ID, "mediation_agreement", extra=AGREEMENT_TERMS)
    with pytest.raises(NotReady, match="委托调解函不适用"):
        render(p.driver.engine, PRE_ID, "entrustment_letter")


def test_a_hand_given_value_may_not_contradict_the_case(tmp_path: Path) -> None:
    p = _pre_case(tmp_path, FACTS)
    with pytest.raises(FieldConflict, match="消费者姓名"):
        render(p.driver.engine, PRE_ID, "assignment_letter", extra={"consumer_name": "李四"})


def test_a_template_with_an_unknown_field_is_refused(tmp_path: Path) -> None:
    (tmp_path / "letter.toml").write_text(
        'title = "函"\n[[block]]\ntext = "{consumer_nmae}："\n', encoding="utf-8"
    )
    with pytest.raises(TemplateError, match="consumer_nmae"):
        load_template("letter", tmp_path)
    assert placeholders("{a}与{b}") == ["a", "b"]


def test_no_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUITIAO_CJK_FONT", "/nonexistent/font.ttf")
    with pytest.raises(FontMissing, match="SUITIAO_CJK_FONT"):
        cjk_font()


@pytest.mark.parametrize(
    ("amount", "words"),
    [(1299, "壹仟贰佰玖拾玖元整"), (1000, "壹仟元整"), (23800.5, "贰万叁仟捌佰元伍角"),
     (100005, "壹拾万零伍元整"), (0.07, "柒分"), (0, "零元整"), (0.5, "伍角"),
     (120000000, "壹亿贰仟万元整"), (10.05, "壹拾元零伍分")],
)  # fmt: skip
def test_amount_in_words(amount: float, words: str) -> None:
    assert amount_in_words(amount) == words


# -- stored with the case ------------------------------------------------------------------------


def test_documents_are_stored_hashed_and_listed(tmp_path: Path) -> None:
    import hashlib

    p = _pre_case(tmp_path, FACTS)
    engine = p.driver.engine
    store = DocumentStore(engine.store.engine)  # type: ignore[attr-defined]
    letter = ("assignment_letter", "pdf", COURT_CONTACT)
    record, content = produce(engine, store, PRE_ID, *letter, created_by="clerk")
    p.driver.at(p.driver.clock.current + timedelta(minutes=1))
    produce(engine, store, PRE_ID, "assignment_letter", "docx", COURT_CONTACT)
    # the same letter again (a double click, a retry) is the copy already kept
    again, _ = produce(engine, store, PRE_ID, *letter, created_by="clerk")
    assert again.id == record.id
    assert record.sha256 == hashlib.sha256(content).hexdigest()
    assert store.content(record.id) == content
    listed = timeline(store, PRE_ID)
    assert [(d["kind"], d["format"], d["title_zh"]) for d in listed] == [
        ("assignment_letter", "pdf", "委派调解函"),
        ("assignment_letter", "docx", "委派调解函"),
    ]
    assert listed[0]["sha256"] == record.sha256 and listed[0]["served_via"] is None
    served = store.mark_served(record.id, "post", datetime(2025, 3, 3, 10, tzinfo=UTC))
    assert served.served_via == "post"
    assert timeline(store, PRE_ID)[0]["served_at"] == "2025-03-03T10:00:00+00:00"
    with pytest.raises(ValueError, match="served already"):
        store.mark_served(record.id, "email", datetime(2025, 3, 4, tzinfo=UTC))
    assert MEDIATOR.org == CPC


# -- the courts' document style ------------------------------------------------------------------


@pytest.mark.parametrize(("play", "kind"), RENDERED)
def test_letters_read_as_a_court_would_send_them(
    played: dict[str, Played], play: str, kind: str
) -> None:
    rendered = played[play].documents[kind]
    text = _flat(docx_text(rendered.docx))
    assert "。。" not in text and "；。" not in text
    assert text.count("《") == text.count("》"), "a stray book-title mark"
    assert "消保委" not in text.replace("消保委调解室", ""), "short organisation name"
    assert "委派（委托）" not in text and "（委派）" not in text
    assert "(" not in text and ")" not in text, "half-width brackets (案号 takes （）)"
    if kind != "confirmation_application":
        assert "纠纷一案" in text or "纠纷发生争议" in text, "案由 missing"
    # the date under the signature is written in Chinese numerals
    assert re.search(r"二〇二五年[一二三四五六七八九十]+月[一二三四五六七八九十]+日", text)


def test_the_confirmation_application_cites_the_law_of_a_consumer_committee(
    played: dict[str, Played],
) -> None:
    text = _flat(docx_text(played["pre_filing_agreement"].documents[
        "confirmation_application"].docx))  # fmt: skip
    assert "人民调解法" not in text
    assert "民事诉讼法》第二百零五条" in text
    assert "特邀调解的规定》第十九条" in text
    assert "消费者权益保护法〉办法》第三十四条" in text


def test_letters_that_ask_for_a_receipt_carry_one_on_a_page_of_its_own(
    played: dict[str, Played],
) -> None:
    for play, kind in (("pre_filing_agreement", "assignment_letter"),
                       ("post_filing_failure", "entrustment_letter")):  # fmt: skip
        pages = PdfReader(io.BytesIO(played[play].documents[kind].pdf)).pages
        last = _flat(pages[-1].extract_text())
        assert last.startswith("回执") or "回执临海市人民法院：" in last, last[:40]
        assert "签收人（签名）" in last


def test_the_signature_block_is_kept_with_the_last_paragraph(
    played: dict[str, Played],
) -> None:
    for _, rendered in _all(played):
        for page in PdfReader(io.BytesIO(rendered.pdf)).pages:
            lines = [x for x in page.extract_text().splitlines() if x.strip()]
            lines = [x for x in lines if not re.fullmatch(r"— \d+ —", x.strip())]
            signature = ("（盖章）", "（签名）", "（签名或按指印）", "人民法院", "〇")
            assert not all(any(s in x for s in signature) for x in lines), (
                f"{rendered.kind}: a page holds only the signature block"
            )


def test_the_pdf_is_set_in_a_serif_face_when_one_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from api.documents.fonts import SEARCHED

    monkeypatch.delenv("SUITIAO_CJK_FONT", raising=False)

    serif = [p for p in SEARCHED if "arphic" in str(p)]
    assert serif and SEARCHED.index(serif[0]) == 0, "a serif face comes first"
    if serif[0].is_file():
        assert cjk_font() == serif[0]


@pytest.mark.parametrize(
    ("day", "words"),
    [((2026, 12, 4), "二〇二六年十二月四日"), ((2025, 3, 10), "二〇二五年三月十日"),
     ((2030, 11, 21), "二〇三〇年十一月二十一日"), ((2026, 1, 31), "二〇二六年一月三十一日")],
)  # fmt: skip
def test_dates_under_a_signature_are_in_chinese(day: tuple[int, int, int], words: str) -> None:
    from datetime import date

    from api.documents.fields import date_in_words

    assert date_in_words(date(*day)) == words


def test_case_numbers_take_full_width_brackets() -> None:
    from api.documents.fields import case_number, full_name

    assert case_number("(2026)浙1082民诉前调1号") == "（2026）浙1082民诉前调1号"
    assert case_number("LH-TS-2026-0001") == "LH-TS-2026-0001"
    assert full_name("临海市消保委") == "临海市消费者权益保护委员会"


def test_no_page_holds_the_signature_block_alone() -> None:
    """Letters of every length from one to two pages: wherever the page breaks, the signature
    block goes with the paragraph before it (without KeepTogether some lengths leave the seal
    and date alone on the last page)."""
    from api.documents.pdf import render_pdf

    for n in range(14, 34):
        blocks = [("body", f"正文第{i}段，内容从略。") for i in range(n)]
        blocks += [("right", "临海市人民法院"), ("right", "二〇二六年十二月四日")]
        pages = PdfReader(io.BytesIO(render_pdf("委派调解函", blocks, "X"))).pages
        last = _flat(re.sub(r"— \d+ —", "", pages[-1].extract_text()))
        assert "正文第" in last, f"{n} paragraphs: the signature block stands alone"
