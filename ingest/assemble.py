"""Assemble: the pages' layouts and flowcharts -> SOPs in the contract.

- An identity block starts a new SOP; sections, procedure rows and a
  signature that follow belong to it (a decree's own pages, before any
  identity block and without a procedure table, belong to none).
- A body row without a step number continues the step above it (a row split
  over a page break); its texts are appended, its band kept for symbols.
- Symbols are placed by geometry: the step whose row band holds the symbol's
  centre, the role column holding it. Arrows between symbols give `next`;
  an arrow into an off-page connector continues from the connector with the
  same label on a later page (or, unlabelled, the next one in reading order).
- Texts are normalised here (Waktu, dates, NIP, lists, legal basis) so a
  reader finds every JSON field's origin in this one step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from . import normalize as nz
from .flowchart import FlowGraph, Symbol
from .layout import Field, IdentityBlock, PageLayout, Procedure, Row
from .model import ApprovedBy, Branches, Evidence, Identity, Sop, Step
from .primitives import BBox, PageContent

SECTION_KEYS = ("legal_basis", "qualifications", "related_sops", "equipment", "warnings", "records")
STEP_TEXTS = ("activity", "requirements", "duration", "output", "note")

# Confidence of structure read from drawings (the text itself carries its own).
CONF_NO_SYMBOL = 0.5  # no symbol in any role column: actors unknown
CONF_GUESSED_NEXT = 0.6  # no arrow leaves the step: next assumed to be the following step
CONF_UNLABELLED_EXIT = 0.7  # a decision exit without a Ya/Tidak label
CONF_GUESSED_NO = 0.6  # the step's number was unreadable: taken as the one after the last


@dataclass
class StepDraft:
    no: int
    texts: dict[str, list[tuple[int, Field]]] = field(default_factory=dict)  # (page, field)
    guessed_no: bool = False
    bands: list[tuple[int, BBox, Procedure]] = field(default_factory=list)  # page, row band, table

    def add(self, row: Row, proc: Procedure) -> None:
        for key, f in row.texts.items():
            if f.text.strip():
                self.texts.setdefault(key, []).append((row.page, f))
        self.bands.append((row.page, row.box, proc))

    def text(self, key: str) -> str | None:
        parts = [f.text for _, f in self.texts.get(key, [])]
        return nz.clean_text("\n".join(parts)) if parts else None


@dataclass
class SopDraft:
    identity: IdentityBlock | None = None
    identity_page: int | None = None
    sections: dict[str, tuple[int, Field]] = field(default_factory=dict)
    roles: list[str] = field(default_factory=list)
    role_fields: list[tuple[int, Field | None]] = field(default_factory=list)  # (page, heading cell)
    steps: list[StepDraft] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)
    pages: set[int] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


# -- grouping pages into SOPs -----------------------------------------------

def group_sops(layouts: Sequence[PageLayout], ocr_pages: frozenset[int] | set[int] = frozenset()
               ) -> list[SopDraft]:
    """Pages' layouts -> SOP drafts. `ocr_pages`: the pages read by OCR, whose
    step numbers may be misread (a text layer's are as printed, typos too)."""
    drafts: list[SopDraft] = []
    cur: SopDraft | None = None
    for lay in layouts:
        if lay.identity is not None:
            cur = SopDraft(identity=lay.identity, identity_page=lay.page)
            drafts.append(cur)
            cur.pages.add(lay.page)
        elif lay.procedures or len(lay.sections) >= 2:
            # No identity block on the page, but SOP content: it opens a new
            # SOP when none is open, or when the open one already has its
            # steps (sections come before the table, so they begin the next).
            if cur is None or (cur.steps and len(lay.sections) >= 2):
                cur = SopDraft()
                drafts.append(cur)
        if cur is None:
            continue
        if lay.identity is None and lay.lead is not None and not cur.steps and cur.sections:
            # A section ran over the page break: its text opens this page.
            key, (page, f) = max(cur.sections.items(), key=lambda kv: (kv[1][0], kv[1][1].box.bottom))
            cur.sections[key] = (page, Field(f.text + "\n" + lay.lead.text, f.box, min(f.conf, lay.lead.conf)))
            cur.pages.add(lay.page)
        for key, f in lay.sections.items():
            if key not in cur.sections and (f.text.strip() or cur.identity_page == lay.page):
                cur.sections[key] = (lay.page, f)
                cur.pages.add(lay.page)
        for proc in lay.procedures:
            cur.pages.add(lay.page)
            if proc.roles and not cur.roles:
                cur.roles = [nz.clean_role(r) for r in proc.roles]
                cur.role_fields = [(lay.page, f) for f in proc.role_fields]
            for r, row in enumerate(proc.rows):
                guess = cur.steps[-1].no + 1 if cur.steps else 1
                later = proc.rows[r + 1:]
                # Its own row with something printed as its number: the next
                # step, not a continuation (those leave No blank); before any
                # step, the first ("1." read as "i"). Or, on an OCR page,
                # between step n-1 and step n+1 a number that is not n was
                # misread ("7" read as "1" at 200 dpi): it is n.
                unread = row.no is None and row.unread_no and _fits_sequence(later, guess)
                misread = (row.no is not None and row.no != guess and lay.page in ocr_pages
                           and _next_number(later) == (guess + 1, 0))
                if unread or misread:
                    step = StepDraft(no=guess, guessed_no=True)
                    step.add(row, proc)
                    cur.steps.append(step)
                elif row.no is None and cur.steps:
                    cur.steps[-1].add(row, proc)
                elif row.no is not None:
                    step = StepDraft(no=row.no)
                    step.add(row, proc)
                    cur.steps.append(step)
                else:
                    cur.warnings.append(f"page {lay.page}: a row without a number before "
                                        "the first step was ignored")
        if lay.signature and (lay.procedures or not cur.signature):
            cur.signature = lay.signature
    return drafts


def _next_number(later: Sequence[Row]) -> tuple[int | None, int]:
    """The next readable step number in the table (None at its end), and how
    many rows with an unreadable one come before it."""
    unread = 0
    for row in later:
        if row.no is not None:
            return row.no, unread
        unread += row.unread_no
    return None, unread


def _fits_sequence(later: Sequence[Row], guess: int) -> bool:
    """Whether an unreadable No can be `guess`: the next readable number in
    the table, if any, leaves room for it and for the unreadable ones
    between (a sub-heading such as "A." in the No column is followed by
    the number it would have taken)."""
    nxt, unread = _next_number(later)
    return nxt is None or nxt - guess - 1 >= unread


# -- the flowchart in the table ---------------------------------------------

SymKey = tuple[int, int]  # (page, index in that page's FlowGraph.symbols)


@dataclass
class Placement:
    step_of: dict[SymKey, int]  # symbol -> step index in SopDraft.steps
    role_of: dict[SymKey, int]  # symbol -> role index


def place_symbols(steps: Sequence[StepDraft], flows: dict[int, FlowGraph]) -> Placement:
    step_of: dict[SymKey, int] = {}
    role_of: dict[SymKey, int] = {}
    for si, st in enumerate(steps):
        for page, band, proc in st.bands:
            graph = flows.get(page)
            if graph is None:
                continue
            for k, sym in enumerate(graph.symbols):
                if not band.contains(sym.box.cx, sym.box.cy):
                    continue
                role = _role_column(sym, proc)
                if role is None:
                    continue
                step_of[(page, k)] = si
                role_of[(page, k)] = role
    return Placement(step_of, role_of)


def _role_column(sym: Symbol, proc: Procedure) -> int | None:
    for i, (x0, x1) in enumerate(proc.role_spans):
        if x0 <= sym.box.cx < x1:
            return i
    return None


def _connector_pairs(flows: dict[int, FlowGraph], keys: Sequence[SymKey]) -> dict[SymKey, SymKey]:
    """Out-connector (has arrows in) -> in-connector (has arrows out) on a later page."""
    incoming = {(p, a.target) for p, g in flows.items() for a in g.arrows}
    outgoing = {(p, a.source) for p, g in flows.items() for a in g.arrows}
    conns = [k for k in keys if flows[k[0]].symbols[k[1]].kind == "connector"]
    outs = [k for k in conns if k in incoming and k not in outgoing]
    ins = [k for k in conns if k in outgoing and k not in incoming]
    pairs: dict[SymKey, SymKey] = {}
    free_ins = sorted(ins)
    for o in sorted(outs):
        label = flows[o[0]].symbols[o[1]].label.strip().lower()
        later = [i for i in free_ins if i[0] > o[0]]
        match = next((i for i in later if label and flows[i[0]].symbols[i[1]].label.strip().lower() == label),
                     None)
        if match is None:
            match = next((i for i in later if not flows[i[0]].symbols[i[1]].label.strip()
                          or not label), None)
        if match is not None:
            pairs[o] = match
            free_ins.remove(match)
    return pairs


def link_steps(steps: Sequence[StepDraft], flows: dict[int, FlowGraph], placed: Placement
               ) -> tuple[dict[int, set[int]], dict[int, dict[str, int]]]:
    """next targets and yes/no branches per step index, from the arrows."""
    keys = list(placed.step_of)
    # Connectors are placed only when they sit in a row; arrows also reach
    # connectors outside rows (drawn under the table), so index them all.
    all_keys = [(p, k) for p, g in flows.items() for k in range(len(g.symbols))]
    pairs = _connector_pairs(flows, all_keys)
    out_arrows: dict[SymKey, list] = {}
    for p, g in flows.items():
        for a in g.arrows:
            out_arrows.setdefault((p, a.source), []).append(a)

    def targets(key: SymKey, seen: frozenset[SymKey]) -> set[int]:
        """Steps reached from an arrow landing on `key` (through connectors)."""
        if key in seen:
            return set()
        sym = flows[key[0]].symbols[key[1]]
        if sym.kind != "connector" and key in placed.step_of:
            return {placed.step_of[key]}
        nxt = pairs.get(key)
        found: set[int] = set()
        for k in ([nxt] if nxt else []) + ([key] if sym.kind == "connector" else []):
            for a in out_arrows.get(k, []):
                found |= targets((k[0], a.target), seen | {key})
        return found

    nexts: dict[int, set[int]] = {}
    branches: dict[int, dict[str, int]] = {}
    for key in keys:
        si = placed.step_of[key]
        sym = flows[key[0]].symbols[key[1]]
        if sym.kind == "connector":
            continue
        for a in out_arrows.get(key, []):
            for ti in targets((key[0], a.target), frozenset({key})):
                if ti == si:
                    continue
                nexts.setdefault(si, set()).add(ti)
                if a.label and sym.kind == "decision":
                    branches.setdefault(si, {})[a.label] = ti
    return nexts, branches


# -- building the contract objects ------------------------------------------

def _evidence(ev: dict[str, Evidence], path: str, page: int, box: BBox, conf: float,
              pages: dict[int, PageContent]) -> None:
    pc = pages[page]
    ev[path] = Evidence(page=page, confidence=round(min(max(conf, 0.0), 1.0), 3),
                        bbox=(round(max(box.x0 / pc.width, 0), 4), round(max(box.top / pc.height, 0), 4),
                              round(min(box.x1 / pc.width, 1), 4), round(min(box.bottom / pc.height, 1), 4)))


DATE_KEYS = ("created", "revised", "effective")


def build_identity(d: SopDraft, ev: dict[str, Evidence], pages: dict[int, PageContent]) -> Identity:
    if d.identity is None:
        return Identity()
    f = d.identity.fields
    page = d.identity_page or 1
    values: dict[str, str | None] = {}
    for key in ("number", "title", "created", "revised", "effective"):
        if key in f:
            values[key] = nz.blank_to_none(f[key].text)
            if key in DATE_KEYS and pages[page].route == "ocr" and not nz.could_be_date(values[key]):
                values[key] = None  # a printed "-" as OCR reads it ("Do", "ie", ". . wot")
            if values[key] is not None:
                _evidence(ev, f"identity.{key}", page, f[key].box, f[key].conf, pages)
        else:
            values[key] = None
    approved = None
    if "approved_by" in f and nz.blank_to_none(f["approved_by"].text):
        approved = nz.parse_approval(f["approved_by"].lines)
        _evidence(ev, "identity.approved_by", page, f["approved_by"].box, f["approved_by"].conf, pages)
    if d.signature and (approved is None or approved.name is None):
        signed = nz.parse_approval(d.signature)
        approved = ApprovedBy(position=(approved.position if approved and approved.position
                                        else signed.position),
                              name=signed.name, rank=signed.rank, nip=signed.nip)
    agency, unit = split_heading([h.text for h in d.identity.heading])
    for key, value in (("agency", agency), ("unit", unit)):
        if value is not None:
            _heading_evidence(ev, key, value, d.identity.heading, page, pages)
    ident = Identity(agency=agency, unit=unit, approved_by=approved, **values)
    for key in DATE_KEYS:
        iso = nz.parse_date_iso(values[key]) if values[key] else None
        if iso:
            setattr(ident, f"{key}_iso", iso)
    return ident


UNIT_WORDS = ("sekretariat", "bidang", "bagian", "sub bagian", "subbagian", "seksi", "upt",
              "uptd", "sub bidang", "subbidang", "kecamatan", "kelurahan", "unit")
NOT_AGENCY = ("standar operasional prosedur", "standard operating procedure", "logo")


def _heading_evidence(ev: dict[str, Evidence], key: str, value: str, heading: Sequence[Field],
                      page: int, pages: dict[int, PageContent]) -> None:
    """Evidence for the agency or the unit: the heading lines it was read
    from (the review page links each field to its place on the page)."""
    used = [h for h in heading
            if any((x := nz.clean_text(ln)) and x in value for ln in h.text.split("\n"))]
    if used:
        box = used[0].box
        for h in used[1:]:
            box = box.union(h.box)
        _evidence(ev, f"identity.{key}", page, box, min(h.conf for h in used), pages)


def split_heading(lines: Sequence[str]) -> tuple[str | None, str | None]:
    """Agency and unit from the lines printed beside or above the identity block.

    Lines before the first unit line (Sekretariat, Bidang ..., Sub Bagian ...)
    name the agency; the unit lines after it name the unit, up to a line
    naming a position ("KEPALA SUB BAGIAN ...": the officer in charge, not an
    organisational unit). A "PEMERINTAH KABUPATEN ..." line above the agency
    is the government, not the agency.
    """
    flat = [nz.clean_text(x) or "" for ln in lines for x in ln.split("\n")]
    flat = [x for x in flat if x and not any(x.lower().startswith(n) for n in NOT_AGENCY)
            and not x.lower().startswith(("sop ", "sop:"))]
    agency_parts: list[str] = []
    unit_parts: list[str] = []
    for x in flat:
        low = x.lower()
        if unit_parts and low.startswith("kepala "):
            break
        if unit_parts or any(low.startswith(u) for u in UNIT_WORDS):
            unit_parts.append(x)
        elif low.startswith("pemerintah ") and not agency_parts:
            continue
        else:
            agency_parts.append(x)
    agency = " ".join(agency_parts) or None
    unit = " ".join(unit_parts) or None
    return agency, unit


def build_sections(d: SopDraft, sop: Sop, ev: dict[str, Evidence], pages: dict[int, PageContent]) -> None:
    for key in SECTION_KEYS:
        if key not in d.sections:
            continue
        page, f = d.sections[key]
        items = nz.split_list(f.text)
        if key == "legal_basis":
            sop.legal_basis = [nz.parse_legal_basis(x) for x in items]
        else:
            setattr(sop, key, items)
        if items:
            _evidence(ev, key, page, f.box, f.conf, pages)


def build_steps(d: SopDraft, flows: dict[int, FlowGraph], sop: Sop, ev: dict[str, Evidence],
                pages: dict[int, PageContent]) -> None:
    placed = place_symbols(d.steps, flows)
    nexts, branches = link_steps(d.steps, flows, placed)
    any_arrows = bool(nexts)
    numbers = [st.no for st in d.steps]
    for si, st in enumerate(d.steps):
        conf = min([f.conf for fs in st.texts.values() for _, f in fs] or [1.0])
        syms = [(key, flows[key[0]].symbols[key[1]]) for key, s in placed.step_of.items() if s == si]
        main = [(k, s) for k, s in syms if s.kind != "connector"] or syms
        role_idx = sorted({placed.role_of[k] for k, _ in main})
        actors = [sop.roles[i] for i in role_idx if i < len(sop.roles)]
        symbol = _main_symbol([s for _, s in main])
        if not main:
            conf = min(conf, CONF_NO_SYMBOL)
        if st.guessed_no:
            conf = min(conf, CONF_GUESSED_NO)
        nxt = sorted(numbers[t] for t in nexts.get(si, set()))
        if not nxt and si + 1 < len(d.steps) and (not any_arrows or symbol != "terminator"):
            nxt = [numbers[si + 1]]
            conf = min(conf, CONF_GUESSED_NEXT)
        br = None
        if symbol == "decision":
            labels = {k: numbers[v] for k, v in branches.get(si, {}).items()}
            if len(nxt) == 2 and len(labels) == 1:  # one labelled exit: the other is its opposite
                known, tgt = next(iter(labels.items()))
                other = [n for n in nxt if n != tgt]
                if other:
                    labels["no" if known == "yes" else "yes"] = other[0]
            if {"yes", "no"} <= labels.keys():
                br = Branches(yes=labels["yes"], no=labels["no"])
            else:
                conf = min(conf, CONF_UNLABELLED_EXIT)
        duration_text = st.text("duration")
        step = Step(no=st.no, activity=st.text("activity") or "", actors=actors, symbol=symbol,
                    requirements=nz.blank_to_none(st.text("requirements")),
                    duration=nz.parse_duration(duration_text),
                    output=nz.blank_to_none(st.text("output")),
                    note=nz.blank_to_none(st.text("note")),
                    next=nxt, branches=br, confidence=round(conf, 3))
        sop.steps.append(step)
        i = len(sop.steps) - 1
        for key in STEP_TEXTS:
            fs = st.texts.get(key)
            if fs:
                page, first = fs[0]
                _evidence(ev, f"steps[{i}].{key}", page, first.box, min(f.conf for _, f in fs), pages)
        if main:
            k, s = main[0]
            _evidence(ev, f"steps[{i}].symbol", k[0], s.box, conf, pages)


def _main_symbol(symbols: Sequence[Symbol]) -> str | None:
    if not symbols:
        return None
    kinds = [s.kind for s in symbols]
    for k in ("decision", "terminator", "process", "connector"):
        if k in kinds:
            return k
    return None


def build_sop(d: SopDraft, flows: dict[int, FlowGraph], pages: dict[int, PageContent]) -> Sop:
    ev: dict[str, Evidence] = {}
    sop = Sop(pages=sorted(d.pages), roles=list(d.roles))
    sop.identity = build_identity(d, ev, pages)
    build_sections(d, sop, ev, pages)
    for j, (page, f) in enumerate(d.role_fields[:len(sop.roles)]):
        if f is not None and sop.roles[j]:
            _evidence(ev, f"roles[{j}]", page, f.box, f.conf, pages)
    build_steps(d, flows, sop, ev, pages)
    sop.evidence = ev or None
    return sop
