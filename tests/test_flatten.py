"""ingest.flatten on real and synthetic page images.

External check: the eight scans of the `deskew` package's own test suite
(tests/resources/deskew, MIT), with the angles its README lists.
Synthetic checks: SOP pages drawn here at 200 dpi (identity page in portrait,
procedure table in landscape), degraded like a scan (blur, noise, JPEG),
then skewed, photographed in perspective on a desk, or shaded.

The page renderers are imported by test_orient.py as well.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ingest import flatten as fl

DESKEW = Path(__file__).parent / "resources" / "deskew"

# --------------------------------------------------------------------------
# synthetic SOP pages (PermenPAN-RB 35/2012 layout), 200 dpi
# --------------------------------------------------------------------------

IDENTITY_ROWS = [
    ("Nomor SOP", "800/045/BKPSDM/2021"),
    ("Tgl. Pembuatan", "12 Januari 2021"),
    ("Tgl. Revisi", "-"),
    ("Tgl. Efektif", "1 Februari 2021"),
    ("Disahkan oleh", "Kepala BKPSDM"),
    ("Nama SOP", "Evaluasi AKIP"),
]
SECTIONS = [
    (["Dasar Hukum:", "1. UU Nomor 5 Tahun 2014 tentang ASN;", "2. PP Nomor 8 Tahun 2006;",
      "3. Permen PANRB Nomor 35 Tahun 2012;", "4. Perda Kab. Kutai Barat No. 7/2016."],
     ["Kualifikasi Pelaksana:", "1. Memahami tugas pokok dan fungsi;",
      "2. Mampu mengoperasikan komputer;", "3. Memahami peraturan kepegawaian."]),
    (["Keterkaitan:", "1. SOP Penyusunan Rencana Strategis;", "2. SOP Pelaporan Kinerja."],
     ["Peralatan/Perlengkapan:", "1. Komputer dan printer;", "2. Alat tulis kantor;",
      "3. Jaringan internet."]),
    (["Peringatan:", "Apabila SOP ini tidak dilaksanakan,", "evaluasi kinerja akan terlambat."],
     ["Pencatatan dan Pendataan:", "Disimpan sebagai arsip elektronik", "dan arsip manual."]),
]
PARAGRAPH = (
    "Standar operasional prosedur ini disusun sebagai pedoman bagi seluruh pegawai dalam "
    "melaksanakan evaluasi akuntabilitas kinerja secara tertib, efektif dan efisien sesuai "
    "dengan ketentuan peraturan perundang-undangan yang berlaku di lingkungan pemerintah "
    "kabupaten. Setiap perubahan prosedur wajib dilaporkan kepada kepala badan untuk "
    "ditetapkan kembali sebagai dokumen resmi yang mengikat seluruh unit kerja."
)
STEPS = [
    ("Menerima dan memeriksa berkas usulan evaluasi dari unit kerja", "Berkas usulan", "Berkas"),
    ("Menyusun jadwal dan rencana kerja evaluasi kinerja tahunan", "Jadwal", "Rencana"),
    ("Melakukan verifikasi dokumen perencanaan dan laporan kinerja", "Dokumen", "Hasil"),
    ("Membahas hasil verifikasi bersama tim evaluator internal", "Notulen", "Berita acara"),
    ("Menyusun rancangan laporan hasil evaluasi dan rekomendasi", "Draf", "Draf laporan"),
    ("Memaraf dan meneruskan laporan kepada kepala badan", "Laporan", "Paraf"),
    ("Menandatangani laporan hasil evaluasi kinerja", "Laporan", "Laporan"),
    ("Mengirimkan laporan kepada unit kerja dan mengarsipkan", "Surat", "Arsip"),
]
ROLES = ["Pengadmin.", "Kasubbid", "Kabid", "Kepala"]


def _font(px: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype("DejaVuSans.ttf", px)
    except OSError:  # no DejaVu (the Makefile installs it): Pillow's own font
        return ImageFont.load_default(px)


def _text_block(d: ImageDraw.ImageDraw, x: float, y: float, lines: list[str],
                font: ImageFont.FreeTypeFont, gap: float) -> None:
    for line in lines:
        d.text((x, y), line, fill=0, font=font)
        y += gap


def _wrap(d: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and d.textlength(f"{line} {word}", font=font) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line]


def identity_page() -> np.ndarray:
    """Portrait A4 at 200 dpi: the SOP identity page (header table, the six
    sections in a two-column table, a paragraph). Grayscale uint8."""
    w, h = 1654, 2339
    im = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(im)
    f, fb = _font(27), _font(31)
    m, top, row = 130, 160, 64
    mid, colx = 760, 1080
    bottom = top + row * len(IDENTITY_ROWS)
    d.rectangle([m, top, w - m, bottom], outline=0, width=3)
    d.line([mid, top, mid, bottom], fill=0, width=3)
    d.line([colx - 15, top, colx - 15, bottom], fill=0, width=2)
    d.ellipse([m + 210, top + 20, m + 330, top + 140], outline=0, width=5)
    _text_block(d, m + 30, top + 170, ["PEMERINTAH KABUPATEN", "KUTAI BARAT", "BKPSDM"], fb, 44)
    for i, (key, value) in enumerate(IDENTITY_ROWS):
        y = top + i * row
        if i:
            d.line([mid, y, w - m, y], fill=0, width=2)
        d.text((mid + 15, y + 17), key, fill=0, font=f)
        d.text((colx, y + 17), value, fill=0, font=f)
    y = bottom + 60
    for left, right in SECTIONS:
        bh = max(len(left), len(right)) * 46 + 40
        d.rectangle([m, y, w - m, y + bh], outline=0, width=3)
        d.line([w // 2, y, w // 2, y + bh], fill=0, width=3)
        _text_block(d, m + 20, y + 20, left, f, 46)
        _text_block(d, w // 2 + 20, y + 20, right, f, 46)
        y += bh
    _text_block(d, m, y + 70, _wrap(d, PARAGRAPH, f, w - 2 * m), f, 46)
    return np.asarray(im).copy()


def procedure_page() -> np.ndarray:
    """Landscape A4 at 200 dpi: the procedure table with its flowchart
    (terminators, process boxes, a decision, connectors). Grayscale uint8."""
    w, h = 2339, 1654
    im = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(im)
    f, fb = _font(25), _font(29)
    cols = [70, 560, 190, 190, 190, 190, 230, 130, 210, 240]
    xs = [100]
    for c in cols:
        xs.append(xs[-1] + c)
    top, head, row = 150, 100, 150
    bottom = top + head + row * len(STEPS)
    d.text((xs[0], top - 80), "PROSEDUR EVALUASI AKUNTABILITAS KINERJA INSTANSI PEMERINTAH",
           fill=0, font=fb)
    d.rectangle([xs[0], top, xs[-1], bottom], outline=0, width=3)
    for x in xs[1:-1]:
        d.line([x, top if x not in xs[3:6] + xs[7:9] else top + head // 2, x, bottom], fill=0, width=2)
    d.line([xs[2], top + head // 2, xs[9], top + head // 2], fill=0, width=2)
    d.text((xs[2] + 300, top + 12), "Pelaksana", fill=0, font=f)
    d.text((xs[6] + 200, top + 12), "Mutu Baku", fill=0, font=f)
    heads = ["No", "Kegiatan", *ROLES, "Kelengkapan", "Waktu", "Output", "Keterangan"]
    for x, text in zip(xs, heads):
        d.text((x + 8, top + head // 2 + 12), text, fill=0, font=f)
    lanes = [0, 1, 1, 2, 1, 2, 3, 0]
    prev = None
    for i, (activity, requirement, output) in enumerate(STEPS):
        y = top + head + i * row
        d.line([xs[0], y, xs[-1], y], fill=0, width=2)
        d.text((xs[0] + 22, y + 15), str(i + 1), fill=0, font=f)
        _text_block(d, xs[1] + 10, y + 12, _wrap(d, activity, f, cols[1] - 20), f, 35)
        cx, cy = (xs[2 + lanes[i]] + xs[3 + lanes[i]]) // 2, y + row // 2
        if i in (0, len(STEPS) - 1):
            d.rounded_rectangle([cx - 70, cy - 30, cx + 70, cy + 30], radius=30, outline=0, width=3)
        elif i == 3:
            d.polygon([(cx, cy - 45), (cx + 75, cy), (cx, cy + 45), (cx - 75, cy)], outline=0, width=3)
        else:
            d.rectangle([cx - 70, cy - 35, cx + 70, cy + 35], outline=0, width=3)
        if prev is not None:
            px, py = prev
            d.line([px, py + 35, px, cy], fill=0, width=2)
            d.line([px, cy, cx - 70 if cx > px else cx + 70, cy], fill=0, width=2)
        prev = (cx, cy)
        d.text((xs[6] + 8, y + 15), requirement, fill=0, font=f)
        d.text((xs[7] + 8, y + 15), f"{i % 3 + 1} hari", fill=0, font=f)
        d.text((xs[8] + 8, y + 15), output, fill=0, font=f)
    return np.asarray(im).copy()


def scan_degrade(img: np.ndarray, seed: int) -> np.ndarray:
    """What a scanner or phone adds: optics blur, sensor noise, JPEG."""
    rng = np.random.default_rng(seed)
    out = cv2.GaussianBlur(img, (0, 0), 0.9).astype(np.float32)
    out += 6 * rng.standard_normal(img.shape, np.float32)
    out = np.clip(out, 0, 255).astype(np.uint8)
    ok, jpg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 70])
    assert ok
    return cv2.imdecode(jpg, cv2.IMREAD_UNCHANGED)


def skewed(img: np.ndarray, angle: float) -> np.ndarray:
    """The page turned `angle` degrees counterclockwise, as on a scanner bed."""
    return fl.rotate(img, angle)


def shadow_gradient(shape: tuple[int, int], seed: int) -> np.ndarray:
    """Multiplicative light field: a linear fall-off across the page (light
    from one side, down to 0.35) times a soft dark blob (the phone's or a
    hand's shadow). float32 in (0, 1]."""
    h, w = shape
    yy = np.arange(h, dtype=np.float32)[:, None]
    xx = np.arange(w, dtype=np.float32)[None, :]
    light = 1.0 - 0.65 * (0.7 * xx / w + 0.3 * yy / h)
    rng = np.random.default_rng(seed)
    cx, cy = rng.uniform(0.55, 0.75) * w, rng.uniform(0.2, 0.4) * h
    blob = np.exp(-((xx - cx) / (0.2 * w)) ** 2) * np.exp(-((yy - cy) / (0.15 * h)) ** 2)
    return (light * (1.0 - 0.4 * blob)).astype(np.float32)


def desk_photo(page: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The page photographed on a wooden desk with a phone: a pinhole camera
    (principal point at the centre, focal length 1.1 x frame height) looking
    down at the sheet tilted ~20° and ~8°, turned ~4° in plane, from where
    the sheet spans ~60% of the frame; a shadow gradient across the whole
    scene; blur, noise, JPEG. Returns (BGR photo, portrait 1800x2400, the
    true corners tl, tr, br, bl in photo pixels)."""
    rng = np.random.default_rng(seed)
    H, W = 2400, 1800
    ph, pw = page.shape
    f = 1.1 * H
    ax, ay, az = np.radians([20.0, 8.0, 4.0])
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    r = rx @ ry @ rz
    # The sheet in metres (A4), centred at the origin, seen from where it
    # spans 60% of the frame (about 0.5 m).
    sw, sh = (0.210, 0.297) if ph > pw else (0.297, 0.210)
    sheet = np.array([[-sw / 2, -sh / 2, 0], [sw / 2, -sh / 2, 0], [sw / 2, sh / 2, 0], [-sw / 2, sh / 2, 0]])
    distance = max(f * sw / (0.6 * W), f * sh / (0.6 * H))
    cam = (r @ sheet.T).T + np.array([0.01, 0.012, distance])
    corners = np.stack([f * cam[:, 0] / cam[:, 2] + W / 2, f * cam[:, 1] / cam[:, 2] + H / 2], axis=1)
    src = np.array([[0, 0], [pw - 1, 0], [pw - 1, ph - 1], [0, ph - 1]], dtype=np.float32)
    hmat = cv2.getPerspectiveTransform(src, corners.astype(np.float32))
    # Desk: wood grain (wavy stripes with noise), darker than the paper.
    yy = np.arange(H, dtype=np.float32)[:, None]
    xx = np.arange(W, dtype=np.float32)[None, :]
    grain = 20 * np.sin(yy / 9.0 + 3 * np.sin(xx / 150.0)) + 10 * rng.standard_normal((H, W), np.float32)
    desk = cv2.GaussianBlur(125 + grain, (0, 0), 1.5)
    paper = cv2.warpPerspective(page.astype(np.float32) * 0.95, hmat, (W, H), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones((ph, pw), np.float32), hmat, (W, H), flags=cv2.INTER_LINEAR)
    gray = (desk * (1 - mask) + paper * mask) * shadow_gradient((H, W), seed)
    # Brown desk, white paper: per-channel tint (B, G, R).
    tint = [(1 - mask) * t + mask for t in (0.55, 0.8, 1.0)]
    scene = cv2.merge([gray * t for t in tint])
    scene = cv2.GaussianBlur(scene, (0, 0), 1.0) + 4 * rng.standard_normal(scene.shape, np.float32)
    ok, jpg = cv2.imencode(".jpg", np.clip(scene, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 75])
    assert ok
    return cv2.imdecode(jpg, cv2.IMREAD_COLOR), corners


@pytest.fixture(scope="module")
def id_page() -> np.ndarray:
    return identity_page()


@pytest.fixture(scope="module")
def proc_page() -> np.ndarray:
    return procedure_page()


# --------------------------------------------------------------------------
# 1. external check: the deskew package's own test scans
# --------------------------------------------------------------------------


def listed_angles() -> dict[str, float]:
    table = re.findall(r"^\|\s*(deskew-\d+\.png)\s*\|\s*(-?\d+(?:\.\d+)?)\s*\|",
                       (DESKEW / "README.md").read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {name: float(angle) for name, angle in table}


def test_readme_lists_all_eight_images() -> None:
    listed = listed_angles()
    assert sorted(listed) == [f"deskew-{i}.png" for i in range(1, 9)]
    assert listed["deskew-8.png"] == 15.0
    assert "MIT" in (DESKEW / "LICENSE").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [f"deskew-{i}.png" for i in range(1, 9)])
def test_skew_matches_deskew_suite(name: str) -> None:
    img = cv2.imread(str(DESKEW / name), cv2.IMREAD_COLOR)
    assert img is not None
    assert fl.estimate_skew(img) == pytest.approx(listed_angles()[name], abs=0.5)


@pytest.mark.parametrize("name", [f"deskew-{i}.png" for i in (2, 5, 8)])
def test_the_fine_climb_stops_on_the_grids_own_peak(name: str) -> None:
    """The fine passes climb from the coarse peak instead of scoring their
    whole grid: on real scans the climb must end where the grid's best is."""
    img = cv2.imread(str(DESKEW / name), cv2.IMREAD_GRAYSCALE)
    gray, _ = fl.downscale(img, fl.DEFAULT.skew_work_px)
    xs, ys = fl._points(fl.ink_mask(gray), fl.DEFAULT.skew_max_points)
    best = float(round(listed_angles()[name]))  # a start a little off the peak, as the coarse pass gives
    for step, span in ((0.05, 0.3), (0.01, 0.06)):
        grid = np.arange(-round(span / step), round(span / step) + 1)
        scores = fl._profile_scores(xs, ys, best + grid * step)
        climbed = fl._climb(xs, ys, best, step, round(span / step))
        assert climbed == pytest.approx(best + grid[np.argmax(scores)] * step, abs=1e-9)
        best = climbed


@pytest.mark.parametrize("name", ["deskew-2.png", "deskew-6.png"])
def test_flatten_evens_the_light_once(name: str, monkeypatch) -> None:
    """The skew and orientation tests even their input's lighting unless
    told it is done: flatten tells them. Evening twice is not quite the
    identity (deskew-6: -2.80° against -2.79°), so the angle is the same
    to within the search's last step."""
    img = cv2.imread(str(DESKEW / name), cv2.IMREAD_GRAYSCALE)
    even = fl.even_lighting(img)
    assert fl.estimate_skew(even, evened=True) == pytest.approx(fl.estimate_skew(even), abs=0.011)
    calls = []
    real = fl.even_lighting
    monkeypatch.setattr(fl, "even_lighting", lambda *a, **k: calls.append(1) or real(*a, **k))
    fl.flatten(img, fl.FlattenSettings(do_unwarp=False))
    assert len(calls) == 1


# --------------------------------------------------------------------------
# 2. synthetic skew
# --------------------------------------------------------------------------


@pytest.mark.parametrize("angle", [-6.3, -2.0, -0.4, 0.8, 3.7, 6.9])
@pytest.mark.parametrize("kind", ["identity", "procedure"])
def test_skew_recovered_within_a_tenth(kind: str, angle: float, id_page: np.ndarray,
                                       proc_page: np.ndarray) -> None:
    page = id_page if kind == "identity" else proc_page
    scan = scan_degrade(skewed(page, angle), seed=int(angle * 10) + 100)
    # The correction is the opposite turn.
    assert fl.estimate_skew(scan) == pytest.approx(-angle, abs=0.1)


def test_skew_of_text_without_rules(id_page: np.ndarray) -> None:
    """Only the paragraph (no table rules to lean on), at 15°."""
    text = id_page[1250:, :]
    scan = scan_degrade(skewed(text, 15.0), seed=7)
    assert fl.estimate_skew(scan) == pytest.approx(-15.0, abs=0.1)


def test_skew_of_sideways_page_is_still_found(proc_page: np.ndarray) -> None:
    """A page on its side: the lines are vertical; the angle that makes them
    axis-aligned is the same, so deskew can run before orientation."""
    scan = scan_degrade(cv2.rotate(skewed(proc_page, 3.7), cv2.ROTATE_90_CLOCKWISE), seed=8)
    assert fl.estimate_skew(scan) == pytest.approx(-3.7, abs=0.1)


def test_rotate_keeps_whole_page_on_white(id_page: np.ndarray) -> None:
    out = fl.rotate(id_page, 10.0)
    h, w = id_page.shape
    c, s = np.cos(np.radians(10)), np.sin(np.radians(10))
    assert out.shape == (int(np.ceil(h * c + w * s)), int(np.ceil(h * s + w * c)))
    assert out[0, 0] == 255 and out[-1, -1] == 255  # fill is white
    # No ink lost: the same amount of dark pixels, up to resampling.
    assert abs(int((out < 128).sum()) - int((id_page < 128).sum())) < 0.1 * (id_page < 128).sum()
    back = fl.rotate(out, -10.0)
    assert fl.estimate_skew(back) == pytest.approx(0.0, abs=0.05)
    bgr = fl.rotate(cv2.cvtColor(id_page, cv2.COLOR_GRAY2BGR), 5.0)
    assert bgr.ndim == 3 and tuple(bgr[0, 0]) == (255, 255, 255)


# --------------------------------------------------------------------------
# 3. perspective: paper on a desk
# --------------------------------------------------------------------------


@pytest.mark.parametrize("kind,seed", [("identity", 1), ("procedure", 2)])
def test_page_quad_and_unwarp(kind: str, seed: int, id_page: np.ndarray, proc_page: np.ndarray) -> None:
    page = id_page if kind == "identity" else proc_page
    photo, truth = desk_photo(page, seed)
    quad = fl.find_page_quad(photo)
    assert quad is not None
    diagonal = np.hypot(*(truth[2] - truth[0]))
    errors = np.hypot(*(quad - truth).T)
    assert errors.max() < 0.015 * diagonal, errors
    flat = fl.unwarp(photo, quad)
    aspect = flat.shape[1] / flat.shape[0]
    assert aspect == pytest.approx(page.shape[1] / page.shape[0], rel=0.02)
    # And the content is the page, squarely: no skew left worth a resample.
    assert abs(fl.estimate_skew(flat)) < 0.3


def test_no_quad_when_page_fills_frame(id_page: np.ndarray) -> None:
    assert fl.find_page_quad(scan_degrade(id_page, seed=3)) is None
    assert fl.find_page_quad(scan_degrade(skewed(id_page, 2.0), seed=4)) is None


@pytest.mark.parametrize("name", ["deskew-3.png", "deskew-4.png"])
def test_no_quad_for_scans_on_black(name: str) -> None:
    """Skewed pages on a scanner's black lid. deskew-3: the page runs off the
    frame; deskew-4: a second sheet shows under one corner, so the bright
    outline is only roughly a quad. Neither is a clear quadrilateral, and a
    wrong one would bend the text: deskew handles them instead."""
    img = cv2.imread(str(DESKEW / name), cv2.IMREAD_COLOR)
    assert fl.find_page_quad(img) is None
    res = fl.flatten(img)
    assert res.quad is None
    assert res.angle == pytest.approx(listed_angles()[name], abs=0.5)


# --------------------------------------------------------------------------
# 4. lighting
# --------------------------------------------------------------------------


def test_even_lighting_removes_shadow_and_keeps_text(id_page: np.ndarray) -> None:
    shade = shadow_gradient(id_page.shape, seed=5)
    shaded = scan_degrade((id_page.astype(np.float32) * 0.92 * shade).astype(np.uint8), seed=5)
    ink = id_page < 100
    paper = cv2.erode((id_page > 250).astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool)
    before_std = float(shaded[paper].std())
    out = fl.even_lighting(shaded)
    assert out.shape == id_page.shape and out.dtype == np.uint8
    after_std = float(out[paper].std())
    assert before_std > 30  # the shading is strong: paper runs from ~85 to ~225
    assert after_std < 0.25 * before_std  # measured: 38 -> 7 (what is left is noise)
    assert float(np.median(out[paper])) > 235
    # Text stays dark everywhere, in the shadow too.
    assert float(np.median(out[ink])) < 100
    dark_side = ink & (shade < 0.5)
    assert dark_side.sum() > 1000
    assert float(np.median(out[dark_side])) < 110
    assert float(np.median(out[paper])) - float(np.median(out[ink])) > 140


# --------------------------------------------------------------------------
# the chain
# --------------------------------------------------------------------------


def test_flatten_desk_photo(proc_page: np.ndarray) -> None:
    """The landscape procedure page photographed with the phone held upright
    (so the page lies on its side in a portrait photo), on a desk, in
    perspective and shadow: unwarp, even the light, deskew, turn upright."""
    photo, _ = desk_photo(cv2.rotate(proc_page, cv2.ROTATE_90_CLOCKWISE), seed=6)
    res = fl.flatten(photo)
    assert res.quad is not None
    assert res.rotation == 90
    assert res.image.ndim == 2 and res.image.shape[1] > res.image.shape[0]
    assert [s.split(":")[0] for s in res.steps][:2] == ["unwarp", "even_lighting"]
    assert abs(fl.estimate_skew(res.image)) < 0.3
    assert float(np.median(res.image)) > 235


def test_flatten_skewed_scan(id_page: np.ndarray) -> None:
    scan = cv2.rotate(scan_degrade(skewed(id_page, -3.7), seed=9), cv2.ROTATE_180)
    res = fl.flatten(scan)
    assert res.quad is None
    assert res.angle == pytest.approx(3.7, abs=0.1)
    assert res.rotation == 180
    assert any(s.startswith("deskew") for s in res.steps)


# --------------------------------------------------------------------------
# 6. degenerate input: documented behaviour, no crash
# --------------------------------------------------------------------------


def _blank() -> np.ndarray:
    return np.full((1750, 2500), 255, np.uint8)


def _noise() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (1750, 2500), dtype=np.uint8)


@pytest.mark.parametrize("make", [_blank, _noise], ids=["blank", "noise"])
def test_degenerate_pages(make: Callable[[], np.ndarray]) -> None:
    """A blank page and pure noise: nothing to measure, so no correction:
    skew 0.0, no paper quad, flatten returns the (evened) image unturned."""
    img = make()
    assert fl.estimate_skew(img) == 0.0
    assert fl.find_page_quad(img) is None
    res = fl.flatten(img)
    assert res.angle == 0.0 and res.quad is None and res.rotation == 0
    assert res.image.shape == img.shape


def test_rejects_non_images() -> None:
    with pytest.raises(ValueError):
        fl.estimate_skew(np.zeros((100, 100), np.float32))
    with pytest.raises(ValueError):
        fl.find_page_quad(np.zeros((2, 2), np.uint8))
