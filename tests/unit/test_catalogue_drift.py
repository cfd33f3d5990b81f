"""Everything derived from the process catalogue (engine/catalogue) agrees with it: the BPMN
files, the task forms, the API's choice enums, the pages' labels and translations, the timers
and the process names. Any hand edit of one of them, or of the catalogue alone, fails here.

The BPMN check compares the catalogue's processes, built in memory, with the files element by
element (kinds, names, timers, scripts, defaults, flows and conditions), without the diagram
layout; tests/workflows/test_bpmn_files.py compares the whole rendered files byte for byte.
"""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path

import pytest
from lxml import etree

from api.http.schemas import CaseCreate, TaskSubmission
from api.web import i18n
from engine import catalogue
from engine.actions import APPLY, FORMS
from engine.bpmn.specs import TOP_LEVEL
from engine.catalogue.model import Close, Flow, Lapse, Otherwise, Script, UserTask, Watch
from engine.domain import lifecycle
from standard_rules.pack import RulePack, default_pack, load_pack
from tools.build_workflows import build

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
KINDS = {
    "startEvent",
    "endEvent",
    "userTask",
    "scriptTask",
    "callActivity",
    "exclusiveGateway",
    "boundaryEvent",
}
# The workflow variables a period may count from, and the event whose date each holds.
VARIABLE_EVENTS = {
    "filed_on": {"dispute_received"},
    "complaint_on": {"complaint_received"},
    "referred_on": {"referred"},
    "received_on": {"referral_received"},
    "mediation_from": {"referral_received", "referral_accepted"},  # R18: online from acceptance
    "accepted_on": {"complaint_accepted", "confirmation_accepted"},
    "applied_on": {"confirmation_applied"},
    "effective_on": {"agreement_signed"},  # R40 counts from the agreement's effective_on
}
# Periods counted from today(): the task is readied in the very step that records the pack's
# start event, so the step's date is that event's date.
FROM_TODAY = {
    ("R37", "register_case"),  # result_reported, with the outcome that readies register_case
    ("T03", "court_review"),  # agreement_signed readies court_review
    ("T03", "resume_trial"),  # result_reported readies resume_trial
    ("T03", "support_decision"),  # mediation_failed readies support_decision
}
# Routing values an APPLY function computes (the catalogue cannot state them as fixed values).
COMPUTED_ROUTES = {("registration", "not_pursued"), ("registration", "not_pursued_refused")}


@pytest.fixture(scope="module")
def pack() -> RulePack:
    return default_pack()


def _file_model(path: Path) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], str]:
    document = etree.parse(str(path))
    process = document.find("bpmn:process", NS)
    assert process is not None
    nodes: dict[str, tuple[str, ...]] = {}
    for element in process.iter():
        kind = etree.QName(element).localname
        if kind not in KINDS:
            continue
        texts = tuple(
            (e.text or "").strip()
            for e in element.iter()
            if etree.QName(e).localname in ("timeDate", "timeCycle", "script")
        )
        nodes[element.get("id", "")] = (
            kind,
            element.get("name", ""),
            element.get("attachedToRef", ""),
            element.get("cancelActivity", "true"),
            element.get("calledElement", ""),
            element.get("default", ""),
            *texts,
        )
    flows: dict[str, tuple[str, ...]] = {}
    for flow in process.iterfind("bpmn:sequenceFlow", NS):
        condition = flow.find("bpmn:conditionExpression", NS)
        flows[flow.get("id", "")] = (
            flow.get("sourceRef", ""),
            flow.get("targetRef", ""),
            flow.get("name", ""),
            (condition.text or "").strip() if condition is not None else "",
        )
    return nodes, flows, process.get("name", "")


def _built_model(
    process_id: str,
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], str]:
    built = build(catalogue.process(process_id))
    nodes: dict[str, tuple[str, ...]] = {}
    for n in built.nodes.values():
        texts = tuple(t for t in (n.timer, n.script) if t)
        nodes[n.id] = (
            n.kind,
            n.name,
            n.attached_to,
            "true" if n.interrupting else "false",
            n.called,
            n.default,
            *texts,
        )
    flows = {f.id: (f.source, f.target, f.name, f.condition) for f in built.flows}
    return nodes, flows, built.name


@pytest.mark.parametrize("process_id", [p.id for p in catalogue.PROCESSES])
def test_the_bpmn_files_are_the_catalogues_processes(process_id: str) -> None:
    on_disk = _file_model(WORKFLOWS / f"{process_id}.bpmn")
    assert on_disk == _built_model(process_id), (
        f"workflows/{process_id}.bpmn differs from engine/catalogue: "
        "run python -m tools.build_workflows"
    )


def test_every_bpmn_file_has_a_catalogue_process() -> None:
    assert {p.stem for p in WORKFLOWS.glob("*.bpmn")} == set(catalogue.BY_ID)


def test_the_forms_are_the_catalogues_tasks() -> None:
    assert set(FORMS) == set(catalogue.TASKS)
    for task in catalogue.TASKS.values():
        form = FORMS[task.id]
        assert (form.title_zh, form.title_en, form.roles, form.org) == (
            task.title_zh,
            task.title_en,
            task.roles,
            task.org,
        )
        assert form.timers == catalogue.task_timers(task.id)
        assert [(c.id, c.label_zh, c.label_en, c.fields, c.events) for c in form.choices] == [
            (c.id, c.label_zh, c.label_en, c.fields, c.events) for c in task.choices
        ]
    custom = {f"{t.id}.{c.id}" for t in catalogue.TASKS.values() for c in t.choices if c.custom}
    assert set(APPLY) == custom


def test_every_choice_writes_contract_events(pack: RulePack) -> None:
    for task in catalogue.TASKS.values():
        for choice in task.choices:
            assert choice.events, f"{task.id}.{choice.id} writes no event"
            unknown = set(choice.events) - set(pack.contract_activities)
            assert not unknown, f"{task.id}.{choice.id}: {unknown} not in contract/EVENTS.md"


def test_every_gateway_condition_is_a_value_some_step_sets() -> None:
    set_by_choices = {
        (variable, value)
        for task in catalogue.TASKS.values()
        for choice in task.choices
        for variable, value in choice.sets.items()
    }
    condition = re.compile(r'^(\w+) == "(\w+)"$')
    for p in catalogue.PROCESSES:
        scripts = "\n".join(s.code for s in p.steps if isinstance(s, Script))
        for step in p.steps:
            if not isinstance(step, Flow) or not step.condition:
                continue
            found = condition.match(step.condition)
            if found is None:
                assert step.condition == 'mediation_result != ""', step.condition
                continue
            route = (found[1], found[2])
            assert (
                route in set_by_choices
                or route in COMPUTED_ROUTES
                or f'{route[0]} = "{route[1]}"' in scripts
            ), f"{p.id}: nothing sets {step.condition}"


def test_the_api_schema_enums_are_the_catalogues() -> None:
    names = {f.name for _, f in catalogue.fields()}
    assert set(TaskSubmission.model_fields) - {"action"} == names
    for _, f in catalogue.fields():
        if f.kind != "choice":
            continue
        annotation = TaskSubmission.model_fields[f.name].annotation
        literal = next(a for a in typing.get_args(annotation) if a is not type(None))
        assert typing.get_args(literal) == f.choices, f.name
    process_ids = typing.get_args(CaseCreate.model_fields["process_id"].annotation)
    assert set(process_ids) == {p.id for p in catalogue.PROCESSES if p.selectable}
    assert set(TOP_LEVEL) == set(process_ids)


def test_the_pages_labels_are_the_catalogues() -> None:
    assert i18n.STATUS == catalogue.STATUSES
    assert set(catalogue.STATUSES) == set(lifecycle.STATUSES)
    assert {k: zh for k, (zh, _) in catalogue.STATUSES.items()} == lifecycle.STATUS_ZH
    assert set(i18n.PROCESS) == {p.id for p in catalogue.PROCESSES if p.selectable}
    for task in catalogue.TASKS.values():
        assert i18n.TASK_EN[task.id] == task.title_en != ""
        for choice in task.choices:
            assert i18n.CHOICE_EN[f"{task.id}.{choice.id}"] == choice.label_en != ""
    english = i18n.Translator("en")
    for task, f in catalogue.fields():
        assert f.label_en, f"{task.id}: field {f.name} has no English label"
        for value in f.choices:
            assert value in catalogue.VALUE_LABELS, f"{task.id}.{f.name}: {value} has no label"
            assert i18n.CHOICE_VALUE[value] == catalogue.VALUE_LABELS[value]
            assert english.value(value) == catalogue.VALUE_LABELS[value][1]


def test_every_timer_reads_a_pack_period_from_its_start_event(pack: RulePack) -> None:
    for p in catalogue.PROCESSES:
        for timer in catalogue.timers(p.id):
            period = timer.period
            rule = pack.rule(period.rule)
            for name in period.names(catalogue.PERIOD_VARIANTS):
                found = rule.period(name)  # raises on an unknown rule or period
                assert found.days is not None and found.days > 0, f"{p.id}: {timer.id}"
                starts = {found.start, found.online_from} - {None}
                if period.start == "today()":
                    assert (period.rule, name) in FROM_TODAY, f"{p.id}: {timer.id} from today()"
                else:
                    held = VARIABLE_EVENTS[period.start]
                    assert starts & held, (
                        f"{p.id}: {timer.id} counts from {period.start} ({held}), "
                        f"the pack from {starts}"
                    )


def test_who_enforces_each_period_is_declared(pack: RulePack) -> None:
    """An engine-enforced period is an interrupting timer; a person's a reminder (and an
    escalation unless only a reminder is due), with no lapse event of its own in the pack."""
    for p in catalogue.PROCESSES:
        for step in p.steps:
            if isinstance(step, Lapse):
                assert step.on in {s.task.id for s in p.steps if isinstance(s, UserTask)} | {
                    "mediation"
                }
            if isinstance(step, Watch):
                assert catalogue.task(step.on) is not None
        ids = {t.id: t for t in catalogue.timers(p.id)}
        for t in ids.values():
            if t.escalation:
                assert t.enforced is catalogue.Enforced.PERSON


def test_closes_are_pack_outcomes_named_as_the_pack_names_them(pack: RulePack) -> None:
    for p in catalogue.PROCESSES:
        nodes, _, _ = _built_model(p.id)
        for step in p.steps:
            if isinstance(step, Close):
                assert step.outcome in pack.outcomes
                assert nodes[f"end_{step.outcome}"][1] == pack.outcomes[step.outcome].zh


def test_process_names_take_their_periods_from_the_pack(tmp_path: Path, pack: RulePack) -> None:
    for p in catalogue.PROCESSES:
        assert not re.search(r"\d+(日|个工作日|天)", p.name_zh), p.name_zh
    assert catalogue.display_name("pre_filing_referral", pack) == "委派调解（立案前，R16 30日）"
    local = tmp_path / "local.toml"
    local.write_text(
        'name = "临海市诉调对接协议"\n\n[[override]]\nrule = "R16"\ndays = 20\n'
        'reason = "本地协议约定委派调解期限为20日"\n',
        "utf-8",
    )
    agreed = load_pack(overrides=[local])
    assert catalogue.display_name("pre_filing_referral", agreed) == "委派调解（立案前，R16 20日）"
    assert i18n.Translator("zh", agreed).process("pre_filing_referral").endswith("R16 20日）")


def test_the_catalogue_is_where_otherwise_flows_are_declared() -> None:
    """The consent gateway's refusal is its default flow (a refusal needs no condition)."""
    for process_id in ("pre_filing_referral", "post_filing_referral"):
        defaults = [
            s
            for s in catalogue.process(process_id).steps
            if isinstance(s, Otherwise) and s.gateway == "consent_gw"
        ]
        assert len(defaults) == 1 and defaults[0].label == "不同意"


def test_expressions_parse() -> None:
    for p in catalogue.PROCESSES:
        for t in catalogue.timers(p.id):
            ast.parse(t.period.due_expression(), mode="eval")


def test_reminders_name_the_rule_of_the_catalogues_timer() -> None:
    from api.notify.planner import _rule_of

    assert _rule_of("pre_filing_referral", "refer") == "R05"
    assert _rule_of("post_filing_referral", "mediate") == "R17"
    assert _rule_of("complaint_mediation", "mediate") == "R63"
    assert _rule_of("pre_filing_referral", "decide_acceptance") == "R44"


def test_every_routing_variable_starts_empty() -> None:
    """A gateway reads its variable before any choice may have set it (a lapse takes the other
    way): the engine must seed each one."""
    from engine.services import INITIAL_DATA

    seeded = set(INITIAL_DATA) | {"filed_on", "complaint_on"}
    for task in catalogue.TASKS.values():
        for choice in task.choices:
            assert set(choice.sets) | set(choice.dated) <= seeded, f"{task.id}.{choice.id}"
    for p in catalogue.PROCESSES:
        for step in p.steps:
            if isinstance(step, Flow) and step.condition:
                assert step.condition.split()[0] in seeded, step.condition
