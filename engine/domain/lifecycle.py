"""The strict case lifecycle: which event may happen in which state.

It runs beside the BPMN process as an independent guard: the BPMN says what comes next, the
lifecycle refuses any event that makes no sense where the case stands (an agreement before
acceptance, a second close). An illegal transition raises and changes nothing. Transition names
are the EVENTS.md activity codes, so applying an event is `lifecycle.send(event.activity)`.
"""

from __future__ import annotations

from statemachine import State, StateMachine

from engine.catalogue import statuses
from engine.domain.errors import TransitionNotAllowed

# The statuses' labels are the catalogue's, shared with the pages (one table).
STATUS_ZH = {status: zh for status, (zh, _en) in statuses.STATUSES.items()}


class CaseLifecycle(StateMachine):
    intake = State(initial=True)
    assigned = State()
    received = State()
    mediating = State()
    paused = State()
    agreed = State()
    confirming = State()
    reporting = State()
    returned = State()
    closed = State(final=True)

    dispute_received = intake.to.itself()
    complaint_received = intake.to.itself()
    consent_given = intake.to.itself() | returned.to(intake)
    consent_refused = intake.to(returned)
    complaint_accepted = intake.to(received)
    complaint_rejected = intake.to(returned)
    referred = intake.to(assigned)
    referral_received = assigned.to(received)
    referral_accepted = received.to(mediating)
    referral_declined = received.to(intake) | assigned.to(intake)  # at acceptance or at receipt
    parties_notified = mediating.to.itself() | received.to.itself()
    mediation_started = mediating.to.itself() | received.to(mediating)
    pause_started = mediating.to(paused)
    pause_ended = paused.to(mediating)
    extension_agreed = mediating.to.itself() | paused.to.itself()
    agreement_signed = mediating.to(agreed) | received.to(agreed)
    mediation_failed = mediating.to(reporting) | paused.to(reporting) | received.to(reporting)
    mediation_withdrawn = (
        mediating.to(reporting)
        | paused.to(reporting)
        | received.to(reporting)
        | reporting.to.itself()
    )
    mediation_timed_out = mediating.to(reporting) | paused.to(reporting) | received.to(reporting)
    agreement_filed = agreed.to.itself()
    result_reported = reporting.to(returned) | agreed.to.itself()
    case_registered = returned.to.itself() | intake.to.itself()
    filing_declined = returned.to.itself()
    trial_resumed = returned.to.itself()
    mediation_document_issued = agreed.to.itself()
    suit_withdrawn = agreed.to.itself() | returned.to.itself()
    performed = agreed.to.itself() | confirming.to.itself()
    confirmation_applied = agreed.to(confirming)
    confirmation_accepted = confirming.to.itself()
    confirmation_not_accepted = confirming.to.itself()
    confirmation_ruled = confirming.to.itself()
    confirmation_withdrawn = confirming.to.itself()
    enforcement_applied = confirming.to.itself()
    suit_supported = returned.to.itself() | intake.to(returned) | reporting.to(returned)
    support_declined = returned.to.itself() | intake.to(returned) | reporting.to(returned)
    case_closed = (
        intake.to(closed)
        | assigned.to(closed)
        | received.to(closed)
        | mediating.to(closed)
        | paused.to(closed)
        | agreed.to(closed)
        | confirming.to(closed)
        | reporting.to(closed)
        | returned.to(closed)
    )


def _transition_table() -> dict[tuple[str, str], str]:
    """(status, activity) -> next status, read once from the declarative machine above.

    A machine instance costs ~0.2 ms to build and stops for good in a final state, so the
    per-event check is a look-up in the machine's own transition table instead.
    """
    table: dict[tuple[str, str], str] = {}
    for state in CaseLifecycle.states:
        for transition in state.transitions:
            for event in str(transition.events).split():
                table[(transition.source.id, event)] = transition.target.id
    return table


TRANSITIONS = _transition_table()
STATUSES = tuple(state.id for state in CaseLifecycle.states)
FINAL = frozenset(state.id for state in CaseLifecycle.states if state.final)


def apply(status: str, activity: str) -> str:
    """The status after `activity`, or TransitionNotAllowed (nothing changes)."""
    target = TRANSITIONS.get((status, activity))
    if target is None:
        raise TransitionNotAllowed(
            f"案件当前状态为“{STATUS_ZH.get(status, status)}”，不能记录“{activity}”"
        )
    return target
