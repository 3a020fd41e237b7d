"""Grid: ruling segments -> tables of cells with row and column spans.

A chain of small pure functions, after pdfplumber's table.py (whose edge
merging, intersection and cell functions we reuse, so both routes get the
same well-tested lattice logic):

    segments -> edges -> merged edges -> intersections -> cell boxes
             -> tables (groups of touching cells) -> logical rows/columns
             -> words assigned to cells

The segments given here must already exclude the flowchart's strokes (see
`flowchart.split_segments`): arrows and symbol outlines are not rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from pdfplumber import table as pt

from .primitives import BBox, Cell, PageContent, Segment, Table, Word


@dataclass(frozen=True)
class GridSettings:
    """Tolerances in PDF points; multiplied by the page's scale."""

    snap: float = 3.0  # parallel rules closer than this are one rule
    join: float = 3.0  # collinear pieces with gaps up to this are one rule
    intersect: float = 3.0  # how far a rule may stop short of a crossing
    min_rule: float = 6.0  # shorter strokes are not rules (text underlines, ticks)
    min_cells: int = 2  # a "table" of one cell is a frame, not a table
    edge_cluster: float = 3.0  # cell edges closer than this are one grid line


def segments_to_edges(segments: Sequence[Segment], min_len: float) -> list[dict[str, Any]]:
    """Horizontal and vertical segments as pdfplumber edge dicts."""
    edges = []
    for s in segments:
        if s.length < min_len:
            continue
        if s.is_horizontal:
            y = (s.y0 + s.y1) / 2
            x0, x1 = sorted((s.x0, s.x1))
            edges.append({"x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0,
                          "height": 0.0, "orientation": "h", "object_type": "line"})
        elif s.is_vertical:
            x = (s.x0 + s.x1) / 2
            top, bottom = sorted((s.y0, s.y1))
            edges.append({"x0": x, "x1": x, "top": top, "bottom": bottom, "width": 0.0,
                          "height": bottom - top, "orientation": "v", "object_type": "line"})
    return edges


def merge(edges: list[dict[str, Any]], snap: float, join: float) -> list[dict[str, Any]]:
    return pt.merge_edges(edges, snap_x_tolerance=snap, snap_y_tolerance=snap,
                          join_x_tolerance=join, join_y_tolerance=join)


def cell_boxes(edges: list[dict[str, Any]], tol: float) -> list[tuple[float, float, float, float]]:
    intersections = pt.edges_to_intersections(edges, x_tolerance=tol, y_tolerance=tol)
    return pt.intersections_to_cells(intersections)


def group_cells(boxes: list[tuple[float, float, float, float]], min_cells: int) -> list[list[BBox]]:
    """Cells that share corners form one table; drop lone frames."""
    return [[BBox(*b) for b in group] for group in pt.cells_to_tables(boxes)
            if len(group) >= min_cells]


def cluster(values: Sequence[float], tol: float) -> list[float]:
    """Sorted positions with near-equal values merged into their mean."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


def _index(edges: list[float], v: float) -> int:
    return min(range(len(edges)), key=lambda i: abs(edges[i] - v))


def to_table(page: int, boxes: list[BBox], tol: float) -> Table:
    """Place cell boxes on a logical grid: row, column and their spans."""
    col_edges = cluster([v for b in boxes for v in (b.x0, b.x1)], tol)
    row_edges = cluster([v for b in boxes for v in (b.top, b.bottom)], tol)
    cells = []
    for b in boxes:
        c0, c1 = _index(col_edges, b.x0), _index(col_edges, b.x1)
        r0, r1 = _index(row_edges, b.top), _index(row_edges, b.bottom)
        if c1 <= c0 or r1 <= r0:
            continue
        cells.append(Cell(row=r0, col=c0, row_span=r1 - r0, col_span=c1 - c0, box=b))
    cells.sort(key=lambda c: (c.row, c.col))
    outer = BBox(col_edges[0], row_edges[0], col_edges[-1], row_edges[-1])
    return Table(page=page, box=outer, cells=cells, n_rows=len(row_edges) - 1,
                 n_cols=len(col_edges) - 1, col_edges=col_edges, row_edges=row_edges)


def assign_words(table: Table, words: Sequence[Word]) -> list[Word]:
    """Put each word in the cell holding its centre; return the words left over."""
    rest = []
    for w in words:
        for c in table.cells:
            if c.box.contains(w.box.cx, w.box.cy):
                c.words.append(w)
                break
        else:
            rest.append(w)
    return rest


def find_tables(page: PageContent, segments: Sequence[Segment],
                settings: GridSettings = GridSettings()) -> list[Table]:
    """All ruled tables on a page, top to bottom, with their words."""
    k = page.scale
    edges = merge(segments_to_edges(segments, settings.min_rule * k),
                  settings.snap * k, settings.join * k)
    groups = group_cells(cell_boxes(edges, settings.intersect * k), settings.min_cells)
    tables = [to_table(page.number, g, settings.edge_cluster * k) for g in groups]
    tables.sort(key=lambda t: (t.box.top, t.box.x0))
    words = list(page.words)
    for t in tables:
        words = assign_words(t, words)
    return tables
