"""The page model every stage reads and writes, below the contract.

Both routes (a PDF's text layer, or pixels through OCR) produce the same
things: words with boxes, straight stroke segments, and closed shapes. From
there on no stage knows where they came from. Coordinates are page units
(PDF points or pixels) with the origin at the top left, y growing down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

Point = tuple[float, float]


@dataclass(frozen=True)
class BBox:
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    def contains(self, x: float, y: float, tol: float = 0.0) -> bool:
        return self.x0 - tol <= x <= self.x1 + tol and self.top - tol <= y <= self.bottom + tol

    def distance_to(self, x: float, y: float) -> float:
        """Euclidean distance from a point to this box (0 inside)."""
        dx = max(self.x0 - x, 0.0, x - self.x1)
        dy = max(self.top - y, 0.0, y - self.bottom)
        return (dx * dx + dy * dy) ** 0.5

    def x_overlap(self, other: "BBox") -> float:
        return max(0.0, min(self.x1, other.x1) - max(self.x0, other.x0))

    def y_overlap(self, other: "BBox") -> float:
        return max(0.0, min(self.bottom, other.bottom) - max(self.top, other.top))

    def union(self, other: "BBox") -> "BBox":
        return BBox(min(self.x0, other.x0), min(self.top, other.top),
                    max(self.x1, other.x1), max(self.bottom, other.bottom))

    @staticmethod
    def around(points: Iterable[Point]) -> "BBox":
        xs, ys = zip(*points)
        return BBox(min(xs), min(ys), max(xs), max(ys))


@dataclass(frozen=True)
class Word:
    text: str
    box: BBox
    conf: float = 1.0  # 1.0 for a text layer; Tesseract's confidence / 100 for OCR
    bold: bool = False


def sureness(words: Iterable[Word]) -> float:
    """How sure the engine was of a reading: its mean confidence per letter
    (a long word weighs more than a stray mark); 0 when nothing was read."""
    words = list(words)
    n = sum(len(w.text) for w in words)
    return sum(w.conf * len(w.text) for w in words) / n if n else 0.0


@dataclass(frozen=True)
class Segment:
    """A straight stroke: a ruling line, or one leg of an arrow."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def length(self) -> float:
        return ((self.x1 - self.x0) ** 2 + (self.y1 - self.y0) ** 2) ** 0.5

    @property
    def is_horizontal(self) -> bool:
        return abs(self.y1 - self.y0) <= max(1.0, 0.02 * abs(self.x1 - self.x0))

    @property
    def is_vertical(self) -> bool:
        return abs(self.x1 - self.x0) <= max(1.0, 0.02 * abs(self.y1 - self.y0))

    @property
    def ends(self) -> tuple[Point, Point]:
        return (self.x0, self.y0), (self.x1, self.y1)


@dataclass(frozen=True)
class Shape:
    """A closed outline: a flowchart symbol, an arrowhead, or a decoration."""

    points: tuple[Point, ...]  # outline vertices (curve control points dropped)
    curved: bool  # the outline has Bezier curves (capsules, circles)
    filled: bool
    stroked: bool = True

    @property
    def box(self) -> BBox:
        return BBox.around(self.points)


@dataclass
class PageContent:
    """One upright page as the stages after loading see it."""

    number: int  # 1-based page number in the input file
    width: float
    height: float
    words: list[Word] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    route: str = "text-layer"
    # Page units per PDF point: 1.0 for a text layer, dpi / 72 for pixels.
    # Stage settings are in points and multiplied by this, so one set of
    # tolerances serves both routes.
    scale: float = 1.0


@dataclass
class Cell:
    row: int
    col: int
    row_span: int
    col_span: int
    box: BBox
    words: list[Word] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return words_to_lines(self.words)

    @property
    def text(self) -> str:
        return " ".join(self.lines).strip()

    @property
    def conf(self) -> float:
        return min((w.conf for w in self.words), default=1.0)


@dataclass
class Table:
    page: int
    box: BBox
    cells: list[Cell]
    n_rows: int
    n_cols: int
    col_edges: list[float]  # n_cols + 1 x positions
    row_edges: list[float]  # n_rows + 1 y positions

    def cell_at(self, row: int, col: int) -> Cell | None:
        for c in self.cells:
            if c.row <= row < c.row + c.row_span and c.col <= col < c.col + c.col_span:
                return c
        return None

    def row_cells(self, row: int) -> list[Cell]:
        """Cells that start in this row, left to right."""
        return sorted((c for c in self.cells if c.row == row), key=lambda c: c.col)


def group_lines(words: Sequence[Word], tol: float | None = None) -> list[list[Word]]:
    """Words grouped into text lines, top to bottom, each line left to right.

    A word joins the current line when its vertical centre lies within the
    line's band; the tolerance follows the text height so it works for 9 pt
    PDF text and for 40 px scan text alike.
    """
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.box.cy, w.box.x0)):
        band = tol if tol is not None else 0.5 * w.box.height
        if lines:
            last = lines[-1]
            cy = sum(x.box.cy for x in last) / len(last)
            if abs(w.box.cy - cy) <= band:
                last.append(w)
                continue
        lines.append([w])
    return [sorted(line, key=lambda w: w.box.x0) for line in lines]


def words_to_lines(words: Sequence[Word]) -> list[str]:
    return [" ".join(w.text for w in line) for line in group_lines(words)]
