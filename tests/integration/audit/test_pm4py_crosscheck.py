"""Process-mining cross-check: engine-generated logs replay on the processes' control flow.

pm4py (AGPL-3.0) is a test and benchmark dependency only; the application never imports it (an
import-linter contract says so). Its BPMN → Petri net conversion ignores subprocesses and boundary
events, which workflows/*.bpmn use for the mediation subprocess and every timer, so converting
those files gives a broken net (research/measurements.md). Instead each referral process is
written here as a flat process tree that mirrors the BPMN paths of engine/catalogue,
with the timers' effects as ordinary branches (a lapsed consent is a consent_refused, a lapsed
receipt or acceptance a referral_declined, an expired mediation period a mediation_timed_out,
possibly before the parties were notified). The tree is converted to a Petri net by pm4py.

The logs are made by driving the Engine (api.demo.populate on a memory store, which acts late,
falls silent and lets timers fire), exported with our XES writer and read back with
pm4py.read_xes: so this also checks that pm4py reads our XES. Closed cases must replay with
fitness 1.0 (token-based replay); the same log with an ordering error injected must not.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

pm4py = pytest.importorskip("pm4py")

from api.demo import DemoClock, populate  # noqa: E402
from engine.bpmn.specs import SpecLibrary  # noqa: E402
from engine.services import Engine  # noqa: E402
from standard_rules.legal_calendar import default_calendar  # noqa: E402
from standard_rules.pack import default_pack  # noqa: E402
from standard_rules.xes import write_xes  # noqa: E402
from storage.memory import MemoryCaseStore  # noqa: E402

# -- the flat control flow of the referral processes (engine/catalogue) ---------
# Re-referral loop (_referral_front): refer, maybe signed for, declined (or deemed declined) → refer
REFERRAL = "*(->('referred', X(tau, 'referral_received')), 'referral_declined')"
# The mediation subprocess with pauses and extensions; its timer may end it at any point.
MEDIATION = (
    "X(->('referral_accepted', *(tau, X('parties_notified', 'mediation_started', "
    "'pause_started', 'pause_ended', 'extension_agreed'))), tau)"
)
REGISTER = "X(->('case_registered', 'case_closed'), 'case_closed')"
FOLLOW_UP = (  # _agreement_follow_up with the judicial_confirmation process inlined
    "X(->('performed', 'case_closed'), 'case_closed', ->('confirmation_applied', "
    "X(->('confirmation_not_accepted', 'case_closed'), ->('confirmation_accepted', "
    "X('confirmation_ruled', 'confirmation_withdrawn'), 'case_closed'))))"
)
PRE_FILING = (
    f"->('dispute_received', X(->('consent_refused', {REGISTER}), "
    f"->('consent_given', {REFERRAL}, {MEDIATION}, X("
    f"->('agreement_signed', 'agreement_filed', {FOLLOW_UP}), "
    "->('mediation_withdrawn', 'result_reported', 'case_closed'), "
    f"->(X('mediation_failed', 'mediation_timed_out'), 'result_reported', {REGISTER})))))"
)
POST_FILING = (
    "->('dispute_received', 'case_registered', X("
    "->('consent_refused', 'trial_resumed', 'case_closed'), "
    f"->('consent_given', {REFERRAL}, {MEDIATION}, X("
    "->('agreement_signed', 'result_reported', X('mediation_document_issued', 'suit_withdrawn'), "
    "'case_closed'), "
    "->(X('mediation_failed', 'mediation_timed_out', 'mediation_withdrawn'), 'result_reported', "
    "'trial_resumed', 'case_closed')))))"
)
MODELS = {"民诉前调": PRE_FILING, "民初": POST_FILING}  # told apart by the case number's type


@pytest.fixture(scope="module")
def engine_log() -> list[dict[str, Any]]:
    clock = DemoClock(datetime.now(UTC))
    store = MemoryCaseStore()
    engine = Engine(store, default_pack(), default_calendar(), specs=SpecLibrary(), clock=clock)
    populate(engine, clock, cases=260, days=300, seed=2561)
    return [event.record() for event in store.all_events()]


def closed_cases(records: list[dict[str, Any]], kind: str) -> list[list[dict[str, Any]]]:
    cases: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        cases.setdefault(record["case"], []).append(record)
    return [
        events
        for case, events in cases.items()
        if kind in case and events[-1]["activity"] == "case_closed"
    ]


def replay(cases: list[list[dict[str, Any]]], model: str, tmp_path: Path) -> dict[str, float]:
    path = tmp_path / "log.xes"
    path.write_text("".join(write_xes(r for case in cases for r in case)), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        log = pm4py.read_xes(str(path))
        net, initial, final = pm4py.convert_to_petri_net(pm4py.parse_process_tree(model))
        result: dict[str, float] = pm4py.fitness_token_based_replay(log, net, initial, final)
    return result


def swap_first(case: list[dict[str, Any]], first: str, second: str) -> list[dict[str, Any]]:
    """The case with the activities `first` and `second` (their first occurrences) swapped,
    times kept in place, so the log says `second` happened before `first`."""
    acts = [r["activity"] for r in case]
    if first not in acts or second not in acts:
        return case
    i, j = acts.index(first), acts.index(second)
    out = [dict(r) for r in case]
    out[i]["activity"], out[j]["activity"] = out[j]["activity"], out[i]["activity"]
    for key in ("data", "role", "actor", "org"):
        out[i][key], out[j][key] = case[j].get(key), case[i].get(key)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(MODELS))
def test_engine_logs_replay_with_fitness_one(
    engine_log: list[dict[str, Any]], kind: str, tmp_path: Path
) -> None:
    cases = closed_cases(engine_log, kind)
    assert len(cases) >= 20, f"too few closed {kind} cases to say anything"
    assert len({tuple(r["activity"] for r in c) for c in cases}) >= 5  # several paths
    fitness = replay(cases, MODELS[kind], tmp_path)
    assert fitness["log_fitness"] == pytest.approx(1.0)
    assert fitness["perc_fit_traces"] == pytest.approx(100.0)


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(MODELS))
def test_an_injected_ordering_error_does_not_replay(
    engine_log: list[dict[str, Any]], kind: str, tmp_path: Path
) -> None:
    cases = closed_cases(engine_log, kind)
    # consent recorded only after the referral (the R02 breach of EVENTS.md), in every 4th case
    broken = [
        swap_first(c, "consent_given", "referred") if n % 4 == 0 else c for n, c in enumerate(cases)
    ]
    assert broken != cases
    fitness = replay(broken, MODELS[kind], tmp_path)
    assert fitness["log_fitness"] < 1.0
    assert fitness["perc_fit_traces"] < 100.0
