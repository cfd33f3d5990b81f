"""End to end in headless Chromium: every letter of the handoff produced and downloaded from the
case page by the person who sends it, then looked at as pictures (tests/e2e/artifacts/letter-*).

Three cases are played through the pages only: a 委派 that ends in an agreement (委派调解函,
接收回执, 调解通知书, 调解协议书, 调解结果回复函, 司法确认申请书), a 委托 (委托调解函) and a
complaint whose mediation fails and whose consumer the 消保委 supports in court (支持起诉意见书).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import warnings
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import ARTIFACTS, Site, sign_in
from tests.e2e.test_pages import choose, sign_out

pytestmark = pytest.mark.e2e
PRE = "（2026）浙1082民诉前调9101号"
POST = "（2026）浙1082民初9102号"
COMPLAINT = "LH-TS-2026-9103"
PHONE = "0576-85000000"


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def register(page: Any, site: Site, process: str, case_id: str, cause: str) -> None:
    page.goto(site.url("/ui/new"))
    page.get_by_label("路径").select_option(process)
    values = {
        "case_id": case_id, "consumer": "张伟", "phone": "13857601234",
        "id_number": "332601199001011234", "address": "浙江省临海市古城街道崇和路18号",
        "business": "临海某家电有限公司", "credit_code": "91331082MA2ABCDE1X",
        "legal_rep": "李强", "business_address": "浙江省临海市大洋街道东方大道100号",
        "claim": "1299", "cause": cause,
    }  # fmt: skip
    for name, value in values.items():
        page.locator(f"#field-{name}").fill(value)
    page.get_by_role("button", name="登记").click()
    page.wait_for_url("**" + quote(case_id, safe="") + "*")


def act(page: Any, label: str, **fields: str) -> None:
    form = choose(page, label)
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        # organisations are pick-lists from the registry, the rest is typed
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.get_by_role("button", name=label).click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").count() == 0, page.locator("#error-summary").inner_text()


def produce(page: Any, title: str, fmt: str = "pdf", **fields: str) -> bytes:
    """Produce the letter from the form on the case page and save the download."""
    form = page.locator("#document-form")
    form.get_by_label("文书种类").select_option(label=title)
    form.get_by_label("格式").select_option(fmt)
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    with page.expect_download() as info:
        form.get_by_role("button", name="生成并下载").click()
    path = info.value.path()
    assert path is not None
    return Path(path).read_bytes()


def picture(data: bytes, kind: str) -> list[Path]:
    """Each page of the PDF as a PNG in artifacts/, for a person to look at."""
    pdftoppm = shutil.which("pdftoppm")
    ARTIFACTS.mkdir(exist_ok=True)
    if pdftoppm is None:  # the letters are still checked; only the pictures are missing
        warnings.warn("pdftoppm (poppler-utils) is missing: no PNG of the letters", stacklevel=2)
        return []
    ARTIFACTS.mkdir(exist_ok=True)
    source = ARTIFACTS / f"letter-{kind}.pdf"
    source.write_bytes(data)
    for old in ARTIFACTS.glob(f"letter-{kind}-*.png"):
        old.unlink()
    subprocess.run(  # noqa: S603 (our own file names, no shell)
        [pdftoppm, "-r", "60", "-png", str(source), str(ARTIFACTS / f"letter-{kind}")],
        check=True,
        timeout=60,
    )
    return sorted(ARTIFACTS.glob(f"letter-{kind}-*.png"))


def check_pdf(data: bytes, kind: str, *texts: str) -> str:
    assert data.startswith(b"%PDF"), kind
    text = _flat("".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    for wanted in texts:
        assert _flat(wanted) in text, f"{kind}: {wanted!r} not in the letter"
    assert "。。" not in text and "消保委" not in text.replace("消保委调解室", "")
    pages = picture(data, kind)
    assert pages or shutil.which("pdftoppm") is None, kind
    return text


def kept_downloads_again(page: Any, title: str, data: bytes) -> None:
    link = page.locator("ul.documents a", has_text=title).first
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    assert path is not None and Path(path).read_bytes() == data


def test_each_letter_is_produced_and_downloaded_from_the_pages(site: Site, new_page: Any) -> None:
    page = new_page()
    today = date.today()
    deadline = (today + timedelta(days=10)).isoformat()

    # -- the clerk registers and hands a case over before filing: 委派调解函
    sign_in(page, site, "clerk", "clerk-demo")
    register(page, site, "pre_filing_referral", PRE, "买卖合同纠纷")
    act(page, "双方同意调解")
    act(page, "委派/委托", mediator_org="临海市消保委")
    # without the officer's telephone the letter is refused, next to the form
    form = page.locator("#document-form")
    form.get_by_label("文书种类").select_option(label="委派调解函")
    form.locator("[name=materials]").fill("起诉状1份、购物发票复印件1份")
    form.get_by_role("button", name="生成并下载").click()
    page.wait_for_load_state()
    error = page.locator("#document-error")
    assert "承办人联系电话" in error.inner_text() and "handler" not in error.inner_text()
    assert error.is_visible()
    data = produce(page, "委派调解函", materials="起诉状1份、购物发票复印件1份",
                   handler_phone=PHONE)  # fmt: skip
    check_pdf(data, "assignment_letter", "（2026）浙1082民诉前调9101号",
              "临海市消费者权益保护委员会：", "买卖合同纠纷一案", "332601199001011234",
              "91331082MA2ABCDE1X", "法定代表人：李强", "本院承办人：", PHONE, "回执",
              "二〇")  # fmt: skip
    page.reload()
    kept_downloads_again(page, "委派调解函", data)
    # producing it again keeps one copy
    again = produce(page, "委派调解函", materials="起诉状1份、购物发票复印件1份",
                    handler_phone=PHONE)  # fmt: skip
    assert again == data
    page.reload()
    assert page.locator("ul.documents a", has_text="委派调解函").count() == 1
    sign_out(page)

    # -- the mediator signs, notifies, mediates to an agreement
    sign_in(page, site, "mediator", "mediator-demo")
    page.goto(site.url("/ui/cases/" + quote(PRE, safe="")))
    act(page, "签收材料")
    act(page, "接受")
    data = produce(page, "接收回执", materials="起诉状1份、购物发票复印件1份",
                   handler_phone=PHONE)  # fmt: skip
    check_pdf(data, "receipt", "委派本会调解", "签收人（签名）")
    act(page, "已通知调解时间地点并告知权利义务、司法确认",
        session_at="2026年12月10日14时30分", place="临海市消保委调解室")  # fmt: skip
    data = produce(page, "调解通知书", handler_phone=PHONE)
    check_pdf(data, "mediation_notice", "调解时间：2026年12月10日14时30分", "买卖合同纠纷一案")
    act(page, "开始调解")
    act(page, "达成调解协议", amount="1000", terms="乙方为甲方办理退货，甲方返还所购空调器",
        performance_method="银行转账至甲方本人账户", performance_deadline=deadline)  # fmt: skip
    data = produce(page, "调解协议书")
    check_pdf(data, "mediation_agreement", "履行方式：银行转账至甲方本人账户。",
              f"履行期限：于{today + timedelta(days=10):%Y年%-m月%-d日}前履行完毕",
              "乙方为甲方办理退货", "甲方（签名或按指印）")  # fmt: skip
    data = produce(page, "调解结果回复函", "docx", handler_phone=PHONE)
    assert data[:2] == b"PK"
    data = produce(page, "调解结果回复函", handler_phone=PHONE)
    check_pdf(data, "result_reply", "委派本会调解", "调解结果：达成调解协议")
    data = produce(page, "司法确认申请书")
    text = check_pdf(data, "confirmation_application", "民事诉讼法》第二百零五条",
                     "此致", "临海市人民法院")  # fmt: skip
    assert "人民调解法" not in text
    sign_out(page)

    # -- a case after filing: 委托调解函
    sign_in(page, site, "clerk", "clerk-demo")
    register(page, site, "post_filing_referral", POST, "产品责任纠纷")
    act(page, "双方同意调解")
    form = choose(page, "委派/委托")
    form.locator("[name=mediator_org]").select_option("临海市消保委")
    form.locator("[name=procedure]").select_option("simple")
    form.get_by_role("button", name="委派/委托").click()
    page.wait_for_load_state()
    data = produce(page, "委托调解函", materials="起诉状1份", handler_phone=PHONE)
    check_pdf(data, "entrustment_letter", "（2026）浙1082民初9102号", "原告张伟与被告",
              "产品责任纠纷一案", "简易程序", "回执")  # fmt: skip
    sign_out(page)

    # -- a complaint the 消保委 mediates, fails, and supports in court: 支持起诉意见书
    sign_in(page, site, "mediator", "mediator-demo")
    register(page, site, "complaint_mediation", COMPLAINT, "服务合同纠纷")
    act(page, "受理")
    act(page, "开始调解")
    act(page, "已通知调解时间地点并告知权利义务、司法确认", session_at="12月9日9时",
        place="电话调解")  # fmt: skip
    act(page, "调解不成", reason="经营者拒绝赔偿")
    act(page, "支持消费者起诉")
    data = produce(page, "支持起诉意见书", court_org="临海市人民法院", handler_phone=PHONE)
    check_pdf(data, "support_statement", "临海市人民法院：",
              "支持起诉单位：临海市消费者权益保护委员会", "服务合同纠纷一案")  # fmt: skip


def test_the_case_page_prints_as_one_case_sheet(site: Site, new_page: Any) -> None:
    page = new_page()
    sign_in(page, site, "clerk", "clerk-demo")
    page.goto(site.url("/ui/cases"))
    page.locator("table a[href^='/ui/cases/']").first.click()
    page.wait_for_load_state()
    case_id = page.locator("h1").inner_text().split()[-1]
    page.emulate_media(media="print")
    for hidden in ("header.top", "#h-tasks", "form", ".foot"):
        assert not page.locator(hidden).first.is_visible(), f"{hidden} is printed"
    assert page.locator(".print-title").is_visible()
    data = page.pdf(format="A4", print_background=False)
    text = _flat("".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    assert "案件情况表" in text and _flat(case_id) in text and "时间线与期限" in text
    for menu_or_form in ("退出", "登记案件", "生成并下载", "现在可以办理", "English"):
        assert menu_or_form not in text, f"{menu_or_form} printed"
    ARTIFACTS.mkdir(exist_ok=True)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is not None:
        (ARTIFACTS / "case-print.pdf").write_bytes(data)
        subprocess.run(  # noqa: S603 (our own file names, no shell)
            [pdftoppm, "-r", "50", "-png", "-l", "2", str(ARTIFACTS / "case-print.pdf"),
             str(ARTIFACTS / "case-print")],
            check=True,
            timeout=60,
        )  # fmt: skip


def test_a_clerk_corrects_a_case_and_attaches_a_file(
    site: Site, new_page: Any, tmp_path: Path
) -> None:
    page = new_page()
    sign_in(page, site, "clerk", "clerk-demo")
    case_id = "（2026）浙1082民诉前调9104号"
    page.goto(site.url("/ui/new"))
    page.locator("#field-case_id").fill(case_id)
    page.locator("#field-consumer").fill("王芳")
    page.locator("#field-business").fill("临海某健身俱乐部")
    page.get_by_role("button", name="登记").click()
    page.wait_for_url("**" + quote(case_id, safe="") + "*")

    # correct a fact: the edit shows on the timeline with who made it
    facts = page.locator("#facts form")
    facts.locator("[name='consumer.id_number']").fill("12")
    facts.get_by_role("button", name="保存更正").click()
    page.wait_for_load_state()
    assert "公民身份号码须为18位" in page.locator("#fact-consumer-id_number-error").inner_text()
    facts = page.locator("#facts form")
    facts.locator("[name='consumer.id_number']").fill("332601199001011234")
    facts.locator("[name='cause']").fill("服务合同纠纷")
    facts.get_by_role("button", name="保存更正").click()
    page.wait_for_load_state()
    timeline = page.locator(".timeline").inner_text()
    assert "更正案件信息" in timeline and "立案庭 王书记员" in timeline
    assert "332601199001011234" in timeline and "服务合同纠纷" in timeline
    assert "服务合同纠纷" in page.locator(".facts").inner_text()

    # attach a scanned complaint and download it again
    scan = tmp_path / "起诉状.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n")
    form = page.locator("#attachment-form")
    form.get_by_label("材料类别").select_option(label="起诉状（扫描件）")
    form.locator("input[type=file]").set_input_files(str(scan))
    form.get_by_role("button", name="上传").click()
    page.wait_for_load_state()
    link = page.locator("#attachments a", has_text="起诉状.pdf")
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    assert path is not None and Path(path).read_bytes() == scan.read_bytes()
    # a page pretending to be a PDF is refused next to the form
    fake = tmp_path / "fake.pdf"
    fake.write_text("<html>not a scan</html>")
    form = page.locator("#attachment-form")
    form.locator("input[type=file]").set_input_files(str(fake))
    form.get_by_role("button", name="上传").click()
    page.wait_for_load_state()
    assert "只能上传PDF、JPEG或PNG文件" in page.locator("#attachment-error").inner_text()


def test_a_form_typed_while_the_session_expires_is_kept(site: Site, new_page: Any) -> None:
    page = new_page()
    sign_in(page, site, "clerk", "clerk-demo")
    case_id = "（2026）浙1082民诉前调9105号"
    page.goto(site.url("/ui/new"))
    page.locator("#field-case_id").fill(case_id)
    page.locator("#field-consumer").fill("刘洋")
    page.get_by_role("button", name="登记").click()
    page.wait_for_url("**" + quote(case_id, safe="") + "*")
    address = "浙江省临海市古城街道紫阳街8号"
    page.locator("#facts [name='consumer.address']").fill(address)
    # the 15 minutes pass: the session token no longer reads
    session = next(c for c in page.context.cookies() if c["name"] == "suitiao_session")
    page.context.add_cookies([{**session, "value": "expired"}])
    page.locator("#facts").get_by_role("button", name="保存更正").click()
    page.wait_for_url("**/ui/login*")
    assert "已在本浏览器中保留" in page.locator("[role=alert]").inner_text()
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill("clerk-demo")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**" + quote(case_id, safe="") + "*")
    assert page.locator("#facts [name='consumer.address']").input_value() == address
    assert "已恢复" in page.locator("#facts .draft-note").inner_text()
    page.locator("#facts").get_by_role("button", name="保存更正").click()
    page.wait_for_load_state()
    assert address in page.locator(".timeline").inner_text()
