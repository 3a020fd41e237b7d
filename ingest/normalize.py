"""Pure text normalisers for SOP field values.

Every function here takes the text the extractor read for one field (or one
block) and returns the value the contract wants: cleaned strings, durations,
ISO dates, NIP digits, approval blocks, legal-basis references and list items.
No I/O, no vocabulary: fuzzy correction against known roles lives elsewhere.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata

from ingest.model import ApprovedBy, Duration, LegalBasis

__all__ = [
    "blank_to_none",
    "clean_role",
    "clean_text",
    "parse_approval",
    "parse_date_iso",
    "parse_duration",
    "parse_legal_basis",
    "parse_nip",
    "nip_problems",
    "split_list",
]

# --------------------------------------------------------------------------
# clean_text / blank_to_none
# --------------------------------------------------------------------------

# Zero-width characters survive PDF text layers and break equality checks.
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# A word broken at a line end: "penyusun-\nan". Soft hyphen and U+2010 are
# what some PDF producers emit instead of "-".
_LINE_HYPHEN_RE = re.compile(r"(\w+)[-\u00ad\u2010][ \t]*\r?\n\s*(\w+)")
_WHITESPACE_RE = re.compile(r"\s+")
_DASH_ONLY_RE = re.compile(r"[-\u2010\u2013\u2014\s]+")


def _is_reduplication(left: str, right: str) -> bool:
    """True when `right` repeats the end of `left` ("masing"/"masing",
    "sebaik"/"baiknya"): Indonesian reduplication keeps its hyphen."""
    left, right = left.lower(), right.lower()
    return any(right.startswith(left[-k:]) for k in range(3, len(left) + 1))


def _join_line_hyphen(match: re.Match[str]) -> str:
    left, right = match.group(1), match.group(2)
    # Only a lowercase continuation is a broken word; "Undang-\nUndang" and
    # "bidang-\nbidang" are real hyphenated words that happen to wrap.
    if right[0].islower() and not _is_reduplication(left, right):
        return left + right
    return f"{left}-{right}"


def clean_text(text: str | None) -> str | None:
    """Collapse all whitespace to single spaces and strip; join words
    hyphenated across a line break. None for None or empty results."""
    if text is None:
        return None
    text = unicodedata.normalize("NFC", _INVISIBLE_RE.sub("", text))
    text = _LINE_HYPHEN_RE.sub(_join_line_hyphen, text)
    text = _WHITESPACE_RE.sub(" ", text).strip()
    return text or None


def blank_to_none(text: str | None) -> str | None:
    """The cleaned text, or None when it is blank or only a dash placeholder
    ("-", "–", "—", "--"), which forms write for "not applicable", or holds
    no letter or digit at all (a dash in a fax read with its specks: "- . °")."""
    cleaned = clean_text(text)
    if cleaned is None or _DASH_ONLY_RE.fullmatch(cleaned):
        return None
    if not any(ch.isalnum() for ch in cleaned):
        return None
    return cleaned


# --------------------------------------------------------------------------
# parse_duration
# --------------------------------------------------------------------------

_UNIT_WORDS = {
    "minute": ("menit", "mnt", "minutes", "minute"),
    "hour": ("jam", "jm", "hours", "hour"),
    "day": ("hari", "hr", "days", "day"),
    "week": ("minggu", "pekan", "weeks", "week"),
    "month": ("bulan", "bln", "months", "month"),
}
_UNIT_OF = {word: unit for unit, words in _UNIT_WORDS.items() for word in words}
# Longest first so "hari" is tried before "hr" and "minutes" before "minute".
_UNIT = "|".join(sorted(_UNIT_OF, key=len, reverse=True))
_NUM = r"\d+(?:[.,]\d+)?|\d*\s*½"
# "1 (satu) hari": the number spelled out in brackets is common in decrees.
_SPELLED = r"(?:\s*\([a-z\s]+\))?"
_RANGE_SEP = "-|\u2013|\u2014|" + r"s\s*/\s*d\.?|s\.d\.?|sampai(?:\s+dengan)?|hingga"
# Words that qualify the unit but do not change it; they stay in `text`.
_QUALIFIER = r"(?:\s+(?:kerja|kalender|efektif))?"
_DURATION_RE = re.compile(
    rf"(?P<a>{_NUM}){_SPELLED}\s*(?:(?P<ua>{_UNIT})\.?)?"
    rf"(?:\s*(?:{_RANGE_SEP})\s*(?P<b>{_NUM}){_SPELLED})?"
    rf"\s*(?P<ub>{_UNIT})\.?{_QUALIFIER}\.?",
    re.IGNORECASE,
)


def _number(text: str) -> int | float:
    """"1,5" -> 1.5, "½" -> 0.5, "2" -> 2 (ints stay ints)."""
    text = text.replace(" ", "")
    if "½" in text:
        value = float(text.replace("½", "") or 0) + 0.5
    else:
        value = float(text.replace(",", "."))
    return int(value) if value.is_integer() else value


# OCR reads the digits 1 and 0 as the letters l, I, | and O in short number
# tokens; in front of a unit word ("ljam", "l hari", "3O menit") they can only
# be digits.
_OCR_NUMBER_RE = re.compile(
    rf"(?<![A-Za-z0-9])(?=[0-9lI|Oo]*[0-9lI|])([0-9lI|Oo]{{1,3}})"
    rf"(?=\s*(?:(?:{_UNIT})\b|[-–—]\s*[0-9lI|Oo]))",
    re.IGNORECASE)


def fix_ocr_number(text: str) -> str:
    """"ljam" -> "1jam", "I hari" -> "1 hari", "3O menit" -> "30 menit"."""
    def digits(m: re.Match[str]) -> str:
        token = m.group(1)
        fixed = token.translate(str.maketrans("lI|Oo", "11100"))
        return fixed if fixed.isdigit() else token
    return _OCR_NUMBER_RE.sub(digits, text)


def parse_duration(text: str | None) -> Duration | None:
    """Parse a Waktu cell. None for blank or "-"; numbers and a unit when the
    wording is "N unit" or "N – M unit"; free text otherwise ("Sesuai
    kebutuhan"). `text` always keeps the cleaned wording ("3 hari kerja"),
    with OCR's letter-for-digit slips before a unit corrected."""
    cleaned = blank_to_none(text)
    if cleaned is None:
        return None
    cleaned = fix_ocr_number(cleaned)
    match = _DURATION_RE.fullmatch(cleaned)
    if not match:
        return Duration(text=cleaned)
    unit = _UNIT_OF[match["ub"].lower()]
    first_unit = _UNIT_OF[match["ua"].lower()] if match["ua"] else unit
    if match["ua"] and not match["b"]:
        # "10 menit menit": a unit twice without a range is not a duration form.
        return Duration(text=cleaned)
    low = _number(match["a"])
    high = _number(match["b"]) if match["b"] else low
    # "1 jam - 2 hari" mixes units and "30 - 15 menit" runs backwards; any
    # number we chose would misstate one end, so keep them as free text.
    if first_unit != unit or low > high:
        return Duration(text=cleaned)
    return Duration(text=cleaned, min=low, max=high, unit=unit)


# --------------------------------------------------------------------------
# parse_date_iso
# --------------------------------------------------------------------------

_MONTHS = {
    1: ("januari", "january", "jan"),
    2: ("februari", "pebruari", "february", "feb", "peb"),
    3: ("maret", "march", "mar"),
    4: ("april", "apr"),
    5: ("mei", "may"),
    6: ("juni", "june", "jun"),
    7: ("juli", "july", "jul"),
    8: ("agustus", "august", "agt", "agu", "ags", "agust", "aug"),
    9: ("september", "sep", "sept"),
    10: ("oktober", "october", "okt", "oct"),
    11: ("november", "nopember", "nov", "nop"),
    12: ("desember", "december", "des", "dec"),
}
_MONTH_OF = {name: number for number, names in _MONTHS.items() for name in names}


def month_number(name: str) -> int | None:
    """1-12 for a month's name or abbreviation in Indonesian or English."""
    return _MONTH_OF.get(name.lower().rstrip("."))

# Day is optional: "Desember 2021" gives a YYYY-MM value.
_NAMED_DATE_RE = re.compile(r"(?:\b(\d{1,2})\s*)?\b([A-Za-z]+)\.?\s*,?\s*(\d{4})\b")
# English order: "March 3, 2022".
_MONTH_FIRST_DATE_RE = re.compile(r"\b([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_NUMERIC_DATE_RE = re.compile(r"\b(\d{1,2})([-/.])(\d{1,2})\2(\d{4})\b")
_ISO_DATE_RE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_YEARS = range(1900, 2101)


def _iso(year: int, month: int, day: int | None) -> str | None:
    """YYYY-MM-DD (or YYYY-MM without a day), None for impossible dates."""
    if year not in _YEARS or not 1 <= month <= 12:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


# OCR reads 0 and 1 as O, o, l, I in a date's day and year ("1O Juli 2O23").
_OCR_DATE_NUMBER_RE = re.compile(r"(?<![A-Za-z0-9])(?=[0-9OoIl]*[0-9])[0-9OoIl]{1,4}(?![A-Za-z0-9])")


def _fix_date_digits(text: str) -> str:
    return _OCR_DATE_NUMBER_RE.sub(lambda m: m[0].translate(str.maketrans("OoIl", "0011")), text)


def could_be_date(text: str | None) -> bool:
    """Whether an OCR'd date field may hold a date: a digit, or a month's
    name. What is left when OCR reads a printed "-" ("Do", "ie", "2",
    ". . wot") is neither, or too short to be one (under three letters or
    digits)."""
    if not text:
        return False
    if sum(ch.isalnum() for ch in text) < 3:
        return False
    return any(ch.isdigit() for ch in text) or any(
        month_number(w) for w in re.findall(r"[A-Za-z]+", text))


def parse_date_iso(text: str | None) -> str | None:
    """Indonesian (or English) date to ISO: "10 Juli 2023" -> "2023-07-10",
    "Desember 2021" -> "2021-12", "12/06/2020" (day first) -> "2020-06-12".
    OCR's letters for digits in the numbers are read as digits ("1O Juli
    2O23"). None for blank, "-", unparseable or impossible dates ("31 Februari")."""
    cleaned = blank_to_none(text)
    if cleaned is None:
        return None
    cleaned = _fix_date_digits(cleaned)
    for match in _NAMED_DATE_RE.finditer(cleaned):
        month = _MONTH_OF.get(match[2].lower())
        if month is not None:
            day = int(match[1]) if match[1] else None
            return _iso(int(match[3]), month, day)
    for match in _MONTH_FIRST_DATE_RE.finditer(cleaned):
        if (month := _MONTH_OF.get(match[1].lower())) is not None:
            return _iso(int(match[3]), month, int(match[2]))
    if match := _NUMERIC_DATE_RE.search(cleaned):
        return _iso(int(match[4]), int(match[3]), int(match[1]))
    if match := _ISO_DATE_RE.search(cleaned):
        return _iso(int(match[1]), int(match[2]), int(match[3]))
    return None


# --------------------------------------------------------------------------
# parse_nip
# --------------------------------------------------------------------------

# The 18-digit NIP: birth date (8), appointment month (6), sex (1), serial (3),
# printed grouped "19650808 199203 1 019" or unbroken.
_NIP_GROUPED = r"\d{8}\s?\d{6}\s?\d\s?\d{3}"
# The label as printed, and as OCR reads it on a poor scan: "NlP", "N1P",
# "NP." (the I lost). Only ever looked for in an approval or signature block.
_NIP_WORD = r"\bN[Il1|]?P\b"
_NIP_LABELLED_RE = re.compile(
    rf"{_NIP_WORD}\s*[.:,;]?\s*[.:]?\s*({_NIP_GROUPED}|\d(?:[\d ]*\d)?)(?!\d)", re.IGNORECASE
)
_NIP_BARE_RE = re.compile(rf"(?<!\d){_NIP_GROUPED}(?!\d)")
_NIP_LABEL_RE = re.compile(_NIP_WORD, re.IGNORECASE)
_NON_DIGIT_RE = re.compile(r"\D")


def _find_nip(text: str) -> re.Match[str] | None:
    """The NIP's match: after a "NIP" label, or a bare 18-digit group."""
    return _NIP_LABELLED_RE.search(text) or _NIP_BARE_RE.search(text)


def parse_nip(text: str | None) -> str | None:
    """The NIP's digits from "NIP. 19650808 199203 1 019" and its variants
    (label with "." or ":", grouped or unbroken, or a bare 18-digit NIP).
    None when no NIP is present."""
    if not text:
        return None
    match = _find_nip(text)
    if match is None:
        return None
    return _NON_DIGIT_RE.sub("", match[match.lastindex or 0]) or None


def nip_problems(nip: str | None, today: dt.date | None = None) -> list[str]:
    """What is impossible about an 18-digit NIP (empty list when nothing):
    the birth date (YYYYMMDD) must exist, the appointment (YYYYMM) be a real
    month at least 17 years after birth and not in the future, the sex digit
    1 or 2 and the serial not 000. The old 9-digit NIP (before 2008) has no
    structure to check; other lengths are reported."""
    if not nip:
        return []
    if len(nip) == 9:
        return []
    if len(nip) != 18 or not nip.isdigit():
        return [f"has {len(nip)} digits, not 18"]
    today = today or dt.date.today()
    problems = []
    birth: dt.date | None = None
    try:
        birth = dt.date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
        if not 1900 <= birth.year <= today.year - 17:
            problems.append(f"birth year {birth.year} is not possible for a civil servant")
            birth = None
    except ValueError:
        problems.append(f"birth date {nip[0:4]}-{nip[4:6]}-{nip[6:8]} does not exist")
    year, month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= month <= 12:
        problems.append(f"appointment month {nip[8:12]}-{nip[12:14]} does not exist")
    elif (year, month) > (today.year, today.month):
        problems.append(f"appointment {year}-{month:02d} is in the future")
    elif birth is not None and (year, month) < (birth.year + 17, birth.month):
        problems.append(f"appointment {year}-{month:02d} is before the age of 17 "
                        f"(born {birth.isoformat()})")
    if nip[14] not in "12":
        problems.append(f"sex digit {nip[14]} is not 1 or 2")
    if nip[15:] == "000":
        problems.append("serial number 000 is not used")
    return problems


# --------------------------------------------------------------------------
# parse_approval
# --------------------------------------------------------------------------

_TINGKAT = r"(?:\s+(?:Tingkat|Tk\.?)\s*I\b)?"
# Pangkat of civil servants, longest names first, optionally followed by the
# golongan ("(IV.c)", "IV/b"). The lookahead keeps job titles such as
# "Penata Laksana Barang" out: a rank is followed by the NIP or ends the block.
_RANK_RE = re.compile(
    r"\b(?:Pembina\s+Utama(?:\s+(?:Muda|Madya))?" + "|Pembina" + _TINGKAT
    + r"|Penata\s+Muda" + _TINGKAT + "|Penata" + _TINGKAT
    + r"|Pengatur\s+Muda" + _TINGKAT + "|Pengatur" + _TINGKAT
    + r"|Juru\s+Muda" + _TINGKAT + "|Juru" + _TINGKAT + ")"
    # the golongan: "(IV.c)", "IV/b", and as OCR reads it, "(IV c)", "(lV.c)"
    + r"(?:\s*,?\s*\(?\s*(?:IV|III|II|I|[l1|f]V|[l1|]{1,3})\s*[./-]?\s*[a-e]\s*\)?)?"
    + rf"(?=[\s,;]*(?:{_NIP_WORD}|\d{{8}}|$))",
    re.IGNORECASE,
)
# Degrees written before a name. The dot is required so ordinary words
# ("Hal", "Ir") are not mistaken for titles.
_PREFIX_DEGREE_RE = re.compile(r"(?<![\w.])(?:Prof|Drs|Dra|Dr|DR|DRS|Ir|IR|Hj|H|dr|drg|Ns)\.")
# Degrees written after a name, each a comma part: "SE", "S.Sos", "M.AP",
# "M.Ec.Dev", "Ak", "A.Md.Kom", "Ph.D".
_SUFFIX_DEGREE = (
    r"(?:[SM]\.?\s?[A-Z][A-Za-z]{0,5}|A\.?\s?Md|Ak|Apt|MBA|MPA|Ph\.?\s?D|B\.?\s?Sc|Dipl)"
    r"(?:\.\s?[A-Za-z]{1,5})*\.?"
)
_SUFFIX_DEGREES_RE = re.compile(rf"{_SUFFIX_DEGREE}(?:\s+{_SUFFIX_DEGREE})*")
_APPROVAL_LABEL_RE = re.compile(r"^(?:disahkan|ditetapkan)\s+oleh\s*:?\s*", re.IGNORECASE)
# Signature placeholders between position and name carry no data.
_SIGNATURE_RE = re.compile(r"\(?\s*(?:ttd|t\.t\.d|cap|dto)\.?\s*\)?", re.IGNORECASE)
_PART_SEP_RE = re.compile(r"[ \t\u00a0]{2,}|\t|\r?\n")
_EDGE_PUNCT = " ,;:"


def _is_upper_word(word: str) -> bool | None:
    """True/False for an all-caps / mixed word; None when it has fewer than
    two letters and so says nothing about case."""
    letters = [c for c in word if c.isalpha()]
    if len(letters) < 2:
        return None
    return all(c.isupper() for c in letters)


def _split_on_case(text: str) -> tuple[str | None, str]:
    """Split "KEPALA BADAN Yuli Mora" / "Kepala Badan SUWITO" at the last
    change between all-caps and mixed-case words: positions and names are
    often printed in different cases, and the name comes last."""
    words = text.split()
    cut, previous = 0, None
    for i, word in enumerate(words):
        upper = _is_upper_word(word)
        if upper is None:
            continue
        if previous is not None and upper != previous:
            cut = i
        previous = upper
    if cut == 0:
        return None, text
    return " ".join(words[:cut]), " ".join(words[cut:])


def _split_position_name(text: str) -> tuple[str | None, str | None]:
    """Split one string holding "position name" into its two parts, using a
    leading degree ("Drs."), then trailing degrees after commas ("Kepala,
    Yuli Permata Mora, SE, M.Si"), then the change of letter case."""
    if match := _PREFIX_DEGREE_RE.search(text):
        return _strip_edges(text[: match.start()]), _strip_edges(text[match.start():])
    parts = [part.strip() for part in text.split(",")]
    for j in range(1, len(parts)):
        if _SUFFIX_DEGREES_RE.fullmatch(parts[j]) and parts[j - 1]:
            position: str | None = ", ".join(parts[: j - 1])
            bare_name = parts[j - 1]
            if not position:
                # "KEPALA DINAS Budi Santoso, SE": no comma after the position.
                position, bare_name = _split_on_case(bare_name)
            name = ", ".join([bare_name, *parts[j:]])
            return _strip_edges(position), _strip_edges(name)
    position, name = _split_on_case(text)
    return _strip_edges(position), _strip_edges(name)


def _has_degree(text: str) -> bool:
    """True when a line carries an academic or religious title, i.e. names a person."""
    parts = [part.strip() for part in text.split(",")]
    return bool(_PREFIX_DEGREE_RE.search(text)) or any(
        _SUFFIX_DEGREES_RE.fullmatch(part) for part in parts[1:]
    )


def _strip_edges(text: str | None) -> str | None:
    """Drop the separators a block leaves around a value ("Kepala," -> "Kepala")."""
    if text is None:
        return None
    return clean_text(text.strip(_EDGE_PUNCT))


def _approval_parts(lines: list[str]) -> str:
    """The block as one string, one part per line: a line's pieces separated
    by two or more spaces (or tabs) are separate parts."""
    parts: list[str] = []
    for line in lines:
        for piece in _PART_SEP_RE.split(line or ""):
            cleaned = clean_text(piece)
            if cleaned and not _SIGNATURE_RE.fullmatch(cleaned):
                parts.append(cleaned)
    if parts:
        parts[0] = _APPROVAL_LABEL_RE.sub("", parts[0])
    return "\n".join(part for part in parts if part)


def parse_approval(lines: list[str]) -> ApprovedBy:
    """Parse the "Disahkan oleh" block into position, name, rank and NIP.

    The rank, else the NIP, anchors the block: with several parts before it
    the last is the name and the others the position; a single part is split
    by degrees and letter case. Without an anchor, a last part carrying a
    degree is the name and the rest the position."""
    block = _approval_parts(lines)
    nip_match = _find_nip(block)
    nip = parse_nip(block[nip_match.start():]) if nip_match else None
    # A "NIP" label left empty ("NIP. -") still ends the name part.
    label = nip_match or _NIP_LABEL_RE.search(block)
    search_end = label.start() if label else len(block)
    rank_match = _RANK_RE.search(block)
    if rank_match and rank_match.start() > search_end:
        rank_match = None  # a rank after the NIP is not this block's layout
    rank = _strip_edges(rank_match[0]) if rank_match else None
    anchor = rank_match.start() if rank_match else search_end
    before = [part for part in block[:anchor].split("\n") if _strip_edges(part)]

    position: str | None
    name: str | None
    if not before:
        position = name = None
    elif len(before) >= 2 and (label or rank_match or _has_degree(before[-1])):
        position, name = " ".join(before[:-1]), before[-1]
        # "KABUPATEN PASER Drs. SUWITO": a leading degree marks where the name starts.
        if (match := _PREFIX_DEGREE_RE.search(name)) and match.start() > 0:
            position, name = f"{position} {name[: match.start()]}", name[match.start():]
    elif len(before) == 1 and (label or rank_match):
        position, name = _split_position_name(before[0])
    elif len(before) == 1 and _has_degree(before[0]):
        position, name = _split_position_name(before[0])
        if not _has_degree(name or ""):  # the case split alone is too weak here
            position, name = before[0], None
    else:
        position, name = " ".join(before), None
    return ApprovedBy(
        position=_strip_edges(position), name=_strip_edges(name), rank=rank, nip=nip
    )


# --------------------------------------------------------------------------
# parse_legal_basis
# --------------------------------------------------------------------------

_PERBAN_BODIES = (
    r"Badan|Lembaga|Arsip|BPS|BKN|LKPP|BPKP|ANRI|LAN|BPOM|BNN|BSSN|BMKG|BNPB|BPN"
    r"|Bappenas|KPU|Bawaslu"
)
# Ordered: the first pattern matching at the start of the text wins, so the
# longer titles come before the ones they contain ("Peraturan Pemerintah
# Pengganti Undang-Undang" before "Peraturan Pemerintah").
_KIND_PATTERNS: tuple[tuple[str, str], ...] = (
    ("UUD", r"(?:Un\w{3,5}[-\s]*Un\w{3,5}\s+Dasar|UUD)\b"),
    ("Perppu", r"(?:Perppu|Perpu|Peraturan\s+Pemerintah\s+Pengganti)\b"),
    # "Un…-Un…" also takes typos such as "Undnag-Undang".
    ("UU", r"(?:Un\w{3,5}[-\s]*Un\w{3,5}|U\.?\s?U\.?)(?!\w)"),
    ("PP", r"(?:Peraturan\s+Pemerintah|PP)\b"),
    ("Perpres", r"(?:Peraturan\s+Presiden|Perpres)\b"),
    ("Inpres", r"(?:Instruksi\s+Presiden|Inpres)\b"),
    ("Keputusan", r"(?:Keputusan\s+Presiden|Kepp?res)\b"),
    ("Permen", r"(?:Peraturan\s+Men|Permen|PMK\b|Per\s?Men)"),
    ("Perkada", (r"(?:Peraturan\s+(?:Gubernur|Bupati|Wali\s*kota|Kepala\s+Daerah)"
                 r"|Pergub|Perbup|Perwali|Perwal|Perwalkot|Perkada)\b")),
    ("Perban", rf"(?:Peraturan\s+(?:Kepala\s+)?(?:{_PERBAN_BODIES})|Perka|Perkaban|Perban)\b"),
    ("Perda", r"(?:Peraturan\s+Daerah|Perda)\b"),
    ("Keputusan", r"(?:Keputusan|Kepmen\w*|Kepgub|Kepbup|Kepwal\w*|SK)\b"),
)
_KIND_RES = tuple((kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _KIND_PATTERNS)
_LEADING_JUNK_RE = re.compile(r"^[^A-Za-z]+")
# The regulation's own title ends where its subject ("tentang …") begins;
# numbers after that belong to other regulations.
_TENTANG_RE = re.compile(r"\btentang\b", re.IGNORECASE)
# Compound numbers: "23", "03", "210/PMK.05/2022", "PER-40/PB/2006".
_REG_NUMBER = (
    r"(?P<number>(?:[A-Za-z]{1,5}-)?\d+[A-Za-z]?"
    r"(?:\s*/\s*[A-Za-z0-9.\-]*[A-Za-z0-9]|[.\-][A-Za-z0-9]+)*)"
)
_NUMBER_RE = re.compile(
    rf"\b(?:Nomor|Nomer|Nmr|No)\b\s*\.?\s*:?\s*{_REG_NUMBER}", re.IGNORECASE
)
# "Tahun 2021", and the short forms "Th. 2012", "Thn 2012".
_TAHUN = r"(?:Tahun|Thn\.?|Th\.?)"
_BARE_NUMBER_RE = re.compile(rf"\s{_REG_NUMBER}(?=\s*,?\s*{_TAHUN}\s*\d)", re.IGNORECASE)
_YEAR_AFTER_RE = re.compile(rf"\s*,?\s*{_TAHUN}\s*(\d{{4}})\b", re.IGNORECASE)
# "No. 35/2012": a plain number and its year after one slash.
_NUMBER_SLASH_YEAR_RE = re.compile(r"^(\d+[A-Za-z]?)\s*/\s*((?:19|20)\d{2})$")
_YEAR_IN_NUMBER_RE = re.compile(r"[/.\-]((?:19|20)\d{2})$")
_ANY_YEAR_RE = re.compile(r"\b((?:19|20)\d{2})\b")


def _legal_kind(text: str) -> str:
    """The kind named by the title at the start of the text."""
    head = _LEADING_JUNK_RE.sub("", text)
    for kind, pattern in _KIND_RES:
        if pattern.match(head):
            return kind
    return "Other"


def parse_legal_basis(text: str | None) -> LegalBasis:
    """Kind, number and year of one Dasar Hukum item, read from its own title
    (the part before "tentang"). `text` is the cleaned input."""
    cleaned = clean_text(text) or ""
    kind = _legal_kind(cleaned)
    title = _TENTANG_RE.split(cleaned, maxsplit=1)[0]
    match = _NUMBER_RE.search(title) or _BARE_NUMBER_RE.search(title)
    number = match["number"] if match else None
    year: int | None = None
    if number and (short := _NUMBER_SLASH_YEAR_RE.match(number)):
        number, year = short[1], int(short[2])
    elif match:
        if after := _YEAR_AFTER_RE.match(title, match.end()):
            year = int(after[1])
        elif in_number := _YEAR_IN_NUMBER_RE.search(number or ""):
            year = int(in_number[1])  # "210/PMK.05/2022" carries its year
    elif kind == "UUD" and (found := _ANY_YEAR_RE.search(title)):
        year = int(found[1])  # "UUD 1945", "... Tahun 1945"
    return LegalBasis(text=cleaned, kind=kind, number=number, year=year)


# --------------------------------------------------------------------------
# split_list
# --------------------------------------------------------------------------

# Numbered markers "1." / "1)". Not after a digit, ".", ",", "/" or "(" so
# "No.73", "184.4", "ayat (1)" are no markers, and not before a digit so
# decimals and dates ("12.06.2020") are not either.
# OCR reads a blurred marker's dot as a comma: "3," before a capitalised
# word counts too ("Pasal 3, ayat" does not: no capital follows).
_NUM_MARKER_RE = re.compile(r"(?<![\d.,/(])(\d{1,2})(?:[.)]|,(?=\s+[A-Z]))(?!\d)")
# Lettered markers "a." / "a)": a whole word followed by a space, so "Tk.I",
# "a.n." and "s.d." are not markers.
_ALPHA_MARKER_RE = re.compile(r"(?<![\w.(])([a-z])[.)](?=\s)")
_LEADING_BULLET_RE = re.compile("^(?:[-\u2022\u00b7*\u25aa\u25e6\u2013]\\s*)+")
# List punctuation joining items ("…Daerah;", "…; dan") is not item content.
_TRAILING_JOINER_RE = re.compile(r"\s*[;,]\s*(?:dan|atau)?\s*$", re.IGNORECASE)
_FOLLOWED_BY_LETTER_RE = re.compile(r"\s*[A-Za-z]")


def _marker_value(marker: str) -> int:
    """1 for "1"/"a", 2 for "2"/"b", …"""
    return int(marker) if marker.isdigit() else ord(marker) - ord("a") + 1


def _sequence_markers(text: str) -> list[re.Match[str]]:
    """The markers that number the list: the first at the start of the text,
    then each next value in order. A marker glued to a word ("Keuangan2.")
    must be the expected next one and be followed by a word; one repeated
    number ("3." twice, as printed in seed 001) is accepted if it stands free."""
    marker_re = _ALPHA_MARKER_RE if text[:1].isalpha() else _NUM_MARKER_RE
    found = list(marker_re.finditer(text))
    if not found or found[0].start() != 0 or _marker_value(found[0][1]) != 1:
        return []
    chosen, repeats = [found[0]], 1
    for match in found[1:]:
        value, last = _marker_value(match[1]), _marker_value(chosen[-1][1])
        glued = text[match.start() - 1].isalpha()
        if glued and not _FOLLOWED_BY_LETTER_RE.match(text, match.end()):
            continue
        if value == last + 1:
            chosen.append(match)
        elif value == last and repeats and not glued and text[match.end():match.end() + 1] == " ":
            chosen.append(match)
            repeats -= 1
    return chosen


def _clean_item(text: str) -> str | None:
    """One item's text without bullet and joining punctuation."""
    text = _LEADING_BULLET_RE.sub("", clean_text(text) or "")
    return blank_to_none(_TRAILING_JOINER_RE.sub("", text))


# OCR misreads a lettered marker at the start of a line: "c." as "Cc." or
# "C.", "a." as "a" (the dot lost). A line opening with one letter (or the
# same letter twice), maybe a dot, then a capitalised word is an item marker.
_OCR_MARKER_RE = re.compile(r"(?m)^([A-Za-z])(?:\1)?[.)]?[ \t]+(?=[A-Z(])", re.IGNORECASE)
# ... and "a." read as "&." or "@." on a blurred photo: never a marker of its own.
_OCR_A_MARKER_RE = re.compile(r"(?m)^[&@][.)][ \t]+(?=[A-Z(])")
# ... and a numbered one with its dot lost ("1 Pendidikan minimal S1" on a fax).
_OCR_NUM_MARKER_RE = re.compile(r"(?m)^(\d{1,2})[ \t]+(?=[A-Z(])")


def fix_ocr_markers(text: str) -> str:
    """Line-initial markers as OCR reads them -> "a. ", "c. ", "1. " (lower
    case, dot)."""
    text = _OCR_MARKER_RE.sub(lambda m: m.group(1).lower() + ". ", text)
    return _OCR_NUM_MARKER_RE.sub(lambda m: m.group(1) + ". ", text)


def split_list(text: str | None) -> list[str]:
    """Split a section's content into items on its numbering ("1.", "a.",
    "1)", "a)"), on separate lines or run together. Markers count only when
    they form a sequence from 1 (or a), so "Nomor 23" or "No.73" never split.
    Unnumbered text is one item; blank or "-" gives []."""
    if text:
        # "&." opening a line is "a." whatever follows: it is no text's start.
        text = _OCR_A_MARKER_RE.sub("a. ", text)
        fixed = fix_ocr_markers(text)
        # Only when the repaired markers really number a list (two or more in
        # sequence): "A Rahman ..." stays a sentence.
        if fixed != text and len(_sequence_markers(clean_text(fixed) or "")) >= 2:
            text = fixed
    cleaned = blank_to_none(text)
    if cleaned is None:
        return []
    cleaned = _LEADING_BULLET_RE.sub("", cleaned)
    markers = _sequence_markers(cleaned)
    if not markers:
        item = _clean_item(cleaned)
        return [item] if item else []
    bounds = [m.start() for m in markers[1:]] + [len(cleaned)]
    items = (_clean_item(cleaned[m.end():end]) for m, end in zip(markers, bounds, strict=True))
    return [item for item in items if item]


# --------------------------------------------------------------------------
# clean_role
# --------------------------------------------------------------------------

_SPACE_BEFORE_PUNCT_RE = re.compile(r"\s+([.,;:)])")
# "Kasubbag.Perencanaan": an abbreviation dot glued to the next word.


def clean_role(text: str | None) -> str:
    """A column heading with its spacing tidied ("Kasubbag.  Perencanaan
    Program" -> "Kasubbag. Perencanaan Program", "Kasubag ." -> "Kasubag.").

    Roles are kept as printed (the contract), so "Staf/ Jabatan" keeps its
    space and glued abbreviations stay glued; only spaces the text layer or
    OCR put before punctuation go. Wording is the vocabulary's business.
    """
    cleaned = clean_text(text) or ""
    cleaned = _SPACE_BEFORE_PUNCT_RE.sub(r"\1", cleaned)
    return cleaned.strip(" ,;:")
