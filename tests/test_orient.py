"""ingest.orient: which way up is the page.

Synthetic SOP pages (drawn in test_flatten.py) in portrait and landscape,
as scans, faxes and desk photos, turned 0/90/180/270° clockwise; and the
deskew suite's real scans (tests/resources/deskew) turned the same ways.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from ingest import flatten as fl
from ingest import orient

from .test_flatten import (
    desk_photo,
    identity_page,
    procedure_page,
    scan_degrade,
    skewed,
)

DESKEW = Path(__file__).parent / "resources" / "deskew"

# Turning an upright page this many degrees clockwise.
TURN = {0: None, 90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def turned(img: np.ndarray, rotation: int) -> np.ndarray:
    return img if TURN[rotation] is None else cv2.rotate(img, TURN[rotation])


def fax(page: np.ndarray, seed: int) -> np.ndarray:
    """A fax: 150 dpi, binarised, with speckle (salt and pepper)."""
    rng = np.random.default_rng(seed)
    small = cv2.resize(page, None, fx=0.75, fy=0.75, interpolation=cv2.INTER_AREA)
    out = np.where(small < 150, 0, 255).astype(np.uint8)
    specks = rng.random(out.shape)
    out[specks < 0.002] = 0
    out[specks > 0.999] = 255
    return out


@pytest.fixture(scope="module")
def pages() -> dict[str, np.ndarray]:
    """Upright scans with a small skew, as an office scanner gives them."""
    return {
        "portrait": scan_degrade(skewed(identity_page(), 1.2), seed=11),
        "landscape": scan_degrade(skewed(procedure_page(), -0.8), seed=12),
    }


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("kind", ["portrait", "landscape"])
def test_detect_rotation_of_scans(kind: str, rotation: int, pages: dict[str, np.ndarray]) -> None:
    assert orient.detect_rotation(turned(pages[kind], rotation)) == rotation


@pytest.mark.parametrize("rotation", [90, 180, 270])
@pytest.mark.parametrize("kind", ["portrait", "landscape"])
def test_upright_turns_back_exactly(kind: str, rotation: int, pages: dict[str, np.ndarray]) -> None:
    up, found = orient.upright(turned(pages[kind], rotation))
    assert found == rotation
    assert np.array_equal(up, pages[kind])  # 90° steps are exact, no resampling


def test_upright_keeps_colour_and_upright_input(pages: dict[str, np.ndarray]) -> None:
    bgr = cv2.cvtColor(pages["landscape"], cv2.COLOR_GRAY2BGR)
    up, found = orient.upright(bgr)
    assert found == 0 and up.shape == bgr.shape and np.array_equal(up, bgr)
    up, found = orient.upright(turned(bgr, 270))
    assert found == 270 and np.array_equal(up, bgr)


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_fax_upside_down_and_sideways(rotation: int) -> None:
    page = fax(skewed(identity_page(), -0.5), seed=rotation)
    assert orient.detect_rotation(turned(page, rotation)) == rotation


@pytest.mark.parametrize("rotation", [90, 270])
def test_heavily_skewed_sideways_page(rotation: int) -> None:
    """6.9° of skew as well: detect_rotation deskews first."""
    page = scan_degrade(skewed(procedure_page(), 6.9), seed=13)
    assert orient.detect_rotation(turned(page, rotation)) == rotation


def test_desk_photo_of_landscape_page_in_portrait() -> None:
    """The typical CamScanner case: a landscape procedure page, phone held
    upright, so the page is on its side; after unwarping, orient says 90."""
    photo, _ = desk_photo(cv2.rotate(procedure_page(), cv2.ROTATE_90_CLOCKWISE), seed=14)
    quad = fl.find_page_quad(photo)
    assert quad is not None
    flat = fl.unwarp(photo, quad)
    up, found = orient.upright(flat)
    assert found == 90
    assert up.shape[1] > up.shape[0]  # landscape again


@functools.cache
def real_scan(name: str) -> np.ndarray:
    img = cv2.imread(str(DESKEW / name), cv2.IMREAD_COLOR)
    assert img is not None
    return img


# Typewriter page, sheet music, a two-column paper, a till receipt. (All
# eight pass; these four keep the run short.) deskew-8, a card of pictures
# with a few tiny captions, is too little text: see the next test.
@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("name", ["deskew-1.png", "deskew-2.png", "deskew-6.png", "deskew-7.png"])
def test_real_scans_turned(name: str, rotation: int) -> None:
    assert orient.detect_rotation(turned(real_scan(name), rotation)) == rotation


def test_too_little_text_is_left_alone() -> None:
    """deskew-8: pictures and a few tiny captions: no verdict, so 0."""
    assert orient.detect_rotation(turned(real_scan("deskew-8.png"), 180)) == 0


@pytest.mark.parametrize("make", [
    lambda: np.full((1750, 2500), 255, np.uint8),
    lambda: np.random.default_rng(0).integers(0, 256, (1750, 2500), dtype=np.uint8),
], ids=["blank", "noise"])
def test_degenerate_pages_stay_as_they_are(make: Callable[[], np.ndarray]) -> None:
    """Blank page, pure noise: no text to go by, so rotation 0 and the image
    back unchanged."""
    img = make()
    assert orient.detect_rotation(img) == 0
    up, found = orient.upright(img)
    assert found == 0 and np.array_equal(up, img)


# -- settle: reading decides when the letters cannot ---------------------------

SAMPLES = Path(__file__).parents[1] / "samples"


def photo_pages(path: Path) -> list[np.ndarray]:
    """The embedded photo of each page of a CamScanner-style PDF, gray."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        out = []
        for page in doc:
            [img] = [o for o in page.get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE]
            out.append(np.array(img.get_bitmap().to_pil().convert("L")))
        return out
    finally:
        doc.close()


@pytest.fixture(scope="module")
def blurred_identity_photo(tmp_path_factory) -> np.ndarray:
    """Page 1 of a decree SOP in style C (landscape identity page), as the
    camscanner variant photographs it: about 125 dpi on the paper, blurred.
    No committed sample shows it; it is the held-out page the letter test
    turned upside down (baseline score -0.12)."""
    import copy
    import sys

    import yaml

    sys.path.insert(0, str(SAMPLES))
    from generator import build, load
    from generator import scan

    decree = load(SAMPLES / "sopdata" / "bkpsdm-paser-keputusan-sop-perencanaan.yaml")
    [sop] = [s for s in decree["sops"] if s["printed"]["number"].replace(" ", "") == "08/SOP-Sek.II"]
    out = tmp_path_factory.mktemp("settle")
    src = out / "sop08-C.yaml"
    src.write_text(yaml.safe_dump({"stem": "sop08-C", "style": "C", "sops": [copy.deepcopy(sop)]},
                                  allow_unicode=True), encoding="utf-8")
    gold, _ = build(src, out / "sop08-C.pdf")
    (out / "sop08-C.json").write_text(gold.to_json(), encoding="utf-8")
    scan.make_variant("sop08-C", "camscanner", out / "sop08-C.pdf", out / "photo.pdf", out / "sop08-C.json")
    return photo_pages(out / "photo.pdf")[0]


def test_letters_misled_by_blur_are_overruled_by_reading(blurred_identity_photo) -> None:
    pytest.importorskip("tesserocr")
    from ingest.pipeline import flat_page

    letters = fl.flatten(blurred_identity_photo)
    assert letters.rotation == 180  # the defect: an upright page taken for upside down
    flat = flat_page(blurred_identity_photo)
    assert flat.rotation == 0
    assert np.array_equal(flat.image, cv2.rotate(letters.image, cv2.ROTATE_180))
    # Turned over, the letters' evidence points the other way: they would
    # call the upside-down page upright (score +0.12, under sure_score).
    over = cv2.rotate(blurred_identity_photo, cv2.ROTATE_180)
    assert fl.flatten(over).rotation == 0
    assert flat_page(over).rotation == 180


def test_an_undecided_page_is_read_both_ways_up() -> None:
    """A CamScanner sample's identity page turned upside down: the letters
    cannot tell (score about 0), so the page stayed upside down before;
    reading it turns it."""
    pytest.importorskip("tesserocr")
    photo = cv2.rotate(photo_pages(SAMPLES / "camscanner" / "bkpsdm-kubar-evaluasi-akip.pdf")[0],
                       cv2.ROTATE_180)
    from ingest.pipeline import flat_page

    letters = fl.flatten(photo)
    assert (letters.rotation, letters.rotation_sure) == (0, False)
    assert flat_page(photo).rotation == 180


def test_a_page_sure_to_be_upright_is_not_read(pages, monkeypatch) -> None:
    """Scans (and most photos) are oriented by their letters alone: no OCR."""
    from ingest import ocr
    from ingest.pipeline import flat_page

    def no_engine(*_a, **_k):
        raise AssertionError("the OCR engine was asked for")

    monkeypatch.setattr(ocr, "engine", no_engine)
    for img in pages.values():
        flat = flat_page(img)
        assert (flat.rotation, flat.rotation_sure) == (0, True)


def _reader(as_lies: float, turned_over: float, page: np.ndarray):
    """A stand-in OCR engine: reads `as_lies` from the page's text band as
    it lies, `turned_over` from that band turned over; records each call."""
    from ingest.primitives import BBox, Word

    band = orient.text_band(page)
    calls: list[np.ndarray] = []

    def read(img: np.ndarray) -> list[Word]:
        expected = band if not calls else cv2.rotate(band, cv2.ROTATE_180)
        assert np.array_equal(img, expected)
        calls.append(img)
        return [Word("Menerima", BBox(0, 0, 10, 10), turned_over if len(calls) == 2 else as_lies)]

    return read, calls


def test_settle_turns_only_for_a_clearly_surer_reading(pages) -> None:
    page = pages["portrait"]
    unsure = orient.Turn(0, False)
    s = orient.OrientSettings()
    # read 0.5 as it lies, 0.65 turned over: turned (margin 0.1)
    read, calls = _reader(0.5, 0.65, page)
    img, rotation = orient.settle(page, unsure, read, s)
    assert rotation == 180 and np.array_equal(img, cv2.rotate(page, cv2.ROTATE_180)) and len(calls) == 2
    # 0.58 turned over is within the margin: the page stays
    read, _ = _reader(0.5, 0.58, page)
    assert orient.settle(page, unsure, read, s)[1] == 0
    # a clear reading as it lies is not read the other way up
    read, calls = _reader(0.9, 1.0, page)
    assert orient.settle(page, unsure, read, s)[1] == 0 and len(calls) == 1
    # what the letters turned is turned again from there
    read, _ = _reader(0.5, 0.7, page)
    assert orient.settle(page, orient.Turn(90, True), read, s)[1] == 270
    # the letters sure it is upright: not read at all
    read, calls = _reader(0.0, 1.0, page)
    assert orient.settle(page, orient.Turn(0, True), read, s)[1] == 0 and not calls


def test_settle_leaves_a_page_with_too_few_letters() -> None:
    blank = np.full((1200, 900), 255, np.uint8)
    cv2.putText(blank, "Ya", (400, 600), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    assert orient.text_band(blank) is None
    calls = []
    img, rotation = orient.settle(blank, orient.Turn(0, False), lambda band: calls.append(band) or [])
    assert rotation == 0 and img is blank and not calls


def test_without_ocr_the_letters_answer_stands(monkeypatch) -> None:
    from ingest import ocr
    from ingest.pipeline import flat_page

    def unavailable(*_a, **_k):
        raise ocr.OcrUnavailable("no tesserocr here")

    monkeypatch.setattr(ocr, "engine", unavailable)
    photo = cv2.rotate(photo_pages(SAMPLES / "camscanner" / "bkpsdm-kubar-evaluasi-akip.pdf")[0],
                       cv2.ROTATE_180)
    flat = flat_page(photo)
    assert (flat.rotation, flat.rotation_sure) == (0, False)
