"""What surrounds the SOPs: the decree (preamble, its signature block, the
index table), the signature block after a procedure table, and the symbol
legend ("KETERANGAN SIMBOL", seed 000) that some files end with."""

from __future__ import annotations

from typing import Any

from . import tables
from .blocks import Block, paragraph, signature
from .flowchart import _arrow, _connector
from .pdf import BOLD, REGULAR, Doc, Flow, Font

DECREE_MARGINS = (62, 50, 52, 56)
BODY = Font(REGULAR, 10, 13.5)
BODY_BOLD = Font(BOLD, 10, 13.5)


def _kop(text: str) -> bool:
    """Upper-case letterhead and title lines are bold."""
    letters = [c for c in text if c.isalpha()]
    return len(text) < 120 and bool(letters) and all(c.isupper() for c in letters)


def _head_zone(paragraphs: list[str]) -> int:
    """How many leading paragraphs form the centred letterhead and title:
    everything before the first considerations ('Menimbang : ...') or the
    first long paragraph."""
    for i, text in enumerate(paragraphs):
        if len(text) > 100 or text.startswith(("Menimbang", "Mengingat", "Memperhatikan", "Menetapkan")):
            return i
    return 0


def decree(doc: Doc, spec: dict[str, Any], rule_width: float) -> None:
    flow = None
    for n, page in enumerate(spec.get("preamble") or []):
        if flow is None:
            flow = Flow(doc, False, DECREE_MARGINS, rule_width)
        else:
            flow.page()
        head = _head_zone(page) if n == 0 else 0
        for k, text in enumerate(page):
            centred = k < head or _kop(text)
            block = paragraph(text, BODY_BOLD if _kop(text) else BODY, flow.width,
                              align="center" if centred else "left")
            for line in block.lines:
                flow.need(line.height)
                flow.y = Block([line]).draw(doc, flow.left, flow.y, flow.width)
            flow.y += 6
    lines = spec.get("preamble_signature") or []
    if lines:
        if flow is None:
            flow = Flow(doc, False, DECREE_MARGINS, rule_width)
        width = flow.width * 0.48
        block = signature(lines, BODY, BODY_BOLD, width, 44)
        flow.y += 14
        flow.need(block.height)
        flow.y = block.draw(doc, flow.left + flow.width - width, flow.y, width)
    index = spec.get("index_table")
    if index:
        flow = Flow(doc, False, DECREE_MARGINS, rule_width) if flow is None else flow
        if flow is not None and not flow.fresh():
            flow.page()
        _index_table(flow, index)
    if flow is not None:
        flow.flush()


def _index_table(flow: Flow, index: dict[str, Any]) -> None:
    font, bold = Font(REGULAR, 9.5, 12.5), Font(BOLD, 9.5, 12.5)
    n = len(index["header"])
    # number column narrow, the title column wide, the rest equal
    weights = [0.09] + [0.6] + [0.31] if n == 3 else [1 / n] * n
    xs = [flow.left]
    for w in weights:
        xs.append(xs[-1] + w * flow.width)
    cols = list(zip(xs, xs[1:]))
    tables.row(flow, cols, [paragraph(h, bold, b - a - 6, align="center") for h, (a, b) in zip(index["header"], cols)],
               split=False, valign="middle")
    for r in index["rows"]:
        tables.row(flow, cols, [paragraph(str(v), font, b - a - 6, align="center" if i != 1 else "left")
                                for i, (v, (a, b)) in enumerate(zip(r, cols))], split=False)


# -- after the procedure table ----------------------------------------

SIG_W = 240
SIG_FONT, SIG_BOLD = Font(REGULAR, 9, 11.5), Font(BOLD, 9, 11.5)


def signature_block(lines: list[str]) -> Block:
    return signature(lines, SIG_FONT, SIG_BOLD, SIG_W, 36, align="center")


LEGEND_NAMES = ["Kapsul/Terminator", "Kotak/Process", "Belah Ketupat/Decision", "Panah/arrow",
                "Segi lima/off-page connector"]
LEGEND_MEANING = ["Mulai/Berakhir", "Proses/eksekusi", "Pengambilan Keputusan", "Arah Proses",
                  "Hubungan antar simbol yang berbeda halaman"]
LEGEND_FONT, LEGEND_BOLD = Font(REGULAR, 8, 10), Font(BOLD, 8, 10)
LEGEND_COLS = [78] + [98] * 5
LEGEND_SYMBOL_ROW = 30


def legend_height() -> float:
    def h(texts, font):
        return max(paragraph(t, font, w - 6).height for t, w in zip(texts, LEGEND_COLS)) + 6
    return (h(["KETERANGAN SIMBOL"], LEGEND_BOLD) + h(["Nama Simbol"] + LEGEND_NAMES, LEGEND_FONT)
            + LEGEND_SYMBOL_ROW + h(["Makna"] + LEGEND_MEANING, LEGEND_FONT))


def legend(doc: Doc, x: float, top: float, rule_width: float, flow_width: float,
           landscape_page: bool = True) -> float:
    """The symbol legend table of seed 000: names, the drawn symbols, meanings."""
    flow = Flow(doc, landscape_page, (x, 0, 0, 0), rule_width, start_at=top)
    xs = [x]
    for w in LEGEND_COLS:
        xs.append(xs[-1] + w)
    cols = list(zip(xs, xs[1:]))

    def cells(texts, font):
        return [paragraph(t, font, b - a - 6, align="center") for t, (a, b) in zip(texts, cols)]

    tables.row(flow, [(xs[0], xs[-1])], [paragraph("KETERANGAN SIMBOL", LEGEND_BOLD, xs[-1] - xs[0] - 6,
                                                    align="center")], split=False)
    tables.row(flow, cols, cells(["Nama Simbol"] + LEGEND_NAMES, LEGEND_FONT), split=False)
    sym_top = flow.y
    tables.row(flow, cols, cells(["Simbol", "", "", "", "", ""], LEGEND_FONT), split=False,
               min_height=LEGEND_SYMBOL_ROW, valign="middle")
    cy = sym_top + LEGEND_SYMBOL_ROW / 2
    w, h = 44, 15
    centres = [(a + b) / 2 for a, b in cols[1:]]
    doc.round_rect(centres[0] - w / 2, cy - h / 2, w, h, h / 2, flow_width)
    doc.rect(centres[1] - w / 2, cy - h / 2, w, h, flow_width)
    doc.path([(centres[2], cy - 10), (centres[2] + w / 2, cy), (centres[2], cy + 10),
              (centres[2] - w / 2, cy)], flow_width, close=True)
    _arrow(doc, [(centres[3] - 22, cy), (centres[3] + 22, cy)], flow_width)
    _connector(doc, centres[4], cy - 6, "", flow_width)
    tables.row(flow, cols, cells(["Makna"] + LEGEND_MEANING, LEGEND_FONT), split=False)
    flow.flush()
    return flow.y
