"""The generated workflows/*.bpmn files: valid BPMN 2.0, drawable, free of literal periods, in step
with engine/actions.py and with their source, the catalogue in engine/catalogue."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from engine.actions import FORMS
from engine.services import INITIAL_DATA
from standard_rules.pack import default_pack
from tools.build_workflows import render

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
FILES = sorted(WORKFLOWS.glob("*.bpmn"))
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
BPMN = "{{{}}}".format(NS["bpmn"])
FLOW_NODES = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
    "complexGateway",
}
# An ISO 8601 duration such as P30D, P1Y2M, PT12H or P2W.
ISO_PERIOD = re.compile(
    r"(?<![A-Za-z0-9_])P(?:\d+[YMWD])+(?:T(?:\d+(?:\.\d+)?[HMS])+)?(?![A-Za-z0-9_])|(?<![A-Za-z0-9_])PT(?:\d+(?:\.\d+)?[HMS])+(?![A-Za-z0-9_])"
)
# Variables a timer may count from: the workflow data the engine seeds and its actions fill in.
START_VARIABLES = set(INITIAL_DATA) | {"filed_on", "complaint_on"}
TOP_LEVEL = {
    "pre_filing_referral",
    "post_filing_referral",
    "complaint_mediation",
    "supported_lawsuit",
}
CALLED = {"mediation", "judicial_confirmation"}


def ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def tree(path: Path) -> etree._ElementTree:
    return etree.parse(str(path))


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def flow_nodes(document: etree._ElementTree) -> list[etree._Element]:
    return [
        e for e in document.iter(f"{BPMN}*") if local(e) in FLOW_NODES and e.getparent() is not None
    ]


def timer_expressions(document: etree._ElementTree) -> list[tuple[str, str]]:
    found = []
    for event in document.iterfind(".//bpmn:timerEventDefinition", NS):
        owner = event.getparent().get("id")
        dates = event.findall("bpmn:timeDate", NS) + event.findall("bpmn:timeCycle", NS)
        assert len(dates) == 1, f"{owner}: a timer needs exactly one timeDate or timeCycle"
        found.append((owner, (dates[0].text or "").strip()))
    return found


def test_the_workflow_files_are_the_expected_processes() -> None:
    assert {p.stem for p in FILES} == TOP_LEVEL | CALLED
    for path in FILES:
        processes = tree(path).findall("bpmn:process", NS)
        assert [p.get("id") for p in processes] == [path.stem]
        assert processes[0].get("isExecutable") == "true"


@pytest.fixture(scope="module")
def validator() -> BpmnValidator:
    return BpmnValidator()


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_valid_against_the_bpmn_20_schema(path: Path, validator: BpmnValidator) -> None:
    parser = BpmnParser(validator=validator)
    parser.add_bpmn_file(str(path))  # raises ValidationException on any schema error
    assert parser.get_process_ids() == [path.stem]


def _rename_user_task(document: etree._ElementTree) -> None:
    task = document.find(".//bpmn:userTask", NS)
    task.tag = f"{BPMN}humanTask"  # no such element in BPMN 2.0


def _drop_source_ref(document: etree._ElementTree) -> None:
    flow = document.find(".//bpmn:sequenceFlow", NS)
    del flow.attrib["sourceRef"]  # required by tSequenceFlow


def _bad_gateway_direction(document: etree._ElementTree) -> None:
    gateway = document.find(".//bpmn:exclusiveGateway", NS)
    gateway.set("gatewayDirection", "Sideways")  # not in tGatewayDirection


@pytest.mark.parametrize("breakage", [_rename_user_task, _drop_source_ref, _bad_gateway_direction])
def test_the_schema_check_rejects_a_broken_file(
    breakage: object, tmp_path: Path, validator: BpmnValidator
) -> None:
    """The validator is live: a file the schema forbids does not load."""
    document = tree(WORKFLOWS / "mediation.bpmn")
    assert callable(breakage)
    breakage(document)
    broken = tmp_path / "mediation.bpmn"
    document.write(str(broken), xml_declaration=True, encoding="UTF-8")
    parser = BpmnParser(validator=validator)
    with pytest.raises(ValidationException):
        parser.add_bpmn_file(str(broken))


def test_call_activities_call_known_processes() -> None:
    called = set()
    for path in FILES:
        for call in tree(path).iterfind(".//bpmn:callActivity", NS):
            called.add(call.get("calledElement"))
    assert called == CALLED


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_every_node_has_a_shape_and_every_flow_an_edge(path: Path) -> None:
    document = tree(path)
    nodes = {e.get("id") for e in flow_nodes(document)}
    flows = {e.get("id") for e in document.iterfind(".//bpmn:sequenceFlow", NS)}
    assert nodes and flows
    shapes = document.findall(".//bpmndi:BPMNShape", NS)
    edges = document.findall(".//bpmndi:BPMNEdge", NS)
    shaped = {s.get("bpmnElement") for s in shapes}
    edged = {e.get("bpmnElement") for e in edges}
    assert nodes - shaped == set(), "flow nodes without a BPMNShape"
    assert flows - edged == set(), "sequence flows without a BPMNEdge"
    known = {e.get("id") for e in document.iter() if e.get("id")}
    assert shaped | edged <= known, "diagram elements pointing at nothing"
    for shape in shapes:
        bounds = shape.find("dc:Bounds", NS)
        assert bounds is not None, shape.get("id")
        assert float(bounds.get("width")) > 0 and float(bounds.get("height")) > 0
    for edge in edges:
        assert len(edge.findall("di:waypoint", NS)) >= 2, edge.get("id")
    # Every flow joins two nodes of the process.
    for flow in document.iterfind(".//bpmn:sequenceFlow", NS):
        assert flow.get("sourceRef") in nodes and flow.get("targetRef") in nodes, flow.get("id")


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_no_literal_period_every_timer_reads_the_rule_pack(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert ISO_PERIOD.findall(text) == []
    document = tree(path)
    assert document.findall(".//bpmn:timeDuration", NS) == []
    # A repeating timer is an escalation: its interval is the pack's T03, from a rule's due date.
    for cycle in document.iterfind(".//bpmn:timeCycle", NS):
        assert (cycle.text or "").startswith("escalation_cycle("), cycle.text
        owner = cycle.getparent().getparent()
        assert owner.get("cancelActivity") == "false", owner.get("id")
    pack = default_pack()
    for owner, expression in timer_expressions(document):
        call = ast.parse(expression, mode="eval").body
        assert isinstance(call, ast.Call), f"{owner}: {expression}"
        assert isinstance(call.func, ast.Name), expression
        assert call.func.id in ("period_due", "escalation_cycle"), expression
        assert len(call.args) == 3 and not call.keywords, expression
        rule, period, start = call.args
        assert isinstance(rule, ast.Constant) and isinstance(rule.value, str), expression
        for name in period_names(period):
            found = pack.rule(rule.value).period(name)  # raises for an unknown rule or period
            assert found.name == name
            assert found.days is not None and found.days > 0, f"{owner}: {rule.value}.{name}"
        if isinstance(start, ast.Call):
            assert isinstance(start.func, ast.Name) and start.func.id == "today", expression
            assert not start.args
        else:
            assert isinstance(start, ast.Name), expression
            assert start.id in START_VARIABLES, f"{owner}: counts from unknown {start.id!r}"


def period_names(node: ast.expr) -> list[str]:
    """A literal period name, or "prefix" + procedure over the procedures a referral may name."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    assert isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add), ast.unparse(node)
    assert isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Name)
    assert node.right.id == "procedure", ast.unparse(node)
    choices = next(f.choices for f in FORMS["refer"].choices[0].fields if f.name == "procedure")
    assert set(choices) == {"ordinary", "simple"}
    return [f"{node.left.value}{choice}" for choice in choices]


def test_the_mediation_periods_are_the_ones_the_rules_name() -> None:
    """R16 30 days before filing, R17 15 / 7 days after: read from the files, not from code."""
    expressions = {
        (path.stem, owner): expression
        for path in FILES
        for owner, expression in timer_expressions(tree(path))
    }
    pre = expressions[("pre_filing_referral", "mediation_deadline")]
    post = expressions[("post_filing_referral", "mediation_deadline")]
    assert pre == 'period_due("R16", "mediation_pre_filing", mediation_from)'
    assert post == 'period_due("R17", "mediation_" + procedure, mediation_from)'
    pack = default_pack()
    assert pack.rule("R16").period("mediation_pre_filing").days == 30
    assert pack.rule("R17").period("mediation_ordinary").days == 15
    assert pack.rule("R17").period("mediation_simple").days == 7


def test_every_user_task_has_a_form_and_every_form_a_task() -> None:
    user_tasks: set[str] = set()
    boundary: dict[str, str] = {}
    for path in FILES:
        document = tree(path)
        user_tasks |= {t.get("id") for t in document.iterfind(".//bpmn:userTask", NS)}
        for event in document.iterfind(".//bpmn:boundaryEvent", NS):
            boundary[event.get("id")] = event.get("attachedToRef")
    assert user_tasks - set(FORMS) == set(), "user tasks nobody can complete"
    assert set(FORMS) - user_tasks == set(), "forms for tasks no process has"
    for form in FORMS.values():
        assert form.bpmn_id in user_tasks
        assert form.roles and form.choices
        assert form.org in ("court", "mediator")
        assert set(form.timers) <= set(boundary), f"{form.bpmn_id}: unknown timers"
        choice_ids = [c.id for c in form.choices]
        assert len(choice_ids) == len(set(choice_ids)), form.bpmn_id


def test_the_files_are_up_to_date_with_their_source() -> None:
    rendered = render()  # a few seconds: the builder routes every edge of every diagram
    assert sorted(rendered) == [p.name for p in FILES]
    for name, xml in rendered.items():
        on_disk = (WORKFLOWS / name).read_text(encoding="utf-8")
        assert on_disk == xml, f"workflows/{name} is stale: run python -m tools.build_workflows"
