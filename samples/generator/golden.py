"""The expected SopDocument of a rendered sample.

Built from the YAML alone (plus the PDF's bytes, page count and SOP page
ranges). Deliberately shares no code with ingest.normalize: a golden file
derived with the code under test would only test that code against itself.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from ingest.model import (ApprovedBy, Branches, Duration, Identity, LegalBasis, Source,
                          Sop, SopDocument, Step)

_UNITS = {"menit": "minute", "jam": "hour", "hari": "day", "minggu": "week", "bulan": "month"}
_NUM = r"(\d+(?:[.,]\d+)?)"
_DURATION = re.compile(
    _NUM + r"\s*(?:(?:-|–|—|s\.?\s?d\.?|sampai(?:\s+dengan)?)\s*" + _NUM + r")?\s*("
    + "|".join(_UNITS) + r")\b", re.IGNORECASE)


def _number(text: str) -> int | float:
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() else value


def parse_duration(printed: str | None) -> Duration | None:
    """'15 – 30 menit' -> 15/30/minute; '1jam' -> 1/1/hour; '-' or blank -> None.
    Free text ('Sesuai kebutuhan') keeps its text with no numbers."""
    text = (printed or "").strip()
    if text in ("", "-", "–"):
        return None
    match = _DURATION.search(text)
    if not match:
        return Duration(text=text)
    low = _number(match.group(1))
    high = _number(match.group(2)) if match.group(2) else low
    return Duration(text=text, min=low, max=high, unit=_UNITS[match.group(3).lower()])


def blank_to_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text in ("", "-") else text


# A printed list ends its items with ";" (or ",", "; dan", "; atau") to join
# them: punctuation between items, not content. A final "." is content.
_JOINER = re.compile(r"\s*[;,]\s*(?:dan|atau)?\s*$", re.IGNORECASE)


def list_item(printed: str) -> str:
    """An item's text as the golden expects it: the printed text without its
    trailing list punctuation ("...Pemerintah Daerah;" -> "...Pemerintah
    Daerah", "...; dan" -> "..."), a final "." kept."""
    return _JOINER.sub("", printed.strip())


def build_sop(sop: dict[str, Any], pages: list[int]) -> Sop:
    ident = dict(sop["expected_identity"])
    approved = ident.pop("approved_by", None)
    identity = Identity(**ident, approved_by=ApprovedBy(**approved) if approved else None)
    steps = [
        Step(
            no=s["no"], activity=s["activity"], actors=list(s["actors"]), symbol=s["symbol"],
            requirements=blank_to_none(s.get("requirements")),
            duration=parse_duration(s.get("duration")),
            output=blank_to_none(s.get("output")), note=blank_to_none(s.get("note")),
            next=list(s["next"]),
            branches=Branches(**s["branches"]) if s.get("branches") else None,
            confidence=1.0)
        for s in sop["steps"]
    ]
    return Sop(
        pages=pages, identity=identity,
        legal_basis=[LegalBasis(**{**item, "text": list_item(item["text"])})
                     for item in sop["legal_basis"]],
        qualifications=[list_item(i) for i in sop["qualifications"]],
        related_sops=[list_item(i) for i in sop["related_sops"]],
        equipment=[list_item(i) for i in sop["equipment"]],
        warnings=[list_item(i) for i in sop["warnings"]],
        records=[list_item(i) for i in sop["records"]],
        roles=list(sop["roles"]), steps=steps)


def build_document(spec: dict[str, Any], pdf_bytes: bytes, source_path: str,
                   page_count: int, sop_pages: list[list[int]]) -> SopDocument:
    return SopDocument(
        source=Source(path=source_path, sha256=hashlib.sha256(pdf_bytes).hexdigest(),
                      media_type="application/pdf", pages=page_count, route="text-layer"),
        warnings=[],
        sops=[build_sop(sop, pages) for sop, pages in zip(spec["sops"], sop_pages)])
