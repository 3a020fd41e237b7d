"""Where one page's time goes, by pipeline stage, from a pyinstrument profile.

Every sampled moment is charged to the innermost frame of our own code
(`ingest/*.py`) on its stack: time inside numpy, OpenCV, pdfminer or
Tesseract counts for the stage that called it. Tesseract's recognition is
split out of the OCR stage (the call that hands a crop to the engine), so
the table shows how much of OCR is the engine and how much is ours.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

# module of ingest/ -> stage, in pipeline order (README "How it works").
STAGES: dict[str, str] = {
    "load": "load (open; pdfminer parse; render)",
    "textlayer": "text layer",
    "flatten": "flatten (outline, deskew, light)",
    "orient": "flatten (outline, deskew, light)",
    "raster": "raster (rules, shapes)",
    "flowchart": "flowchart",
    "grid": "grid",
    "ocrpage": "OCR: crops, cleaning, ink checks",
    "ocr": "OCR: crops, cleaning, ink checks",
    "layout": "layout",
    "assemble": "assemble + normalise",
    "normalize": "assemble + normalise",
    "model": "assemble + normalise",
    "primitives": "page model helpers",
    "pipeline": "pipeline wiring",
}
TESSERACT = "OCR: Tesseract recognition"
OUTSIDE = "outside the pipeline"
# Functions whose own time (the C call into Tesseract) is the engine's.
_ENGINE_CALLS = {("ocr", "_recognise")}


def stage_of(file_path: str | None, function: str | None) -> str | None:
    """The stage of one frame, or None when the frame is not our code."""
    if not file_path:
        return None
    p = PurePath(file_path)
    if p.parent.name != "ingest" or p.suffix != ".py":
        return None
    module = p.stem
    if (module, function) in _ENGINE_CALLS:
        return TESSERACT
    return STAGES.get(module)


def _walk(frame: Any, stage: str) -> Iterator[tuple[str, float]]:
    own = stage_of(getattr(frame, "file_path", None), getattr(frame, "function", None)) or stage
    children = list(frame.children)
    # The frame's exclusive time: each moment is counted once, in the
    # deepest frame that holds it (pyinstrument's "[self]" leaves included).
    yield own, float(frame.time) - sum(float(c.time) for c in children)
    for child in children:
        yield from _walk(child, own)


def by_stage(root: Any) -> dict[str, float]:
    """Seconds per stage over a profile's frame tree (pyinstrument `Frame`s:
    `file_path`, `function`, `time`, `children`), largest first."""
    totals: dict[str, float] = {}
    if root is None:
        return totals
    for stage, seconds in _walk(root, OUTSIDE):
        if seconds > 0:
            totals[stage] = totals.get(stage, 0.0) + seconds
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))
