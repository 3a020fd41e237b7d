"""OCR of a scanned page: which regions to read, in which mode, and where the
words go.

By the time this stage runs, the page's rules, tables and flowchart are
known from pixels (raster -> flowchart -> grid). So instead of OCR-ing the
whole page and untangling columns that run together (what plain OCR of seed
002 does), we read:

- every table cell that holds text (not the role cells holding a symbol),
  as a block: the cell's words stay in their cell;
- the page outside the tables (headings, free-text sections, signatures),
  with tables and symbols masked out;
- the small labels of the flowchart: Ya/Tidak near each decision's exits
  (with the drawn strokes masked out) and the letter inside each off-page
  connector.

Words land in page coordinates in `PageContent.words` and in their cells;
decision exits are labelled again now that the words exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import cv2
import numpy as np

from . import flowchart, grid
from .components import components
from .flowchart import FlowGraph
from .ocr import DEFAULT_SETTINGS, OcrEngine, ocr_boxes, page_cap
from .primitives import BBox, PageContent, Table, Word, group_lines


@dataclass(frozen=True)
class OcrPageSettings:
    """Lengths in PDF points; multiplied by the page's scale."""

    cell_inset: float = 1.5  # keep the cell's rules out of its crop
    # Half-width of the white line drawn over strokes before reading labels:
    # wider eats the labels' letters ("Tidak" -> "fidak": 3/7 read at 2 pt,
    # 6/7 at 0.75 pt, measured on the samples).
    stroke_mask: float = 0.75
    label_reach: float = 26.0  # how far around a decision labels are looked for
    # A label read letter by letter (`_exit_letters`) counts from this sure:
    # on the fax sample a clean "Y" read 0.6-0.91, a broken "T" as "1y" 0.0-0.05.
    exit_letter_conf: float = 0.5
    # Unsharp mask for a soft page (a low-resolution photo or fax brought up
    # to OCR resolution): blur radius in points and strength. 0.7 pt at 300
    # dpi is ~3 px, the blur such pages show there.
    sharpen_radius: float = 0.7
    sharpen_amount: float = 1.5
    # Specks on a fax: dots no bigger than `speck` with no letter-sized ink
    # within `speck_reach` (a full stop or an i's dot sits by its letters).
    speck: float = 1.2
    speck_reach: float = 1.5
    # ... then smoothed a little: upsampled black-and-white letters have
    # stair-step edges, and dither dots of shading fade to light gray.
    # Measured on the fax sample's header cells: "Pelaporan" alone -> "Subkor
    # Perencanaan dan Pelaporan" at 0.25 pt.
    smooth: float = 0.25
    min_free_ink: float = 0.002  # ink share below which the free page is blank


# Scanner apps stamp their name and a link on every page; they are not content.
SCANNER_MARKS = re.compile(r"(dipindai\s+dengan|scanned\s+with|camscanner|"
                           r"https?://|www\.)", re.IGNORECASE)


def _pixels(box: BBox, shape: tuple[int, ...], inset: float = 0.0) -> tuple[int, int, int, int]:
    h, w = shape[:2]
    x0 = int(max(0, min(w, round(box.x0 + inset))))
    x1 = int(max(0, min(w, round(box.x1 - inset))))
    y0 = int(max(0, min(h, round(box.top + inset))))
    y1 = int(max(0, min(h, round(box.bottom - inset))))
    return x0, y0, x1, y1


def _flow_symbols(graph: FlowGraph) -> list[int]:
    """Symbols that take part in the flowchart (an arrow or a join touches
    them): a logo box beside the agency's name is drawn like a process box
    but has no arrows, and its cell must still be read."""
    linked = {a.source for a in graph.arrows} | {a.target for a in graph.arrows}
    linked |= {i for pair in graph.joins for i in pair}
    return sorted(linked)


def _holds_symbol(box: BBox, graph: FlowGraph) -> bool:
    return any(box.contains(graph.symbols[i].box.cx, graph.symbols[i].box.cy)
               for i in _flow_symbols(graph))


def text_cells(tables: list[Table], graph: FlowGraph) -> list[tuple[Table, int]]:
    """(table, cell index) of cells to read as text: not those holding a symbol."""
    return [(t, i) for t in tables for i, c in enumerate(t.cells) if not _holds_symbol(c.box, graph)]


def mask_drawing(img: np.ndarray, page: PageContent, graph: FlowGraph, width: float) -> np.ndarray:
    """A copy of the page with every stroke and symbol outline painted white,
    so OCR of the labels between them sees letters only."""
    out = img.copy()
    w = max(1, int(round(width)))
    for s in page.segments:
        cv2.line(out, (int(round(s.x0)), int(round(s.y0))), (int(round(s.x1)), int(round(s.y1))),
                 255, thickness=2 * w + 1)
    for shape in page.shapes:
        pts = np.array([[round(x), round(y)] for x, y in shape.points], dtype=np.int32)
        cv2.polylines(out, [pts], True, 255, thickness=2 * w + 1)
        if shape.filled:
            cv2.fillPoly(out, [pts], 255)
    return out


def read_cells(img: np.ndarray, page: PageContent, tables: list[Table], graph: FlowGraph,
               engine: OcrEngine, inset: float, cap: float | None = None) -> list[Word]:
    chosen = text_cells(tables, graph)
    boxes = [BBox(*_box_inset(t.cells[i].box, inset)) for t, i in chosen]
    results = ocr_boxes(engine, img, boxes, "block", text_px=cap)
    words: list[Word] = []
    for (t, i), found in zip(chosen, results):
        # A speck after a cell's last word reads as a full stop standing
        # apart ("kinerja ."); print glues a full stop to its word.
        while found and _speck_dot(found[-1]):
            found = found[:-1]
        t.cells[i].words.extend(found)
        words.extend(found)
    return words


def _box_inset(box: BBox, inset: float) -> tuple[float, float, float, float]:
    if box.width <= 3 * inset or box.height <= 3 * inset:
        return box.x0, box.top, box.x1, box.bottom
    return box.x0 + inset, box.top + inset, box.x1 - inset, box.bottom - inset


def read_free_text(img: np.ndarray, tables: list[Table], graph: FlowGraph, engine: OcrEngine,
                   min_ink: float) -> list[Word]:
    """Words outside the tables: headings, free sections, signature blocks."""
    masked = img.copy()
    for t in tables:
        x0, y0, x1, y1 = _pixels(t.box, img.shape, -2)
        masked[y0:y1, x0:x1] = 255
    for s in graph.symbols:
        x0, y0, x1, y1 = _pixels(s.box, img.shape, -2)
        masked[y0:y1, x0:x1] = 255
    ink = masked < 128
    if ink.mean() < min_ink:
        return []
    words = [w for found in ocr_boxes(engine, masked, free_bands(ink), "page") for w in found]
    if words:
        # A "word" taller than two lines is layout noise: list markers of
        # several lines read as one blob ("ange"), a stamp, a scribble.
        line_h = float(np.median([w.box.height for w in words]))
        words = [w for w in words if w.box.height <= 2.2 * line_h]
        words = _without_trailing_dots(words)
    return words + line_starts(masked, words, engine)


def _without_trailing_dots(words: list[Word]) -> list[Word]:
    """A lone "." ending a line, apart from its last word, is a speck (as at
    the end of a cell, `read_cells`); one opening a line is kept: a list
    marker whose digit was lost."""
    drop: set[int] = set()
    for line in group_lines(words):
        line = sorted(line, key=lambda w: w.box.x0)
        while len(line) > 1 and _speck_dot(line[-1]):
            drop.add(id(line.pop()))
    return [w for w in words if id(w) not in drop]


def _speck_dot(word: Word) -> bool:
    """A lone "." read with doubt: a speck when it ends a cell or a line."""
    return word.text == "." and word.conf < DEFAULT_SETTINGS.dot_conf


def free_bands(ink: np.ndarray, gap: float = 0.1) -> list[BBox]:
    """Boxes round the bands of ink left outside the tables, top to bottom:
    ink parted by a blank stretch taller than `gap` of the page (where a
    table was: the page's heading above it, a scanner's stamp or a page
    number below) is read apart. One box round all of it made Tesseract's
    layout pass, and the crop cleaning before it, run over the blank page
    between: on a phone photo's procedure page 0.45 s of 2.3, and the
    worker's peak of memory. Text that runs on down the page (sections, a
    list and its markers) stays in one box, read as it always was:
    Tesseract's layout of a list changes with the crop around it."""
    h, w = ink.shape
    rows = np.flatnonzero(ink.any(axis=1))
    if not len(rows):
        return []
    cut = np.flatnonzero(np.diff(rows) > gap * h)
    starts = np.concatenate(([rows[0]], rows[cut + 1]))
    ends = np.concatenate((rows[cut], [rows[-1]])) + 1
    # A margin round each band: OCR's cleaning takes what touches a crop's
    # edge for the frame of a cell and paints it out (a line's last letter).
    pad = max(4, int(0.01 * max(h, w)))
    boxes = []
    for y0, y1 in zip(starts, ends):
        xs = np.flatnonzero(ink[y0:y1].any(axis=0))
        boxes.append(BBox(float(max(0, xs[0] - pad)), float(max(0, y0 - pad)),
                          float(min(w, xs[-1] + 1 + pad)), float(min(h, y1 + pad))))
    return boxes


def line_starts(img: np.ndarray, words: list[Word], engine: OcrEngine,
                reach: float = 4.0, gap: float = 0.3) -> list[Word]:
    """Words left unread at the start of text lines. Tesseract's page
    layout drops a list's markers ("a.", "2)", "-") standing apart to the
    left of their item, most of all when blurred; without them a list's
    items run together. The strip left of each line's first word (up to
    `reach` line heights, ending `gap` before it) is read as a line of its
    own when it holds ink."""
    boxes = []
    for line in group_lines(words):
        first = min(line, key=lambda w: w.box.x0)
        h = max(w.box.height for w in line)
        x0 = max(0.0, first.box.x0 - reach * h)
        x1 = first.box.x0 - gap * h
        if x1 - x0 < 0.5 * h:
            continue
        strip = BBox(x0, min(w.box.top for w in line), x1, max(w.box.bottom for w in line))
        # Taken by a word standing mostly in the strip. A blurred photo's
        # markers of two lines ("5." over "6.") can read as one tall "word"
        # reaching into this strip: it stands for the line above, and this
        # line's marker is still to be read.
        taken = any(w.box.x1 > strip.x0 and w.box.x0 < strip.x1 and
                    min(w.box.bottom, strip.bottom) - max(w.box.top, strip.top) > 0.5 * w.box.height
                    for w in words)
        if not taken:
            boxes.append(strip)
    return [w for found in ocr_boxes(engine, img, boxes, "line") for w in found]


def read_labels(img: np.ndarray, page: PageContent, graph: FlowGraph, engine: OcrEngine,
                settings: OcrPageSettings, cap: float | None = None) -> list[Word]:
    """Ya/Tidak around decisions; the letter or digit inside off-page connectors.
    `cap`: the page's cap height (`page_cap`), measured here when not given."""
    k = page.scale
    words: list[Word] = []
    decisions = [s for s in graph.symbols if s.kind == "decision"]
    if cap is None and (decisions or any(s.kind == "connector" for s in graph.symbols)):
        cap = page_cap(img)
    if decisions:
        clean = mask_drawing(img, page, graph, settings.stroke_mask * k)
        reach = settings.label_reach * k
        boxes = [BBox(s.box.x0 - reach, s.box.top - reach, s.box.x1 + reach, s.box.bottom + reach)
                 for s in decisions]
        for found in ocr_boxes(engine, clean, boxes, "sparse", text_px=cap):
            words.extend(w for w in found if flowchart.label_kind(w.text))
        words.extend(_exit_letters(clean, graph, words, engine, cap, reach, settings))
    connectors = [s for s in graph.symbols if s.kind == "connector"]
    if connectors:
        boxes = [BBox(*_box_inset(s.box, 0.2 * min(s.box.width, s.box.height))) for s in connectors]
        for found in ocr_boxes(engine, img, boxes, "word", text_px=cap):
            words.extend(w for w in found if re.fullmatch(r"[A-Za-z0-9]{1,2}", w.text))
    return _dedupe(words)


def _exit_letters(clean: np.ndarray, graph: FlowGraph, found: list[Word], engine: OcrEngine,
                  cap: float, reach: float, settings: OcrPageSettings) -> list[Word]:
    """Labels the page-wide pass missed, read word by word.

    Tesseract reads a window of sparse text worse than a word alone: beside
    a masked line's leftovers a fax's "Y" came out "me". For each decision
    exit with no label word within `reach` of its start, the letter-sized
    ink near the start is grouped into words (letters closer than half the
    cap height), and each is read alone. Only a sure reading counts
    (`exit_letter_conf`): a broken "T" reads "1y" with confidence 0.05, and
    "1y" would be a yes. One labelled exit of two is enough: the other is
    its opposite (assembly)."""
    out: list[Word] = []
    for a in graph.arrows:
        if graph.symbols[a.source].kind != "decision":
            continue
        if any(w.box.distance_to(*a.start) <= reach for w in found + out):
            continue
        for box in _letter_groups(clean, a.start, reach, cap):
            for w in ocr_boxes(engine, clean, [box], "word", text_px=cap)[0]:
                if w.conf >= settings.exit_letter_conf and flowchart.label_kind(w.text):
                    out.append(w)
    return out


def _letter_groups(img: np.ndarray, at: tuple[float, float], reach: float, cap: float) -> list[BBox]:
    """Boxes (page coordinates, with a margin) of the words of letter-sized
    ink within `reach` of `at`."""
    hgt, wid = img.shape[:2]
    x0, y0 = max(0, int(at[0] - reach)), max(0, int(at[1] - reach))
    x1, y1 = min(wid, int(at[0] + reach) + 1), min(hgt, int(at[1] + reach) + 1)
    if x1 <= x0 or y1 <= y0:
        return []
    ink = (img[y0:y1, x0:x1] < 128).astype(np.uint8)
    n, _, stats, _ = components(ink, connectivity=8)
    # Pieces of letters too: a fax's thin strokes break a "Y" in two. Dots
    # (specks, a masked line's crumbs) are no letter's piece.
    letters = [tuple(int(v) for v in st[:4]) for st in stats[1:n]
               if 0.2 * cap <= st[3] <= 1.6 * cap and st[2] <= 1.6 * cap]
    groups: list[list[int]] = []
    for x, y, w, h in sorted(letters):
        last = groups[-1] if groups else None
        if last and x - (last[0] + last[2]) <= 0.5 * cap and abs((y + h / 2) - (last[1] + last[3] / 2)) < 0.5 * cap:
            gx, gy = min(last[0], x), min(last[1], y)
            last[:] = [gx, gy, max(last[0] + last[2], x + w) - gx, max(last[1] + last[3], y + h) - gy]
        else:
            groups.append([x, y, w, h])
    m = 0.3 * cap
    return [BBox(x0 + x - m, y0 + y - m, x0 + x + w + m, y0 + y + h + m)
            for x, y, w, h in groups if h >= 0.5 * cap]


def _dedupe(words: list[Word]) -> list[Word]:
    """Label windows overlap; the same word read twice counts once."""
    out: list[Word] = []
    for w in sorted(words, key=lambda w: -w.conf):
        if not any(o.text == w.text and o.box.contains(w.box.cx, w.box.cy) for o in out):
            out.append(w)
    return out


def drop_scanner_marks(words: list[Word]) -> tuple[list[Word], bool]:
    """Remove whole lines stamped by scanner apps ("Dipindai dengan CamScanner")."""
    keep: list[Word] = []
    dropped = False
    for line in group_lines(words):
        if SCANNER_MARKS.search(" ".join(w.text for w in line)):
            dropped = True
            continue
        keep.extend(line)
    return keep, dropped


def sharpen(img: np.ndarray, scale: float, settings: OcrPageSettings = OcrPageSettings()) -> np.ndarray:
    """Unsharp mask: the image plus `sharpen_amount` times its difference
    from a blurred copy. Tesseract reads soft, upsampled letters far better
    once their edges are steep again."""
    # In 8 bits throughout: float copies of a 300-dpi page are 35 MB each,
    # and three of them made this the worker's peak of memory.
    blurred = cv2.GaussianBlur(img, (0, 0), settings.sharpen_radius * scale)
    a = settings.sharpen_amount
    return cv2.addWeighted(img, 1.0 + a, blurred, -a, 0.0)


def despeckle(img: np.ndarray, scale: float, settings: OcrPageSettings = OcrPageSettings()) -> np.ndarray:
    """The page with a fax's specks painted white: small dots far from any
    bigger ink. Tesseract reads speckled paper as "a a aa pe" and ". wR"."""
    ink = (img < 128).astype(np.uint8)
    n, labels, stats, _ = components(ink, connectivity=8)
    if n <= 1:
        return img
    small = np.zeros(n, bool)
    small[1:] = np.maximum(stats[1:, 2], stats[1:, 3]) <= settings.speck * scale
    big = (~small[labels] & (labels > 0)).astype(np.uint8)
    k = 2 * int(round(settings.speck_reach * scale)) + 1
    near = cv2.dilate(big, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    kept = np.zeros(n, bool)
    kept[np.unique(labels[(near > 0) & (labels > 0)])] = True
    specks = small & ~kept
    if not specks.any():
        return img
    out = img.copy()
    out[specks[labels]] = 255
    return out


def for_ocr(img: np.ndarray, scale: float, soft: bool, bilevel: bool,
            settings: OcrPageSettings = OcrPageSettings()) -> np.ndarray:
    """The page as OCR should see it: a fax despeckled and smoothed, a soft
    photo sharpened."""
    if bilevel:
        return cv2.GaussianBlur(despeckle(img, scale, settings), (0, 0), settings.smooth * scale)
    if soft:
        return sharpen(img, scale, settings)
    return img


def fill_words(img: np.ndarray, page: PageContent, tables: list[Table], graph: FlowGraph,
               engine: OcrEngine, settings: OcrPageSettings = OcrPageSettings(),
               max_conf: float = 1.0) -> list[str]:
    """OCR the page's regions into `page.words` and the cells; label the exits.
    `max_conf` caps the words' confidence (a source too poor for Tesseract's
    own confidence to be believed).

    Returns warnings for the document (e.g. a scanner footer removed).
    """
    k = page.scale
    warnings: list[str] = []
    # The text's size is measured once on the whole page, for the cells and the
    # labels (the free text, read on its own masked copy, measures its own).
    cap = page_cap(img)
    cell_words = read_cells(img, page, tables, graph, engine, settings.cell_inset * k, cap)
    free, marked = drop_scanner_marks(read_free_text(img, tables, graph, engine,
                                                     settings.min_free_ink))
    if marked:
        warnings.append(f"page {page.number}: a scanner app's footer was removed from the text")
    labels = read_labels(img, page, graph, engine, settings, cap)
    page.words = cell_words + free + labels
    # Words in table cells came in per cell; labels (they sit in role cells)
    # are placed now, each table taking what the previous ones left.
    rest = labels
    for t in tables:
        rest = grid.assign_words(t, rest)
    graph.arrows, graph.label_words = flowchart.label_exits(graph.arrows, graph.symbols,
                                                            page.words, k)
    if max_conf < 1.0:
        _cap_confidence(page, tables, max_conf)
    return warnings


def _cap_confidence(page: PageContent, tables: list[Table], cap: float) -> None:
    capped: dict[int, Word] = {}

    def one(w: Word) -> Word:
        if id(w) not in capped:
            capped[id(w)] = replace(w, conf=min(w.conf, cap))
        return capped[id(w)]

    page.words = [one(w) for w in page.words]
    for t in tables:
        for c in t.cells:
            c.words[:] = [one(w) for w in c.words]
