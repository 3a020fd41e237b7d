"""Render one sample description to a PDF and return what the golden needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reportlab.lib.pagesizes import A4, landscape

from . import extras, identity, sections
from .flowchart import Flowchart
from .pdf import WARNINGS, Doc, Flow, use_family
from .procedure import draw_page, paginate
from .styles import STYLES

# margins of the identity/sections pages (portrait for A and B)
IDENTITY_MARGINS = {"A": (56, 48, 50, 50), "B": (45, 40, 45, 40), "D": (64, 50, 56, 50)}


@dataclass
class Rendered:
    pages: int
    sop_pages: list[list[int]]
    warnings: list[str] = field(default_factory=list)


def render(spec: dict[str, Any], pdf_path) -> Rendered:
    st = STYLES[spec["style"]]
    use_family(st.family)
    doc = Doc(pdf_path, footer=st.footer)
    doc.rules_as_rects = st.rules_as_rects
    WARNINGS.clear()
    warnings: list[str] = []
    if spec.get("preamble") or spec.get("index_table") or spec.get("preamble_signature"):
        extras.decree(doc, spec, st.rule_width)
    sop_pages = []
    page_w, page_h = landscape(A4) if st.procedure_landscape else A4
    for k, sop in enumerate(spec["sops"]):
        flow = Flow(doc, st.identity_landscape, IDENTITY_MARGINS.get(st.name, st.margins), st.rule_width)
        identity.draw(flow, sop, st.name)
        sections.draw(flow, sop, st.name)
        flow.flush()
        first = flow.pages[0]

        # what follows the table must fit on its last page (see procedure.py)
        sig = extras.signature_block(sop["signature_lines"]) if sop["signature_lines"] else None
        with_legend = st.legend and k == len(spec["sops"]) - 1
        tail = (14 + sig.height if sig else 0) + (14 + extras.legend_height() if with_legend else 0)
        layout = paginate(sop, st, page_w, page_h, tail)
        chart = Flowchart(sop, layout, st)
        for p, page in enumerate(layout.pages):
            doc.new_page(landscape_page=st.procedure_landscape)
            page.page_no = doc.page
            draw_page(doc, layout, page, st)
            chart.draw(doc, p)
        y = layout.bottom
        if sig:
            y = sig.draw(doc, layout.cols.right - extras.SIG_W, y + 14, extras.SIG_W)
        if with_legend:
            extras.legend(doc, layout.cols.left, y + 14, st.rule_width, st.flow_width,
                          st.procedure_landscape)
        warnings += [f"{sop['expected_identity'].get('title')}: {w}" for w in chart.warnings]
        sop_pages.append(list(range(first, doc.page + 1)))
    doc.save()
    warnings += list(dict.fromkeys(WARNINGS))
    return Rendered(doc.page, sop_pages, warnings)
