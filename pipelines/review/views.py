"""What the document page shows for each field: its form name, label,
value, and the evidence box it was read from (page, bbox, confidence)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .document import (
    APPROVAL_TEXT,
    IDENTITY_TEXT,
    LABELS,
    LIST_SECTIONS,
    STEP_TEXT,
    SYMBOL_LABELS,
    SYMBOLS,
    evidence_for,
)


@dataclass
class FieldView:
    name: str  # the form field: the value's path in the document
    label: str
    value: str
    page: int | None = None
    bbox: str = ""  # "x0,y0,x1,y1" fractions, for the page overlay and the crop
    confidence: float | None = None
    low: bool = False
    multiline: bool = False


@dataclass
class StepView:
    index: int
    no: int
    confidence: float
    low: bool
    texts: list[FieldView]
    duration: FieldView
    symbol: FieldView
    actors: list[tuple[str, str, bool]]  # (value, label, checked)
    actors_field: FieldView
    next: FieldView
    yes: FieldView
    no_branch: FieldView
    decision: bool


@dataclass
class SopView:
    index: int
    identity: list[FieldView]
    sections: list[FieldView]
    roles: list[FieldView]
    steps: list[StepView]
    boxes: list[FieldView] = field(default_factory=list)  # every field with evidence


def _fv(sop: dict, prefix: str, path: str, label: str, value, threshold: float,
        multiline: bool = False) -> FieldView:
    ev = evidence_for(sop, path)
    f = FieldView(f"{prefix}.{path}", label, "" if value is None else str(value), multiline=multiline)
    if ev:
        f.page = ev["page"]
        f.bbox = ",".join(f"{v:.4f}" for v in ev["bbox"])
        f.confidence = ev["confidence"]
        f.low = ev["confidence"] < threshold
    return f


def _nums(values) -> str:
    return ", ".join(str(v) for v in values or [])


def sop_view(sop: dict, i: int, threshold: float) -> SopView:
    p = f"sops[{i}]"
    ident = sop.get("identity") or {}
    ab = ident.get("approved_by") or {}
    identity = [_fv(sop, p, f"identity.{k}", LABELS[k], ident.get(k), threshold) for k in IDENTITY_TEXT]
    identity += [_fv(sop, p, f"identity.approved_by.{k}", LABELS[k], ab.get(k), threshold)
                 for k in APPROVAL_TEXT]
    sections = [_fv(sop, p, "legal_basis", LABELS["legal_basis"],
                    "\n".join(lb["text"] for lb in sop.get("legal_basis") or []), threshold, True)]
    sections += [_fv(sop, p, k, LABELS[k], "\n".join(sop.get(k) or []), threshold, True)
                 for k in LIST_SECTIONS]
    roles_list = sop.get("roles") or []
    roles = [_fv(sop, p, f"roles[{j}]", f"Pelaksana {j + 1}", r, threshold)
             for j, r in enumerate(roles_list)]
    steps = []
    for k, s in enumerate(sop.get("steps") or []):
        sp = f"steps[{k}]"
        actors = [(str(j), r, r in (s.get("actors") or [])) for j, r in enumerate(roles_list)]
        actors += [("=" + a, a, True) for a in s.get("actors") or [] if a not in roles_list]
        branches = s.get("branches") or {}
        symbol = _fv(sop, p, f"{sp}.symbol", "Simbol", s.get("symbol") or "", threshold)
        steps.append(StepView(
            index=k, no=s["no"], confidence=s.get("confidence", 1.0),
            low=s.get("confidence", 1.0) < threshold,
            texts=[_fv(sop, p, f"{sp}.{key}", LABELS[key], s.get(key), threshold,
                       multiline=key == "activity") for key in STEP_TEXT],
            duration=_fv(sop, p, f"{sp}.duration.text", LABELS["duration"],
                         (s.get("duration") or {}).get("text"), threshold),
            symbol=symbol,
            actors=actors,
            actors_field=_fv(sop, p, f"{sp}.actors", "Pelaksana", "", threshold),
            next=_fv(sop, p, f"{sp}.next", "Lanjut ke langkah", _nums(s.get("next")), threshold),
            yes=_fv(sop, p, f"{sp}.branches.yes", "Ya →", branches.get("yes"), threshold),
            no_branch=_fv(sop, p, f"{sp}.branches.no", "Tidak →", branches.get("no"), threshold),
            decision=s.get("symbol") == "decision" or bool(branches),
        ))
    view = SopView(i, identity, sections, roles, steps)
    view.boxes = [f for f in identity + sections + roles if f.page]
    for s in steps:
        view.boxes += [f for f in s.texts + [s.duration, s.symbol] if f.page]
    return view


SYMBOL_CHOICES = [("", "(tidak ada)")] + [(s, SYMBOL_LABELS[s]) for s in SYMBOLS]
