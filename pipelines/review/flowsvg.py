"""The flowchart of one SOP, laid out from its JSON for an SVG drawing.

Drawn the way the paper draws it: one swimlane (column) per role, one row
per step, the step's symbol in its actors' columns, an arrow for every
`next`, and Ya/Tidak on a decision's branches. Only geometry is computed
here; the template draws it, so every text goes through Jinja's escaping.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LANE_W = 130
HEAD_H = 56
ROW_H = 64
NODE_W = 86
NODE_H = 34
MARGIN = 16
UNASSIGNED = "(tanpa pelaksana)"


@dataclass
class Node:
    no: int
    kind: str  # terminator | process | decision | connector | unknown
    x: float  # centre
    y: float
    w: float
    h: float
    label: str
    low: bool  # confidence under the threshold

    @property
    def points(self) -> str:  # the decision's diamond
        x, y, w, h = self.x, self.y, self.w / 2, self.h / 2 + 4
        return f"{x},{y - h} {x + w},{y} {x},{y + h} {x - w},{y}"


@dataclass
class Edge:
    path: str  # SVG path data
    label: str | None
    lx: float = 0
    ly: float = 0


@dataclass
class Flow:
    width: float
    height: float
    lanes: list[tuple[float, str]] = field(default_factory=list)  # (x of left edge, name)
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    lane_w: float = LANE_W
    head_h: float = HEAD_H


def layout(sop: dict, threshold: float) -> Flow:
    roles = list(sop.get("roles") or [])
    steps = sop.get("steps") or []
    if any(not (set(s.get("actors") or []) & set(roles)) for s in steps):
        roles.append(UNASSIGNED)
    lane_of = {r: i for i, r in enumerate(roles)}
    flow = Flow(width=MARGIN * 2 + LANE_W * max(1, len(roles)),
                height=HEAD_H + ROW_H * len(steps) + MARGIN)
    flow.lanes = [(MARGIN + i * LANE_W, r) for i, r in enumerate(roles)]
    at: dict[int, Node] = {}
    for row, s in enumerate(steps):
        lanes = sorted(lane_of[a] for a in s.get("actors") or [] if a in lane_of) \
            or [lane_of[UNASSIGNED]]
        left = MARGIN + lanes[0] * LANE_W + LANE_W / 2
        right = MARGIN + lanes[-1] * LANE_W + LANE_W / 2
        kind = s.get("symbol") or "unknown"
        w = NODE_H if kind == "connector" else NODE_W + (right - left)
        node = Node(no=s["no"], kind=kind, x=(left + right) / 2,
                    y=HEAD_H + row * ROW_H + ROW_H / 2, w=w, h=NODE_H,
                    label=str(s["no"]), low=float(s.get("confidence", 1.0)) < threshold)
        flow.nodes.append(node)
        at[s["no"]] = node
    for s in steps:
        src = at[s["no"]]
        labels = {}
        if s.get("branches"):
            labels = {s["branches"]["yes"]: "Ya", s["branches"]["no"]: "Tidak"}
        for t in s.get("next") or []:
            if t in at:
                flow.edges.append(_edge(src, at[t], labels.get(t)))
    return flow


def _edge(a: Node, b: Node, label: str | None) -> Edge:
    """An orthogonal arrow: down and across to a later step; out to the
    side and back up to an earlier one (a loop back after a decision)."""
    half_a = a.h / 2 + (4 if a.kind == "decision" else 0)
    half_b = b.h / 2 + (4 if b.kind == "decision" else 0)
    if b.y > a.y:
        y0, y1 = a.y + half_a, b.y - half_b
        if abs(a.x - b.x) < 1:
            return Edge(f"M{a.x},{y0} V{y1}", label, a.x + 4, y0 + 12)
        if a.kind == "decision":  # leave a diamond from its side corner
            sx = a.x + (a.w / 2 if b.x > a.x else -a.w / 2)
            return Edge(f"M{sx},{a.y} H{b.x} V{y1}", label, (sx + b.x) / 2 - 8, a.y - 4)
        mid = b.y - half_b - ROW_H / 4
        return Edge(f"M{a.x},{y0} V{mid} H{b.x} V{y1}", label, a.x + 4, y0 + 12)
    # back (or to itself): right of both, up, and in from the right
    x_out = max(a.x + a.w / 2, b.x + b.w / 2) + 14
    return Edge(f"M{a.x + a.w / 2},{a.y} H{x_out} V{b.y} H{b.x + b.w / 2}", label,
                a.x + a.w / 2 + 2, a.y - 4)
