"""Ruled rows for the identity table, section grids and the small tables
(decree index, symbol legend). The procedure table has its own module."""

from __future__ import annotations

from .blocks import Block
from .pdf import Flow
from .styles import PAD


def _fit(block: Block, height: float) -> int:
    """How many of the block's lines fit in `height`."""
    used, n = 0.0, 0
    for line in block.lines:
        if used + line.height > height + 0.01:
            break
        used += line.height
        n += 1
    return n


def row(flow: Flow, columns: list[tuple[float, float]], blocks: list[Block],
        shade: float | None = None, min_height: float = 0.0, split: bool = True,
        valign: str = "top") -> None:
    """One table row: each block in its column, ruled all round.

    A row taller than the space left is split line by line (the rest goes
    into a row at the top of the next page), as a word processor does with
    rows allowed to break across pages.
    """
    height = max(min_height, max(b.height for b in blocks) + 2 * PAD)
    if height > flow.room() and not flow.fresh():
        fits_some = any(_fit(b, flow.room() - 2 * PAD) > 0 for b in blocks)
        if not split or not fits_some:
            flow.page()
    if height > flow.room() and split:
        room = flow.room() - 2 * PAD
        heads = [Block(b.lines[:_fit(b, room)]) for b in blocks]
        rests = [Block(b.lines[_fit(b, room):]) for b in blocks]
        _draw(flow, columns, heads, flow.room(), shade, valign)
        flow.page()
        row(flow, columns, rests, shade, 0.0, split, valign)
        return
    _draw(flow, columns, blocks, height, shade, valign)


def _draw(flow: Flow, columns, blocks, height, shade, valign) -> None:
    top = flow.y
    for (x0, x1), block in zip(columns, blocks):
        if shade is not None:
            flow.doc.rect(x0, top, x1 - x0, height, 0, fill_gray=shade, stroke=False)
        y = top + PAD
        if valign == "middle":
            y = top + (height - block.height) / 2
        block.draw(flow.doc, x0 + PAD, y, x1 - x0 - 2 * PAD)
        flow.cells.append((x0, top, x1, top + height))
    flow.y = top + height
