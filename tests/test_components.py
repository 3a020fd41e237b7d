"""ingest.components: OpenCV's labelling in 16 bits where the labels fit."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ingest.components import components

FAX = Path(__file__).parent.parent / "samples" / "fax" / "bkpsdm-kubar-evaluasi-akip.tif"


def test_a_real_page_gets_the_labels_32_bits_give() -> None:
    ok, pages = cv2.imreadmulti(str(FAX), flags=cv2.IMREAD_GRAYSCALE)
    assert ok
    ink = (pages[1] < 128).astype(np.uint8) * 255
    n, labels, stats, centres = components(ink)
    n32, labels32, stats32, centres32 = cv2.connectedComponentsWithStats(ink, connectivity=8)
    assert labels.dtype == np.uint16 and n > 100
    assert n == n32 and np.array_equal(labels, labels32) and np.array_equal(stats, stats32)
    assert np.allclose(centres, centres32)


def test_more_labels_than_16_bits_hold_fall_back_to_32() -> None:
    dots = np.zeros((1000, 1000), np.uint8)
    dots[::3, ::3] = 255  # 111,556 separate dots
    n, labels, stats, _ = components(dots)
    assert n == 111_556 + 1 and labels.dtype == np.int32
    assert labels.max() == 111_556 and (stats[1:, 4] == 1).all()
