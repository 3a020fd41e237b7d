"""The procedure table: column widths, row measuring, pagination and the
ruled grid with its text. The flowchart drawn over the role columns is in
flowchart.py; it only needs the geometry computed here.

Pagination rules (why they look the way they do):
- a row that does not fit starts a new page (landscape; portrait in D); style B instead
  splits it line by line, the symbol staying with the first part;
- the last row of a page and the first row of the next must have room for
  an off-page connector above/below their own symbol, so they are grown to
  EDGE_ROW (and a row that cannot grow is moved to the next page);
- a decision's back arrow never crosses a page: rows between its target and
  itself are kept on one page;
- the last row keeps room below it for what follows the table (signature
  block, symbol legend), so those share the SOP's last procedure page.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .pdf import BOLD, REGULAR, Doc, Font, draw_rules, text_width, units, wrap
from .styles import MAX_ROLE_W, MIN_HEADER_SIZE, PAD, Style

TEXT_KEYS = ("requirements", "duration", "output", "note")
CONN_W, CONN_H = 11.0, 12.0  # off-page connector (pentagon) size


class LayoutError(RuntimeError):
    pass


def edge_row(st: Style) -> float:
    """Height a row needs to hold its symbol plus an off-page connector
    (and the arrow's bend between them) above or below it."""
    return st.dec_h + 2 * (CONN_H + 12)


def min_row(st: Style, step: dict[str, Any] | None) -> float:
    """A row is at least ~2.4x the symbol height so arrows have room to bend
    between the row's rule and the symbol; decisions also need room for the
    exit labels."""
    base = 2.4 * st.sym_h
    if step and step.get("symbol") == "decision":
        base = max(base, st.dec_h + 22)
    return base


@dataclass
class Columns:
    left: float
    right: float
    x: dict[str, tuple[float, float]]   # no, activity, requirements, duration, output, note
    roles: list[tuple[float, float]]

    def cells(self) -> list[tuple[float, float]]:
        return [self.x["no"], self.x["activity"], *self.roles,
                self.x["requirements"], self.x["duration"], self.x["output"], self.x["note"]]


def table_labels(sop: dict[str, Any], st: Style) -> dict[str, str]:
    """The header labels as printed: the YAML's, with the style's variants."""
    return {**sop["table_labels"], **st.table_labels}


def header_need(text: str, bold: Font) -> float:
    """Width a header cell needs so its text wraps without breaking a word at
    the smallest header size."""
    widest = max((text_width(u, bold.name, MIN_HEADER_SIZE) for w in text.split() for u in units(w)),
                 default=0)
    return widest + 2 * PAD + 0.5


def columns(st: Style, page_width: float, roles: list[str], steps: list[dict[str, Any]] = (),
            labels: dict[str, str] | None = None) -> Columns:
    width = page_width - st.margins[0] - st.margins[2]
    n_roles = len(roles)
    fixed = dict(st.columns)
    # A text column is at least as wide as its longest word (and its header
    # as wide as its longest word at the smallest header size), so no word
    # has to be broken (the reader could not tell such a break from a
    # space); the width comes out of the activity column.
    font, bold = fonts(st)
    floor: dict[str, float] = {}
    for key in ("activity", *TEXT_KEYS):
        longest = max((text_width(w, font.name, font.size) for s in steps
                       for w in str(s.get(key) or "").split()), default=0)
        floor[key] = max(longest + 2 * PAD + 1, header_need((labels or {}).get(key, ""), bold))
    for key in TEXT_KEYS:
        if floor[key] > fixed[key]:
            fixed["activity"] -= floor[key] - fixed[key]
            fixed[key] = floor[key]
    # role columns: wide enough for arrows beside the symbols, and each for
    # the longest word of its heading at the smallest header size; the
    # space left is shared so the narrow columns grow first
    need = [max(st.min_role_w, header_need(r, bold)) for r in roles]
    free = width - sum(fixed.values())
    flexible = ("activity", "requirements", "output", "note")
    if free < sum(need):
        # many roles: take the missing width from the text columns, in
        # proportion to what each can spare above its longest word
        short = sum(need) - free
        spare = {k: max(0.0, fixed[k] - max(floor[k], 0.4 * st.columns[k])) for k in flexible}
        total = sum(spare.values())
        if short > total:
            raise LayoutError(f"{n_roles} role columns ({sum(need):.0f}pt) do not fit "
                              f"a {width:.0f}pt wide table")
        for k in flexible:
            fixed[k] -= short * spare[k] / total
        role_ws = need
    else:
        level = _level(need, free)
        if level > MAX_ROLE_W:
            level = MAX_ROLE_W
            extra = free - sum(max(n, level) for n in need)
            fixed["activity"] += extra * 0.5
            fixed["requirements"] += extra * 0.25
            fixed["output"] += extra * 0.25
        role_ws = [max(n, level) for n in need]
    x = st.margins[0]
    spans: dict[str, tuple[float, float]] = {}
    for key in ("no", "activity"):
        spans[key] = (x, x + fixed[key])
        x += fixed[key]
    spans_r = []
    for role_w in role_ws:
        spans_r.append((x, x + role_w))
        x += role_w
    for key in TEXT_KEYS:
        spans[key] = (x, x + fixed[key])
        x += fixed[key]
    return Columns(st.margins[0], x, spans, spans_r)


def _level(need: list[float], free: float) -> float:
    """The width L with sum(max(n, L) for n in need) == free (water filling)."""
    for k in range(len(need), 0, -1):
        fixed_part = sum(sorted(need)[k:])
        level = (free - fixed_part) / k
        if level >= sorted(need)[k - 1]:
            return level
    return max(need)


def fonts(st: Style) -> tuple[Font, Font]:
    return (Font(REGULAR, st.body_size, round(st.body_size * 1.22, 2)),
            Font(BOLD, st.header_size, round(st.header_size * 1.22, 2)))


# -- header ------------------------------------------------------------

@dataclass
class Header:
    h1: float
    h2: float
    cells: list[tuple[tuple[float, float, float, float], tuple[Font, list[str]]]]  # bbox, (font, lines)

    @property
    def height(self) -> float:
        return self.h1 + self.h2


def header(sop: dict[str, Any], st: Style, cols: Columns) -> Header:
    """Two header rows: No | Kegiatan | Pelaksana (one sub-column per role)
    | Mutu Baku (Kelengkapan, Waktu, Output) | Keterangan; No, Kegiatan and
    Keterangan span both rows."""
    _, bold = fonts(st)
    labels = table_labels(sop, st)

    def lines(text, span):
        """Wrapped header text; a cell whose longest word does not fit gets a
        smaller font, as authors do with narrow role columns (a word with a
        slash may instead break after it). `columns` made every cell wide
        enough for MIN_HEADER_SIZE."""
        width = span[1] - span[0] - 2 * PAD
        size = bold.size
        while size > MIN_HEADER_SIZE and max((text_width(u, bold.name, size) for w in text.split()
                                              for u in units(w)), default=0) > width:
            size -= 0.25
        font = Font(bold.name, size, round(size * 1.22, 2))
        return font, wrap(text, font.name, font.size, width)

    def h(cell):
        font, ls = cell
        return len(ls) * font.leading + 2 * PAD

    perf = (cols.roles[0][0], cols.roles[-1][1])
    quality = (cols.x["requirements"][0], cols.x["output"][1])
    top_row = [(perf, lines(labels["performers"], perf)), (quality, lines(labels["quality"], quality))]
    sub_row = [(span, lines(role, span)) for span, role in zip(cols.roles, sop["roles"])]
    sub_row += [(cols.x[k], lines(labels[k], cols.x[k])) for k in ("requirements", "duration", "output")]
    spanning = [(cols.x[k], lines(labels[k], cols.x[k])) for k in ("no", "activity", "note")]
    h1 = max(h(cell) for _, cell in top_row)
    h2 = max(h(cell) for _, cell in sub_row)
    h2 = max(h2, max(h(cell) for _, cell in spanning) - h1)
    cells = [((a, 0, b, h1 + h2), cell) for (a, b), cell in spanning]
    cells += [((a, 0, b, h1), cell) for (a, b), cell in top_row]
    cells += [((a, h1, b, h1 + h2), cell) for (a, b), cell in sub_row]
    return Header(h1, h2, cells)


# -- rows --------------------------------------------------------------

@dataclass
class Row:
    step: dict[str, Any]
    cells: dict[str, list[str]]      # no, activity, requirements, duration, output, note
    height: float
    symbol: bool = True              # False for the continuation part of a split row

    @property
    def index(self) -> int:
        return self.step["_index"]


def rows(sop: dict[str, Any], st: Style, cols: Columns) -> list[Row]:
    font, _ = fonts(st)
    out = []
    for i, step in enumerate(sop["steps"]):
        step["_index"] = i
        cells = {"no": [f"{step['no']}{st.number_suffix}"]}
        for key in ("activity", *TEXT_KEYS):
            value = step.get(key)
            text = "" if value is None else str(value)
            a, b = cols.x[key]
            cells[key] = wrap(text, font.name, font.size, b - a - 2 * PAD) if text.strip() else []
        out.append(Row(step, cells, _height(cells, font, st, step)))
    return out


def _height(cells, font: Font, st: Style, step) -> float:
    n = max(len(v) for v in cells.values())
    return max(n * font.leading + 2 * PAD, min_row(st, step))


def _split(row: Row, avail: float, font: Font, st: Style) -> tuple[Row, Row] | None:
    """Style B: the lines that fit stay on this page, the rest continue in a
    row with an empty No cell at the top of the next page."""
    n = math.floor((avail - 2 * PAD) / font.leading)
    if n < 1 or all(len(v) <= n for v in row.cells.values()):
        return None
    first = Row(row.step, {k: v[:n] for k, v in row.cells.items()}, avail, row.symbol)
    rest_cells = {k: ([] if k == "no" else v[n:]) for k, v in row.cells.items()}
    rest = Row(row.step, rest_cells, _height(rest_cells, font, st, None), symbol=False)
    return first, rest


# -- pagination --------------------------------------------------------

@dataclass
class Placed:
    row: Row
    top: float
    bottom: float

    @property
    def center(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class ProcPage:
    header: bool
    top: float                        # top of the table on this page
    body_top: float                   # top of the first body row
    rows: list[Placed] = field(default_factory=list)
    page_no: int = 0                  # 1-based PDF page, set when drawn

    @property
    def cursor(self) -> float:
        return self.rows[-1].bottom if self.rows else self.body_top

    def place(self, row: Row, height: float) -> None:
        top = self.cursor
        self.rows.append(Placed(row, top, top + height))

    def symbol_steps(self) -> set[int]:
        return {p.row.index for p in self.rows if p.row.symbol}


@dataclass
class Layout:
    cols: Columns
    header: Header
    pages: list[ProcPage]
    page_width: float
    page_height: float

    @property
    def bottom(self) -> float:
        return self.pages[-1].cursor


def _back_arrows(sop) -> list[tuple[int, int]]:
    index = {s["no"]: i for i, s in enumerate(sop["steps"])}
    return [(i, index[t]) for i, s in enumerate(sop["steps"]) for t in s["next"] if index[t] <= i]


def paginate(sop: dict[str, Any], st: Style, page_width: float, page_height: float,
             tail: float) -> Layout:
    cols = columns(st, page_width, sop["roles"], sop["steps"], table_labels(sop, st))
    head = header(sop, st, cols)
    font, _ = fonts(st)
    edge = edge_row(st)
    top, bottom = st.margins[1], page_height - st.margins[3]
    back = _back_arrows(sop)

    def new_page(first: bool) -> ProcPage:
        with_header = first or st.repeat_header
        return ProcPage(with_header, top, top + (head.height if with_header else 0))

    def splits_back_arrow(on_page: set[int]) -> bool:
        return any(t in on_page and s not in on_page for s, t in back)

    pages = [new_page(True)]
    queue = deque(rows(sop, st, cols))
    while queue:
        row = queue.popleft()
        page = pages[-1]
        height = row.height
        if not page.rows and len(pages) > 1 and row.symbol:
            height = max(height, edge)  # room for the incoming connector above the symbol
        final = not queue
        if page.cursor + height + (tail if final else 0) <= bottom:
            page.place(row, height)
            continue
        if not page.rows:
            raise LayoutError(f"step {row.step['no']} is taller than a page")
        avail = bottom - page.cursor
        if st.split_rows and avail >= edge and not splits_back_arrow(page.symbol_steps() | {row.index}):
            parts = _split(row, avail, font, st)
            if parts:
                page.place(parts[0], avail)
                queue.appendleft(parts[1])
                pages.append(new_page(False))
                continue
        queue.appendleft(row)
        # Close the page: its last row must grow to hold the outgoing
        # connector, and no back arrow may leave the page; move rows to the
        # next page until both hold (never the page's only row).
        while len(page.rows) > 1:
            last = page.rows[-1]
            grows_ok = last.top + max(last.bottom - last.top, edge) <= bottom
            if grows_ok and not splits_back_arrow(page.symbol_steps()):
                break
            page.rows.pop()
            queue.appendleft(last.row)
        last = page.rows[-1]
        last.bottom = min(max(last.bottom, last.top + edge), bottom)
        pages.append(new_page(False))
    for page in pages:
        if splits_back_arrow(page.symbol_steps()):
            raise LayoutError("a back arrow would cross a page break (too many rows between "
                              "a decision and its target)")
    return Layout(cols, head, pages, page_width, page_height)


# -- drawing -----------------------------------------------------------

def draw_page(doc: Doc, layout: Layout, page: ProcPage, st: Style) -> None:
    """Header (if any), row texts and the rules of one procedure page."""
    font, bold = fonts(st)
    cells: list[tuple[float, float, float, float]] = []
    if page.header:
        for (x0, t, x1, b), (hfont, lines) in layout.header.cells:
            t, b = t + page.top, b + page.top
            if st.header_shade is not None:
                doc.rect(x0, t, x1 - x0, b - t, 0, fill_gray=st.header_shade, stroke=False)
            block_h = len(lines) * hfont.leading
            doc.lines(x0 + PAD, t + (b - t - block_h) / 2, lines, hfont, align="center",
                      width=x1 - x0 - 2 * PAD)
            cells.append((x0, t, x1, b))
    for placed in page.rows:
        t, b = placed.top, placed.bottom
        for key in ("no", "activity", *TEXT_KEYS):
            x0, x1 = layout.cols.x[key]
            doc.lines(x0 + PAD, t + PAD, placed.row.cells[key], font,
                      align="center" if key == "no" else "left", width=x1 - x0 - 2 * PAD)
        cells += [(x0, t, x1, b) for x0, x1 in layout.cols.cells()]
    draw_rules(doc, cells, st.rule_width)
