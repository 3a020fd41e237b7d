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
