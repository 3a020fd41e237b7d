"""The three visual styles.

A: like seed 004 (a BKPSDM decree annex): "LABEL | : value" identity table,
   two-column ruled section grid, header rows repeated, "Halaman N" footer.
B: like seeds 000/001: identity table with a tall logo/agency cell on the
   left, sections as stacked headings, header rows repeated, long rows split
   across the page break, signature block and symbol legend at the end.
C: a landscape identity page with a logo band and label/value pairs side by
   side, three-column shaded section grid, header rows NOT repeated.
D: the hold-out style no committed sample uses (for checking that the
   pipeline generalises): a Word-export look. Everything portrait; identity
   as free "LABEL : value" lines without ruling; sections as "DASAR HUKUM :"
   headings with a./b. lists; table borders as thin filled rectangles, one
   per cell edge; header label variants ("Uraian Prosedur", "Mutu Buku",
   "Persyaratan/Perlengkapan", "Ket"), header rows NOT repeated; symbols as
   explicit white-filled paths; exit labels on the other side of the exit
   line than A; off-page connectors numbered 1, 2, ...
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Style:
    name: str
    identity_landscape: bool
    body_size: float            # table body text
    header_size: float          # table header text
    rule_width: float           # table rules
    flow_width: float           # symbol outlines, arrows, joining lines
    sym_h: float                # terminator / process height
    dec_h: float                # decision diamond height
    sym_frac: float             # symbol width as a fraction of the role column
    yes_no: tuple[str, str]     # decision exit labels
    number_suffix: str          # "1" or "1."
    repeat_header: bool         # header rows on continuation pages
    split_rows: bool            # split a row across the page break
    footer: str | None          # page footer template
    legend: bool                # symbol legend after the last SOP
    header_shade: float | None  # gray fill of header cells, None for none
    # fixed procedure columns (pt): no, activity, requirements, duration, output, note
    columns: dict[str, float] = field(default_factory=dict)
    margins: tuple[float, float, float, float] = (36, 36, 36, 36)  # left, top, right, bottom
    family: str = "Vera"        # font family (pdf.FAMILIES)
    procedure_landscape: bool = True
    min_role_w: float = 48.0    # narrower role columns leave no room for arrows beside the symbols
    rules_as_rects: bool = False        # table borders as filled rectangles (Word export)
    table_labels: dict[str, str] = field(default_factory=dict)  # overrides the YAML's header labels
    path_symbols: bool = False  # symbols as explicit white-filled paths, stroked arrowheads
    labels_mirrored: bool = False  # exit labels on the other side of the exit line than A
    connector_digits: bool = False  # off-page connectors 1, 2, ... instead of A, B, ...


STYLES = {
    "A": Style(
        name="A", identity_landscape=False, body_size=8, header_size=8, rule_width=0.5,
        flow_width=0.8, sym_h=15, dec_h=19, sym_frac=0.62, yes_no=("Ya", "Tidak"),
        number_suffix="", repeat_header=True, split_rows=False, footer="Halaman {n}",
        legend=False, header_shade=None,
        columns={"no": 24, "activity": 160, "requirements": 95, "duration": 58, "output": 95, "note": 70},
        margins=(36, 34, 36, 44), family="DejaVuSerif"),
    "B": Style(
        name="B", identity_landscape=False, body_size=8.5, header_size=8.5, rule_width=0.75,
        flow_width=1.0, sym_h=16, dec_h=20, sym_frac=0.66, yes_no=("Y", "T"),
        number_suffix=".", repeat_header=True, split_rows=True, footer=None,
        legend=True, header_shade=None,
        columns={"no": 26, "activity": 168, "requirements": 96, "duration": 60, "output": 96, "note": 72},
        margins=(40, 36, 40, 36)),
    "C": Style(
        name="C", identity_landscape=True, body_size=7.5, header_size=7.5, rule_width=0.6,
        flow_width=0.75, sym_h=14, dec_h=18, sym_frac=0.60, yes_no=("Ya", "Tdk"),
        number_suffix="", repeat_header=False, split_rows=False, footer=None,
        legend=False, header_shade=0.85,
        columns={"no": 22, "activity": 160, "requirements": 90, "duration": 60, "output": 90, "note": 72},
        margins=(34, 30, 34, 30), family="DejaVuSans"),
    "D": Style(
        name="D", identity_landscape=False, body_size=7, header_size=7, rule_width=0.6,
        flow_width=0.75, sym_h=12, dec_h=16, sym_frac=0.62, yes_no=("Ya", "Tidak"),
        number_suffix=".", repeat_header=False, split_rows=False, footer=None,
        legend=False, header_shade=None,
        columns={"no": 20, "activity": 104, "requirements": 62, "duration": 42, "output": 62, "note": 40},
        margins=(30, 36, 30, 36), family="DejaVuSans", procedure_landscape=False, min_role_w=40.0,
        rules_as_rects=True,
        table_labels={"activity": "Uraian Prosedur", "quality": "Mutu Buku",
                      "requirements": "Persyaratan/Perlengkapan", "note": "Ket"},
        path_symbols=True, labels_mirrored=True, connector_digits=True),
}

PAD = 3.0          # cell padding
MIN_HEADER_SIZE = 5.5  # header text shrinks to fit a narrow column, down to this size
MAX_ROLE_W = 84.0
