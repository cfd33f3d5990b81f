"""The audited rules of contract/EVENTS.md ("The checks"), one small in-memory log at a time.

Every expected due date below is worked out by hand from the State Council schedules (noted
beside each case), never by the code under test. Calendar facts used:

- 2025 National Day + Mid-autumn: 10-01..10-08 off; Sunday 09-28 and Saturday 10-11 worked.
- 2026 Spring Festival: 02-15..02-23 off; Saturdays 02-14 and 02-28 worked.
- 2026 Qingming: 04-04..04-06 off (Sat-Mon).
- 2026-03-02 is a Monday; March 2026 has no holiday.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from standard_rules.audit import audit
from standard_rules.eventlog import InputError, parse_jsonl
from standard_rules.legal_calendar import default_calendar
from standard_rules.pack import default_pack

PACK = default_pack()
CALENDAR = default_calendar()

Row = tuple[str, str, str, str | None]


def t(text: str) -> str:
    """'2026-03-02' -> 10:00 that day in Shanghai; '2026-03-02 23:59' -> that minute;
    '2026-03-02 23:59:59' -> that second."""
    if len(text) == 10:
        text += " 10:00"
    day, clock = text.split(" ")
    if clock.count(":") == 1:
        clock += ":00"
    return f"{day}T{clock}+08:00"


def ev(
    activity: str, at: str, case: str = "C", role: str | None = None, **data: Any
) -> dict[str, Any]:
    record: dict[str, Any] = {"case": case, "activity": activity, "at": at if "T" in at else t(at)}
    if role is not None:
        record["role"] = role
    if data:
        record["data"] = data
    return record


def run(*events: dict[str, Any], as_of: str, stalled: bool = False) -> list[Row]:
    """Audit the events as a JSONL log; findings as (case, rule, kind, due).

    Most tests leave a case open and audit it months later: T02 (stalled) is left out of their
    findings unless `stalled` asks for it; its own tests below ask."""
    lines = [json.dumps(e, ensure_ascii=False) + "\n" for e in events]
    items = list(parse_jsonl(lines, PACK.contract_activities, source="mem.jsonl"))
    assert [i for i in items if isinstance(i, InputError)] == []
    when = datetime.fromisoformat(as_of if "T" in as_of else t(as_of))
    result = audit(items, PACK, CALENDAR, as_of=when)
    assert result.events == len(events)
    return sorted(
        (f.case, f.rule, f.kind, f.due.isoformat() if f.due else None)
        for f in result.findings
        if stalled or f.kind != "stalled"
    )


# -- preambles that satisfy every rule but the one under test --------------------------------


def pre_filing(received: str) -> list[dict[str, Any]]:
    """Consent, 委派 referral, signed receipt and acceptance, all on the day `received`."""
    return [
        ev("consent_given", f"{received} 08:00", party="both"),
        ev("referred", f"{received} 08:30", mode="pre_filing", mediator_org="临海市消保委"),
        ev("referral_received", f"{received} 09:00"),
        ev("referral_accepted", f"{received} 09:30"),
    ]


def post_filing(received: str, procedure: str) -> list[dict[str, Any]]:
    return [
        ev("consent_given", f"{received} 08:00", party="both"),
        ev("referred", f"{received} 08:30", mode="post_filing", procedure=procedure),
        ev("referral_received", f"{received} 09:00"),
        ev("referral_accepted", f"{received} 09:30"),
    ]


# -- R06: referral_received -> accepted / declined within wd(3) -------------------------------


class TestR06:
    # Thu 2025-09-25: wd 09-26 (Fri), 09-28 (Sun, 调休 working day), 09-29 (Mon) -> due 09-29.
    def test_working_days_count_a_tiaoxiu_sunday_on_time(self) -> None:
        assert (
            run(
                ev("referral_received", "2025-09-25"),
                ev("referral_accepted", "2025-09-29 23:59"),
                as_of="2025-12-01",
            )
            == []
        )

    def test_working_days_count_a_tiaoxiu_sunday_late(self) -> None:
        assert run(
            ev("referral_received", "2025-09-25"),
            ev("referral_accepted", "2025-09-30 00:00"),
            as_of="2025-12-01",
        ) == [("C", "R06", "late", "2025-09-29")]

    def test_utc_timestamps_are_reckoned_in_shanghai(self) -> None:
        # 2025-09-24T16:30Z is 09-25 00:30 in Shanghai (a UTC reading would start on Wed 09-24
        # and make 09-28 the due date); 2025-09-29T15:59Z is 23:59 on the due date.
        assert (
            run(
                ev("referral_received", "2025-09-24T16:30:00Z"),
                ev("referral_accepted", "2025-09-29T15:59:00Z"),
                as_of="2025-12-01",
            )
            == []
        )

    def test_utc_timestamp_past_shanghai_midnight_is_late(self) -> None:
        assert run(
            ev("referral_received", "2025-09-24T16:30:00Z"),
            ev("referral_accepted", "2025-09-29T16:00:00Z"),  # 09-30 00:00 Shanghai
            as_of="2025-12-01",
        ) == [("C", "R06", "late", "2025-09-29")]

    def test_decline_in_time_satisfies(self) -> None:
        assert (
            run(
                ev("referral_received", "2026-03-02"),
                ev("referral_declined", "2026-03-03", reason="利益冲突"),
                as_of="2026-06-01",
            )
            == []
        )

    # Mon 2026-03-02: wd 03-03, 03-04, 03-05 -> due Thu 03-05.
    def test_missing_only_once_the_due_date_has_passed(self) -> None:
        received = ev("referral_received", "2026-03-02")
        assert run(received, as_of="2026-03-05 23:59") == []
        assert run(received, as_of="2026-03-06T00:00:00+08:00") == [
            ("C", "R06", "missing", "2026-03-05")
        ]


# -- R62: complaint_received -> accepted / rejected within wd(5) ------------------------------


class TestR62:
    # Thu 2025-09-25: 09-26, 09-28 (调休 Sunday), 09-29, 09-30, then 10-01..08 off -> 10-09.
    def test_on_the_due_date_after_national_day(self) -> None:
        assert (
            run(
                ev("complaint_received", "2025-09-25", claim_amount=1299),
                ev("complaint_accepted", "2025-10-09 17:00"),
                ev("mediation_started", "2025-10-10"),
                as_of="2025-12-01",
            )
            == []
        )

    def test_the_day_after_is_late(self) -> None:
        assert run(
            ev("complaint_received", "2025-09-25"),
            ev("complaint_accepted", "2025-10-10"),
            ev("mediation_started", "2025-10-10"),
            as_of="2025-12-01",
        ) == [("C", "R62", "late", "2025-10-09")]

    # Received on the 调休 Saturday 2026-02-14: 02-15..23 off; 02-24, 25, 26, 27 and the
    # 调休 Saturday 02-28 are working days 1..5.
    def test_spring_festival_with_tiaoxiu_saturdays(self) -> None:
        received = ev("complaint_received", "2026-02-14")
        assert run(received, ev("complaint_rejected", "2026-02-28 23:59"), as_of="2026-06-01") == []
        assert run(received, ev("complaint_rejected", "2026-03-01"), as_of="2026-06-01") == [
            ("C", "R62", "late", "2026-02-28")
        ]

    def test_missing(self) -> None:
        # Fri 2026-02-13: 02-14 (调休 Sat), 02-24, 02-25, 02-26, 02-27 -> due 02-27.
        received = ev("complaint_received", "2026-02-13")
        assert run(received, as_of="2026-02-27 23:59") == []
        assert run(received, as_of="2026-02-28") == [("C", "R62", "missing", "2026-02-27")]


# -- R63: complaint_accepted -> mediation_started within wd(10) -------------------------------


class TestR63:
    # Mon 2026-03-02: 03-03..06 (4), 03-09..13 (9), Mon 03-16 (10).
    def test_on_time(self) -> None:
        assert (
            run(
                ev("complaint_received", "2026-03-02 09:00"),
                ev("complaint_accepted", "2026-03-02 10:00"),
                ev("mediation_started", "2026-03-16 23:59"),
                as_of="2026-03-20",
            )
            == []
        )

    def test_late(self) -> None:
        assert run(
            ev("complaint_received", "2026-03-02 09:00"),
            ev("complaint_accepted", "2026-03-02 10:00"),
            ev("mediation_started", "2026-03-17 00:00"),
            as_of="2026-03-20",
        ) == [("C", "R63", "late", "2026-03-16")]

    def test_missing(self) -> None:
        events = (
            ev("complaint_received", "2026-03-02 09:00"),
            ev("complaint_accepted", "2026-03-02 10:00"),
        )
        assert run(*events, as_of="2026-03-16 12:00") == []
        assert run(*events, as_of="2026-03-17") == [("C", "R63", "missing", "2026-03-16")]


class TestOnlyTheContractsTriggers:
    """Each check counts from the event the contract's table names, and only that one."""

    def test_r63_is_about_starting_mediation_not_finishing_it(self) -> None:
        events = (
            ev("complaint_received", "2026-03-02 09:00"),
            ev("complaint_accepted", "2026-03-02 10:00"),
            ev("mediation_started", "2026-03-03"),
        )
        assert run(*events, as_of="2026-12-31") == []

    def test_r06_counts_from_referral_received_only(self) -> None:
        events = (
            ev("consent_given", "2026-03-02 08:00"),
            ev("referred", "2026-03-02 09:00", mode="pre_filing"),
        )
        assert run(*events, as_of="2026-12-31") == []

    def test_r16_applies_to_online_pre_filing_cases_too(self) -> None:
        events = [
            ev("dispute_received", "2026-03-01", channel="online"),
            *pre_filing("2026-03-02"),
            ev("mediation_failed", "2026-04-02"),
        ]
        assert run(*events, as_of="2026-05-01") == [("C", "R16", "late", "2026-04-01")]

    def test_r17_applies_to_online_post_filing_cases_too(self) -> None:
        events = [
            ev("dispute_received", "2026-03-01", channel="online"),
            *post_filing("2026-03-02", "simple"),
        ]
        assert run(*events, as_of="2026-03-10") == [("C", "R17", "missing", "2026-03-09")]


class TestClosedCases:
    """A case closed before a due date owes nothing more under that period.

    EVENTS.md defines `missing` as "the due date has passed as of the audit time and the event
    never came"; the checker reads a close inside the period as ending the obligation (a
    complaint withdrawn before the 消保委 decided, say). These tests pin that reading.
    """

    def test_closed_inside_the_period_is_not_missing(self) -> None:
        # Mon 2026-03-02 + wd(5) = Mon 03-09; closed on 03-05.
        events = (
            ev("complaint_received", "2026-03-02"),
            ev("mediation_withdrawn", "2026-03-05"),
            ev("case_closed", "2026-03-05 12:00", outcome="withdrawn"),
        )
        assert run(*events, as_of="2026-12-31") == []

    def test_closed_after_the_due_date_is_still_missing(self) -> None:
        events = (
            ev("complaint_received", "2026-03-02"),
            ev("mediation_withdrawn", "2026-03-10"),
            ev("case_closed", "2026-03-10 12:00", outcome="withdrawn"),
        )
        assert run(*events, as_of="2026-12-31") == [("C", "R62", "missing", "2026-03-09")]


# -- R44: confirmation_applied -> accepted / not accepted within cal(3) -----------------------


class TestR44:
    def test_cal_due_on_a_holiday_moves_to_the_next_working_day(self) -> None:
        # 2025-09-28 + 3 = 10-01 (National Day) -> 顺延 to Thu 10-09.
        applied = ev("confirmation_applied", "2025-09-28", joint=True)
        assert (
            run(applied, ev("confirmation_accepted", "2025-10-09 23:59"), as_of="2025-10-10") == []
        )
        assert run(
            applied, ev("confirmation_accepted", "2025-10-10 00:00"), as_of="2025-10-10"
        ) == [("C", "R44", "late", "2025-10-09")]

    def test_cal_due_on_a_weekend_moves_to_monday(self) -> None:
        # Wed 2026-03-04 + 3 = Sat 03-07 -> Mon 03-09.
        applied = ev("confirmation_applied", "2026-03-04", joint=True)
        assert run(applied, ev("confirmation_not_accepted", "2026-03-09"), as_of="2026-04-01") == []
        assert run(applied, ev("confirmation_not_accepted", "2026-03-10"), as_of="2026-04-01") == [
            ("C", "R44", "late", "2026-03-09")
        ]

    def test_2359_on_time_0000_late_in_utc(self) -> None:
        # Mon 2026-03-02 + 3 = Thu 03-05. 15:59Z = 23:59 Shanghai; 16:00Z = 00:00 on 03-06.
        applied = ev("confirmation_applied", "2026-03-02", joint=True)
        assert (
            run(applied, ev("confirmation_accepted", "2026-03-05T15:59:59Z"), as_of="2026-03-07")
            == []
        )
        assert run(
            applied, ev("confirmation_accepted", "2026-03-05T16:00:00Z"), as_of="2026-03-07"
        ) == [("C", "R44", "late", "2026-03-05")]

    def test_missing(self) -> None:
        applied = ev("confirmation_applied", "2026-03-02", joint=True)
        assert run(applied, as_of="2026-03-05 23:59") == []
        assert run(applied, as_of="2026-03-06") == [("C", "R44", "missing", "2026-03-05")]


# -- R48: confirmation_accepted -> ruled / withdrawn within cal(30) ---------------------------


class TestR48:
    def test_holiday_due_date(self) -> None:
        # 2025-09-01 + 30 = 10-01 -> 10-09.
        accepted = ev("confirmation_accepted", "2025-09-01")
        assert (
            run(
                accepted, ev("confirmation_ruled", "2025-10-09", result="valid"), as_of="2026-01-01"
            )
            == []
        )
        assert run(
            accepted, ev("confirmation_ruled", "2025-10-10", result="valid"), as_of="2026-01-01"
        ) == [("C", "R48", "late", "2025-10-09")]

    def test_withdrawal_satisfies(self) -> None:
        accepted = ev("confirmation_accepted", "2026-03-02")
        assert run(accepted, ev("confirmation_withdrawn", "2026-03-20"), as_of="2026-06-01") == []

    def test_missing(self) -> None:
        # 2026-03-02 + 30 = Wed 04-01.
        accepted = ev("confirmation_accepted", "2026-03-02")
        assert run(accepted, as_of="2026-04-01 23:59") == []
        assert run(accepted, as_of="2026-04-02") == [("C", "R48", "missing", "2026-04-01")]


# -- R40: confirmation_applied within cal(30) of the agreement's effective_on, jointly ----------


class TestR40:
    # effective_on 2025-09-01 + 30 = 10-01 -> 10-09 (the signing date 08-20 would give 09-19).
    def signed(self) -> dict[str, Any]:
        return ev("agreement_signed", "2025-08-20", amount=6800, effective_on="2025-09-01")

    def test_counts_from_effective_on_and_moves_past_the_holiday(self) -> None:
        assert (
            run(
                self.signed(),
                ev("confirmation_applied", "2025-10-09 16:00", joint=True),
                as_of="2025-10-09 17:00",
            )
            == []
        )

    def test_late(self) -> None:
        assert run(
            self.signed(),
            ev("confirmation_applied", "2025-10-10 09:00", joint=True),
            as_of="2025-10-10 10:00",
        ) == [("C", "R40", "late", "2025-10-09")]

    def test_not_joint_is_invalid(self) -> None:
        assert run(
            self.signed(),
            ev("confirmation_applied", "2025-09-10", joint=False),
            ev("confirmation_accepted", "2025-09-11"),
            as_of="2025-09-12",
        ) == [("C", "R40", "invalid", None)]

    def test_joint_absent_is_invalid(self) -> None:
        assert run(
            self.signed(),
            ev("confirmation_applied", "2025-09-10"),
            ev("confirmation_accepted", "2025-09-11"),
            as_of="2025-09-12",
        ) == [("C", "R40", "invalid", None)]

    def test_late_and_not_joint(self) -> None:
        assert run(
            self.signed(),
            ev("confirmation_applied", "2025-10-10 09:00", joint=False),
            as_of="2025-10-10 10:00",
        ) == [("C", "R40", "invalid", None), ("C", "R40", "late", "2025-10-09")]

    def test_never_applied_is_no_finding(self) -> None:
        assert run(self.signed(), as_of="2026-12-31") == []

    def test_without_effective_on_counts_from_the_signing_date(self) -> None:
        # 2026-03-02 + 30 = Wed 04-01.
        signed = ev("agreement_signed", "2026-03-02", amount=100)
        applied = ev("confirmation_applied", "2026-04-02 09:00", joint=True)
        assert run(signed, applied, as_of="2026-04-02 10:00") == [
            ("C", "R40", "late", "2026-04-01")
        ]


# -- R16: pre-filing mediation cal(30) with pauses and extensions -----------------------------


class TestR16:
    def test_due_date_in_the_national_day_holiday_moves(self) -> None:
        # Received Mon 2025-09-01; + 30 = 10-01 -> 10-09 (contract example E2).
        base = pre_filing("2025-09-01")
        ok = ev("mediation_failed", "2025-10-09 23:59", reason="分歧较大")
        late = ev("mediation_failed", "2025-10-10 00:00", reason="分歧较大")
        assert run(*base, ok, as_of="2026-01-01") == []
        assert run(*base, late, as_of="2026-01-01") == [("C", "R16", "late", "2025-10-09")]

    def test_utc_outcome_around_shanghai_midnight(self) -> None:
        base = pre_filing("2025-09-01")
        ok = ev("agreement_signed", "2025-10-09T15:59:59Z", amount=1)
        late = ev("agreement_signed", "2025-10-09T16:00:00Z", amount=1)
        assert run(*base, ok, as_of="2025-10-11") == []
        assert run(*base, late, as_of="2025-10-11") == [("C", "R16", "late", "2025-10-09")]

    def test_missing_only_after_the_due_date(self) -> None:
        # Received Mon 2026-03-02; + 30 = Wed 04-01.
        base = pre_filing("2026-03-02")
        assert run(*base, as_of="2026-04-01 23:59") == []
        assert run(*base, as_of="2026-04-02 00:00") == [("C", "R16", "missing", "2026-04-01")]

    def test_a_deadline_in_the_future_is_not_a_finding(self) -> None:
        assert run(*pre_filing("2026-03-02"), as_of="2026-03-03") == []

    def test_pause_lengthens_and_the_lengthened_end_moves(self) -> None:
        # 04-01 + 5 paused days (03-10 .. 03-15) = Mon 04-06, Qingming -> Tue 04-07.
        base = [
            *pre_filing("2026-03-02"),
            ev("pause_started", "2026-03-10", reason="鉴定"),
            ev("pause_ended", "2026-03-15 18:00", reason="鉴定完成"),
        ]
        assert run(*base, ev("mediation_failed", "2026-04-07 23:59"), as_of="2026-05-01") == []
        assert run(*base, ev("mediation_failed", "2026-04-08 00:00"), as_of="2026-05-01") == [
            ("C", "R16", "late", "2026-04-07")
        ]
        assert run(*base, as_of="2026-04-08") == [("C", "R16", "missing", "2026-04-07")]
        assert run(*base, as_of="2026-04-07 22:00") == []

    def test_two_pauses_add_up(self) -> None:
        # 2 days (03-05..03-07) + 3 days (03-10..03-13): 04-01 + 5 = 04-06 -> 04-07.
        base = [
            *pre_filing("2026-03-02"),
            ev("pause_started", "2026-03-05"),
            ev("pause_ended", "2026-03-07"),
            ev("pause_started", "2026-03-10"),
            ev("pause_ended", "2026-03-13"),
        ]
        assert run(*base, ev("mediation_failed", "2026-04-07"), as_of="2026-05-01") == []
        assert run(*base, ev("mediation_failed", "2026-04-08"), as_of="2026-05-01") == [
            ("C", "R16", "late", "2026-04-07")
        ]

    def test_pause_running_over_the_due_date_counts_in_full(self) -> None:
        # Paused 03-30 .. 04-10 (11 days): 04-01 + 11 = Sun 04-12 -> Mon 04-13.
        base = [
            *pre_filing("2026-03-02"),
            ev("pause_started", "2026-03-30"),
            ev("pause_ended", "2026-04-10"),
        ]
        assert run(*base, ev("mediation_failed", "2026-04-13"), as_of="2026-05-01") == []
        assert run(*base, ev("mediation_failed", "2026-04-14"), as_of="2026-05-01") == [
            ("C", "R16", "late", "2026-04-13")
        ]

    def test_pause_started_after_the_due_date_changes_nothing(self) -> None:
        # Counted, 04-03 .. 04-05 would move the due date to Fri 04-03.
        base = [
            *pre_filing("2026-03-02"),
            ev("pause_started", "2026-04-03"),
            ev("pause_ended", "2026-04-05"),
        ]
        assert run(*base, ev("mediation_failed", "2026-04-10"), as_of="2026-05-01") == [
            ("C", "R16", "late", "2026-04-01")
        ]

    def test_open_pause_is_not_missing(self) -> None:
        base = [*pre_filing("2026-03-02"), ev("pause_started", "2026-03-10", reason="鉴定")]
        assert run(*base, as_of="2026-12-31") == []

    def test_extension_before_the_due_date_replaces_it_without_shunyan(self) -> None:
        # Agreed 03-25 to run until Sun 04-05 (a Qingming rest day): taken as given.
        base = [*pre_filing("2026-03-02"), ev("extension_agreed", "2026-03-25", until="2026-04-05")]
        assert run(*base, ev("mediation_failed", "2026-04-05 23:59"), as_of="2026-05-01") == []
        assert run(*base, ev("mediation_failed", "2026-04-06 00:00"), as_of="2026-05-01") == [
            ("C", "R16", "late", "2026-04-05")
        ]
        assert run(*base, as_of="2026-04-06") == [("C", "R16", "missing", "2026-04-05")]

    def test_extension_to_an_earlier_date_also_replaces(self) -> None:
        base = [*pre_filing("2026-03-02"), ev("extension_agreed", "2026-03-10", until="2026-03-20")]
        assert run(*base, ev("mediation_failed", "2026-03-23"), as_of="2026-05-01") == [
            ("C", "R16", "late", "2026-03-20")
        ]

    def test_extension_dated_on_the_due_date_counts(self) -> None:
        base = [*pre_filing("2026-03-02"), ev("extension_agreed", "2026-04-01", until="2026-04-20")]
        assert run(*base, ev("mediation_failed", "2026-04-20"), as_of="2026-05-01") == []
        assert run(*base, ev("mediation_failed", "2026-04-21"), as_of="2026-05-01") == [
            ("C", "R16", "late", "2026-04-20")
        ]

    def test_extension_after_the_due_date_changes_nothing(self) -> None:
        base = [*pre_filing("2026-03-02"), ev("extension_agreed", "2026-04-02", until="2026-04-30")]
        assert run(*base, ev("mediation_failed", "2026-04-10"), as_of="2026-05-01") == [
            ("C", "R16", "late", "2026-04-01")
        ]
        assert run(*base, as_of="2026-04-15") == [("C", "R16", "missing", "2026-04-01")]

    def test_extension_without_until_lifts_the_deadline(self) -> None:
        base = [*pre_filing("2026-03-02"), ev("extension_agreed", "2026-03-30")]
        assert run(*base, ev("mediation_failed", "2026-06-01"), as_of="2026-07-01") == []
        assert run(*base, as_of="2026-12-31") == []

    def test_declined_referral_owes_no_outcome(self) -> None:
        events = [
            ev("consent_given", "2026-03-02 08:00", party="both"),
            ev("referred", "2026-03-02 08:30", mode="pre_filing"),
            ev("referral_received", "2026-03-02 09:00"),
            ev("referral_declined", "2026-03-03", reason="利益冲突"),
        ]
        assert run(*events, as_of="2026-12-31") == []

    def test_r16_does_not_apply_to_post_filing(self) -> None:
        # A 30-day-late outcome in an ordinary 委托 case breaks R17 (15 days), not R16.
        base = post_filing("2026-03-02", "ordinary")
        assert run(*base, ev("mediation_failed", "2026-04-01"), as_of="2026-05-01") == [
            ("C", "R17", "late", "2026-03-17")
        ]


# -- R17: post-filing mediation cal(15) ordinary / cal(7) simple -------------------------------


class TestR17:
    def test_ordinary_15_days(self) -> None:
        # Mon 2026-03-02 + 15 = Tue 03-17.
        base = post_filing("2026-03-02", "ordinary")
        assert run(*base, ev("agreement_signed", "2026-03-17 23:59"), as_of="2026-03-18") == []
        assert run(*base, ev("agreement_signed", "2026-03-18 00:00"), as_of="2026-03-18") == [
            ("C", "R17", "late", "2026-03-17")
        ]
        assert run(*base, as_of="2026-03-17 23:00") == []
        assert run(*base, as_of="2026-03-18") == [("C", "R17", "missing", "2026-03-17")]

    def test_simple_7_days(self) -> None:
        # Mon 2026-03-02 + 7 = Mon 03-09; 03-10 would be on time under 15 days.
        base = post_filing("2026-03-02", "simple")
        assert run(*base, ev("mediation_withdrawn", "2026-03-09"), as_of="2026-04-01") == []
        assert run(*base, ev("mediation_withdrawn", "2026-03-10"), as_of="2026-04-01") == [
            ("C", "R17", "late", "2026-03-09")
        ]
        assert run(*base, as_of="2026-03-10") == [("C", "R17", "missing", "2026-03-09")]

    def test_simple_due_in_the_holiday(self) -> None:
        # Wed 2025-09-24 + 7 = 10-01 -> 10-09.
        base = post_filing("2025-09-24", "simple")
        # A timeout on the due date itself came before the period ended (contract v2: early).
        assert run(*base, ev("mediation_timed_out", "2025-10-09"), as_of="2025-12-01") == [
            ("C", "R17", "early", "2025-10-09")
        ]
        # A lapse is recorded as the due date ends (00:00 the day after); a day later is late.
        assert run(*base, ev("mediation_timed_out", "2025-10-10"), as_of="2025-12-01") == []
        assert run(*base, ev("mediation_timed_out", "2025-10-11"), as_of="2025-12-01") == [
            ("C", "R17", "late", "2025-10-09")
        ]

    def test_pause(self) -> None:
        # 03-09 + 2 paused days (03-04 .. 03-06) = Wed 03-11.
        base = [
            *post_filing("2026-03-02", "simple"),
            ev("pause_started", "2026-03-04"),
            ev("pause_ended", "2026-03-06"),
        ]
        assert run(*base, ev("mediation_failed", "2026-03-11"), as_of="2026-04-01") == []
        assert run(*base, ev("mediation_failed", "2026-03-12"), as_of="2026-04-01") == [
            ("C", "R17", "late", "2026-03-11")
        ]

    def test_pause_lengthened_end_on_a_weekend_moves(self) -> None:
        # Ordinary: 03-17 + 4 paused days (03-05 .. 03-09) = Sat 03-21 -> Mon 03-23.
        base = [
            *post_filing("2026-03-02", "ordinary"),
            ev("pause_started", "2026-03-05"),
            ev("pause_ended", "2026-03-09"),
        ]
        assert run(*base, ev("mediation_failed", "2026-03-23"), as_of="2026-04-01") == []
        assert run(*base, ev("mediation_failed", "2026-03-24"), as_of="2026-04-01") == [
            ("C", "R17", "late", "2026-03-23")
        ]

    def test_open_pause(self) -> None:
        base = [*post_filing("2026-03-02", "ordinary"), ev("pause_started", "2026-03-05")]
        assert run(*base, as_of="2026-12-31") == []

    def test_extensions(self) -> None:
        base = post_filing("2026-03-02", "simple")  # due 03-09
        fixed = ev("extension_agreed", "2026-03-09 18:00", until="2026-03-14")  # a Saturday
        assert run(*base, fixed, ev("agreement_signed", "2026-03-14"), as_of="2026-04-01") == []
        assert run(*base, fixed, ev("agreement_signed", "2026-03-16"), as_of="2026-04-01") == [
            ("C", "R17", "late", "2026-03-14")
        ]
        too_late = ev("extension_agreed", "2026-03-10", until="2026-03-31")
        assert run(*base, too_late, ev("agreement_signed", "2026-03-20"), as_of="2026-04-01") == [
            ("C", "R17", "late", "2026-03-09")
        ]
        open_ended = ev("extension_agreed", "2026-03-05")
        assert run(*base, open_ended, as_of="2026-12-31") == []

    def test_declined_referral(self) -> None:
        events = [
            ev("consent_given", "2026-03-02 08:00"),
            ev("referred", "2026-03-02 08:30", mode="post_filing", procedure="simple"),
            ev("referral_received", "2026-03-02 09:00"),
            ev("referral_declined", "2026-03-02 11:00"),
        ]
        assert run(*events, as_of="2026-12-31") == []


# -- R02: consent before the referral -----------------------------------------------------------


class TestR02:
    def test_consent_before_referral(self) -> None:
        assert (
            run(
                ev("consent_given", "2026-03-02 08:00", party="both"),
                ev("referred", "2026-03-02 09:00", mode="pre_filing"),
                as_of="2026-03-02 10:00",
            )
            == []
        )

    def test_referred_without_consent(self) -> None:
        assert run(
            ev("dispute_received", "2026-03-02 08:00"),
            ev("referred", "2026-03-02 09:00", mode="pre_filing"),
            as_of="2026-03-02 10:00",
        ) == [("C", "R02", "order", None)]

    def test_consent_after_referral(self) -> None:
        assert run(
            ev("referred", "2026-03-02 09:00", mode="pre_filing"),
            ev("consent_given", "2026-03-02 09:05", party="both"),
            as_of="2026-03-02 10:00",
        ) == [("C", "R02", "order", None)]

    def test_consent_refused_is_not_consent(self) -> None:
        assert run(
            ev("consent_refused", "2026-03-02 08:00", party="business"),
            ev("referred", "2026-03-02 09:00", mode="post_filing", procedure="ordinary"),
            as_of="2026-03-02 10:00",
        ) == [("C", "R02", "order", None)]

    def test_same_time_ties_follow_file_order(self) -> None:
        consent = ev("consent_given", "2026-03-02 09:00", party="both")
        referred = ev("referred", "2026-03-02 09:00", mode="pre_filing")
        assert run(consent, referred, as_of="2026-03-02 10:00") == []
        assert run(referred, consent, as_of="2026-03-02 10:00") == [("C", "R02", "order", None)]

    def test_time_order_beats_file_order(self) -> None:
        # The consent is written after the referral but happened before it (UTC 00:00 = 08:00).
        assert (
            run(
                ev("referred", "2026-03-02 09:00", mode="pre_filing"),
                ev("consent_given", "2026-03-02T00:00:00Z", party="both"),
                as_of="2026-03-02 10:00",
            )
            == []
        )


# -- R22: a referred case's mediation outcome reported before it is closed ---------------------


class TestR22:
    def failed_pre_filing(self) -> list[dict[str, Any]]:
        return [*pre_filing("2026-03-02"), ev("mediation_failed", "2026-03-20", reason="分歧")]

    def test_reported_then_closed(self) -> None:
        events = [
            *self.failed_pre_filing(),
            ev("result_reported", "2026-03-20 15:00", outcome="mediation_failed"),
            ev("case_registered", "2026-03-23"),
            ev("case_closed", "2026-03-23 15:00", outcome="filed"),
        ]
        assert run(*events, as_of="2026-06-01") == []

    def test_closed_without_report(self) -> None:
        events = [
            *self.failed_pre_filing(),
            ev("case_registered", "2026-03-23"),
            ev("case_closed", "2026-03-23 15:00", outcome="filed"),
        ]
        assert run(*events, as_of="2026-06-01") == [("C", "R22", "missing", None)]

    def test_report_after_the_close_is_too_late(self) -> None:
        events = [
            *self.failed_pre_filing(),
            ev("case_registered", "2026-03-23"),
            ev("case_closed", "2026-03-23 15:00", outcome="filed"),
            ev("result_reported", "2026-03-24", outcome="mediation_failed"),
        ]
        assert run(*events, as_of="2026-06-01") == [("C", "R22", "missing", None)]

    def test_pre_filing_agreement_filed_suffices(self) -> None:
        events = [
            *pre_filing("2026-03-02"),
            ev("agreement_signed", "2026-03-20", amount=500),
            ev("agreement_filed", "2026-03-20 11:00"),
            ev("case_closed", "2026-03-21", outcome="settled_unconfirmed"),
        ]
        assert run(*events, as_of="2026-06-01") == []

    def test_pre_filing_agreement_without_filing_or_report(self) -> None:
        events = [
            *pre_filing("2026-03-02"),
            ev("agreement_signed", "2026-03-20", amount=500),
            ev("case_closed", "2026-03-21", outcome="settled_unconfirmed"),
        ]
        assert run(*events, as_of="2026-06-01") == [("C", "R22", "missing", None)]

    def test_agreement_filed_does_not_suffice_after_a_failure(self) -> None:
        events = [
            *self.failed_pre_filing(),
            ev("agreement_filed", "2026-03-20 15:00"),
            ev("case_registered", "2026-03-23"),
            ev("case_closed", "2026-03-23 15:00", outcome="filed"),
        ]
        assert run(*events, as_of="2026-06-01") == [("C", "R22", "missing", None)]

    def test_post_filing_agreement_needs_the_report(self) -> None:
        base = [*post_filing("2026-03-02", "ordinary"), ev("agreement_signed", "2026-03-10")]
        close = [
            ev("mediation_document_issued", "2026-03-12"),
            ev("case_closed", "2026-03-13", outcome="mediation_document"),
        ]
        filed = ev("agreement_filed", "2026-03-10 11:00")
        reported = ev("result_reported", "2026-03-10 12:00", outcome="agreement_signed")
        assert run(*base, filed, *close, as_of="2026-06-01") == [("C", "R22", "missing", None)]
        assert run(*base, reported, *close, as_of="2026-06-01") == []

    def test_not_referred_is_not_checked(self) -> None:
        events = [
            ev("complaint_received", "2026-03-02 09:00"),
            ev("complaint_accepted", "2026-03-02 10:00"),
            ev("mediation_started", "2026-03-03"),
            ev("mediation_withdrawn", "2026-03-05"),
            ev("case_closed", "2026-03-05 12:00", outcome="withdrawn"),
        ]
        assert run(*events, as_of="2026-06-01") == []

    def test_open_case_is_not_checked_yet(self) -> None:
        assert run(*self.failed_pre_filing(), as_of="2026-06-01") == []


# -- T01: the closing outcome is supported by an earlier event --------------------------------

SUPPORT: dict[str, list[dict[str, Any]]] = {
    "settled_performed": [
        ev("agreement_signed", "2026-03-02", amount=100),
        ev("performed", "2026-03-03", voluntary=True),
    ],
    "settled_unconfirmed": [ev("agreement_signed", "2026-03-02", amount=100)],
    "confirmed": [ev("confirmation_ruled", "2026-03-02", result="valid")],
    "confirmation_rejected": [ev("confirmation_ruled", "2026-03-02", result="rejected")],
    "confirmation_not_accepted": [ev("confirmation_not_accepted", "2026-03-02")],
    "confirmation_withdrawn": [ev("confirmation_withdrawn", "2026-03-02")],
    "mediation_document": [ev("mediation_document_issued", "2026-03-02")],
    "suit_withdrawn": [ev("suit_withdrawn", "2026-03-02")],
    "filed": [ev("case_registered", "2026-03-02")],
    "trial_resumed": [ev("trial_resumed", "2026-03-02")],
    "refused": [ev("consent_refused", "2026-03-02", party="consumer")],
    "timed_out": [ev("mediation_timed_out", "2026-03-02")],
    "withdrawn": [ev("mediation_withdrawn", "2026-03-02")],
    "intake_rejected": [ev("complaint_rejected", "2026-03-02")],
    "supported_suit": [ev("suit_supported", "2026-03-02")],
    "not_filed": [ev("filing_declined", "2026-03-02", reason="不再起诉")],
    "support_declined": [ev("support_declined", "2026-03-02", reason="证据不足")],
    "enforcement": [ev("enforcement_applied", "2026-03-02")],
}

# For each outcome, an earlier event that does NOT support it.
UNSUPPORTED: dict[str, list[dict[str, Any]]] = {
    "settled_performed": [ev("agreement_signed", "2026-03-02", amount=100)],  # not performed
    "settled_unconfirmed": [ev("performed", "2026-03-02")],
    "confirmed": [ev("confirmation_ruled", "2026-03-02", result="rejected")],
    "confirmation_rejected": [ev("confirmation_ruled", "2026-03-02", result="valid")],
    "confirmation_not_accepted": [ev("confirmation_withdrawn", "2026-03-02")],
    "confirmation_withdrawn": [ev("confirmation_not_accepted", "2026-03-02")],
    "mediation_document": [ev("agreement_signed", "2026-03-02", amount=100)],
    "suit_withdrawn": [ev("mediation_withdrawn", "2026-03-02")],
    "filed": [ev("dispute_received", "2026-03-02")],
    "trial_resumed": [ev("mediation_failed", "2026-03-02")],
    "refused": [ev("consent_given", "2026-03-02")],
    "timed_out": [ev("mediation_failed", "2026-03-02")],
    "withdrawn": [ev("suit_withdrawn", "2026-03-02")],
    "intake_rejected": [ev("complaint_received", "2026-03-02 08:00")],
    "supported_suit": [ev("mediation_failed", "2026-03-02")],
    "not_filed": [ev("mediation_failed", "2026-03-02")],
    "support_declined": [ev("complaint_rejected", "2026-03-02")],
    "enforcement": [ev("confirmation_ruled", "2026-03-02", result="valid")],
}


def test_the_outcome_table_is_the_contracts() -> None:
    assert set(SUPPORT) == set(UNSUPPORTED) == set(PACK.outcomes)
    assert len(SUPPORT) == 18


@pytest.mark.parametrize("outcome", sorted(SUPPORT))
def test_t01_supported(outcome: str) -> None:
    close = ev("case_closed", "2026-03-05 17:00", outcome=outcome)
    assert run(*SUPPORT[outcome], close, as_of="2026-03-05 18:00") == []


@pytest.mark.parametrize("outcome", sorted(UNSUPPORTED))
def test_t01_unsupported(outcome: str) -> None:
    close = ev("case_closed", "2026-03-05 17:00", outcome=outcome)
    assert run(*UNSUPPORTED[outcome], close, as_of="2026-03-05 18:00") == [
        ("C", "T01", "invalid", None)
    ]


@pytest.mark.parametrize("outcome", sorted(SUPPORT))
def test_t01_support_must_come_before_the_close(outcome: str) -> None:
    close = ev("case_closed", "2026-03-01 17:00", outcome=outcome)
    assert run(close, *SUPPORT[outcome], as_of="2026-03-02 18:00") == [
        ("C", "T01", "invalid", None)
    ]


def test_t01_confirmed_uses_the_last_ruling() -> None:
    rulings = [
        ev("confirmation_ruled", "2026-03-02 09:00", result="rejected"),
        ev("confirmation_ruled", "2026-03-02 11:00", result="valid"),
    ]
    close = ev("case_closed", "2026-03-02 17:00", outcome="confirmed")
    assert run(*rulings, close, as_of="2026-03-02 18:00") == []


@pytest.mark.parametrize("outcome", ["nonsense", None])
def test_t01_unknown_or_absent_outcome(outcome: str | None) -> None:
    close = ev("case_closed", "2026-03-02 17:00")
    if outcome is not None:
        close["data"] = {"outcome": outcome}
    assert run(ev("case_registered", "2026-03-02"), close, as_of="2026-03-02 18:00") == [
        ("C", "T01", "invalid", None)
    ]


# -- whole cases and several cases together ---------------------------------------------------


def test_a_clean_confirmed_pre_filing_case() -> None:
    events = [
        ev("dispute_received", "2025-11-02 09:00", claim_amount=5000, channel="offline"),
        *pre_filing("2025-11-03"),
        ev("mediation_started", "2025-11-05"),
        ev("agreement_signed", "2025-11-20", amount=6800, effective_on="2025-11-20"),
        ev("agreement_filed", "2025-11-20 11:00"),
        ev("confirmation_applied", "2025-11-24", joint=True),
        ev("confirmation_accepted", "2025-11-25"),
        ev("confirmation_ruled", "2025-12-05", result="valid"),
        ev("case_closed", "2025-12-06", outcome="confirmed"),
    ]
    assert run(*events, as_of="2026-06-01") == []


def test_findings_are_per_case() -> None:
    a = [{**e, "case": "A"} for e in pre_filing("2026-03-02")]
    b = [
        ev("complaint_received", "2026-03-02", case="B"),
        ev("complaint_accepted", "2026-03-20", case="B"),  # wd(5) from Mon 03-02 = Mon 03-09
    ]
    # interleave the two cases in the file
    mixed = [a[0], b[0], a[1], a[2], b[1], a[3]]
    # B: accepted Fri 03-20, wd(10) = 03-23..27, 03-30..04-03 -> R63 due Fri 04-03.
    assert run(*mixed, as_of="2026-04-03") == [
        ("A", "R16", "missing", "2026-04-01"),
        ("B", "R62", "late", "2026-03-09"),
    ]
    assert run(*mixed, as_of="2026-04-04") == [
        ("A", "R16", "missing", "2026-04-01"),
        ("B", "R62", "late", "2026-03-09"),
        ("B", "R63", "missing", "2026-04-03"),
    ]


# -- contract v2 -------------------------------------------------------------------------------
#
# Calendar facts for the tests below (2026, worked out by hand from the State Council notice):
# 2026-03-02 is a Monday and March has no holiday; Qingming 04-04..04-06 (Sat-Mon) is off;
# 2026-04-11 is a Saturday. cal(30) from Mon 03-02 ends Wed 04-01; cal(7) from 03-02 ends Mon
# 03-09; wd(3) from Mon 03-02 is Thu 03-05.


class TestEarly:
    """A lapse recorded before 24:00 of its period's due date is `early` (EVENTS.md v2)."""

    def test_timeout_at_235959_on_the_due_date_is_early(self) -> None:
        base = pre_filing("2026-03-02")  # R16 due Wed 04-01
        assert run(*base, ev("mediation_timed_out", "2026-04-01 23:59:59"), as_of="2026-04-10") == [
            ("C", "R16", "early", "2026-04-01")
        ]

    def test_timeout_at_midnight_after_the_due_date_is_on_time(self) -> None:
        base = pre_filing("2026-03-02")
        assert (
            run(*base, ev("mediation_timed_out", "2026-04-02 00:00:00"), as_of="2026-04-10") == []
        )

    def test_timeout_before_a_lengthened_due_date_is_early(self) -> None:
        # 5 paused days (03-10 .. 03-15): 04-01 + 5 = Mon 04-06, Qingming -> Tue 04-07.
        base = [
            *pre_filing("2026-03-02"),
            ev("pause_started", "2026-03-10", reason="鉴定"),
            ev("pause_ended", "2026-03-15", reason="鉴定完成"),
        ]
        assert run(*base, ev("mediation_timed_out", "2026-04-02 00:00"), as_of="2026-05-01") == [
            ("C", "R16", "early", "2026-04-07")
        ]
        assert run(*base, ev("mediation_timed_out", "2026-04-08 00:00"), as_of="2026-05-01") == []

    def test_timeout_during_an_extension_is_early(self) -> None:
        base = [
            *pre_filing("2026-03-02"),
            ev("extension_agreed", "2026-03-30", until="2026-04-20"),
        ]
        assert run(*base, ev("mediation_timed_out", "2026-04-02 00:00"), as_of="2026-05-01") == [
            ("C", "R16", "early", "2026-04-20")
        ]
        assert run(*base, ev("mediation_timed_out", "2026-04-21 00:00"), as_of="2026-05-01") == []

    def test_timeout_of_an_open_ended_extension_is_early_with_no_due_date(self) -> None:
        base = [*pre_filing("2026-03-02"), ev("extension_agreed", "2026-03-30")]
        assert run(*base, ev("mediation_timed_out", "2026-06-01 00:00"), as_of="2026-06-02") == [
            ("C", "R16", "early", None)
        ]

    def test_post_filing_simple_timeout(self) -> None:
        base = post_filing("2026-03-02", "simple")  # R17 cal(7): Mon 03-09
        assert run(*base, ev("mediation_timed_out", "2026-03-09 23:59:59"), as_of="2026-03-20") == [
            ("C", "R17", "early", "2026-03-09")
        ]
        assert run(*base, ev("mediation_timed_out", "2026-03-10 00:00"), as_of="2026-03-20") == []

    def test_deemed_refusal_by_the_system_before_r01_window_ends(self) -> None:
        # R01 consent window: cal(7) from dispute_received Mon 03-02 -> Mon 03-09.
        received = ev("dispute_received", "2026-03-02", channel="offline")
        early = ev("consent_refused", "2026-03-09 23:59:59", role="system", party="none")
        on_time = ev("consent_refused", "2026-03-10 00:00:00", role="system", party="none")
        assert run(received, early, as_of="2026-03-20") == [("C", "R01", "early", "2026-03-09")]
        assert run(received, on_time, as_of="2026-03-20") == []

    def test_a_party_refusing_early_is_their_choice_not_a_lapse(self) -> None:
        received = ev("dispute_received", "2026-03-02", channel="offline")
        refused = ev("consent_refused", "2026-03-03", role="party", party="business")
        assert run(received, refused, as_of="2026-03-20") == []

    def test_deemed_decline_before_r06_ends(self) -> None:
        received = ev("referral_received", "2026-03-02")  # wd(3): Thu 03-05
        early = ev("referral_declined", "2026-03-05 23:59:59", role="system", reason="逾期未确认")
        on_time = ev("referral_declined", "2026-03-06 00:00", role="system", reason="逾期未确认")
        assert run(received, early, as_of="2026-03-20") == [("C", "R06", "early", "2026-03-05")]
        assert run(received, on_time, as_of="2026-03-20") == []
        # the mediator declining in person is no lapse
        person = ev("referral_declined", "2026-03-03", role="mediator", reason="利益冲突")
        assert run(received, person, as_of="2026-03-20") == []

    def test_engine_deemed_flag_without_a_role_is_also_a_lapse(self) -> None:
        received = ev("referral_received", "2026-03-02")
        early = ev("referral_declined", "2026-03-04", reason="逾期未确认", deemed=True)
        assert run(received, early, as_of="2026-03-20") == [("C", "R06", "early", "2026-03-05")]

    def test_deemed_withdrawal_before_r48_ends(self) -> None:
        # R48: cal(30) from confirmation_accepted Mon 03-02 -> Wed 04-01.
        base = [
            ev("confirmation_applied", "2026-03-01", joint=True),
            ev("confirmation_accepted", "2026-03-02"),
        ]
        early = ev("confirmation_withdrawn", "2026-04-01 23:59:59", role="system")
        on_time = ev("confirmation_withdrawn", "2026-04-02 00:00", role="system")
        assert run(*base, early, as_of="2026-04-10") == [("C", "R48", "early", "2026-04-01")]
        assert run(*base, on_time, as_of="2026-04-10") == []
        by_party = ev("confirmation_withdrawn", "2026-03-10", role="party")
        assert run(*base, by_party, as_of="2026-04-10") == []

    def test_early_counts_from_the_new_receipt_after_a_re_referral(self) -> None:
        # First receipt Mon 03-02 (R16 would end 04-01); declined; received again Wed 03-11:
        # cal(30) -> Fri 04-10. A timeout at 04-02 00:00 is early against the new receipt.
        events = [
            *pre_filing("2026-03-02")[:3],
            ev("referral_declined", "2026-03-03", reason="利益冲突"),
            ev("referred", "2026-03-10", mode="pre_filing", mediator_org="临海市人民调解委"),
            ev("referral_received", "2026-03-11"),
            ev("referral_accepted", "2026-03-11 11:00"),
        ]
        assert run(*events, ev("mediation_timed_out", "2026-04-02 00:00"), as_of="2026-05-01") == [
            ("C", "R16", "early", "2026-04-10")
        ]
        assert run(*events, ev("mediation_timed_out", "2026-04-11 00:00"), as_of="2026-05-01") == []

    def test_online_timeout_counts_from_the_acceptance(self) -> None:
        # Online: received Mon 03-02, accepted Thu 03-05; cal(30) from 03-05 = Sat 04-04,
        # Qingming 04-04..06 -> Tue 04-07. 04-02 00:00 is after 03-02 + 30 but still early.
        events = [
            ev("dispute_received", "2026-03-01", channel="online"),
            ev("consent_given", "2026-03-02 08:00", party="both"),
            ev("referred", "2026-03-02 08:30", mode="pre_filing"),
            ev("referral_received", "2026-03-02 09:00"),
            ev("referral_accepted", "2026-03-05 09:00"),
        ]
        assert run(*events, ev("mediation_timed_out", "2026-04-02 00:00"), as_of="2026-05-01") == [
            ("C", "R16", "early", "2026-04-07")
        ]
        assert run(*events, ev("mediation_timed_out", "2026-04-08 00:00"), as_of="2026-05-01") == []


class TestStalled:
    """T02: an open case that is not paused has some event in the last 60 calendar days."""

    BASE = (*pre_filing("2026-03-02"), ev("mediation_started", "2026-03-03"))

    def test_the_60th_quiet_day_is_not_stalled_the_61st_is(self) -> None:
        # Last event Tue 03-03; + 60 days = Sat 05-02 (calendar days, no 顺延: a service check).
        # The audit at 05-02 23:59 still sees an event within 60 days; 05-03 00:00 does not.
        assert run(*self.BASE, as_of="2026-05-02 23:59:59", stalled=True) == [
            ("C", "R16", "missing", "2026-04-01")
        ]
        assert run(*self.BASE, as_of="2026-05-03 00:00", stalled=True) == [
            ("C", "R16", "missing", "2026-04-01"),
            ("C", "T02", "stalled", "2026-05-02"),
        ]

    def test_any_event_resets_the_count(self) -> None:
        events = (*self.BASE, ev("parties_notified", "2026-04-20"))
        assert ("C", "T02", "stalled", "2026-06-19") not in run(
            *events, as_of="2026-06-19 23:00", stalled=True
        )
        assert ("C", "T02", "stalled", "2026-06-19") in run(
            *events, as_of="2026-06-20", stalled=True
        )

    def test_a_closed_case_is_never_stalled(self) -> None:
        events = (
            *self.BASE,
            ev("mediation_withdrawn", "2026-03-04"),
            ev("result_reported", "2026-03-04 11:00"),
            ev("case_closed", "2026-03-04 12:00", outcome="withdrawn"),
        )
        assert run(*events, as_of="2027-01-01", stalled=True) == []

    def test_a_paused_case_is_not_stalled(self) -> None:
        events = (*self.BASE, ev("pause_started", "2026-03-04", reason="鉴定"))
        assert run(*events, as_of="2026-12-01", stalled=True) == []

    def test_the_latest_pause_decides(self) -> None:
        first = (
            ev("pause_started", "2026-03-04", reason="鉴定"),
            ev("pause_ended", "2026-03-06", reason="鉴定完成"),
        )
        second = ev("pause_started", "2026-03-08", reason="评估")
        assert run(*self.BASE, *first, second, as_of="2026-12-01", stalled=True) == []
        # with the second pause ended too, the case is quiet since 03-20 (+60 = 05-19)
        ended = ev("pause_ended", "2026-03-20", reason="评估完成")
        assert ("C", "T02", "stalled", "2026-05-19") in run(
            *self.BASE, *first, second, ended, as_of="2026-12-01", stalled=True
        )

    def test_a_pause_ended_by_an_outcome_no_longer_protects(self) -> None:
        events = (
            *self.BASE,
            ev("pause_started", "2026-03-04", reason="鉴定"),
            ev("mediation_failed", "2026-03-20", reason="分歧较大"),
        )
        # The outcome ends the pause: the case is open and quiet since 03-20 (+60 = 05-19).
        assert run(*events, as_of="2026-06-01", stalled=True) == [
            ("C", "T02", "stalled", "2026-05-19")
        ]

    def test_the_60_days_are_data_a_local_agreement_changes(self, tmp_path: Any) -> None:
        from pathlib import Path

        from standard_rules.pack import load_pack

        path = Path(tmp_path) / "local.toml"
        path.write_text(
            'name = "测试协议"\n[[override]]\nrule = "T02"\nperiod = "quiet"\ndays = 30\n',
            encoding="utf-8",
        )
        local = load_pack(overrides=[path])
        lines = [json.dumps(e, ensure_ascii=False) for e in self.BASE]
        items = list(parse_jsonl(lines, local.contract_activities))
        result = audit(items, local, CALENDAR, as_of=datetime.fromisoformat(t("2026-04-03")))
        assert [(f.rule, f.kind, str(f.due)) for f in result.findings] == [
            ("R16", "missing", "2026-04-01"),
            ("T02", "stalled", "2026-04-02"),  # 03-03 + 30
        ]

    def test_the_rule_is_marked_as_a_service_check(self) -> None:
        rule = PACK.rule("T02")
        assert rule.section == "service"
        assert "not a legal period" in rule.source
        assert rule.period("quiet").days == 60


class TestPausesAndClosing:
    """EVENTS.md v2 on pauses and closings, each worked out by hand."""

    def test_a_pause_open_at_the_outcome_ends_on_the_outcome_date(self) -> None:
        # Paused from 03-10; agreement on 04-10 while still paused: the pause is 31 days, so the
        # due date is 04-01 + 31 = 05-02 (Sat) -> the outcome on 04-10 is in time.
        events = [
            *pre_filing("2026-03-02"),
            ev("pause_started", "2026-03-10", reason="鉴定"),
            ev("agreement_signed", "2026-04-10", amount=100),
        ]
        assert run(*events, as_of="2026-04-20") == []

    def test_a_pause_started_on_the_due_date_still_lengthens(self) -> None:
        # The period runs to 24:00 of Wed 04-01: a pause that day (04-01 .. 04-03, 2 days) moves
        # the end to Fri 04-03.
        events = [
            *pre_filing("2026-03-02"),
            ev("pause_started", "2026-04-01 16:00", reason="鉴定"),
            ev("pause_ended", "2026-04-03 09:00", reason="鉴定完成"),
        ]
        assert run(*events, ev("mediation_failed", "2026-04-03 23:59"), as_of="2026-05-01") == []
        assert run(*events, as_of="2026-04-04") == [("C", "R16", "missing", "2026-04-03")]

    def test_a_pause_with_no_end_and_no_outcome_runs_to_the_audit_time(self) -> None:
        events = [*pre_filing("2026-03-02"), ev("pause_started", "2026-03-10", reason="鉴定")]
        assert run(*events, as_of="2026-12-31") == []

    def test_a_pause_after_an_extension_moves_the_agreed_date_without_shunyan(self) -> None:
        # Agreed until Mon 04-06 (a Qingming holiday: the agreed date is taken as given); then
        # 5 paused days (04-01 .. 04-06) -> Sat 04-11, with no 顺延 to Monday.
        events = [
            *pre_filing("2026-03-02"),
            ev("extension_agreed", "2026-03-30", until="2026-04-06"),
            ev("pause_started", "2026-04-01", reason="鉴定"),
            ev("pause_ended", "2026-04-06", reason="鉴定完成"),
        ]
        assert run(*events, ev("mediation_failed", "2026-04-11 23:59"), as_of="2026-05-01") == []
        assert run(*events, ev("mediation_failed", "2026-04-12 00:00"), as_of="2026-05-01") == [
            ("C", "R16", "late", "2026-04-11")
        ]

    def test_a_case_closed_before_the_r16_due_date_owes_nothing(self) -> None:
        events = [
            *pre_filing("2026-03-02"),
            ev("case_closed", "2026-03-20", outcome="withdrawn"),
        ]
        found = run(*events, as_of="2026-12-31")
        assert ("C", "R16", "missing", "2026-04-01") not in found
        closed_late = [*pre_filing("2026-03-02"), ev("case_closed", "2026-04-02", outcome="x")]
        assert ("C", "R16", "missing", "2026-04-01") in run(*closed_late, as_of="2026-12-31")


class TestOnlineChannel:
    """R18: online cases count R16/R17 from referral_accepted; offline ones from the receipt."""

    @staticmethod
    def case(channel: str, mode: str = "pre_filing", procedure: str | None = None) -> list[Any]:
        referred: dict[str, Any] = {"mode": mode}
        if procedure:
            referred["procedure"] = procedure
        return [
            ev("dispute_received", "2026-03-01", channel=channel),
            ev("consent_given", "2026-03-02 08:00", party="both"),
            ev("referred", "2026-03-02 08:30", **referred),
            ev("referral_received", "2026-03-02 09:00"),  # Mon
            ev("referral_accepted", "2026-03-05 09:00"),  # Thu
        ]

    def test_r16_offline_counts_from_the_receipt(self) -> None:
        failed = ev("mediation_failed", "2026-04-03", reason="分歧较大")
        assert run(*self.case("offline"), failed, as_of="2026-05-01") == [
            ("C", "R16", "late", "2026-04-01")
        ]
        assert run(*self.case("offline"), as_of="2026-04-02") == [
            ("C", "R16", "missing", "2026-04-01")
        ]

    def test_r16_online_counts_from_the_acceptance(self) -> None:
        # 03-05 + 30 = Sat 04-04, Qingming 04-04..06 -> Tue 04-07.
        failed = ev("mediation_failed", "2026-04-07 23:59", reason="分歧较大")
        assert run(*self.case("online"), failed, as_of="2026-05-01") == []
        assert run(*self.case("online"), as_of="2026-04-07 23:59") == []
        assert run(*self.case("online"), as_of="2026-04-08") == [
            ("C", "R16", "missing", "2026-04-07")
        ]

    def test_r17_ordinary_both_channels(self) -> None:
        # Offline: 03-02 + 15 = Tue 03-17. Online: 03-05 + 15 = Fri 03-20.
        failed = ev("mediation_failed", "2026-03-19", reason="分歧较大")
        offline = self.case("offline", "post_filing", "ordinary")
        online = self.case("online", "post_filing", "ordinary")
        assert run(*offline, failed, as_of="2026-04-01") == [("C", "R17", "late", "2026-03-17")]
        assert run(*online, failed, as_of="2026-04-01") == []

    def test_r17_simple_online(self) -> None:
        # 03-05 + 7 = Thu 03-12.
        online = self.case("online", "post_filing", "simple")
        assert run(*online, as_of="2026-03-13") == [("C", "R17", "missing", "2026-03-12")]
        assert run(*online, as_of="2026-03-12 23:59") == []


class TestReReferral:
    """After a decline and a new referral, every period counts from the new receipt."""

    EVENTS = (
        ev("consent_given", "2026-03-02 08:00", party="both"),
        ev("referred", "2026-03-02 08:30", mode="pre_filing"),
        ev("referral_received", "2026-03-02 09:00"),
        ev("referral_declined", "2026-03-03", reason="利益冲突"),
        ev("referred", "2026-03-10", mode="pre_filing"),
        ev("referral_received", "2026-03-11"),  # Wed: wd(3) -> Mon 03-16; cal(30) -> Fri 04-10
    )

    def test_r06_counts_from_the_new_receipt(self) -> None:
        on_time = ev("referral_accepted", "2026-03-16 23:59")
        late = ev("referral_accepted", "2026-03-17 00:00")
        assert run(*self.EVENTS, on_time, as_of="2026-03-20") == []
        assert run(*self.EVENTS, late, as_of="2026-03-20") == [("C", "R06", "late", "2026-03-16")]

    def test_r16_counts_from_the_new_receipt(self) -> None:
        accepted = ev("referral_accepted", "2026-03-12")
        on_time = ev("mediation_failed", "2026-04-10 23:59", reason="分歧较大")
        late = ev("mediation_failed", "2026-04-11 00:00", reason="分歧较大")
        assert run(*self.EVENTS, accepted, on_time, as_of="2026-05-01") == []
        assert run(*self.EVENTS, accepted, late, as_of="2026-05-01") == [
            ("C", "R16", "late", "2026-04-10")
        ]
        assert run(*self.EVENTS, accepted, as_of="2026-04-11") == [
            ("C", "R16", "missing", "2026-04-10")
        ]

    def test_r17_counts_from_the_new_receipt_in_the_new_mode(self) -> None:
        # Re-referred after filing (委托, simple): 03-11 + 7 = Wed 03-18.
        events = (
            *self.EVENTS[:4],
            ev("referred", "2026-03-10", mode="post_filing", procedure="simple"),
            ev("referral_received", "2026-03-11"),
            ev("referral_accepted", "2026-03-12"),
        )
        assert run(*events, as_of="2026-03-19") == [("C", "R17", "missing", "2026-03-18")]
        assert run(*events, as_of="2026-03-18 23:59") == []


class TestVocabularyV2:
    def test_new_activities_and_their_data(self) -> None:
        filing = PACK.activities["filing_declined"]
        support = PACK.activities["support_declined"]
        assert filing.zh == "调解不成后当事人不再起诉（不申请立案）"
        assert support.zh == "消保委决定不支持起诉"
        assert filing.data == ("reason",) and support.data == ("reason",)
        assert filing.contract and support.contract

    def test_new_outcomes_need_their_event(self) -> None:
        assert PACK.outcomes["not_filed"].requires == ("filing_declined",)
        assert PACK.outcomes["support_declined"].requires == ("support_declined",)

    def test_a_v1_log_without_the_new_activities_audits_as_before(self) -> None:
        # A v1 closing (no filing_declined): still only T01's own question is asked.
        events = (
            *pre_filing("2026-03-02"),
            ev("mediation_failed", "2026-03-10", reason="分歧较大"),
            ev("result_reported", "2026-03-10 11:00", outcome="mediation_failed"),
            ev("case_registered", "2026-03-12"),
            ev("case_closed", "2026-03-12 12:00", outcome="filed"),
        )
        assert run(*events, as_of="2027-01-01", stalled=True) == []


def _events_md() -> Any:
    import os
    from pathlib import Path

    shared = Path(
        os.environ.get("SUITIAO_SHARED") or Path(__file__).resolve().parents[3] / "shared"
    )
    return shared / "contract" / "EVENTS.md"


@pytest.mark.skipif(not _events_md().is_file(), reason="contract/EVENTS.md not found")
def test_the_vocabulary_is_the_contracts_table() -> None:
    """Every row of EVENTS.md's vocabulary: the code, its 中文 name and its data keys."""
    import re

    text = _events_md().read_text(encoding="utf-8")
    table = text[text.index("## Vocabulary") : text.index("Terminal outcomes")]
    rows = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            codes = re.findall(r"`([a-z_]+)`", cells[0])
            rows.append((codes, cells[1], cells[2]))
    assert len(rows) > 30
    for codes, zh, data in rows:
        # the data keys: each `key` at the start of the cell or after a comma
        wanted = re.findall(r"(?:^|, )`([a-z_]+)`", data)
        for one in codes:
            activity = PACK.activities[one]
            assert activity.contract, one
            if len(codes) == 1:  # a shared row (pause_started / pause_ended) names both
                assert activity.zh == zh, one
            assert set(wanted) <= set(activity.data), (one, wanted, activity.data)


def test_streamed_audit_reports_stalled_like_the_grouped_one() -> None:
    from standard_rules.audit import audit_streamed

    quiet = [ev("referral_received", "2026-03-02", case="Q")]
    busy = [
        ev("referral_received", "2026-03-02", case="B"),
        ev("referral_accepted", "2026-03-03", case="B"),
        ev("parties_notified", "2026-05-01", case="B"),
    ]
    lines = [json.dumps(e, ensure_ascii=False) for e in [*quiet, *busy]]
    items = list(parse_jsonl(lines, PACK.contract_activities))
    for as_of in ("2026-05-01", "2026-05-02", "2026-07-01"):
        when = datetime.fromisoformat(t(as_of))
        streamed = audit_streamed(iter(items), PACK, CALENDAR, when)
        assert streamed is not None
        assert streamed.findings == audit(items, PACK, CALENDAR, when).findings
    # Q: quiet since 03-02 (+60 = 05-01); B: quiet since 05-01 (+60 = 06-30)
    stalled = [(f.case, str(f.due)) for f in streamed.findings if f.kind == "stalled"]
    assert stalled == [("B", "2026-06-30"), ("Q", "2026-05-01")]


def _explanations(*events: dict[str, Any], as_of: str) -> dict[tuple[str, str], str]:
    lines = [json.dumps(e, ensure_ascii=False) for e in events]
    items = list(parse_jsonl(lines, PACK.contract_activities))
    result = audit(items, PACK, CALENDAR, as_of=datetime.fromisoformat(t(as_of)))
    return {(f.rule, f.kind): f.explanation for f in result.findings}


def test_explanations_mention_pauses_only_when_there_were_some() -> None:
    # R06 (no pauses apply): missing and late say nothing of a pause.
    received = ev("referral_received", "2026-03-02")
    missing = _explanations(received, as_of="2026-03-06")[("R06", "missing")]
    late = _explanations(received, ev("referral_accepted", "2026-03-06"), as_of="2026-03-07")[
        ("R06", "late")
    ]
    for text in (missing, late):
        assert "暂停" not in text and "延长" not in text
        assert "2026-03-05" in text
    # R16 with 5 paused days (03-10 .. 03-15) says so, and the lengthened due date.
    paused = [
        *pre_filing("2026-03-02"),
        ev("pause_started", "2026-03-10", reason="鉴定"),
        ev("pause_ended", "2026-03-15", reason="鉴定完成"),
    ]
    text = _explanations(*paused, as_of="2026-04-08")[("R16", "missing")]
    assert text.endswith("；鉴定评估等暂停5日不计入")
    extended = [*pre_filing("2026-03-02"), ev("extension_agreed", "2026-03-30", until="2026-04-20")]
    text = _explanations(*extended, as_of="2026-04-21")[("R16", "missing")]
    assert text.endswith("；双方同意延长至2026-04-20") and "暂停" not in text


def test_an_early_finding_explains_the_due_date() -> None:
    # 5 paused days: 04-01 + 5 = Mon 04-06 (Qingming) -> Tue 04-07.
    events = [
        *pre_filing("2026-03-02"),
        ev("pause_started", "2026-03-10", reason="鉴定"),
        ev("pause_ended", "2026-03-15", reason="鉴定完成"),
        ev("mediation_timed_out", "2026-04-03 00:00"),
    ]
    text = _explanations(*events, as_of="2026-04-10")[("R16", "early")]
    # the base reckoning (30 days to 04-01), then the paused days that lengthen it
    assert "2026-04-01" in text and text.endswith("；鉴定评估等暂停5日不计入")
