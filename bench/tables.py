"""Procedure steps from a generic table extractor's cells, for scoring it
with our own metrics.

img2table (and any tool like it) gives rows of cell strings, not steps. A
user who wanted steps from it would do what `rows_to_steps` does: find the
procedure table's columns by their headings, start a step at each row whose
"No" cell holds a number, and add the rows below it (the lines of the same
step; img2table splits a tall row into one row per text line) to that step.
Values then go through our own normalisers (whitespace, hyphenation,
Waktu parsing), so that the tool is scored on what it read, not on format.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ingest import normalize as nz
from ingest.evaluate import FamilyScore
from ingest.model import Sop, SopDocument, Source, Step

Row = Sequence[str | None]

# Column headings of the PermenPAN-RB 35/2012 procedure table (and the
# variants seen in archives); a field's column is the one whose heading
# matches. "No" must be the whole cell: "Nomor SOP" is not the step column.
HEADINGS: dict[str, re.Pattern[str]] = {
    "no": re.compile(r"^\s*no\.?\s*$", re.IGNORECASE),
    "activity": re.compile(r"kegiatan|aktivitas|uraian", re.IGNORECASE),
    "requirements": re.compile(r"kelengkapan|persyaratan", re.IGNORECASE),
    "duration": re.compile(r"waktu", re.IGNORECASE),
    "output": re.compile(r"output|keluaran", re.IGNORECASE),
    "note": re.compile(r"keterangan|ket\.", re.IGNORECASE),
}
FIELDS = tuple(HEADINGS)
_NUMBER = re.compile(r"^\s*(\d{1,3})\s*[.)]?(?!\d)")


def _text(cell: str | None) -> str:
    return " ".join((cell or "").split())


def header_columns(row: Row) -> dict[str, int]:
    """Field -> column index of the headings found in one row. A heading
    merged over several columns is repeated in each: the first one counts."""
    found: dict[str, int] = {}
    for i, cell in enumerate(row):
        text = _text(cell)
        for name, pattern in HEADINGS.items():
            if name not in found and text and pattern.search(text):
                found[name] = i
    return found


def step_number(cell: str | None) -> int | None:
    m = _NUMBER.match(cell or "")
    return int(m.group(1)) if m and int(m.group(1)) >= 1 else None


@dataclass
class _Draft:
    no: int
    parts: dict[str, list[str]] = field(default_factory=lambda: {f: [] for f in FIELDS if f != "no"})

    def add(self, row: Row, columns: dict[str, int]) -> None:
        for name, parts in self.parts.items():
            i = columns.get(name)
            if i is None or i >= len(row) or not _text(row[i]):
                continue
            value = (row[i] or "").strip()
            # A cell merged over several of the tool's rows is repeated in each.
            if not parts or parts[-1] != value:
                parts.append(value)

    def step(self) -> Step:
        def joined(name: str) -> str | None:
            return nz.clean_text("\n".join(self.parts[name])) if self.parts[name] else None

        return Step(no=self.no, activity=joined("activity") or "",
                    requirements=nz.blank_to_none(joined("requirements")),
                    duration=nz.parse_duration(joined("duration")),
                    output=nz.blank_to_none(joined("output")),
                    note=nz.blank_to_none(joined("note")))


def rows_to_steps(tables: Iterable[Sequence[Row]]) -> list[Step]:
    """Steps from the tables of one document, in page order.

    A table is a procedure table when a row names at least the No and the
    activity columns; a later table without headings but with the same
    number of columns continues it (a procedure table running over a page
    break). Rows above the first numbered row of a continuation belong to
    the last step of the previous page. A step number seen again keeps the
    first step (the same rule as our evaluator).
    """
    drafts: dict[int, _Draft] = {}
    current: _Draft | None = None
    columns: dict[str, int] | None = None
    width = 0
    for table in tables:
        rows = [list(r) for r in table]
        if not rows:
            continue
        own = None
        for r in rows:
            found = header_columns(r)
            if "no" in found and "activity" in found:
                own = {**(own or {}), **found}
        if own is not None:
            columns, width = own, len(rows[0])
        elif columns is None or len(rows[0]) != width:
            continue  # not a procedure table, nor its continuation
        for r in rows:
            if header_columns(r).keys() & {"no", "activity"}:
                continue  # a heading row (repeated on every page)
            n = step_number(r[columns["no"]]) if columns["no"] < len(r) else None
            if n is not None and (current is None or n != current.no):
                if n in drafts:
                    current = None  # a repeated number: the first step stands
                    continue
                current = drafts[n] = _Draft(n)
            if current is not None:
                current.add(r, columns)
    return [d.step() for d in drafts.values()]


def as_document(steps: list[Step], path: str, pages: int) -> SopDocument:
    """One SOP holding the steps, in our contract, for `evaluate.score_document`."""
    source = Source(path=path, sha256="0" * 64, media_type="application/pdf", pages=pages, route="ocr")
    return SopDocument(source=source, sops=[Sop(steps=steps)] if steps else [])


# -- words, for a tool that gives no structure at all -----------------------

_WORD = re.compile(r"[^\W_]{3,}")


def word_counts(texts: Iterable[str | None]) -> Counter[str]:
    """Words of three letters or digits or more, lowercased, with their counts."""
    return Counter(w for t in texts if t for w in _WORD.findall(t.lower()))


def activity_word_recall(gold: SopDocument, read: Iterable[str | None]) -> FamilyScore:
    """How many of the golden steps' activity words (counted with their
    repeats) are among the words read. Plain full-page OCR reads no steps,
    so all of its page text counts as read: a score it can only flatter,
    since it is never asked which step, column or cell a word belongs to."""
    want = word_counts(activity_texts(gold))
    have = word_counts(read)
    return FamilyScore(float(sum((want & have).values())), float(sum(want.values())))


def activity_texts(doc: SopDocument) -> list[str]:
    return [s.activity for sop in doc.sops for s in sop.steps]
