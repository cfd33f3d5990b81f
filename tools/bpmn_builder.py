"""A small builder that writes BPMN 2.0 XML with diagram information (BPMNDI) and swimlanes.

The processes in workflows/ are declared in engine/catalogue and written out by this builder
(tools/build_workflows.py), so every file carries a consistent left-to-right layout that opens in
bpmn.io and Camunda Modeler; tests/workflows checks the files are up to date with their source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from xml.sax.saxutils import escape, quoteattr

from tools.bpmn_layout import Item, Link, Placement, Scorer, improve, timer_order

SIZES = {
    "startEvent": (36, 36),
    "endEvent": (36, 36),
    "userTask": (120, 80),
    "scriptTask": (120, 80),
    "callActivity": (120, 80),
    "exclusiveGateway": (50, 50),
    "boundaryEvent": (36, 36),
}
COLUMN, LANE_PAD, ROW = 190, 25, 140
POOL_X, LANE_X = 50, 80  # the pool's and the lanes' left edges (each has a 30px title band)
CONTENT_X = LANE_X + 40
LANE_LABELS = {
    "court_clerk": "法院（立案/诉调对接）",
    "judge": "法官",
    "mediator": "消保委调解员",
    "party": "当事人",
    "system": "系统（期限与自动流转）",
}


@dataclass
class Node:
    id: str
    kind: str
    name: str = ""
    lane: str = "system"
    script: str = ""
    called: str = ""
    attached_to: str = ""
    timer: str = ""
    interrupting: bool = True
    cycle: bool = False  # a timeCycle (repeating) rather than a timeDate
    default: str = ""
    documentation: str = ""


@dataclass
class Flow:
    id: str
    source: str
    target: str
    condition: str = ""
    name: str = ""


@dataclass
class Process:
    id: str
    name: str
    documentation: str = ""
    nodes: dict[str, Node] = field(default_factory=dict)
    flows: list[Flow] = field(default_factory=list)
    _placed: Placement | None = field(default=None, repr=False)

    # -- authoring ---------------------------------------------------------------------------
    def _add(self, node: Node) -> str:
        if node.id in self.nodes:
            raise ValueError(f"{self.id}: node {node.id} defined twice")
        self.nodes[node.id] = node
        return node.id

    def start(self, id: str = "start", name: str = "开始", lane: str = "system") -> str:
        return self._add(Node(id, "startEvent", name, lane))

    def end(self, id: str, name: str, lane: str = "system") -> str:
        return self._add(Node(id, "endEvent", name, lane))

    def user(self, id: str, name: str, lane: str, doc: str = "") -> str:
        return self._add(Node(id, "userTask", name, lane, documentation=doc))

    def script(self, id: str, name: str, script: str, lane: str = "system") -> str:
        return self._add(Node(id, "scriptTask", name, lane, script=script))

    def call(self, id: str, name: str, called: str, lane: str = "mediator") -> str:
        return self._add(Node(id, "callActivity", name, lane, called=called))

    def gateway(self, id: str, name: str = "", lane: str = "system") -> str:
        return self._add(Node(id, "exclusiveGateway", name, lane))

    def timer(
        self,
        id: str,
        name: str,
        attached_to: str,
        expression: str,
        *,
        interrupting: bool = True,
        cycle: bool = False,
    ) -> str:
        lane = self.nodes[attached_to].lane
        return self._add(
            Node(
                id,
                "boundaryEvent",
                name,
                lane,
                attached_to=attached_to,
                timer=expression,
                interrupting=interrupting,
                cycle=cycle,
            )
        )

    def flow(self, source: str, target: str, condition: str = "", name: str = "") -> None:
        self.flows.append(Flow(f"flow_{source}_to_{target}", source, target, condition, name))

    def otherwise(self, gateway: str, target: str, name: str = "其他") -> None:
        self.flow(gateway, target, name=name)
        self.nodes[gateway].default = f"flow_{gateway}_to_{target}"

    def chain(self, *ids: str) -> None:
        for a, b in pairwise(ids):
            self.flow(a, b)

    # -- layout ------------------------------------------------------------------------------
    def _columns(self) -> dict[str, int]:
        """Longest path from the start over forward edges (back edges found by DFS are ignored)."""
        out = self._successors()
        back: set[tuple[str, str]] = set()
        state: dict[str, int] = {}

        def dfs(v: str) -> None:
            state[v] = 1
            for w in out[v]:
                if state.get(w) == 1:
                    back.add((v, w))
                elif w not in state:
                    dfs(w)
            state[v] = 2

        for n in self.nodes:
            if self.nodes[n].kind == "startEvent" and n not in state:
                dfs(n)
        for n in self.nodes:
            if n not in state:
                dfs(n)
        col = dict.fromkeys(self.nodes, 0)
        changed = True
        while changed:
            changed = False
            for v, targets in out.items():
                for w in targets:
                    if (v, w) in back:
                        continue
                    step = 0 if self.nodes[w].kind == "boundaryEvent" else 1
                    if col[w] < col[v] + step:
                        col[w] = col[v] + step
                        changed = True
        return col

    def _successors(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {n: [] for n in self.nodes}
        for f in self.flows:
            out[f.source].append(f.target)
        for n in self.nodes.values():
            if n.kind == "boundaryEvent":
                out[n.attached_to].append(n.id)
        return out

    def _exception_path(self) -> set[str]:
        """Nodes reached from a start event only through a boundary (timer) event."""
        out: dict[str, list[str]] = {n: [] for n in self.nodes}
        for f in self.flows:
            if self.nodes[f.source].kind != "boundaryEvent":
                out[f.source].append(f.target)
        seen = [n for n, node in self.nodes.items() if node.kind == "startEvent"]
        todo = list(seen)
        while todo:
            for w in out[todo.pop()]:
                if w not in seen:
                    seen.append(w)
                    todo.append(w)
        return {
            n for n, node in self.nodes.items() if n not in seen and node.kind != "boundaryEvent"
        }

    def layout(self) -> tuple[dict[str, tuple[int, int, int, int]], dict[str, tuple[int, int]]]:
        """Shape bounds (x, y, w, h) per node and the (y, height) band of every lane.

        Columns come from the longest forward path; lanes are stacked in the order the flow first
        reaches them (the system lane, which holds the deadline handlers, last). Inside a lane the
        main path takes the first row of each column and the nodes reached only from a timer go
        below it, so the timers' flows run downward.
        """
        col = self._columns()
        order = list(self.nodes)
        exceptional = self._exception_path()
        main = [n for n in self.nodes.values() if n.kind != "boundaryEvent"]
        first = {
            lane: min(col[n.id] for n in main if n.lane == lane)
            for lane in LANE_LABELS
            if any(n.lane == lane for n in main)
        }
        stacked = sorted(
            first, key=lambda lane: (lane == "system", first[lane], list(LANE_LABELS).index(lane))
        )
        slot: dict[str, int] = {}
        rows: dict[tuple[str, int], int] = {}
        base: dict[str, int] = {}
        for n in sorted(main, key=lambda n: (n.id in exceptional, col[n.id], order.index(n.id))):
            key = (n.lane, col[n.id])
            if n.id in exceptional and n.lane != "system":
                if n.lane not in base:  # below every row the main path uses in this lane
                    base[n.lane] = max([r for (ln, _), r in rows.items() if ln == n.lane] or [0])
                slot[n.id] = max(rows.get(key, 0), base[n.lane])
            else:
                slot[n.id] = rows.get(key, 0)
            rows[key] = slot[n.id] + 1
        slot, stacked, col = self._improve(col, slot, stacked)
        lane_rows = dict.fromkeys(stacked, 1)
        for n in main:
            lane_rows[n.lane] = max(lane_rows[n.lane], slot[n.id] + 1)
        # the pool's vertical title needs room too: spread any shortfall over the lanes
        content = sum(lane_rows[lane] * ROW for lane in stacked)
        shortfall = _text_width(self.name) * 12 // 11 + 40 - content
        pad = max(LANE_PAD, -(-shortfall // (2 * len(stacked))))
        top: dict[str, tuple[int, int]] = {}
        y = 0
        for lane in stacked:
            height = lane_rows[lane] * ROW + 2 * pad
            top[lane] = (y, height)
            y += height
        lane_box = {lane: top[lane] for lane in stacked}
        boxes: dict[str, tuple[int, int, int, int]] = {}
        for n in main:
            w, h = SIZES[n.kind]
            cx = CONTENT_X + col[n.id] * COLUMN + COLUMN // 2
            cy = lane_box[n.lane][0] + pad + slot[n.id] * ROW + ROW // 2
            boxes[n.id] = (cx - w // 2, cy - h // 2, w, h)
        attached = timer_order(self._items(), self._links(), lambda n: _mid(boxes[n]))
        for task, timers in attached.items():
            ax, ay, aw, ah = boxes[task]
            for k, timer in enumerate(timers):
                # evenly spread along the bottom edge, centred on it
                cx = ax + aw * (k + 1) // (len(timers) + 1) if len(timers) > 1 else ax + aw // 3
                boxes[timer] = (cx - 18, ay + ah - 18, 36, 36)
        return {n: boxes[n] for n in self.nodes}, lane_box

    def _items(self) -> dict[str, Item]:
        return {n.id: Item(n.id, n.kind, n.lane, n.attached_to) for n in self.nodes.values()}

    def _links(self) -> list[Link]:
        return [Link(f.source, f.target) for f in self.flows]

    def _improve(
        self, col: dict[str, int], slot: dict[str, int], lanes: list[str]
    ) -> tuple[dict[str, int], list[str], dict[str, int]]:
        """Lane order, rows and columns with the fewest crossings (tools/bpmn_layout.py)."""
        if self._placed is None:
            start = Placement(lanes, slot, col)
            self._placed = improve(Scorer(self._items(), self._links()), start)
        return self._placed.slot, self._placed.lanes, self._placed.col

    def _ports(
        self, f: Flow, boxes: dict[str, Box], col: dict[str, int]
    ) -> tuple[Point, int, Point, int]:
        """Where a flow leaves its source and enters its target, with the direction of travel."""
        sx, sy, sw, sh = boxes[f.source]
        tx, ty, tw, th = boxes[f.target]
        source = self.nodes[f.source]
        scy, tcy = sy + sh // 2, ty + th // 2
        if source.kind == "boundaryEvent":
            return (sx + sw // 2, sy + sh), DOWN, (tx, tcy), RIGHT
        if col[f.target] <= col[f.source]:  # back edge: over the top
            return (sx + sw // 2, sy), UP, (tx + tw // 2, ty), DOWN
        if source.kind == "exclusiveGateway" and tcy != scy:
            return (
                (sx + sw // 2, sy if tcy < scy else sy + sh),
                UP if tcy < scy else DOWN,
                (tx, tcy),
                RIGHT,
            )
        if source.kind == "exclusiveGateway":
            # several branches to targets on the gateway's own row: the nearest leaves to the
            # right, the next over the top (when no branch goes up already), the rest underneath
            siblings = [g for g in self.flows if g.source == f.source]
            level = sorted(
                (
                    g
                    for g in siblings
                    if col[g.target] > col[f.source] and _mid(boxes[g.target]) == scy
                ),
                key=lambda g: (col[g.target], siblings.index(g)),
            )
            up_used = any(
                _mid(boxes[g.target]) < scy or col[g.target] <= col[f.source] for g in siblings
            )
            k = level.index(f)
            if k == 1 and not up_used:
                return (sx + sw // 2, sy), UP, (tx, tcy), RIGHT
            if k >= 1:
                return (sx + sw // 2, sy + sh), DOWN, (tx, tcy), RIGHT
        return (sx + sw, scy), RIGHT, (tx, tcy), RIGHT

    def _planned(
        self,
        f: Flow,
        port: tuple[Point, int, Point, int],
        boxes: dict[str, Box],
        labels: dict[str, Box],
    ) -> list[Point] | None:
        """The one- or two-bend path tools/bpmn_layout.py scored this flow by, if no shape or
        label is in its way."""
        (sx, sy), sdir, (tx, ty), tdir = port
        if sdir == RIGHT and tdir == RIGHT and sy == ty and tx > sx:
            points = [(sx, sy), (tx, ty)]
        elif sdir == RIGHT and tdir == RIGHT and tx - STUB > sx + STUB:
            points = [(sx, sy), (tx - STUB, sy), (tx - STUB, ty), (tx, ty)]
        elif (
            sdir in (UP, DOWN) and tdir == RIGHT and tx - STUB > sx and (ty > sy) == (sdir == DOWN)
        ):
            points = [(sx, sy), (sx, ty), (tx, ty)]
        elif sdir == UP and tdir == DOWN:
            over = min(sy, ty) - STUB
            points = [(sx, sy), (sx, over), (tx, over), (tx, ty)]
        else:
            return None
        own = {f.source, f.target, self.nodes[f.source].attached_to}
        blocks = [_grow(b, MARGIN // 2) for n, b in boxes.items() if n not in own]
        blocks += [b for n, b in labels.items() if n not in own]
        if any(_cuts(a, b, block) for a, b in pairwise(points) for block in blocks):
            return None
        return points

    def _node_labels(self, boxes: dict[str, Box], used: dict[str, set[int]]) -> dict[str, Box]:
        """Bounds of the external labels of events and gateways, clear of the flows' ports."""
        labels: dict[str, Box] = {}
        for n in self.nodes.values():
            if (
                n.kind not in ("startEvent", "endEvent", "exclusiveGateway", "boundaryEvent")
                or not n.name
            ):
                continue
            x, y, w, h = boxes[n.id]
            lw, lh = _label_size(n.name)
            cx = x + w // 2
            if n.kind == "boundaryEvent":
                timers = [t for t in self.nodes.values() if t.attached_to == n.attached_to]
                leftmost = min(timers, key=lambda t: boxes[t.id][0])
                if len(timers) > 1 and leftmost is n:
                    labels[n.id] = (cx - 6 - lw, y + h + 2, lw, lh)  # left of the downward flow
                else:
                    labels[n.id] = (cx + 6, y + h + 2, lw, lh)
            elif n.kind == "exclusiveGateway" and UP not in used[n.id]:
                labels[n.id] = (cx - lw // 2, y - lh - 4, lw, lh)
            elif n.kind == "exclusiveGateway" and DOWN not in used[n.id]:
                labels[n.id] = (cx - lw // 2, y + h + 4, lw, lh)
            elif n.kind == "exclusiveGateway":
                labels[n.id] = (x - lw - 2, y - lh + 8, lw, lh)
            else:
                labels[n.id] = (cx - lw // 2, y + h + 4, lw, lh)
        return labels

    def _diagram(
        self,
    ) -> tuple[dict[str, Box], dict[str, tuple[int, int]], dict[str, list[Point]], dict[str, Box]]:
        """Shapes, lanes, the routed waypoints of every flow and the bounds of every label."""
        boxes, lane_box = self.layout()
        col = self._placed.col if self._placed else self._columns()
        ports = {f.id: self._ports(f, boxes, col) for f in self.flows}
        used: dict[str, set[int]] = {n: set() for n in self.nodes}
        for f in self.flows:
            (_, sdir, _, tdir) = ports[f.id]
            used[f.source].add(sdir)
            used[f.target].add(OPPOSITE[tdir])
        labels = self._node_labels(boxes, used)
        right = max(x + w for x, _, w, _ in list(boxes.values()) + list(labels.values())) + 40
        height = sum(h for _, h in lane_box.values())
        obstacles = [_grow(b, MARGIN) for b in boxes.values()] + [
            _grow(b, 6) for b in labels.values()
        ]
        ends = {f.id: (f.source, f.target) for f in self.flows}
        grid = _Grid(
            obstacles, (LANE_X + 40, 6, right, height - 6), [(*ports[k], ends[k]) for k in ports]
        )
        routes: dict[str, list[Point]] = {}

        def rank(f: Flow) -> tuple[int, int]:
            kind = self.nodes[f.source].kind
            back = ports[f.id][1] == UP and ports[f.id][3] == DOWN
            return (2 if back else 1 if kind == "boundaryEvent" else 0, self.flows.index(f))

        for f in sorted(self.flows, key=rank):
            start, sdir, end, tdir = ports[f.id]
            owner = (f.source, f.target)
            searched = grid.route(start, sdir, end, tdir, owner, commit=False)
            planned = self._planned(f, ports[f.id], boxes, labels)
            # the straight path the placement was chosen for, unless the search does better
            if planned is not None and _crossed(planned, routes, ends, owner) <= _crossed(
                searched, routes, ends, owner
            ):
                routes[f.id] = planned
            else:
                routes[f.id] = searched
            grid.claim(routes[f.id], owner)
        taken = list(boxes.values()) + list(labels.values())
        segments = [(a, b) for pts in routes.values() for a, b in pairwise(pts)]
        for f in self.flows:
            if f.name:
                shared = any(
                    g.source == f.source and g is not f and ports[g.id][:2] == ports[f.id][:2]
                    for g in self.flows
                )
                labels[f.id] = _place_flow_label(f.name, routes[f.id], taken, segments, shared)
                taken.append(labels[f.id])
        return boxes, lane_box, routes, labels

    # -- XML ---------------------------------------------------------------------------------
    def to_xml(self) -> str:
        boxes, lane_box, routes, labels = self._diagram()
        right = [x + w for x, _, w, _ in list(boxes.values()) + list(labels.values())]
        right += [x for points in routes.values() for x, _ in points]
        width = max(right) + 40 - POOL_X
        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
            ' xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"'
            ' xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"'
            ' xmlns:di="http://www.omg.org/spec/DD/20100524/DI"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
            f' id="definitions_{self.id}" targetNamespace="https://suitiao.example/workflows"'
            ' exporter="suitiao tools/bpmn_builder.py" exporterVersion="1">',
            f'  <bpmn:collaboration id="collaboration_{self.id}">',
            f'    <bpmn:participant id="participant_{self.id}" name={quoteattr(self.name)}'
            f' processRef="{self.id}" />',
            "  </bpmn:collaboration>",
            f'  <bpmn:process id="{self.id}" name={quoteattr(self.name)} isExecutable="true">',
        ]
        if self.documentation:
            lines.append(
                f"    <bpmn:documentation>{escape(self.documentation)}</bpmn:documentation>"
            )
        lines.append(f'    <bpmn:laneSet id="lanes_{self.id}">')
        for lane in lane_box:
            lines.append(f'      <bpmn:lane id="lane_{lane}" name={quoteattr(LANE_LABELS[lane])}>')
            for n in self.nodes.values():
                if n.lane == lane:
                    lines.append(f"        <bpmn:flowNodeRef>{n.id}</bpmn:flowNodeRef>")
            lines.append("      </bpmn:lane>")
        lines.append("    </bpmn:laneSet>")
        incoming: dict[str, list[str]] = {n: [] for n in self.nodes}
        outgoing: dict[str, list[str]] = {n: [] for n in self.nodes}
        for f in self.flows:
            outgoing[f.source].append(f.id)
            incoming[f.target].append(f.id)
        for n in self.nodes.values():
            attrs = f'id="{n.id}" name={quoteattr(n.name)}'
            if n.kind == "boundaryEvent":
                attrs += f' attachedToRef="{n.attached_to}"'
                if not n.interrupting:
                    attrs += ' cancelActivity="false"'
            if n.kind == "callActivity":
                attrs += f' calledElement="{n.called}"'
            if n.kind == "scriptTask":
                attrs += ' scriptFormat="python"'
            if n.default:
                attrs += f' default="{n.default}"'
            lines.append(f"    <bpmn:{n.kind} {attrs}>")
            if n.documentation:
                lines.append(
                    f"      <bpmn:documentation>{escape(n.documentation)}</bpmn:documentation>"
                )
            lines.extend(f"      <bpmn:incoming>{i}</bpmn:incoming>" for i in incoming[n.id])
            lines.extend(f"      <bpmn:outgoing>{o}</bpmn:outgoing>" for o in outgoing[n.id])
            if n.kind == "boundaryEvent":
                lines.append(f'      <bpmn:timerEventDefinition id="{n.id}_def">')
                element = "timeCycle" if n.cycle else "timeDate"
                lines.append(
                    f'        <bpmn:{element} xsi:type="bpmn:tFormalExpression">'
                    f"{escape(n.timer)}</bpmn:{element}>"
                )
                lines.append("      </bpmn:timerEventDefinition>")
            if n.kind == "scriptTask":
                lines.append(f"      <bpmn:script>{escape(n.script)}</bpmn:script>")
            lines.append(f"    </bpmn:{n.kind}>")
        for f in self.flows:
            name = f" name={quoteattr(f.name)}" if f.name else ""
            if f.condition:
                lines.append(
                    f'    <bpmn:sequenceFlow id="{f.id}"{name} sourceRef="{f.source}"'
                    f' targetRef="{f.target}">'
                )
                lines.append(
                    f'      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
                    f"{escape(f.condition)}</bpmn:conditionExpression>"
                )
                lines.append("    </bpmn:sequenceFlow>")
            else:
                lines.append(
                    f'    <bpmn:sequenceFlow id="{f.id}"{name} sourceRef="{f.source}"'
                    f' targetRef="{f.target}" />'
                )
        lines.append("  </bpmn:process>")
        lines.append('  <bpmndi:BPMNDiagram id="diagram">')
        lines.append(f'    <bpmndi:BPMNPlane id="plane" bpmnElement="collaboration_{self.id}">')
        total = sum(h for _, h in lane_box.values())
        lines.append(
            f'      <bpmndi:BPMNShape id="participant_{self.id}_di"'
            f' bpmnElement="participant_{self.id}" isHorizontal="true">'
            f'<dc:Bounds x="{POOL_X}" y="0" width="{width}" height="{total}" /></bpmndi:BPMNShape>'
        )
        for lane, (y, h) in lane_box.items():
            lines.append(
                f'      <bpmndi:BPMNShape id="lane_{lane}_di" bpmnElement="lane_{lane}"'
                f' isHorizontal="true"><dc:Bounds x="{LANE_X}" y="{y}"'
                f' width="{width - (LANE_X - POOL_X)}" height="{h}" /></bpmndi:BPMNShape>'
            )
        for n in self.nodes.values():
            x, y, w, h = boxes[n.id]
            marker = ' isMarkerVisible="true"' if n.kind == "exclusiveGateway" else ""
            lines.append(
                f'      <bpmndi:BPMNShape id="{n.id}_di" bpmnElement="{n.id}"{marker}>'
                f'<dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" />{_label(labels.get(n.id))}'
                "</bpmndi:BPMNShape>"
            )
        for f in self.flows:
            lines.append(f'      <bpmndi:BPMNEdge id="{f.id}_di" bpmnElement="{f.id}">')
            lines.extend(f'        <di:waypoint x="{x}" y="{y}" />' for x, y in routes[f.id])
            if f.id in labels:
                lines.append(f"        {_label(labels[f.id])}")
            lines.append("      </bpmndi:BPMNEdge>")
        lines.append("    </bpmndi:BPMNPlane>")
        lines.append("  </bpmndi:BPMNDiagram>")
        lines.append("</bpmn:definitions>")
        return "\n".join(lines) + "\n"


Box = tuple[int, int, int, int]
Point = tuple[int, int]
RIGHT, DOWN, LEFT, UP = 0, 1, 2, 3
STEP = {RIGHT: (1, 0), DOWN: (0, 1), LEFT: (-1, 0), UP: (0, -1)}
OPPOSITE = {RIGHT: LEFT, LEFT: RIGHT, UP: DOWN, DOWN: UP}
MARGIN, STUB = 12, 20  # clearance kept around shapes; straight run out of a port
BEND, OVERLAP, CROSS, TOUCH = 40, 4, 400, 300  # routing costs: bend, shared run (per px), crossing,
# and passing through another flow's port or corner


def _label(box: Box | None) -> str:
    if box is None:
        return ""
    x, y, w, h = box
    bounds = f'<dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" />'
    return f"<bpmndi:BPMNLabel>{bounds}</bpmndi:BPMNLabel>"


def _mid(box: Box) -> int:
    return box[1] + box[3] // 2


def _grow(box: Box, by: int) -> Box:
    x, y, w, h = box
    return (x - by, y - by, w + 2 * by, h + 2 * by)


def _text_width(text: str) -> int:
    return sum(11 if ord(c) >= 0x2E80 else 6 for c in text)


def _label_size(text: str) -> tuple[int, int]:
    """bpmn-js wraps external labels (11px) at 90px; estimate the box it will draw."""
    width = _text_width(text)
    lines = -(-width // 88)
    return min(width, 90), 14 * lines


def _hits(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _place_flow_label(
    text: str, points: list[Point], taken: list[Box], segments: list, shared: bool
) -> Box:
    """Put a flow's name beside its first segment with room, clear of shapes and labels.

    A flow that leaves through the same port as a sibling shares its first segments with it, so
    its name goes beside its last segments instead, where it has parted from the sibling.
    """
    w, h = _label_size(text)
    candidates: list[Box] = []
    pairs = list(pairwise(points))
    if shared and pairs and pairs[-1][0][1] == pairs[-1][1][1]:
        # right-aligned to the arrow head, above or below the last run
        (ax, ay), (bx, by) = pairs[-1]
        x = max(min(ax, bx) + 3, bx - 8 - w) if bx > ax else bx + 8
        for box in ((x, ay - h - 2, w, h), (x, ay + 3, w, h)):
            if not any(_hits(box, t) for t in taken):
                return box
    for (ax, ay), (bx, by) in reversed(pairs) if shared else pairs:
        if shared:  # measure from the end of the segment
            (ax, ay), (bx, by) = (bx, by), (ax, ay)
        if ay == by and abs(bx - ax) >= w + 12:
            x = ax + 6 if bx > ax else ax - 6 - w
            candidates += [(x, ay - h - 2, w, h), (x, ay + 3, w, h)]
        elif ax == bx and abs(by - ay) >= h + 12:
            y = ay + 6 if by > ay else ay - 6 - h
            candidates += [(ax + 5, y, w, h), (ax - 5 - w, y, w, h)]
    if not candidates:
        (ax, ay), (bx, by) = points[0], points[1]
        candidates.append(((ax + bx) // 2 - w // 2, (ay + by) // 2 - h - 2, w, h))

    def crosses(box: Box) -> bool:
        x, y, bw, bh = box
        for (ax, ay), (bx, by) in segments:
            if ay == by and y < ay < y + bh and min(ax, bx) < x + bw and x < max(ax, bx):
                return True
            if ax == bx and x < ax < x + bw and min(ay, by) < y + bh and y < max(ay, by):
                return True
        return False

    clear = [c for c in candidates if not any(_hits(c, t) for t in taken)]
    return next((c for c in clear if not crosses(c)), clear[0] if clear else candidates[0])


class _Grid:
    """Orthogonal router: A* over the lines through shape borders and the gaps between them."""

    def __init__(self, obstacles: list[Box], area: Box, ports) -> None:
        self.obstacles = obstacles
        x0, y0, x1, y1 = area
        xs = {x0, x1}
        ys = {y0, y1}
        for x, y, w, h in obstacles:
            xs.update((x, x + w))
            ys.update((y, y + h))
        stubs: list[tuple[Point, tuple[str, str]]] = []
        for (sx, sy), sdir, (tx, ty), tdir, owner in ports:
            for (px, py), d, sign in (((sx, sy), sdir, 1), ((tx, ty), tdir, -1)):
                dx, dy = STEP[d]
                xs.update((px, px + sign * dx * STUB))
                ys.update((py, py + sign * dy * STUB))
                stubs.append(((px + sign * dx * STUB, py + sign * dy * STUB), owner))
        self.xs = self._refine(sorted(v for v in xs if x0 <= v <= x1))
        self.ys = self._refine(sorted(v for v in ys if y0 <= v <= y1))
        self.ix = {v: i for i, v in enumerate(self.xs)}
        self.iy = {v: i for i, v in enumerate(self.ys)}
        self.free = {
            (i, j)
            for i, x in enumerate(self.xs)
            for j, y in enumerate(self.ys)
            if not self._inside(x * 2, y * 2)
        }
        self.links: dict[tuple[tuple[int, int], tuple[int, int]], bool] = {}
        self.usage: dict[tuple[tuple[int, int], tuple[int, int]], list[tuple[str, str]]] = {}
        self.through: dict[tuple[int, int], list[tuple[int, tuple[str, str]]]] = {}
        # the points just outside every port, and the corners of routed flows: a flow that
        # touched them would look as if it joined another flow there
        self.reserved: dict[tuple[int, int], list[tuple[str, str]]] = {}
        for (x, y), owner in stubs:
            self.reserved.setdefault((self.ix[x], self.iy[y]), []).append(owner)

    @staticmethod
    def _refine(values: list[int]) -> list[int]:
        """Add channels inside wide gaps so parallel flows need not share a line."""
        out = list(values)
        for a, b in pairwise(values):
            if b - a >= 24:
                out.append((a + b) // 2)
            if b - a >= 60:
                out += [a + (b - a) // 4, a + 3 * (b - a) // 4]
        return sorted(set(out))

    def _inside(self, x2: int, y2: int) -> bool:
        """Strictly inside an obstacle; coordinates doubled so midpoints stay integral."""
        return any(
            2 * x < x2 < 2 * (x + w) and 2 * y < y2 < 2 * (y + h) for x, y, w, h in self.obstacles
        )

    def _link_ok(self, a: tuple[int, int], b: tuple[int, int]) -> bool:
        key = (a, b) if a < b else (b, a)
        if key not in self.links:
            mid = (self.xs[a[0]] + self.xs[b[0]], self.ys[a[1]] + self.ys[b[1]])
            self.links[key] = not self._inside(*mid)
        return self.links[key]

    def route(
        self,
        start: Point,
        sdir: int,
        end: Point,
        tdir: int,
        owner: tuple[str, str],
        commit: bool = True,
    ) -> list[Point]:
        import heapq

        def stub(p: Point, d: int, sign: int) -> tuple[int, int]:
            dx, dy = STEP[d]
            return self.ix[p[0] + sign * dx * STUB], self.iy[p[1] + sign * dy * STUB]

        src, dst = stub(start, sdir, 1), stub(end, tdir, -1)

        def friend(other: tuple[str, str]) -> bool:
            return other[0] == owner[0] or other[1] == owner[1]

        def h(node: tuple[int, int]) -> int:
            return abs(self.xs[node[0]] - self.xs[dst[0]]) + abs(self.ys[node[1]] - self.ys[dst[1]])

        best: dict[tuple[tuple[int, int], int], int] = {(src, sdir): 0}
        prev: dict[tuple[tuple[int, int], int], tuple[tuple[int, int], int]] = {}
        heap: list = [(h(src), 0, 0, src, sdir)]
        tick = 0
        found = None
        while heap:
            _, g, _, node, d = heapq.heappop(heap)
            if node is None:
                found = d
                break
            if g > best.get((node, d), 1 << 60):
                continue
            if node == dst:
                extra = 0 if d == tdir else BEND if d != OPPOSITE[tdir] else 3 * BEND
                tick += 1
                heapq.heappush(heap, (g + extra, g + extra, tick, None, (node, d)))
            for nd, (dx, dy) in STEP.items():
                if nd == OPPOSITE[d]:
                    continue
                nxt = (node[0] + dx, node[1] + dy)
                if not (0 <= nxt[0] < len(self.xs) and 0 <= nxt[1] < len(self.ys)):
                    continue
                if nxt not in self.free and nxt != dst:
                    continue
                if not self._link_ok(node, nxt):
                    continue
                length = abs(self.xs[nxt[0]] - self.xs[node[0]]) + abs(
                    self.ys[nxt[1]] - self.ys[node[1]]
                )
                cost = g + length + (BEND if nd != d else 0)
                key = (node, nxt) if node < nxt else (nxt, node)
                if any(not friend(o) for o in self.usage.get(key, [])):
                    cost += OVERLAP * length + TOUCH // 2
                axis = nd % 2
                if any(a != axis and not friend(o) for a, o in self.through.get(nxt, [])):
                    cost += CROSS
                if nxt != dst and any(not friend(o) for o in self.reserved.get(nxt, [])):
                    cost += TOUCH
                if cost < best.get((nxt, nd), 1 << 60):
                    best[(nxt, nd)] = cost
                    prev[(nxt, nd)] = (node, d)
                    tick += 1
                    heapq.heappush(heap, (cost + h(nxt), cost, tick, nxt, nd))
        path: list[tuple[int, int]] = []
        state = found
        while state is not None:
            path.append(state[0])
            state = prev.get(state)
        path.reverse()
        points = _simplify([start] + [(self.xs[i], self.ys[j]) for i, j in path] + [end])
        if commit:
            self.claim(points, owner)
        return points

    def claim(self, points: list[Point], owner: tuple[str, str]) -> None:
        """Mark a routed path on the grid, so the flows routed after it keep clear of it."""
        for (x1, y1), (x2, y2) in pairwise(points):
            if x1 == x2 and x1 in self.ix:
                cells = [
                    (self.ix[x1], j)
                    for j, y in enumerate(self.ys)
                    if min(y1, y2) <= y <= max(y1, y2)
                ]
                axis = 1
            elif y1 == y2 and y1 in self.iy:
                cells = [
                    (i, self.iy[y1])
                    for i, x in enumerate(self.xs)
                    if min(x1, x2) <= x <= max(x1, x2)
                ]
                axis = 0
            else:
                continue
            for a, b in pairwise(cells):
                self.usage.setdefault((a, b) if a < b else (b, a), []).append(owner)
            for cell in cells:
                self.through.setdefault(cell, []).append((axis, owner))
        for x, y in points[1:-1]:
            if x in self.ix and y in self.iy:
                self.reserved.setdefault((self.ix[x], self.iy[y]), []).append(owner)


def _cuts(a: Point, b: Point, box: Box) -> bool:
    """Whether an axis-parallel segment enters the inside of a box."""
    x, y, w, h = box
    if a[0] == b[0]:
        return x < a[0] < x + w and min(a[1], b[1]) < y + h and max(a[1], b[1]) > y
    return y < a[1] < y + h and min(a[0], b[0]) < x + w and max(a[0], b[0]) > x


def _crossed(
    points: list[Point],
    routes: dict[str, list[Point]],
    ends: dict[str, tuple[str, str]],
    owner: tuple[str, str],
) -> int:
    """Crossings (and shared stretches, which the reader cannot tell apart) of a path with
    the flows routed so far, other than those it forks from or joins."""
    count = 0
    for other, route in routes.items():
        source, target = ends[other]
        if source == owner[0] or target == owner[1]:
            continue
        for a, b in pairwise(points):
            for c, d in pairwise(route):
                count += _meets(a, b, c, d)
    return count


def _meets(a: Point, b: Point, c: Point, d: Point) -> int:
    if (a[0] == b[0]) != (c[0] == d[0]):  # one across, one down
        (h1, h2), (v1, v2) = ((a, b), (c, d)) if a[1] == b[1] else ((c, d), (a, b))
        x, y = v1[0], h1[1]
        return int(
            min(h1[0], h2[0]) < x < max(h1[0], h2[0]) and min(v1[1], v2[1]) < y < max(v1[1], v2[1])
        )
    same_line = (a[0] == b[0] == c[0] == d[0]) or (a[1] == b[1] == c[1] == d[1])
    if not same_line:
        return 0
    k = 1 if a[0] == b[0] else 0
    shared = min(max(a[k], b[k]), max(c[k], d[k])) > max(min(a[k], b[k]), min(c[k], d[k]))
    return 3 if shared else 0  # two flows on one line read as one: worse than a crossing


def _simplify(points: list[Point]) -> list[Point]:
    out: list[Point] = []
    for p in points:
        if out and out[-1] == p:
            continue
        if len(out) >= 2 and (out[-2][0] == out[-1][0] == p[0] or out[-2][1] == out[-1][1] == p[1]):
            out[-1] = p
        else:
            out.append(p)
    return out
