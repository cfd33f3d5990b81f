"""Read the diagram (BPMNDI) of a BPMN file and measure what makes it hard to read.

Used by tests/workflows/test_diagram_layout.py and printable with
`python -m tools.diagram_check workflows/*.bpmn`. Two measures:

- crossings: two flows' segments crossing at a point inside both (flows that share their source
  or their target may meet and run together: that is a fork or a join, not a crossing);
- intrusions: a flow's segment running through the inside of a shape other than its own source,
  target or (for a flow out of a boundary timer) the activity the timer sits on.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from itertools import combinations, pairwise
from pathlib import Path

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
Point = tuple[float, float]
Segment = tuple[Point, Point]
Rect = tuple[float, float, float, float]  # x, y, width, height
CONTAINERS = {"participant", "lane"}


@dataclass(frozen=True)
class Edge:
    id: str
    source: str
    target: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Drawing:
    shapes: dict[str, Rect]  # flow nodes only, not pools or lanes
    hosts: dict[str, str]  # boundary event -> the activity it is attached to
    edges: tuple[Edge, ...]


def read(path: Path) -> Drawing:
    root = ET.parse(path).getroot()  # noqa: S314 - the project's own generated files
    kinds: dict[str, str] = {}
    hosts: dict[str, str] = {}
    ends: dict[str, tuple[str, str]] = {}
    for element in root.iter():
        ident = element.get("id")
        if not ident:
            continue
        kinds[ident] = element.tag.rsplit("}", 1)[-1]
        if element.get("attachedToRef"):
            hosts[ident] = element.get("attachedToRef", "")
        if kinds[ident] == "sequenceFlow":
            ends[ident] = (element.get("sourceRef", ""), element.get("targetRef", ""))
    shapes: dict[str, Rect] = {}
    for shape in root.iter(f"{{{NS['bpmndi']}}}BPMNShape"):
        ref = shape.get("bpmnElement", "")
        bounds = shape.find("dc:Bounds", NS)
        if bounds is None or kinds.get(ref) in CONTAINERS:
            continue
        shapes[ref] = (
            float(bounds.get("x", "0")),
            float(bounds.get("y", "0")),
            float(bounds.get("width", "0")),
            float(bounds.get("height", "0")),
        )
    edges = []
    for edge in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge"):
        ref = edge.get("bpmnElement", "")
        points = tuple(
            (float(p.get("x", "0")), float(p.get("y", "0")))
            for p in edge.findall("di:waypoint", NS)
        )
        source, target = ends.get(ref, ("", ""))
        edges.append(Edge(ref, source, target, points))
    return Drawing(shapes, hosts, tuple(edges))


def _cross(a: Segment, b: Segment) -> bool:
    """Proper crossing of two segments: each passes strictly between the other's ends."""

    def orient(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    (p1, p2), (q1, q2) = a, b
    d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
    d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
    return d1 * d2 < 0 and d3 * d4 < 0


def _through(segment: Segment, rect: Rect) -> bool:
    """Whether a segment enters the inside of a rectangle (touching its border is not enough)."""
    (x1, y1), (x2, y2) = segment
    x, y, w, h = rect
    # Liang–Barsky clipping against the open rectangle, shrunk by a pixel for rounding
    lo, hi = 0.0, 1.0
    dx, dy = x2 - x1, y2 - y1
    for p, q in (
        (-dx, x1 - (x + 1)),
        (dx, (x + w - 1) - x1),
        (-dy, y1 - (y + 1)),
        (dy, (y + h - 1) - y1),
    ):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return False
    return hi - lo > 1e-9


def crossings(drawing: Drawing) -> list[tuple[str, str]]:
    found = []
    for a, b in combinations(drawing.edges, 2):
        if a.source == b.source or a.target == b.target:
            continue
        for sa in pairwise(a.points):
            for sb in pairwise(b.points):
                if _cross(sa, sb):
                    found.append((a.id, b.id))
    return found


def overlaps(drawing: Drawing) -> list[tuple[str, str]]:
    """Two flows that neither fork from nor join each other running along one line."""
    found = []
    for a, b in combinations(drawing.edges, 2):
        if a.source == b.source or a.target == b.target:
            continue
        if any(_collinear(sa, sb) for sa in pairwise(a.points) for sb in pairwise(b.points)):
            found.append((a.id, b.id))
    return found


def _collinear(a: Segment, b: Segment) -> bool:
    (p1, p2), (q1, q2) = a, b
    if p1[0] == p2[0] == q1[0] == q2[0]:
        k = 1
    elif p1[1] == p2[1] == q1[1] == q2[1]:
        k = 0
    else:
        return False
    return min(max(p1[k], p2[k]), max(q1[k], q2[k])) > max(min(p1[k], p2[k]), min(q1[k], q2[k]))


def intrusions(drawing: Drawing) -> list[tuple[str, str]]:
    found = []
    for edge in drawing.edges:
        own = {edge.source, edge.target, drawing.hosts.get(edge.source, "")}
        for node, rect in drawing.shapes.items():
            if node in own:
                continue
            if any(_through(s, rect) for s in pairwise(edge.points)):
                found.append((edge.id, node))
    return found


def main(paths: list[str]) -> int:
    for name in paths:
        drawing = read(Path(name))
        cross, through, shared = crossings(drawing), intrusions(drawing), overlaps(drawing)
        sys.stdout.write(
            f"{Path(name).name}: {len(cross)} crossings, {len(through)} intrusions,"
            f" {len(shared)} overlaps\n"
        )
        for a, b in cross:
            sys.stdout.write(f"  cross  {a} × {b}\n")
        for a, b in through:
            sys.stdout.write(f"  through {a} ⟂ {b}\n")
        for a, b in shared:
            sys.stdout.write(f"  overlap {a} = {b}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
