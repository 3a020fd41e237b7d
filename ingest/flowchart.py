"""Flowchart: symbol outlines and arrow strokes -> a graph of symbols.

A chain of small pure functions over the page model, the same for both
routes (vector outlines from a text layer, contours from pixels):

    shapes -> classify (terminator / process / decision / connector / arrowhead)
    segments -> split into flowchart strokes and everything else (the rules)
    strokes -> connected components -> arrows (source symbol -> target symbol)
    words near a decision's exits -> yes / no labels

The result, a `FlowGraph` per page, knows nothing about steps or roles; the
assemble stage places symbols in the procedure table's rows and columns.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

from .primitives import BBox, PageContent, Point, Segment, Shape, Word


@dataclass(frozen=True)
class FlowSettings:
    """Tolerances in PDF points; multiplied by the page's scale."""

    join: float = 3.0  # stroke ends this close are joined (a bend: blurred in a
    # photo, it leaves both strokes running ~2.5 pt past the corner)
    tee: float = 3.0  # a stroke end this close to another stroke's middle joins it
    # (a T where arrows merge), unless the end is on a symbol: a line leaving
    # a box beside another arrow's line does not merge into it
    touch: float = 3.5  # a stroke end this close to a symbol outline touches it
    min_symbol: float = 6.0  # smaller closed shapes are not symbols
    max_symbol_fraction: float = 0.3  # of the page width: bigger is a frame
    max_head: float = 14.0  # arrowheads are at most this big
    label_reach: float = 28.0  # a Ya/Tidak label sits this close to its exit
    collinear_deg: float = 12.0  # turns flatter than this are not vertices


SYMBOLS = ("terminator", "process", "decision", "connector")

# Decision exit labels (domain notes: Ya/Tidak, Lengkap/Tidak, Benar/Salah,
# Setuju/Tidak, bare Y/T). "Tidak Lengkap" reads as no because "tidak" wins.
YES_WORDS = {"ya", "y", "yes", "lengkap", "benar", "setuju", "sesuai", "valid", "ok",
             "disetujui", "diterima", "sah"}
NO_WORDS = {"tidak", "t", "tdk", "no", "salah", "belum", "ditolak", "kurang", "tolak",
            "tidak lengkap", "tidak setuju", "tidak sesuai", "tidak valid"}


@dataclass(frozen=True)
class Symbol:
    kind: str  # one of SYMBOLS
    box: BBox
    label: str = ""  # text inside (connectors carry a letter or number)


@dataclass(frozen=True)
class Arrow:
    source: int  # index into FlowGraph.symbols
    target: int
    start: Point  # where the stroke leaves the source (labels sit here)
    label: str | None = None  # "yes" / "no" for a decision's exit


@dataclass
class FlowGraph:
    symbols: list[Symbol] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    joins: list[tuple[int, int]] = field(default_factory=list)  # lines without heads
    label_words: set[int] = field(default_factory=set)  # ids of words used as labels


# -- shapes -----------------------------------------------------------------

def simplify(points: Sequence[Point], collinear_deg: float) -> list[Point]:
    """Drop vertices where the outline runs straight on (or doubles back a hair)."""
    pts = list(points)
    changed = True
    while changed and len(pts) > 3:
        changed = False
        for i in range(len(pts)):
            a, b, c = pts[i - 1], pts[i], pts[(i + 1) % len(pts)]
            if _turn_deg(a, b, c) < collinear_deg or _dist(a, b) < 1e-6:
                del pts[i]
                changed = True
                break
    return pts


def _turn_deg(a: Point, b: Point, c: Point) -> float:
    v1 = (b[0] - a[0], b[1] - a[1])
    v2 = (c[0] - b[0], c[1] - b[1])
    n1, n2 = math.hypot(*v1), math.hypot(*v2)
    if n1 == 0 or n2 == 0:
        return 0.0
    cos = max(-1.0, min(1.0, (v1[0] * v2[0] + v1[1] * v2[1]) / (n1 * n2)))
    return math.degrees(math.acos(cos))


def _dist(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def polygon_area(points: Sequence[Point]) -> float:
    n = len(points)
    return abs(sum(points[i][0] * points[(i + 1) % n][1] - points[(i + 1) % n][0] * points[i][1]
                   for i in range(n))) / 2


def _near_midpoints(points: Sequence[Point], box: BBox) -> bool:
    """Every vertex sits at the middle of a side of the box: a diamond."""
    tol = 0.2 * max(box.width, box.height)
    mids = [(box.cx, box.top), (box.x1, box.cy), (box.cx, box.bottom), (box.x0, box.cy)]
    return all(min(_dist(p, m) for m in mids) <= tol for p in points)


def classify_shape(shape: Shape, scale: float = 1.0,
                   settings: FlowSettings = FlowSettings()) -> str | None:
    """Name a closed outline: a flowchart symbol, "arrowhead", or None."""
    box = shape.box
    big = max(box.width, box.height)
    if len(shape.points) == 3 or (shape.filled and big <= settings.max_head * scale):
        pts = simplify(shape.points, settings.collinear_deg)
        if len(pts) == 3 and big <= settings.max_head * scale:
            return "arrowhead"
    if min(box.width, box.height) < settings.min_symbol * scale * 0.5 or big < settings.min_symbol * scale:
        return None
    aspect = box.width / box.height if box.height else math.inf
    if shape.curved:
        # Round outlines: a circle is an on-page connector, anything longer a
        # capsule / rounded box, the terminator.
        return "connector" if 0.75 <= aspect <= 1.33 else "terminator"
    pts = simplify(shape.points, settings.collinear_deg)
    fill = polygon_area(pts) / (box.width * box.height) if box.width and box.height else 0
    n = len(pts)
    if n == 4:
        # A rectangle; from pixels, one side may be fitted a few degrees off
        # where an arrowhead or a line joins it (fill 0.88 at 200 dpi), but
        # its corners stay near right angles (a diamond's are 50-130).
        if fill > 0.9 or (fill > 0.8 and _right_angled(pts, 10.0)):
            return "process"
        if _near_midpoints(pts, box) and 0.35 < fill < 0.65:
            return "decision"
        return None
    if n == 5 and 0.6 < fill < 0.92:
        return "connector"  # the off-page pentagon
    if n == 5:
        # A four-cornered outline with one corner fitted as two close ones,
        # where a line joins it at the corner (a decision's entry, from pixels)
        four = _merge_shortest_side(pts, 0.35 * min(box.width, box.height))
        if four is not None:
            fill4 = polygon_area(four) / (box.width * box.height)
            if _near_midpoints(four, box) and 0.35 < fill4 < 0.65:
                return "decision"
    if n >= 6:
        # Polygonal approximations of round outlines (contours from pixels).
        if fill > 0.8 and aspect > 1.33:
            return "terminator"
        if 0.7 < fill < 0.85 and 0.75 <= aspect <= 1.33:
            return "connector"
    return None


def _merge_shortest_side(pts: Sequence[Point], limit: float) -> list[Point] | None:
    """The polygon with its shortest side, if shorter than `limit`, drawn
    together into one corner at its middle; None when no side is that short."""
    n = len(pts)
    i = min(range(n), key=lambda k: math.dist(pts[k], pts[(k + 1) % n]))
    if math.dist(pts[i], pts[(i + 1) % n]) >= limit:
        return None
    (ax, ay), (bx, by) = pts[i], pts[(i + 1) % n]
    merged = [p for k, p in enumerate(pts) if k not in (i, (i + 1) % n)]
    merged.insert(i if i + 1 < n else 0, ((ax + bx) / 2, (ay + by) / 2))
    return merged


def _right_angled(pts: Sequence[Point], tol_deg: float) -> bool:
    """Every corner of the polygon within `tol_deg` of 90 degrees (the turn
    there is 90 degrees too; a side of no length turns by 0)."""
    n = len(pts)
    return all(abs(_turn_deg(pts[i - 1], pts[i], pts[(i + 1) % n]) - 90.0) <= tol_deg
               for i in range(n))


def find_symbols(page: PageContent, settings: FlowSettings = FlowSettings()
                 ) -> tuple[list[Symbol], list[Shape]]:
    """Flowchart symbols (with their inner text) and arrowheads on a page."""
    symbols: list[Symbol] = []
    heads: list[Shape] = []
    max_w = settings.max_symbol_fraction * page.width
    for shape in page.shapes:
        kind = classify_shape(shape, page.scale, settings)
        if kind == "arrowhead":
            heads.append(shape)
        elif kind in SYMBOLS and shape.box.width <= max_w:
            label = " ".join(w.text for w in page.words
                             if shape.box.contains(w.box.cx, w.box.cy))
            symbols.append(Symbol(kind, shape.box, label))
    return _drop_nested(symbols), heads


def _drop_nested(symbols: list[Symbol]) -> list[Symbol]:
    """A symbol drawn twice (outline + fill) or inside another counts once."""
    out: list[Symbol] = []
    for s in sorted(symbols, key=lambda s: -s.box.width * s.box.height):
        if any(o.box.contains(s.box.cx, s.box.cy) and o.box.width >= s.box.width * 0.9
               for o in out):
            continue
        out.append(s)
    return sorted(out, key=lambda s: (s.box.top, s.box.x0))


# -- strokes ----------------------------------------------------------------

def _on_outline(p: Point, box: BBox, tol: float) -> bool:
    """The point lies on or near the box's outline (not deep inside it)."""
    if box.distance_to(*p) > tol:
        return False
    inner = BBox(box.x0 + box.width * 0.25, box.top + box.height * 0.25,
                 box.x1 - box.width * 0.25, box.bottom - box.height * 0.25)
    return not inner.contains(*p)


def _point_on_segment(p: Point, s: Segment, tol: float) -> bool:
    return _seg_dist(p, s) <= tol


def _ends_meet(a: Segment, b: Segment, tol: float) -> bool:
    return any(_dist(p, q) <= tol for p in a.ends for q in b.ends)


def split_segments(segments: Sequence[Segment], symbols: Sequence[Symbol],
                   heads: Sequence[Shape], scale: float = 1.0,
                   settings: FlowSettings = FlowSettings()
                   ) -> tuple[list[Segment], list[Segment]]:
    """(flowchart strokes, the rest) of a page's segments.

    A stroke belongs to the flowchart when it touches a symbol's outline or an
    arrowhead, or meets such a stroke end to end (a bend). Crossings do not
    count, so an arrow passing over a table rule never pulls the rule in, and
    rules (which meet each other but never a symbol) stay rules.
    """
    join, touch = settings.join * scale, settings.touch * scale
    anchors = [s.box for s in symbols] + [h.box for h in heads]
    flow = [any(_on_outline(p, b, touch) for p in seg.ends for b in anchors)
            for seg in segments]
    frontier = [i for i, f in enumerate(flow) if f]
    while frontier:
        i = frontier.pop()
        for j, seg in enumerate(segments):
            if not flow[j] and _ends_meet(segments[i], seg, join):
                flow[j] = True
                frontier.append(j)
    return ([s for s, f in zip(segments, flow) if f],
            [s for s, f in zip(segments, flow) if not f])


def _components(strokes: Sequence[Segment], join: float, tee: float,
                anchored: Callable[[Point], bool] = lambda p: False) -> list[list[int]]:
    """Strokes connected end to end or end on stroke (a T where arrows merge)."""
    parent = list(range(len(strokes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(strokes):
        for j in range(i + 1, len(strokes)):
            b = strokes[j]
            if (_ends_meet(a, b, join)
                    or any(not anchored(p) and _point_on_segment(p, b, tee) for p in a.ends)
                    or any(not anchored(p) and _point_on_segment(p, a, tee) for p in b.ends)):
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(strokes)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _meets(p: Point, s: Segment, join: float, tee: float) -> bool:
    return any(_dist(p, q) <= join for q in s.ends) or _seg_dist(p, s) <= tee


def _free_ends(strokes: Sequence[Segment], idx: list[int], join: float,
               tee: float) -> list[tuple[Point, int]]:
    """Stroke ends that meet no other stroke of the component: (point, stroke)."""
    ends = []
    for i in idx:
        p_end, q_end = strokes[i].ends
        for p, q in ((p_end, q_end), (q_end, p_end)):
            # p meets stroke j only if it is nearer to j than the piece's other
            # end q is: the stub between a bend and an arrowhead can be shorter
            # than the join tolerance, and its tip must still count as free.
            if not any(j != i and _meets(p, strokes[j], join, tee)
                       and _seg_dist(p, strokes[j]) < _seg_dist(q, strokes[j]) for j in idx):
                ends.append((p, i))
    return ends


def _seg_dist(p: Point, s: Segment) -> float:
    (ax, ay), (bx, by) = s.ends
    dx, dy = bx - ax, by - ay
    n2 = dx * dx + dy * dy
    t = 0.0 if n2 == 0 else max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / n2))
    return _dist(p, (ax + t * dx, ay + t * dy))


def _head_tip(head: Shape, shaft_end: Point) -> Point:
    """The arrowhead's tip: its vertex farthest from where the shaft meets it."""
    return max(head.points, key=lambda p: _dist(p, shaft_end))


def _area(head: Shape) -> float:
    return head.box.width * head.box.height


def _typical_area(heads: Sequence[Shape]) -> float:
    areas = sorted(_area(h) for h in heads)
    return areas[len(areas) // 2]


def _nearest_symbol(p: Point, symbols: Sequence[Symbol], reach: float) -> int | None:
    best = min(range(len(symbols)), key=lambda i: symbols[i].box.distance_to(*p), default=None)
    if best is None or symbols[best].box.distance_to(*p) > reach:
        return None
    return best


def trace_arrows(strokes: Sequence[Segment], symbols: Sequence[Symbol], heads: Sequence[Shape],
                 scale: float = 1.0, settings: FlowSettings = FlowSettings()
                 ) -> tuple[list[Arrow], list[tuple[int, int]]]:
    """Arrows (source -> target symbol) and joins (head-less lines between symbols)."""
    join, touch, tee = settings.join * scale, settings.touch * scale, settings.tee * scale
    arrows: list[Arrow] = []
    joins: list[tuple[int, int]] = []
    used_heads: set[int] = set()
    def on_symbol(p: Point) -> bool:
        return any(_on_outline(p, s.box, touch) for s in symbols)

    for comp in _components(strokes, join, tee, on_symbol):
        sources: list[tuple[int, Point]] = []
        targets: list[int] = []
        ends = [p for p, _ in _free_ends(strokes, comp, join, tee)]
        # Each head goes to the free end nearest to it: a stub shorter than
        # the reach has both its ends near the head, and only one is its shaft.
        pairs = sorted((hd.box.distance_to(*p), e, k) for e, p in enumerate(ends)
                       for k, hd in enumerate(heads)
                       if k not in used_heads and hd.box.distance_to(*p) <= join * 1.5)
        headed: dict[int, int] = {}
        for _, e, k in pairs:
            if e not in headed and k not in headed.values():
                headed[e] = k
        if len(headed) == len(ends) >= 2:
            # Every end has a head, so nothing is this line's source: one
            # "head" is something else that blur made a triangle of (a
            # label's letter touching the corner of a decision's exit in a
            # phone photo). A document draws its heads alike: the one least
            # like the page's others is that end's stroke, leaving a symbol
            # (its far corner is where the stroke ends).
            typical = _typical_area(heads)
            e = max(headed, key=lambda e: abs(_area(heads[headed[e]]) - typical))
            ends[e] = _head_tip(heads[headed.pop(e)], ends[e])
        for e, p in enumerate(ends):
            h = headed.get(e)
            if h is not None:
                used_heads.add(h)
                t = _nearest_symbol(_head_tip(heads[h], p), symbols, touch * 1.5)
                if t is not None:
                    targets.append(t)
                continue
            s = _nearest_symbol(p, symbols, touch)
            if s is not None:
                sources.append((s, p))
        if not targets:
            ids = sorted({s for s, _ in sources})
            decisions = [i for i in ids if symbols[i].kind == "decision"]
            if len(ids) == 2 and len(decisions) == 1:
                # A decision's exits are arrows, never the head-less joins of
                # a step done together: this one's head was lost (merged
                # into the outline it points at, on a 200-dpi scan).
                # The flowchart runs top to bottom: a line at the decision's
                # top corner comes in; at another corner, it goes out.
                d = decisions[0]
                o = ids[1] if ids[0] == d else ids[0]
                at_d = next(p for i, p in sources if i == d)
                box = symbols[d].box
                if at_d[1] < box.top + 0.25 * box.height:
                    arrows.append(Arrow(source=o, target=d, start=next(p for i, p in sources if i == o)))
                else:
                    arrows.append(Arrow(source=d, target=o, start=at_d))
                continue
            joins.extend((a, b) for a, b in zip(ids, ids[1:]))
            continue
        for s, start in sources:
            for t in targets:
                if s != t:
                    arrows.append(Arrow(source=s, target=t, start=start))
    return arrows, joins


# -- labels -----------------------------------------------------------------

def label_kind(text: str) -> str | None:
    t = re.sub(r"[^a-z ]", "", text.lower()).strip()
    if t in NO_WORDS or t.startswith("tidak"):
        return "no"
    if t in YES_WORDS:
        return "yes"
    return None


def label_exits(arrows: list[Arrow], symbols: Sequence[Symbol], words: Sequence[Word],
                scale: float = 1.0, settings: FlowSettings = FlowSettings()
                ) -> tuple[list[Arrow], set[int]]:
    """Give each exit of a decision the nearest free yes/no word as its label."""
    reach = settings.label_reach * scale
    candidates = [(i, w, label_kind(w.text)) for i, w in enumerate(words)]
    candidates = [(i, w, k) for i, w, k in candidates if k is not None
                  and not any(s.box.contains(w.box.cx, w.box.cy) for s in symbols)]
    used: set[int] = set()
    out = list(arrows)
    exits = [(n, a) for n, a in enumerate(arrows) if symbols[a.source].kind == "decision"]
    # Closest (exit, word) pairs first, so two exits never fight over a word.
    pairs = sorted(((w.box.distance_to(*a.start), n, i, k)
                    for n, a in exits for i, w, k in candidates), key=lambda t: t[0])
    done: set[int] = set()
    for d, n, i, k in pairs:
        if d > reach or n in done or i in used:
            continue
        out[n] = Arrow(out[n].source, out[n].target, out[n].start, k)
        done.add(n)
        used.add(i)
    return out, used


def read_flow(page: PageContent, segments: Sequence[Segment] | None = None,
              settings: FlowSettings = FlowSettings()) -> tuple[FlowGraph, list[Segment]]:
    """The page's flowchart graph, and the segments left for the grid."""
    symbols, heads = find_symbols(page, settings)
    strokes, rest = split_segments(page.segments if segments is None else segments,
                                   symbols, heads, page.scale, settings)
    arrows, joins = trace_arrows(strokes, symbols, heads, page.scale, settings)
    arrows, used = label_exits(arrows, symbols, page.words, page.scale, settings)
    return FlowGraph(symbols=symbols, arrows=arrows, joins=joins, label_words=used), rest
