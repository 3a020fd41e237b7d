"""Generality: the born-digital route on layouts and content it was not
developed on, rendered at test time by the sample generator.

- the generator's fixture (samples/generator/fixture.yaml, not a committed
  sample), as written (style B) and in the hold-out style D;
- SOP 07 and SOP 08 of the BKPSDM Paser decree (decisions with back arrows,
  several actors, off-page connectors), one SOP per file, in style D.

Style D (samples/generator/styles.py) is used by no committed sample: portrait
procedure pages, borders as thin filled rectangles, identity as free
"LABEL : value" lines, a./b. lists, header label variants, path-drawn
symbols, numbered connectors, no repeated header rows. The golden for each
file is what the generator builds from the YAML alone (no ingest code).

Targets, as for the committed samples: overall >= 0.99 and activity text,
actors, symbols, next/branches and step count exact. Also checked: the
generator is byte-for-byte deterministic, no text crosses a drawn line in
any style, a character without a glyph is an error, and the golden's list
items drop the list punctuation.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pdfplumber
import pytest
import yaml

from ingest import evaluate
from ingest.model import SopDocument
from ingest.pipeline import ingest_file

from .conftest import SAMPLES

sys.path.insert(0, str(SAMPLES))
from generator import FIXTURE, SpecError, build, load
from generator.golden import list_item

DECREE = SAMPLES / "sopdata" / "bkpsdm-paser-keputusan-sop-perencanaan.yaml"
EXACT = ("activity_text", "actors", "next_branches", "symbols", "steps_count")


def _specs() -> dict[str, dict]:
    """stem -> generator spec (the YAML content) of each case."""
    fixture = load(FIXTURE)
    decree = load(DECREE)
    specs = {"fixture": fixture}
    d = copy.deepcopy(fixture)
    d.update(style="D", stem="fixture-D")
    specs["fixture-D"] = d
    by_number = {s["printed"]["number"].replace(" ", ""): s for s in decree["sops"]}
    for number in ("07/SOP-Sek.II", "08/SOP-Sek.II"):
        sop = by_number[number]
        stem = f"sop{number[:2]}-D"
        specs[stem] = {"stem": stem, "style": "D", "sops": [copy.deepcopy(sop)]}
    return specs


CASES = list(_specs())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, tuple[Path, SopDocument]]:
    """stem -> (PDF, golden), each written as a one-file YAML and rendered
    through the generator's own loader and builder."""
    out = tmp_path_factory.mktemp("generality")
    result = {}
    for stem, spec in _specs().items():
        src = out / f"{stem}.yaml"
        src.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
        pdf = out / f"{stem}.pdf"
        gold, _ = build(src, pdf)
        result[stem] = (pdf, gold)
    return result


def _mismatches(pred: SopDocument, gold: SopDocument) -> list[str]:
    """Field-by-field differences, for the failure message."""
    skip = {"evidence", "corrections", "confidence", "sha256", "path", "created_iso",
            "revised_iso", "effective_iso", "roles_canonical"}
    out: list[str] = []

    def walk(a, b, path):
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                if k not in skip:
                    walk(a.get(k), b.get(k), f"{path}.{k}" if path else k)
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{path}[{i}]")
        elif a != b:
            out.append(f"{path}: got {a!r}, want {b!r}")

    walk(pred.model_dump(mode="json"), gold.model_dump(mode="json"), "")
    return out


@pytest.mark.parametrize("stem", CASES)
def test_targets(stem: str, rendered) -> None:
    pdf, gold = rendered[stem]
    pred = ingest_file(pdf)
    assert pred.source.route == "text-layer"
    assert [s.pages for s in pred.sops] == [s.pages for s in gold.sops]
    scores = evaluate.score_document(pred, gold)
    report = "\n".join([f"{k}: {v.correct:g}/{v.total:g}" for k, v in scores.items() if v.total]
                       + _mismatches(pred, gold))
    assert evaluate.overall(scores) >= 0.99, report
    for family in EXACT:
        assert scores[family].score == 1.0, (family, report)


def test_generator_is_deterministic(tmp_path: Path) -> None:
    for stem, spec in _specs().items():
        if stem not in ("fixture", "fixture-D"):
            continue
        src = tmp_path / f"{stem}.yaml"
        src.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
        first, second = tmp_path / f"{stem}-1.pdf", tmp_path / f"{stem}-2.pdf"
        gold1, _ = build(src, first)
        gold2, _ = build(src, second)
        assert first.read_bytes() == second.read_bytes(), stem
        assert gold1.model_dump(exclude={"source": {"path"}}) == gold2.model_dump(exclude={"source": {"path"}})


# -- the rendering itself ---------------------------------------------------

def _segments(page) -> list[tuple]:
    segs: list[tuple] = [("box", ln["x0"], ln["top"], ln["x1"], ln["bottom"]) for ln in page.lines]
    for c in page.curves:
        segs += [("seg", a, b, x, y) for (a, b), (x, y) in zip(c["pts"], c["pts"][1:])]
    for r in page.rects:
        x0, t, x1, b = r["x0"], r["top"], r["x1"], r["bottom"]
        if x1 - x0 < 1.2 or b - t < 1.2:  # a filled bar: one rule
            segs.append(("box", x0, t, x1, b))
        else:
            segs += [("box", x0, t, x1, t), ("box", x0, b, x1, b),
                     ("box", x0, t, x0, b), ("box", x1, t, x1, b)]
    return segs


def _hits(seg: tuple, x0: float, y0: float, x1: float, y1: float) -> bool:
    kind, ax, ay, bx, by = seg
    if kind == "box":
        return ax < x1 and bx > x0 and ay < y1 and by > y0
    # Liang-Barsky: does the (diagonal) segment enter the box?
    t0, t1, dx, dy = 0.0, 1.0, bx - ax, by - ay
    for p, q in ((-dx, ax - x0), (dx, x1 - ax), (-dy, ay - y0), (dy, y1 - ay)):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        t0, t1 = (max(t0, r), t1) if p < 0 else (t0, min(t1, r))
        if t0 > t1:
            return False
    return True


def _ink(c) -> tuple[float, float, float, float]:
    """Roughly where a glyph's ink is (the char box includes the line gap)."""
    s, w = c["size"], c["x1"] - c["x0"]
    return c["x0"] + 0.1 * w, c["top"] + 0.25 * s, c["x1"] - 0.1 * w, c["bottom"] - 0.22 * s


def text_collisions(pdf: Path) -> list[str]:
    """Characters crossed by a drawn line, rule or shape outline (text that
    overflows its cell crosses the cell's rule), overlapping other text, or
    off the page."""
    bad: list[str] = []
    with pdfplumber.open(pdf) as doc:
        for n, page in enumerate(doc.pages, 1):
            segs = _segments(page)
            chars = sorted((c for c in page.chars if c["text"].strip()), key=lambda c: c["top"])
            for i, c in enumerate(chars):
                box = _ink(c)
                if c["x0"] < 0 or c["x1"] > page.width or c["top"] < 0 or c["bottom"] > page.height:
                    bad.append(f"page {n}: {c['text']!r} off the page")
                if any(_hits(s, *box) for s in segs):
                    bad.append(f"page {n}: {c['text']!r} at ({c['x0']:.0f}, {c['top']:.0f}) crosses a line")
                for d in chars[i + 1:]:
                    if d["top"] > c["bottom"]:
                        break
                    if abs(d["top"] - c["top"]) < 0.5:
                        continue  # same line: neighbours
                    o = _ink(d)
                    if box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3]:
                        bad.append(f"page {n}: {c['text']!r} overlaps {d['text']!r} at "
                                   f"({c['x0']:.0f}, {c['top']:.0f})")
    return bad


@pytest.mark.parametrize("style", "ABCD")
def test_no_text_crosses_a_line(style: str, tmp_path: Path) -> None:
    """Every style on the fixture (narrow role columns, long labels and a
    long row): no label or value overflows its cell, no text collides."""
    spec = load(FIXTURE)
    spec.update(style=style, stem=f"fixture-{style}")
    src = tmp_path / "f.yaml"
    src.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    build(src, tmp_path / "f.pdf")
    assert text_collisions(tmp_path / "f.pdf") == []


def test_style_d_looks_like_a_word_export(rendered) -> None:
    pdf, _ = rendered["sop07-D"]
    with pdfplumber.open(pdf) as doc:
        assert all(p.height > p.width for p in doc.pages)  # portrait throughout
        proc = doc.pages[1:]
        # borders are filled bars, not stroked lines
        bars = [r for p in proc for r in p.rects
                if r["fill"] and not r["stroke"] and min(r["width"], r["height"]) <= 0.8]
        assert len(bars) > 100
        words = [w["text"] for p in proc for w in p.extract_words()]
        # header printed once (not repeated), with its label variants
        assert words.count("Uraian") == 1 and words.count("Buku") == 1
        assert "Mutu" in words and "Ket" in words
        assert len(proc) >= 2  # so the connectors are exercised
        assert "1" in words and "A" not in words
        first = doc.pages[0].extract_text()
        assert "DISAHKAN OLEH" in first and "DASAR HUKUM :" in first
        assert "a. " in first


def test_a_character_without_glyph_is_an_error(tmp_path: Path) -> None:
    spec = load(FIXTURE)
    spec["sops"][0]["steps"][0]["activity"] = "Menerima berkas \u4e2d"  # no CJK in Vera
    src = tmp_path / "f.yaml"
    src.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(SpecError, match="no glyph"):
        build(src, tmp_path / "f.pdf")


def test_golden_list_items_drop_list_punctuation() -> None:
    assert list_item("Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintah Daerah;") == \
        "Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintah Daerah"
    assert list_item("Memahami DPA; dan") == "Memahami DPA"
    assert list_item("Komputer,") == "Komputer"
    assert list_item("Disimpan dalam bentuk hard copy.") == "Disimpan dalam bentuk hard copy."
    spec = load(DECREE)
    printed = [i["text"] for s in spec["sops"] for i in s["legal_basis"]]
    assert any(t.endswith(";") for t in printed)  # the data prints them
    gold = SopDocument.model_validate_json((SAMPLES.parent / "golden" / f"{spec['stem']}.json").read_text())
    for sop in gold.sops:
        items = [b.text for b in sop.legal_basis] + sop.qualifications + sop.related_sops \
            + sop.equipment + sop.warnings + sop.records
        assert not [t for t in items if t.rstrip().endswith((";", ","))]


# -- the OCR route on the hold-out layout -------------------------------------

SCANNED_HOLD_OUT = ("fixture-D", "sop07-D", "sop08-D")


def test_image_only_pdf_targets_on_the_hold_out_style(rendered, tmp_path: Path) -> None:
    """Style D, which no committed sample uses, scanned the way the scan-pdf
    samples are (200 dpi, a small rotation, JPEG; samples/generator/scan.py):
    the image-only PDF targets hold on it too. (Checking it found three
    defects the committed samples did not show: a box's side fitted a few
    degrees off, a diamond's corner fitted as two, and a continued table
    lying 3 pt apart on its page.)"""
    from generator import scan

    total = None
    for stem in SCANNED_HOLD_OUT:
        pdf, gold = rendered[stem]
        golden = tmp_path / f"{stem}.json"
        golden.write_text(gold.to_json(), encoding="utf-8")
        scanned = tmp_path / f"{stem}.scan.pdf"
        scan.make_variant(stem, "scan-pdf", pdf, scanned, golden)
        pred = ingest_file(scanned)
        assert pred.source.route == "ocr"
        scores = evaluate.score_document(pred, gold)
        total = scores if total is None else {k: total[k] + v for k, v in scores.items()}
    report = ", ".join(f"{k} {v.score:.3f}" for k, v in total.items() if v.total)
    assert evaluate.overall(total) >= 0.97, report
    for family in ("actors", "next_branches", "steps_count"):
        assert total[family].score >= 0.98, (family, report)
