"""The stages for one input file, in order, in one readable place.

    load ─▶ pages (text layer)  ─▶ flowchart strokes split from rules
         ─▶ grid (tables)       ─▶ layout (identity, sections, rows)
         ─▶ assemble (SOPs, flowchart into steps, normalised values)
         ─▶ SopDocument

Each stage is a module of its own; this one only wires them and adds the
document-level facts (source, warnings). Stages never read files or print:
only `load` touches the disk and only the CLI talks to the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import assemble, flowchart, grid, layout, load, textlayer
from .errors import IngestError, NeedsOcr, UnreadableFile
from .model import SopDocument, Source


@dataclass(frozen=True)
class Settings:
    max_pages: int = 1000  # refuse PDFs longer than this (a misfiled archive box)
    grid: grid.GridSettings = grid.GridSettings()
    flow: flowchart.FlowSettings = flowchart.FlowSettings()


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
        if src.media_type != "application/pdf":
            raise NeedsOcr("photos and scanned images need the OCR route, "
                           "which this version does not have yet", path)
        return _ingest_pdf(path, src, settings, root)
    except IngestError as exc:
        raise exc.with_path(path)


def _ingest_pdf(path: Path, src: load.SourceFile, settings: Settings, root: Path | None) -> SopDocument:
    warnings: list[str] = []
    layouts = []
    contents = {}
    flows = {}
    previous = None
    with load.open_pdf(path, settings.max_pages) as pdf:
        n_pages = len(pdf.pages)
        for i, page in enumerate(pdf.pages, start=1):
            try:
                if not load.has_text_layer(page):
                    if page.images:
                        raise NeedsOcr(f"page {i} is a scanned image without a text layer; "
                                       "scanned pages need the OCR route, which this version "
                                       "does not have yet", path)
                    continue  # a blank page: nothing to read
                content = textlayer.read_page(page, i)
            except IngestError:
                raise
            except Exception as exc:  # pdfminer fails in many ways on damaged pages
                raise load.page_error(exc, path, i) from None
            finally:
                page.close()  # pdfplumber caches every page's objects otherwise
            graph, rules = flowchart.read_flow(content, settings=settings.flow)
            tables = grid.find_tables(content, rules, settings.grid)
            lay = layout.read_page(content, tables, previous)
            if lay.procedures:
                previous = lay.procedures[-1]
            elif lay.identity is not None:
                previous = None  # a new SOP: no continuation across it
            layouts.append(lay)
            contents[i] = content
            flows[i] = graph
    drafts = assemble.group_sops(layouts)
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
                    pages=n_pages, route="text-layer")
    return SopDocument(source=source, warnings=warnings, sops=sops)


__all__ = ["Settings", "ingest_file", "IngestError", "UnreadableFile"]
