"""The scanned variants of the samples (samples/generator/scan.py).

Every planned file exists and opens; the PDFs are image-only with the right
pages (the CamScanner export of seed 002 holds its pages twice); the fax is
a 150 dpi G4 TIFF; each folder's _params.json describes its files; and one
stem's variants regenerate byte for byte. Fast: no OCR.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pikepdf
import pytest
from PIL import Image, ImageSequence

from .conftest import GOLDEN, SAMPLES

sys.path.insert(0, str(SAMPLES))
from generator import scan  # noqa: E402

BORN = SAMPLES / "born-digital"
PLANNED = [(stem, variant) for stem, variants in scan.PLAN.items() for variant in variants]
PDF_VARIANTS = ("scan-pdf", "camscanner", "upside-down")
PHOTO_SETTINGS = {"camscanner": scan.CAMSCANNER, "upside-down": scan.UPSIDE_DOWN}


def sample(stem: str, variant: str) -> Path:
    return SAMPLES / variant / f"{stem}{scan.EXTENSION[variant]}"


def born_pages(stem: str) -> list[tuple[float, float]]:
    with pdfplumber.open(BORN / f"{stem}.pdf") as pdf:
        return [(float(p.width), float(p.height)) for p in pdf.pages]


def expected_sources(stem: str, variant: str) -> list[int]:
    pages = list(range(1, len(born_pages(stem)) + 1))
    return pages + pages if variant == "camscanner" and stem in scan.REPEATED else pages


def params(variant: str) -> dict:
    return json.loads((SAMPLES / variant / scan.PARAMS_FILE).read_text(encoding="utf-8"))


def embedded_images(path: Path) -> list[tuple[pikepdf.Object, np.ndarray]]:
    """(image XObject, decoded pixels) of each page's one image."""
    out = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            xobjects = list(page.Resources.XObject.values())
            assert len(xobjects) == 1
            x = xobjects[0]
            data = x.read_raw_bytes()
            out.append((dict(x.stream_dict.items()), np.asarray(Image.open(io.BytesIO(data)))))
    return out


def test_the_plan() -> None:
    singles = {"bkpsdm-kubar-evaluasi-akip", "bappedalitbang-balangan-evaluasi-capaian",
               "sekretariat-evaluasi-kinerja-internal"}
    for stem in singles:
        assert set(scan.PLAN[stem]) == set(scan.VARIANTS)
    assert scan.PLAN["bkpsdm-paser-keputusan-sop-perencanaan"] == ("scan-pdf",)
    for stem in scan.PLAN:
        assert (BORN / f"{stem}.pdf").is_file() and (GOLDEN / f"{stem}.json").is_file()


@pytest.mark.parametrize("variant", scan.VARIANTS)
def test_files_are_exactly_the_planned_ones(variant: str) -> None:
    present = {p.name for p in (SAMPLES / variant).iterdir() if not p.name.startswith("_")}
    planned = {sample(stem, v).name for stem, v in PLANNED if v == variant}
    assert present == planned


@pytest.mark.parametrize("stem,variant", [pv for pv in PLANNED if pv[1] in PDF_VARIANTS],
                         ids=lambda x: x)
def test_pdf_variants_are_image_only(stem: str, variant: str) -> None:
    path = sample(stem, variant)
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) == len(expected_sources(stem, variant))
        assert sum(len(p.chars) for p in pdf.pages) == 0
        sizes = [(float(p.width), float(p.height)) for p in pdf.pages]
    if variant == "scan-pdf":  # the paper's own size
        assert len(sizes) == len(born_pages(stem))
        for size, born in zip(sizes, born_pages(stem)):
            assert size == pytest.approx(born, abs=0.01)
    for info, img in embedded_images(path):
        assert info["/Filter"] == "/DCTDecode"
        if variant == "scan-pdf":
            assert img.ndim == 2
        else:
            assert img.ndim == 3 and 1600 <= max(img.shape[:2]) <= 2400


def test_camscanner_repeats_the_seed_pages() -> None:
    stem = "sekretariat-evaluasi-kinerja-internal"
    with pdfplumber.open(sample(stem, "camscanner")) as pdf:
        assert len(pdf.pages) == 2 * len(born_pages(stem))
    pages = params("camscanner")["samples"][stem]["pages"]
    assert [p["source_page"] for p in pages] == [1, 2, 1, 2]
    assert pages[0]["corners"] != pages[2]["corners"]  # photographed again, not copied


@pytest.mark.parametrize("stem", [s for s, v in PLANNED if v == "fax"])
def test_fax_tiff(stem: str) -> None:
    with Image.open(sample(stem, "fax")) as img:
        frames = [(f.mode, f.size, f.info.get("dpi"), f.info.get("compression"))
                  for f in ImageSequence.Iterator(img)]
    born = born_pages(stem)
    assert len(frames) == len(born)
    for (mode, size, dpi, compression), (w_pt, h_pt) in zip(frames, born):
        assert mode == "1" and compression == "group4"
        assert tuple(map(float, dpi)) == (150.0, 150.0)
        assert size == pytest.approx((w_pt * 150 / 72, h_pt * 150 / 72), abs=2)


@pytest.mark.parametrize("variant", scan.VARIANTS)
def test_params_describe_the_files(variant: str) -> None:
    data = params(variant)
    assert set(data["samples"]) == {stem for stem, v in PLANNED if v == variant}
    assert data["settings"] == json.loads(json.dumps(scan.SETTINGS[variant]))
    for stem, entry in data["samples"].items():
        path = sample(stem, variant)
        assert entry["file"] == path.name
        pages = entry["pages"]
        assert [p["page"] for p in pages] == list(range(1, len(pages) + 1))
        assert [p["source_page"] for p in pages] == expected_sources(stem, variant)
        if variant == "fax":
            with Image.open(path) as img:
                sizes = [list(f.size) for f in ImageSequence.Iterator(img)]
            assert [p["size_px"] for p in pages] == sizes
            for p in pages:
                assert scan.FAX.angle[0] <= abs(p["rotation_ccw_deg"]) <= scan.FAX.angle[1]
            continue
        images = embedded_images(path)
        assert len(images) == len(pages)
        for p, (_, img) in zip(pages, images):
            assert p["size_px"] == [img.shape[1], img.shape[0]]
            if variant == "scan-pdf":
                assert scan.SCAN.angle[0] <= abs(p["rotation_ccw_deg"]) <= scan.SCAN.angle[1]
                assert scan.SCAN.jpeg_quality[0] <= p["jpeg_quality"] <= scan.SCAN.jpeg_quality[1]
            else:
                check_photo(p, img, PHOTO_SETTINGS[variant], stem, variant)


def check_photo(p: dict, img: np.ndarray, s: scan.PhotoParams, stem: str, variant: str) -> None:
    h, w = img.shape[:2]
    quad = np.array(p["corners"], np.float64)
    assert quad.shape == (4, 2)
    assert (quad >= 0).all() and (quad[:, 0] < w).all() and (quad[:, 1] < h).all()
    assert abs(p["rotation_ccw_deg"]) <= s.rotation + 1e-9
    assert abs(scan.quad_rotation(quad) - p["rotation_ccw_deg"]) < 1e-2
    assert s.corner_shift[0] <= p["corner_shift"] <= s.corner_shift[1]
    assert s.jpeg_quality[0] <= p["jpeg_quality"] <= s.jpeg_quality[1]
    assert s.blur[0] <= p["blur_sigma"] <= s.blur[1]
    # the corners are the paper's: inside them is bright, the desk around is dark
    gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    inside = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(inside, np.rint(quad).astype(np.int32), 1)
    shrunk = cv2.erode(inside, np.ones((15, 15), np.uint8))
    ring = cv2.dilate(inside, np.ones((31, 31), np.uint8)) - cv2.dilate(inside, np.ones((11, 11), np.uint8))
    assert np.median(gray[shrunk > 0]) > np.median(gray[ring > 0]) + 60
    # turned pages: the identity page upside down, landscape pages in portrait
    src = born_pages(stem)[p["source_page"] - 1]
    if variant == "upside-down":
        if p["source_page"] == 1:
            assert p["turn_cw"] == 180
        elif src[0] > src[1]:
            assert p["turn_cw"] in (90, 270)
        assert h > w or (src[0] > src[1] and p["turn_cw"] == 180)
    else:
        assert p["turn_cw"] == 0 and (w > h) == (src[0] > src[1])
    if s.stamp:
        x0, y0, x1, y1 = p["stamp"]["box"]
        assert p["stamp"]["on_paper"] and 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h
        assert inside[y0:y1, x0:x1].all()  # on the paper
    else:
        assert "stamp" not in p


def test_regenerating_gives_identical_bytes(tmp_path: Path) -> None:
    stem = "sekretariat-evaluasi-kinerja-internal"
    for variant in ("fax", "scan-pdf", "upside-down"):
        out = tmp_path / sample(stem, variant).name
        entry = scan.make_variant(stem, variant, BORN / f"{stem}.pdf", out, GOLDEN / f"{stem}.json")
        assert out.read_bytes() == sample(stem, variant).read_bytes(), variant
        assert json.loads(scan.dumps(entry)) == params(variant)["samples"][stem], variant
