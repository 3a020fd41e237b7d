"""Orient: which way up is the page? 0, 90, 180 or 270 degrees.

Landscape procedure tables photographed with the phone held upright come in
sideways, and pages are scanned or photographed upside down. A chain of small
pure functions over the page's character-sized ink blobs:

    ink blobs -> character boxes -> nearest-neighbour pairs
              -> line direction (0/180 vs 90/270)
              -> which side the baseline is on (0 vs 180, 90 vs 270)

Line direction: a letter's nearest neighbour is the next letter in its word
(about half an em away), not the letter in the line above (more than an em).
So nearest-neighbour pairs point along the text lines.

Up or down: in Latin script most letters sit on the baseline and only
g/j/p/q/y hang below it, while ascenders (b d f h k l t), capitals and digits
stand above the x-height. Two neighbouring letters therefore share their
bottom edge far more often than their top edge (the synthetic Indonesian
SOP pages: ~85% vs ~60% of pairs). Turned 180°, it is the other way round. All-capital text
and digits are neutral, so they do not mislead; they only dilute.

Why not Tesseract OSD (pytesseract.image_to_osd)? Both were measured on
the two synthetic SOP pages (plain and skewed) and the eight deskew test
scans, each turned 0/90/180/270 (48 cases, 2 cores): OSD got 42 right and
took 0.3-2.3 s a page (0.9 s mean); it failed on sheet music, a two-column
paper and the picture card. This test got 45 right in 0.05-0.4 s, with no
Tesseract process, deterministically; its 3 misses are that picture card
(deskew-8, a few tiny captions) turned 90/180/270, where it answers 0
(undecided) rather than guess. It needs Latin-script text, a dozen letter
pairs at least; with less, or no clear evidence, the letters leave the page
as it is (and reading, below, may still turn it).

Scale: characters should be at least ~8 px tall at the working size
(OrientSettings.work_px = 2000 px long side: 10-pt text on A4 is ~17 px).

Where the letters fail, reading settles it (`settle`). In a blurred phone
photo of a page of small text (about 125 dpi on the paper), the ink mask
keeps only the cores of the letters, in pieces, and words run together: the
pieces' edges then line up at the top more often than at the bottom. One
such upright identity page, of a document no sample shows, scored -0.12,
as sure as a turned page, and was turned upside down (all of its fields
lost); turned over, the same page scored +0.12 and would have stayed
upside down. So a page the letters would turn, or whose score is under
`sure_score`, is read in a band of its densest text both ways up, and kept
the way Tesseract is surer of: upside-down text reads as low-confidence
noise. A page the letters call upright with a clear score (every scan and
fax sample but two pages, 70% of photos) is not read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from ingest.components import components
from ingest.primitives import Word, sureness
from ingest.flatten import DEFAULT as FLATTEN_DEFAULT
from ingest.flatten import (
    FlattenSettings,
    downscale,
    estimate_skew,
    ink_mask,
    rotate,
    to_gray,
)

__all__ = ["OrientSettings", "Turn", "detect", "detect_rotation", "settle", "upright"]


@dataclass(frozen=True)
class OrientSettings:
    work_px: int = 2000  # long side analysed; letters need ~8+ px of height
    deskew_first: bool = True  # a 15° skew blurs which edges line up; flatten() deskews itself
    evened: bool = False  # the image has been through flatten.even_lighting already
    deskew_above: float = 2.0  # degrees; smaller skews are handled by the slope correction
    min_blob_area: int = 12  # smaller blobs: specks, dots of i and j
    max_blob_frac: float = 0.05  # larger blobs (of the long side): rules, frames, pictures
    min_pairs: int = 12  # fewer neighbour pairs: not enough text to tell
    direction_margin: float = 0.15  # |share of horizontal pairs - 0.5| below this: undecided
    min_score: float = 0.08  # |bottom-aligned - top-aligned| share below this: undecided
    # (blurred phone photos of upright pages, letters merged into words, were
    # seen at -0.05; pages really turned score 0.13-0.30)
    align_tol: float = 0.08  # edges "aligned" within this share of the letter height
    max_queries: int = 2000  # neighbour searches on a dense page: a sample is plenty
    max_blobs: int = 20000  # a dense A4 page has ~5000 letters; far more is texture or noise
    flatten: FlattenSettings = FLATTEN_DEFAULT  # for the ink mask and the skew estimate
    # --- settle: reading a band of text both ways up ---------------------------
    # The letters alone are trusted from this baseline score on; below it the
    # page is read (`settle`). The blurred upright photo above scored -0.12
    # (and +0.12 turned upside down, which the letters would call upright):
    # on the samples and held-out photos, 30% of photographed pages and 2 of
    # 34 scanned ones score under 0.15.
    sure_score: float = 0.15
    # Measured on the bands of 59 photographed pages (the camscanner and
    # upside-down samples, held-out photos at two resolutions), each read
    # both ways up (118 cases): the right way up always read at least 0.21
    # surer per letter than the wrong one; the right way read 0.61 at worst,
    # the wrong way 0.61 at best. A band of 4 letter heights and 1000 px
    # decided as well as one of 6 and 1600 px, in 0.21 s of CPU instead of
    # 0.34 s for the two readings.
    band_lines: float = 4.0  # the band is this many letter heights tall
    band_width: int = 1000  # ... and at most this wide (px of the page read): 45-60 letters
    min_band_letters: int = 30  # fewer letters in the band: too little to read, left as it is
    read_margin: float = 0.1  # the other way up must read this much surer (confidence per letter)
    # A band read this surely the way it lies is that way up, unread the
    # other way: no wrong-way reading came near it (0.61 at best). On the
    # same pages, all still settled right, a page read cost 0.12 s on average.
    clear_read: float = 0.8


DEFAULT = OrientSettings()

_UNDO = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}


def char_boxes(gray: np.ndarray, s: OrientSettings = DEFAULT) -> np.ndarray:
    """Bounding boxes (x, y, w, h) of the ink blobs that are letter-sized:
    not specks, not table rules or pictures, not long thin strokes."""
    _, _, stats, _ = components(ink_mask(gray, s.flatten, s.evened), connectivity=8)
    w, h, area = stats[1:, 2], stats[1:, 3], stats[1:, 4]
    big = np.maximum(w, h)
    keep = ((area >= s.min_blob_area) & (big >= 6) & (big <= s.max_blob_frac * max(gray.shape))
            & (area >= 0.1 * w * h) & (w <= 5 * h) & (h <= 5 * w))
    boxes = stats[1:][keep, :4].astype(np.float64)
    if len(boxes) > 20:
        # Within a factor of the typical letter: drops headings' and stamps'
        # blobs that would weigh as much as a word of body text.
        size = np.maximum(boxes[:, 2], boxes[:, 3])
        med = np.median(size)
        boxes = boxes[(size >= 0.5 * med) & (size <= 3 * med)]
    return boxes


def neighbour_pairs(centres: np.ndarray, s: OrientSettings = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """(i, j): j is the nearest other blob to i. Exact brute force in C++
    (BFMatcher), deterministic; queries are an even sample when many."""
    pts = centres.astype(np.float32)
    step = max(1, int(np.ceil(len(pts) / s.max_queries)))
    queries = np.arange(0, len(pts), step)
    matches = cv2.BFMatcher(cv2.NORM_L2).knnMatch(pts[queries], pts, k=2)
    i, j = [], []
    for q, m in zip(queries, matches):
        other = [x.trainIdx for x in m if x.trainIdx != q]
        if other:
            i.append(q)
            j.append(other[0])
    return np.array(i, dtype=int), np.array(j, dtype=int)


def _evidence(boxes: np.ndarray, s: OrientSettings) -> tuple[float, float, int]:
    """(share of neighbour pairs that are horizontal, baseline score, pairs).
    The score is positive when letters share the edge a baseline would be on
    (bottom for horizontal lines, left for vertical ones) more than the
    opposite edge; the text's own slope is removed first."""
    centres = boxes[:, :2] + boxes[:, 2:] / 2
    i, j = neighbour_pairs(centres, s)
    if len(i) < s.min_pairs:
        return 0.5, 0.0, len(i)
    d = centres[j] - centres[i]
    horizontal = np.abs(d[:, 0]) > np.abs(d[:, 1])
    share_h = float(horizontal.mean())
    x, y, w, h = boxes.T
    if share_h >= 0.5:
        sel, along, across = horizontal, 0, 1
        base, top, size = y + h, y, h  # upright: baseline at the bottom edge
    else:
        sel, along, across = ~horizontal, 1, 0
        base, top, size = x, x + w, w  # turned 90° clockwise: baseline on the left
    # Nested blobs (a digit in a circle) share a centre: no direction.
    sel = sel & (d[:, along] != 0)
    i, j, d = i[sel], j[sel], d[sel]
    if len(i) < s.min_pairs:
        return share_h, 0.0, len(i)
    slope = float(np.median(d[:, across] / d[:, along]))
    tol = max(1.0, s.align_tol * float(np.median(size)))
    base_ok = np.abs(base[j] - base[i] - slope * d[:, along]) <= tol
    top_ok = np.abs(top[j] - top[i] - slope * d[:, along]) <= tol
    return share_h, float(base_ok.mean() - top_ok.mean()), len(i)


@dataclass(frozen=True)
class Turn:
    rotation: int  # 0/90/180/270, clockwise: what the page has
    sure: bool  # the letters told clearly which side is up (else `rotation` may be wrong)

    @property
    def needs_reading(self) -> bool:
        """The letters turned the page or were not sure: `settle` reads it."""
        return self.rotation != 0 or not self.sure


def detect(img: np.ndarray, settings: OrientSettings = DEFAULT) -> Turn:
    """The clockwise rotation (0, 90, 180 or 270) the page has: rotating the
    image that much counterclockwise makes it upright; 0 when the evidence is
    too weak to tell (blank page, noise, a page of pictures), and then not sure."""
    gray, _ = downscale(to_gray(img), settings.work_px)
    if settings.deskew_first:
        angle = estimate_skew(gray, settings.flatten, settings.evened)
        if abs(angle) > settings.deskew_above:
            gray = rotate(gray, angle)
    boxes = char_boxes(gray, settings)
    if not settings.min_pairs <= len(boxes) <= settings.max_blobs:
        return Turn(0, False)
    share_h, score, pairs = _evidence(boxes, settings)
    if pairs < settings.min_pairs or abs(share_h - 0.5) < settings.direction_margin:
        return Turn(0, False)
    sure = abs(score) >= settings.sure_score
    if share_h > 0.5:
        return Turn(180 if score < -settings.min_score else 0, sure)
    # Lines run vertically: the page is on its side for sure. With no clear
    # baseline side, 90 (turned clockwise) is the guess; it is no worse than
    # leaving the lines vertical.
    return Turn(270 if score < -settings.min_score else 90, sure)


def detect_rotation(img: np.ndarray, settings: OrientSettings = DEFAULT) -> int:
    return detect(img, settings).rotation


def turn_back(img: np.ndarray, rotation: int) -> np.ndarray:
    """`img` turned `rotation` degrees counterclockwise: exact, no resampling."""
    return cv2.rotate(img, _UNDO[rotation]) if rotation else img.copy()


def upright(img: np.ndarray, settings: OrientSettings = DEFAULT) -> tuple[np.ndarray, int]:
    """(the image turned the right way up, the rotation it had). Turns are
    exact 90° steps (no resampling); the input's colour and size are kept."""
    rotation = detect_rotation(img, settings)
    return turn_back(img, rotation), rotation


def text_band(gray: np.ndarray, settings: OrientSettings = DEFAULT) -> np.ndarray | None:
    """The part of an upright page (text lines horizontal) densest in
    letters: `band_lines` letter heights tall, at most `band_width` wide.
    None when it holds fewer than `min_band_letters` letters."""
    small, f = downscale(to_gray(gray), settings.work_px)
    boxes = char_boxes(small, settings)
    if len(boxes) < settings.min_band_letters:
        return None
    cy = boxes[:, 1] + boxes[:, 3] / 2
    tall = settings.band_lines * float(np.median(boxes[:, 3]))
    order = np.sort(cy)
    # the band's top at each letter: how many letters fall within its height
    counts = np.searchsorted(order, order + tall) - np.arange(len(order))
    top = float(order[int(np.argmax(counts))])
    inside = boxes[(cy >= top) & (cy < top + tall)]
    cx = inside[:, 0] + inside[:, 2] / 2
    wide = settings.band_width * f  # band_width is in the page's px; `small` is f times it
    xs = np.sort(cx)
    left = float(xs[int(np.argmax(np.searchsorted(xs, xs + wide) - np.arange(len(xs))))])
    chosen = inside[(cx >= left) & (cx < left + wide)]
    if len(chosen) < settings.min_band_letters:
        return None
    pad = 0.5 * float(np.median(chosen[:, 3]))
    x0, y0 = chosen[:, 0].min() - pad, chosen[:, 1].min() - pad
    x1, y1 = (chosen[:, 0] + chosen[:, 2]).max() + pad, (chosen[:, 1] + chosen[:, 3]).max() + pad
    h, w = gray.shape[:2]
    x0, y0 = max(0, int(x0 / f)), max(0, int(y0 / f))
    x1, y1 = min(w, int(np.ceil(x1 / f))), min(h, int(np.ceil(y1 / f)))
    return gray[y0:y1, x0:x1]


def settle(gray: np.ndarray, turn: Turn, read: Callable[[np.ndarray], list[Word]],
           settings: OrientSettings = DEFAULT) -> tuple[np.ndarray, int]:
    """(the page, its rotation) once reading has settled which way up it is,
    when the letters turned it or were not sure (see the module's
    docstring). `gray` is the page as `detect` left it; `read` is an OCR
    engine's reading of one image into words with a confidence in 0..1. A
    page the letters were sure is upright is returned as it is, unread; so
    is one with too few letters to read, or whose lines may not run across
    (then the band test does not apply and the letters' answer stands)."""
    if not turn.needs_reading:
        return gray, 0
    band = text_band(gray, settings)
    if band is None:
        return gray, turn.rotation
    as_is = sureness(read(band))
    if as_is >= settings.clear_read:
        return gray, turn.rotation
    other = sureness(read(cv2.rotate(band, cv2.ROTATE_180)))
    if other > as_is + settings.read_margin:
        return cv2.rotate(gray, cv2.ROTATE_180), (turn.rotation + 180) % 360
    return gray, turn.rotation
