"""Where each node of a process goes: the order of the lanes and the row of every node in its lane.

tools/bpmn_builder.py gives every node a column (longest path from the start) and a first guess
of its row; routing the flows (an A* search per flow) is too slow to try many placements, so this
module scores a placement by drawing every flow as the orthogonal path the router will mostly
take (out of the port, one bend or two, into the target) and counting the crossings of those
paths and the shapes they would have to go around. It then searches: every order of the lanes,
then each node moved to each row of its lane, keeping any move that lowers the score, until no
move does. The router draws the real paths afterwards, around shapes and with crossings costly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise, permutations

Point = tuple[float, float]
Segment = tuple[Point, Point]
# the builder's grid, repeated here so this module needs nothing from it
COLUMN, ROW = 190, 140
SIZES = {
    "startEvent": (36, 36),
    "endEvent": (36, 36),
    "userTask": (120, 80),
    "scriptTask": (120, 80),
    "callActivity": (120, 80),
    "exclusiveGateway": (50, 50),
    "boundaryEvent": (36, 36),
}
# A crossing costs far more than a shape in the way (the router goes round shapes) and both far
# more than a taller diagram.
CROSSING, DETOUR, ROW_USED = 100, 150, 1


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    lane: str
    attached_to: str = ""


@dataclass(frozen=True)
class Link:
    source: str
    target: str


@dataclass
class Placement:
    lanes: list[str]
    slot: dict[str, int]  # row inside the lane, per node that is not a boundary event
    col: dict[str, int]  # column, every node (a boundary event takes its activity's)


def timer_order(
    items: Mapping[str, Item], links: Sequence[Link], y: Callable[[str], float]
) -> dict[str, list[str]]:
    """The boundary timers of each activity, left to right, the one whose flow goes lowest
    first: each then drops past the others' turns instead of through them."""
    target = {link.source: link.target for link in links}
    attached: dict[str, list[str]] = {}
    for item in items.values():
        if item.kind == "boundaryEvent":
            attached.setdefault(item.attached_to, []).append(item.id)
    return {
        host: sorted(timers, key=lambda t: -y(target[t]) if t in target else 0.0)
        for host, timers in attached.items()
    }


class Scorer:
    def __init__(self, items: Mapping[str, Item], links: Sequence[Link]):
        self.items = items
        self.links = list(links)
        self.col: Mapping[str, int] = {}
        self.pairs = [
            (i, j)
            for i, j in combinations(range(len(self.links)), 2)
            if self.links[i].source != self.links[j].source
            and self.links[i].target != self.links[j].target
        ]

    def centres(self, place: Placement) -> dict[str, Point]:
        self.col = place.col
        rows = dict.fromkeys(place.lanes, 1)
        for node, row in place.slot.items():
            lane = self.items[node].lane
            rows[lane] = max(rows[lane], row + 1)
        top, y = {}, 0
        for lane in place.lanes:
            top[lane] = y
            y += rows[lane] * ROW
        out = {
            node: (
                self.col[node] * COLUMN + COLUMN / 2,
                top[self.items[node].lane] + row * ROW + 70,
            )
            for node, row in place.slot.items()
        }
        order = timer_order(self.items, self.links, lambda n: out[n][1] if n in out else 0.0)
        for host, timers in order.items():
            hx, hy = out[host]
            w, h = SIZES[self.items[host].kind]
            for k, timer in enumerate(timers):
                out[timer] = (hx - w / 2 + w * (k + 1) / (len(timers) + 1), hy + h / 2)
        return out

    def path(self, link: Link, at: Mapping[str, Point]) -> list[Point]:
        (sx, sy), (tx, ty) = at[link.source], at[link.target]
        source = self.items[link.source]
        sw, sh = SIZES[source.kind]
        tw, th = SIZES[self.items[link.target].kind]
        if source.kind == "boundaryEvent":
            return [(sx, sy + sh / 2), (sx, ty), (tx - tw / 2, ty)]
        if self.col[link.target] <= self.col[link.source]:  # back edge, over the top
            over = min(sy - sh / 2, ty - th / 2) - 30
            return [(sx, sy - sh / 2), (sx, over), (tx, over), (tx, ty - th / 2)]
        if sy == ty:
            return [(sx + sw / 2, sy), (tx - tw / 2, ty)]
        if source.kind == "exclusiveGateway":
            return [(sx, sy + (sh / 2 if ty > sy else -sh / 2)), (sx, ty), (tx - tw / 2, ty)]
        bend = tx - tw / 2 - 20
        return [(sx + sw / 2, sy), (bend, sy), (bend, ty), (tx - tw / 2, ty)]

    def score(self, place: Placement) -> float:
        at = self.centres(place)
        paths = [self.path(link, at) for link in self.links]
        split = [_axes(path) for path in paths]
        box = [
            (min(x for x, _ in p), min(y for _, y in p), max(x for x, _ in p), max(y for _, y in p))
            for p in paths
        ]
        crossings = 0.0
        for i, j in self.pairs:
            a, b = box[i], box[j]
            if a[0] > b[2] or b[0] > a[2] or a[1] > b[3] or b[1] > a[3]:
                continue
            (ha, va), (hb, vb) = split[i], split[j]
            crossings += _count(ha, vb) + _count(hb, va)
            crossings += (_shared(ha, hb) + _shared(va, vb)) / 2
        shapes = [
            (
                node,
                x - SIZES[self.items[node].kind][0] / 2,
                y - SIZES[self.items[node].kind][1] / 2,
                x + SIZES[self.items[node].kind][0] / 2,
                y + SIZES[self.items[node].kind][1] / 2,
            )
            for node, (x, y) in at.items()
            if self.items[node].kind != "boundaryEvent"
        ]
        detours = 0
        for link, (hs, vs) in zip(self.links, split, strict=True):
            own = {link.source, link.target, self.items[link.source].attached_to}
            for node, left, top, right, bottom in shapes:
                if node in own:
                    continue
                detours += any(
                    top < y < bottom and x1 < right and x2 > left for y, x1, x2 in hs
                ) or any(left < x < right and y1 < bottom and y2 > top for x, y1, y2 in vs)
        height = max((y for _, y in at.values()), default=0) / ROW
        return CROSSING * crossings + DETOUR * detours + ROW_USED * height


Run = tuple[float, float, float]  # the fixed coordinate, then the low and high ends


def _axes(points: list[Point]) -> tuple[list[Run], list[Run]]:
    """A path's horizontal runs (y, x1, x2) and vertical runs (x, y1, y2)."""
    across: list[Run] = []
    down: list[Run] = []
    for (x1, y1), (x2, y2) in pairwise(points):
        if y1 == y2:
            across.append((y1, min(x1, x2), max(x1, x2)))
        elif x1 == x2:
            down.append((x1, min(y1, y2), max(y1, y2)))
    return across, down


def _count(across: list[Run], down: list[Run]) -> int:
    return sum(1 for y, x1, x2 in across for x, y1, y2 in down if x1 < x < x2 and y1 < y < y2)


def _shared(a: list[Run], b: list[Run]) -> int:
    return sum(1 for c, l1, h1 in a for d, l2, h2 in b if c == d and min(h1, h2) > max(l1, l2))


def _spans(scorer: Scorer, place: Placement, node: str) -> range:
    """The columns a node may take: after everything that flows into it, before everything it
    flows into (back edges aside), a column or two further right than the last at most."""
    col = place.col
    timer_of = {i.id: i.attached_to for i in scorer.items.values() if i.attached_to}
    low, high = 0, max(col.values()) + 2
    for link in scorer.links:
        source = timer_of.get(link.source, link.source)
        if link.target == node and col[source] < col[node]:
            low = max(low, col[source] + 1)
        if source == node and col[link.target] > col[node]:
            high = min(high, col[link.target] - 1)
    return range(low, high + 1)


def _move_column(place: Placement, node: str, column: int, items: Mapping[str, Item]) -> Placement:
    col = {**place.col, node: column}
    for item in items.values():
        if item.attached_to == node:
            col[item.id] = column
    return Placement(place.lanes, place.slot, col)


def improve(scorer: Scorer, start: Placement, fixed_last: str = "system") -> Placement:
    """Best lane order for the first guess of rows, then single-node moves (row, then column),
    until stable."""
    best = Placement(list(start.lanes), dict(start.slot), dict(start.col))
    best_score = scorer.score(best)
    for _ in range(2):
        improved = False
        for order in permutations(best.lanes):
            if len(order) > 1 and fixed_last in order and order[-1] != fixed_last:
                continue  # the deadline handlers' lane stays last, where a reader looks for it
            trial = Placement(list(order), best.slot, best.col)
            value = scorer.score(trial)
            if value < best_score:
                best, best_score, improved = trial, value, True
        for node in sorted(best.slot):
            lane = scorer.items[node].lane
            top = max(r for n, r in best.slot.items() if scorer.items[n].lane == lane)
            for column in _spans(scorer, best, node):
                moved = _move_column(best, node, column, scorer.items)
                taken = {
                    row
                    for other, row in best.slot.items()
                    if other != node
                    and scorer.items[other].lane == lane
                    and moved.col[other] == column
                }
                for row in range(top + 2):
                    if row in taken or (row == best.slot[node] and column == best.col[node]):
                        continue
                    trial = Placement(best.lanes, {**best.slot, node: row}, moved.col)
                    value = scorer.score(trial)
                    if value < best_score:
                        best, best_score, improved = trial, value, True
        if not improved:
            break
    return best
