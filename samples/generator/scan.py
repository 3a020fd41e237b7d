"""Scanned variants of the born-digital samples: what archives really hold.

Each born-digital sample PDF is rasterised (pypdfium2, 200 dpi grayscale) and
degraded the way one kind of capture degrades a page. The golden stays the
born-digital twin's: `samples/<variant>/<stem>.<ext>` is scored against
`golden/<stem>.json`.

    scan-pdf/<stem>.pdf      office scanner: 200 dpi gray, small skew, blur,
                             noise, JPEG; page size = the paper's; no text layer
    camscanner/<stem>.pdf    phone photos on a desk (CamScanner export): camera
                             perspective, rotation, desk, uneven light, shadow,
                             blur, sensor noise, JPEG 45-70, "Dipindai dengan
                             CamScanner" stamp on the paper
    fax/<stem>.tif           150 dpi, binarised with noise, speckle, skew,
                             CCITT G4, multi-page
    upside-down/<stem>.pdf   milder phone photos of turned pages: the identity
                             page upside down, landscape pages in portrait

Every effect is a small pure function over numpy images; the random values
of one page are drawn first (`draw_*`, from a RNG seeded by variant, stem
and page) and the image is made from them (`scan_page`, `photograph`,
`fax_page`), so the same inputs always give the same bytes. The values used
per page go to `samples/<variant>/_params.json` (conventions there: angles in
degrees, counterclockwise positive as cv2.getRotationMatrix2D takes them;
`turn_cw` the clockwise quarter turn the page had before it was captured;
corners tl, tr, br, bl of the paper as it lies in the image, in pixels).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONTS = Path(__file__).with_name("fonts")

# Which variants each sample gets. The 28-page decree only gets the scan:
# OCR is slow and the test suite must stay fast.
PLAN: dict[str, tuple[str, ...]] = {
    "bkpsdm-kubar-evaluasi-akip": ("scan-pdf", "camscanner", "fax", "upside-down"),
    "bappedalitbang-balangan-evaluasi-capaian": ("scan-pdf", "camscanner", "fax", "upside-down"),
    "sekretariat-evaluasi-kinerja-internal": ("scan-pdf", "camscanner", "fax", "upside-down"),
    "bkpsdm-paser-keputusan-sop-perencanaan": ("scan-pdf",),
}
VARIANTS = ("scan-pdf", "camscanner", "fax", "upside-down")
EXTENSION = {"scan-pdf": ".pdf", "camscanner": ".pdf", "fax": ".tif", "upside-down": ".pdf"}
# CamScanner export of seed 002: the pages were captured twice (1, 2, 1, 2).
REPEATED = {"sekretariat-evaluasi-kinerja-internal"}
PARAMS_FILE = "_params.json"

SOURCE_DPI = 200  # the born-digital page is rasterised once at this resolution
A4_LONG_PT = 841.89  # camscanner PDF pages: the photo's long side on an A4 long side


# --------------------------------------------------------------------------
# Parameters: one frozen dataclass per variant. Tuples are (low, high) ranges
# a value is drawn from uniformly, per page.


@dataclass(frozen=True)
class ScanParams:
    dpi: int = SOURCE_DPI
    angle: tuple[float, float] = (0.3, 1.5)  # |rotation|, degrees; sign random
    shift_mm: float = 2.0  # the sheet lies up to this far off the platen's corner
    blur: tuple[float, float] = (0.5, 0.85)  # Gaussian sigma, px
    noise: tuple[float, float] = (1.5, 3.0)  # sensor noise sigma, gray levels
    paper: tuple[float, float] = (236.0, 248.0)  # the sheet's white
    lid: float = 252.0  # the scanner lid beyond the sheet
    ink: tuple[float, float] = (22.0, 42.0)  # toner black
    jpeg_quality: tuple[int, int] = (72, 78)
    encoding: str = "jpeg"  # or "flate" (lossless, ~3x larger)


@dataclass(frozen=True)
class PhotoParams:
    long_side: tuple[int, int] = (1600, 2400)  # the photo's long side, px
    aspect: float = 4 / 3  # phone camera frame
    fill: tuple[float, float] = (0.80, 0.90)  # paper's extent / frame's, on the tighter axis
    offset: float = 0.025  # paper centre off the frame centre, fraction of the frame
    rotation: float = 7.0  # in-plane rotation up to this, degrees
    corner_shift: tuple[float, float] = (0.02, 0.08)  # perspective: corner moves / page long side
    max_tilt: tuple[float, float] = (22.0, 16.0)  # camera tilt about the page's x / y axis, degrees
    focal: tuple[float, float] = (0.8, 1.3)  # focal length, frame long sides
    paper: tuple[float, float] = (0.86, 0.93)  # paper reflectance
    ink: tuple[float, float] = (0.07, 0.13)  # toner reflectance
    gradient: tuple[float, float] = (0.12, 0.30)  # light falling off across the scene
    vignette: tuple[float, float] = (0.06, 0.18)
    shadow: tuple[float, float] = (0.18, 0.38)  # darkening under the soft shadow
    shadow_width: tuple[float, float] = (0.04, 0.12)  # its soft edge, fraction of the frame diagonal
    blur: tuple[float, float] = (0.6, 1.2)  # Gaussian sigma, px
    noise: tuple[float, float] = (2.0, 4.5)  # sensor noise sigma at mid gray
    jpeg_quality: tuple[int, int] = (45, 70)
    stamp: bool = True  # CamScanner's footer on the paper
    turn: bool = False  # upside-down variant: identity page 180°, landscape pages in portrait


CAMSCANNER = PhotoParams()
UPSIDE_DOWN = PhotoParams(
    rotation=3.0, corner_shift=(0.02, 0.05), max_tilt=(15.0, 10.0), gradient=(0.05, 0.15),
    vignette=(0.04, 0.10), shadow=(0.06, 0.18), blur=(0.6, 0.9), noise=(1.5, 3.0),
    jpeg_quality=(60, 75), stamp=False, turn=True,
)


@dataclass(frozen=True)
class FaxParams:
    dpi: int = 150
    angle: tuple[float, float] = (0.2, 1.0)  # |skew|, degrees; sign random
    blur: float = 0.45  # optics before the threshold, px
    threshold: tuple[float, float] = (150.0, 170.0)  # gray level: darker is black
    grain: tuple[float, float] = (18.0, 28.0)  # noise sigma added before the threshold
    blotch: tuple[float, float] = (6.0, 12.0)  # smooth noise sigma (uneven toner, paper)
    pepper: tuple[float, float] = (0.0006, 0.0015)  # black specks, fraction of pixels
    salt: tuple[float, float] = (0.01, 0.03)  # white dropouts in the ink, fraction of ink pixels
    clusters: tuple[int, int] = (40, 120)  # dirt: 2-4 px blobs per page


SCAN = ScanParams()
FAX = FaxParams()


# --------------------------------------------------------------------------
# Randomness


def rng_for(variant: str, stem: str, shot: int) -> np.random.Generator:
    """The RNG of one output page: seeded from variant, stem and page index."""
    digest = hashlib.sha256(f"{variant}/{stem}/{shot}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _u(rng: np.random.Generator, lo_hi: tuple[float, float]) -> float:
    return float(rng.uniform(*lo_hi))


def _signed(rng: np.random.Generator, lo_hi: tuple[float, float]) -> float:
    return _u(rng, lo_hi) * (1.0 if rng.random() < 0.5 else -1.0)


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """Zero-mean, unit-ish noise varying over ~1/cells of the long side."""
    h, w = shape
    ch, cw = max(2, round(cells * h / max(h, w))), max(2, round(cells * w / max(h, w)))
    small = rng.standard_normal((ch + 2, cw + 2)).astype(np.float32)
    big = cv2.resize(small, (w + 2 * w // cw, h + 2 * h // ch), interpolation=cv2.INTER_CUBIC)
    oy, ox = h // ch, w // cw
    return big[oy:oy + h, ox:ox + w]


# --------------------------------------------------------------------------
# Source pages


def rasterise(pdf_path: Path, dpi: int = SOURCE_DPI) -> list[tuple[np.ndarray, tuple[float, float]]]:
    """(uint8 grayscale page image, (width, height) in points) per page."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        out = []
        for i in range(len(pdf)):
            page = pdf[i]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            img = np.array(bitmap.to_numpy(), copy=True)
            if img.ndim == 3:
                img = img[..., 0]
            out.append((img, tuple(page.get_size())))
        return out
    finally:
        pdf.close()


def identity_pages(golden_path: Path) -> set[int]:
    """1-based page numbers of the SOPs' identity pages (each SOP's first)."""
    try:
        doc = json.loads(golden_path.read_text(encoding="utf-8"))
        return {s["pages"][0] for s in doc["sops"] if s.get("pages")}
    except (OSError, ValueError, KeyError):
        return {1}


def turn(img: np.ndarray, turn_cw: int) -> np.ndarray:
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return img if turn_cw % 360 == 0 else cv2.rotate(img, codes[turn_cw % 360])


def _rotation_about_centre(shape: tuple[int, int], angle: float, shift=(0.0, 0.0)) -> np.ndarray:
    h, w = shape
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle, 1.0)
    m[:, 2] += shift
    return m


# --------------------------------------------------------------------------
# 1. Office scanner


def draw_scan(rng: np.random.Generator, p: ScanParams) -> dict[str, Any]:
    px_per_mm = p.dpi / 25.4
    return {
        "rotation_ccw_deg": round(_signed(rng, p.angle), 3),
        "shift_px": [round(float(rng.uniform(-1, 1)) * p.shift_mm * px_per_mm, 1),
                     round(float(rng.uniform(-1, 1)) * p.shift_mm * px_per_mm, 1)],
        "blur_sigma": round(_u(rng, p.blur), 3),
        "noise_sigma": round(_u(rng, p.noise), 3),
        "paper": round(_u(rng, p.paper), 1),
        "ink": round(_u(rng, p.ink), 1),
        "jpeg_quality": int(rng.integers(p.jpeg_quality[0], p.jpeg_quality[1] + 1)),
        "noise_seed": int(rng.integers(2**31)),
    }


def scan_page(page: np.ndarray, v: dict[str, Any], p: ScanParams = SCAN,
              source_dpi: int = SOURCE_DPI) -> np.ndarray:
    """A flatbed scan at `p.dpi` of the page (uint8 gray at `source_dpi`):
    the sheet lies turned and shifted on the glass, the lid shows white
    beyond its edges, a faint shadow marks the paper's edge; optics blur,
    the sensor adds noise."""
    rng = np.random.default_rng(v["noise_seed"])
    if p.dpi != source_dpi:
        k = p.dpi / source_dpi
        page = cv2.resize(page, None, fx=k, fy=k, interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
    h, w = page.shape
    ink = page.astype(np.float32) / 255.0
    sheet = v["ink"] + (v["paper"] - v["ink"]) * ink
    # slight unevenness along the scan head
    sheet *= 1.0 + 0.006 * smooth_noise(rng, (h, w), 6)
    m = _rotation_about_centre((h, w), v["rotation_ccw_deg"], v["shift_px"])
    warped = cv2.warpAffine(sheet, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0.0)
    mask = cv2.warpAffine(np.ones((h, w), np.float32), m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0.0)
    edge = cv2.GaussianBlur(mask, (0, 0), 1.5)
    edge_shadow = np.clip(1.0 - np.abs(edge - 0.5) * 2.0, 0.0, 1.0)  # a thin band on the paper's edge
    out = warped * mask + p.lid * (1.0 - mask) - 28.0 * edge_shadow
    out = cv2.GaussianBlur(out, (0, 0), v["blur_sigma"])
    out += rng.standard_normal(out.shape, np.float32) * v["noise_sigma"]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------
# 2./4. Phone photo on a desk


def _project(sheet_m: np.ndarray, rot: np.ndarray, t: np.ndarray, f: float, size: tuple[int, int]) -> np.ndarray:
    W, H = size
    cam = sheet_m @ rot.T + t
    return np.stack([f * cam[:, 0] / cam[:, 2] + W / 2, f * cam[:, 1] / cam[:, 2] + H / 2], axis=1)


def _rotation(ax: float, ay: float, az: float) -> np.ndarray:
    ax, ay, az = np.radians([ax, ay, az])
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    return rx @ ry @ rz


def _place_sheet(sheet: np.ndarray, rot: np.ndarray, f: float, size: tuple[int, int],
                 fill: float, centre: np.ndarray) -> np.ndarray:
    """Corners of the sheet seen with rotation `rot`, moved (in 3-D, so the
    pinhole model holds) until it spans `fill` of the frame on its tighter
    axis and its centroid sits at `centre`."""
    W, H = size
    t = np.array([0.0, 0.0, 1.0])
    for _ in range(8):
        q = _project(sheet, rot, t, f, size)
        span = max((q[:, 0].max() - q[:, 0].min()) / (fill * W), (q[:, 1].max() - q[:, 1].min()) / (fill * H))
        t = t * np.array([1.0, 1.0, span])
        q = _project(sheet, rot, t, f, size)
        t[:2] += (centre - q.mean(axis=0)) * t[2] / f
    return _project(sheet, rot, t, f, size)


def _frontal(quad: np.ndarray, aspect: float, angle_cw: float) -> np.ndarray:
    """The same-area rectangle of the page's aspect (w/h), turned `angle_cw`
    (image y down), centred where the quad is: the page seen head-on."""
    area = 0.5 * abs(np.dot(quad[:, 0], np.roll(quad[:, 1], 1)) - np.dot(quad[:, 1], np.roll(quad[:, 0], 1)))
    h = math.sqrt(area / aspect)
    w = aspect * h
    rect = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
    a = math.radians(angle_cw)
    r = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    return rect @ r.T + quad.mean(axis=0)


def quad_rotation(quad: np.ndarray) -> float:
    """How far the paper looks turned in the image, degrees counterclockwise:
    the mean direction of its four edges (left/right ones taken as turned by
    90°): what a deskew of the photo itself (not unwarped) would find."""
    tl, tr, br, bl = np.asarray(quad, np.float64)
    vecs = [tr - tl, br - bl, np.array([(bl - tl)[1], -(bl - tl)[0]]), np.array([(br - tr)[1], -(br - tr)[0]])]
    x, y = sum(v / np.linalg.norm(v) for v in vecs)
    return math.degrees(math.atan2(-y, x))


def draw_photo(rng: np.random.Generator, p: PhotoParams, page_shape: tuple[int, int]) -> dict[str, Any]:
    """The random values of one photo of a page of `page_shape` (as it lies on
    the desk, after any turn)."""
    ph, pw = page_shape
    portrait = ph >= pw
    long_side = int(rng.integers(p.long_side[0] // 8, p.long_side[1] // 8 + 1)) * 8
    short_side = round(long_side / p.aspect / 8) * 8
    W, H = (short_side, long_side) if portrait else (long_side, short_side)
    sw, sh = (0.210, 0.297) if portrait else (0.297, 0.210)
    sheet = np.array([[-sw / 2, -sh / 2, 0], [sw / 2, -sh / 2, 0], [sw / 2, sh / 2, 0], [-sw / 2, sh / 2, 0]])
    for _ in range(1000):
        az = float(rng.uniform(-p.rotation, p.rotation))  # camera roll: clockwise in the image (y down)
        ax = float(rng.uniform(-p.max_tilt[0], p.max_tilt[0]))
        ay = float(rng.uniform(-p.max_tilt[1], p.max_tilt[1]))
        f = _u(rng, p.focal) * long_side
        fill = _u(rng, p.fill)
        centre = np.array([W / 2, H / 2]) + rng.uniform(-p.offset, p.offset, 2) * np.array([W, H])
        quad = _place_sheet(sheet, _rotation(ax, ay, az), f, (W, H), fill, centre)
        ref = _frontal(quad, sw / sh, az)
        long_px = max(np.linalg.norm(ref[1] - ref[0]), np.linalg.norm(ref[3] - ref[0]))
        shift = float(np.linalg.norm(quad - ref, axis=1).max() / long_px)
        apparent = quad_rotation(quad)
        margin = 0.015 * min(W, H)
        inside = (quad[:, 0].min() > margin and quad[:, 1].min() > margin
                  and quad[:, 0].max() < W - margin and quad[:, 1].max() < H - margin)
        if p.corner_shift[0] <= shift <= p.corner_shift[1] and abs(apparent) <= p.rotation and inside:
            break
    else:  # pragma: no cover - the ranges above always admit a photo
        raise RuntimeError("no photo geometry within the parameter ranges")
    return {
        "size_px": [W, H],
        "rotation_ccw_deg": round(apparent, 3),
        "camera": {"roll_deg": round(az, 3), "tilt_deg": [round(ax, 3), round(ay, 3)], "focal_px": round(f, 1)},
        "corners": [[round(float(x), 2), round(float(y), 2)] for x, y in quad],
        "corner_shift": round(shift, 4),
        "paper": round(_u(rng, p.paper), 3),
        "ink": round(_u(rng, p.ink), 3),
        "paper_tint": [round(float(rng.uniform(0.90, 0.97)), 3), round(float(rng.uniform(0.96, 1.0)), 3), 1.0],
        "desk": ("wood", "laminate", "cloth")[int(rng.integers(3))],
        "gradient": round(_u(rng, p.gradient), 3),
        "gradient_dir_deg": round(float(rng.uniform(0, 360)), 1),
        "vignette": round(_u(rng, p.vignette), 3),
        "shadow": round(_u(rng, p.shadow), 3),
        "shadow_width": round(_u(rng, p.shadow_width), 3),
        "shadow_dir_deg": round(float(rng.uniform(0, 360)), 1),
        "shadow_reach": round(float(rng.uniform(0.15, 0.45)), 3),
        "blur_sigma": round(_u(rng, p.blur), 3),
        "noise_sigma": round(_u(rng, p.noise), 3),
        "jpeg_quality": int(rng.integers(p.jpeg_quality[0], p.jpeg_quality[1] + 1)),
        "noise_seed": int(rng.integers(2**31)),
    }


def desk_texture(rng: np.random.Generator, kind: str, shape: tuple[int, int]) -> np.ndarray:
    """Reflectance (float32 BGR, ~0.1-0.45) of a desk top: wood, a dark
    laminate or a cloth, darker than paper."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    fine = rng.standard_normal((h, w)).astype(np.float32)
    if kind == "wood":
        a = rng.uniform(0, np.pi)
        u = xx * math.cos(a) + yy * math.sin(a)
        v = -xx * math.sin(a) + yy * math.cos(a)
        warp = 25.0 * smooth_noise(rng, shape, 5) + 8.0 * np.sin(v / rng.uniform(120, 260))
        period = rng.uniform(7, 14)
        grain = np.sin((u + warp) / period) + 0.5 * np.sin((u + 1.7 * warp) / (period * 0.37))
        streak = cv2.GaussianBlur(fine, (0, 0), sigmaX=1.0, sigmaY=1.0)
        lum = 0.34 + 0.05 * grain + 0.05 * smooth_noise(rng, shape, 4) + 0.03 * streak
        base = np.array(rng.choice([[0.42, 0.62, 1.0], [0.50, 0.70, 1.0], [0.36, 0.55, 0.95]]), np.float32)
    elif kind == "laminate":
        lum = 0.20 + 0.025 * smooth_noise(rng, shape, 3) + 0.02 * cv2.GaussianBlur(fine, (0, 0), 0.8)
        base = np.array(rng.choice([[1.0, 1.0, 1.0], [0.95, 0.98, 1.0], [1.0, 0.97, 0.92]]), np.float32)
    else:  # cloth: a woven tablecloth
        period = rng.uniform(3.0, 5.0)
        weave = np.sin(xx * 2 * np.pi / period) * np.sin(yy * 2 * np.pi / period)
        lum = 0.30 + 0.03 * weave + 0.04 * smooth_noise(rng, shape, 6) + 0.03 * fine
        base = np.array(rng.choice([[1.0, 0.70, 0.55], [0.75, 0.85, 0.70], [0.9, 0.9, 0.9]]), np.float32)
    lum = np.clip(lum, 0.05, 0.6)
    return lum[..., None] * base[None, None, :]


def lighting(v: dict[str, Any], shape: tuple[int, int]) -> np.ndarray:
    """Illumination (float32, ~0.5-1): a gradient from the lamp's side, a
    vignette, and the soft shadow of the phone or the hand over one side."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy, diag = w / 2.0, h / 2.0, math.hypot(w, h)
    a = math.radians(v["gradient_dir_deg"])
    ramp = ((xx - cx) * math.cos(a) + (yy - cy) * math.sin(a)) / diag + 0.5  # 0..1 across
    light = 1.0 - v["gradient"] * ramp
    r2 = ((xx - cx) ** 2 + (yy - cy) ** 2) / (diag / 2) ** 2
    light *= 1.0 - v["vignette"] * r2
    b = math.radians(v["shadow_dir_deg"])
    # signed distance into the shadow from its edge, which lies `reach` in from one side
    d = ((xx - cx) * math.cos(b) + (yy - cy) * math.sin(b)) / diag
    edge = 0.5 - v["shadow_reach"]
    s = 1.0 / (1.0 + np.exp(-(d - edge) / (v["shadow_width"] / 4.0)))
    light *= 1.0 - v["shadow"] * s
    return light


def photograph(page: np.ndarray, v: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """A phone photo (uint8 BGR) of the page lying on a desk, from the values
    of `draw_photo`; also the paper's ink mask in the photo (for the stamp)."""
    rng = np.random.default_rng(v["noise_seed"])
    W, H = v["size_px"]
    quad = np.array(v["corners"], np.float32)
    # pre-shrink the page to about its size in the photo (warpPerspective
    # does not area-average), then map it onto the quad
    page_px = max(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[3] - quad[0]))
    k = min(1.0, 1.15 * page_px / max(page.shape))
    small = cv2.resize(page, None, fx=k, fy=k, interpolation=cv2.INTER_AREA) if k < 1 else page
    sh, sw = small.shape
    # the page's outer corners in OpenCV's pixel-centre coordinates
    src = np.array([[-0.5, -0.5], [sw - 0.5, -0.5], [sw - 0.5, sh - 0.5], [-0.5, sh - 0.5]], np.float32)
    hmat = cv2.getPerspectiveTransform(src, quad)
    ink = small.astype(np.float32) / 255.0
    refl = v["ink"] + (v["paper"] - v["ink"]) * ink
    paper = cv2.warpPerspective(refl, hmat, (W, H), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones_like(refl), hmat, (W, H), flags=cv2.INTER_LINEAR)
    ink_mask = cv2.warpPerspective((small < 170).astype(np.uint8), hmat, (W, H), flags=cv2.INTER_NEAREST)

    desk = desk_texture(rng, v["desk"], (H, W))
    # the sheet lies a little off the desk: a soft contact shadow around it
    contact = cv2.GaussianBlur(mask, (0, 0), 0.006 * max(W, H))
    desk *= (1.0 - 0.45 * contact * (1.0 - mask))[..., None]
    tint = np.array(v["paper_tint"], np.float32)
    scene = desk * (1.0 - mask[..., None]) + (paper[..., None] * tint) * mask[..., None]
    scene *= lighting(v, (H, W))[..., None]
    # auto exposure: the brightest paper lands near 240
    bright = np.percentile(scene[..., 2][mask > 0.99], 99.5)
    img = scene * (240.0 / bright)
    img = cv2.GaussianBlur(img, (0, 0), v["blur_sigma"])
    # sensor noise: shot noise grows with the signal, some of it in colour
    sigma = v["noise_sigma"] * np.sqrt(0.35 + img.mean(axis=2, keepdims=True) / 128.0)
    luma = rng.standard_normal((H, W, 1), np.float32)
    chroma = cv2.GaussianBlur(rng.standard_normal((H, W, 3), np.float32), (0, 0), 1.2) * 0.6
    img = img + sigma * (luma + chroma)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8), ink_mask


def stamp_image(height_px: int) -> Image.Image:
    """CamScanner's footer (RGBA): the "CS" badge, "Dipindai dengan
    CamScanner" and the download link under it."""
    size = max(10, height_px)
    font = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), size)
    bold = ImageFont.truetype(str(FONTS / "DejaVuSans-Bold.ttf"), int(size * 0.8))
    small = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), int(size * 0.72))
    line1, line2 = "Dipindai dengan CamScanner", "https://v3.camscanner.com/user/download"
    badge = int(size * 1.45)
    w1 = font.getbbox(line1)[2]
    w2 = small.getbbox(line2)[2]
    pad = size // 3
    width = pad + badge + pad + max(w1, w2 - 0) + pad
    height = pad + badge + int(size * 0.25) + int(size * 0.95) + pad
    img = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([0, 0, width - 1, height - 1], radius=size // 3, fill=(255, 255, 255, 215))
    d.rounded_rectangle([pad, pad, pad + badge, pad + badge], radius=badge // 5, fill=(24, 170, 150, 255))
    d.text((pad + badge / 2, pad + badge / 2), "CS", font=bold, fill=(255, 255, 255, 255), anchor="mm")
    d.text((pad + badge + pad, pad + badge / 2), line1, font=font, fill=(40, 40, 40, 255), anchor="lm")
    d.text((pad + badge + pad, pad + badge + int(size * 0.25)), line2, font=small, fill=(60, 60, 60, 255),
           anchor="la")
    return img


def place_stamp(ink_mask: np.ndarray, quad: np.ndarray | None, box: tuple[int, int]) -> tuple[int, int] | None:
    """Top-left of a (w, h) box clear of ink (and, given the paper's quad,
    on the paper), as near the bottom-right corner as possible: CamScanner
    puts its footer at the bottom right."""
    H, W = ink_mask.shape
    bw, bh = box
    edge = max(3, int(0.006 * max(H, W)))
    clear = max(3, int(0.005 * max(H, W)))
    if quad is not None:
        paper = np.zeros((H, W), np.uint8)
        cv2.fillConvexPoly(paper, np.rint(quad).astype(np.int32), 1)
        paper = cv2.erode(paper, np.ones((2 * edge + 1, 2 * edge + 1), np.uint8))
    else:  # anywhere in the frame, off its very edge
        paper = np.zeros((H, W), np.uint8)
        paper[edge:H - edge, edge:W - edge] = 1
    ink = cv2.dilate(ink_mask, np.ones((2 * clear + 1, 2 * clear + 1), np.uint8))
    bad = ((paper == 0) | (ink > 0)).astype(np.uint8)
    integral = cv2.integral(bad)  # (H+1, W+1)
    sums = integral[bh:, bw:] - integral[:-bh, bw:] - integral[bh:, :-bw] + integral[:-bh, :-bw]
    free = np.argwhere(sums == 0)  # rows: top-left (y, x)
    if len(free) == 0:
        return None
    # the box's bottom-right corner as near the page's (or frame's) as it can be
    target = np.asarray(quad[2] if quad is not None else (W, H), np.float64)
    d = np.hypot(free[:, 1] + bw - target[0], free[:, 0] + bh - target[1])
    y, x = free[np.argmin(d)]
    return int(x), int(y)


def apply_stamp(img: np.ndarray, ink_mask: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    """The photo with CamScanner's footer composited on it (the app adds it
    after capture: sharp, upright, not in perspective): on the paper's
    bottom margin when it fits there at 70 % of its size or more, otherwise
    at the bottom right of the frame, still clear of the page's ink."""
    H, W = img.shape[:2]
    full = round(0.0105 * max(H, W))
    at = None
    for on_paper, sizes in ((True, (1.0, 0.85, 0.7)), (False, (1.0, 0.85, 0.7, 0.55))):
        for f in sizes:
            stamp = stamp_image(round(full * f))
            at = place_stamp(ink_mask, quad if on_paper else None, stamp.size)
            if at is not None:
                break
        if at is not None:
            break
    if at is None:  # pragma: no cover - the frame always has room at the bottom
        return img, {"box": None, "on_paper": False}
    base = Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)).convert("RGBA")
    base.alpha_composite(stamp, at)
    out = cv2.cvtColor(np.asarray(base.convert("RGB")), cv2.COLOR_RGB2BGR)
    return out, {"box": [at[0], at[1], at[0] + stamp.size[0], at[1] + stamp.size[1]], "on_paper": on_paper}


# --------------------------------------------------------------------------
# 3. Fax


def draw_fax(rng: np.random.Generator, p: FaxParams) -> dict[str, Any]:
    return {
        "rotation_ccw_deg": round(_signed(rng, p.angle), 3),
        "threshold": round(_u(rng, p.threshold), 1),
        "grain": round(_u(rng, p.grain), 2),
        "blotch": round(_u(rng, p.blotch), 2),
        "pepper": round(_u(rng, p.pepper), 5),
        "salt": round(_u(rng, p.salt), 4),
        "clusters": int(rng.integers(p.clusters[0], p.clusters[1] + 1)),
        "noise_seed": int(rng.integers(2**31)),
    }


def fax_page(page: np.ndarray, v: dict[str, Any], source_dpi: int = SOURCE_DPI,
             p: FaxParams = FAX) -> np.ndarray:
    """A received fax page (bool, True = black) at `p.dpi`: scanned with a
    skew, thresholded with noise so thin strokes break and edges fray, with
    speckle and a little dirt."""
    rng = np.random.default_rng(v["noise_seed"])
    k = p.dpi / source_dpi
    g = cv2.resize(page, None, fx=k, fy=k, interpolation=cv2.INTER_AREA).astype(np.float32)
    h, w = g.shape
    g = cv2.warpAffine(g, _rotation_about_centre((h, w), v["rotation_ccw_deg"]), (w, h),
                       flags=cv2.INTER_LINEAR, borderValue=255.0)
    g = cv2.GaussianBlur(g, (0, 0), p.blur)
    g += v["blotch"] * smooth_noise(rng, (h, w), 60)
    g += v["grain"] * rng.standard_normal((h, w)).astype(np.float32)
    black = g < v["threshold"]
    # white dropouts inside the ink, black specks on the paper
    black &= rng.random((h, w)) >= v["salt"]
    black |= rng.random((h, w)) < v["pepper"]
    for _ in range(v["clusters"]):  # dirt on the glass: small ragged blobs
        y, x, r = int(rng.integers(2, h - 2)), int(rng.integers(2, w - 2)), int(rng.integers(1, 3))
        blob = rng.random((2 * r, 2 * r)) < 0.7
        black[y - r:y + r, x - r:x + r] |= blob[: min(h, y + r) - (y - r), : min(w, x + r) - (x - r)]
    return black


# --------------------------------------------------------------------------
# Containers


def jpeg_bytes(img: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:  # pragma: no cover
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()


@dataclass(frozen=True)
class PdfImage:
    data: bytes  # encoded as `filter` says
    width: int
    height: int
    gray: bool
    filter: str  # "DCTDecode" (JPEG, embedded as is) or "FlateDecode"
    page_size: tuple[float, float]  # points


def images_to_pdf(images: list[PdfImage], path: Path) -> None:
    """An image-only PDF, one full-page image per page, the encoded data
    embedded without re-encoding; no text, no dates, a content-derived ID."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    pdf = pikepdf.new()
    for im in images:
        xobj = pikepdf.Stream(pdf, b"")
        xobj.write(im.data, filter=Name("/" + im.filter))
        xobj.Type = Name.XObject
        xobj.Subtype = Name.Image
        xobj.Width = im.width
        xobj.Height = im.height
        xobj.ColorSpace = Name.DeviceGray if im.gray else Name.DeviceRGB
        xobj.BitsPerComponent = 8
        pw, ph = im.page_size
        content = pikepdf.Stream(pdf, f"q {pw:.4f} 0 0 {ph:.4f} 0 0 cm /Im0 Do Q".encode())
        page = Dictionary(
            Type=Name.Page,
            MediaBox=Array([0, 0, round(pw, 4), round(ph, 4)]),
            Resources=Dictionary(XObject=Dictionary(Im0=xobj)),
            Contents=content,
        )
        pdf.pages.append(pikepdf.Page(page))
    buf = io.BytesIO()
    pdf.save(buf, deterministic_id=True)
    Path(path).write_bytes(buf.getvalue())


def gray_pdf_image(img: np.ndarray, quality: int, page_size: tuple[float, float], encoding: str) -> PdfImage:
    h, w = img.shape
    if encoding == "flate":
        return PdfImage(zlib.compress(img.tobytes(), 9), w, h, True, "FlateDecode", page_size)
    return PdfImage(jpeg_bytes(img, quality), w, h, True, "DCTDecode", page_size)


def write_tiff(pages: list[np.ndarray], path: Path, dpi: int) -> None:
    """Multi-page bilevel TIFF, CCITT G4, resolution recorded."""
    frames = [Image.fromarray(np.where(b, 0, 255).astype(np.uint8)).convert("1") for b in pages]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", compression="group4", dpi=(dpi, dpi), save_all=True,
                   append_images=frames[1:])
    Path(path).write_bytes(buf.getvalue())


# --------------------------------------------------------------------------
# One variant of one sample


def _photo_page_size(size_px: list[int]) -> tuple[float, float]:
    W, H = size_px
    s = A4_LONG_PT / max(W, H)
    return (round(W * s, 2), round(H * s, 2))


def make_variant(stem: str, variant: str, born_pdf: Path, out_path: Path,
                 golden_path: Path | None = None) -> dict[str, Any]:
    """Write one variant file; return its `_params.json` entry."""
    pages = rasterise(born_pdf)
    entry: dict[str, Any] = {"source": f"born-digital/{stem}.pdf", "source_dpi": SOURCE_DPI}
    records = []
    if variant == "scan-pdf":
        images = []
        for i, (img, size_pt) in enumerate(pages):
            v = draw_scan(rng_for(variant, stem, i), SCAN)
            out = scan_page(img, v, SCAN, SOURCE_DPI)
            images.append(gray_pdf_image(out, v["jpeg_quality"], size_pt, SCAN.encoding))
            records.append({"page": i + 1, "source_page": i + 1, "size_px": [out.shape[1], out.shape[0]],
                            "dpi": SCAN.dpi, **v})
        images_to_pdf(images, out_path)
    elif variant in ("camscanner", "upside-down"):
        p = CAMSCANNER if variant == "camscanner" else UPSIDE_DOWN
        order = list(range(len(pages)))
        if variant == "camscanner" and stem in REPEATED:
            order = order + order
        identity = identity_pages(golden_path) if golden_path else {1}
        images = []
        for shot, i in enumerate(order):
            rng = rng_for(variant, stem, shot)
            img = pages[i][0]
            turn_cw = 0
            if p.turn:
                if i + 1 in identity:
                    turn_cw = 180
                elif img.shape[1] > img.shape[0]:
                    turn_cw = 90 if rng.random() < 0.5 else 270
            img = turn(img, turn_cw)
            v = draw_photo(rng, p, img.shape)
            photo, ink_mask = photograph(img, v)
            stamp = None
            if p.stamp:
                photo, stamp = apply_stamp(photo, ink_mask, np.array(v["corners"]))
            images.append(PdfImage(jpeg_bytes(photo, v["jpeg_quality"]), photo.shape[1], photo.shape[0],
                                   False, "DCTDecode", _photo_page_size(v["size_px"])))
            rec = {"page": shot + 1, "source_page": i + 1, "turn_cw": turn_cw, **v}
            if stamp is not None:
                rec["stamp"] = stamp
            records.append(rec)
        images_to_pdf(images, out_path)
    elif variant == "fax":
        bilevel = []
        for i, (img, _) in enumerate(pages):
            v = draw_fax(rng_for(variant, stem, i), FAX)
            b = fax_page(img, v, SOURCE_DPI, FAX)
            bilevel.append(b)
            records.append({"page": i + 1, "source_page": i + 1, "size_px": [b.shape[1], b.shape[0]],
                            "dpi": FAX.dpi, **v})
        write_tiff(bilevel, out_path, FAX.dpi)
    else:
        raise ValueError(f"unknown variant {variant!r}")
    entry["file"] = out_path.name
    entry["pages"] = records
    return entry


def update_params(variant_dir: Path, stem: str, entry: dict[str, Any], settings: dict[str, Any]) -> None:
    """Merge one stem's entry into `<variant>/_params.json` (sorted, stable)."""
    path = variant_dir / PARAMS_FILE
    data: dict[str, Any] = {}
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
    data["about"] = PARAMS_ABOUT
    data["settings"] = settings
    samples = data.get("samples", {})
    samples[stem] = entry
    data = {"about": data["about"], "settings": settings, "samples": dict(sorted(samples.items()))}
    path.write_text(dumps(data), encoding="utf-8")


def dumps(data: Any) -> str:
    """JSON, indented, with every list of plain values on one line."""
    text = json.dumps(data, indent=1, ensure_ascii=False)
    return re.sub(r"\[[^\[\]{}]*\]", lambda m: re.sub(r"\s*\n\s*", " ", m.group(0))
                  .replace("[ ", "[").replace(" ]", "]"), text) + "\n"


SETTINGS = {"scan-pdf": asdict(SCAN), "camscanner": asdict(CAMSCANNER), "fax": asdict(FAX),
            "upside-down": asdict(UPSIDE_DOWN)}

PARAMS_ABOUT = (
    "Made by samples/generator/scan.py from samples/born-digital/<stem>.pdf; the values drawn per "
    "output page. rotation_ccw_deg: the page content was turned this many degrees counterclockwise "
    "(cv2.getRotationMatrix2D's sense; the deskew correction is its negative). turn_cw: clockwise "
    "quarter turn of the page before capture. corners: the paper's tl, tr, br, bl (of the page as it "
    "lay, after any turn) in image pixels. corner_shift: largest corner offset from the head-on view, "
    "over the page's long side. size_px: [width, height] of the embedded image."
)


def generate(root: Path, only: str | None = None, out_root: Path | None = None) -> list[Path]:
    """(Re)generate every planned variant (or one stem's) from
    root/samples/born-digital into out_root (default root/samples)."""
    samples = root / "samples"
    out_root = out_root or samples
    stems = [s for s in PLAN if only in (None, s)]
    if only and not stems:
        raise SystemExit(f"no scanned variants are planned for {only!r} (see PLAN in {__file__})")
    if only is None:  # a full run: _params.json lists exactly what PLAN makes
        for variant in VARIANTS:
            (out_root / variant / PARAMS_FILE).unlink(missing_ok=True)
    written = []
    for stem in stems:
        born = samples / "born-digital" / f"{stem}.pdf"
        for variant in PLAN[stem]:
            d = out_root / variant
            d.mkdir(parents=True, exist_ok=True)
            out = d / f"{stem}{EXTENSION[variant]}"
            entry = make_variant(stem, variant, born, out, root / "golden" / f"{stem}.json")
            update_params(d, stem, entry, SETTINGS[variant])
            written.append(out)
    return written
