"""The OCR route end to end on scanned samples, scored against golden.

Image-only PDFs from an office scanner (samples/scan-pdf): the issue's
targets are overall >= 0.97 and actors and next/branches >= 0.98, and
confidence must be honest: fields read with confidence >= 0.9 are right at
least 98% of the time. The 28-page decree scan is left to `sop-ingest eval`
(it alone takes minutes of OCR); the three single-SOP documents run here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import evaluate
from ingest.model import SopDocument
from ingest.pipeline import ingest_file

from .conftest import GOLDEN, REPO, SAMPLES

SMALL = ("bkpsdm-kubar-evaluasi-akip", "bappedalitbang-balangan-evaluasi-capaian",
         "sekretariat-evaluasi-kinerja-internal")


def _run(variant: str, suffix: str) -> dict[str, SopDocument]:
    return {stem: ingest_file(SAMPLES / variant / f"{stem}{suffix}", root=REPO) for stem in SMALL}


@pytest.fixture(scope="module")
def scan_pdf() -> dict[str, SopDocument]:
    return _run("scan-pdf", ".pdf")


def _report(preds: dict[str, SopDocument], variant: str) -> evaluate.Report:
    pairs = [(Path(f"{variant}/{stem}"), variant, GOLDEN / f"{stem}.json") for stem in preds]
    return evaluate.evaluate(pairs, lambda p: preds[p.name])


def test_scan_pdf_targets(scan_pdf: dict[str, SopDocument]) -> None:
    report = _report(scan_pdf, "scan-pdf")
    row = report.variants["scan-pdf"]
    table = evaluate.format_table(report)
    assert all(d.source.route == "ocr" for d in scan_pdf.values())
    assert row.overall >= 0.97, table
    assert row.families["actors"].score >= 0.98, table
    assert row.families["next_branches"].score >= 0.98, table


def test_scan_pdf_confidence_is_honest(scan_pdf: dict[str, SopDocument]) -> None:
    total = evaluate.Calibration(0.9)
    for stem, pred in scan_pdf.items():
        gold = SopDocument.model_validate_json((GOLDEN / f"{stem}.json").read_text())
        total = total + evaluate.calibration(pred, gold, 0.9)
    assert total.confident >= 100
    assert total.precision >= 0.98, total.wrong_fields


def test_evidence_boxes_are_on_the_flattened_page(scan_pdf: dict[str, SopDocument]) -> None:
    for doc in scan_pdf.values():
        for sop in doc.sops:
            assert sop.evidence
            for key, ev in sop.evidence.items():
                x0, y0, x1, y1 = ev.bbox
                assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1, key
                assert ev.page in sop.pages, key


def test_scan_pdf_vocabulary_targets(scan_pdf: dict[str, SopDocument]) -> None:
    """Issue 4: roles >= 0.99 and legal basis >= 0.97 with OCR misreads
    corrected against the vocabulary; every listed correction changed its text."""
    report = _report(scan_pdf, "scan-pdf")
    row, table = report.variants["scan-pdf"], evaluate.format_table(report)
    assert row.families["roles"].score >= 0.99, table
    assert row.families["legal_basis"].score >= 0.97, table
    fixes = [c for doc in scan_pdf.values() for sop in doc.sops for c in sop.corrections or []]
    assert all(c.from_ != c.to and 0 < c.score <= 100 for c in fixes)
    assert all(sop.roles_canonical for doc in scan_pdf.values() for sop in doc.sops)


# -- phone photos, pages turned over, faxes ----------------------------------------

@pytest.fixture(scope="module")
def photos() -> dict[str, dict[str, SopDocument]]:
    return {"camscanner": _run("camscanner", ".pdf"), "upside-down": _run("upside-down", ".pdf")}


@pytest.fixture(scope="module")
def faxes() -> dict[str, SopDocument]:
    return _run("fax", ".tif")


@pytest.mark.parametrize("variant", ["camscanner", "upside-down"])
def test_photo_targets(photos: dict[str, dict[str, SopDocument]], variant: str) -> None:
    """Issue 3: CamScanner >= 0.95 overall; actors and next >= 0.98 on every
    variant; confident fields right at least 98% of the time."""
    preds = photos[variant]
    report = _report(preds, variant)
    row, table = report.variants[variant], evaluate.format_table(report)
    assert row.overall >= 0.95, table
    assert row.families["actors"].score >= 0.98, table
    assert row.families["next_branches"].score >= 0.98, table
    total = evaluate.Calibration(0.9)
    for stem, pred in preds.items():
        gold = SopDocument.model_validate_json((GOLDEN / f"{stem}.json").read_text())
        total = total + evaluate.calibration(pred, gold, 0.9)
    assert total.confident >= 50
    assert total.precision >= 0.98, total.wrong_fields


def test_fax_reads_the_procedure_and_claims_no_certainty(faxes: dict[str, SopDocument]) -> None:
    """Faxes fall short of the issue's 0.90 (measured 0.79): this guards what
    they reach, and that nothing read from a fax claims confidence >= 0.9 (of
    the fields Tesseract was that sure of, 6% were wrong)."""
    report = _report(faxes, "fax")
    row, table = report.variants["fax"], evaluate.format_table(report)
    assert row.overall >= 0.75, table
    assert row.families["steps_count"].score >= 0.6, table
    assert row.families["symbols"].score >= 0.9, table
    for stem, pred in faxes.items():
        gold = SopDocument.model_validate_json((GOLDEN / f"{stem}.json").read_text())
        assert evaluate.calibration(pred, gold, 0.9).confident == 0, stem


def _text_route(path: Path) -> list[bool]:
    import pdfplumber

    from ingest import load

    with load.open_for_rendering(path) as doc, pdfplumber.open(path) as pdf:
        return [load.reads_from_text_layer(p, lambda: doc) for p in pdf.pages]


def test_a_searchable_pdf_is_read_from_its_scan(scan_pdf: dict[str, SopDocument], tmp_path: Path) -> None:
    # The scanner's own OCR laid over a scan as invisible text (here written
    # by `tesseract ... pdf`, as office scanners and OCRmyPDF write it): read
    # from that text, the page had no table rules and no flowchart ("no
    # procedure table"). It must read as the same scan without the layer.
    import subprocess

    import pdfplumber
    import pikepdf
    from PIL import Image

    from ingest import load

    stem = "bkpsdm-kubar-evaluasi-akip"
    src = SAMPLES / "scan-pdf" / f"{stem}.pdf"
    pngs = []
    with load.open_for_rendering(src) as pdf:
        for n in range(1, len(pdf) + 1):
            pngs.append(tmp_path / f"p{n}.png")
            Image.fromarray(load.rasterize_pdf_page(pdf, src, n, 200).image).save(pngs[-1], dpi=(200, 200))
    (tmp_path / "pages.txt").write_text("".join(f"{p}\n" for p in pngs))
    subprocess.run(["tesseract", str(tmp_path / "pages.txt"), str(tmp_path / "searchable"),
                    "-l", "ind", "pdf"], check=True, capture_output=True)
    searchable = tmp_path / "searchable.pdf"
    with pdfplumber.open(searchable) as pdf:
        assert all(len(p.chars) > 100 for p in pdf.pages)  # the layer is there
    assert _text_route(searchable) == [False] * len(pngs)
    doc = ingest_file(searchable)
    assert doc.source.route == "ocr"
    want = [(s.no, s.activity, s.actors, s.next) for sop in scan_pdf[stem].sops for s in sop.steps]
    assert len(want) >= 8
    assert [(s.no, s.activity, s.actors, s.next) for sop in doc.sops for s in sop.steps] == want

    # Printed to PDF with margins, and signed with a drawn signature: still
    # the scan's OCR layer, whatever the page looks like around it.
    with pikepdf.open(searchable) as pdf:
        for page in pdf.pages:
            p = pikepdf.Page(page)
            p.contents_add(b"q 0.84 0 0 0.84 48 67 cm ", prepend=True)
            p.contents_add(b" Q 1 w 400 80 m 430 95 l 450 70 l 480 90 l S 400 60 m 500 60 l S "
                           b"50 40 m 150 40 l S 50 30 m 150 30 l S 60 20 m 140 20 l S 70 10 m 130 10 l S")
        pdf.save(tmp_path / "signed.pdf")
    assert _text_route(tmp_path / "signed.pdf") == [False] * len(pngs)


def test_a_born_digital_page_on_a_letterhead_image_stays_text(tmp_path: Path) -> None:
    # A Word page printed on a letterhead or background image has text and
    # an image covering the page, and a prose page draws nothing else: its
    # text is visible, so it stays text (never OCR'd, never "corrected").
    import pdfplumber
    import pikepdf

    stem = "bkpsdm-paser-keputusan-sop-perencanaan"  # the decree: prose pages and tables
    born, scan = SAMPLES / "born-digital" / f"{stem}.pdf", SAMPLES / "scan-pdf" / f"{stem}.pdf"
    with pikepdf.open(born) as pdf, pikepdf.open(scan) as under:
        for page, image in zip(pdf.pages, under.pages):
            pikepdf.Page(page).add_underlay(pdf.copy_foreign(pikepdf.Page(image).as_form_xobject()))
        pdf.save(tmp_path / "kop.pdf")
    with pdfplumber.open(tmp_path / "kop.pdf") as pdf:
        drawn = [len(p.lines) + len(p.rects) + len(p.curves) for p in pdf.pages]
        assert all(p.images for p in pdf.pages)
    assert 0 in drawn  # prose pages, which only the text's visibility tells from a scan
    assert all(_text_route(tmp_path / "kop.pdf"))
    doc, plain = ingest_file(tmp_path / "kop.pdf"), ingest_file(born)
    assert doc.source.route == "text-layer"
    assert all(not sop.corrections for sop in doc.sops)
    assert doc.model_dump(exclude={"source"}) == plain.model_dump(exclude={"source"})
