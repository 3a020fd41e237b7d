"""Text blocks: wrapped paragraphs, numbered lists, signature blocks.

A block is a list of TextLine; each line knows its height, so cells can be
measured, drawn and split across pages line by line.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from .pdf import Doc, Font, text_width, wrap


@dataclass
class TextLine:
    frags: list[tuple[float, str]]   # (x offset, text)
    font: Font
    height: float = 0.0
    align: str = "left"              # left | center (center uses the block width)

    def __post_init__(self):
        if not self.height:
            self.height = self.font.leading


@dataclass
class Block:
    lines: list[TextLine] = field(default_factory=list)

    @property
    def height(self) -> float:
        return sum(line.height for line in self.lines)

    def __add__(self, other: "Block") -> "Block":
        return Block(self.lines + other.lines)

    def draw(self, doc: Doc, x: float, top: float, width: float) -> float:
        y = top
        for line in self.lines:
            base = y + line.font.ascent()
            for dx, text in line.frags:
                if line.align == "center":
                    doc.text(x + width / 2, base, text, line.font, "center")
                else:
                    doc.text(x + dx, base, text, line.font)
            y += line.height
        return y


def paragraph(text: str, font: Font, width: float, align: str = "left", indent: float = 0.0) -> Block:
    return Block([TextLine([(indent, line)], font, align=align)
                  for line in wrap(text, font.name, font.size, width - indent)])


def gap(height: float, font: Font) -> Block:
    return Block([TextLine([], font, height=height)])


def marker(index: int, style: str) -> str:
    if style == "a.":
        return f"{string.ascii_lowercase[index]}."
    if style == "1)":
        return f"{index + 1})"
    return f"{index + 1}."


def numbered(items: list[str], style: str, font: Font, width: float,
             number_single: bool = True) -> Block:
    """A list with hanging indent: the marker, then the item's wrapped text
    aligned right of the widest marker."""
    if not items:
        return Block()
    if len(items) == 1 and not number_single:
        return paragraph(items[0], font, width)
    # a gap wider than a text extractor's word tolerance (~3 pt) keeps the
    # marker a word of its own, like the tab after a word processor's number
    indent = max(max(text_width(marker(i, style), font.name, font.size) for i in range(len(items))) + 6, 14)
    lines: list[TextLine] = []
    for i, item in enumerate(items):
        for j, text in enumerate(wrap(item, font.name, font.size, width - indent)):
            frags = [(indent, text)]
            if j == 0:
                frags.insert(0, (0.0, marker(i, style)))
            lines.append(TextLine(frags, font))
    return Block(lines)


_RANK = re.compile(r"pembina|penata|pengatur|juru|tk\.?\s*i|tingkat|\(i{1,3}v?\.?[a-e]\)|\biv/|\biii/", re.I)


def name_index(lines: list[str], name: str | None = None) -> int | None:
    """Where the signer's name starts in a signature block (the signature gap
    goes right before it): the line that holds `name`, else the line before
    an optional rank line and the NIP line. None when there is no name."""
    if "" in lines:
        return None  # the data placed the gap itself
    if name:
        for i, line in enumerate(lines):
            if name.strip().lower() in line.lower():
                return i
    nip = next((i for i, line in enumerate(lines) if line.strip().upper().startswith("NIP")), None)
    if nip is None or nip == 0:
        return None
    i = nip - 1
    if i > 0 and _RANK.search(lines[i]):
        i -= 1
    return i if i > 0 else None


def signature(lines: list[str], font: Font, bold: Font, width: float, gap_h: float,
              name: str | None = None, align: str = "left") -> Block:
    """Position lines, a blank gap for the wet signature, then name (bold),
    rank and NIP. An empty string in `lines` marks the gap explicitly."""
    at = name_index(lines, name)
    block = Block()
    for i, line in enumerate(lines):
        if line == "":
            block += gap(gap_h, font)
            continue
        if i == at:
            block += gap(gap_h, font)
        f = bold if at is not None and i == at else font
        block += paragraph(line, f, width, align=align)
    return block
