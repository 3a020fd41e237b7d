"""Correct: the assembled document checked against the vocabulary.

One stage after assembly, SopDocument in, SopDocument out:

- On SOPs read by OCR, misread words are repaired against the vocabulary
  and the Indonesian dictionary (`ingest.vocab.match`: look-alike letters,
  split words, whole role headings, OCR's letter confusions undone where
  they reach exactly one word: "taporan" -> "laporan"), numbers misread in
  legal references ("Nomor S2" -> "Nomor 52"),
  and a list joiner ";" read as ":" at the end of a legal reference. Each
  repaired field is listed in the SOP's `corrections` with its path, the text
  as read (`from`), the new text (`to`) and the score, so a reviewer sees it
  and can put `from` back. A text-layer page holds exactly what was printed
  (typos included, which the contract keeps), so its text is never changed.
- Every SOP: `roles_canonical` where the vocabulary knows a role; a legal
  reference whose kind the built-in reading missed takes the kind of the
  written form the vocabulary knows; an approver's NIP that cannot exist
  gives a document warning.

Actors are copies of role headings: they follow their role's correction and
are not listed separately (undoing `roles[i]` means undoing it in `actors`).
"""

from __future__ import annotations

import re
from typing import Callable

from rapidfuzz.distance import Levenshtein

from . import normalize as nz
from .model import Correction, LegalBasis, Sop, SopDocument
from .vocab import Vocabulary
from .vocab.match import Fix, Matcher, matcher, score

LIST_FIELDS = ("qualifications", "related_sops", "equipment", "warnings", "records")
STEP_FIELDS = ("activity", "requirements", "output", "note")
IDENTITY_FIELDS = ("agency", "unit", "title")
DATE_FIELDS = ("created", "revised", "effective")
# A month's name between a day and a year (or before a year alone) that OCR
# read in lower case: print always capitalises it ("10 juli 2023").
_LOWER_MONTH_RE = re.compile(r"(?:(?<=\d\s)|^)([a-z]+)(?=\.?\s*,?\s*\d{4}\b)")

# After "Nomor"/"No." or "Tahun", a number may carry OCR's letters for
# digits: "S2" and "$2" (52: a 5 whose top stroke blurred into an S, with
# or without the speck that makes it $), "2O14", "l2". Only tokens with a
# real digit in them.
_REF_NUMBER_RE = re.compile(
    r"(\b(?:Nomor|Nomer|No\.?|Tahun|Th\.?)\s*:?\s*)(?=[0-9OoIlS$]*[0-9])([0-9OoIlS$]{1,4})(?![\w$])",
    re.IGNORECASE)
_DIGIT_FOR = str.maketrans("OoIlS$", "001155")


def correct_document(doc: SopDocument, vocab: Vocabulary,
                     ocr_pages: set[int] | None = None) -> SopDocument:
    """The document with its SOPs corrected (a new object; `doc` is kept).
    `ocr_pages` are the pages read by OCR; None means every page of an
    "ocr" route document."""
    m = matcher(vocab)
    doc = doc.model_copy(deep=True)
    if ocr_pages is None:
        ocr_pages = set(range(1, doc.source.pages + 1)) if doc.source.route == "ocr" else set()
    for n, sop in enumerate(doc.sops, start=1):
        fixes: list[Correction] = []
        if ocr_pages & set(sop.pages):
            _repair(sop, m, fixes)
        sop.corrections = (sop.corrections or []) + fixes or None
        _legal_kinds(sop, m)
        canon = [m.canonical_role(r) for r in sop.roles]
        sop.roles_canonical = canon if any(c is not None for c in canon) else None
        nip = sop.identity.approved_by.nip if sop.identity.approved_by else None
        for problem in nz.nip_problems(nip):
            doc.warnings.append(f"SOP {n} ({sop.identity.title or 'untitled'}): the approver's "
                                f"NIP {nip} looks misread: {problem}")
    return doc


# -- repairs on OCR'd SOPs ------------------------------------------------------

def _record(fixes: list[Correction], path: str, old: str, fix: Fix) -> str:
    if fix.text != old:
        fixes.append(Correction(path=path, from_=old, to=fix.text,
                                score=fix.score if fix.score is not None else score(old, fix.text)))
    return fix.text


def _repair(sop: Sop, m: Matcher, fixes: list[Correction]) -> None:
    renamed: dict[str, str] = {}
    for i, role in enumerate(sop.roles):
        new = _record(fixes, f"roles[{i}]", role, m.correct_role(role))
        renamed[role] = sop.roles[i] = new
    for step in sop.steps:
        step.actors = [renamed.get(a, a) for a in step.actors]

    for key in IDENTITY_FIELDS:
        _field(sop.identity, key, f"identity.{key}", m.correct_text, fixes)
    for key in DATE_FIELDS:
        _field(sop.identity, key, f"identity.{key}", _date_text, fixes)
    if sop.identity.approved_by is not None:
        _field(sop.identity.approved_by, "position", "identity.approved_by.position",
               m.correct_text, fixes)
    for i, item in enumerate(sop.legal_basis):
        new = _record(fixes, f"legal_basis[{i}].text", item.text, _legal_text(item.text, m))
        if new != item.text:
            sop.legal_basis[i] = nz.parse_legal_basis(new)
    for name in LIST_FIELDS:
        items = getattr(sop, name)
        for i, item in enumerate(items):
            items[i] = _record(fixes, f"{name}[{i}]", item, m.correct_text(item))
    for i, step in enumerate(sop.steps):
        for key in STEP_FIELDS:
            _field(step, key, f"steps[{i}].{key}", m.correct_text, fixes)


def _field(obj, name: str, path: str, fix: Callable[[str], Fix], fixes: list[Correction]) -> None:
    old = getattr(obj, name)
    if old:
        setattr(obj, name, _record(fixes, path, old, fix(old)))


def _date_text(text: str) -> Fix:
    """A date with its month's name in the case print gives it."""
    new = _LOWER_MONTH_RE.sub(
        lambda x: x[1].capitalize() if nz.month_number(x[1]) else x[1], text)
    return Fix(new, 100.0 if new != text else None, [])


def _legal_text(text: str, m: Matcher) -> Fix:
    """Words against the vocabulary, then misread digits in the number and
    year, then the reference's grammar (`_reference_words`), then a
    trailing ":" (a list's ";" as OCR reads it: a regulation's title never
    ends in a colon)."""
    fix = m.correct_text(text)
    new = _REF_NUMBER_RE.sub(lambda x: x[1] + x[2].translate(_DIGIT_FOR), fix.text)
    new = _reference_words(new, m)
    new = re.sub(r"\s*:\s*$", "", new)
    if new == fix.text:
        return fix
    low = min(s for s in (fix.score, score(fix.text, new)) if s is not None)
    return Fix(new, low, fix.decisions)


# "Tahun 2014 tentang": the word after a reference's year, one letter off.
_AFTER_YEAR_RE = re.compile(r"(\bTahun\s+\d{4}\s+)([^\W\d_]{6,8})(?=\s)", re.IGNORECASE)
# "Daerah. Tata Cara": a full stop between a word and a capitalised word.
_MID_STOP_RE = re.compile(r"\b([^\W\d_]{4,})\.(?=\s+[A-Z])")


def _reference_words(text: str, m: Matcher) -> str:
    """A legal reference is written "<kind> Nomor N Tahun Y tentang
    <title>", and its title is one noun phrase. So:
    - the word after the year, when it is no word and one letter from
      "tentang", is tentang ("tehtang": the photo's h for n, which the
      look-alike repair does not undo in running text);
    - a full stop after a word of four letters or more, with the title
      going on in a capital, is a comma whose tail was lost ("Pembangunan
      Daerah. Tata Cara Evaluasi"): the title's only full stops are
      abbreviations' ("Kab.", "No."), and the reference's end."""
    def after_year(x: re.Match) -> str:
        word = x[2]
        if word.lower() != "tentang" and not m.is_word(word) \
                and Levenshtein.distance(word.lower(), "tentang") == 1:
            return x[1] + ("Tentang" if word[:1].isupper() else "tentang")
        return x[0]

    text = _AFTER_YEAR_RE.sub(after_year, text)
    start = re.search(r"\btentang\b", text, re.IGNORECASE)
    if start is None:
        return text
    head, title = text[:start.end()], text[start.end():]
    return head + _MID_STOP_RE.sub(
        lambda x: x[1] + ("," if m.is_word(x[1]) else "."), title)


# -- every SOP ------------------------------------------------------------------

def _legal_kinds(sop: Sop, m: Matcher) -> None:
    for i, item in enumerate(sop.legal_basis):
        if item.kind == "Other" and (kind := m.legal_kind(item.text)):
            sop.legal_basis[i] = LegalBasis(text=item.text, kind=kind, number=item.number,
                                            year=item.year)
