"""The drawn diagrams of workflows/*.bpmn, read back from their BPMNDI: no flow runs through a
shape it does not start or end at, flows cross no more often than workflows/README.md allows,
and every exclusive gateway that branches names a default flow."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tools.diagram_check import Drawing, Edge, crossings, intrusions, overlaps, read

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
FILES = sorted(WORKFLOWS.glob("*.bpmn"))
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def allowed_crossings() -> dict[str, int]:
    """The table "crossings allowed" of workflows/README.md: file → most crossings."""
    text = (WORKFLOWS / "README.md").read_text(encoding="utf-8")
    return {m[1]: int(m[2]) for m in re.finditer(r"^\| `(\w+\.bpmn)` \| (\d+) \|", text, re.M)}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_no_flow_runs_through_a_shape(path: Path) -> None:
    assert intrusions(read(path)) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_no_two_unrelated_flows_share_a_line(path: Path) -> None:
    assert overlaps(read(path)) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_crossings_within_the_stated_bar(path: Path) -> None:
    bar = allowed_crossings()
    assert path.name in bar, f"workflows/README.md states no crossing bar for {path.name}"
    found = crossings(read(path))
    assert len(found) <= bar[path.name], found


def test_every_generated_file_has_a_bar() -> None:
    assert set(allowed_crossings()) == {p.name for p in FILES}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_branching_exclusive_gateways_have_a_default(path: Path) -> None:
    root = ET.parse(path).getroot()  # noqa: S314 - the project's own files
    outgoing: dict[str, list[str]] = {}
    for flow in root.iter(f"{BPMN}sequenceFlow"):
        outgoing.setdefault(flow.get("sourceRef", ""), []).append(flow.get("id", ""))
    for gateway in root.iter(f"{BPMN}exclusiveGateway"):
        flows = outgoing.get(gateway.get("id", ""), [])
        if len(flows) > 1:
            assert gateway.get("default") in flows, gateway.get("id")


def test_consent_refused_is_the_default() -> None:
    for name in ("pre_filing_referral.bpmn", "post_filing_referral.bpmn"):
        root = ET.parse(WORKFLOWS / name).getroot()  # noqa: S314
        gateway = next(
            g for g in root.iter(f"{BPMN}exclusiveGateway") if g.get("id") == "consent_gw"
        )
        default = next(
            f for f in root.iter(f"{BPMN}sequenceFlow") if f.get("id") == gateway.get("default")
        )
        assert default.get("name") == "不同意"
        assert default.find(f"{BPMN}conditionExpression") is None


# -- the measures themselves can fail ------------------------------------------------------------


def _shape_drawing(edges: list[Edge]) -> Drawing:
    shapes = {
        "a": (0.0, 0.0, 50.0, 50.0),
        "b": (200.0, 0.0, 50.0, 50.0),
        "c": (100.0, 0.0, 50.0, 50.0),
    }
    return Drawing(shapes, {}, tuple(edges))


def test_a_flow_through_a_shape_is_found() -> None:
    straight = Edge("f", "a", "b", ((50.0, 25.0), (200.0, 25.0)))  # through c
    around = Edge("g", "a", "b", ((25.0, 50.0), (25.0, 80.0), (225.0, 80.0), (225.0, 50.0)))
    assert intrusions(_shape_drawing([straight])) == [("f", "c")]
    assert intrusions(_shape_drawing([around])) == []


def test_crossing_flows_are_counted_but_forks_are_not() -> None:
    across = Edge("h", "a", "b", ((0.0, 100.0), (300.0, 100.0)))
    down = Edge("v", "c", "x", ((120.0, 50.0), (120.0, 200.0)))
    fork = Edge("w", "a", "y", ((10.0, 100.0), (10.0, 300.0)))  # shares its source with h
    assert crossings(_shape_drawing([across, down])) == [("h", "v")]
    assert crossings(_shape_drawing([across, fork])) == []


def test_flows_on_one_line_are_found_unless_they_fork() -> None:
    one = Edge("p", "a", "b", ((0.0, 100.0), (300.0, 100.0)))
    other = Edge("q", "c", "x", ((100.0, 100.0), (400.0, 100.0)))
    sibling = Edge("r", "a", "y", ((0.0, 100.0), (200.0, 100.0)))
    assert overlaps(_shape_drawing([one, other])) == [("p", "q")]
    assert overlaps(_shape_drawing([one, sibling])) == []
