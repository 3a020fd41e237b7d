"""Document-level rules of the pipeline on real pages: repeated pages, the
scale of a photographed page, scanner footers."""

from __future__ import annotations

import random

import cv2
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
    # 72 and 96 dpi are what software writes when it does not know: an A4
    # scan at 300 dpi would be a 35 x 49 inch page; it is read by its paper
    for placeholder in (72, 96):
        assert page_scale(a4_300, placeholder, found_paper=False) == pytest.approx(3508 / 842)
    # a resolution giving a page from half an A4 to half again an F4 is believed
    assert page_scale(a4_300, 212, found_paper=False) == pytest.approx(212 / 72)  # A3 (1191 pt)
    assert page_scale(a4_300, 500, found_paper=False) == pytest.approx(500 / 72)  # 505 pt, under A5
    assert page_scale(a4_300, 1000, found_paper=False) == pytest.approx(1000 / 72)  # 253 pt, a slip
    assert page_scale(a4_300, 2400, found_paper=False) == pytest.approx(3508 / 842)  # 105 pt: no paper
    assert page_scale(a4_300, 150, found_paper=False) == pytest.approx(3508 / 842)  # 1684 pt: no paper


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


# -- image files as scanners and converters write them ---------------------------

@pytest.fixture(scope="module")
def scanned_page() -> np.ndarray:
    """Page 2 (a procedure table) of a scanned sample, as its 200-dpi pixels."""
    from ingest.load import open_for_rendering, rasterize_pdf_page

    src = SAMPLES / "scan-pdf" / "bkpsdm-kubar-evaluasi-akip.pdf"
    with open_for_rendering(src) as pdf:
        return rasterize_pdf_page(pdf, src, 2, 200).image


def _steps(path) -> list[tuple[int, str]]:
    from ingest.pipeline import ingest_file

    return [(s.no, s.activity) for sop in ingest_file(path).sops for s in sop.steps]


def _scale_dpi(path) -> float:
    from ingest.load import inspect
    from ingest.pipeline import read_page

    return read_page(path, 1, inspect(path).media_type).content.scale * 72


def test_a_200_dpi_scan_is_read_at_200_dpi_in_every_container(tmp_path, scanned_page) -> None:
    # PNG keeps whole pixels per metre (Pillow gives 200 dpi back as
    # 199.9996) and a PDF's page size is rounded (199.99999999999997): both
    # fell under the 200-dpi line and were upsampled to 300 dpi.
    from PIL import Image

    page = Image.fromarray(scanned_page)
    for name in ("scan.png", "scan.tif", "scan.jpg"):
        page.save(tmp_path / name, dpi=(200, 200))
    page.save(tmp_path / "scan.pdf", resolution=200.0)
    for name in ("scan.png", "scan.tif", "scan.jpg", "scan.pdf"):
        assert _scale_dpi(tmp_path / name) == pytest.approx(200, abs=0.5), name


def test_a_scan_with_a_placeholder_resolution_is_read_by_its_paper(tmp_path, scanned_page) -> None:
    # The same 200-dpi scanned page as a JPEG that says 96 dpi and as a PDF
    # whose pages are its pixels in points (Pillow's default, 72 dpi): both
    # were upsampled 4x (1-2 GB, about 20 s, no step read). They must read
    # as the page saved with its true resolution does.
    from PIL import Image

    page = Image.fromarray(scanned_page)
    page.save(tmp_path / "benar.png", dpi=(200, 200))
    page.save(tmp_path / "tanpa-dpi.jpg", dpi=(96, 96), quality=90)
    page.save(tmp_path / "piksel.pdf", resolution=72.0)
    truth = _steps(tmp_path / "benar.png")
    assert len(truth) >= 5
    for name in ("tanpa-dpi.jpg", "piksel.pdf"):
        # measured by the A4 it shows (after deskew, within a percent), not 72 dpi
        assert _scale_dpi(tmp_path / name) == pytest.approx(200, rel=0.02), name
        assert _steps(tmp_path / name) == truth
    # a small real scan (A6, 300 dpi) keeps its resolution: a placeholder only
    # ever makes a page too big
    small = cv2.resize(scanned_page, (1240, 1748), interpolation=cv2.INTER_AREA)
    Image.fromarray(small).save(tmp_path / "a6.png", dpi=(300, 300))
    assert _scale_dpi(tmp_path / "a6.png") == pytest.approx(300, abs=0.5)


def test_16_bit_and_transparent_scans_read_as_the_8_bit_page(tmp_path, scanned_page) -> None:
    # Pillow's 8-bit conversion clipped 16-bit samples (ink at ~2,000 of
    # 65,535 turned white) and turned a transparent background black: both
    # pages read as blank ("no SOP found").
    from PIL import Image

    Image.fromarray(scanned_page).save(tmp_path / "8bit.png", dpi=(200, 200))
    deep = scanned_page.astype(np.uint16) * 240 + 2000  # ink ~2,000, paper ~63,000
    Image.fromarray(deep).save(tmp_path / "16bit.tif", dpi=(200, 200))
    ink_alpha = np.zeros(scanned_page.shape + (2,), np.uint8)  # black ink, alpha = its darkness
    ink_alpha[..., 1] = 255 - scanned_page
    Image.fromarray(ink_alpha, "LA").save(tmp_path / "transparan.png", dpi=(200, 200))
    truth = _steps(tmp_path / "8bit.png")
    assert len(truth) >= 5
    assert _steps(tmp_path / "16bit.tif") == truth
    assert _steps(tmp_path / "transparan.png") == truth


def test_a_scan_on_a_page_turned_a_quarter_keeps_its_resolution(tmp_path) -> None:
    # A portrait 200-dpi scan shown landscape (/Rotate 90): its pixel width
    # lies along the page's height. Read across, it was 141 dpi, rendered at
    # 150 and upsampled to 300 for nothing.
    import pikepdf

    from ingest.load import embedded_dpi

    src = SAMPLES / "scan-pdf" / "bkpsdm-kubar-evaluasi-akip.pdf"
    with pikepdf.open(src) as pdf:
        pdf.pages[0].Rotate = 90
        pdf.save(tmp_path / "miring.pdf")
    with pdfplumber.open(tmp_path / "miring.pdf") as turned, pdfplumber.open(src) as upright:
        assert turned.pages[0].width > turned.pages[0].height  # shown landscape
        assert embedded_dpi(turned.pages[0]) == pytest.approx(embedded_dpi(upright.pages[0]), rel=1e-3)
        assert embedded_dpi(upright.pages[0]) == pytest.approx(200, rel=1e-3)
