"""Sample generator: renders SOP descriptions (samples/sopdata/*.yaml) to
born-digital PDFs and builds the golden JSON each PDF should parse to.

`build(yaml_path, pdf_path, source_path)` is the whole pipeline for one
file; `samples/generate.py` is the command line around it.
"""

from __future__ import annotations

from pathlib import Path

from .golden import build_document, parse_duration
from .render import render
from .spec import SpecError, load

FIXTURE = Path(__file__).with_name("fixture.yaml")


def build(yaml_path, pdf_path, source_path: str | None = None):
    """Render `yaml_path` to `pdf_path`; return (SopDocument, warnings).

    `source_path` is what the golden records as source.path (default: the
    PDF path as given)."""
    spec = load(yaml_path)
    result = render(spec, pdf_path)
    data = Path(pdf_path).read_bytes()
    doc = build_document(spec, data, source_path or str(pdf_path), result.pages, result.sop_pages)
    return doc, result.warnings


__all__ = ["FIXTURE", "SpecError", "build", "load", "parse_duration", "render"]
