"""The flowchart drawn over the role columns of the procedure table.

Conventions (samples/README.md lists them with the exact drawing calls):
- one symbol per actor column of a step, centred in the column at the
  row's vertical centre; width `sym_frac` of the column, so there is free
  space left and right of it for arrows ("lanes");
- terminator = capsule (roundRect, radius h/2), process = rect,
  decision = closed 4-point path (diamond); a multi-actor step's symbols
  are joined by a plain horizontal line;
- an arrow is one open orthogonal path ending at the base of a small
  filled triangle whose tip touches the target's outline;
- routes are tried in order of preference and the first one that crosses
  no other symbol wins; a back arrow leaves a decision sideways, runs up
  the lane and enters the target's side;
- an arrow whose target is on a later page ends in a pentagon off-page
  connector at the foot of the page's last row; a connector with the same
  letter starts at the top of the next page's first row.
Style D draws the same geometry the way a Word export does: symbols as
explicit white-filled paths (capsule of Bezier arcs, process as a closed
4-point path), stroked arrowheads, connectors numbered 1, 2, ..., sideways
routes that turn outside the source column, and exit labels on the other
side of the exit line than A.
"""

from __future__ import annotations

import itertools
import string
from dataclasses import dataclass, field
from typing import Any

from .pdf import BOLD, REGULAR, Doc, Font, text_width
from .procedure import CONN_H, CONN_W, Layout, Placed
from .styles import Style

Point = tuple[float, float]
AH_LEN, AH_HALF = 4.5, 2.0   # arrowhead length and half width (pt)


@dataclass
class Sym:
    index: int          # step index
    col: int            # role column
    kind: str
    cx: float
    cy: float
    w: float
    h: float
    page: int
    span: tuple[float, float]   # the role column's x range
    placed: Placed

    @property
    def top(self) -> Point:
        return (self.cx, self.cy - self.h / 2)

    @property
    def bottom(self) -> Point:
        return (self.cx, self.cy + self.h / 2)

    def side(self, d: int) -> Point:
        return (self.cx + d * self.w / 2, self.cy)

    def bbox(self) -> tuple[float, float, float, float]:
        return (self.cx - self.w / 2, self.cy - self.h / 2, self.cx + self.w / 2, self.cy + self.h / 2)

    def lane(self, d: int) -> float:
        """x of the free strip beside the symbol: halfway between the symbol
        and the column rule, so a lane never reads as a doubled rule."""
        free = (self.span[1] - self.span[0] - self.w) / 2
        return self.cx + d * (self.w / 2 + free * 0.5)


@dataclass
class Arrow:
    page: int
    points: list[Point]


@dataclass
class Connector:
    page: int
    cx: float
    top: float
    letter: str


@dataclass
class Label:
    page: int
    x: float
    baseline: float
    text: str


@dataclass
class Flowchart:
    sop: dict[str, Any]
    layout: Layout
    st: Style
    syms: dict[int, list[Sym]] = field(default_factory=dict)
    arrows: list[Arrow] = field(default_factory=list)
    connectors: list[Connector] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.label_font = Font(REGULAR, 6.5 if self.st.name == "B" else 6, 7)
        self._place_symbols()
        self._letters = ((str(n) for n in itertools.count(1)) if self.st.connector_digits
                         else iter(string.ascii_uppercase))
        self._slots: dict[tuple[int, str, int], int] = {}
        for i, step in enumerate(self.sop["steps"]):
            if i in self.syms:
                self._arrows_from(i, step)

    # -- symbols -------------------------------------------------------
    def _place_symbols(self) -> None:
        roles = self.sop["roles"]
        for p, page in enumerate(self.layout.pages):
            for placed in page.rows:
                step = placed.row.step
                if not placed.row.symbol or not step.get("symbol"):
                    continue
                kind = step["symbol"]
                h = self.st.dec_h if kind == "decision" else self.st.sym_h
                cols = sorted(roles.index(a) for a in step["actors"])
                self.syms[placed.row.index] = [
                    Sym(placed.row.index, c, kind, (a + b) / 2, placed.center,
                        self.st.sym_frac * (b - a), h, p, (a, b), placed)
                    for c in cols for a, b in [self.layout.cols.roles[c]]]

    def _obstacles(self, page: int, *skip: Sym) -> list[tuple[float, float, float, float]]:
        return [s.bbox() for group in self.syms.values() for s in group
                if s.page == page and s not in skip]

    @staticmethod
    def _clear(points: list[Point], boxes, margin: float = 1.0) -> bool:
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            for bx0, by0, bx1, by1 in boxes:
                if (min(x0, x1) < bx1 + margin and max(x0, x1) > bx0 - margin
                        and min(y0, y1) < by1 + margin and max(y0, y1) > by0 - margin):
                    return False
        return True

    @staticmethod
    def _bend_y(target: Sym) -> float:
        """y of the horizontal leg that enters a symbol from above: inside the
        target's row, between its top rule and the symbol, closer to the rule
        so the last leg is long enough for the arrowhead."""
        room = target.top[1] - target.placed.top
        return target.placed.top + max(2.5, min(room / 2, room - 6.5))

    # -- arrows --------------------------------------------------------
    def _arrows_from(self, i: int, step: dict[str, Any]) -> None:
        index = {s["no"]: k for k, s in enumerate(self.sop["steps"])}
        targets = [index[n] for n in step["next"]]
        # nearest forward target first, so it gets the straight bottom exit
        targets.sort(key=lambda t: (t < i, abs(t - i)))
        used: set[str] = set()
        labels = []
        for t in targets:
            if self.syms[t][0].page == self.syms[i][0].page:
                exit_, route, src = self._same_page(i, t, used)
            else:
                exit_, route, src = self._crossing(i, t, used)
            used.add(exit_)
            branches = step.get("branches")
            if branches:
                yes_no = [lbl for key, lbl in zip(("yes", "no"), self.st.yes_no)
                          if index[branches[key]] == t]
                if len(yes_no) == 1:
                    labels.append((src, exit_, route, yes_no[0]))
        for src, exit_, route, text in labels:
            self._exit_label(src, exit_, route, text, used)

    def _pairs(self, i: int, t: int):
        return sorted(((a, b) for a in self.syms[i] for b in self.syms[t]),
                      key=lambda p: (abs(p[0].col - p[1].col), p[0].col, p[1].col))

    def _pick(self, page: int, candidates, used: set[str], skip: tuple[Sym, ...], what: str):
        fresh = [c for c in candidates if c[0] not in used]
        for exit_, points, src in fresh:
            if self._clear(points, self._obstacles(page, src, *skip)):
                return exit_, points, src
        self.warnings.append(f"no clear route for {what}; drawn across a symbol")
        return (fresh or candidates)[0]

    def _same_page(self, i: int, t: int, used: set[str]) -> tuple[str, list[Point], Sym]:
        cands = []
        for a, b in self._pairs(i, t):
            if t > i:  # forward: the target row is below
                if a.col == b.col:
                    cands.append(("bottom", [a.bottom, b.top], a))
                else:
                    ym = self._bend_y(b)
                    cands.append(("bottom", [a.bottom, (a.cx, ym), (b.cx, ym), b.top], a))
                    d = 1 if b.col > a.col else -1
                    cands.append((_side(d), [a.side(d), (b.cx, a.cy), b.top], a))
                for d in (1, -1):
                    lane = a.lane(d)
                    if a.col == b.col:
                        pts = [a.side(d), (lane, a.cy), (lane, b.cy), b.side(d)]
                    else:
                        ym = self._bend_y(b)
                        pts = [a.side(d), (lane, a.cy), (lane, ym), (b.cx, ym), b.top]
                    cands.append((_side(d), pts, a))
            else:  # back: sideways into the lane, up, into the target's side
                toward = -1 if b.col <= a.col else 1
                if self.st.labels_mirrored and b.col != a.col:
                    # style D: straight across to the target's column, up its
                    # lane on the near side, into its side (the turn is not
                    # in the source column, so the exit label has room)
                    lane = b.lane(-toward)
                    cands.append((_side(toward), [a.side(toward), (lane, a.cy), (lane, b.cy),
                                                  b.side(-toward)], a))
                for d in (toward, -toward):
                    lane = a.lane(d)
                    entry = b.side(d) if a.col == b.col else b.side(1 if b.col < a.col else -1)
                    cands.append((_side(d), [a.side(d), (lane, a.cy), (lane, b.cy), entry], a))
        page = self.syms[i][0].page
        exit_, points, src = self._pick(page, cands, used, tuple(self.syms[t]),
                                        f"step {self.sop['steps'][i]['no']} -> {self.sop['steps'][t]['no']}")
        self.arrows.append(Arrow(page, points))
        return exit_, points, src

    def _slot(self, page: int, edge: str, col: int) -> float:
        """x offset for the n-th connector at the same page edge and column."""
        n = self._slots.get((page, edge, col), 0)
        self._slots[(page, edge, col)] = n + 1
        return ((n + 1) // 2) * (CONN_W + 3) * (1 if n % 2 else -1)

    def _crossing(self, i: int, t: int, used: set[str]) -> tuple[str, list[Point], Sym]:
        if t < i:
            raise RuntimeError("back arrows across pages are kept out by pagination")
        a0, b0 = self._pairs(i, t)[0]
        src_page, dst_page = a0.page, b0.page
        letter = next(self._letters)
        # outgoing connector at the foot of the source page's last row
        last = self.layout.pages[src_page].rows[-1]
        cx = a0.cx + self._slot(src_page, "bottom", a0.col)
        top = last.bottom - 3 - CONN_H
        cands = []
        for a in sorted(self.syms[i], key=lambda s: abs(s.cx - cx)):
            if abs(a.cx - cx) < 0.01:
                cands.append(("bottom", [a.bottom, (cx, top)], a))
            cands.append(("bottom", [a.bottom, (a.cx, top - 5), (cx, top - 5), (cx, top)], a))
            for d in (1, -1):
                lane = a.lane(d)
                cands.append((_side(d), [a.side(d), (lane, a.cy), (lane, top - 5), (cx, top - 5),
                                         (cx, top)], a))
        exit_, points, src = self._pick(src_page, cands, used, (), f"step {self.sop['steps'][i]['no']} -> connector {letter}")
        self.arrows.append(Arrow(src_page, points))
        self.connectors.append(Connector(src_page, cx, top, letter))
        # incoming connector at the top of the target page's first row
        first = self.layout.pages[dst_page].rows[0]
        b = b0
        cx2 = b.cx + self._slot(dst_page, "top", b.col)
        top2 = first.top + 3
        tip = top2 + CONN_H
        cands2 = []
        if abs(cx2 - b.cx) < 0.01:
            cands2.append(("top", [(cx2, tip), b.top], None))
        cands2.append(("top", [(cx2, tip), (cx2, tip + 4), (b.cx, tip + 4), b.top], None))
        for d in (1, -1):
            lane = b.lane(d)
            cands2.append(("top", [(cx2, tip), (cx2, tip + 4), (lane, tip + 4), (lane, b.cy),
                                   b.side(d)], None))
        _, points2, _ = self._pick(dst_page, cands2, set(), tuple(self.syms[t]),
                                   f"connector {letter} -> step {self.sop['steps'][t]['no']}")
        self.arrows.append(Arrow(dst_page, points2))
        self.connectors.append(Connector(dst_page, cx2, top2, letter))
        return exit_, points, src

    def _exit_label(self, src: Sym, exit_: str, route: list[Point], text: str,
                    exits: set[str] = frozenset()) -> None:
        """'Ya'/'Tidak' right next to a decision's exit.

        A, B, C: below-right of the bottom tip; for a sideways exit on the
        side of the exit line that the route does not turn to (above it when
        the lane goes down, below it when a back arrow goes up).
        D (mirrored): below-left of the bottom tip (below-right when the
        other exit leaves on the left, so the two labels stay apart); for a sideways exit on
        the side the route turns to (below it when the route goes down,
        above it when it goes up), which is free because D's routes turn
        outside the source column; a route that turns in the source's own
        lane keeps the label on the free side as A does.
        Labels stay inside the source's column, clear of the diamond's
        slanted edge."""
        f = self.label_font
        tw = text_width(text, f.name, f.size)
        asc = f.size * 0.75
        x, y = route[0]
        mirrored = self.st.labels_mirrored
        if exit_ == "bottom":
            lx = x - 2 - tw if mirrored and "left" not in exits else x + 2
            self.labels.append(Label(src.page, lx, y + 1.5 + asc, text))
            return
        d = 1 if exit_ == "right" else -1
        col0, col1 = src.span
        if d == 1:
            x0 = min(x + 1.5 + tw, col1 - 1.5) - tw
            inner = x0                      # label edge nearest the diamond
        else:
            x0 = max(x - 1.5 - tw, col0 + 1.5)
            inner = x0 + tw
        reach = abs(inner - src.cx) / (src.w / 2)  # 1 at the tip, 0 at the centre line
        lift = max((src.h / 2) * max(0.0, 1 - reach), 0.0) + 1.5
        turns_up = len(route) > 2 and route[2][1] < route[1][1]
        below = turns_up
        if mirrored:
            turns_inside = len(route) > 2 and col0 < route[1][0] < col1
            below = turns_up if turns_inside else not turns_up
        if below:      # label below the exit line: its top edge `lift` below it
            self.labels.append(Label(src.page, x0, y + lift + asc, text))
        else:          # label above the exit line: its baseline `lift` above it
            self.labels.append(Label(src.page, x0, y - lift, text))

    # -- drawing -------------------------------------------------------
    def draw(self, doc: Doc, page: int) -> None:
        lw = self.st.flow_width
        for group in self.syms.values():
            if group[0].page != page:
                continue
            for a, b in zip(group, group[1:]):  # one step, several actors
                doc.line(a.side(1)[0], a.cy, b.side(-1)[0], b.cy, lw)
            for s in group:
                _symbol(doc, s, lw, self.st.path_symbols)
        for arrow in self.arrows:
            if arrow.page == page:
                _arrow(doc, arrow.points, lw, stroked_head=self.st.path_symbols)
        for c in self.connectors:
            if c.page == page:
                _connector(doc, c.cx, c.top, c.letter, lw, white=self.st.path_symbols)
        for label in self.labels:
            if label.page == page:
                doc.text(label.x, label.baseline, label.text, self.label_font)


def _side(d: int) -> str:
    return "right" if d > 0 else "left"


def _symbol(doc: Doc, s: Sym, lw: float, paths: bool = False) -> None:
    """A, B, C: roundRect / rect / diamond path, stroked, unfilled.
    D (`paths`): every symbol one explicit path, filled white and stroked:
    a capsule of Bezier arcs, the process box as a closed 4-point path."""
    x0, y0, x1, y1 = s.bbox()
    white = 1.0 if paths else None
    if s.kind == "terminator":
        if paths:
            doc.capsule(x0, y0, s.w, s.h, lw, fill_gray=1.0)
        else:
            doc.round_rect(x0, y0, s.w, s.h, s.h / 2, lw)
    elif s.kind == "process":
        if paths:
            doc.path([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], lw, close=True,
                     fill=True, stroke=True, fill_gray=1.0)
        else:
            doc.rect(x0, y0, s.w, s.h, lw)
    elif s.kind == "decision":
        doc.path([(s.cx, y0), (x1, s.cy), (s.cx, y1), (x0, s.cy)], lw, close=True,
                 fill=white is not None, stroke=True, fill_gray=white or 0.0)
    else:  # an on-page connector step: the pentagon, as large as a symbol allows
        _connector(doc, s.cx, y0, "", lw, size=s.h, white=paths)


def _arrow(doc: Doc, points: list[Point], lw: float, stroked_head: bool = False) -> None:
    """The open path up to the arrowhead's base, then the filled head whose
    tip is the path's last point (on the target's outline); D strokes the
    head too, as Word draws its arrowheads."""
    (px, py), (tx, ty) = points[-2], points[-1]
    seg = abs(tx - px) + abs(ty - py)
    length = min(AH_LEN, seg * 0.8)
    ux, uy = (tx - px) / seg, (ty - py) / seg
    bx, by = tx - ux * length, ty - uy * length
    doc.path(points[:-1] + [(bx, by)], lw)
    half = AH_HALF * length / AH_LEN
    doc.path([(tx, ty), (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)],
             lw, close=True, fill=True, stroke=stroked_head)


def _connector(doc: Doc, cx: float, top: float, letter: str, lw: float, size: float = CONN_H,
               white: bool = False) -> None:
    """Off-page connector: a square with a pointed bottom, its letter (or
    number) inside; `white`: filled white and stroked."""
    w = CONN_W * size / CONN_H
    shoulder = top + size * 0.6
    doc.path([(cx - w / 2, top), (cx + w / 2, top), (cx + w / 2, shoulder), (cx, top + size),
              (cx - w / 2, shoulder)], lw, close=True, fill=white, stroke=True, fill_gray=1.0)
    if letter:
        f = Font(BOLD, 6, 7)
        doc.text(cx, top + size * 0.3 + 2.2, letter, f, align="center")
