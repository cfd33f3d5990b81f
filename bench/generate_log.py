"""Generate a realistic, deterministic JSONL event log (contract/EVENTS.md) for benchmarks.

    python bench/generate_log.py OUT.jsonl [--cases 100000 | --events 1000000] [--seed 20261]
                                           [--shuffle]

Cases follow the paths of EVENTS.md: pre-filing referral (委派) ending in an agreement (filed,
confirmed, performed, enforced), a failure and registration, a withdrawal or a time-out;
post-filing referral (委托, ordinary or simple procedure) ending in a mediation document, a
withdrawn suit or resumed trial; consumer complaints to the 消保委 (accepted and mediated, or
rejected, or a supported suit); refusals of mediation. Start dates spread over 2025-2026 (holidays
included). About one case in ten breaks a rule: a late or missing step, consent after the
referral, a one-sided confirmation application, an unsupported outcome; a few cases are still open.
About 10 events a case, so 100,000 cases make about a million events.

The same arguments always write the same bytes (seeded random, no clock, no hash order).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from standard_rules.timezone import SHANGHAI

FIRST_DAY = date(2025, 1, 1)
SPAN_DAYS = (date(2026, 10, 31) - FIRST_DAY).days  # leave room for the cases to run their course
ORGS = [
    "临海市消保委",
    "临海市人民调解委员会",
    "台州市消费者权益保护委员会",
    "浙江省律师协会调解中心",
]
REASONS = ["分歧较大", "经营者拒绝", "消费者诉求过高", "证据不足"]


class Case:
    """Events of one case, written as the stamped lines of the log."""

    def __init__(self, rng: random.Random, case_id: str, start: datetime) -> None:
        self.rng = rng
        self.id = case_id
        self.now = start
        self.events: list[tuple[datetime, str]] = []
        self.utc = rng.random() < 0.15  # some systems export in UTC

    def at(self, days: float = 0.0, hours: float = 0.0) -> datetime:
        """Advance the clock; keep office hours so most events fall between 08:30 and 17:30."""
        self.now += timedelta(days=days, hours=hours)
        if days >= 1:
            minute = self.rng.randrange(8 * 60 + 30, 17 * 60 + 30)
            self.now = self.now.replace(hour=minute // 60, minute=minute % 60)
        self.now = self.now.replace(microsecond=0)
        return self.now

    def add(self, activity: str, role: str, data: dict[str, object] | None = None) -> None:
        stamp = self.now
        text = (
            stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if self.utc else stamp.isoformat()
        )
        record: dict[str, object] = {"case": self.id, "activity": activity, "at": text}
        record["role"] = role
        if data:
            record["data"] = data
        self.events.append((stamp, json.dumps(record, ensure_ascii=False, separators=(", ", ": "))))

    def step(self, activity: str, role: str, days: float, data: dict[str, object] | None = None):
        self.at(days=days)
        self.add(activity, role, data)


def _days(rng: random.Random, low: float, high: float) -> float:
    return rng.uniform(low, high)


# -- the paths ---------------------------------------------------------------------------------


def _mediation(case: Case, limit: int, bad: str) -> None:
    """From referral_received: acceptance, mediation, pauses/extensions; no outcome yet."""
    rng = case.rng
    case.add("referral_received", "mediator")
    if bad == "late_accept":
        case.step("referral_accepted", "mediator", _days(rng, 8, 14))
    elif bad != "no_accept":
        case.at(hours=rng.uniform(1, 6))
        case.add("referral_accepted", "mediator")
    case.step("parties_notified", "mediator", _days(rng, 0, 2))
    case.step("mediation_started", "mediator", _days(rng, 1, 2))
    if rng.random() < 0.08:
        case.step("pause_started", "mediator", _days(rng, 1, 2), {"reason": "鉴定"})
        case.step("pause_ended", "mediator", _days(rng, 5, 20), {"reason": "鉴定完成"})
    if rng.random() < 0.05:
        until = (case.now + timedelta(days=limit + 20)).date().isoformat()
        case.step("extension_agreed", "party", _days(rng, 0, 1), {"until": until})


def _outcome_delay(rng: random.Random, limit: int, bad: str) -> float:
    # the period's nominal end is at least `limit` days after referral_received; stay well inside
    return _days(rng, limit + 8, limit + 25) if bad == "late_outcome" else _days(rng, 1, limit - 4)


def _confirmation(case: Case, bad: str) -> str:
    """Apply for 司法确认 after an agreement; return the closing outcome."""
    rng = case.rng
    delay = _days(rng, 32, 45) if bad == "late_apply" else _days(rng, 0, 20)
    case.step("confirmation_applied", "party", delay, {"joint": bad != "one_sided"})
    roll = rng.random()
    if roll < 0.05:
        case.step(
            "confirmation_not_accepted", "judge", _days(rng, 0, 2), {"reason": "不属于受理范围"}
        )
        return "confirmation_not_accepted"
    late = bad == "late_ruling"
    case.step("confirmation_accepted", "judge", _days(rng, 0, 2))
    if roll < 0.10:
        case.step("confirmation_withdrawn", "party", _days(rng, 2, 20))
        return "confirmation_withdrawn"
    result = "rejected" if roll < 0.14 else "valid"
    case.step(
        "confirmation_ruled",
        "judge",
        _days(rng, 40, 55) if late else _days(rng, 3, 25),
        {"result": result},
    )
    if result == "valid" and rng.random() < 0.08:
        case.step("enforcement_applied", "party", _days(rng, 10, 60))
        return "enforcement"
    return "confirmed" if result == "valid" else "confirmation_rejected"


def pre_filing(case: Case, bad: str) -> None:
    rng = case.rng
    channel = "online" if rng.random() < 0.3 else "offline"
    case.add(
        "dispute_received",
        "court_clerk",
        {"claim_amount": rng.randrange(200, 50000), "channel": channel},
    )
    if bad != "no_consent":
        case.step("consent_given", "party", _days(rng, 0, 3), {"party": "both"})
    case.step(
        "referred",
        "court_clerk",
        _days(rng, 0, 2),
        {"mode": "pre_filing", "mediator_org": rng.choice(ORGS)},
    )
    if bad == "consent_after":
        case.at(hours=1)
        case.add("consent_given", "party", {"party": "both"})
    case.at(days=1)
    if rng.random() < 0.03:  # the mediator declines: the court registers the case instead
        case.add("referral_received", "mediator")
        case.step("referral_declined", "mediator", _days(rng, 0, 2), {"reason": "利益冲突"})
        case.step("case_registered", "court_clerk", _days(rng, 1, 5))
        case.step("case_closed", "system", _days(rng, 0, 1), {"outcome": "filed"})
        return
    _mediation(case, 30, bad)
    if bad == "open":
        return
    if bad != "no_outcome":
        case.at(days=_outcome_delay(rng, 30, bad))
    roll = rng.random()
    if bad == "no_outcome":
        case.step("case_registered", "court_clerk", _days(rng, 40, 60))
        case.step("case_closed", "system", _days(rng, 0, 1), {"outcome": "filed"})
        return
    if roll < 0.55:
        day = case.now.date()
        case.add(
            "agreement_signed",
            "mediator",
            {"amount": rng.randrange(100, 40000), "effective_on": day.isoformat()},
        )
        if bad != "no_report":
            case.at(hours=rng.uniform(0.5, 3))
            case.add("agreement_filed", "mediator")
        sub = rng.random()
        if sub < 0.45 or bad in ("late_apply", "one_sided", "late_ruling"):
            outcome = _confirmation(case, bad)
        elif sub < 0.85:
            case.step("performed", "party", _days(rng, 1, 30), {"voluntary": True})
            outcome = "settled_performed"
        else:
            outcome = "settled_unconfirmed"
        if bad == "wrong_outcome":
            outcome = "mediation_document"
        case.step("case_closed", "system", _days(rng, 0, 3), {"outcome": outcome})
        return
    if roll < 0.85:
        case.add("mediation_failed", "mediator", {"reason": rng.choice(REASONS)})
        outcome_event = "mediation_failed"
    elif roll < 0.95:
        case.add("mediation_withdrawn", "party")
        outcome_event = "mediation_withdrawn"
    else:
        case.add("mediation_timed_out", "system")
        outcome_event = "mediation_timed_out"
    if bad != "no_report":
        case.at(hours=rng.uniform(0.5, 5))
        case.add("result_reported", "mediator", {"outcome": outcome_event})
    if outcome_event == "mediation_withdrawn":
        case.step("case_closed", "system", _days(rng, 0, 2), {"outcome": "withdrawn"})
        return
    if bad == "wrong_outcome":
        case.step("case_closed", "system", _days(rng, 1, 5), {"outcome": "filed"})
        return
    case.step("case_registered", "court_clerk", _days(rng, 1, 5))
    case.step("case_closed", "system", _days(rng, 0, 1), {"outcome": "filed"})


def post_filing(case: Case, bad: str) -> None:
    rng = case.rng
    procedure = "simple" if rng.random() < 0.4 else "ordinary"
    limit = 7 if procedure == "simple" else 15
    case.add(
        "dispute_received",
        "court_clerk",
        {"claim_amount": rng.randrange(200, 80000), "channel": "offline"},
    )
    case.step("case_registered", "court_clerk", _days(rng, 1, 7))
    if bad != "no_consent":
        case.step("consent_given", "party", _days(rng, 0, 5), {"party": "both"})
    case.step(
        "referred",
        "court_clerk",
        _days(rng, 0, 2),
        {"mode": "post_filing", "procedure": procedure, "mediator_org": rng.choice(ORGS)},
    )
    case.at(days=1)
    _mediation(case, limit, bad)
    if bad == "open":
        return
    case.at(days=_outcome_delay(rng, limit, bad) if bad != "no_outcome" else limit + 30)
    roll = rng.random()
    if bad == "no_outcome":
        case.add("trial_resumed", "judge")
        case.step("case_closed", "system", _days(rng, 20, 60), {"outcome": "trial_resumed"})
        return
    if roll < 0.5:
        case.add(
            "agreement_signed",
            "mediator",
            {"amount": rng.randrange(100, 60000), "effective_on": case.now.date().isoformat()},
        )
        if bad != "no_report":
            case.at(hours=rng.uniform(0.5, 4))
            case.add("result_reported", "mediator", {"outcome": "agreement_signed"})
        if rng.random() < 0.75:
            case.step("mediation_document_issued", "judge", _days(rng, 1, 10))
            outcome = "mediation_document"
        else:
            case.step("suit_withdrawn", "party", _days(rng, 1, 10))
            outcome = "suit_withdrawn"
        if bad == "wrong_outcome":
            outcome = "confirmed"
        case.step("case_closed", "system", _days(rng, 0, 2), {"outcome": outcome})
        return
    case.add("mediation_failed", "mediator", {"reason": rng.choice(REASONS)})
    if bad != "no_report":
        case.at(hours=rng.uniform(0.5, 4))
        case.add("result_reported", "mediator", {"outcome": "mediation_failed"})
    case.step("trial_resumed", "judge", _days(rng, 1, 7))
    case.step(
        "case_closed",
        "system",
        _days(rng, 20, 90),
        {"outcome": "timed_out" if bad == "wrong_outcome" else "trial_resumed"},
    )


def complaint(case: Case, bad: str) -> None:
    rng = case.rng
    case.add("complaint_received", "mediator", {"claim_amount": rng.randrange(50, 20000)})
    if rng.random() < 0.08:
        case.step(
            "complaint_rejected",
            "mediator",
            _days(rng, 12, 20) if bad == "late_decide" else _days(rng, 0, 3),
            {"reason": "不属于受理范围"},
        )
        case.step("case_closed", "system", _days(rng, 0, 1), {"outcome": "intake_rejected"})
        return
    if bad == "open":
        return
    case.step(
        "complaint_accepted",
        "mediator",
        _days(rng, 12, 20) if bad == "late_decide" else _days(rng, 0, 3),
    )
    if bad == "no_start":
        case.step("case_closed", "system", _days(rng, 30, 40), {"outcome": "withdrawn"})
        return
    case.step(
        "mediation_started",
        "mediator",
        _days(rng, 25, 40) if bad == "late_start" else _days(rng, 0, 7),
    )
    roll = rng.random()
    case.at(days=_days(rng, 1, 25))
    if roll < 0.7:
        case.add(
            "agreement_signed",
            "mediator",
            {"amount": rng.randrange(50, 15000), "effective_on": case.now.date().isoformat()},
        )
        case.step("performed", "party", _days(rng, 0, 10), {"voluntary": rng.random() < 0.9})
        outcome = "settled_performed" if bad != "wrong_outcome" else "enforcement"
    elif roll < 0.85:
        case.add("mediation_failed", "mediator", {"reason": rng.choice(REASONS)})
        case.step("suit_supported", "mediator", _days(rng, 3, 20))
        outcome = "supported_suit"
    else:
        case.add("mediation_withdrawn", "party")
        outcome = "withdrawn"
    case.step("case_closed", "system", _days(rng, 0, 2), {"outcome": outcome})


def refusal(case: Case, bad: str) -> None:
    rng = case.rng
    case.add(
        "dispute_received",
        "court_clerk",
        {"claim_amount": rng.randrange(200, 50000), "channel": "offline"},
    )
    case.step("consent_refused", "party", _days(rng, 0, 3), {"party": "business"})
    case.step("case_registered", "court_clerk", _days(rng, 1, 7))
    case.step(
        "case_closed",
        "system",
        _days(rng, 0, 1),
        {"outcome": "refused" if bad != "wrong_outcome" else "settled_unconfirmed"},
    )


PATHS = [(pre_filing, 0.45), (post_filing, 0.25), (complaint, 0.22), (refusal, 0.08)]
PROBLEMS = {
    pre_filing: [
        "late_accept",
        "no_accept",
        "late_outcome",
        "no_outcome",
        "no_report",
        "no_consent",
        "consent_after",
        "late_apply",
        "one_sided",
        "late_ruling",
        "wrong_outcome",
        "open",
    ],
    post_filing: [
        "late_accept",
        "no_accept",
        "late_outcome",
        "no_report",
        "no_consent",
        "wrong_outcome",
        "open",
        "no_outcome",
    ],
    complaint: ["late_decide", "late_start", "no_start", "wrong_outcome", "open"],
    refusal: ["wrong_outcome"],
}


def generate(cases: int, seed: int, shuffle: bool, events: int = 0) -> list[str]:
    """The log's lines: `cases` cases, or as many as it takes to reach `events` events."""
    rng = random.Random(seed)
    paths = [p for p, _ in PATHS]
    weights = [w for _, w in PATHS]
    cases_out: list[list[tuple[datetime, str]]] = []
    total = 0
    number = 0
    while (total < events) if events else (number < cases):
        number += 1
        day = FIRST_DAY + timedelta(days=rng.randrange(SPAN_DAYS))
        minute = rng.randrange(8 * 60 + 30, 17 * 60 + 30)
        start = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=SHANGHAI)
        path = rng.choices(paths, weights)[0]
        bad = rng.choice(PROBLEMS[path]) if rng.random() < 0.10 else ""
        case = Case(rng, f"LH-{day.year}-{number:06d}", start)
        path(case, bad)
        cases_out.append(case.events)
        total += len(case.events)
    if not shuffle:
        return [line for events in cases_out for _, line in events]
    # Interleave cases the way a live system appends them: by time (ties keep case order).
    merged = [
        (stamp, i, j, line)
        for i, events in enumerate(cases_out)
        for j, (stamp, line) in enumerate(events)
    ]
    merged.sort(key=lambda item: (item[0], item[1], item[2]))
    return [line for _, _, _, line in merged]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="the JSONL file to write")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument(
        "--events", type=int, default=0, help="write cases until there are this many events"
    )
    parser.add_argument("--seed", type=int, default=20261)
    parser.add_argument(
        "--shuffle",
        action="store_true",
        help="interleave cases by time instead of writing them one after another",
    )
    args = parser.parse_args(argv)
    lines = generate(args.cases, args.seed, args.shuffle, args.events)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8", newline="\n") as handle:
        for line in lines:
            handle.write(line)
            handle.write("\n")
    print(f"{args.output}: {len(lines)} events", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
