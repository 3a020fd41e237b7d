"""OCR engines behind a narrow interface, and OCR of page regions for the scanned route.

The scanned route knows a page's tables and flowchart from pixels before it
reads a word, so it OCRs regions (a cell, a label window, the free text
outside the tables) instead of the whole page. Everything that touches an
OCR engine is here:

    OcrEngine          the interface: read(img, mode) -> words in img's pixels
    TesseractEngine    Tesseract 5 through tesserocr: one API kept alive and
                       reused (no process per cell), the page segmentation
                       mode set per call, words and confidences from the
                       result iterator
    engine()           one TesseractEngine per worker process, made lazily
    ocr_boxes()        crops of one page image -> words in page coordinates;
                       crops without text-like ink are not sent at all

What `read` does to a crop before Tesseract sees it. Each step was measured
while building this module on the text cells of the born-digital samples
rendered at 100-300 dpi, clean and with scan-like damage (blur, grey paper
with grain, JPEG, or thresholded to black and white); WER = word error rate
against the text layer:

1. contrast stretch (paper to white, darkest ink to black). Without it the
   painted-out rules and the white border stand out against grey paper and
   Tesseract reads the grain (grey 200 dpi: WER 2.5% -> 1.3%).
2. line art out: long straight strokes (an opening 2.5 cap heights long),
   blobs joined to the crop's frame, symbol outlines (hollow, or enclosing
   other ink), stubs of cut rules and arrows, arrowheads, and specks along
   the edges, painted white. A rule stub left in a crop reads as "|", "!",
   "i", ":" or "'".
3. tight crop to the text blobs plus 0.4 cap heights, then a white border of
   0.6 target cap heights (text touching the edge is misread). This is what
   makes a lone "1" or "5" in the No column readable: on the cell crop as
   cut, Tesseract returned nothing for 6-13% of such cells (WER 8-12% ->
   0.6% on clean pages).
4. upscale (cubic) when the cap height is under 16 px, to 24 px: clean
   150 dpi WER 1.1% -> 0.6%, 100 dpi 3.9% -> 0.7%. At 200 dpi (cap 18 px) and
   above it changed nothing but cost 25% more time; a 22-30 px target read
   the same.
5. binarisation is left to Tesseract (its Otsu, after our stretch).

Measured results and timings are in tests/test_ocr.py and the report that
came with this module.
"""

from __future__ import annotations

import glob
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import cv2
import numpy as np

from .components import components
from .primitives import BBox, Word, sureness

__all__ = ["DEFAULT_LANG", "MODES", "OcrEngine", "OcrSettings", "OcrUnavailable", "TesseractEngine",
           "engine", "find_tessdata", "ocr_boxes", "page_cap", "text_ink"]

# Modes and their Tesseract page segmentation modes (tesseract --help-psm).
MODES: dict[str, int] = {
    "page": 3,  # free text regions: full layout analysis
    "block": 6,  # a cell's paragraph: one uniform block of text
    "line": 7,  # a single text line
    "word": 8,  # a single word
    "char": 10,  # a single character
    # scattered labels ("Ya", "Tidak", "T", "A" around flowchart symbols):
    # each separate island of text is read as a line (psm 7); psm 11 itself
    # returned nothing for 108 of 108 lone letters, so it is only used for a
    # region with more than OcrSettings.max_islands islands
    "sparse": 11,
}

# Languages. The Debian `ind` model (tessdata 4.00, LSTM only) has no ';',
# '%', '+', '*', '[', ']', '_' or '–' in its character set: "Daerah;" reads
# "Daerah:", "100%" "1006". With "ind+eng" Tesseract retries a word with
# English when the Indonesian reading is poor, which recovers '%', '+', '*',
# '[ ]' but not ';' (ind reads a confident ':'). Rendered test lines read
# exactly: ind 140, ind+eng 168, eng+ind 187 of 207. English first gets the
# punctuation but misreads more Indonesian words on damaged scans
# ("Dispasisi", "realisast", "1 jam" -> "1jam"). On the table cells of all
# 36 sample pages ind+eng had the lowest word error rate of the three, clean
# and scanned (WER clean / grey / black and white at 200 dpi: ind 1.33 /
# 1.37 / 2.59%, ind+eng 1.25 / 1.27 / 2.53%, eng+ind 1.27 / 1.29 / 3.11%),
# at no measurable cost in time (0.9-1.0x of ind).
# The English loanwords of our SOPs (Output, Hard Copy, Soft Copy, Draft,
# Upload, Checklist) read right with every choice.
DEFAULT_LANG = "ind+eng"


class OcrUnavailable(RuntimeError):
    """The OCR engine or its language data is missing: a setup problem, not the input's."""


class OcrEngine(Protocol):
    """Reads the words of one image region.

    `read` returns words with boxes in the pixel coordinates of `img` and
    conf in 0..1. `mode` is one of MODES. `text_px`, when the caller knows
    it (from the whole page), is the cap height of the text in px; engines
    may use it to scale and to tell letters from line art.
    """

    name: str
    version: str

    def read(self, img: np.ndarray, mode: str = "block", text_px: float | None = None) -> list[Word]:
        ...


@dataclass(frozen=True)
class OcrSettings:
    """How crops are prepared for Tesseract. Lengths in px unless said otherwise."""

    target_cap_px: float = 24.0  # cap height small text is scaled up to
    upscale_below: float = 16.0  # text with a smaller cap height is scaled up
    max_upscale: float = 4.0
    pad: float = 0.6  # white border, in target cap heights
    margin: float = 0.4  # kept around the text blobs when cropping tight, in cap heights
    min_conf: float = 0.3  # words below this without a letter or digit are dropped
    # A lone "." ending a cell or a line of free text below this confidence
    # is a speck (`ocrpage._speck_dot`); one opening a line is kept: a list
    # marker whose digit was lost reads as one, and layout renumbers it.
    dot_conf: float = 0.9
    ink_level: int = 160  # ink is darker than this (and than Otsu's level), for the checks
    speck: float = 0.1  # blobs under (speck x cap)^2 px do not count as text
    bold_stroke: float = 0.15  # stroke width / cap height above this: bold, when judged alone
    heavy_stroke: float = 0.2  # ... above this: blurred heavy, read again a pixel thinner
    retry_conf: float = 0.8  # ... when a word was read with less confidence than this
    do_invert: bool = False  # Tesseract's retry of each line inverted: slower, not needed on scans
    dpi: int = 300  # resolution told to Tesseract (it only sizes noise filters)
    max_islands: int = 12  # "sparse" regions with more separate words: one psm 11 call


DEFAULT_SETTINGS = OcrSettings()

# Marks that never stand alone in SOP text: a "word" of nothing else is a
# speck, a rule's stub or dust that Tesseract read, often with confidence
# (a two-pixel tick pair read as '"' at 0.92, a short double dash as "=" at
# 0.97), so it is dropped whatever its confidence. Print glues its quotes to
# a word; "-", "&", "/", ",", ":" and "*" do stand alone and are kept.
NOISE_MARKS = frozenset("'\"`´‘’“”°«»=~^<>|_\\¥•·")

# Words whose bold test is left for later: id(word) -> (its pixels as
# Tesseract saw them, the cap height there).
BoldLater = dict[int, tuple[np.ndarray, float | None]]


# -- pixels -----------------------------------------------------------------

def to_gray(img: np.ndarray) -> np.ndarray:
    """uint8 grayscale from gray, RGB(A), bool (True = ink) or float arrays."""
    a = np.asarray(img)
    if a.dtype == bool:
        return np.where(a, 0, 255).astype(np.uint8)
    if a.ndim == 3:
        a = cv2.cvtColor(np.ascontiguousarray(a[:, :, :3]).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    elif a.dtype != np.uint8:
        a = np.clip(a, 0, 255).astype(np.uint8)
    return a


def stretch(gray: np.ndarray) -> np.ndarray:
    """Paper to white, the darkest ink to black (levels from the histogram).

    Paper is the median level less its grain (the median absolute deviation),
    ink the 0.5th percentile; a clean render (white paper, black ink) comes
    back unchanged.
    """
    hist = np.bincount(gray.ravel(), minlength=256)
    cdf = np.cumsum(hist)
    n = int(cdf[-1])
    bg = int(np.searchsorted(cdf, n / 2))
    # the histogram of |level - bg|, for the median absolute deviation
    dev_hist = np.bincount(np.abs(np.arange(256) - bg), weights=hist, minlength=256)
    grain = 1.4826 * float(np.searchsorted(np.cumsum(dev_hist), n / 2))
    hi = max(bg - grain - 2.0, bg - 60.0, 64.0)
    lo = min(float(np.searchsorted(cdf, 0.005 * n)), hi - 64.0)
    if hi >= 254.0 and lo <= 1.0:
        return gray
    lut = np.clip((np.arange(256) - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)
    return cv2.LUT(gray, lut)


def ink_mask(gray: np.ndarray, level: int = 160) -> np.ndarray:
    """1 where ink: darker than Otsu's level and than `level` (blank paper's grain is not ink)."""
    t, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return (gray <= min(t, level)).astype(np.uint8)


def _line_mask(ink: np.ndarray, length: int, side: int = 0) -> np.ndarray:
    """Pixels on horizontal or vertical strokes at least `length` px long.

    With `side`, a run whose band of that depth on either side is over 30%
    ink is no stroke but a row of letters blurred together (a phone photo
    of small text): the x-height of "Disposisi" runs as long as a rule,
    and a stroke has paper both sides but where a letter touches it.
    """
    out = np.zeros_like(ink)
    for kernel, horizontal in (((length, 1), True), ((1, length), False)):
        runs = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        if not side or not runs.any():
            out |= runs
            continue
        n, labels, st, _ = components(runs, connectivity=8)
        keep = np.zeros(n, bool)
        H, W = ink.shape
        for i in range(1, n):
            x, y, w, h = st[i, :4]
            if horizontal:
                bands = (ink[max(0, y - side):y, x:x + w], ink[y + h:min(H, y + h + side), x:x + w])
            else:
                bands = (ink[y:y + h, max(0, x - side):x], ink[y:y + h, x + w:min(W, x + w + side)])
            keep[i] = all(b.size == 0 or b.mean() < 0.3 for b in bands)
        out |= (keep[labels] & (runs > 0)).astype(np.uint8)
    return out


def stroke(gray: np.ndarray, cap: float | None = None) -> float:
    """How heavy a word's letters are: mean stroke width / cap height.

    Stroke width is 2 x ink area / ink boundary. The height is the larger of
    `cap` (the page's) and the word's own (75th percentile of its letters'
    heights), so a 14 pt heading is not taken for bold beside 9 pt text.
    0 when there is no ink.
    """
    ink = ink_mask(gray)
    area = int(ink.sum())
    if not area:
        return 0.0
    inner = int(cv2.erode(ink, np.ones((3, 3), np.uint8)).sum())
    _, _, st, _ = components(ink, connectivity=8)
    hs = st[1:, 3][st[1:, 3] >= 3]
    own = upper_quartile(hs) if len(hs) else 0.0
    size = max(cap or 0.0, own)
    return 2.0 * area / max(1, area - inner) / size if size else 0.0


def upper_quartile(values: np.ndarray) -> float:
    """np.percentile(values, 75), the same number (its linear rule and its
    form of the interpolation), for the few letter heights of one word: at
    every word of a page np.percentile's own overhead was half of `stroke`."""
    v = np.sort(values).tolist()
    at = 0.75 * (len(v) - 1)
    lo = int(at)
    t = at - lo
    if t == 0.0:
        return float(v[lo])
    a, b = float(v[lo]), float(v[lo + 1])
    d = b - a
    return b - d * (1.0 - t) if t >= 0.5 else a + d * t


@dataclass
class Blobs:
    """Connected ink components of a crop, split into text and line art."""

    labels: np.ndarray
    stats: np.ndarray  # n x 5: x, y, w, h, area (background row dropped)
    art: np.ndarray  # bool per blob: rule, stroke, outline or frame, not text
    outline: np.ndarray  # bool per blob: a drawn symbol's outline (part of art)
    cap: float | None  # cap height of the text (given, or estimated from the blobs)


def find_blobs(ink: np.ndarray, cap: float | None = None) -> Blobs:
    """The ink's connected components, with the ones that are line art marked.

    Line art: joined to the crop's frame, spanning half of it and hollow
    (rules, or a symbol with its arrows); long and thin; within a band along
    the crop's edges (rule remnants); and, given the text's cap height, symbol
    outlines: hollow and over 1.6 caps tall or 6 wide, or a box around
    other ink (a connector round its letter). `cap`, if not given, is the
    75th percentile of the heights of the remaining letter-like blobs.
    """
    _, labels, stats, _ = components(ink, connectivity=8)
    st = stats[1:]
    H, W = ink.shape
    x, y, w, h, area = (st[:, i] for i in range(5))
    fill = area / np.maximum(w * h, 1)
    # joined to the crop's frame, spanning half of it, and hollow: rules, or a
    # symbol with its arrows; not a letter cut by a tight crop (fill >= 0.2)
    frame = (((x == 0) | (y == 0) | (x + w == W) | (y + h == H)) & ((w >= 0.5 * W) | (h >= 0.5 * H))
             & (fill < 0.2))
    long_, short = np.maximum(w, h), np.minimum(w, h)
    thin = (long_ >= 10 * short) & (long_ >= 0.25 * max(W, H))
    art = frame | thin
    if cap is None:
        cand = ~art & (h >= 4) & (w <= 3 * h)
        cap = float(np.percentile(h[cand], 75)) if cand.any() else None
    outline = np.zeros(len(st), bool)
    if cap:
        outline |= ((h > 1.6 * cap) | (w > 6 * cap)) & (fill < 0.2)  # symbol outlines
        outline |= _enclosing(st, cap) & (fill < 0.35)  # a connector's outline around its letter
    band = max(2.0, 0.3 * cap) if cap else 3.0  # rule remnants along the crop's edges
    art |= outline | (x + w <= band) | (y + h <= band) | (x >= W - band) | (y >= H - band)
    return Blobs(labels, st, art, outline, cap)


def _enclosing(st: np.ndarray, cap: float) -> np.ndarray:
    """Blobs at least a cap height tall whose box holds another blob of some size."""
    big = np.flatnonzero((st[:, 3] >= cap) & (st[:, 2] >= 0.8 * cap))
    out = np.zeros(len(st), bool)
    if not len(big) or len(st) < 2:
        return out
    inner = st[(st[:, 3] >= 0.3 * cap)]
    for i in big:
        x, y, w, h = st[i, :4]
        held = ((inner[:, 0] > x) & (inner[:, 1] > y) & (inner[:, 0] + inner[:, 2] < x + w)
                & (inner[:, 1] + inner[:, 3] < y + h))
        out[i] = held.any()
    return out


def _contour(labels: np.ndarray, st: np.ndarray, label: int) -> tuple[np.ndarray | None, int]:
    x, y, w, h, area = (int(v) for v in st)
    mask = (labels[y:y + h, x:x + w] == label).astype(np.uint8)
    cs, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return (max(cs, key=cv2.contourArea) if cs else None), area


def _solid(labels: np.ndarray, st: np.ndarray, label: int) -> bool:
    """A filled triangle: an arrowhead left over from its shaft (letters are not this solid
    at half fill; the solid letters, l I 1 - ., fill their box)."""
    c, area = _contour(labels, st, label)
    if c is None:
        return False
    hull = cv2.contourArea(cv2.convexHull(c))
    fill = area / max(1, st[2] * st[3])
    return hull > 0 and area / hull >= 0.85 and 0.3 <= fill <= 0.7


def _hollow(labels: np.ndarray, st: np.ndarray, label: int) -> bool:
    """An outline round an empty middle over half its box: a symbol or a box.
    (A heading's "O" twice the body text's size has a hole of 0.3-0.45.)"""
    c, area = _contour(labels, st, label)
    return c is not None and cv2.contourArea(c) - area > 0.5 * st[2] * st[3]


@dataclass
class Cleaned:
    """A crop with its line art painted out, and where its text blobs are."""

    gray: np.ndarray
    boxes: np.ndarray  # k x 4 (x, y, w, h) of the text blobs kept
    areas: np.ndarray  # their ink, px
    cap: float | None


@dataclass
class Prepared:
    img: np.ndarray  # what Tesseract gets
    scale: float  # img px per crop px
    ox: float  # crop coordinates of img's (0, 0)
    oy: float
    cap: float | None  # cap height in crop px


def clean(gray: np.ndarray, settings: OcrSettings = DEFAULT_SETTINGS,
          text_px: float | None = None) -> Cleaned | None:
    """Stretch the contrast and paint the line art out; None when no text blob is left.

    Blobs are sorted twice: as found (a symbol with its arrows, a cell's
    frame: line art), and again after long straight strokes are taken out,
    so that a letter touching a rule keeps its own pixels while the curved
    ends of a symbol and the stubs of a cut arrow go with their stroke.
    """
    s = settings
    gray = stretch(gray)
    ink = ink_mask(gray, s.ink_level)
    b0 = find_blobs(ink, text_px)
    cap = b0.cap
    L = int(max(12, 2.5 * cap)) if cap else int(max(12, 0.3 * max(ink.shape)))
    lines = _line_mask(ink, L, int(round(0.25 * cap)) if cap else 0)
    if lines.any():
        lines = cv2.dilate(lines, np.ones((3, 3), np.uint8))
        ink = ink & (1 - lines)
    b = find_blobs(ink, cap)
    art = b.art.copy()
    if len(b.stats) and len(b0.stats):
        origin = np.zeros(len(b.stats) + 1, np.int64)  # each blob's blob before the lines went
        origin[b.labels[ink > 0]] = b0.labels[ink > 0]
        origin = origin[1:] - 1
        w, h, area = b.stats[:, 2], b.stats[:, 3], b.stats[:, 4]
        hit = np.zeros(len(b0.stats), bool)
        if lines.any():
            hit[b0.labels[(lines > 0) & (b0.labels > 0)] - 1] = True  # lost pixels to the lines
        if cap:
            glyph = (h >= 0.4 * cap) & (h <= 1.5 * cap) & (w <= 4 * cap) & (area >= 0.2 * w * h)
            small = (w < 0.6 * cap) & (h < 0.6 * cap)
        else:
            glyph = np.ones(len(b.stats), bool)
            small = np.zeros(len(b.stats), bool)
        art |= b0.outline[origin]  # every piece of a symbol's outline
        art |= b0.art[origin] & ~glyph  # what is left of a frame (a letter touching a rule stays)
        art |= hit[origin] & small  # the stub of a rule or an arrow
        if cap:
            heads = np.flatnonzero(b0.art[origin] & glyph & ~art & (w <= 1.2 * cap) & (h <= 1.2 * cap))
            outlines = np.flatnonzero(~art & (h > 1.9 * cap))
            art[heads] = [_solid(b.labels, b.stats[i], i + 1) for i in heads]
            art[outlines] = [_hollow(b.labels, b.stats[i], i + 1) for i in outlines]
    keep = ~art & (b.stats[:, 4] >= max(2.0, (s.speck * cap) ** 2 if cap else 4.0))
    erase = lines.astype(bool)
    if art.any():
        erase |= cv2.dilate(np.isin(b.labels, np.flatnonzero(art) + 1).astype(np.uint8),
                            np.ones((3, 3), np.uint8)).astype(bool)
    if erase.any():
        gray = gray.copy()
        gray[erase] = 255
    if not keep.any():
        return None
    return Cleaned(gray, b.stats[keep, :4], b.stats[keep, 4], cap)


def islands(c: Cleaned, gap: float = 0.8) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of the separate words or lines of text in a cleaned crop:
    blobs closer than `gap` cap heights side by side (and overlapping in height) join."""
    cap = c.cap or float(np.median(c.boxes[:, 3]))
    order = np.argsort(c.boxes[:, 0])
    groups: list[list[int]] = []
    for i in order:
        x, y, w, h = (int(v) for v in c.boxes[i])
        for g in groups:
            gx0, gy0, gx1, gy1 = g
            if x - gx1 <= gap * cap and min(y + h, gy1) - max(y, gy0) > 0.3 * min(h, gy1 - gy0):
                g[:] = [min(gx0, x), min(gy0, y), max(gx1, x + w), max(gy1, y + h)]
                break
        else:
            groups.append([x, y, x + w, y + h])
    return [tuple(g) for g in groups]


def crop_for_tesseract(c: Cleaned, rect: tuple[int, int, int, int] | None = None,
                       settings: OcrSettings = DEFAULT_SETTINGS) -> Prepared:
    """Cut `rect` (default: around all text blobs) with a margin, scale, add a white border."""
    s = settings
    cap = c.cap
    if rect is None:
        b = c.boxes
        rect = (int(b[:, 0].min()), int(b[:, 1].min()), int((b[:, 0] + b[:, 2]).max()),
                int((b[:, 1] + b[:, 3]).max()))
    m = int(round(s.margin * cap)) if cap else 2
    H, W = c.gray.shape
    x0, y0 = max(0, rect[0] - m), max(0, rect[1] - m)
    x1, y1 = min(W, rect[2] + m), min(H, rect[3] + m)
    gray = c.gray[y0:y1, x0:x1]
    scale = 1.0
    if cap and cap < s.upscale_below:
        scale = min(s.target_cap_px / cap, s.max_upscale)
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    p = int(round(s.pad * s.target_cap_px))
    gray = cv2.copyMakeBorder(gray, p, p, p, p, cv2.BORDER_CONSTANT, value=255)
    return Prepared(np.ascontiguousarray(gray), scale, x0 - p / scale, y0 - p / scale, cap)


def prepare(gray: np.ndarray, settings: OcrSettings = DEFAULT_SETTINGS,
            text_px: float | None = None) -> Prepared | None:
    """The crop as Tesseract should see it; None when it holds no text."""
    c = clean(gray, settings, text_px)
    return None if c is None else crop_for_tesseract(c, None, settings)


# -- Tesseract --------------------------------------------------------------

def find_tessdata(lang: str = DEFAULT_LANG, explicit: str | None = None) -> str:
    """The tessdata folder holding every language of `lang` ("ind+eng")."""
    need = [x for x in lang.split("+") if x]
    dirs: list[str] = []
    if explicit:
        dirs.append(explicit)
    env = os.environ.get("TESSDATA_PREFIX")
    if env:
        dirs += [env, os.path.join(env, "tessdata")]
    dirs += sorted(glob.glob("/usr/share/tesseract-ocr/*/tessdata"), reverse=True)
    dirs += ["/usr/share/tessdata", "/usr/local/share/tessdata", "/opt/homebrew/share/tessdata"]
    try:
        import tesserocr

        dirs.append(tesserocr.get_languages()[0])
    except (ImportError, RuntimeError, IndexError):  # no tesserocr, or no default path in it
        pass
    for d in dirs:
        if all(os.path.isfile(os.path.join(d, f"{x}.traineddata")) for x in need):
            return d
    missing = [x for x in need
               if not any(os.path.isfile(os.path.join(d, f"{x}.traineddata")) for d in dirs)]
    looked = ", ".join(dict.fromkeys(d for d in dirs if d))
    if not missing:
        raise OcrUnavailable(f"no single tessdata folder holds all of {lang} (looked in: {looked}); "
                             "set TESSDATA_PREFIX")
    pkgs = " and ".join(f"tesseract-ocr-{x}" for x in missing)
    verb = "is" if len(missing) == 1 else "are"
    raise OcrUnavailable(f"{pkgs} {verb} not installed: run make setup "
                         f"(no {', '.join(x + '.traineddata' for x in missing)} in: {looked})")


class TesseractEngine:
    """Tesseract 5 through tesserocr, one API kept alive for every call.

    Not for concurrent use from several threads: calls are serialised by a
    lock (the API holds one image and one result at a time). Use one engine
    per process (see `engine()`).
    """

    name = "tesseract"

    def __init__(self, lang: str = DEFAULT_LANG, tessdata: str | None = None,
                 settings: OcrSettings = DEFAULT_SETTINGS):
        try:
            import tesserocr
        except ImportError as exc:
            raise OcrUnavailable("the tesserocr package is not installed: run make setup") from exc
        self._tesserocr = tesserocr
        self.lang = lang
        self.settings = settings
        self.tessdata = find_tessdata(lang, tessdata)
        try:
            self.api = tesserocr.PyTessBaseAPI(path=os.path.join(self.tessdata, ""), lang=lang,
                                               oem=tesserocr.OEM.LSTM_ONLY,
                                               psm=tesserocr.PSM.SINGLE_BLOCK)
        except RuntimeError as exc:
            raise OcrUnavailable(f"Tesseract could not load {lang} from {self.tessdata}: {exc}") from exc
        self.api.SetVariable("tessedit_do_invert", "1" if settings.do_invert else "0")
        self.api.SetVariable("debug_file", "/dev/null")  # no "Estimating resolution" chatter
        self.version = tesserocr.tesseract_version().split()[1]
        self._lock = threading.Lock()

    def read(self, img: np.ndarray, mode: str = "block", text_px: float | None = None) -> list[Word]:
        if mode not in MODES:
            raise ValueError(f"unknown OCR mode {mode!r}; one of {', '.join(MODES)}")
        gray = to_gray(img)
        if gray.size == 0:
            return []
        c = clean(gray, self.settings, text_px)
        return [] if c is None else self.read_cleaned(c, mode)

    def read_cleaned(self, c: Cleaned, mode: str, later: BoldLater | None = None) -> list[Word]:
        """`read` for a crop already through `clean` (ocr_boxes cleans once for both
        the blank check and the reading). With `later`, the bold test of words of
        3 or more characters is left to the caller (see `_recognise`)."""
        if mode == "sparse":
            # Islands too small to hold a letter are specks (a fax's, a
            # photo's grain): counted, they would push a label window with a
            # lone "T" or "Y" over max_islands into psm 11, which drops lone letters.
            parts = [r for r in islands(c)
                     if not c.cap or max(r[2] - r[0], r[3] - r[1]) >= 0.45 * c.cap]
            if len(parts) <= self.settings.max_islands:
                # psm 11 drops a lone letter (0 of 108 "Y", "T", "A" rendered
                # alone were read); each island read as a line: 102 of 108.
                return [w for r in parts
                        for w in self._recognise(crop_for_tesseract(c, r, self.settings), MODES["line"],
                                                 later)]
        prep = crop_for_tesseract(c, None, self.settings)
        words = self._recognise(prep, MODES[mode], later)
        if words:
            return self._heavy_retry(c, prep, MODES[mode], words, later)
        # The crop holds text (`clean` found letter-sized blobs) but nothing
        # was read. Tesseract's block layout drops a lone character (a "8"
        # in the No column), and its blob filter drops strokes too heavy for
        # their size (a blurred bold "No." in a photo): retry as one line,
        # then as one line with the strokes a pixel thinner.
        thin = replace(prep, img=cv2.dilate(prep.img, np.ones((3, 3), np.uint8)))
        for again, psm in ((prep, MODES["line"]), (thin, MODES["line"])):
            if again is prep and psm == MODES[mode]:
                continue
            words = self._recognise(again, psm, later)
            if words:
                break
        return words

    def _heavy_retry(self, c: Cleaned, prep: Prepared, psm: int, words: list[Word],
                     later: BoldLater | None = None) -> list[Word]:
        """Letters blurred into heavy strokes (a phone photo) are often
        misread ("dari masing-masing" -> "aman nang") and read right once
        they lose a pixel all round; bold print reads better as it is. So a
        heavy crop read with doubt is read again thinner, and the reading
        the engine is surer of is kept."""
        s = self.settings
        if min(w.conf for w in words) >= s.retry_conf or not c.cap:
            return words
        if stroke(prep.img, c.cap * prep.scale) <= s.heavy_stroke:
            return words
        thin = replace(prep, img=cv2.dilate(prep.img, np.ones((2, 2), np.uint8)))
        again = self._recognise(thin, psm, later)
        return again if sureness(again) > sureness(words) else words

    def _recognise(self, prep: Prepared, psm: int, later: BoldLater | None = None) -> list[Word]:
        """Tesseract on one prepared crop. Each word's bold is judged on its own
        stroke; with `later`, words of 3 or more characters are not judged here
        but their pixels are kept in `later` by the word's id: `ocr_boxes`
        judges them against the page's other words, and falls back to this
        test only when the page has too few words (measuring every stroke
        twice cost 10-15% of a page's OCR time)."""
        ts = self._tesserocr
        s = self.settings
        h, w = prep.img.shape
        buf = prep.img.tobytes()  # SetImageBytes does not copy: keep it alive until done
        level = ts.RIL.WORD
        found: list[tuple[str, float, tuple[int, int, int, int]]] = []
        # found index -> (the word's box, its first letter's box)
        initial: dict[int, tuple[tuple[int, int, int, int], tuple[int, int, int, int]]] = {}
        with self._lock:
            api = self.api
            api.SetPageSegMode(psm)
            api.SetImageBytes(buf, w, h, 1, w)
            api.SetSourceResolution(s.dpi)
            api.Recognize()
            it = api.GetIterator()
            for r in (ts.iterate_level(it, level) if it is not None else ()):
                try:
                    text = (r.GetUTF8Text(level) or "").strip()
                except RuntimeError:  # an empty result
                    continue
                if text:
                    x0, _, x1, _ = r.BoundingBox(level)
                    # top and bottom of the word's text line, as a PDF text layer gives
                    # them (font ascent to descent), so that "-" or "." in a line stays
                    # in it when words are grouped into lines
                    _, top, _, bottom = r.BoundingBox(ts.RIL.TEXTLINE)
                    if text[:1] == "i" and text[1:2].islower():
                        # at a word's start the iterator is also at its first letter
                        initial[len(found)] = (r.BoundingBox(level), r.BoundingBox(ts.RIL.SYMBOL))
                    found.append((text, r.Confidence(level) / 100.0, (x0, top, x1, bottom)))
        for j, (word_box, letter_box) in initial.items():
            text, conf, box = found[j]
            found[j] = (initial_case(text, prep.img, word_box, letter_box), conf, box)
        k = prep.scale
        words = []
        for text, conf, (bx0, by0, bx1, by1) in found:
            conf = max(0.0, min(1.0, conf))
            if bx1 - bx0 < 2 or by1 - by0 < 2 or set(text) <= {"|"}:
                continue  # degenerate boxes, rule stubs
            if not any(ch.isalnum() for ch in text) and (conf < s.min_conf or set(text) <= NOISE_MARKS):
                continue
            pixels, cap = prep.img[by0:by1, bx0:bx1], prep.cap * k if prep.cap else None
            defer = later is not None and len(text) >= 3
            word = Word(text, BBox(bx0 / k + prep.ox, by0 / k + prep.oy,
                                   bx1 / k + prep.ox, by1 / k + prep.oy), conf,
                        False if defer else stroke(pixels, cap) > s.bold_stroke)
            if defer:
                later[id(word)] = (pixels, cap)
            words.append(word)
        return words


def initial_case(text: str, img: np.ndarray, word_box: tuple[int, int, int, int],
                 letter_box: tuple[int, int, int, int]) -> str:
    """A word's first letter read as a small "i" that is a capital "I".

    The two differ in shape, not only in size, and Tesseract mixes them up
    on damaged print (a fax's speck beside a serifed "I" read as the dot of
    "internal"). A small i's stem is x-height tall, under a gap and a dot; a
    capital's runs from the baseline to the top of the word. The stem is the
    longest vertical run of ink in the letter's columns, measured against
    the word's ink height (`word_box`), so a dot left out of the letter's
    box does not matter. Only for a word going on in small letters.

    Blur can join a small i's dot to its stem ("ini" in blurred bold print
    ran 0.92-1.0 of the height): the join is gray, while a stroke's core
    is black from end to end. So the stem must also run most of the height
    in near-black ink (crops reach here stretched, ink to black): blurred
    joined i's measured at most 0.72 there, the fax's capital 0.87.
    """
    x0, top, x1, bottom = word_box
    lx0, _, lx1, lbottom = letter_box
    height = lbottom - top
    if height < 8 or lx1 - lx0 < 1 or lx1 - lx0 > 0.6 * height:
        return text  # too small to tell, or more than one letter in the box
    letter = img[top:lbottom, lx0:lx1]

    def stem(level: int) -> int:
        return max((_longest_run(col) for col in (letter < level).T), default=0)
    # Only one way: a capital's measured stem runs 0.64-0.93 of the height
    # on the sample photos (blur breaks it, and ascenders such as the "d"
    # of "Indonesia" stand above the cap), so a short stem proves nothing.
    if text[0] == "i" and stem(128) >= 0.9 * height and stem(40) >= 0.8 * height:
        return "I" + text[1:]
    return text


def _longest_run(col: np.ndarray) -> int:
    """The longest stretch of True in a 1-d bool array."""
    if not col.any():
        return 0
    edges = np.flatnonzero(np.diff(np.concatenate(([0], col.astype(np.int8), [0]))))
    return int((edges[1::2] - edges[::2]).max())


# -- one engine per process -------------------------------------------------

_engines: dict[str, TesseractEngine] = {}
_engines_pid: int | None = None
_inherited: list[TesseractEngine] = []  # a parent's engines: never ended in the child
_engines_lock = threading.Lock()


def _after_fork() -> None:
    global _engines_lock
    _engines_lock = threading.Lock()  # the parent may have held it while forking


os.register_at_fork(after_in_child=_after_fork)


def engine(lang: str = DEFAULT_LANG) -> TesseractEngine:
    """This process's TesseractEngine for `lang`, made on first use.

    A forked worker inherits the parent's engine object but must not use it
    (its Tesseract state is a copy, possibly mid-call); a changed pid makes a
    fresh one. The inherited object is kept referenced, not freed, so the
    child never runs Tesseract's teardown on the parent's memory.
    """
    global _engines_pid
    pid = os.getpid()
    with _engines_lock:
        if _engines_pid != pid:
            _inherited.extend(_engines.values())
            _engines.clear()
            _engines_pid = pid
        eng = _engines.get(lang)
        if eng is None:
            eng = _engines[lang] = TesseractEngine(lang)
        return eng


# -- crops of a page --------------------------------------------------------

def _crop(img: np.ndarray, box: BBox) -> tuple[np.ndarray, int, int]:
    h, w = img.shape[:2]
    x0 = int(max(0, min(w, np.floor(box.x0))))
    y0 = int(max(0, min(h, np.floor(box.top))))
    x1 = int(max(0, min(w, np.ceil(box.x1))))
    y1 = int(max(0, min(h, np.ceil(box.bottom))))
    return img[y0:y1, x0:x1], x0, y0


def text_ink(c: Cleaned | None, size: int) -> float:
    """Share of a crop's `size` pixels that are ink in text-like blobs, after `clean`.

    Line art is not counted (rules and everything joined to the crop's
    frame, long strokes, symbol outlines and arrowheads), nor specks under a
    quarter cap height square. An empty cell, or a cell holding only a
    flowchart symbol and its arrows, scores 0 however much line art it has.
    """
    if c is None or not size:
        return 0.0
    speck = (0.25 * c.cap) ** 2 if c.cap else 9.0
    return float(c.areas[c.areas >= speck].sum()) / size


def _any_ink(gray: np.ndarray, cap: float | None, level: int) -> bool:
    """Cheap first look: any dark pixels inside the crop's edge band at all?
    Most empty cells stop here, before connected components."""
    b = int(max(2, 0.3 * cap)) if cap else 3
    inner = gray[b:-b, b:-b] if min(gray.shape) > 2 * b + 2 else gray
    need = (0.25 * cap) ** 2 if cap else 9.0
    return int(np.count_nonzero(inner < level)) >= need


def page_cap(img: np.ndarray, level: int = 160) -> float | None:
    """Cap height in px of a page's text: the 75th percentile of the heights of
    its letter-like blobs (most blobs on an SOP page are letters; the 75th
    percentile lands on capitals and ascenders, not x-height). Measured on the
    samples: 17-19 px at 200 dpi and 25-29 px at 300 dpi for 9 pt text (true
    18 / 27). Pages over 1 500 px are read at half size (4x fewer pixels, the
    same answer to a pixel or two). None when fewer than 8 letters are found.
    """
    gray = to_gray(img)
    k = 2 if min(gray.shape) > 1500 else 1
    if k > 1:
        gray = cv2.resize(gray, None, fx=1 / k, fy=1 / k, interpolation=cv2.INTER_AREA)
    b = find_blobs(ink_mask(gray, level))
    st = b.stats[~b.art]
    w, h, a = st[:, 2], st[:, 3], st[:, 4]
    hs = h[(h >= 3) & (w <= 2 * h) & (a >= 0.2 * w * h) & (h <= 0.1 * max(gray.shape))]
    return float(np.percentile(hs, 75)) * k if len(hs) >= 8 else None


def ocr_boxes(engine: OcrEngine, img: np.ndarray, boxes: Sequence[BBox], mode: str = "block",
              min_ink: float = 0.0002, text_px: float | None = None,
              settings: OcrSettings = DEFAULT_SETTINGS) -> list[list[Word]]:
    """Words of each box of one page image, in page coordinates.

    A crop goes to the engine only if its text-like ink (`text_ink`) is at
    least `min_ink` of its area. Empty cells and cells holding only a
    flowchart symbol (with its arrows) score 0 and are never sent; the
    default 0.0002 (0.02%) sits below the sparsest real text in the samples
    (a "T"/"Y" label pair in a flowchart cell: 0.18%; a one-letter connector:
    0.28%) and only keeps stray specks out. A cheap numpy count of dark
    pixels inside the crop's edges comes first, so most empty cells cost
    microseconds.

    `text_px` is the text's cap height in px. By default it is estimated from
    the whole image (`page_cap`, 20-50 ms a page): a page's letters tell text
    from symbols and arrowheads far better than one small crop can. A caller
    making several calls for one page should compute it once and pass it.

    Bold: with 20 or more words, a word is bold when its stroke (`stroke`)
    is over 1.2 times the median of the words read (regular text is most of
    a page); with fewer, the engine's absolute test stands. On the samples'
    table cells: 85-87% of bold words found on clean 200/300 dpi renders,
    20-55% on blurred grey scans, no regular word taken for bold.
    """
    if mode not in MODES:
        raise ValueError(f"unknown OCR mode {mode!r}; one of {', '.join(MODES)}")
    if not boxes:
        return []
    gray = to_gray(img)
    cap = text_px if text_px is not None else page_cap(gray, settings.ink_level)
    fast = isinstance(engine, TesseractEngine)
    out: list[list[Word]] = []
    later: BoldLater = {}  # keyed by the ids of the words in `out`
    for box in boxes:
        crop, x0, y0 = _crop(gray, box)
        if min(crop.shape) < 3 or not _any_ink(crop, cap, settings.ink_level):
            out.append([])
            continue
        c = clean(crop, settings, cap)
        ink = text_ink(c, crop.size)
        if ink <= 0 or ink < min_ink:
            out.append([])
            continue
        crop_later: BoldLater = {}
        words = engine.read_cleaned(c, mode, crop_later) if fast else engine.read(crop, mode, text_px=cap)
        placed = []
        for w in words:
            p = Word(w.text, BBox(w.box.x0 + x0, w.box.top + y0, w.box.x1 + x0, w.box.bottom + y0),
                     w.conf, w.bold)
            if id(w) in crop_later:
                later[id(p)] = crop_later[id(w)]
            placed.append(p)
        out.append(placed)
    return _page_bold(gray, out, cap, settings, later)


def _page_bold(gray: np.ndarray, found: list[list[Word]], cap: float | None,
               settings: OcrSettings, later: BoldLater | None = None) -> list[list[Word]]:
    """Bold judged against the page's other words; where that cannot be done,
    the words left for later (`later`) get the test of each word alone."""
    later = later or {}
    words = [w for ws in found for w in ws if len(w.text) >= 3]
    sw: dict[int, float] = {}
    ref = 0.0
    if len(words) >= 20 and cap:
        sw = {id(w): stroke(stretch(gray[int(w.box.top):int(np.ceil(w.box.bottom)),
                                         int(w.box.x0):int(np.ceil(w.box.x1))]), cap) for w in words}
        ref = float(np.median(list(sw.values())))
    if ref <= 0:
        if not later:
            return found

        def bold(w: Word) -> bool:
            if id(w) not in later:
                return w.bold
            pixels, own_cap = later[id(w)]
            return stroke(pixels, own_cap) > settings.bold_stroke
    else:
        def bold(w: Word) -> bool:
            return sw[id(w)] > 1.2 * ref if id(w) in sw else w.bold

    return [[Word(w.text, w.box, w.conf, bold(w)) for w in ws] for ws in found]
