"""Pixels: an upright page image -> stroke segments and closed shapes.

The OCR route's counterpart of `textlayer`: from a grayscale page image it
builds the same page model (`Segment`, `Shape`) so the flowchart and grid
stages run unchanged. Words are not read here (OCR adds them later).

A chain of small pure functions over numpy arrays, after pdfplumber's
table.py, with every length in PDF points multiplied by `scale` (pixels per
point), so one set of settings serves a 150 dpi fax and a 300 dpi scan:

    gray  -> binarise: paper level flattened (shading and uneven light read
             as paper), thresholded, dropouts along rules bridged, specks
             dropped
          -> outlines: every ink component's border and every hole's border
          -> symbols: holes that are convex (or whose hull runs on ink),
             thin-walled, bigger than a letter's counter and not table
             cells (a cell's side lies on a rule running on past its
             corner); sides refitted through the middle of the stroke
          -> text: components no taller than a text line that hold no
             symbol and are no long lone rule; left out of all below
          -> arrowheads: where the ink is deeper than a stroke's half width,
             the biggest arrowhead-shaped triangle that is all ink and has
             no line running on from its sides (which a crossing has)
          -> line masks: horizontal / vertical openings of what is left,
             heads and the symbols' slanted or curved outlines removed
          -> segments: one per straight run, end to end, minus the runs
             on a symbol's own outline or inside it

Coordinates are continuous pixel coordinates (pixel i spans [i, i + 1)),
origin top left: a PDF point p rendered at `scale` lies at p * scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .components import components
from .primitives import PageContent, Point, Segment, Shape


@dataclass(frozen=True)
class RasterSettings:
    """Lengths in PDF points (multiplied by the page's scale)."""

    # binarise
    background: float = 12.0  # window of the paper-level estimate (wider than any stroke)
    ink_level: float = 0.70  # darker than this fraction of the paper level is ink
    ridge: float = 15.0  # gray levels a faint rule, averaged along, is darker than beside it
    ridge_side: float = 2.5  # ... measured this far to each side
    letter_min: float = 3.0  # ink this thick each way is a letter (or letters), not a rule's dash
    ridge_gap: float = 6.0  # gaps in a faint rule up to this long are closed
    speck: float = 0.9  # ink components smaller than this square are noise
    bilevel_gray: float = 0.005  # an image with fewer gray pixels than this share is bilevel
    # symbols: holes in the ink
    symbol_min: float = 7.0  # a symbol's hole is at least this on its short side
    symbol_min_long: float = 9.0  # ... and this on its long side (letter counters are smaller)
    symbol_max_fraction: float = 0.3  # of the page's width / height: bigger is a frame
    solidity: float = 0.93  # hole area / its convex hull: symbols are convex
    hull_on_ink: float = 0.95  # ... or their hull runs on ink (a letter touches the outline)
    max_wall: float = 0.35  # wall thickness / the hole's short side (bold letters: thicker)
    rule_run: float = 25.0  # runs this long are rules, for the cell test
    rule_overhang: float = 4.0  # a side on a rule running this far past the corner: a cell
    # (past the hole: a blurred symbol's wall and its faint ridge reach ~2.5 pt)
    rule_band: float = 1.5  # ... the rule lying within this of the hole's border
    wall_probe: float = 2.5  # band outside a hole whose ink makes its wall
    fine_eps: float = 0.5  # polygon tolerance for telling round outlines
    coarse_eps: float = 0.022  # of the perimeter: polygon tolerance for the vertices
    curved_vertices: int = 6  # a coarse polygon with this many vertices is a round outline
    # text
    text_height: float = 15.0  # components no taller than this are text unless they
    line_thick: float = 2.5  # hold a symbol or are a lone line (no thicker than this)
    rule_reach: float = 4.0  # ink this far past a rule's end, on its line, is the rule's
    # arrowheads
    head_core: float = 1.1  # ink this deep (distance to paper) is no stroke: a head's middle
    head_aspect: float = 0.45  # a head's half width / its length
    head_fill: float = 0.95  # share of a head triangle's pixels that are ink, at least
    head_clear: float = 1.0  # a head's middle is at least this far outside any symbol
    head_base_probe: float = 0.15  # of its length: where across a head's base to look for a line
    head_arm: float = 6.0  # a line running on this far from a deep spot is an arm (of a crossing)
    arm_fill: float = 0.75  # ... when this share of it is ink (a head's own side: under 0.4)
    arm_band: float = 0.5  # ... within this much across the ray
    head_min: float = 2.0  # a head's fitted triangle is at least this long
    head_max: float = 14.0  # ... and at most this
    head_margin: float = 1.0  # ink this close around a head is the head's (a blurred
    # head's base spreads past its fitted triangle and leaves stubs that hide its shaft's end)
    # line masks and segments
    min_run: float = 2.0  # opening length: shorter runs are not strokes
    bridge: float = 1.0  # gaps along a line up to this are closed first
    max_thick: float = 3.0  # a run thicker than this is a blob, not a stroke
    min_segment: float = 2.5  # shorter segments are dropped
    run_end: float = 3.0  # a run's end point: the middle of its last this much
    max_slope: float = 0.05  # |dy/dx| of a horizontal run (a residual skew)
    outline_band: float = 2.0  # width of a symbol's outline erased before the line masks
    on_outline: float = 2.5  # a segment this close to a symbol's outline lies on it


def px(length_pt: float, scale: float, minimum: int = 1) -> int:
    """A length in points as a whole number of pixels."""
    return max(minimum, round(length_pt * scale))


def _rect(w: int, h: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_RECT, (w, h))


def outer_borders(mask: np.ndarray, approx: int) -> list[np.ndarray]:
    """The outer border of every component, also of one lying in another's
    hole: RETR_EXTERNAL would hide everything inside a dark frame round the
    page (a photocopy's black margin, the desk left at a photo's edge)."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, approx)
    if hierarchy is None:
        return []
    return [c for c, h in zip(contours, hierarchy[0]) if h[3] < 0]


# -- binarise -----------------------------------------------------------------

def to_gray(img: np.ndarray) -> np.ndarray:
    """8-bit gray from gray, RGB or RGBA; 16-bit and 0..1 float scaled down."""
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    elif img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY if img.shape[2] == 3 else cv2.COLOR_RGBA2GRAY)
    if img.dtype == np.uint16:
        img = img / 257.0
    elif img.dtype.kind == "f" and img.size and float(img.max()) <= 1.0:
        img = img * 255.0
    if img.dtype != np.uint8:
        img = np.clip(np.round(img), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(img)


def flatten_background(gray: np.ndarray, scale: float, s: RasterSettings) -> np.ndarray:
    """Gray divided by the local paper level (a max filter wider than any
    stroke, smoothed), so uneven lighting and shaded cells read as paper."""
    k = px(s.background, scale, 3)
    paper = cv2.blur(cv2.dilate(gray, _rect(k, k)), (k, k))
    return cv2.divide(gray, cv2.max(paper, 1), scale=255.0)


def threshold(flat: np.ndarray, s: RasterSettings) -> np.ndarray:
    """Ink mask (255 = ink): darker than `ink_level` of the paper level, or
    than Otsu's threshold when that is lower (faint gray dirt on a dark scan)."""
    otsu, _ = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    t = min(255.0 * s.ink_level, max(otsu, 255.0 * s.ink_level * 0.6))
    _, ink = cv2.threshold(flat, math.ceil(t) - 1, 255, cv2.THRESH_BINARY_INV)
    return ink


def faint_rules(flat: np.ndarray, ink: np.ndarray, scale: float, s: RasterSettings) -> np.ndarray:
    """Rules too faint to threshold whole: a thin rule in a blurred phone
    photo is a gray line that JPEG noise breaks into dashes. Averaged along
    a rule's length it is a thin dark ridge: darker by `ridge` than the
    average a little to each side, in runs as long as a rule. A line of
    text makes such a ridge too (its x-height band), so ridges near
    letter-sized ink are not rules: a rule's own dashes are much thinner
    than a letter is tall. Returns only what the ink lacks: the gaps."""
    # uint8 throughout, and each temporary let go as soon as it is used: a
    # 300-dpi page is 8.7 MB an array, and this was the worker's peak of memory.
    dark = cv2.subtract(255, flat)
    long_ = px(s.rule_run, scale, 3)
    off, gap = px(s.ridge_side, scale), px(s.ridge_gap, scale)

    found = []
    for horizontal in (True, False):
        along = (long_, 1) if horizontal else (1, long_)
        axis = 0 if horizontal else 1  # across the rule: rows for a horizontal one
        mean = cv2.blur(dark, along)
        side = _max_beside(mean, off, axis)
        ridge = cv2.subtract(mean, side) >= s.ridge
        del side
        # the crest only (darkest across): a blurred rule's ridge is wide,
        # and a wide vertical one would pass for a stack of horizontal runs
        ridge &= mean >= _max_beside(mean, 1, axis)
        del mean
        # and dark itself, give or take a pixel: the long average runs on
        # past a rule's end, the rule does not (a symbol's edge would seem to
        # run on past its corner, like a cell's)
        ridge &= cv2.blur(dark, (3, 1) if horizontal else (1, 3)) >= s.ridge
        ridge = cv2.dilate(ridge.view(np.uint8) * np.uint8(255), _rect(1, 3) if horizontal else _rect(3, 1))
        found.append(cv2.morphologyEx(ridge, cv2.MORPH_OPEN, _rect(*along)))
        del ridge
    del dark
    if not any(r.any() for r in found):
        return found[0]
    n, labels, stats, _ = components(ink, connectivity=8)
    small = np.minimum(stats[1:, 2], stats[1:, 3])
    # At least a letter thick each way, no taller than a line of text on
    # its short side (words blurred together make long blobs); not where
    # ridges cross (two faint rules crossing threshold as a dark blob).
    letters = np.zeros(n, bool)
    letters[1:] = (small >= s.letter_min * scale) & (small <= s.text_height * scale)
    crossed = np.intersect1d(np.unique(labels[found[0] > 0]), np.unique(labels[found[1] > 0]))
    letters[crossed] = False
    letters[0] = False
    zone = letters[labels].view(np.uint8)
    del labels
    zone = cv2.dilate(zone * np.uint8(255), _rect(2 * off + 1, 2 * off + 1))
    out = np.zeros(flat.shape, np.uint8)
    for runs, horizontal in zip(found, (True, False)):
        runs = cv2.bitwise_and(runs, cv2.bitwise_not(zone))
        # a rule cut by a letter touching it is joined again across short gaps
        runs = cv2.morphologyEx(runs, cv2.MORPH_CLOSE, _rect(gap, 1) if horizontal else _rect(1, gap))
        # Only the gaps: where the thresholded ink already has the line (a
        # crisp scan: all of it), it is left as it is, not thickened.
        near = cv2.dilate(ink, _rect(1, 5) if horizontal else _rect(5, 1))
        out = cv2.max(out, cv2.bitwise_and(runs, cv2.bitwise_not(near)))
    return out


def _max_beside(a: np.ndarray, d: int, axis: int) -> np.ndarray:
    """Each pixel's larger neighbour `d` pixels away on both sides along
    `axis` (0: above and below), the edge pixels repeated past the border:
    what two translated copies and their maximum give, without the copies."""
    n = a.shape[axis]
    if d >= n:
        edge = np.maximum(a.take([0], axis), a.take([n - 1], axis))
        return np.broadcast_to(edge, a.shape).copy()

    def sl(lo: int | None, hi: int | None):
        return (slice(lo, hi), slice(None)) if axis == 0 else (slice(None), slice(lo, hi))

    out = np.empty_like(a)
    out[sl(d, None)] = a[sl(None, n - d)]  # the one d before
    out[sl(None, d)] = a[sl(0, 1)]
    np.maximum(out[sl(None, n - d)], a[sl(d, None)], out=out[sl(None, n - d)])  # the one d after
    np.maximum(out[sl(n - d, None)], a[sl(n - 1, n)], out=out[sl(n - d, None)])
    return out


@dataclass
class Outlines:
    """Borders of the ink (cv2.RETR_CCOMP): each component's outer border,
    and each hole's border with the component it belongs to."""

    contours: list[np.ndarray]  # (n, 1, 2) int pixel indices, on the ink
    boxes: np.ndarray  # (n, 4) x, y, w, h
    parent: np.ndarray  # (n,) -1 for a component's border, else the component's index

    @property
    def components(self) -> np.ndarray:
        return np.flatnonzero(self.parent < 0)

    @property
    def holes(self) -> np.ndarray:
        return np.flatnonzero(self.parent >= 0)

    def fill(self, shape: tuple[int, int], which: np.ndarray) -> np.ndarray:
        """255 inside the chosen borders (holes included: AND it with the ink)."""
        mask = np.zeros(shape, np.uint8)
        if len(which):
            cv2.drawContours(mask, [self.contours[i] for i in which], -1, 255, -1)
        return mask


def trace(ink: np.ndarray) -> Outlines:
    contours, hierarchy = cv2.findContours(ink, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    if hierarchy is None:
        return Outlines([], np.zeros((0, 4), int), np.zeros(0, int))
    boxes = np.array([cv2.boundingRect(c) for c in contours], int).reshape(-1, 4)
    return Outlines(list(contours), boxes, hierarchy[0][:, 3].copy())


def drop_specks(ink: np.ndarray, out: Outlines, scale: float,
                s: RasterSettings) -> tuple[np.ndarray, Outlines]:
    """The ink without components smaller than a speck (fax noise, JPEG dirt)."""
    side = max(2.0, s.speck * scale)
    comps = out.components
    w, h = out.boxes[comps, 2], out.boxes[comps, 3]
    small = comps[(np.maximum(w, h) <= side)]
    if not len(small):
        return ink, out
    clean = cv2.bitwise_and(ink, cv2.bitwise_not(
        cv2.bitwise_and(out.fill(ink.shape, small), ink)))
    keep = np.ones(len(out.contours), bool)
    keep[small] = False
    keep &= ~np.isin(out.parent, small)  # a speck's own holes
    index = np.cumsum(keep) - 1
    parent = np.where(out.parent >= 0, index[np.maximum(out.parent, 0)], -1)
    return clean, Outlines([c for c, k in zip(out.contours, keep) if k], out.boxes[keep],
                           parent[keep])


def bridge(ink: np.ndarray, scale: float, s: RasterSettings) -> np.ndarray:
    """Close gaps shorter than `bridge` between runs at least `min_run` long
    on both sides, along rows and along columns (a fax's dropouts would cut
    a one-pixel rule into pieces short enough to pass for text, and open a
    symbol's outline). Only runs are bridged, not the ink at large: a label
    written just off an arrow's line stays apart from it."""
    k = px(s.min_run, scale, 3)
    b = px(s.bridge, scale, 1) + 1
    h = cv2.morphologyEx(cv2.morphologyEx(ink, cv2.MORPH_OPEN, _rect(k, 1)), cv2.MORPH_CLOSE, _rect(b, 1))
    v = cv2.morphologyEx(cv2.morphologyEx(ink, cv2.MORPH_OPEN, _rect(1, k)), cv2.MORPH_CLOSE, _rect(1, b))
    return cv2.max(ink, cv2.max(h, v))


def is_bilevel(gray: np.ndarray, s: RasterSettings) -> bool:
    """Black and white only (a fax, a CCITT TIFF): no anti-aliasing to
    soften a dropout, so one-pixel gaps are closed."""
    hist = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel()
    return hist[8:248].sum() <= s.bilevel_gray * gray.size


def binarise(gray: np.ndarray, scale: float, s: RasterSettings,
             bilevel: bool) -> tuple[np.ndarray, Outlines]:
    flat = flatten_background(gray, scale, s)
    raw = threshold(flat, s)
    raw = cv2.max(raw, faint_rules(flat, raw, scale, s))
    if bilevel:  # close one-pixel gaps (2 x 2, anchored so nothing shifts)
        two = np.ones((2, 2), np.uint8)
        raw = cv2.erode(cv2.dilate(raw, two, anchor=(0, 0)), two, anchor=(1, 1))
    raw = bridge(raw, scale, s)
    return drop_specks(raw, trace(raw), scale, s)


# -- symbols ------------------------------------------------------------------

def rule_masks(ink: np.ndarray, scale: float, s: RasterSettings) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) runs longer than a symbol's side: the rules."""
    k = px(s.rule_run, scale, 3)
    return (cv2.morphologyEx(ink, cv2.MORPH_OPEN, _rect(k, 1)),
            cv2.morphologyEx(ink, cv2.MORPH_OPEN, _rect(1, k)))


def symbol_sized(out: Outlines, page: tuple[int, int], scale: float,
                 s: RasterSettings) -> list[int]:
    """Holes bigger than a letter's counter and smaller than a frame."""
    hgt, wid = page
    holes = out.holes
    w, h = out.boxes[holes, 2], out.boxes[holes, 3]
    ok = (np.minimum(w, h) >= s.symbol_min * scale) & (np.maximum(w, h) >= s.symbol_min_long * scale)
    ok &= (w <= s.symbol_max_fraction * wid) & (h <= s.symbol_max_fraction * hgt)
    return [int(i) for i in holes[ok]]


def convex_outline(contour: np.ndarray, ink: np.ndarray, s: RasterSettings) -> np.ndarray | None:
    """The hole's convex hull if that runs on ink all round (symbols are
    convex; a letter written inside and touching the outline only bites
    into the hole), else the hole's border if it is convex enough, else
    None (a cell piece cut by an arrow, the space inside a loop of arrows:
    their hulls cut across paper)."""
    hull = cv2.convexHull(contour)
    hull_area = cv2.contourArea(hull.astype(np.float32))
    if hull_area <= 0:
        return None
    pts = hull.reshape(-1, 2)
    samples = np.concatenate([np.linspace(a, b, max(2, int(np.hypot(*(b - a)))), endpoint=False)
                              for a, b in zip(pts, np.roll(pts, -1, axis=0))])
    xs, ys = np.round(samples).astype(int).T
    if float((ink[ys, xs] > 0).mean()) >= s.hull_on_ink:
        return hull
    if cv2.contourArea(contour.astype(np.float32)) / hull_area >= s.solidity:
        return contour
    return None


def is_cell(box: tuple[int, int, int, int], h_rules: np.ndarray, v_rules: np.ndarray,
            scale: float, s: RasterSettings) -> bool:
    """A hole with a side on a rule that runs on past the hole's corner: a
    table cell (or a piece of one cut by an arrow), not a symbol."""
    x, y, w, h = box
    over = px(s.rule_overhang, scale)
    band = px(s.rule_band, scale)
    hh, ww = h_rules.shape

    def ink_in(mask: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> bool:
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(ww, x1), min(hh, y1)
        return x0 < x1 and y0 < y1 and bool(mask[y0:y1, x0:x1].any())

    def along(strip: np.ndarray, axis: int) -> float:
        return float(strip.any(axis=axis).mean()) if strip.size else 0.0

    # The border runs on the wall's ink: the wall above spans rows
    # y - band + 1 .. y, the one below y + h - 1 .. (columns alike).
    for y0 in (y - band + 1, y + h - 1):
        if along(h_rules[max(0, y0):max(0, y0 + band), x:x + w], 0) > 0.8 and (
                ink_in(h_rules, x - over - band, y0, x - over, y0 + band) or
                ink_in(h_rules, x + w + over, y0, x + w + over + band, y0 + band)):
            return True
    for x0 in (x - band + 1, x + w - 1):
        if along(v_rules[y:y + h, max(0, x0):max(0, x0 + band)], 1) > 0.8 and (
                ink_in(v_rules, x0, y - over - band, x0 + band, y - over) or
                ink_in(v_rules, x0, y + h + over, x0 + band, y + h + over + band)):
            return True
    return False


def wall_thickness(ink: np.ndarray, contour: np.ndarray, box: tuple[int, int, int, int],
                   scale: float, s: RasterSettings) -> float:
    """Mean thickness (pixels) of the ink wall around a hole: the ink in a
    band outside the hole per unit of its perimeter."""
    x, y, w, h = box
    m = px(s.wall_probe, scale) + 1
    x0, y0 = max(0, x - m), max(0, y - m)
    x1, y1 = min(ink.shape[1], x + w + m), min(ink.shape[0], y + h + m)
    inside = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.drawContours(inside, [contour - (x0, y0)], -1, 255, -1)
    probe = 2 * px(s.wall_probe, scale) + 1
    ring = (cv2.dilate(inside, _rect(probe, probe)) > 0) & (inside == 0)
    wall = int((ring & (ink[y0:y1, x0:x1] > 0)).sum())
    perimeter = max(1.0, cv2.arcLength(contour.astype(np.float32), True))
    return wall / perimeter + 1.0  # + the border's own pixel, inside the fill


def outline_polygon(outline: np.ndarray, border: np.ndarray, out_by: float, scale: float,
                    s: RasterSettings) -> tuple[list[Point], bool]:
    """(vertices, curved) of the line through the middle of the stroke
    around a hole, given the hole's (convex) outline, its traced border and
    half the stroke's width (`out_by`, pixels), in continuous coordinates.

    A coarse polygon (tolerance a fraction of the perimeter) keeps a box, a
    diamond or a pentagon at 4 or 5 vertices even with blunted corners; its
    sides are then refitted to the border and moved out, and the corners
    are where they meet (blur fills a diamond's sharp inside corners, so
    the border's own corners fall short). A round outline (capsule,
    circle) needs 6 or more vertices: the finer polygon is given, widened."""
    c = outline.reshape(-1, 1, 2).astype(np.float32)
    eps = max(s.fine_eps * scale, s.coarse_eps * cv2.arcLength(c, True))
    poly = cv2.approxPolyDP(c, eps, True)
    if len(poly) >= s.curved_vertices:
        fine = cv2.approxPolyDP(c, s.fine_eps * scale, True).reshape(-1, 2) + 0.5
        return widen([(float(a), float(b)) for a, b in fine], out_by), True
    pts = straighten(border.reshape(-1, 2), poly.reshape(-1, 2).astype(float),
                     out_by, max(1.5, s.fine_eps * scale))
    return square_up(pts), False


def straighten(border: np.ndarray, corners: np.ndarray, out_by: float,
               near: float) -> list[Point]:
    """Each side of a polygon refitted (least squares) to the border pixels
    along its middle (within `near` of it: a letter biting into the hole is
    left out), moved outwards by `out_by`; the corners put where consecutive
    sides meet."""
    centre = corners.mean(axis=0)
    pts = border.astype(float)
    n = len(corners)
    lines = []
    for j in range(n):
        a, b = corners[j], corners[(j + 1) % n]
        d = b - a
        length = float(np.hypot(*d))
        if length == 0:
            return [(float(x) + 0.5, float(y) + 0.5) for x, y in corners]
        u = d / length
        rel = pts - a
        along = rel @ u
        off = np.abs(rel[:, 0] * u[1] - rel[:, 1] * u[0])
        mid = pts[(off <= near) & (along >= 0.2 * length) & (along <= 0.8 * length)]
        if len(mid) >= 2:
            vx, vy, x0, y0 = cv2.fitLine(mid.astype(np.float32).reshape(-1, 1, 2),
                                         cv2.DIST_L2, 0, 0.01, 0.01).ravel()
            p, v = np.array((x0, y0)) + 0.5, np.array((vx, vy))
        else:
            p, v = a + 0.5, u
        normal = np.array((v[1], -v[0]))
        if np.dot(normal, p - (centre + 0.5)) < 0:
            normal = -normal
        lines.append((p + normal * out_by, v))
    out = []
    for j in range(n):
        (p, u), (q, v) = lines[j - 1], lines[j]
        det = u[0] * (-v[1]) - u[1] * (-v[0])
        if abs(det) < 1e-3:  # (nearly) parallel sides: keep the traced corner
            x, y = corners[j]
            out.append((float(x) + 0.5, float(y) + 0.5))
            continue
        t = ((q[0] - p[0]) * (-v[1]) - (q[1] - p[1]) * (-v[0])) / det
        out.append((float(p[0] + t * u[0]), float(p[1] + t * u[1])))
    return out


def square_up(points: list[Point], tol: float = 0.15) -> list[Point]:
    """A four-cornered outline whose corners sit near its box's corners is
    that box (blur rounds a rectangle's corners and tilts its polygon)."""
    if len(points) != 4:
        return points
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    dx, dy = tol * (x1 - x0), tol * (y1 - y0)
    if all(min(abs(x - x0), abs(x - x1)) <= dx and min(abs(y - y0), abs(y - y1)) <= dy
           for x, y in points):
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    return points


def widen(points: list[Point], by: float) -> list[Point]:
    """A round outline traced on a stroke's inner edge, moved out by `by`
    (its box grows by `by` on every side)."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    hw, hh = max(1e-6, (max(xs) - min(xs)) / 2), max(1e-6, (max(ys) - min(ys)) / 2)
    fx, fy = (hw + by) / hw, (hh + by) / hh
    return [(cx + (x - cx) * fx, cy + (y - cy) * fy) for x, y in points]


def find_symbols(ink: np.ndarray, out: Outlines, h_rules: np.ndarray, v_rules: np.ndarray,
                 scale: float, s: RasterSettings) -> tuple[list[Shape], list[int]]:
    """Closed outlines drawn in the page, as unfilled shapes through the
    middle of their strokes, and the components (outer borders) they are in."""
    shapes, owners = [], []
    for i in symbol_sized(out, ink.shape, scale, s):
        box = tuple(int(v) for v in out.boxes[i])
        if is_cell(box, h_rules, v_rules, scale, s):
            continue
        outline = convex_outline(out.contours[i], ink, s)
        if outline is None:
            continue
        t = wall_thickness(ink, outline, box, scale, s)
        if t > s.max_wall * min(box[2], box[3]):
            continue  # a thick-walled counter: a bold letter, not a drawn outline
        pts, curved = outline_polygon(outline, out.contours[i], max(0.0, t / 2 - 0.5), scale, s)
        if len(pts) < 3:
            continue
        shapes.append(Shape(points=tuple(pts), curved=curved, filled=False, stroked=True))
        owners.append(int(out.parent[i]))
    return shapes, owners


def close_corners(ink: np.ndarray, scale: float, s: RasterSettings) -> np.ndarray | None:
    """The ink with its corners' gaps closed, or None where it has none.

    A fax drops pixels where a box's side turns: the side's last pixels are
    too short to be a run, so `bridge` does not close the gap, and the box's
    inside leaks into the cell around it (no hole, no symbol). Where a row's
    run and a column's run come within the bridge of each other, one-pixel
    gaps in the ink are closed."""
    k = px(s.min_run, scale, 3)
    reach = _rect(2 * px(s.bridge, scale, 1) + 3, 2 * px(s.bridge, scale, 1) + 3)
    corner = cv2.bitwise_and(cv2.dilate(cv2.morphologyEx(ink, cv2.MORPH_OPEN, _rect(k, 1)), reach),
                             cv2.dilate(cv2.morphologyEx(ink, cv2.MORPH_OPEN, _rect(1, k)), reach))
    closed = cv2.bitwise_and(cv2.morphologyEx(ink, cv2.MORPH_CLOSE, _rect(3, 3)), corner)
    if not cv2.countNonZero(cv2.bitwise_and(closed, cv2.bitwise_not(ink))):
        return None
    return cv2.max(ink, closed)


def corner_symbols(ink: np.ndarray, out: Outlines, found: list[Shape], h_rules: np.ndarray,
                   v_rules: np.ndarray, scale: float, s: RasterSettings
                   ) -> tuple[list[Shape], list[int]]:
    """Symbols whose outline is closed only once its corners are
    (`close_corners`), with their components in `out`. Only the symbol
    search reads the closed ink: closing corners everywhere also fills the
    crossings of rules and arrows, and the grid and the arrows are read
    from the ink as it is."""
    closed = close_corners(ink, scale, s)
    if closed is None:
        return [], []
    more, _ = find_symbols(closed, trace(closed), h_rules, v_rules, scale, s)
    boxes = [sh.box for sh in found]
    new, owners = [], []
    for sh in more:
        box = sh.box
        if any(box.x_overlap(b) > 0 and box.y_overlap(b) > 0 for b in boxes):
            continue  # found already, in the ink as it is
        owner = _owner(sh, out)
        if owner is not None:
            new.append(sh)
            owners.append(owner)
    return new, owners


def _owner(sh: Shape, out: Outlines) -> int | None:
    """The component of `out` the shape's outline is drawn in (its first
    vertex lies on the stroke)."""
    x, y = sh.points[0]
    comps = out.components
    bx = out.boxes[comps]
    near = comps[(bx[:, 0] <= x) & (x <= bx[:, 0] + bx[:, 2]) & (bx[:, 1] <= y) & (y <= bx[:, 1] + bx[:, 3])]
    for i in near[np.argsort(out.boxes[near, 2] * out.boxes[near, 3])]:
        if cv2.pointPolygonTest(out.contours[i], (float(x), float(y)), True) >= -2.0:
            return int(i)
    return None


# -- text ---------------------------------------------------------------------

def text_mask(ink: np.ndarray, out: Outlines, keep: list[int], h_rules: np.ndarray,
              v_rules: np.ndarray, scale: float, s: RasterSettings) -> np.ndarray:
    """Ink of the components that are text: no taller than a text line, not
    holding a symbol (`keep`), and not a lone rule longer than that (a short
    lone stroke, an "I" or a dash, is text). Ink on a rule's line a little
    past its end is kept whatever its component: a piece of a rule cut off
    by dropouts is small enough to pass for a letter."""
    comps = out.components
    w, h = out.boxes[comps, 2], out.boxes[comps, 3]
    text = h <= s.text_height * scale
    text &= ~((np.minimum(w, h) <= s.line_thick * scale) &
              (np.maximum(w, h) > s.text_height * scale))
    text &= ~np.isin(comps, keep)
    letters = out.fill(ink.shape, comps[text])
    # Rules as the rule masks see them, but not inside a text component: a
    # bold word blurred together has rows of ink as long as a rule. (In
    # place where it can be: page-sized masks, at the worker's peak of memory.)
    not_letters = cv2.bitwise_not(letters)
    reach = 2 * px(s.rule_reach, scale) + 1
    on_rules = cv2.dilate(cv2.bitwise_and(h_rules, not_letters), _rect(reach, 1))
    cv2.max(on_rules, cv2.dilate(cv2.bitwise_and(v_rules, not_letters, dst=not_letters),
                                 _rect(1, reach)), dst=on_rules)
    del not_letters
    cv2.bitwise_and(letters, ink, dst=letters)
    return cv2.bitwise_and(letters, cv2.bitwise_not(on_rules, dst=on_rules), dst=letters)


def insides(shape: tuple[int, int], symbols: list[Shape], scale: float,
            s: RasterSettings) -> np.ndarray:
    """The symbols' insides, clear of their outlines: what is written there
    is the symbol's text, even where it touches the outline (and so is not
    told apart as text)."""
    mask = np.zeros(shape, np.uint8)
    k = 2 * px(s.outline_band, scale) + 1
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    for sh in symbols:
        pts = np.round(np.array(sh.points) - 0.5).astype(np.int32)
        x, y, w, h = cv2.boundingRect(pts)
        x0, y0 = max(0, x - k), max(0, y - k)
        x1, y1 = min(shape[1], x + w + k), min(shape[0], y + h + k)
        roi = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(roi, [pts - (x0, y0)], 255)
        mask[y0:y1, x0:x1] |= cv2.erode(roi, disc)
    return mask


# -- arrowheads ---------------------------------------------------------------

def find_heads(ink: np.ndarray, scale: float, s: RasterSettings) -> list[Shape]:
    """Filled triangles in text-free ink. Where the ink is deeper than a
    stroke's half width, the biggest arrowhead-shaped triangle there that
    is all ink, with no line running on from its sides, is the head
    (blurred crossings, T-junctions and bends are deep too, and a triangle
    may fit in them, but a line runs on sideways)."""
    dist = cv2.distanceTransform(ink, cv2.DIST_L2, 5)
    # 255 where deeper than head_core, straight to 8 bits (a float32 copy of a
    # 300-dpi page is 35 MB, at the worker's peak of memory)
    core = cv2.compare(dist, float(s.head_core * scale), cv2.CMP_GT)
    cores = outer_borders(core, cv2.CHAIN_APPROX_SIMPLE)
    hi = s.head_max * scale
    reach = px(s.head_arm, scale)
    spots = []
    for c in cores:
        x, y, w, h = cv2.boundingRect(c)
        if max(w, h) <= hi:
            patch = dist[y:y + h, x:x + w]
            cy, cx = np.unravel_index(int(np.argmax(patch)), patch.shape)
            spots.append((float(patch[cy, cx]), x + cx + 0.5, y + cy + 0.5))
    heads: list[np.ndarray] = []
    for depth, x, y in sorted(spots, reverse=True):  # deepest first
        if any(cv2.pointPolygonTest(t.astype(np.float32).reshape(-1, 1, 2), (x, y), True)
               > -depth for t in heads):
            continue  # a second deep spot of a head already found
        tri = fit_head(ink, (x, y), depth, reach, scale, s)
        if tri is not None:
            heads.append(tri)
    return [Shape(points=tuple((float(a), float(b)) for a, b in t), curved=False, filled=True,
                  stroked=False) for t in heads]


def lateral_arm(ink: np.ndarray, x: int, y: int, tip_dir: tuple[float, float], reach: int,
                band: int, s: RasterSettings) -> bool:
    """Whether a line runs on for `reach` pixels from (x, y) to either side
    of a head pointing along `tip_dir`: `arm_fill` of the ray has ink within
    `band` pixels across it (a faint rule in a photo breaks up, and a
    crossing's deep spot can lie a little off its line). A head's sides are
    free; a crossing's, a T's or a bend's deep spot has a line running on
    sideways whichever way a triangle fits in it."""
    # Only the band within `reach` of (x, y) is read: the whole page's
    # width or height of it was most of fit_head's time on a photo.
    lo = max(0, (x if tip_dir[0] == 0 else y) - reach)
    if tip_dir[0] == 0:  # pointing up or down: look left and right
        rows = ink[max(0, y - band):y + band + 1, lo:x + 1 + reach].max(axis=0)
        rays = (rows[x + 1 - lo:x + 1 + reach - lo], rows[:x - lo])
    else:
        cols = ink[lo:y + 1 + reach, max(0, x - band):x + band + 1].max(axis=1)
        rays = (cols[y + 1 - lo:y + 1 + reach - lo], cols[:y - lo])
    return any(len(r) == reach and float(r.mean()) >= s.arm_fill * 255 for r in rays)


HEAD_DIRECTIONS = ((0.0, 1.0), (0.0, -1.0), (1.0, 0.0), (-1.0, 0.0))


def head_triangle(centroid: np.ndarray, tip_dir: tuple[float, float], length: float,
                  s: RasterSettings, inset: float = 0.0) -> np.ndarray:
    """An arrowhead of the given length pointing along `tip_dir`, placed by
    its centroid (a third of the way from base to tip); with `inset`, every
    side moved inwards by that much."""
    u = np.array(tip_dir)
    n = np.array((-u[1], u[0]))
    base = centroid - u * length / 3
    half = s.head_aspect * length
    tri = np.array([base + u * length, base + n * half, base - n * half])
    if inset <= 0:
        return tri
    # the inset triangle is the same shape, shrunk about the inscribed centre
    r = length * half / (half + math.hypot(length, half))
    centre = base + u * r
    return centre + (tri - centre) * max(0.05, (r - inset) / r)


def fit_head(ink: np.ndarray, spot: tuple[float, float], depth: float, reach: int,
             scale: float, s: RasterSettings) -> np.ndarray | None:
    """The biggest arrowhead triangle holding `spot` that is ink all through
    (its outer half pixel spared: anti-aliasing) and has no line running on
    from its sides, or None. Lengths are tried around the one whose
    inscribed circle has the spot's depth; the spot may lie anywhere along
    the head's axis (where a shaft or a lane line meets the base, the ink
    is deepest at the base)."""
    a = s.head_aspect
    band = px(s.arm_band, scale, 0)
    length0 = depth * (a + math.hypot(1.0, a)) / a  # inradius = length * a / (a + sqrt(1 + a^2))
    lo, hi = s.head_min * scale, s.head_max * scale
    hgt, wid = ink.shape
    origin = np.array(spot)
    for f in (1.25, 1.1, 1.0, 0.9, 0.8, 0.7):
        length = f * length0
        if not lo <= length <= hi:
            continue
        steps = int(0.35 * length)
        shifts = np.array(sorted(range(-steps, steps + 1), key=abs), float)
        # For the four directions at once (the same arithmetic per direction,
        # in fewer, larger array operations): the inset triangle at the spot,
        # and its corners and side middles as probes, at every shift along
        # the axis. A candidate with a probe on paper needs no filling.
        axes = np.array(HEAD_DIRECTIONS)
        inners = np.stack([head_triangle(origin, u, length, s, inset=0.5) - 0.5
                           for u in HEAD_DIRECTIONS])
        probes0 = np.concatenate([inners, (inners + np.roll(inners, 1, axis=1)) / 2], axis=1)
        probes = np.round(probes0[:, None] + shifts[None, :, None, None] * axes[:, None, None, :]
                          ).astype(int)  # direction, shift, probe, xy
        inside_page = ((probes >= 0).all(axis=(2, 3)) & (probes[..., 0] < wid).all(axis=2)
                       & (probes[..., 1] < hgt).all(axis=2))
        on_ink = np.zeros(inside_page.shape, bool)
        d, k = np.nonzero(inside_page)
        on_ink[d, k] = ink[probes[d, k, :, 1], probes[d, k, :, 0]].all(axis=1)
        for ui, u in enumerate(HEAD_DIRECTIONS):
            axis, inner0 = axes[ui], inners[ui]
            for k in np.flatnonzero(on_ink[ui]):
                centroid = origin + axis * shifts[k]
                inner = inner0 + axis * shifts[k]
                x0, y0 = np.floor(inner.min(axis=0)).astype(int)
                x1, y1 = np.ceil(inner.max(axis=0)).astype(int) + 1
                if x0 < 0 or y0 < 0 or x1 > wid or y1 > hgt:
                    continue  # runs off the page
                mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
                cv2.fillPoly(mask, [np.round((inner - (x0, y0)) * 16).astype(np.int32)], 1, shift=4)
                inside = mask > 0
                if not inside.any() or ink[y0:y1, x0:x1][inside].mean() < s.head_fill * 255:
                    continue
                # no line runs on sideways from the middle, nor from just
                # inside the base (where a crossing's other line would run)
                near_base = centroid - axis * length * (1 / 3 - s.head_base_probe)
                # and none along the base itself: a head's base has only its
                # shaft; a T-junction blurred into a triangle sits on a line
                base = centroid - axis * length / 3
                if any(lateral_arm(ink, int(p[0]), int(p[1]), u, reach, band, s)
                       for p in (centroid, near_base, base)):
                    continue
                return head_triangle(centroid, u, length, s)
    return None


def off_symbols(heads: list[Shape], symbols: list[Shape], scale: float,
                s: RasterSettings) -> list[Shape]:
    """Heads whose middle is clear of every symbol: a head only touches its
    target with its tip, while a blurred pentagon's point or a diamond's
    corner looks like a head lying on the outline."""
    polys = [np.array(sh.points, np.float32).reshape(-1, 1, 2) for sh in symbols]
    clear = -s.head_clear * scale
    out = []
    for h in heads:
        c = tuple(float(v) for v in np.mean(h.points, axis=0))
        if all(cv2.pointPolygonTest(p, c, True) < clear for p in polys):
            out.append(h)
    return out


def head_mask(shape: tuple[int, int], heads: list[Shape], scale: float,
              s: RasterSettings) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    for h in heads:
        cv2.fillPoly(mask, [np.round(np.array(h.points) - 0.5).astype(np.int32)], 255)
    k = 2 * px(s.head_margin, scale) + 1
    return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))


# -- line masks and segments --------------------------------------------------

def erase_outlines(ink: np.ndarray, shapes: list[Shape], rules: np.ndarray, scale: float,
                   s: RasterSettings) -> np.ndarray:
    """The ink without the symbols' slanted and curved outline parts (a
    diamond's edges leave staircase runs in the line masks that would merge
    with the arrow legs leaving its tips). Long straight runs stay: they may
    be a rule the symbol touches; `drop_outline_segments` takes the
    symbol's own straight edges out afterwards."""
    if not shapes:
        return ink
    band = np.zeros_like(ink)
    t = px(s.outline_band, scale, 2)
    for sh in shapes:
        cv2.polylines(band, [np.round(np.array(sh.points) - 0.5).astype(np.int32)], True, 255, t)
    return cv2.bitwise_and(ink, cv2.bitwise_not(cv2.bitwise_and(band, cv2.bitwise_not(rules))))


def line_masks(ink: np.ndarray, scale: float, s: RasterSettings) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) runs at least `min_run` long."""
    k = px(s.min_run, scale, 3)
    return (cv2.morphologyEx(ink, cv2.MORPH_OPEN, _rect(k, 1)),
            cv2.morphologyEx(ink, cv2.MORPH_OPEN, _rect(1, k)))


def runs_to_segments(mask: np.ndarray, horizontal: bool, scale: float,
                     s: RasterSettings) -> list[Segment]:
    """One segment per connected run of a line mask, from end to end through
    the middle of each end (a residual skew is followed, not squared).

    A run's thickness is its median across its length, not its extent: a
    letter's descender touching a rule, or a blot on it, leaves the rule a
    rule. Blobs (median thicker than `max_thick`) and slanted strokes are
    not runs."""
    if not mask.any():
        return []
    n, labels, stats, _ = components(mask, connectivity=8)
    min_len, thick = s.min_segment * scale, s.max_thick * scale
    end = px(s.run_end, scale)
    along, across = (0, 1) if horizontal else (1, 0)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        box = (x, y, w, h)
        start, length, width = box[along], box[along + 2], box[across + 2]
        if length < min_len:
            continue
        mine = labels[y:y + h, x:x + w] == i
        if not horizontal:
            mine = mine.T  # rows across, columns along
        counts = mine.sum(axis=0)
        typical = float(np.median(counts))
        if typical > thick:
            continue  # a blob, not a stroke
        # A blurred bend or corner is a blob the run ends in: its end is
        # where it is still a stroke, not past the other line's middle.
        stroke = np.flatnonzero(counts <= 1.5 * typical + 1)
        first, last = int(stroke[0]), int(stroke[-1])
        if last - first + 1 < min_len:
            continue
        mine, counts = mine[:, first:last + 1], counts[first:last + 1]
        start, length = start + first, last - first + 1
        rows = np.arange(mine.shape[0], dtype=float)[:, None]
        centre = (mine * rows).sum(axis=0) / np.maximum(counts, 1)  # middle of each column
        e = max(1, min(length // 4, end))
        a = float(np.median(centre[:e])) + box[across] + 0.5
        b = float(np.median(centre[-e:])) + box[across] + 0.5
        if abs(b - a) > s.max_slope * length + 1.0:
            continue
        if width > thick + s.max_slope * length + float(np.median(counts)) and \
                float(np.percentile(counts, 90)) > thick:
            continue  # thick over much of its length: a slanted band, a bold word
        if horizontal:
            out.append(Segment(float(start), a, float(start + length), b))
        else:
            out.append(Segment(a, float(start), b, float(start + length)))
    return out


def drop_outline_segments(segments: list[Segment], shapes: list[Shape], scale: float,
                          s: RasterSettings) -> list[Segment]:
    """Segments lying along a symbol's own outline (a box's edges, a
    capsule's flats) are the symbol, and segments inside it are its text
    (a letter touching the outline is not told apart as text): neither is
    a stroke of an arrow."""
    tol = s.on_outline * scale
    polys = [(sh.box, np.array(sh.points, np.float32).reshape(-1, 1, 2)) for sh in shapes]

    def part_of(seg: Segment, poly: np.ndarray) -> bool:
        d = [cv2.pointPolygonTest(poly, (seg.x0 + t * (seg.x1 - seg.x0),
                                         seg.y0 + t * (seg.y1 - seg.y0)), True)
             for t in (0.0, 0.25, 0.5, 0.75, 1.0)]
        return all(abs(v) <= tol for v in d) or all(v >= -tol / 2 for v in d)

    return [seg for seg in segments
            if not any(box.contains(seg.x0, seg.y0, tol) and box.contains(seg.x1, seg.y1, tol)
                       and part_of(seg, poly) for box, poly in polys)]


# -- the page -----------------------------------------------------------------

def read_pixels(img: np.ndarray, number: int, scale: float,
                settings: RasterSettings = RasterSettings(),
                bilevel_source: bool = False) -> PageContent:
    """An upright, deskewed page image (white paper) -> its segments and
    shapes in pixel coordinates; `scale` is pixels per PDF point (dpi / 72).
    `bilevel_source`: the page came from a black-and-white image (a fax),
    though resampling may have given `img` grays (a bilevel `img` is
    taken for one anyway)."""
    s = settings
    if not scale > 0:
        raise ValueError(f"scale must be pixels per point (dpi / 72), not {scale!r}")
    gray = to_gray(img)
    if gray.ndim != 2 or min(gray.shape) < 2:
        raise ValueError(f"not a page image: shape {img.shape}")
    bilevel = is_bilevel(gray, s)
    ink, out = binarise(gray, scale, s, bilevel)
    h_rules, v_rules = rule_masks(ink, scale, s)
    symbols, owners = find_symbols(ink, out, h_rules, v_rules, scale, s)
    if bilevel or bilevel_source:
        more, more_owners = corner_symbols(ink, out, symbols, h_rules, v_rules, scale, s)
        symbols, owners = symbols + more, owners + more_owners
    graphic = cv2.bitwise_and(ink, cv2.bitwise_not(cv2.max(
        text_mask(ink, out, owners, h_rules, v_rules, scale, s),
        insides(ink.shape, symbols, scale, s))))
    heads = off_symbols(find_heads(graphic, scale, s), symbols, scale, s)
    graphic = cv2.bitwise_and(graphic, cv2.bitwise_not(head_mask(ink.shape, heads, scale, s)))
    graphic = erase_outlines(graphic, symbols, cv2.bitwise_or(h_rules, v_rules), scale, s)
    h_mask, v_mask = line_masks(graphic, scale, s)
    segments = runs_to_segments(h_mask, True, scale, s) + runs_to_segments(v_mask, False, scale, s)
    segments = drop_outline_segments(segments, symbols, scale, s)
    hgt, wid = gray.shape
    return PageContent(number=number, width=float(wid), height=float(hgt), words=[],
                       segments=segments, shapes=symbols + heads, route="ocr", scale=scale)


__all__ = ["RasterSettings", "read_pixels"]
