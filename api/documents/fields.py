"""Which case data fills which field of a document: pure functions over the case and its events.

A field is known only when the case holds it; nothing is guessed. Data the workflow does not
record (an agreement's performance terms, the list of materials handed over) comes as `extra`
from the person producing the document, and may not contradict what the case records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from engine.domain.events import CaseEvent
from engine.services import CaseView
from standard_rules.legal_calendar import LegalCalendar
from standard_rules.pack import RulePack
from standard_rules.timezone import SHANGHAI

LABELS: dict[str, str] = {
    "case_id": "案号",
    "court_org": "法院",
    "mediator_org": "调解组织",
    "consumer_name": "消费者姓名",
    "consumer_phone": "消费者联系电话",
    "consumer_address": "消费者住所",
    "business_name": "经营者名称",
    "business_phone": "经营者联系电话",
    "business_address": "经营者住所",
    "summary": "纠纷概要",
    "claim_amount": "请求金额（元）",
    "claim_amount_upper": "请求金额（大写）",
    "received_channel_zh": "收案方式",
    "materials": "移送材料",
    "referred_on": "委派/委托日期",
    "procedure_zh": "审理程序",
    "period_days": "调解期限（日）",
    "received_on": "签收日期",
    "mediation_due": "调解期限届满日",
    "accepted_on": "接受日期",
    "session_at": "调解时间",
    "place": "调解地点",
    "notified_on": "通知日期",
    "agreement_amount": "协议金额（元）",
    "agreement_amount_upper": "协议金额（大写）",
    "agreed_on": "协议签订日期",
    "effective_on": "协议生效日期",
    "performance_method": "履行方式",
    "performance_deadline": "履行期限",
    "outcome_zh": "调解结果",
    "outcome_on": "调解结束日期",
    "failure_reason": "调解不成的原因",
    "confirmation_court": "司法确认法院",
    "supported_on": "支持起诉日期",
    "issued_on": "文书日期",
    "cause": "案由",
    "consumer_id_number": "消费者身份证号码",
    "business_credit_code": "经营者统一社会信用代码",
    "business_legal_rep": "经营者法定代表人",
    "terms": "协议内容",
    "agreed_on_words": "协议签订日期（落款）",
    "referral_word": "委派或委托",
    "confirmation_basis": "司法确认的法律依据",
    "handler": "承办人",
    "handler_phone": "承办人联系电话",
}
OUTCOMES_ZH = {
    "agreement_signed": "达成调解协议",
    "mediation_failed": "调解不成",
    "mediation_withdrawn": "申请人撤回调解申请",
    "mediation_timed_out": "调解期限届满未达成调解协议",
}
PROCEDURES_ZH = {"ordinary": "普通程序", "simple": "简易程序"}
CHANNELS_ZH = {"offline": "线下", "online": "线上（在线调解平台）"}
MEDIATION_RULES = ("R16", "R17")  # the referred mediation periods, by mode and procedure


class FieldConflict(ValueError):
    """A value given by hand that contradicts the case record."""


def chinese_date(day: date) -> str:
    """A date in running text, as the 诉讼文书样式 write it there: 2026年12月4日."""
    return f"{day.year}年{day.month}月{day.day}日"


NUMERALS = "〇一二三四五六七八九"


def _small_number(n: int) -> str:
    tens, ones = divmod(n, 10)
    if not tens:
        return NUMERALS[n]
    return ("" if tens == 1 else NUMERALS[tens]) + "十" + (NUMERALS[ones] if ones else "")


def date_in_words(day: date) -> str:
    """The date under a signature, in Chinese numerals: 二〇二六年十二月四日."""
    year = "".join(NUMERALS[int(d)] for d in str(day.year))
    return f"{year}年{_small_number(day.month)}月{_small_number(day.day)}日"


def case_number(case_id: str) -> str:
    """A 案号 as printed: the year in full-width brackets, （2026）浙1082民诉前调1号."""
    if case_id.startswith(("(", "（", "〔", "[")) and case_id[5:6] in (")", "）", "〕", "]"):
        return f"（{case_id[1:5]}）{case_id[6:]}"
    return case_id


def full_name(org: str | None) -> str | None:
    """An organisation's full name: letters never use the short form 消保委."""
    if org and org.endswith("消保委"):
        return org[: -len("消保委")] + "消费者权益保护委员会"
    return org


def cause_of(facts: Mapping[str, Any]) -> str | None:
    """The 案由 (dispute type): recorded as such, or a summary that is only a type (…纠纷)."""
    cause = facts.get("cause")
    if cause:
        return str(cause)
    summary = str(facts.get("summary") or "").strip().rstrip("。")
    if summary.endswith("纠纷") and len(summary) <= 20 and "，" not in summary:
        return summary
    return None


def _clean_text(value: str) -> str:
    """A value set inside a sentence: no trailing full stop that would print as 。。."""
    return value.strip().rstrip("。；，、")


def yuan(amount: Any) -> str:
    value = Decimal(str(amount))
    return f"{value:.2f}" if value != value.to_integral() else f"{value:.0f}"


DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
BIG_UNITS = ("", "万", "亿")


def _four(n: int) -> str:
    """A group of up to four digits in capital numerals, with 零 for inner gaps."""
    out, zero = "", False
    for pos in range(3, -1, -1):
        digit = n // 10**pos % 10
        if digit == 0:
            zero = bool(out)
        else:
            out += ("零" if zero else "") + DIGITS[digit] + SMALL_UNITS[pos]
            zero = False
    return out


def amount_in_words(amount: Any) -> str:
    """人民币大写: 1299 -> 壹仟贰佰玖拾玖元整; 3000.5 -> 叁仟元伍角 (as written on agreements)."""
    cents = int((Decimal(str(amount)) * 100).quantize(Decimal(1)))
    whole, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    groups, text = [], ""
    while whole:
        groups.append(whole % 10000)
        whole //= 10000
    for i in range(len(groups) - 1, -1, -1):
        group = groups[i]
        if group:
            if text and (group < 1000):
                text += "零"
            text += _four(group) + BIG_UNITS[i]
        elif text and not text.endswith("零"):
            text += "零"
    text = text.rstrip("零")
    if not jiao and not fen:
        return (text or "零") + "元整"
    text += "元" if text else ""  # under one yuan: 柒分, not 零元柒分
    if jiao:
        text += DIGITS[jiao] + "角"
    if fen:
        text += ("零" if text and not jiao else "") + DIGITS[fen] + "分"
    return text


def _day(event: CaseEvent) -> date:
    return event.at.astimezone(SHANGHAI).date()


def _last(events: Sequence[CaseEvent], *activities: str) -> CaseEvent | None:
    return next((e for e in reversed(events) if e.activity in activities), None)


def _mediation_due(
    referred: CaseEvent, received: date, pack: RulePack, calendar: LegalCalendar
) -> tuple[int, date] | None:
    """The referred mediation period (days, first due date) that applies to this case."""
    attrs = {k: str(v) for k, v in referred.data.items() if k in ("mode", "procedure")}
    for rule_id in MEDIATION_RULES:
        for period in pack.rule(rule_id).periods:
            if period.start == "referral_received" and period.days and period.applies(attrs):
                return period.days, calendar.due(received, period.days, period.unit).due
    return None


def collect(
    view: CaseView,
    events: Sequence[CaseEvent],
    pack: RulePack,
    calendar: LegalCalendar,
    issued_on: date,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every field the case (and `extra`) gives a value, as printed text."""
    facts = view.facts
    consumer = facts.get("consumer") or {}
    business = facts.get("business") or {}
    cause = cause_of(facts)
    summary = facts.get("summary")
    values: dict[str, Any] = {
        "case_id": case_number(view.id),
        "court_org": view.court_org,
        "mediator_org": view.mediator_org,
        "consumer_name": consumer.get("name"),
        "consumer_phone": consumer.get("phone"),
        "consumer_address": consumer.get("address"),
        "consumer_id_number": consumer.get("id_number"),
        "business_name": business.get("name"),
        "business_phone": business.get("phone"),
        "business_address": business.get("address"),
        "business_credit_code": business.get("credit_code"),
        "business_legal_rep": business.get("legal_rep"),
        "cause": cause,
        # the summary is told only when it says more than the dispute type
        "summary": _clean_text(str(summary)) if summary and summary != cause else None,
        "materials": facts.get("materials"),
        "issued_on": date_in_words(issued_on),
    }
    if facts.get("claim_amount") is not None:
        values["claim_amount"] = yuan(facts["claim_amount"])
        values["claim_amount_upper"] = amount_in_words(facts["claim_amount"])
    if facts.get("channel") in CHANNELS_ZH:
        values["received_channel_zh"] = CHANNELS_ZH[facts["channel"]]
    referred = _last(events, "referred")
    if referred is not None:
        values["referred_on"] = chinese_date(_day(referred))
        values["referral_word"] = "委托" if referred.data.get("mode") == "post_filing" else "委派"
        values["procedure_zh"] = PROCEDURES_ZH.get(str(referred.data.get("procedure")))
        values["mediator_org"] = values["mediator_org"] or referred.data.get("mediator_org")
        if view.process_id == "pre_filing_referral":
            values["confirmation_court"] = view.court_org  # the assigning court confirms
        received = _last(events, "referral_received")
        start = _day(received) if received is not None else None
        period = _mediation_due(referred, start or issued_on, pack, calendar)
        if period is not None:
            values["period_days"] = str(period[0])
            if start is not None:  # the first due date; pauses and extensions move it later
                values["received_on"] = chinese_date(start)
                values["mediation_due"] = chinese_date(period[1])
    if (accepted := _last(events, "referral_accepted")) is not None:
        values["accepted_on"] = chinese_date(_day(accepted))
    if (notified := _last(events, "parties_notified")) is not None:
        values["notified_on"] = chinese_date(_day(notified))
        values["session_at"] = notified.data.get("session_at")
        values["place"] = notified.data.get("place")
    if (agreed := _last(events, "agreement_signed")) is not None:
        values["agreement_amount"] = yuan(agreed.data["amount"])
        values["agreement_amount_upper"] = amount_in_words(agreed.data["amount"])
        values["agreed_on"] = chinese_date(_day(agreed))
        values["agreed_on_words"] = date_in_words(_day(agreed))
        effective = agreed.data.get("effective_on")
        values["effective_on"] = chinese_date(
            date.fromisoformat(effective) if effective else _day(agreed)
        )
        values["terms"] = agreed.data.get("terms")
        values["performance_method"] = agreed.data.get("performance_method")
        deadline = agreed.data.get("performance_deadline")
        if deadline:
            values["performance_deadline"] = chinese_date(date.fromisoformat(deadline))
        values["confirmation_basis"] = _confirmation_basis(referred is not None)
    if (outcome := _last(events, *OUTCOMES_ZH)) is not None:
        values["outcome_zh"] = OUTCOMES_ZH[outcome.activity]
        values["outcome_on"] = chinese_date(_day(outcome))
        if outcome.activity == "mediation_failed":
            values["failure_reason"] = outcome.data.get("reason")
    if (supported := _last(events, "suit_supported")) is not None:
        values["supported_on"] = chinese_date(_day(supported))
    for org in ("court_org", "mediator_org", "confirmation_court"):
        values[org] = full_name(values.get(org))
    known = {k: str(v) for k, v in values.items() if v not in (None, "")}
    for key, value in (extra or {}).items():
        if key not in LABELS:
            raise FieldConflict(f"未知字段“{key}”")
        if key in known and known[key] != value:
            raise FieldConflict(f"{LABELS[key]}已由案件记录确定为“{known[key]}”")
        if value.strip():
            known[key] = _clean_text(value)
    if "cause" not in known and (cause := cause_of({"summary": known.get("summary")})):
        known["cause"] = cause  # a summary given by hand that only names the dispute type
    if known.get("summary") == known.get("cause"):
        known.pop("summary", None)
    return known


def _confirmation_basis(court_invited: bool) -> str:
    """The law a 司法确认 application cites. A 消保委 is not a 人民调解委员会, so 人民调解法
    第三十三条 does not fit; a court-invited (特邀) agreement rests on the SPC 特邀调解 rules
    too (RULES.md R40, R41, R56)."""
    laws = [
        "《中华人民共和国民事诉讼法》第二百零五条",
        "《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》第三百五十一条",
    ]
    if court_invited:
        laws.append("《最高人民法院关于人民法院特邀调解的规定》第十九条")
    laws.append("《浙江省实施〈中华人民共和国消费者权益保护法〉办法》第三十四条")
    return "、".join(laws)
