"""Flatten: a phone photo or scan of one page -> an upright, deskewed,
evenly lit grayscale page image for the OCR route.

A chain of small pure functions (numpy images in, numpy images out; uint8,
grayscale or BGR as OpenCV decodes them; no file I/O):

    find_page_quad -> unwarp          paper photographed on a desk
    even_lighting                     shading, shadows, yellowed paper
    estimate_skew -> rotate           small rotation (scanner, hand-held phone)
    orient.detect                     sideways / upside-down pages (90° steps)

`flatten` runs them in that order and says what it did.

Scale. Any resolution is accepted: every estimator resamples to its own
working size (FlattenSettings.*_work_px, long side in pixels; for an A4 page
1600 px is about 140 dpi), so a 300-dpi scan costs what a 150-dpi one does.
The corrections are applied at the input's own resolution, so nothing is
lost for OCR. Expected input: photos at their native size, scans and faxes
as they come (150-300 dpi), PDF pages rasterised at ~300 dpi, which is what
the OCR route uses (x-height of 10-pt text ~20 px). Below ~100 dpi letters
get too small for the orientation test (ingest/orient.py).

Library choice. The PyPI `deskew` package (sbrunner/deskew: Hough transform
on Canny edges, on scikit-image) was measured on its own eight test images:
it returns the listed whole-degree angles at its default 1° resolution,
pulls in scikit-image + SciPy + networkx (~200 MB) that nothing else here
uses, and takes 0.3 s for a 1748x1241 page (7 s for the 25-Mpx deskew-1).
The projection-profile search below (Postl's method) uses only OpenCV and
NumPy, resolves 0.01°, is deterministic, and takes ~0.15 s for any page
size; on those images it agrees with the deskew package run at 0.1°
resolution to within 0.15° (both put deskew-1 at -1.3 to -1.4° and
deskew-5 at 3.4°, where the listed whole degrees are -1 and 3). Tesseract
OSD was measured for the orientation step and not used: see orient.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

__all__ = [
    "FlattenResult",
    "FlattenSettings",
    "downscale",
    "estimate_skew",
    "even_lighting",
    "find_page_quad",
    "flatten",
    "ink_mask",
    "rotate",
    "to_gray",
    "unwarp",
]


@dataclass(frozen=True)
class FlattenSettings:
    # --- find_page_quad ---------------------------------------------------
    quad_work_px: int = 800  # the paper's outline needs no detail: search small
    quad_min_area: float = 0.10  # smaller bright shapes are not the page (a label, a card)
    quad_fill_margin: float = 0.03  # corners this close (of width/height) to the frame's: page fills frame
    quad_border_margin: float = 0.01  # a side this close to a frame edge is the frame, not the paper's edge
    quad_min_angle: float = 50.0  # corner angles outside [min, 180-min] are not a photographed rectangle
    quad_max_hull_gap: float = 0.08  # quad must cover the shape's hull within this area fraction
    quad_min_fit: float = 0.9  # share of the outline within 1% of the diagonal from the quad's sides
    # --- unwarp ------------------------------------------------------------
    # Focal length in image long sides. Phones: ~0.75 (main camera) to ~1.5
    # (2x). Outside the plausible range the estimate from the quad is noise
    # (near-frontal shots), and a typical value serves: its error only
    # matters at strong tilts, where the estimate is good.
    focal_range: tuple[float, float] = (0.4, 4.0)
    focal_default: float = 0.9
    # The paper's edge is found on its blurred border with the desk: cutting
    # this share of each side inside it keeps the desk's dark strip out (it
    # would frame the page in ink), and costs only blank margin.
    quad_inset: float = 0.004
    # Pixels on the unwarped page's long side, at least: A4 at 300 dpi. A
    # phone photo gives the paper fewer; warping straight to this size
    # resamples once instead of twice.
    min_long_side: int = 3508
    # --- estimate_skew -------------------------------------------------------
    skew_work_px: int = 1600  # fine search: 0.01° over a 1600-px line is ~0.3 px
    skew_coarse_px: int = 800  # coarse search over the whole range runs smaller
    max_skew: float = 20.0  # degrees searched each way (phones: ±7°, the deskew suite: 15°)
    skew_coarse_step: float = 0.25  # below the ~0.5° width of a text-line peak at 800 px
    skew_min_confidence: float = 2.5  # best/median profile score; noise gives ~1.2, text 7-300
    min_ink_px: int = 200  # fewer dark pixels: nothing to measure (blank page)
    skew_max_points: int = 160_000  # ink pixels used (a quarter in the coarse pass); dense A4: ~150k
    solid_frac: float = 1 / 60  # dark blobs wider than this (of the long side) are borders/photos, not text
    # --- even_lighting ---------------------------------------------------------
    light_work_px: int = 800  # the background is smooth: estimate it small, apply full-size
    light_kernel_frac: float = 1 / 25  # closing kernel (of the short side): wider than any stroke
    # --- flatten chain -----------------------------------------------------------
    do_unwarp: bool = True
    do_even_lighting: bool = True
    do_deskew: bool = True
    do_upright: bool = True
    min_skew: float = 0.05  # smaller corrections only blur the page by resampling


DEFAULT = FlattenSettings()


@dataclass(frozen=True)
class FlattenResult:
    image: np.ndarray  # grayscale uint8: unwarped, evenly lit, deskewed, upright
    quad: np.ndarray | None  # paper corners found in the input (tl, tr, br, bl), or None
    angle: float  # skew correction applied, degrees counterclockwise (0.0 when none)
    rotation: int  # 0/90/180/270: the clockwise rotation the page had and was undone
    steps: list[str] = field(default_factory=list)  # what was done, in order
    # the letters told which way up the page is (orient.Turn.sure); when not,
    # or when they turned it, reading settles it (orient.settle, in the pipeline)
    rotation_sure: bool = True


# --------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------


def _check(img: np.ndarray) -> None:
    """Images are decoded by the loader; catch the wrong kind early with a
    clear message instead of an OpenCV assertion deep inside."""
    if not isinstance(img, np.ndarray) or img.dtype != np.uint8:
        raise ValueError("expected a uint8 numpy image (grayscale or BGR)")
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (1, 3, 4)):
        raise ValueError(f"expected HxW or HxWx3 image, got shape {img.shape}")
    if img.shape[0] < 8 or img.shape[1] < 8:
        raise ValueError(f"image too small: {img.shape}")


def to_gray(img: np.ndarray) -> np.ndarray:
    _check(img)
    if img.ndim == 2:
        return img
    if img.shape[2] == 1:
        return img[:, :, 0]
    code = cv2.COLOR_BGRA2GRAY if img.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return cv2.cvtColor(img, code)


def downscale(img: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """Downscale so the long side is at most max_side; returns the factor."""
    f = min(1.0, max_side / max(img.shape[:2]))
    if f < 1.0:
        img = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    return img, f


def _odd(n: float) -> int:
    return max(3, int(n + 0.5) | 1)


def ink_mask(gray: np.ndarray, settings: FlattenSettings = DEFAULT, evened: bool = False) -> np.ndarray:
    """1 where a pixel is ink (text, rules), 0 for paper; lighting evened
    first so a shadow is not ink (`evened`: the caller already did, as
    `flatten` does before the skew and orientation tests). The Otsu level
    is capped: on a blank page Otsu splits paper noise, and a cap keeps that paper."""
    even = gray if evened else even_lighting(gray, settings)
    level, _ = cv2.threshold(even, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    # `<=`: on an already binary page (fax) Otsu returns the ink value itself.
    return (even <= min(level, 170)).astype(np.uint8)


# --------------------------------------------------------------------------
# find_page_quad / unwarp
# --------------------------------------------------------------------------


def _order_corners(pts: np.ndarray) -> np.ndarray:
    """tl, tr, br, bl: by angle around the centre, starting top-left."""
    pts = np.asarray(pts, dtype=np.float64).reshape(4, 2)
    c = pts.mean(axis=0)
    ang = np.arctan2(pts[:, 1] - c[1], pts[:, 0] - c[0])  # image y down: clockwise order
    pts = pts[np.argsort(ang)]
    start = np.argmin(pts.sum(axis=1))  # top-left has the smallest x + y
    return np.roll(pts, -start, axis=0)


def _line_intersection(l1: np.ndarray, l2: np.ndarray) -> np.ndarray | None:
    (vx1, vy1, x1, y1), (vx2, vy2, x2, y2) = l1, l2
    det = vx1 * (-vy2) - vy1 * (-vx2)
    if abs(det) < 1e-9:
        return None
    t = ((x2 - x1) * (-vy2) - (y2 - y1) * (-vx2)) / det
    return np.array([x1 + t * vx1, y1 + t * vy1])


def _refine_corners(contour: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Fit a line to the contour points along each side and intersect them:
    the polygon approximation puts corners on contour points, which a dog-ear
    or a rounded corner pulls inward; the sides are straight for longer."""
    pts = contour.reshape(-1, 2).astype(np.float64)
    lines = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        d = b - a
        length = np.hypot(*d)
        u = d / length
        rel = pts - a
        t = rel @ u
        dist = np.abs(rel[:, 0] * u[1] - rel[:, 1] * u[0])
        near = (t > 0.1 * length) & (t < 0.9 * length) & (dist < max(3.0, 0.02 * length))
        if near.sum() < 5:
            return quad
        lines.append(cv2.fitLine(pts[near].astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel())
    out = []
    for i in range(4):
        p = _line_intersection(lines[i - 1], lines[i])
        if p is None or np.hypot(*(p - quad[i])) > 0.05 * np.hypot(*(quad[2] - quad[0])):
            return quad
        out.append(p)
    return np.array(out)


def _corner_angles(q: np.ndarray) -> np.ndarray:
    out = []
    for i in range(4):
        a, b, c = q[i - 1], q[i], q[(i + 1) % 4]
        v1, v2 = a - b, c - b
        cos = v1 @ v2 / (np.hypot(*v1) * np.hypot(*v2) + 1e-9)
        out.append(np.degrees(np.arccos(np.clip(cos, -1, 1))))
    return np.array(out)


def _quad_from_contour(contour: np.ndarray) -> np.ndarray | None:
    """Four corners of a shape's convex hull, or None when it is no quad."""
    hull = cv2.convexHull(contour)
    peri = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull, eps * peri, True)
        if len(approx) == 4:
            return _order_corners(approx)
        if len(approx) < 4:
            return None
    return None


def _outline_fit(q: np.ndarray, contour: np.ndarray, tol: float) -> float:
    """Share of the contour's points within `tol` of one of the quad's sides."""
    pts = contour.reshape(-1, 2).astype(np.float64)
    dist = np.full(len(pts), np.inf)
    for i in range(4):
        a, ab = q[i], q[(i + 1) % 4] - q[i]
        t = np.clip((pts - a) @ ab / (ab @ ab), 0.0, 1.0)
        dist = np.minimum(dist, np.hypot(*(pts - a - t[:, None] * ab).T))
    return float(np.mean(dist <= tol))


def _quad_ok(q: np.ndarray, contour: np.ndarray, shape: tuple[int, ...], s: FlattenSettings) -> bool:
    h, w = shape[:2]
    area = cv2.contourArea(q.astype(np.float32))
    if area < s.quad_min_area * w * h:
        return False
    hull_area = cv2.contourArea(cv2.convexHull(contour))
    if abs(area - hull_area) > s.quad_max_hull_gap * hull_area:
        return False  # a blob forced into four corners (a hand, a torn page)
    ang = _corner_angles(q)
    if ang.min() < s.quad_min_angle or ang.max() > 180 - s.quad_min_angle:
        return False
    # The outline must run along the quad's sides: a page merged with a
    # second sheet or a torn edge has a hull that is a quad only roughly.
    if _outline_fit(q, contour, 0.01 * np.hypot(w, h)) < s.quad_min_fit:
        return False
    # A side lying along the frame edge is where the photo cuts the paper off
    # (or a scan's own border): the paper's outline is not fully seen.
    mx, my = s.quad_border_margin * w, s.quad_border_margin * h
    for i in range(4):
        a, b = q[i], q[(i + 1) % 4]
        for k, lim, m in ((0, 0, mx), (0, w - 1, mx), (1, 0, my), (1, h - 1, my)):
            if abs(a[k] - lim) <= m and abs(b[k] - lim) <= m:
                return False
    return True


def _paper_candidates(gray: np.ndarray) -> list[np.ndarray]:
    """Outer contours of bright regions, from two views: a global Otsu split
    (paper brighter than the desk) and closed Canny edges (the paper's border
    where a shadow makes the paper no brighter than the desk overall)."""
    k = _odd(min(gray.shape) / 50)
    # Closing whitens text and rules on the paper so they cut no holes or edges.
    clean = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    clean = cv2.GaussianBlur(clean, (5, 5), 0)
    _, bright = cv2.threshold(clean, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    edges = cv2.Canny(clean, 30, 90)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    out = []
    for mask in (bright, edges):
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        out.extend(sorted(contours, key=cv2.contourArea, reverse=True)[:3])
    return out


def find_page_quad(img: np.ndarray, settings: FlattenSettings = DEFAULT) -> np.ndarray | None:
    """Corners (tl, tr, br, bl; float, input pixels) of the sheet of paper in
    a photo taken against a desk or other background. None when the page
    already fills the frame (a scan), when the paper runs off the frame, or
    when no shape is clearly a quadrilateral (blank, noise)."""
    gray = to_gray(img)
    small, f = downscale(gray, settings.quad_work_px)
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for contour in _paper_candidates(small):
        q = _quad_from_contour(contour)
        if q is None or not _quad_ok(q, contour, small.shape, settings):
            continue
        area = cv2.contourArea(q.astype(np.float32))
        if best is None or area > best[0]:
            best = (area, q, contour)
    if best is None:
        return None
    _, q, contour = best
    q = _refine_corners(contour, q)
    h, w = small.shape
    frame = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float64)
    off = np.abs(q - frame) / np.array([w, h])
    if off.max() <= settings.quad_fill_margin:
        return None
    return (q + 0.5) / f - 0.5  # pixel centres: back to input coordinates


def _rect_aspect(quad: np.ndarray, shape: tuple[int, ...], s: FlattenSettings) -> float:
    """Width/height of the real rectangle seen as `quad`, from the pinhole
    model with the principal point at the image centre and the focal length
    estimated from the quad itself (Zhang & He, "Whiteboard scanning and
    image enhancement", 2007). The ratio of the quad's side lengths is
    10-20% off for a phone held at 20° (the test's desk photos); this is
    exact up to corner error. A cropped photo moves the principal point and
    makes the estimate worse, not useless."""
    h, w = shape[:2]
    u0, v0 = w / 2.0, h / 2.0
    tl, tr, br, bl = (np.array([p[0], p[1], 1.0]) for p in quad)
    # Zhang's m1..m4 are the corners at (0,0), (w,0), (0,h), (w,h).
    m1, m2, m3, m4 = tl, tr, bl, br
    k2 = np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3)
    k3 = np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2)
    n2 = k2 * m2 - m1
    n3 = k3 * m3 - m1
    denom = n2[2] * n3[2]
    f2 = np.nan
    if abs(denom) > 1e-12:
        f2 = -((n2[0] * n3[0] - (n2[0] * n3[2] + n2[2] * n3[0]) * u0 + n2[2] * n3[2] * u0 * u0)
               + (n2[1] * n3[1] - (n2[1] * n3[2] + n2[2] * n3[1]) * v0 + n2[2] * n3[2] * v0 * v0)) / denom
    lo, hi = (r * max(w, h) for r in s.focal_range)
    f = float(np.sqrt(f2)) if np.isfinite(f2) and lo * lo <= f2 <= hi * hi else s.focal_default * max(w, h)
    a_inv = np.linalg.inv(np.array([[f, 0, u0], [0, f, v0], [0, 0, 1.0]]))
    b = a_inv.T @ a_inv
    return float(np.sqrt((n2 @ b @ n2) / (n3 @ b @ n3)))


def unwarp(img: np.ndarray, quad: np.ndarray, settings: FlattenSettings = DEFAULT) -> np.ndarray:
    """The paper inside `quad` (tl, tr, br, bl) mapped to an upright
    rectangle with the paper's real aspect ratio. The longer side keeps the
    longest pixel length seen, so the text keeps its resolution, and is at
    least `min_long_side`."""
    _check(img)
    q = np.asarray(quad, dtype=np.float64).reshape(4, 2)
    aspect = _rect_aspect(q, img.shape, settings)
    lengths = [np.hypot(*(q[(i + 1) % 4] - q[i])) for i in range(4)]
    width_seen, height_seen = max(lengths[0], lengths[2]), max(lengths[1], lengths[3])
    if aspect >= 1:
        out_w = max(width_seen, height_seen * aspect)
        out_h = out_w / aspect
    else:
        out_h = max(height_seen, width_seen / aspect)
        out_w = out_h * aspect
    grow = max(1.0, settings.min_long_side / max(out_w, out_h))
    out_w, out_h = int(out_w * grow + 0.5), int(out_h * grow + 0.5)
    # The quad's corners land just outside the output (by quad_inset).
    dx, dy = settings.quad_inset * out_w, settings.quad_inset * out_h
    dst = np.array([[-dx, -dy], [out_w - 1 + dx, -dy], [out_w - 1 + dx, out_h - 1 + dy],
                    [-dx, out_h - 1 + dy]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(q.astype(np.float32), dst)
    return cv2.warpPerspective(img, m, (out_w, out_h), flags=cv2.INTER_CUBIC,
                               borderMode=cv2.BORDER_REPLICATE)


# --------------------------------------------------------------------------
# even_lighting
# --------------------------------------------------------------------------


def even_lighting(img: np.ndarray, settings: FlattenSettings = DEFAULT) -> np.ndarray:
    """Grayscale page with the paper's shading removed: each pixel divided by
    the local paper brightness, estimated by a grayscale closing (a max filter
    then a min filter: ink narrower than the kernel vanishes) and a median
    that smooths the closing's blocks. Paper goes to ~255 in light and in
    shadow; ink keeps its contrast ratio to the paper, so it stays dark.
    Dark areas wider than the kernel (a scanner's black border, a solid
    black banner) count as background and turn light."""
    gray = to_gray(img)
    small, _ = downscale(gray, settings.light_work_px)
    k = _odd(min(small.shape) * settings.light_kernel_frac)
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    bg = cv2.medianBlur(bg, min(k, 255))
    bg = cv2.resize(bg, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    # cv2.divide rounds and saturates in 8 bits: no float copies of the page
    # (35 MB each at 300 dpi, more for a phone's photo).
    return cv2.divide(gray, cv2.max(bg, 1), scale=255.0)


# --------------------------------------------------------------------------
# estimate_skew / rotate
# --------------------------------------------------------------------------


def _sharpness(v: np.ndarray, shared: bool = True) -> float:
    """Sum of squared differences of the projection histogram (Postl's
    criterion): high when ink piles up in thin lines with clear gaps. Each
    point is shared between its two nearest bins: whole-pixel bins give a flat
    top ~0.1° wide (a line shifts less than a pixel end to end) whose first
    point argmax would pick; sharing makes the peak smooth and centred.
    Without `shared`, whole-pixel bins: for the coarse pass, whose 0.25°
    steps are wider than that top, at less than half the cost (the two
    weighted bincounts were most of it)."""
    v = v - v.min()
    i = v.astype(np.int32)
    if not shared:
        return float(np.sum(np.diff(np.bincount(i)) ** 2))
    frac = v - i
    n = int(i.max()) + 2
    h = np.bincount(i, weights=1.0 - frac, minlength=n) + np.bincount(i + 1, weights=frac, minlength=n)
    return float(np.sum(np.diff(h) ** 2))


def _profile_scores(xs: np.ndarray, ys: np.ndarray, angles: np.ndarray,
                    shared: bool = True) -> np.ndarray:
    """For each angle (counterclockwise, as cv2.getRotationMatrix2D takes it),
    where ink points land after that rotation, projected on rows plus on
    columns. Both axes: a sideways page's lines are then found as well as an
    upright one's, and table rules help in both directions."""
    out = np.empty(len(angles))
    for i, a in enumerate(np.deg2rad(angles)):
        c, s = np.cos(a), np.sin(a)
        out[i] = _sharpness(ys * c - xs * s, shared) + _sharpness(xs * c + ys * s, shared)
    return out


def _points(mask: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Ink pixel coordinates about the centre; an even (raster-order) sample
    when there are more than max_points, so a dark photo or noise costs no
    more than a dense page of text."""
    ys, xs = np.nonzero(mask)
    step = max(1, -(-len(xs) // max_points))
    return xs[::step] - mask.shape[1] / 2.0, ys[::step] - mask.shape[0] / 2.0


def estimate_skew(img: np.ndarray, settings: FlattenSettings = DEFAULT, evened: bool = False) -> float:
    """Degrees, counterclockwise positive (cv2.getRotationMatrix2D's sense),
    that make the text lines axis-aligned: horizontal for an upright or
    upside-down page, vertical for a sideways one (orient handles 90° steps).
    Searches ±settings.max_skew (20°). 0.0 when there is nothing to measure
    (blank page) or no angle stands out (noise, a photo). `evened`: `img`
    has been through even_lighting already (see ink_mask)."""
    gray, _ = downscale(to_gray(img), settings.skew_work_px)
    mask = ink_mask(gray, settings, evened)
    # Solid dark areas (scanner border, a photo, a black banner) are not
    # lines of text; their outline would pull the estimate.
    k = _odd(max(mask.shape) * settings.solid_frac)
    solid = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    mask = mask & (1 - cv2.dilate(solid, np.ones((5, 5), np.uint8)))
    if int(mask.sum()) < settings.min_ink_px:
        return 0.0
    coarse, _ = downscale(mask * 255, settings.skew_coarse_px)
    xs, ys = _points(coarse > 64, settings.skew_max_points // 4)
    angles = np.arange(-settings.max_skew, settings.max_skew + 1e-9, settings.skew_coarse_step)
    scores = _profile_scores(xs, ys, angles, shared=False)
    median = float(np.median(scores))
    if median <= 0 or scores.max() / median < settings.skew_min_confidence:
        return 0.0
    best = float(angles[np.argmax(scores)])
    # Refine at the working size: within ±0.3° by 0.05°, then within ±0.06°
    # by 0.01°, climbing from the coarse peak.
    xs, ys = _points(mask, settings.skew_max_points)
    for step, span in ((0.05, 0.3), (0.01, 0.06)):
        best = _climb(xs, ys, best, step, round(span / step))
    return round(best, 2) + 0.0  # + 0.0: no "-0.0"


def _climb(xs: np.ndarray, ys: np.ndarray, start: float, step: float, most: int) -> float:
    """The peak reached by climbing from `start` on the grid start + k*step,
    |k| <= most (most >= 1): the grid's best where the score rises steadily
    to it, as it does near a text line's peak, and a shoulder where it does
    not (deskew-8, the picture card: 14.89° against the grid's 14.83°). A
    climb scores 3 to 5 angles where scoring the whole grid took 13 (the
    fine passes were a third of the skew search, and the skew search the
    largest part of flattening a scanned page)."""
    def at(k: int) -> float:
        return float(_profile_scores(xs, ys, np.array([start + k * step]))[0])

    k, here = 0, at(0)
    left, right = at(-1), at(1)
    if max(left, right) <= here:
        return start
    way, here, k = (1, right, 1) if right > left else (-1, left, -1)
    while abs(k) < most:
        nxt = at(k + way)
        if nxt <= here:
            break
        k, here = k + way, nxt
    return start + k * step


def rotate(img: np.ndarray, angle: float) -> np.ndarray:
    """The image rotated `angle` degrees counterclockwise about its centre,
    on a canvas grown to keep every corner of the page, filled white."""
    _check(img)
    if angle % 360 == 0:
        return img.copy()
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    new_w, new_h = int(np.ceil(h * sin + w * cos)), int(np.ceil(h * cos + w * sin))
    m[0, 2] += new_w / 2.0 - w / 2.0
    m[1, 2] += new_h / 2.0 - h / 2.0
    white = 255 if img.ndim == 2 else (255,) * img.shape[2]
    return cv2.warpAffine(img, m, (new_w, new_h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=white)


# --------------------------------------------------------------------------
# the chain
# --------------------------------------------------------------------------


def flatten(img: np.ndarray, settings: FlattenSettings = DEFAULT) -> FlattenResult:
    """unwarp (if a paper outline is found) -> even lighting -> deskew ->
    upright. Lighting is evened before rotating so the white fill of the
    rotated corners matches the evened paper."""
    # orient builds on this module's helpers; importing it here avoids a cycle.
    from ingest import orient

    _check(img)
    steps: list[str] = []
    quad = find_page_quad(img, settings) if settings.do_unwarp else None
    if quad is not None:
        img = unwarp(img, quad, settings)
        steps.append(f"unwarp: paper quad -> {img.shape[1]}x{img.shape[0]}")
    gray = to_gray(img)
    if settings.do_even_lighting:
        gray = even_lighting(gray, settings)
        steps.append("even_lighting")
    # The skew and orientation tests even their input's lighting; the page
    # is evened already. Evening it again cost ~45 ms a page, and over the
    # 62 pages of the scanned samples changed no turn and one angle by 0.01°.
    evened = settings.do_even_lighting
    angle = estimate_skew(gray, settings, evened) if settings.do_deskew else 0.0
    if abs(angle) >= settings.min_skew:
        gray = rotate(gray, angle)
        steps.append(f"deskew: rotate {angle:+.2f}°")
    else:
        angle = 0.0
    turn = orient.Turn(0, True)
    if settings.do_upright:
        # Already deskewed: orient need not deskew again.
        turn = orient.detect(gray, orient.OrientSettings(deskew_first=False, evened=evened, flatten=settings))
        gray = orient.turn_back(gray, turn.rotation) if turn.rotation else gray
        if turn.rotation:
            steps.append(f"upright: page was turned {turn.rotation}° clockwise, turned back")
    return FlattenResult(image=gray, quad=quad, angle=angle, rotation=turn.rotation, steps=steps,
                         rotation_sure=turn.sure)
