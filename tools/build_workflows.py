"""Write workflows/*.bpmn from the process catalogue, engine/catalogue
(`python -m tools.build_workflows`).

Each catalogue step becomes the tools/bpmn_builder.Process call it names, in the catalogue's
order; a watched period becomes a reminder timer (and an escalation cycle) with the script that
calls remind(), and a Close becomes the script that writes case_closed with its end event, named
after the outcome as the rule pack names it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from engine import catalogue
from engine.catalogue.model import (
    Call,
    Chain,
    Close,
    End,
    Flow,
    Gateway,
    Lapse,
    Otherwise,
    ProcessDef,
    Script,
    Start,
    Step,
    UserTask,
    Watch,
)
from standard_rules.pack import RulePack, default_pack
from tools.bpmn_builder import Process

WORKFLOWS = Path(__file__).resolve().parents[1] / "workflows"
CLOSE = 'emit("case_closed", outcome="{outcome}")'


def _watch(p: Process, step: Watch) -> None:
    """A wait on a person that no lapse ends: a reminder at its due date, then (unless only a
    reminder is due) an escalation to the organisation's supervisor every T03 interval."""
    task, rule, period = step.on, step.period.rule, step.period
    timer = p.timer(
        f"{task}_reminder", f"{rule} 到期提醒", task, period.due_expression(), interrupting=False
    )
    script = p.script(f"{task}_remind", f"提醒：{rule}", f'remind("{rule}", "{task}")')
    end = p.end(f"{task}_reminded", "已提醒", lane=step.lane)
    p.chain(timer, script, end)
    if step.remind_only:
        return
    cycle = period.due_expression().replace("period_due(", "escalation_cycle(", 1)
    timer = p.timer(
        f"{task}_escalation", f"{rule} 逾期督办", task, cycle, interrupting=False, cycle=True
    )
    script = p.script(f"{task}_escalate", f"督办：{rule}", f'remind("{rule}", "{task}")')
    end = p.end(f"{task}_escalated", "已督办", lane=step.lane)
    p.chain(timer, script, end)


def _add(p: Process, step: Step, pack: RulePack) -> None:
    match step:
        case Start(lane=lane):
            p.start(lane=lane)
        case UserTask(task=task):
            p.user(task.id, task.step_zh, task.lane)
        case Script(id=id, name=name, code=code, lane=lane):
            p.script(id, name, code, lane)
        case Gateway(id=id, name=name, lane=lane):
            p.gateway(id, name, lane=lane)
        case Call(id=id, name=name, called=called, lane=lane):
            p.call(id, name, called, lane=lane)
        case End(id=id, name=name, lane=lane):
            p.end(id, name, lane=lane)
        case Lapse(id=id, name=name, on=on, period=period):
            p.timer(id, name, on, period.due_expression())
        case Watch():
            _watch(p, step)
        case Close(outcome=outcome):
            name = pack.outcomes[outcome].zh
            task = p.script(f"close_{outcome}", f"结案：{name}", CLOSE.format(outcome=outcome))
            p.flow(task, p.end(f"end_{outcome}", name))
        case Flow(source=source, target=target, condition=condition, label=label):
            p.flow(source, target, condition, label)
        case Otherwise(gateway=gateway, target=target, label=label):
            p.otherwise(gateway, target, label)
        case Chain(ids=ids):
            p.chain(*ids)


def build(definition: ProcessDef, pack: RulePack | None = None) -> Process:
    pack = pack or default_pack()
    p = Process(definition.id, definition.name_zh, definition.documentation)
    for step in definition.steps:
        _add(p, step, pack)
    return p


def render() -> dict[str, str]:
    return {f"{d.id}.bpmn": build(d).to_xml() for d in catalogue.PROCESSES}


def main() -> int:
    for name, xml in render().items():
        (WORKFLOWS / name).write_text(xml, encoding="utf-8")
        sys.stdout.write(f"wrote workflows/{name}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
