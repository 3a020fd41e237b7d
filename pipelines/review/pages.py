"""Page images for the document view, rendered once into a cache.

Evidence boxes are fractions of the *upright, flattened* page the pipeline
read, so the image shown must be that page: a text-layer PDF page is
rendered as it is; a scanned page (image-only PDF page, photo, fax) goes
through the pipeline's own loading and flattening again (`pipeline.flat_page`,
which turns it the way the pipeline did).

Files are found only through the database: the input file's row says where
its source is (relative to the inbox folder, or the path the JSON names) and
which bytes it must hold (sha256, checked before rendering). The client only
ever names a document id and a page number.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ingest import load, pipeline
from ingest.errors import IngestError

CACHE_DIR = "_review/pages"  # under the out dir: `_` names are the tool's own
# The version of the rules a page image is made by, in the cache's folder
# names: when the pipeline starts reading a kind of page another way, an
# image cached before would not match the boxes of a new reading. 2: a
# searchable scan is read from its scan, not from its OCR layer. 3: a page
# the letters could not orient, or turned, is settled by reading it.
RENDER_RULES = 3
MAX_HEIGHT = 1800  # pixels: enough to read a cell, small enough to load fast
TEXT_LAYER_SCALE = 2.0  # 144 dpi for born-digital pages
MAX_PAGES = 100_000  # the file was read already; its page count is not in question here


class PageUnavailable(Exception):
    """The page image cannot be shown (message in Indonesian)."""


@dataclass(frozen=True)
class SourceRef:
    input_file_id: int
    sha256: str
    candidates: tuple[Path, ...]  # where the source may be, in order
    pages: int


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def find_source(ref: SourceRef) -> Path:
    """The first candidate that exists and holds exactly the ingested bytes."""
    for path in ref.candidates:
        if path.is_file() and sha256_of(path) == ref.sha256:
            return path
    raise PageUnavailable("berkas sumber tidak ditemukan atau sudah berubah sejak dibaca; "
                          "gambar halaman tidak bisa ditampilkan")


_RENDER_LOCK = threading.Lock()


def cached_page(out_dir: Path, ref: SourceRef, page: int) -> Path:
    """The PNG of page `page` (1-based), rendering it on first use."""
    if not 1 <= page <= ref.pages:
        raise PageUnavailable("halaman itu tidak ada")
    folder = out_dir / CACHE_DIR / f"{ref.input_file_id}-{ref.sha256[:16]}-r{RENDER_RULES}"
    target = folder / f"{page}.png"
    if target.is_file():
        return target
    source = find_source(ref)
    # PDFium is not thread-safe, and the app serves requests from a thread
    # pool: a browser asks for all of a document's pages at once, and two
    # renders at the same moment crashed the server process (no traceback:
    # the test of the rate limit after it found the server gone). One
    # render at a time; the second request for a page finds it cached.
    with _RENDER_LOCK:
        if target.is_file():
            return target
        try:
            image = render_page(source, page)
        except IngestError as exc:
            raise PageUnavailable(f"halaman {page} tidak bisa digambar ({exc.reason})") from None
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{page}.png.tmp"
        image.save(tmp, format="PNG", optimize=True)
        tmp.replace(target)  # atomic: a reader never sees half a file
    return target


def render_page(source: Path, page: int) -> Image.Image:
    """Page `page` as the pipeline saw it, scaled for the browser."""
    media = load.inspect(source).media_type
    if media == "application/pdf":
        image = _pdf_page(source, page)
    else:
        # frames are decoded one at a time: stop at the one asked for
        image = _scan(next((r for r in load.image_pages(source, max_pages=MAX_PAGES)
                            if r.number == page), None))
    if image.height > MAX_HEIGHT:
        image = image.resize((round(image.width * MAX_HEIGHT / image.height), MAX_HEIGHT),
                             Image.LANCZOS)
    return image


def _pdf_page(source: Path, page: int) -> Image.Image:
    with load.open_for_rendering(source) as doc:
        with load.open_pdf(source, max_pages=MAX_PAGES) as pdf:
            p = pdf.pages[page - 1]
            text = load.reads_from_text_layer(p, lambda: doc)
            dpi = None if text else load.render_dpi(p)
        if dpi is None:  # born-digital: bboxes are fractions of the PDF page itself
            pg = doc[page - 1]
            try:
                return pg.render(scale=TEXT_LAYER_SCALE).to_pil().convert("RGB")
            finally:
                pg.close()
        return _scan(load.rasterize_pdf_page(doc, source, page, dpi))


def _scan(raster: load.RasterPage | None) -> Image.Image:
    if raster is None:
        raise PageUnavailable("halaman itu tidak ada di berkas sumber")
    flat = pipeline.flat_page(raster.image).image
    return Image.fromarray(np.ascontiguousarray(flat))

