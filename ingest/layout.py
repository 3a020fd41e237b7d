"""Layout: one page's tables and free text -> identity, sections, procedure rows.

Everything here works on labels, never on positions learnt from a sample:
an identity block is where identity labels are ("Nomor SOP", "Tgl.
Pembuatan", "Disahkan oleh" ... in their variants), a section is the text
under its label (in a ruled cell or as free text, one or two columns), and a
procedure table is a table whose header holds No, Kegiatan (or a variant),
Pelaksana and Mutu Baku. A table without a header that has the same columns
as the previous page's procedure table is its continuation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from rapidfuzz import fuzz

from .primitives import BBox, Cell, PageContent, Table, Word, group_lines, words_to_lines

# -- labels -----------------------------------------------------------------

IDENTITY_LABELS: dict[str, re.Pattern[str]] = {
    "number": re.compile(r"^(nomor|no\.?|nmr\.?)\s*sop\b"),
    "created": re.compile(r"^(tanggal|tgl\.?)\s*(pembuatan|dibuat)\b"),
    "revised": re.compile(r"^(tanggal|tgl\.?)\s*revisi\b"),
    "effective": re.compile(r"^(tanggal|tgl\.?)\s*(efektif|pengesahan|penetapan|berlaku)\b"),
    "approved_by": re.compile(r"^(disahkan|ditetapkan)\s*oleh\b"),
    "title": re.compile(r"^(nama|judul)\s*(sop|prosedur)\b"),
}
# A block needs this many distinct identity labels: a decree's list of SOPs
# has a "NOMOR SOP" column heading too, and is not an identity block.
MIN_IDENTITY_LABELS = 3

SECTION_LABELS: dict[str, re.Pattern[str]] = {
    "legal_basis": re.compile(r"^dasar\s*hukum\b"),
    "qualifications": re.compile(r"^kualifikasi\s*pelaksana(an)?\b"),
    "related_sops": re.compile(r"^keterkaitan\b"),
    "equipment": re.compile(r"^peralatan\s*/?\s*(perlengkapan|kelengkapan)?\b"),
    "warnings": re.compile(r"^peringatan\b"),
    "records": re.compile(r"^pencatatan\s*(dan|&)?\s*pendataan\b"),
}

HEADER_NO = re.compile(r"^no\.?$")
HEADER_ACTIVITY = re.compile(r"^(kegiatan|aktivitas|aktifitas|uraian\s*(prosedur|kegiatan)?|"
                             r"prosedur|langkah|uraian\s*aktivitas)\b")
HEADER_PERFORMERS = re.compile(r"^pelaksana\b")
HEADER_QUALITY = re.compile(r"^mutu\s*b[au]ku\b")  # "Mutu Buku" is a common typo
HEADER_NOTE = re.compile(r"^(keterangan|ket\.?)$")
QUALITY_COLUMNS: dict[str, re.Pattern[str]] = {
    "requirements": re.compile(r"(kelengkapa[nm]|persyaratan|perlengkapan|peralatan)"),
    "duration": re.compile(r"^(waktu|durasi)\b"),
    "output": re.compile(r"^(output|keluaran|hasil)\b"),
}
# "1." as printed; "1," "1:" as OCR reads a blurred full stop.
STEP_NO = re.compile(r"^(\d{1,3})\s*[.),:;]?$")

SIGNATURE_NIP = re.compile(r"\bNIP\b", re.IGNORECASE)


def norm_label(text: str) -> str:
    """Lowercase, single spaces, no trailing colon: what label patterns see."""
    t = re.sub(r"\s+", " ", text.lower()).strip()
    return t.lstrip(":").strip()


# -- results ----------------------------------------------------------------

@dataclass
class Field:
    text: str  # raw text, lines joined with "\n"
    box: BBox
    conf: float = 1.0

    @property
    def lines(self) -> list[str]:
        return [ln for ln in self.text.split("\n") if ln.strip()]


@dataclass
class IdentityBlock:
    fields: dict[str, Field]
    heading: list[Field]  # agency / unit lines, top to bottom
    box: BBox


@dataclass
class Row:
    """One body row of a procedure table, before continuation rows are merged."""

    no: int | None
    texts: dict[str, Field]  # activity, requirements, duration, output, note
    box: BBox  # the row's band over the whole table
    page: int
    unread_no: bool = False  # the No cell holds something, but not a number (OCR: "§" for 6)


@dataclass
class Procedure:
    table: Table
    page: int
    roles: list[str]  # printed headings (empty for a headerless continuation)
    role_spans: list[tuple[float, float]]  # x range of each role column
    columns: dict[str, int]  # logical column of no/activity/requirements/...
    role_cols: list[int]
    rows: list[Row]
    header_box: BBox | None
    # each role column's heading cell, for the evidence of `roles[j]` (the
    # review page links a role name to where it was printed)
    role_fields: list[Field | None] = field(default_factory=list)


@dataclass
class PageLayout:
    page: int
    identity: IdentityBlock | None = None
    sections: dict[str, Field] = field(default_factory=dict)
    procedures: list[Procedure] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)
    signature_box: BBox | None = None
    lead: Field | None = None  # unlabelled text opening a page: a section running over


# -- helpers ----------------------------------------------------------------

def _cell_field(cell: Cell) -> Field:
    return Field("\n".join(cell.lines), cell.box, cell.conf)


def _words_field(words: Sequence[Word], renumber: bool = False) -> Field | None:
    if not words:
        return None
    lines = group_lines(words)
    texts = hanging_markers(lines) if renumber else [[w.text for w in ln] for ln in lines]
    return Field("\n".join(" ".join(t) for t in texts), _union(words),
                 min(w.conf for w in words))


def hanging_markers(lines: Sequence[Sequence[Word]]) -> list[list[str]]:
    """The lines' words, with a list's markers rewritten in sequence.

    A numbered list is printed with hanging indents: each item's marker
    stands apart, left of the column where its text and its wrapped lines
    start. OCR reads those small marks badly ("3" for "a.", "Cc." for "c.",
    "a a"), but where they stand says what they are. When lines start with
    a short mark left of the column where another line starts
    (a second item, or the item's wrapped line), the marks are replaced by
    "a.", "b." … (or "1.", "2." … when most of them hold a digit).
    """
    texts = [[w.text for w in ln] for ln in lines]
    if len(lines) < 2:
        return texts
    height = float(np.median([w.box.height for ln in lines for w in ln]))

    def text_start(ln: Sequence[Word]) -> int:
        """Index of the first word after a mark standing apart, or 0. A mark
        is at most two letters or digits ("a.", "10)", "Cc.", "a a") and
        stands further from the text than a space does."""
        for k in range(1, min(3, len(ln) - 1) + 1):
            core = [ch for w in ln[:k] for ch in w.text if ch.isalnum()]
            if len(core) > 2:
                break
            if ln[k].box.x0 - ln[k - 1].box.x1 >= 0.6 * height:
                return k
        return 0

    starts = [text_start(ln) for ln in lines]
    # where each line's text starts: after its mark, or at its first word
    # (an item's wrapped line) - a mark is one when another line shares
    # the column its text starts in
    lefts = [ln[k].box.x0 for ln, k in zip(lines, starts)]
    marked = [i for i, k in enumerate(starts)
              if k and sum(abs(x - lefts[i]) <= 0.6 * height for x in lefts) >= 2]
    if not marked:
        return texts
    digits = sum(any(ch.isdigit() for w in lines[i][:starts[i]] for ch in w.text) for i in marked)
    numeric = digits * 2 > len(marked)
    if marked[0] != 0 and abs(lefts[0] - lefts[marked[0]]) <= 0.6 * height:
        # The first line starts in the text column, its mark unread: an
        # item's wrapped line cannot open the list, so it is the first item.
        starts[0] = 0
        marked.insert(0, 0)
    for n, i in enumerate(marked):
        label = f"{n + 1}." if numeric else f"{chr(ord('a') + n % 26)}."
        texts[i] = [label] + texts[i][starts[i]:]
    return texts


# The printed forms labels are fuzzily compared with when the exact patterns
# miss (OCR text: "reralatan/Perlengkapan", "Kualifikasi Pelaksana").
LABEL_FORMS: dict[str, tuple[str, ...]] = {
    "number": ("nomor sop",), "created": ("tanggal pembuatan", "tgl. pembuatan"),
    "revised": ("tanggal revisi", "tgl. revisi"),
    "effective": ("tanggal efektif", "tgl. efektif", "tanggal pengesahan"),
    "approved_by": ("disahkan oleh", "ditetapkan oleh"), "title": ("nama sop", "judul sop"),
    "legal_basis": ("dasar hukum",), "qualifications": ("kualifikasi pelaksana",),
    "related_sops": ("keterkaitan",), "equipment": ("peralatan/perlengkapan", "peralatan"),
    "warnings": ("peringatan",), "records": ("pencatatan dan pendataan",),
}
FUZZY_LABEL = 85.0  # rapidfuzz ratio; one or two misread letters in a label pass


def _match(patterns: dict[str, re.Pattern[str]], text: str) -> tuple[str, int] | None:
    """(key, length of the label in the lowered text) of the first matching label.

    Exact patterns first; then a fuzzy comparison of the text's first words
    with the label's printed forms, so one misread letter in an OCR'd label
    does not lose a whole section. Only the words a label has are compared,
    and only at the start, so ordinary sentences do not turn into labels.
    """
    t = norm_label(text)
    words = t.split()

    def fuzzy(key: str) -> int | None:
        """Length of the longest printed form of `key` the text starts with, fuzzily."""
        best = None
        for form in LABEL_FORMS.get(key, ()):
            n = len(form.split())
            head = " ".join(words[:n]).rstrip(":").strip()
            if len(head) >= 6 and fuzz.ratio(head, form) >= FUZZY_LABEL:
                best = max(best or 0, len(" ".join(words[:n])))
        return best

    for key, pat in patterns.items():
        m = pat.match(t)
        if m:
            # The pattern may stop short of a label's misread optional part
            # ("Peralatan/periengkapan": "peralatan/" matches, the rest would
            # be taken for the section's text): a longer fuzzy match wins.
            return key, max(m.end(), fuzzy(key) or 0)
    for key in patterns:
        n = fuzzy(key)
        if n is not None:
            return key, n
    return None


def _strip_label(text: str, n: int) -> str:
    """The text after its label (n characters of the normalised form) and a colon."""
    flat = re.sub(r"\s+", " ", text).strip().lstrip(":").strip()
    rest = flat[n:]
    return rest.strip().lstrip(":").strip()


def _in_any(word: Word, boxes: Sequence[BBox]) -> bool:
    return any(b.contains(word.box.cx, word.box.cy) for b in boxes)


# -- identity ---------------------------------------------------------------

def read_identity(table: Table) -> IdentityBlock | None:
    """Label | value pairs of a ruled identity table, plus its unlabeled cells."""
    found: dict[str, Field] = {}
    label_cells: set[int] = set()
    value_cells: set[int] = set()
    for i, cell in enumerate(table.cells):
        hit = _match(IDENTITY_LABELS, cell.text)
        if not hit or hit[0] in found:
            continue
        key, n = hit
        label_cells.add(i)
        own = _own_value(cell, key, n)  # "NOMOR SOP : 01/SOP ..." in one cell
        if own:
            found[key] = Field(own, cell.box, cell.conf)
            continue
        value = _value_right_of(table, cell)
        if value is not None:
            value_cells.add(table.cells.index(value))
            text = "\n".join(value.lines)
            text = re.sub(r"^\s*:\s*", "", text)
            found[key] = Field(text, value.box, value.conf)
        else:
            found[key] = Field("", cell.box, cell.conf)
    if len(found) < MIN_IDENTITY_LABELS:
        return None
    if "title" not in found:
        # Many blocks print the SOP's name as a full-width row with no label.
        wide = [c for i, c in enumerate(table.cells) if i not in label_cells | value_cells
                and c.col == 0 and c.col + c.col_span == table.n_cols and c.text.strip()]
        if wide:
            value_cells.add(table.cells.index(wide[-1]))
            found["title"] = _cell_field(wide[-1])
    heading = [f for i, c in enumerate(table.cells)
               if i not in label_cells and i not in value_cells and c.text
               and c.text.strip(": ") and _left_of_labels(c, table, label_cells)
               and (f := _heading_field(c)) is not None]
    return IdentityBlock(fields=found, heading=heading, box=table.box)


# A line of an OCR'd heading cell is text when a word of it has this many
# letters in a row; the agency's logo, read by OCR, gives "L <j" or "2".
HEADING_LETTERS = re.compile(r"[^\W\d_]{3}")
LOGO_CONF = 0.5  # words at a heading line's ends below this: the logo's strokes ("TT kana")


def _heading_field(cell: Cell) -> Field | None:
    """A heading cell's text without what OCR made of the logo beside it:
    lines with no word of three letters, and doubtful words at a line's
    ends. A text layer's words are as printed and kept."""
    if all(w.conf >= 1.0 for w in cell.words):
        return _cell_field(cell)
    kept: list[Word] = []
    for line in group_lines(cell.words):
        line = sorted(line, key=lambda w: w.box.x0)
        while line and line[0].conf < LOGO_CONF:
            line = line[1:]
        while line and line[-1].conf < LOGO_CONF:
            line = line[:-1]
        if any(HEADING_LETTERS.search(w.text) for w in line):
            kept.extend(line)
    if not kept:
        return None
    return Field("\n".join(words_to_lines(kept)), cell.box, min(w.conf for w in kept))


def _own_value(cell: Cell, key: str, n: int) -> str:
    """The value written in the label's own cell, line structure kept (an
    approval block's position, name, rank and NIP are separate lines)."""
    lines = group_lines(cell.words)
    split = _label_split(lines[0], IDENTITY_LABELS) if lines else None
    if split and split[0] == key:
        rest = [" ".join(w.text for w in split[2])] + [" ".join(w.text for w in ln) for ln in lines[1:]]
    else:  # the label itself wraps ("Tanggal / Pembuatan"): any value follows it
        rest = [_strip_label(cell.text, n)]
    return "\n".join(r for r in rest if r.strip())


def _value_right_of(table: Table, cell: Cell) -> Cell | None:
    """The cell right of a label cell on its row, past a ":" column.

    That cell is the value even when it is blank: a blank value must not
    borrow the next label on the row ("Nomor SOP | | Tanggal Pembuatan | -").
    """
    col = cell.col + cell.col_span
    while col < table.n_cols:
        nxt = table.cell_at(cell.row, col)
        if nxt is None or _match(IDENTITY_LABELS, nxt.text):
            return None
        if nxt.text.strip() != ":":
            return nxt
        col = nxt.col + nxt.col_span
    return None


def _left_of_labels(cell: Cell, table: Table, label_cells: set[int]) -> bool:
    """A cell left of every label column or above every label row: where
    blocks print the agency and unit (beside or over the logo)."""
    label_x = min(table.cells[i].box.x0 for i in label_cells)
    label_y = min(table.cells[i].box.top for i in label_cells)
    return cell.box.x1 <= label_x + 1 or cell.box.bottom <= label_y + 1


def _label_split(line: Sequence[Word], patterns: dict[str, re.Pattern[str]]
                 ) -> tuple[str, list[Word], list[Word]] | None:
    """(key, label words, value words) when the line starts with a label."""
    best = None
    for j in range(1, min(len(line), 6) + 1):
        cand = " ".join(w.text for w in line[:j])
        hit = _match(patterns, cand)
        if hit and len(norm_label(cand)) <= hit[1] + 1:  # label, maybe with its colon
            best = (hit[0], j)
    if best is None:
        return None
    key, j = best
    value = list(line[j:])
    while value and value[0].text.strip() == ":":
        value.pop(0)
    if value and value[0].text.startswith(":"):
        value[0] = Word(value[0].text[1:].strip(), value[0].box, value[0].conf, value[0].bold)
        if not value[0].text:
            value.pop(0)
    return key, list(line[:j]), value


def _union(words: Sequence[Word]) -> BBox:
    box = words[0].box
    for w in words[1:]:
        box = box.union(w.box)
    return box


def read_identity_lines(words: Sequence[Word]) -> IdentityBlock | None:
    """Identity written as free lines ("NOMOR SOP : 01/SOP ...") without rules.

    A value runs on below its label's line while the next lines start in the
    value column (a wrapped title, the approval block's position, name, rank
    and NIP after the signature gap), up to the next label. A bold line right
    after the block with no label of its own is the SOP's name.
    """
    lines = group_lines(words)
    entries: list[tuple[int, str, list[Word], list[Word]]] = []
    for k, line in enumerate(lines):
        split = _label_split(line, IDENTITY_LABELS)
        if split and split[0] not in {e[1] for e in entries}:
            entries.append((k, *split))
    if len({e[1] for e in entries}) < MIN_IDENTITY_LABELS:
        return None
    found: dict[str, Field] = {}
    used: list[Word] = []
    last = entries[-1][0]
    for n, (k, key, label, value) in enumerate(entries):
        stop = entries[n + 1][0] if n + 1 < len(entries) else len(lines)
        col = value[0].box.x0 if value else label[-1].box.x1
        height = label[0].box.height
        parts = [value] if value else []
        bottom = label[0].box.bottom
        for j in range(k + 1, stop):
            line = lines[j]
            gap = line[0].box.top - bottom
            # The signature gap under "Disahkan oleh" is a few lines tall.
            max_gap = (6 if key == "approved_by" else 1.5) * height
            if (line[0].box.x0 < col - 2 * height or gap > max_gap
                    or _match(SECTION_LABELS, " ".join(w.text for w in line))):
                break
            parts.append(line)
            bottom = max(w.box.bottom for w in line)
            last = max(last, j)
        flat = [w for p in parts for w in p]
        used.extend(label + flat)
        text = "\n".join(" ".join(w.text for w in p) for p in parts)
        box = _union(label + flat)
        found[key] = Field(text, box, min((w.conf for w in flat), default=1.0))
    if "title" not in found:
        title_lines = []
        for line in lines[last + 1:]:
            if not all(w.bold for w in line) or _match(SECTION_LABELS, " ".join(w.text for w in line)):
                break
            title_lines.append(line)
        if title_lines:
            flat = [w for ln in title_lines for w in ln]
            used.extend(flat)
            found["title"] = Field("\n".join(" ".join(w.text for w in ln) for ln in title_lines),
                                   _union(flat), min(w.conf for w in flat))
    return IdentityBlock(fields=found, heading=[], box=_union(used))


def heading_above(words: Sequence[Word], box: BBox, page: PageContent,
                  blocked: Sequence[BBox]) -> list[Field]:
    """Lines printed above an identity block (agency, unit), top of page first."""
    above = [w for w in words if w.box.bottom <= box.top + 1 and not _in_any(w, blocked)]
    return [f for line in group_lines(above) if (f := _words_field(line))]


# -- sections ---------------------------------------------------------------

def sections_in_table(table: Table) -> dict[str, Field]:
    """Section labels in ruled cells: the content is the cell(s) below."""
    out: dict[str, Field] = {}
    labels = [(c, _match(SECTION_LABELS, c.text)) for c in table.cells]
    label_rows = {c.row for c, hit in labels if hit}
    for cell, hit in labels:
        if not hit or hit[0] in out:
            continue
        key, n = hit
        inline = _strip_label(cell.text, n)
        parts: list[Cell] = []
        row = cell.row + cell.row_span
        while row < table.n_rows and row not in label_rows:
            below = table.cell_at(row, cell.col)
            if below is None:
                break
            if below.row == row and below not in parts:
                parts.append(below)
            row = below.row + below.row_span
        lines = ([inline] if inline else []) + [ln for p in parts for ln in p.lines]
        text = "\n".join(lines)
        box = cell.box
        for p in parts:
            box = box.union(p.box)
        conf = min([cell.conf] + [p.conf for p in parts])
        out[key] = Field(text, box, conf)
    return out


def sections_in_text(words: Sequence[Word], page: PageContent, limit_bottom: float) -> dict[str, Field]:
    """Section labels as free text: content is below the label, in its column.

    A label's column runs from its left edge to the next label on the same
    line (two-column layouts print "Keterkaitan  Peralatan/Perlengkapan"
    side by side) or to the page edge; it ends at the next label below in
    that column, or at `limit_bottom` (the procedure table).
    """
    lines = group_lines(words)
    labels: list[tuple[str, BBox, Word, int]] = []  # key, label box, first word, words in label
    for line in lines:
        i = 0
        while i < len(line):
            hit = None
            for j in range(min(len(line), i + 5), i, -1):
                cand = " ".join(w.text for w in line[i:j])
                h = _match(SECTION_LABELS, cand)
                if h and len(norm_label(cand).rstrip(":").strip()) <= h[1] + 1:
                    hit = (h[0], j)
                    break
            if hit:
                key, j = hit
                box = line[i].box
                for w in line[i:j]:
                    box = box.union(w.box)
                labels.append((key, box, line[i], j - i))
                i = j
            else:
                i += 1
    if not labels:
        return {}
    label_words = set()
    for key, box, _, _ in labels:
        label_words.update(id(w) for w in words if box.contains(w.box.cx, w.box.cy))
    out: dict[str, Field] = {}
    for key, box, _, _ in labels:
        if key in out:
            continue
        right = min((b.x0 for _, b, _, _ in labels
                     if abs(b.cy - box.cy) < box.height and b.x0 > box.x1), default=page.width)
        below = [b.top for _, b, _, _ in labels
                 if b.top > box.bottom - 1 and b.x0 < right - 1 and b.x1 > box.x0 - 1
                 and not abs(b.cy - box.cy) < box.height]
        bottom = min(below + [limit_bottom])
        x0 = box.x0 - 2 * box.height
        content = [w for w in words if id(w) not in label_words
                   and x0 <= w.box.cx < right - 1 and box.bottom - 1 <= w.box.cy < bottom]
        f = _words_field(content, renumber=page.route == "ocr")
        out[key] = f if f else Field("", box, 1.0)
    return out


# -- procedure table --------------------------------------------------------

HEADER_PATTERNS: dict[str, re.Pattern[str]] = {
    "no": HEADER_NO, "activity": HEADER_ACTIVITY, "performers": HEADER_PERFORMERS,
    "quality": HEADER_QUALITY, "note": HEADER_NOTE,
}
# What the header labels are fuzzily compared with when the patterns miss
# (OCR of a shaded header cell: "Keglatan", "Pelaksana. ho", "Mutu Baku 3s").
HEADER_FORMS: dict[str, tuple[str, ...]] = {
    "activity": ("kegiatan", "aktivitas", "uraian prosedur", "uraian kegiatan"),
    "performers": ("pelaksana",), "quality": ("mutu baku",), "note": ("keterangan",),
}
_LETTERS = re.compile(r"[a-z]+")


def header_kind(text: str) -> str | None:
    """Which procedure header label a cell's text is, if any."""
    t = norm_label(text)
    for key, pattern in HEADER_PATTERNS.items():
        if pattern.match(t):
            return key
    # Stray marks around the label, and a letter or two misread: the
    # label's words somewhere in the cell, each nearly right.
    tokens = _LETTERS.findall(t)
    if tokens == ["no"]:
        return "no"
    return _fuzzy_words(tokens, HEADER_FORMS)


def _fuzzy_words(tokens: list[str], forms: dict[str, tuple[str, ...]]) -> str | None:
    """The key of the first form whose words appear in `tokens`, nearly right,
    and make up most of them (a heading cell holds its label and stray
    marks; "Menyampaikan laporan kegiatan" is a step, not a heading)."""
    size = sum(len(t) for t in tokens)
    for key, options in forms.items():
        for form in options:
            if size > 1.5 * len(form.replace(" ", "")) + 3:
                continue
            n = form.count(" ") + 1
            if any(fuzz.ratio(" ".join(tokens[i:i + n]), form) >= FUZZY_LABEL
                   for i in range(len(tokens) - n + 1)):
                return key
            # OCR splits a word of spaced-out capitals ("PELAN SANA"): a
            # one-word label also matches two neighbours run together.
            if n == 1 and any(fuzz.ratio(tokens[i] + tokens[i + 1], form) >= FUZZY_LABEL
                              for i in range(len(tokens) - 1)):
                return key
    return None


QUALITY_FORMS: dict[str, tuple[str, ...]] = {
    "requirements": ("kelengkapan", "persyaratan", "perlengkapan", "peralatan"),
    "duration": ("waktu", "durasi"), "output": ("output", "keluaran", "hasil"),
}


def _header(table: Table) -> tuple[int, dict[str, Cell]] | None:
    """(header row, label cells) when the table's header row is present."""
    for r in range(min(table.n_rows, 4)):
        cells = table.row_cells(r)
        found: dict[str, Cell] = {}
        for c in cells:
            key = header_kind(c.text)
            if key is not None:
                found.setdefault(key, c)
        if {"no", "performers"} <= found.keys() and "activity" not in found:
            # The activity heading misread past recognition ("Keylatan"):
            # it is the heading between No and Pelaksana.
            no, perf = found["no"], found["performers"]
            between = [c for c in cells if no.col < c.col < perf.col]
            if len(between) == 1:
                found["activity"] = between[0]
        if {"no", "activity", "performers"} <= found.keys():
            return r, found
    return None


def read_procedure_header(
        table: Table) -> tuple[dict[str, int], list[int], list[str], int, list[Field | None]] | None:
    """(columns, role columns, role names, first body row, role heading
    cells) of a headed table."""
    head = _header(table)
    if head is None:
        return None
    r, found = head
    perf = found["performers"]
    sub = r + perf.row_span
    columns = {"no": found["no"].col, "activity": found["activity"].col}
    role_cols, roles, role_fields = [], [], []
    for col in range(perf.col, perf.col + perf.col_span):
        cell = table.cell_at(sub, col)
        heading = cell is not None and cell.row >= sub
        role_cols.append(col)
        roles.append(cell.text if heading else "")
        role_fields.append(Field(cell.text, cell.box, cell.conf) if heading else None)
    quality = found.get("quality")
    quality_range = range(quality.col, quality.col + quality.col_span) if quality else range(0)
    for col in range(table.n_cols):
        if col in role_cols or col in columns.values():
            continue
        cell = table.cell_at(sub, col) if col in quality_range else table.cell_at(r, col)
        if cell is None:
            continue
        t = norm_label(cell.text)
        for key, pat in QUALITY_COLUMNS.items():
            if key not in columns and pat.search(t):
                columns[key] = col
                break
        else:
            key = _fuzzy_words(_LETTERS.findall(t), QUALITY_FORMS)
            if key is not None and key not in columns:
                columns[key] = col
            elif header_kind(cell.text) == "note" and "note" not in columns:
                columns["note"] = col
    if "note" not in columns:
        # An unlabeled last column after Mutu Baku is the Keterangan column
        # (seed 001 prints no heading over it).
        last = table.n_cols - 1
        if last not in columns.values() and last not in role_cols and quality_range and last >= max(quality_range) + 1:
            columns["note"] = last
    body = max(c.row + c.row_span for c in table.row_cells(r)) if table.row_cells(r) else r + 1
    body = max(body, sub + 1)
    return columns, role_cols, roles, body, role_fields


def _is_repeated_header(table: Table, row: int) -> bool:
    kinds = {header_kind(c.text) for c in table.row_cells(row)}
    return "activity" in kinds and bool(kinds & {"performers", "quality"})


def read_rows(table: Table, columns: dict[str, int], first: int, page: int) -> list[Row]:
    rows = []
    skip_until = first
    for r in range(first, table.n_rows):
        if r < skip_until:
            continue
        if _is_repeated_header(table, r):
            # a repeated two-row header inside the table: skip it and its sub-row
            skip_until = r + max(c.row_span for c in table.row_cells(r))
            skip_until = max(skip_until, r + 2)
            continue
        texts: dict[str, Field] = {}
        for key, col in columns.items():
            cell = table.cell_at(r, col)
            if cell is not None and cell.row == r:
                texts[key] = _cell_field(cell)
        no_text = texts.pop("no").text.strip() if "no" in texts else ""
        m = STEP_NO.match(no_text)
        if not m and not any(f.text.strip() for f in texts.values()):
            continue
        box = BBox(table.box.x0, table.row_edges[r], table.box.x1, table.row_edges[r + 1])
        rows.append(Row(no=int(m.group(1)) if m else None, texts=texts, box=box, page=page,
                        unread_no=not m and any(ch.isalnum() or not ch.isspace() for ch in no_text)))
    return rows


def same_columns(a: Table, b: Table, tol: float) -> bool:
    """Whether two tables have the same columns: as many, and as wide. The
    edges are compared from each table's left edge: each page of a scan lies
    a little apart on the glass (3 pt between two pages of one sample)."""
    if a.n_cols != b.n_cols:
        return False
    a0, b0 = a.col_edges[0], b.col_edges[0]
    return all(abs((x - a0) - (y - b0)) <= tol for x, y in zip(a.col_edges, b.col_edges))


def read_procedure(table: Table, page: int, previous: Procedure | None, tol: float) -> Procedure | None:
    header = read_procedure_header(table)
    if header is not None:
        columns, role_cols, roles, body, role_fields = header
        header_box = BBox(table.box.x0, table.row_edges[0], table.box.x1, table.row_edges[body])
    elif previous is not None and same_columns(table, previous.table, tol):
        columns, role_cols, roles, body = previous.columns, previous.role_cols, [], 0
        header_box, role_fields = None, []
    else:
        return None
    spans = [(table.col_edges[c], table.col_edges[c + 1]) for c in role_cols]
    rows = read_rows(table, columns, body, page)
    return Procedure(table=table, page=page, roles=roles, role_spans=spans, columns=columns,
                     role_cols=role_cols, rows=rows, header_box=header_box, role_fields=role_fields)


# -- signature --------------------------------------------------------------

def read_signature(words: Sequence[Word]) -> tuple[list[str], BBox | None]:
    """A signature block outside tables: the lines down to and with "NIP ...".

    Takes the NIP line and up to three lines right above it in the same
    column (position, name, rank), stopping at a gap of more than two lines.
    """
    lines = group_lines(words)
    for k in range(len(lines) - 1, -1, -1):
        text = " ".join(w.text for w in lines[k])
        if SIGNATURE_NIP.search(text) and re.search(r"\d{6}", text):
            x0 = min(w.box.x0 for w in lines[k])
            block = [lines[k]]
            for j in range(k - 1, max(-1, k - 6), -1):
                cand = lines[j]
                gap = block[0][0].box.top - max(w.box.bottom for w in cand)
                if gap > 3.5 * cand[0].box.height or min(w.box.x0 for w in cand) > x0 + 200:
                    break
                block.insert(0, cand)
            box = block[0][0].box
            for ln in block:
                for w in ln:
                    box = box.union(w.box)
            return [" ".join(w.text for w in ln) for ln in block], box
    return [], None


# -- the page ---------------------------------------------------------------

PAGE_NUMBER = re.compile(r"^(halaman|hal\.?|page)?\s*-?\s*\d{1,4}\s*-?(\s*(dari|of)\s*\d+)?$",
                         re.IGNORECASE)


def _lead_text(free: Sequence[Word], limit: float) -> Field | None:
    """Free text at the top of a page, above any section label and the table:
    the end of a section that ran over from the previous page."""
    words: list[Word] = []
    for line in group_lines([w for w in free if w.box.bottom <= limit]):
        text = " ".join(w.text for w in line)
        if _label_split(line, SECTION_LABELS) or _match(SECTION_LABELS, text):
            break  # the page's own sections start here
        if not PAGE_NUMBER.match(text):
            words.extend(line)
    return _words_field(words)


def read_page(page: PageContent, tables: Sequence[Table], previous: Procedure | None) -> PageLayout:
    """Everything one page says: identity, sections, procedure rows, signature."""
    out = PageLayout(page=page.number)
    tol = 3.0 * page.scale
    used_tables: list[BBox] = []
    table_words = {id(w) for t in tables for c in t.cells for w in c.words}
    free = [w for w in page.words if id(w) not in table_words]
    for t in tables:
        proc = read_procedure(t, page.number, previous, tol)
        if proc is not None:
            out.procedures.append(proc)
            previous = proc
            used_tables.append(t.box)
            continue
        if out.identity is None:
            ident = read_identity(t)
            if ident is not None:
                out.identity = ident
                used_tables.append(t.box)
        secs = sections_in_table(t)
        if secs:
            for k, v in secs.items():
                out.sections.setdefault(k, v)
            used_tables.append(t.box)
    if out.identity is None:
        out.identity = read_identity_lines(free)
    if out.identity is not None:
        heading = heading_above(free, out.identity.box, page, used_tables)
        out.identity.heading = heading + out.identity.heading
    proc_top = min((p.table.box.top for p in out.procedures), default=page.height)
    ident_bottom = out.identity.box.bottom if out.identity else 0.0
    text_secs = sections_in_text([w for w in free if w.box.top >= ident_bottom - 1],
                                 page, proc_top)
    for k, v in text_secs.items():
        out.sections.setdefault(k, v)
    if out.identity is None:
        out.lead = _lead_text(free, proc_top)
    if out.procedures or out.identity:
        after = max((p.table.box.bottom for p in out.procedures), default=0.0)
        sig_words = [w for w in free if w.box.top >= after]
        out.signature, out.signature_box = read_signature(sig_words)
    return out
