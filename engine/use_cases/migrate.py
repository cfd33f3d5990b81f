"""Move open cases from one deployed version of the processes to another, where every task
they wait on exists in both (as Camunda and spiff-arena do); the others stay, with the reason."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.bpmn import runtime
from engine.domain.errors import TransitionNotAllowed
from engine.moving_deadlines import rearm
from engine.use_cases.stepping import SYSTEM, Stepper


@dataclass
class Migration:
    """What `migrate_cases` moved and what it left on the old version, with why."""

    from_version: str
    to_version: str
    moved: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (case, tasks not in target)


def migrate_cases(
    steps: Stepper, from_version: str, to_version: str, *, dry_run: bool = False
) -> Migration:
    target = steps.specs.deployed(to_version)
    report = Migration(from_version, to_version)
    now = steps.clock.now()
    refs = [entry.ref for entry in steps.specs.deployed(from_version).values()]
    for case_id in steps.store.open_cases_on(refs):
        try:
            step = steps.load(case_id)
        except TransitionNotAllowed:
            continue
        entry = target[step.stored.process_id]
        registry = steps.serializer.registry
        problems = runtime.migration_problems(step.workflow, registry, entry)
        if problems:
            report.refused.append((case_id, "、".join(problems)))
            continue
        report.moved.append(case_id)
        if dry_run:
            continue
        runtime.migrate(step.workflow, registry, entry)
        rearm(steps.pack, steps.calendar, step.workflow, step.history, [], now)
        steps.commit(step, SYSTEM, now)
    return report
