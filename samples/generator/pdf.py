"""Pages, fonts, text wrapping and ruled grids on top of reportlab's canvas.

Everything above this module thinks in *top-down* page coordinates (y grows
downwards from the top edge, like pdfplumber's `top`), so layouts can be
checked against pdfplumber output without converting; only this module flips
to PDF's bottom-up y.

Fonts: three families, so the samples cover three typefaces, all from files
that travel with the generator (nothing from the system font directories):
- "Vera": Bitstream Vera, bundled inside the reportlab wheel
  (reportlab/fonts/Vera.ttf, VeraBd.ttf);
- "DejaVuSans", "DejaVuSerif": DejaVu 2.37, vendored in ./fonts (see
  fonts/LICENSE); full Latin coverage (the decree's "SūWITO").
Layouts use the logical names REGULAR and BOLD; `use_family` (called by
render.py with the style's family) decides which files they mean. A
character the family has no glyph for is an error (SpecError), never a box
in the PDF that reads back as U+0000.
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass

import reportlab
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .spec import SpecError

REGULAR, BOLD = "regular", "bold"   # logical faces, resolved through the family in use
WARNINGS: list[str] = []  # layout problems of the file being rendered (see render.py)

_VENDORED = os.path.join(os.path.dirname(__file__), "fonts")
_BUNDLED = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
# family -> logical face -> (registered font name, file)
FAMILIES = {
    "Vera": {REGULAR: ("Vera", os.path.join(_BUNDLED, "Vera.ttf")),
             BOLD: ("VeraBd", os.path.join(_BUNDLED, "VeraBd.ttf"))},
    "DejaVuSans": {REGULAR: ("DejaVuSans", os.path.join(_VENDORED, "DejaVuSans.ttf")),
                   BOLD: ("DejaVuSans-Bold", os.path.join(_VENDORED, "DejaVuSans-Bold.ttf"))},
    "DejaVuSerif": {REGULAR: ("DejaVuSerif", os.path.join(_VENDORED, "DejaVuSerif.ttf")),
                    BOLD: ("DejaVuSerif-Bold", os.path.join(_VENDORED, "DejaVuSerif-Bold.ttf"))},
}
_family = "Vera"


class GlyphError(SpecError):
    """The data holds a character the style's font cannot draw."""


class LayoutOverflow(SpecError):
    """Text that cannot be laid out without breaking a word."""


def use_family(family: str) -> None:
    """Make REGULAR/BOLD mean this family's faces (registers them on first use)."""
    global _family
    if family not in FAMILIES:
        raise SpecError(f"unknown font family {family!r}; one of {sorted(FAMILIES)}")
    for name, path in FAMILIES[family].values():
        if name in pdfmetrics.getRegisteredFontNames():
            continue
        if not os.path.exists(path):
            raise SystemExit(f"sample generator font missing: {path} "
                             f"(Vera ships in the reportlab wheel, DejaVu in samples/generator/fonts)")
        pdfmetrics.registerFont(TTFont(name, path))
    _family = family


def face(font: str) -> str:
    """The registered font name for a logical face (or a registered name as is)."""
    faces = FAMILIES[_family]
    return faces[font][0] if font in faces else font


def register_fonts() -> None:
    if face(REGULAR) not in pdfmetrics.getRegisteredFontNames():
        use_family(_family)


def missing_glyphs(text: str, font: str) -> set[str]:
    """Characters the font cannot draw: they would print as boxes and read
    back as U+0000 from the text layer."""
    register_fonts()
    glyphs = pdfmetrics.getFont(face(font)).face.charToGlyph
    return {c for c in text if ord(c) >= 32 and ord(c) not in glyphs}


def text_width(text: str, font: str, size: float) -> float:
    register_fonts()
    return pdfmetrics.stringWidth(text, face(font), size)


_AFTER_SLASH = re.compile(r"(?<=/)(?=[^/])")


def units(word: str) -> list[str]:
    """Where a word processor may break inside a word: after a slash
    ("Persyaratan/" + "Perlengkapan"), as Unicode line breaking allows."""
    return [u for u in _AFTER_SLASH.split(word) if u]


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap as a word processor does it: break at spaces; a word
    wider than the cell may break after a slash.

    A word that still does not fit would have to be broken mid-word, which a
    reader cannot undo (it reads as two words): that is a LayoutOverflow, and
    the layouts size their cells (wider columns, smaller header fonts) so it
    never happens.
    """
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        line = ""
        for word in paragraph.split():
            pieces = [word] if text_width(word, font, size) <= width else units(word)
            for k, piece in enumerate(pieces):
                joined = f"{line}{' ' if k == 0 else ''}{piece}" if line else piece
                if text_width(joined, font, size) <= width:
                    line = joined
                    continue
                if line:
                    lines.append(line)
                _check_fits(piece, font, size, width)
                line = piece
        lines.append(line)
    return lines


def _check_fits(word: str, font: str, size: float, width: float) -> None:
    if text_width(word, font, size) > width + 0.01:
        raise LayoutOverflow(
            f"{word!r} is {text_width(word, font, size):.1f}pt wide in {face(font)} {size}pt, "
            f"the cell only {width:.1f}pt: it would have to be broken mid-word")


@dataclass
class Font:
    name: str
    size: float
    leading: float

    def ascent(self) -> float:
        # Vera's (and DejaVu's) ascender is ~0.76 em; put the baseline so the glyphs sit
        # inside the line box [top, top + leading].
        return self.size * 0.78 + (self.leading - self.size) / 2


class Doc:
    """A PDF under construction: one reportlab canvas plus the page bookkeeping."""

    def __init__(self, path, footer: str | None = None):
        register_fonts()
        # invariant=1 fixes the creation date and document id so the same
        # input gives byte-identical output.
        self.c = Canvas(str(path), pagesize=A4, invariant=1, pageCompression=1)
        self.c.setCreator("sop-ingest sample generator")
        self.footer = footer  # e.g. "Halaman {n}", or None
        self.rules_as_rects = False  # table borders as filled rectangles (see draw_rules)
        self.page = 0
        self.width, self.height = A4
        self._open = False

    # -- pages ---------------------------------------------------------
    def new_page(self, landscape_page: bool = False) -> None:
        if self._open:
            self._finish_page()
        self.width, self.height = landscape(A4) if landscape_page else A4
        self.c.setPageSize((self.width, self.height))
        self.page += 1
        self._open = True

    def _finish_page(self) -> None:
        if self.footer:
            self.text(self.width / 2, self.height - 22, self.footer.format(n=self.page),
                      Font(REGULAR, 8, 10), align="center")
        self.c.showPage()
        self._open = False

    def save(self) -> None:
        if self._open:
            self._finish_page()
        self.c.save()

    # -- primitives (top-down coordinates) -----------------------------
    def y(self, top: float) -> float:
        return self.height - top

    def text(self, x: float, baseline: float, s: str, font: Font, align: str = "left") -> None:
        missing = missing_glyphs(s, font.name)
        if missing:
            raise GlyphError(f"font {face(font.name)} has no glyph for "
                             f"{', '.join(f'U+{ord(c):04X} {c!r}' for c in sorted(missing))} in {s!r}; "
                             f"it would print as a box and read back as U+0000")
        self.c.setFont(face(font.name), font.size)
        self.c.setFillGray(0)
        if align == "center":
            self.c.drawCentredString(x, self.y(baseline), s)
        elif align == "right":
            self.c.drawRightString(x, self.y(baseline), s)
        else:
            self.c.drawString(x, self.y(baseline), s)

    def lines(self, x: float, top: float, lines: list[str], font: Font,
              align: str = "left", width: float = 0.0) -> float:
        """Draw wrapped lines from `top`; return the y below the last line."""
        for i, line in enumerate(lines):
            base = top + i * font.leading + font.ascent()
            if align == "center":
                self.text(x + width / 2, base, line, font, "center")
            elif align == "right":
                self.text(x + width, base, line, font, "right")
            else:
                self.text(x, base, line, font)
        return top + len(lines) * font.leading

    def line(self, x0: float, y0: float, x1: float, y1: float, width: float) -> None:
        self.c.setLineWidth(width)
        self.c.setStrokeGray(0)
        self.c.line(x0, self.y(y0), x1, self.y(y1))

    def path(self, points, width: float, close: bool = False, fill: bool = False,
             stroke: bool | None = None, fill_gray: float = 0.0) -> None:
        """One PDF path through `points`: pdfplumber reads a 2-point open path
        as a line and anything else as a curve with its points. `fill` fills
        it (black, or `fill_gray`); it is stroked unless filled, or when
        `stroke` says so."""
        p = self.c.beginPath()
        p.moveTo(points[0][0], self.y(points[0][1]))
        for x, yy in points[1:]:
            p.lineTo(x, self.y(yy))
        if close:
            p.close()
        self._paint(p, width, stroke=(not fill) if stroke is None else stroke,
                    fill_gray=fill_gray if fill else None)

    def capsule(self, x: float, top: float, w: float, h: float, width: float,
                fill_gray: float | None = None) -> None:
        """A terminator as one explicit path: straight top and bottom edges,
        each end a half circle of two cubic Bezier quarter arcs (curveTo)."""
        r = h / 2
        k = 0.5523 * r  # control point distance of a quarter circle
        x0, x1 = x + r, x + w - r
        y = self.y
        mid = top + r
        p = self.c.beginPath()
        p.moveTo(x0, y(top))
        p.lineTo(x1, y(top))
        p.curveTo(x1 + k, y(top), x1 + r, y(mid - k), x1 + r, y(mid))
        p.curveTo(x1 + r, y(mid + k), x1 + k, y(top + h), x1, y(top + h))
        p.lineTo(x0, y(top + h))
        p.curveTo(x0 - k, y(top + h), x0 - r, y(mid + k), x0 - r, y(mid))
        p.curveTo(x0 - r, y(mid - k), x0 - k, y(top), x0, y(top))
        p.close()
        self._paint(p, width, stroke=True, fill_gray=fill_gray)

    def _paint(self, p, width: float, stroke: bool, fill_gray: float | None) -> None:
        self.c.setLineWidth(width)
        self.c.setStrokeGray(0)
        self.c.setFillGray(0 if fill_gray is None else fill_gray)
        self.c.drawPath(p, stroke=1 if stroke else 0, fill=0 if fill_gray is None else 1)
        self.c.setFillGray(0)

    def bar(self, x: float, top: float, w: float, h: float) -> None:
        """A filled black rectangle without outline (a Word table border)."""
        self.c.setFillGray(0)
        self.c.rect(x, self.y(top + h), w, h, stroke=0, fill=1)

    def rect(self, x: float, top: float, w: float, h: float, width: float,
             fill_gray: float | None = None, stroke: bool = True) -> None:
        self.c.setLineWidth(width)
        self.c.setStrokeGray(0)
        if fill_gray is not None:
            self.c.setFillGray(fill_gray)
        self.c.rect(x, self.y(top + h), w, h, stroke=1 if stroke else 0,
                    fill=1 if fill_gray is not None else 0)
        self.c.setFillGray(0)

    def round_rect(self, x: float, top: float, w: float, h: float, radius: float, width: float) -> None:
        self.c.setLineWidth(width)
        self.c.setStrokeGray(0)
        self.c.roundRect(x, self.y(top + h), w, h, radius, stroke=1, fill=0)

    def ellipse(self, x0: float, top: float, x1: float, bottom: float, width: float, gray: float) -> None:
        self.c.setLineWidth(width)
        self.c.setStrokeGray(gray)
        self.c.ellipse(x0, self.y(bottom), x1, self.y(top), stroke=1, fill=0)
        self.c.setStrokeGray(0)


# -- ruled grids -------------------------------------------------------

Cell = tuple[float, float, float, float]  # x0, top, x1, bottom


def draw_rules(doc: Doc, cells: list[Cell], width: float) -> None:
    """Draw the borders of `cells`.

    Default: the fewest straight lines. Each cell contributes its four
    edges; collinear edges that touch are merged, so a cell spanning several
    columns simply has no inner edge and shared borders are drawn once (one
    line per ruled segment).

    With `doc.rules_as_rects` (style D), the way Word exports table borders:
    a thin filled rectangle (`width` thick, no stroke) per cell edge, i.e.
    the merged segments cut again wherever another cell's edge starts or
    ends, each drawn once, with the ends overlapping by half the thickness
    so the corners close.
    """
    horizontal: dict[float, list[tuple[float, float]]] = {}
    vertical: dict[float, list[tuple[float, float]]] = {}
    for x0, top, x1, bottom in cells:
        for yy in (top, bottom):
            horizontal.setdefault(round(yy, 2), []).append((x0, x1))
        for xx in (x0, x1):
            vertical.setdefault(round(xx, 2), []).append((top, bottom))
    if doc.rules_as_rects:
        h = width / 2
        for yy in sorted(horizontal):
            for a, b in _pieces(horizontal[yy]):
                doc.bar(a - h, yy - h, b - a + width, width)
        for xx in sorted(vertical):
            for a, b in _pieces(vertical[xx]):
                doc.bar(xx - h, a - h, width, b - a + width)
        return
    for yy in sorted(horizontal):
        for a, b in _merge(horizontal[yy]):
            doc.line(a, yy, b, yy, width)
    for xx in sorted(vertical):
        for a, b in _merge(vertical[xx]):
            doc.line(xx, a, xx, b, width)


def _pieces(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The merged segments cut at every span's end: one piece per cell edge."""
    cuts = sorted({round(v, 2) for span in spans for v in span})
    out = []
    for a, b in _merge(spans):
        inner = [c for c in cuts if a + 0.01 < c < b - 0.01]
        points = [a, *inner, b]
        out += list(itertools.pairwise(points))
    return out


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    spans = sorted(spans)
    out: list[list[float]] = []
    for a, b in spans:
        if out and a <= out[-1][1] + 0.01:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


class Flow:
    """A top-to-bottom cursor over pages of one orientation: hands out
    vertical space, starts a new page when asked for more than is left, and
    draws each page's collected table rules before leaving it."""

    def __init__(self, doc: Doc, landscape_page: bool, margins: tuple[float, float, float, float],
                 rule_width: float, start_at: float | None = None):
        """Starts a new page, or with `start_at` continues the current page from that y."""
        self.doc, self.landscape, self.margins, self.rule_width = doc, landscape_page, margins, rule_width
        self.cells: list[Cell] = []
        self.pages: list[int] = []
        if start_at is None:
            self.page()
        else:
            self.pages.append(doc.page)
            self.y = start_at

    @property
    def left(self) -> float:
        return self.margins[0]

    @property
    def width(self) -> float:
        return self.doc.width - self.margins[0] - self.margins[2]

    @property
    def bottom(self) -> float:
        return self.doc.height - self.margins[3]

    def room(self) -> float:
        return self.bottom - self.y

    def page(self) -> None:
        self.flush()
        self.doc.new_page(self.landscape)
        self.pages.append(self.doc.page)
        self.y = self.margins[1]

    def fresh(self) -> bool:
        return self.y <= self.margins[1] + 0.01

    def need(self, height: float) -> None:
        """Make sure `height` fits below the cursor, on a new page if not."""
        if height > self.room() and not self.fresh():
            self.page()

    def flush(self) -> None:
        if self.cells:
            draw_rules(self.doc, self.cells, self.rule_width)
            self.cells = []
