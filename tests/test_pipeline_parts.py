"""Document-level rules of the pipeline on real pages: repeated pages, the
scale of a photographed page, scanner footers."""

from __future__ import annotations

import random

import numpy as np
import pdfplumber
import pytest

from ingest.ocrpage import drop_scanner_marks
from ingest.pipeline import Settings, fingerprint, page_scale, repeats
from ingest.primitives import BBox, PageContent, Word
from ingest.textlayer import read_page

from .conftest import SAMPLES

DECREE = SAMPLES / "born-digital" / "bkpsdm-paser-keputusan-sop-perencanaan.pdf"


def _pages() -> list[PageContent]:
    with pdfplumber.open(DECREE) as pdf:
        return [read_page(p, i) for i, p in enumerate(pdf.pages, start=1)]


def _noisy(page: PageContent, rate: float, seed: int) -> PageContent:
    """The same page read again by OCR: some words misread, some lost."""
    rnd = random.Random(seed)
    words = []
    for w in page.words:
        r = rnd.random()
        if r < rate / 2:
            continue
        if r < rate:
            w = Word(w.text[:-1] + "l" if len(w.text) > 3 else w.text, w.box, 0.6)
        words.append(w)
    return PageContent(page.number + 100, page.width, page.height, words)


def test_template_pages_are_not_repeats() -> None:
    pages = [p for p in _pages() if len(p.words) > 30]
    seen = []
    for p in pages:
        assert repeats(fingerprint(p), seen, Settings()) is None, p.number
        seen.append((p.number, fingerprint(p)))


# Word error of the OCR route on the scanned samples is 1.3-2.5% (measured in
# tests/test_ocr.py's survey); a second scan of a page is read with errors
# of its own, so both copies differ by up to about twice that.
@pytest.mark.parametrize("rate", [0.0, 0.02, 0.04])
def test_a_page_scanned_twice_is_a_repeat(rate: float) -> None:
    pages = [p for p in _pages() if len(p.words) > 30]
    seen = [(p.number, fingerprint(p)) for p in pages]
    for p in pages[:6]:
        again = _noisy(p, rate, seed=p.number)
        assert repeats(fingerprint(again), seen, Settings()) == p.number


def test_page_scale_from_paper_or_dpi() -> None:
    a4_300 = np.zeros((3508, 2480), np.uint8)
    assert page_scale(a4_300, 300, found_paper=False) == pytest.approx(300 / 72)
    # a photo claims 72 dpi; the paper it shows says otherwise
    assert page_scale(a4_300, 72, found_paper=True) == pytest.approx(3508 / 842)
    f4 = np.zeros((1300, 2000), np.uint8)  # landscape F4 (330 x 215 mm)
    assert page_scale(f4, None, found_paper=True) == pytest.approx(2000 / 935.4)


def test_scanner_footer_lines_are_dropped() -> None:
    def line(y: float, *texts: str) -> list[Word]:
        return [Word(t, BBox(50 + 60 * i, y, 100 + 60 * i, y + 10)) for i, t in enumerate(texts)]

    words = (line(100, "Peringatan") + line(120, "Jika", "SOP", "tidak", "dilaksanakan")
             + line(800, "Dipindai", "dengan", "CamScanner")
             + line(815, "https://v3.camscanner.com/user/download"))
    kept, dropped = drop_scanner_marks(words)
    assert dropped
    assert [w.text for w in kept] == ["Peringatan", "Jika", "SOP", "tidak", "dilaksanakan"]
    kept, dropped = drop_scanner_marks(line(100, "Disimpan", "dalam", "bentuk", "soft", "copy"))
    assert not dropped and len(kept) == 5


@pytest.mark.parametrize("dpi, read_at", [(150, 300), (200, 200), (250, 250), (300, 300), (600, 400)])
def test_scanned_pages_are_read_at_their_own_resolution_unless_too_low(dpi: int, read_at: int) -> None:
    # A plain scanned A4 page (no desk around it, so its dpi is trusted):
    # under 200 dpi it is brought up to 300 for the shape tests and OCR;
    # from 200 dpi it is read as it came (up to the 400-dpi cap).
    from ingest.load import RasterPage
    from ingest.pipeline import scan_page

    h, w = round(11.69 * dpi), round(8.27 * dpi)
    img = np.full((h, w), 245, np.uint8)
    for i in range(12):  # a few lines of "text" for the skew and orientation tests
        y = int(h * (0.1 + 0.05 * i))
        img[y:y + max(2, dpi // 60), int(w * 0.1):int(w * 0.8)] = 30
    page = scan_page(RasterPage(number=1, image=img, dpi=float(dpi)))
    assert page.content.scale == pytest.approx(read_at / 72, rel=0.01)
    assert page.image.shape[0] == pytest.approx(h * read_at / dpi, rel=0.01)
