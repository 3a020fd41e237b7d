"""The identity block of one SOP (heading, number, dates, approval, title),
one layout per style."""

from __future__ import annotations

from typing import Any

from . import tables
from .blocks import Block, TextLine, paragraph, signature
from .pdf import BOLD, REGULAR, Flow, Font, text_width, wrap
from .styles import PAD


def _prefixed(prefix: str, text: str, font: Font, width: float) -> Block:
    """': value' with wrapped lines aligned after the colon."""
    dx = text_width(prefix, font.name, font.size)
    lines = wrap(text, font.name, font.size, width - dx)
    return Block([TextLine(([(0.0, prefix)] if i == 0 else []) + [(dx, line)], font)
                  for i, line in enumerate(lines)])


def _approval(sop: dict[str, Any], font: Font, bold: Font, width: float, gap_h: float) -> Block:
    name = (sop.get("expected_identity", {}).get("approved_by") or {}).get("name")
    return signature(sop["printed"]["approval_lines"], font, bold, width, gap_h, name)


def _logo(flow: Flow, x: float, top: float, w: float, h: float) -> None:
    """Placeholder for the regional coat of arms: a box with an oval inside
    (real files have a bitmap here; a vector stand-in keeps them small)."""
    flow.doc.rect(x, top, w, h, 0.5)
    flow.doc.ellipse(x + w * 0.18, top + h * 0.12, x + w * 0.82, top + h * 0.88, 0.5, 0.5)


def draw(flow: Flow, sop: dict[str, Any], style: str) -> None:
    {"A": _style_a, "B": _style_b, "C": _style_c, "D": _style_d}[style](flow, sop)


def _style_a(flow: Flow, sop: dict[str, Any]) -> None:
    """Seed 004: bold centred heading, then 'LABEL | : value' rows."""
    labels, printed = sop["labels"], sop["printed"]
    x, width = flow.left, flow.width
    head = Font(BOLD, 11, 14)
    for line in sop["heading"]:
        flow.y = paragraph(line, head, width, align="center").draw(flow.doc, x, flow.y, width)
    flow.y += 10
    font, bold = Font(REGULAR, 9, 11.5), Font(BOLD, 9, 11.5)
    label_w = 130
    cols = [(x, x + label_w), (x + label_w, x + width)]
    value_w = width - label_w - 2 * PAD
    for key in ("number", "created", "revised", "effective"):
        tables.row(flow, cols, [paragraph(labels[key], font, label_w - 2 * PAD),
                                _prefixed(": ", printed[key], font, value_w)], split=False)
    tables.row(flow, cols, [paragraph(labels["approved_by"], font, label_w - 2 * PAD),
                            _approval(sop, font, bold, value_w, 34)], split=False)
    tables.row(flow, cols, [paragraph(labels["title"], font, label_w - 2 * PAD),
                            paragraph(printed["title"], bold, value_w)], split=False)


def _style_b(flow: Flow, sop: dict[str, Any]) -> None:
    """Seeds 000/001: a tall left cell (logo + agency name) beside label |
    value rows; the SOP title in a full-width row below."""
    labels, printed = sop["labels"], sop["printed"]
    x, width = flow.left, flow.width
    font, bold = Font(REGULAR, 9, 11.5), Font(BOLD, 9, 11.5)
    left_w, label_w = 160, 108
    value_w = width - left_w - label_w
    xl, xv = x + left_w, x + left_w + label_w
    rows = [(paragraph(labels[k], font, label_w - 2 * PAD), paragraph(printed[k], font, value_w - 2 * PAD))
            for k in ("number", "created", "revised", "effective")]
    rows.append((paragraph(labels["approved_by"], font, label_w - 2 * PAD),
                 _approval(sop, font, bold, value_w - 2 * PAD, 30)))
    heights = [max(a.height, b.height) + 2 * PAD for a, b in rows]
    head = Block()
    for line in sop["heading"]:
        head += paragraph(line, Font(BOLD, 9.5, 12), left_w - 2 * PAD, align="center")
    logo_h = 56
    left_h = 10 + logo_h + 8 + head.height + PAD
    if left_h > sum(heights):
        heights[-1] += left_h - sum(heights)
    top = flow.y
    _logo(flow, x + (left_w - 48) / 2, top + 10, 48, logo_h)
    head.draw(flow.doc, x + PAD, top + 10 + logo_h + 8, left_w - 2 * PAD)
    flow.cells.append((x, top, xl, top + sum(heights)))
    y = top
    for (label, block), h in zip(rows, heights):
        label.draw(flow.doc, xl + PAD, y + PAD, label_w)
        block.draw(flow.doc, xv + PAD, y + PAD, value_w - 2 * PAD)
        flow.cells += [(xl, y, xv, y + h), (xv, y, x + width, y + h)]
        y += h
    flow.y = y
    title = paragraph(printed["title"], Font(BOLD, 10, 13), width - 2 * PAD, align="center")
    tables.row(flow, [(x, x + width)], [title], split=False, min_height=title.height + 12, valign="middle")


def _style_c(flow: Flow, sop: dict[str, Any]) -> None:
    """Landscape: a logo band with the heading, then two label/value pairs
    per row, then title and approval rows spanning the width."""
    labels, printed = sop["labels"], sop["printed"]
    x, width = flow.left, flow.width
    font, bold = Font(REGULAR, 8.5, 11), Font(BOLD, 8.5, 11)
    logo_w = 80
    head = Block()
    for line in sop["heading"]:
        head += paragraph(line, Font(BOLD, 11, 14), width - logo_w - 2 * PAD, align="center")
    band_h = max(head.height + 2 * PAD + 8, 62)
    top = flow.y
    _logo(flow, x + (logo_w - 44) / 2, top + (band_h - 50) / 2, 44, 50)
    head.draw(flow.doc, x + logo_w + PAD, top + (band_h - head.height) / 2, width - logo_w - 2 * PAD)
    flow.cells += [(x, top, x + logo_w, top + band_h), (x + logo_w, top, x + width, top + band_h)]
    flow.y = top + band_h
    label_w = 110
    value_w = (width - 2 * label_w) / 2
    xs = [x, x + label_w, x + label_w + value_w, x + 2 * label_w + value_w, x + width]
    pairs = list(zip(xs, xs[1:]))
    for a, b in (("number", "created"), ("revised", "effective")):
        tables.row(flow, pairs, [paragraph(labels[a], bold, label_w - 2 * PAD),
                                 paragraph(printed[a], font, value_w - 2 * PAD),
                                 paragraph(labels[b], bold, label_w - 2 * PAD),
                                 paragraph(printed[b], font, value_w - 2 * PAD)], split=False)
    wide = [(x, x + label_w), (x + label_w, x + width)]
    rest_w = width - label_w - 2 * PAD
    tables.row(flow, wide, [paragraph(labels["title"], bold, label_w - 2 * PAD),
                            paragraph(printed["title"], Font(BOLD, 9.5, 12), rest_w)], split=False)
    tables.row(flow, wide, [paragraph(labels["approved_by"], bold, label_w - 2 * PAD),
                            _approval(sop, font, bold, rest_w, 28)], split=False)


def _style_d(flow: Flow, sop: dict[str, Any]) -> None:
    """A word processor's free text: bold centred heading lines, then
    'LABEL<tab>: value' lines with the colons on one tab stop and no ruling;
    the approval block as lines under 'DISAHKAN OLEH :' at the value's
    indent."""
    labels, printed = sop["labels"], sop["printed"]
    x, width = flow.left, flow.width
    head = Font(BOLD, 11, 14.5)
    for line in sop["heading"]:
        block = paragraph(line, head, width, align="center")
        flow.need(block.height)
        flow.y = block.draw(flow.doc, x, flow.y, width)
    flow.y += 16
    font, bold = Font(REGULAR, 9.5, 13), Font(BOLD, 9.5, 13)
    keys = ("number", "created", "revised", "effective", "approved_by", "title")
    names = {k: labels[k].strip().rstrip(":").strip().upper() for k in keys}
    tab = max(130.0, max(text_width(n, font.name, font.size) for n in names.values()) + 14)
    colon_w = text_width(": ", font.name, font.size)
    vx = x + tab + colon_w
    value_w = x + width - vx

    def labelled(key: str, value: Block) -> None:
        first = value.lines[0].height if value.lines else font.leading
        flow.need(first)
        top = flow.y
        flow.doc.text(x, top + font.ascent(), names[key], font)
        flow.doc.text(x + tab, top + font.ascent(), ":", font)
        for line in value.lines:
            flow.need(line.height)
            flow.y = Block([line]).draw(flow.doc, vx, flow.y, value_w)
        if not value.lines:
            flow.y = top + font.leading
        flow.y += 3

    for key in ("number", "created", "revised", "effective"):
        labelled(key, paragraph(printed[key], font, value_w))
    labelled("approved_by", Block())
    approval = _approval(sop, font, bold, value_w, 30)
    for line in approval.lines:
        flow.need(line.height)
        flow.y = Block([line]).draw(flow.doc, vx, flow.y, value_w)
    flow.y += 6
    if names["title"]:
        labelled("title", paragraph(printed["title"], bold, value_w))
    else:  # no label printed: the title as a bold centred line of its own
        flow.y += 6
        block = paragraph(printed["title"], Font(BOLD, 10.5, 14), width, align="center")
        flow.need(block.height)
        flow.y = block.draw(flow.doc, x, flow.y, width)
