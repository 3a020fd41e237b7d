"""The six sections under the identity block (Dasar Hukum ... Pencatatan dan
Pendataan), one layout per style."""

from __future__ import annotations

from typing import Any

from . import tables
from .blocks import Block, numbered, paragraph
from .pdf import BOLD, REGULAR, Flow, Font
from .styles import PAD

ORDER = ("legal_basis", "qualifications", "related_sops", "equipment", "warnings", "records")


def _items(sop: dict[str, Any], key: str) -> list[str]:
    if key == "legal_basis":
        return [item["text"] for item in sop["legal_basis"]]
    return sop[key]


def draw(flow: Flow, sop: dict[str, Any], style: str) -> None:
    if style == "A":
        _grid(flow, sop, per_row=2, font=Font(REGULAR, 9, 11.5), bold=Font(BOLD, 9, 11.5),
              shade=None, number_single=False)
    elif style == "B":
        _stacked(flow, sop)
    elif style == "D":
        _headed(flow, sop)
    else:
        flow.y += 10
        _grid(flow, sop, per_row=3, font=Font(REGULAR, 8.5, 11), bold=Font(BOLD, 8.5, 11),
              shade=0.88, number_single=False)


def _grid(flow: Flow, sop, per_row: int, font: Font, bold: Font, shade, number_single: bool) -> None:
    """A ruled grid: a label row, then the content row, `per_row` sections
    side by side (seed 004 has two)."""
    labels, marker = sop["section_labels"], sop["list_marker"]
    col_w = flow.width / per_row
    cols = [(flow.left + i * col_w, flow.left + (i + 1) * col_w) for i in range(per_row)]
    for start in range(0, len(ORDER), per_row):
        keys = ORDER[start:start + per_row]
        heads = [paragraph(labels[k], bold, col_w - 2 * PAD) for k in keys]
        bodies = [numbered(_items(sop, k), marker, font, col_w - 2 * PAD, number_single) for k in keys]
        # keep the label row with at least the first content lines
        flow.need(max(h.height for h in heads) + 2 * PAD + 3 * font.leading + 2 * PAD)
        tables.row(flow, cols, heads, shade=shade, split=False)
        tables.row(flow, cols, bodies, min_height=font.leading + 2 * PAD)


def _stacked(flow: Flow, sop) -> None:
    """Bold headings with their lists below, no ruling (seed 001's look
    without its table)."""
    labels, marker = sop["section_labels"], sop["list_marker"]
    font, bold = Font(REGULAR, 9, 11.5), Font(BOLD, 9.5, 12)
    x, width = flow.left, flow.width
    flow.y += 12
    for key in ORDER:
        head = paragraph(labels[key], bold, width)
        body = numbered(_items(sop, key), marker, font, width - 10, number_single=True)
        flow.need(head.height + (body.lines[0].height if body.lines else 0))
        flow.y = head.draw(flow.doc, x, flow.y, width) + 1
        for line in body.lines:
            flow.need(line.height)
            flow.y = Block([line]).draw(flow.doc, x + 10, flow.y, width - 10)
        flow.y += 7


def _headed(flow: Flow, sop) -> None:
    """Style D: one column of upper-case headings with a colon ("DASAR
    HUKUM :"), each list lettered a., b., ... with a hanging indent; an
    empty section prints "-"."""
    labels = sop["section_labels"]
    font, bold = Font(REGULAR, 9.5, 12.5), Font(BOLD, 9.5, 12.5)
    x, width, indent = flow.left, flow.width, 16
    flow.y += 14
    for key in ORDER:
        name = labels[key].strip().rstrip(":").strip().upper() + " :"
        head = paragraph(name, bold, width)
        items = _items(sop, key)
        body = numbered(items, "a.", font, width - indent) if items else paragraph("-", font, width - indent)
        flow.need(head.height + (body.lines[0].height if body.lines else 0))
        flow.y = head.draw(flow.doc, x, flow.y, width) + 2
        for line in body.lines:
            flow.need(line.height)
            flow.y = Block([line]).draw(flow.doc, x + indent, flow.y, width - indent)
        flow.y += 9
