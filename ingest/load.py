"""Load: a file on disk -> what it is, its fingerprint, and its pages.

Decides the media type from the file's bytes (not its name), refuses what
cannot be read with a plain reason (empty, truncated, encrypted, too many
pages), and opens PDFs with pdfplumber. Routing (text layer or OCR) is
decided per page by `reads_from_text_layer`, a scanned page's resolution by
`render_dpi`.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pdfplumber
from PIL import Image, ImageSequence
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

from .errors import EncryptedFile, TooLarge, UnreadableFile

# pdfminer logs every oddity of real-world PDFs at WARNING; the user gets our
# own one-line reasons instead.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

INPUT_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff")

_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)

# Refuse images larger than this many pixels before decoding them (a
# 40000 x 40000 "photo" would need 1.6 GB as grayscale). An A3 scan at 600
# dpi is 70 Mpx; phone cameras give 12-50 Mpx.
MAX_PIXELS = 120_000_000
# Pixels per inch the OCR route rasterises image-only PDF pages at: Tesseract
# reads 9-10 pt text best at about this resolution.
RASTER_DPI = 300

# A page with fewer characters than this in its text layer is treated as
# having none (scanners often add a page number or a stray OCR artefact).
MIN_TEXT_CHARS = 20
# A "searchable PDF" (what office scanners, Adobe Scan, CamScanner's OCR
# export, Tesseract and OCRmyPDF write) is a scan with the scanner's OCR laid
# over it as invisible text (PDF text render mode 3). Its table rules and
# flowchart exist only as pixels, so read from that text it gave "no
# procedure table". A page with images where at least this share of the
# text objects are invisible is read from its pixels. The test is the text's
# visibility, not the page's look: a born-digital page printed on a
# letterhead image, drawing no lines (prose), is still text, whose words
# must never be rewritten by the OCR corrections.
OCR_LAYER_SHARE = 0.5

# Paper sizes that SOPs are printed on (long side in PDF points): A4, and
# F4/Folio (215 x 330 mm), common in Indonesian offices.
PAPER_LONG_SIDE = {"A4": 842.0, "F4": 935.4}
# A recorded resolution is believed when the page it makes is paper-sized:
# from 3 inches (any slip an SOP is on; an A6 is 5.8) to half again an F4
# (past A3). Software that does not know a scan's resolution writes 72 or 96
# dpi, which makes a 300-dpi A4 scan 35 x 49 inches; read that way it was
# upsampled 4x (1-2 GB, about 20 s, nothing read), where reading it by the
# paper's size takes 2 s.
PAPER_SIZED = (216.0, 1.5 * PAPER_LONG_SIDE["F4"])


@dataclass(frozen=True)
class SourceFile:
    path: Path
    sha256: str
    media_type: str
    size: int


def sniff_media_type(head: bytes) -> str | None:
    # PDFs may carry junk before the header; the spec allows it in the first 1 KiB.
    if b"%PDF-" in head[:1024]:
        return "application/pdf"
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    return None


def inspect(path: Path) -> SourceFile:
    """Fingerprint a file and name its type, or say plainly why we can't."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise UnreadableFile("this is a folder, not a file", path)
    except OSError as exc:
        raise UnreadableFile(f"cannot open the file ({exc.strerror or exc})", path)
    if not data:
        raise UnreadableFile("the file is empty (0 bytes)", path)
    media_type = sniff_media_type(data[:1024])
    if media_type is None:
        raise UnreadableFile("not a PDF, JPEG, PNG or TIFF file", path)
    return SourceFile(path, hashlib.sha256(data).hexdigest(), media_type, len(data))


@contextmanager
def open_pdf(path: Path, max_pages: int) -> Iterator[pdfplumber.PDF]:
    """Open a PDF for reading, turning pdfminer's failures into plain reasons."""
    try:
        pdf = pdfplumber.open(path)
    except PdfminerException as exc:
        raise _pdf_error(exc.args[0] if exc.args else exc, path) from None
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise _pdf_error(exc, path) from None
    except Exception as exc:  # pdfminer raises many kinds on broken files
        raise _pdf_error(exc, path) from None
    try:
        try:
            n = len(pdf.pages)
        except Exception as exc:
            raise _pdf_error(exc, path) from None
        if n == 0:
            raise UnreadableFile("the PDF has no pages", path)
        if n > max_pages:
            raise TooLarge(f"the PDF has {n} pages, more than the limit of {max_pages} "
                           "(raise it with --max-pages)", path)
        yield pdf
    finally:
        pdf.close()


def _pdf_error(exc: object, path: Path) -> UnreadableFile:
    if isinstance(exc, (PDFPasswordIncorrect, PDFEncryptionError)):
        return EncryptedFile("the PDF is password-protected (encrypted); "
                             "save an unprotected copy and try again", path)
    if isinstance(exc, PDFSyntaxError) or "EOF" in str(exc) or "startxref" in str(exc):
        return UnreadableFile("the PDF is damaged or incomplete (truncated?)", path)
    return UnreadableFile(f"the PDF cannot be read ({type(exc).__name__})", path)


def page_error(exc: Exception, path: Path, page_no: int) -> UnreadableFile:
    """A failure while reading one page's content, named by page."""
    if isinstance(exc, (PDFPasswordIncorrect, PDFEncryptionError)):
        return _pdf_error(exc, path)
    return UnreadableFile(f"page {page_no} of the PDF is damaged and cannot be read "
                          f"({type(exc).__name__})", path)


def paper_sized(long_side_pt: float) -> bool:
    return PAPER_SIZED[0] <= long_side_pt <= PAPER_SIZED[1]


def reads_from_text_layer(page: pdfplumber.page.Page, rendering: Callable[[], Any]) -> bool:
    """The page's words and drawing are read from the PDF itself: it has
    text, and that text is not an OCR layer over a scan. `rendering()` gives
    the file opened with pdfium (see `open_for_rendering`), asked for only
    when the page has both text and images."""
    if len(page.chars) < MIN_TEXT_CHARS:
        return False
    return not (page.images and ocr_layer(rendering(), page.page_number))


def ocr_layer(pdf: Any, number: int) -> bool:
    """Is most of page `number`'s text drawn invisible (an OCR layer)?
    pdfminer does not keep the text render mode; pdfium does (~1 ms a page)."""
    import pypdfium2.raw as pdfium_c

    hidden = (pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE, pdfium_c.FPDF_TEXTRENDERMODE_CLIP)
    page = pdf[number - 1]
    try:
        modes = [pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw)
                 for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_TEXT,))]
    finally:
        page.close()
    return bool(modes) and sum(m in hidden for m in modes) >= OCR_LAYER_SHARE * len(modes)


@dataclass(frozen=True)
class RasterPage:
    """One page of an image file or an image-only PDF page, decoded."""

    number: int  # 1-based page number in the input
    image: np.ndarray  # uint8 grayscale
    dpi: float | None  # as recorded in the file, None when unknown (photos)


def _check_pixels(width: int, height: int, path: Path, what: str) -> None:
    if width <= 0 or height <= 0:
        raise UnreadableFile(f"{what} has no pixels", path)
    if width * height > MAX_PIXELS:
        raise TooLarge(f"{what} is {width} x {height} pixels, too large to read safely "
                       f"(limit {MAX_PIXELS // 1_000_000} megapixels); scan it at a lower "
                       "resolution", path)


def image_page_count(path: Path) -> int:
    """Pages in an image file (frames of a TIFF), from its header only."""
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        with Image.open(path) as img:
            return getattr(img, "n_frames", 1)
    except (OSError, SyntaxError, ValueError) as exc:
        raise UnreadableFile(f"the image cannot be read ({exc})", path) from None
    finally:
        Image.MAX_IMAGE_PIXELS = limit


def image_pages(path: Path, max_pages: int, first: int = 1,
                last: int | None = None) -> Iterator[RasterPage]:
    """Decode a JPEG, PNG or (multi-page) TIFF page by page, sizes checked first;
    with `first`/`last` (1-based), only those pages (a batch reads runs of
    pages in parallel)."""
    # Image.open reads only the header; our own guard then refuses a bomb by
    # its size before any pixel is decoded. Pillow's check would fire inside
    # open() with no size in its message, so it is lifted for this call.
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        img = Image.open(path)
    except Image.DecompressionBombError:
        raise TooLarge("the image is too large to read safely", path) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise UnreadableFile(f"the image cannot be read ({exc})", path) from None
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    with img:
        n = getattr(img, "n_frames", 1)
        if n < 1:
            raise UnreadableFile("the TIFF file has no pages", path)
        if n > max_pages:
            raise TooLarge(f"the file has {n} pages, more than the limit of {max_pages} "
                           "(raise it with --max-pages)", path)
        last = n if last is None else last
        if not 1 <= first <= last <= n:
            raise UnreadableFile(f"the file has no pages {first}-{last}", path)
        for number, frame in enumerate(ImageSequence.Iterator(img), start=1):
            if number < first:
                continue  # seeking a frame decodes no pixels
            if number > last:
                break
            _check_pixels(frame.width, frame.height, path, f"page {number}")
            try:
                gray = frame_gray(frame)
            except (OSError, SyntaxError, ValueError) as exc:
                raise UnreadableFile(f"page {number} of the image is damaged or "
                                     f"incomplete ({exc})", path) from None
            dpi = frame.info.get("dpi")
            yield RasterPage(number, gray, float(dpi[0]) if dpi and dpi[0] > 1 else None)


def frame_gray(frame: Image.Image) -> np.ndarray:
    """8-bit gray of one decoded frame, as the page looks on white paper.

    Pillow's own conversion to 8 bits turns two kinds of scan into a page
    with nothing on it: 16-bit and float samples are clipped, not scaled
    (ink at 2,000 of 65,535 turns white), and a transparent background
    (ImageMagick's PDF-to-PNG default: black ink on nothing) turns black."""
    if frame.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        wide = np.asarray(frame).astype(np.int64)
        return (np.clip(wide, 0, 65535) // 257).astype(np.uint8)
    if frame.mode == "F":  # float samples, 0..1 (or 0..255), are clipped to black too
        real = np.asarray(frame, dtype=np.float64)
        real = real * 255.0 if real.size and float(real.max()) <= 1.0 else real
        return np.clip(np.round(real), 0, 255).astype(np.uint8)
    if "A" in frame.mode or "transparency" in frame.info:
        paper = Image.new("RGBA", frame.size, (255, 255, 255, 255))
        paper.alpha_composite(frame.convert("RGBA"))
        frame = paper
    return np.asarray(frame.convert("L"))


def embedded_dpi(page: pdfplumber.page.Page) -> float | None:
    """The resolution of the largest image drawn on a page (a scan or photo).

    Rendering above it adds no detail, only time: a 1600 px phone photo on
    an A4 page is about 140 dpi.
    """
    best = None
    for im in page.images:
        w_pt, h_pt = float(im["x1"]) - float(im["x0"]), float(im["bottom"]) - float(im["top"])
        src = im.get("srcsize") or (0, 0)
        w_px = src[0]
        if src[0] and src[1] and (src[0] > src[1]) != (w_pt > h_pt):
            # drawn turned a quarter (a page with /Rotate 90): its pixel width
            # lies along the page's height. Read across, a 200-dpi scan came
            # out 141 dpi (rendered at 150, then upsampled) and a 150-dpi one
            # 212 (upsampled for nothing).
            w_px = src[1]
        if w_pt > 0 and w_px:
            dpi = w_px / (w_pt / 72)
            if best is None or w_pt > best[0]:
                best = (w_pt, dpi)
    return best[1] if best else None


def raster_dpi(embedded: float | None) -> float:
    """Render a scanned page at its own resolution: never above RASTER_DPI
    (no detail to gain), never below 150 (small text must survive)."""
    return max(150.0, min(RASTER_DPI, embedded or RASTER_DPI))


def render_dpi(page: pdfplumber.page.Page) -> float:
    """The resolution a scanned PDF page is rendered at for the OCR route."""
    embedded = embedded_dpi(page)
    if max(float(page.width), float(page.height)) > PAPER_SIZED[1]:
        # A PDF made from images by software that took their pixels for
        # points (72 dpi) has pages the size of a wall: its page size says
        # nothing of the paper, so its image is rendered at its own pixels
        # (the pipeline then measures it by the paper it shows, as it does an
        # image file); raster_dpi's 150-dpi floor would upsample it again.
        return min(embedded or 72.0, RASTER_DPI)
    return raster_dpi(embedded)


@contextmanager
def open_for_rendering(path: Path) -> Iterator[Any]:
    """The PDF opened once with pdfium, for rendering its scanned pages
    (opening it per page would parse the whole file again for each)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise UnreadableFile(f"the PDF cannot be rendered ({exc})", path) from None
    try:
        yield pdf
    finally:
        pdf.close()


def rasterize_pdf_page(pdf: Any, path: Path, number: int, dpi: float = RASTER_DPI) -> RasterPage:
    """Render one page (1-based) of a PDF opened with `open_for_rendering`
    to grayscale for OCR, its size checked first."""
    page = pdf[number - 1]
    try:
        w_pt, h_pt = page.get_size()
        _check_pixels(int(w_pt * dpi / 72), int(h_pt * dpi / 72), path, f"page {number}")
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        gray = np.array(bitmap.to_numpy(), copy=True)
        if gray.ndim == 3:
            gray = gray[..., 0]
        return RasterPage(number, gray, dpi)
    finally:
        page.close()
