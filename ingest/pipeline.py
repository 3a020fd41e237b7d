"""The stages for one input file, in order, in one readable place.

    load ──▶ page model ──▶ flowchart ──▶ grid ──▶ [OCR of cells] ──▶ layout ──▶ assemble ──▶ SopDocument
             │
             ├─ text layer (born-digital PDF page):  textlayer
             └─ pixels (photo, TIFF, image-only PDF page):
                    flatten (paper outline, upright, deskew, light) ──▶ raster (rules, shapes)

Both routes meet at the page model (words, segments, shapes): after that no
stage knows where a page came from, except that OCR pages get their words
once their tables and symbols are known (so each cell is read on its own).
This module only wires the stages and adds the document-level facts; stages
never read files or print: `load` touches the disk, the CLI talks to people.
"""

from __future__ import annotations

import re
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from . import assemble, correct, flatten, flowchart, grid, layout, load, textlayer, vocab
from .errors import IngestError, UnreadableFile
from .model import SopDocument, Source
from .primitives import PageContent

# Don't process photos at more than this many pixels per point (~400 dpi):
# more pixels only cost time.
MAX_SCALE = 400 / 72
# A page with fewer pixels than this per point (~200 dpi: a 150-dpi fax, a
# phone photo of a landscape page) draws an arrowhead in a few pixels and a
# letter's x-height in fewer than Tesseract reads well, so it is brought up
# to UPSAMPLE_TO (~300 dpi). Upsampling adds no detail but gives the shape
# tests and the OCR the pixel sizes they are made for. A page at 200 dpi or
# more is read as it is: on the 200-dpi scanner samples, bringing them to 300
# dpi cost 1.5x the CPU time per page (raster and crop cleaning grow with the
# pixels; Tesseract normalises each line's height and hardly changes) and
# changed eval by one list item in 53 (0.997 -> 0.992, overall).
MIN_SCALE = 200 / 72
UPSAMPLE_TO = 300 / 72
# A scale this close under MIN_SCALE is MIN_SCALE: a 200-dpi scan comes back
# as 199.9 from a page width one pixel short, a page size rounded to the
# point, or a PNG (which keeps whole pixels per metre: 199.9996), and was
# upsampled to 300 dpi for it (1.4x the CPU time, and a different reading
# from the one the same scan gets at exactly 200).
SCALE_SLACK = 0.005
# A page whose source had fewer pixels than this per point is soft once
# brought up to OCR resolution (upsampling blurs, and so did the camera): its
# text is sharpened before OCR. Measured on the camscanner samples (about
# 130-170 dpi): "Owahi an oleh" -> "Disahkan oleh", "Nomer" -> "Nomor".
SOFT_BELOW = 270 / 72
# Tesseract is sure of more than it reads right on a fax (black and white at
# about 150 dpi): of the fax samples' fields it read with confidence >= 0.9,
# 94% were right (scanner PDFs: 99.5%, phone photos: 100%). Words from such a
# page are never more than this sure, so a reviewer checks them.
FAX_CONF = 0.85


@dataclass(frozen=True)
class Settings:
    max_pages: int = 1000  # refuse files longer than this (a misfiled archive box)
    grid: grid.GridSettings = grid.GridSettings()
    flow: flowchart.FlowSettings = flowchart.FlowSettings()
    duplicate_words: float = 0.9  # shared words, and shared runs of three words,
    # above which a page repeats an earlier one. Measured on the decree
    # sample: distinct pages of one template share at most 0.57 of their
    # 3-word runs; the same page read twice with 4% word errors keeps 0.69.
    duplicate_runs: float = 0.63
    vocab: tuple[Path, ...] = ()  # user vocabulary files on top of the package's (`--vocab`)


@dataclass
class Page:
    """One page on its way through the stages."""

    content: PageContent
    image: np.ndarray | None = None  # the upright, flat page for the OCR route
    notes: list[str] = field(default_factory=list)
    soft: bool = False  # upsampled from a low-resolution source: sharpen for OCR
    bilevel: bool = False  # black and white only (a fax): despeckle for OCR, never sharpen


def source_path(path: Path, root: Path | None) -> str:
    """The path written into `source.path`: relative to root when inside it."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def ingest_file(path: Path, settings: Settings = Settings(), root: Path | None = None) -> SopDocument:
    """One input file -> one SOP document. Raises IngestError with a plain reason."""
    try:
        src = load.inspect(path)
        with ExitStack() as stack:
            n_pages, pages = _pages(path, src, settings, stack)
            return assemble_document(path, src, n_pages, (read_page_content(p, settings) for p in pages),
                                     settings, root)
    except IngestError as exc:
        raise exc.with_path(path)


# -- pages as independent tasks ------------------------------------------------
# A batch reads one file's pages in parallel: `plan_file` says how many there
# are, `read_page` reads one (in any process: its arguments and result are
# picklable), `assemble_document` joins them in page order. `ingest_file` is
# the same three steps in one process, so both give the same document.

@dataclass(frozen=True)
class FilePlan:
    source: load.SourceFile
    pages: int


def plan_file(path: Path, settings: Settings = Settings()) -> FilePlan:
    """Fingerprint a file and count its pages, refusing what cannot be read."""
    try:
        src = load.inspect(path)
        if src.media_type == "application/pdf":
            with load.open_pdf(path, settings.max_pages) as pdf:
                return FilePlan(src, len(pdf.pages))
        return FilePlan(src, load.image_page_count(path))
    except IngestError as exc:
        raise exc.with_path(path)


@dataclass
class PageResult:
    """One page read as far as a page goes alone: everything but the
    layout, which needs the page before it. `content` is None for a blank page."""

    number: int
    content: PageContent | None = None
    tables: list = field(default_factory=list)  # list[primitives.Table]
    graph: flowchart.FlowGraph | None = None
    notes: list[str] = field(default_factory=list)  # warnings of this page, in order


def read_page(path: Path, number: int, media_type: str, settings: Settings = Settings()) -> PageResult:
    """Page `number` (1-based) of a file, read on its own."""
    return read_pages(path, number, number, media_type, settings)[0]


def read_pages(path: Path, first: int, last: int, media_type: str,
               settings: Settings = Settings()) -> list[PageResult]:
    """Pages first..last of a file, the file opened once; the first page
    that fails stops the run, as it stops `ingest_file`."""
    out: list[PageResult] = []
    try:
        if media_type == "application/pdf":
            with ExitStack() as stack:
                pdf = stack.enter_context(load.open_pdf(path, settings.max_pages))
                if not 1 <= first <= last <= len(pdf.pages):
                    # the file changed since it was planned (a watched folder's
                    # file replaced by a shorter one), as image_pages says it
                    raise UnreadableFile(f"the file has no pages {first}-{last}", path)
                render = _lazy_renderer(path, stack)
                for n in range(first, last + 1):
                    page = _pdf_page(path, pdf, n, render)
                    out.append(PageResult(n) if page is None else read_page_content(page, settings))
        else:
            for raster in load.image_pages(path, settings.max_pages, first, last):
                out.append(read_page_content(scan_page(raster), settings))
    except IngestError as exc:
        raise exc.with_path(path)
    return out


def read_page_content(page: Page, settings: Settings) -> PageResult:
    """Flowchart, grid, and OCR (scans) of one page."""
    content = page.content
    notes = list(page.notes)
    graph, rules = flowchart.read_flow(content, settings=settings.flow)
    tables = grid.find_tables(content, rules, settings.grid)
    if page.image is not None:
        from . import ocr, ocrpage

        image = ocrpage.for_ocr(page.image, content.scale, soft=page.soft, bilevel=page.bilevel)
        poor = page.bilevel and page.soft
        notes.extend(ocrpage.fill_words(image, content, tables, graph, ocr.engine(),
                                        max_conf=FAX_CONF if poor else 1.0))
    return PageResult(content.number, content, tables, graph, notes)


# -- pages from a file --------------------------------------------------------

def _pages(path: Path, src: load.SourceFile, settings: Settings,
           stack: ExitStack) -> tuple[int, Iterator[Page]]:
    """The page count and the pages, read one at a time (a 200-page PDF is
    never all in memory); files stay open on `stack` until the caller is done."""
    if src.media_type == "application/pdf":
        pdf = stack.enter_context(load.open_pdf(path, settings.max_pages))
        return len(pdf.pages), _pdf_pages(path, pdf, stack)
    # Frames are decoded one at a time as the pages are read.
    return (load.image_page_count(path),
            (scan_page(f) for f in load.image_pages(path, settings.max_pages)))


def _pdf_pages(path: Path, pdf, stack: ExitStack) -> Iterator[Page]:  # pdf: pdfplumber.PDF
    render = _lazy_renderer(path, stack)
    for i in range(1, len(pdf.pages) + 1):
        page = _pdf_page(path, pdf, i, render)
        if page is not None:
            yield page


def _lazy_renderer(path: Path, stack: ExitStack):
    """A function giving the PDF opened for rendering, opened at the first
    scanned page (born-digital files never need it), once for the file."""
    renderer: list = []

    def render():
        if not renderer:
            renderer.append(stack.enter_context(load.open_for_rendering(path)))
        return renderer[0]

    return render


def _pdf_page(path: Path, pdf, number: int, render) -> Page | None:
    """Page `number` of an open PDF through its route; None for a blank page.
    `render()` gives the file opened for rendering (only scanned pages need it)."""
    page = pdf.pages[number - 1]
    try:
        text = load.reads_from_text_layer(page, render)
        content = textlayer.read_page(page, number) if text else None
        scanned = not text and bool(page.images)
        dpi = load.render_dpi(page) if scanned else None
    except IngestError:
        raise
    except Exception as exc:  # pdfminer fails in many ways on damaged pages
        raise load.page_error(exc, path, number) from None
    finally:
        page.close()  # pdfplumber caches every page's objects otherwise
    if content is not None:
        return Page(content)
    if dpi is not None:
        return scan_page(load.rasterize_pdf_page(render(), path, number, dpi))
    return None  # a blank page, nothing to read


def page_scale(image: np.ndarray, dpi: float | None, found_paper: bool) -> float:
    """Pixels per PDF point of a flattened page.

    A photo's pixels say nothing about inches, so when the paper's outline was
    found the scale comes from the paper: its long side is A4 or F4,
    whichever its aspect ratio is nearer to. A scanner's recorded dpi is
    trusted otherwise, when the page it gives is paper-sized (a 72-dpi
    placeholder is not); else the image is taken to be the whole paper.
    """
    h, w = image.shape[:2]
    if dpi and not found_paper and load.paper_sized(max(h, w) / (dpi / 72)):
        return dpi / 72
    aspect = max(h, w) / max(1, min(h, w))
    paper = "F4" if abs(aspect - 935.4 / 609.4) < abs(aspect - 842 / 595) else "A4"
    return max(h, w) / load.PAPER_LONG_SIDE[paper]


def flat_page(image: np.ndarray) -> flatten.FlattenResult:
    """`flatten`, then the page's way up settled by reading it when the
    letters turned it or could not tell (`orient.settle`). The review page
    shows scans through this too, so its image is the one the boxes are on."""
    from . import orient

    flat = flatten.flatten(image)
    turn = orient.Turn(flat.rotation, flat.rotation_sure)
    if not turn.needs_reading:
        return flat  # checked before the engine is loaded: most pages stop here
    from . import ocr

    try:
        eng = ocr.engine()
    except ocr.OcrUnavailable:
        return flat  # the OCR stage will say so; the letters' answer stands
    img, rotation = orient.settle(flat.image, turn, lambda band: eng.read(band, "block"),
                                  orient.OrientSettings(evened=True))
    if rotation == flat.rotation:
        return flat
    return replace(flat, image=img, rotation=rotation,
                   steps=[*flat.steps, f"settled by reading: turned {rotation}° in all"])


def scan_page(raster: load.RasterPage) -> Page:
    """Pixels -> the page model: flatten, then rules and shapes (words come later)."""
    from . import raster as raster_stage

    bilevel = raster_stage.is_bilevel(raster_stage.to_gray(raster.image), raster_stage.RasterSettings())
    flat = flat_page(raster.image)
    image = flat.image
    scale = page_scale(image, raster.dpi, flat.quad is not None)
    source_scale = scale
    if flat.quad is not None:  # the photo's own pixels on the paper, before unwarp grew them
        q = np.asarray(flat.quad, dtype=float)
        sides = [float(np.hypot(*(q[(i + 1) % 4] - q[i]))) for i in range(4)]
        source_scale = scale * max(sides) / max(image.shape[:2])
    low = MIN_SCALE * (1 - SCALE_SLACK)
    if not low <= scale <= MAX_SCALE:
        import cv2

        target = UPSAMPLE_TO if scale < low else MAX_SCALE
        f = target / scale
        image = cv2.resize(image, None, fx=f, fy=f,
                           interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC)
        scale = target
    content = raster_stage.read_pixels(image, raster.number, scale, bilevel_source=bilevel)
    notes = []
    if flat.rotation:
        notes.append(f"page {raster.number} was turned {flat.rotation} degrees to stand upright")
    return Page(content, image, notes, soft=source_scale < SOFT_BELOW, bilevel=bilevel)


# -- the document -------------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]{3,}")


@dataclass(frozen=True)
class Fingerprint:
    bag: Counter[str]  # the page's words, in any order
    shingles: frozenset[tuple[str, ...]]  # runs of three words, in reading order


def fingerprint(content: PageContent) -> Fingerprint:
    words = sorted(content.words, key=lambda w: (round(w.box.top / (3 * content.scale)), w.box.x0))
    tokens = [t for w in words for t in _TOKEN.findall(w.text.lower())]
    return Fingerprint(Counter(tokens),
                       frozenset(tuple(tokens[i:i + 3]) for i in range(len(tokens) - 2)))


def repeats(fp: Fingerprint, earlier: list[tuple[int, Fingerprint]], settings: "Settings") -> int | None:
    """The earlier page this one repeats (a stack scanned twice), if any.

    Both the words and their order must match: SOP pages printed from one
    template share most of their words (0.9 of them between two identity
    pages of the decree sample) but not their runs of words (0.57 there).
    """
    if sum(fp.bag.values()) < 30:
        return None  # too little text to tell a repeat from a similar page
    for number, other in earlier:
        bag = sum((fp.bag & other.bag).values()) / max(sum(fp.bag.values()), sum(other.bag.values()))
        runs = len(fp.shingles & other.shingles) / max(1, len(fp.shingles | other.shingles))
        if bag >= settings.duplicate_words and runs >= settings.duplicate_runs:
            return number
    return None


def _lay_out(pages: Iterable[PageResult], settings: Settings, warnings: list[str],
            layouts: list, contents: dict, flows: dict) -> set[str]:
    """The pages in order through layout; repeated pages (a stack scanned
    twice) are used once. Returns the routes taken."""
    previous = None
    seen: list[tuple[int, Fingerprint]] = []
    routes: set[str] = set()
    for page in pages:
        content = page.content
        if content is None:
            continue  # a blank page
        warnings.extend(page.notes)
        routes.add(content.route)
        fp = fingerprint(content)
        dup = repeats(fp, seen, settings)
        if dup is not None:
            warnings.append(f"page {content.number} repeats page {dup} and was used once")
            continue
        seen.append((content.number, fp))
        lay = layout.read_page(content, page.tables, previous)
        if lay.procedures:
            previous = lay.procedures[-1]
        elif lay.identity is not None:
            previous = None  # a new SOP: no continuation across it
        layouts.append(lay)
        contents[content.number] = content
        flows[content.number] = page.graph
    return routes


def assemble_document(path: Path, src: load.SourceFile, n_pages: int, pages: Iterable[PageResult],
                      settings: Settings = Settings(), root: Path | None = None) -> SopDocument:
    """A file's pages, in page order, -> its SOP document."""
    warnings: list[str] = []
    layouts, contents, flows = [], {}, {}
    routes = _lay_out(pages, settings, warnings, layouts, contents, flows)
    ocr_pages = {n for n, c in contents.items() if c.route == "ocr"}
    drafts = assemble.group_sops(layouts, ocr_pages)
    sops = [assemble.build_sop(d, flows, contents) for d in drafts]
    for d in drafts:
        warnings.extend(d.warnings)
    if not sops:
        warnings.append("no SOP found in this file: it has no identity block "
                        "(Nomor SOP, Disahkan oleh ...) and no procedure table")
    for n, sop in enumerate(sops, start=1):
        if not sop.steps:
            warnings.append(f"SOP {n} ({sop.identity.title or 'untitled'}): "
                            "no procedure table (No | Kegiatan | Pelaksana) was found")
    source = Source(path=source_path(path, root), sha256=src.sha256, media_type=src.media_type,
                    pages=n_pages, route="ocr" if "ocr" in routes else "text-layer")
    doc = SopDocument(source=source, warnings=warnings, sops=sops)
    return correct.correct_document(doc, vocab.load(settings.vocab), ocr_pages)


__all__ = ["FilePlan", "IngestError", "PageResult", "Settings", "UnreadableFile", "assemble_document",
           "ingest_file", "plan_file", "read_page", "read_pages"]
