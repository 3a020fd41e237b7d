"""Cell OCR with the real Tesseract, on crops rendered here from SOP strings.

Pages are drawn with PIL in the fonts the samples use (Bitstream Vera, from
reportlab's wheel) and DejaVu Sans, at 200 and 300 dpi: ruled cells holding
the text of real SOPs, empty cells, and cells holding only a flowchart
symbol with its arrow. Timings are printed (pytest -s) as well as checked
loosely, so a process per cell or a lost engine shows as a failure.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
import reportlab
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein

from ingest import ocr
from ingest.primitives import BBox, Word, words_to_lines

tesserocr = pytest.importorskip("tesserocr")

VERA = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
VERA_BOLD = Path(reportlab.__file__).parent / "fonts" / "VeraBd.ttf"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONTS = [f for f in (VERA, DEJAVU) if f.exists()]

# Cell texts of real SOPs (samples/sopdata and archive scans); a list is one
# cell, one string per line as the cell wraps it.
CELLS: list[list[str]] = [
    ["Menyiapkan kertas kerja perencanaan", "terkait target kinerja"],
    ["Disposisi Penugasan"],
    ["15 – 30 menit"],
    ["2 hari"],
    ["Kasubag Perencanaan dan", "Pelaporan"],
    ["Dokumen LKjIP"],
    ["Kepala badan memberikan", "disposisi surat perintah kepada", "Sekretaris untuk melakukan",
     "Evaluasi Kinerja"],
    ["Draft Laporan"],
    ["Output"],
    ["Hard Copy / Soft Copy"],
    ["Surat edaran disertai", "lembar disposisi"],
    ["Notulen hasil evaluasi kinerja"],
    ["1."],
    ["7"],
    ["Sekretaris menghimpun data", "realisasi kinerja dan mengoreksi",
     "laporan Evaluasi dari masing-masing", "Bagian, Bidang, Subag"],
    ["30 Menit"],
    ["Persyaratan/", "Kelengkapan"],
    ["Laporan Realisasi Fisik dan", "Keuangan per triwulan"],
    ["Memverifikasi usulan RKA"],
    ["NIP. 19650808 199203 1 019"],
]


def font(path: Path, pt: float, dpi: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), int(round(pt * dpi / 72)))


@dataclass
class Page:
    img: np.ndarray
    boxes: list[BBox]  # cell boxes in px (ruled, as a grid stage finds them)
    texts: list[list[str]]  # per box: the lines drawn, [] for an empty cell
    kinds: list[str]  # "text", "empty" or "symbol"


def draw_table(cells: list[list[str]], dpi: int, face: Path, pt: float = 9.0, cols: int = 4,
               cell_w: float = 170.0, symbols: int = 0, empties: int = 0) -> Page:
    """A ruled table, `cols` wide, its cells holding `cells` in order, then
    `symbols` cells with a flowchart box and its arrow, then `empties` empty
    cells. Sizes in points."""
    k = dpi / 72
    f = font(face, pt, dpi)
    lead = 1.25 * pt * k
    widest = max((f.getlength(line) / k for c in cells for line in c), default=0)
    cell_w = max(cell_w, widest + 12)  # the text fits its cell, as in a real table
    content = [("text", c) for c in cells] + [("symbol", [])] * symbols + [("empty", [])] * empties
    rows = [content[i:i + cols] for i in range(0, len(content), cols)]
    row_h = [max(2, max(len(c) for _, c in r)) * lead + 10 * k for r in rows]
    W = int(cols * cell_w * k + 40 * k)
    H = int(sum(row_h) + 40 * k)
    img = Image.new("L", (W, H), 255)
    d = ImageDraw.Draw(img)
    rule = max(1, int(round(0.75 * k)))
    boxes, texts, kinds = [], [], []
    y = 20 * k
    for r, h in zip(rows, row_h):
        for j, (kind, lines) in enumerate(r):
            x = 20 * k + j * cell_w * k
            box = BBox(x, y, x + cell_w * k, y + h)
            d.rectangle([box.x0, box.top, box.x1, box.bottom], outline=0, width=rule)
            if kind == "text":
                for n, line in enumerate(lines):
                    d.text((x + 4 * k, y + 4 * k + n * lead), line, font=f, fill=0)
            elif kind == "symbol":  # a process box with the arrow coming in from above
                cx = x + cell_w * k / 2
                d.line([cx, y, cx, y + 0.3 * h], fill=0, width=rule)
                d.polygon([(cx - 3 * k, y + 0.3 * h - 5 * k), (cx + 3 * k, y + 0.3 * h - 5 * k),
                           (cx, y + 0.3 * h)], fill=0)
                d.rectangle([cx - 30 * k, y + 0.3 * h, cx + 30 * k, y + 0.3 * h + 16 * k],
                            outline=0, width=rule)
            boxes.append(box)
            texts.append(lines)
            kinds.append(kind)
        y += h
    return Page(np.asarray(img), boxes, texts, kinds)


def inset(box: BBox, px: float) -> BBox:
    return BBox(box.x0 + px, box.top + px, box.x1 - px, box.bottom - px)


def score(found: list[list[Word]], texts: list[list[str]]) -> tuple[float, float, list]:
    """Share of the drawn words read exactly (aligned per cell), and the CER."""
    words = ok = chars = errs = 0
    bad = []
    for got_words, lines in zip(found, texts):
        truth = " ".join(lines).split()
        got = " ".join(words_to_lines(got_words)).split()
        words += len(truth)
        ok += len(truth) - Levenshtein.distance(truth, got) if truth else 0
        chars += len(" ".join(truth))
        errs += Levenshtein.distance(" ".join(truth), " ".join(got))
        if truth != got:
            bad.append((" ".join(truth), " ".join(got)))
    return ok / words, errs / chars, bad


class Counting:
    """An OcrEngine that counts the crops it is sent."""

    def __init__(self, inner: ocr.OcrEngine):
        self.inner, self.name, self.version = inner, inner.name, inner.version
        self.calls = 0

    def read(self, img, mode="block", text_px=None):
        self.calls += 1
        return self.inner.read(img, mode, text_px=text_px)


@pytest.fixture(scope="module")
def eng() -> ocr.TesseractEngine:
    return ocr.engine()


# -- accuracy ---------------------------------------------------------------

@pytest.mark.parametrize("dpi", [200, 300])
@pytest.mark.parametrize("face", FONTS, ids=lambda p: p.stem)
def test_clean_cells_read_word_exact(eng, dpi, face):
    page = draw_table(CELLS, dpi, face)
    found = ocr.ocr_boxes(eng, page.img, [inset(b, 1.5 * dpi / 72) for b in page.boxes], "block")
    exact, cer, bad = score(found, page.texts)
    print(f"\n{face.stem} {dpi} dpi: {exact:.1%} of words exact, CER {cer:.2%}; misread: {bad}")
    assert exact >= 0.95, bad
    assert cer <= 0.02, bad


def test_multi_line_block_cell_keeps_its_lines(eng):
    lines = CELLS[6]
    page = draw_table([lines], 200, VERA, cols=1, cell_w=200)
    words = ocr.ocr_boxes(eng, page.img, page.boxes, "block")[0]
    assert words_to_lines(words) == lines


def test_single_word_and_single_digit_cells(eng):
    # A lone digit in the No column is what plain Tesseract on the cell crop
    # most often returns nothing for (the crop is cut tight and padded here).
    page = draw_table([["Disposisi"], ["1"], ["4"], ["Output"]], 200, VERA, cols=4, cell_w=60)
    for mode in ("block", "word"):
        found = ocr.ocr_boxes(eng, page.img, [inset(b, 3) for b in page.boxes], mode)
        assert [[w.text for w in ws] for ws in found] == [["Disposisi"], ["1"], ["4"], ["Output"]], mode


def label_window(labels: list[tuple[str, float, float]], dpi: int, face: Path) -> np.ndarray:
    """A flowchart's decision with its exit labels at (x, y) points, the strokes
    already masked out as ocrpage does: only the letters are left."""
    k = dpi / 72
    img = Image.new("L", (int(120 * k), int(70 * k)), 255)
    d = ImageDraw.Draw(img)
    f = font(face, 8, dpi)
    for text, x, y in labels:
        d.text((x * k, y * k), text, font=f, fill=0)
    return np.asarray(img)


@pytest.mark.parametrize("dpi", [200, 300])
def test_sparse_labels(eng, dpi):
    cases = [[("Ya", 20, 45), ("Tidak", 80, 20)], [("Y", 30, 50), ("T", 95, 15)],
             [("T", 15, 10), ("Y", 60, 52)], [("Tidak", 10, 30), ("Ya", 70, 50)]]
    n = ok = 0
    for face in FONTS:
        for labels in cases:
            img = label_window(labels, dpi, face)
            got = sorted(w.text for w in eng.read(img, "sparse"))
            n += 1
            ok += got == sorted(t for t, _, _ in labels)
    print(f"\nsparse label windows at {dpi} dpi: {ok}/{n} read exactly")
    assert ok >= n - 1


def test_single_letters_how_reliably(eng):
    """A lone letter (a connector's "A", a bare "Y"/"T" exit label). psm 11
    ('sparse' in Tesseract's own sense) returns nothing for most of these;
    our 'sparse' reads each island of ink as a line, 'char' is psm 10."""
    rates = {}
    for mode in ("char", "line", "sparse", "block", "psm 11 itself"):
        ok = n = 0
        for face in FONTS:
            for dpi in (200, 300):
                for ch in "TYA12":
                    img = label_window([(ch, 55, 25)], dpi, face)
                    n += 1
                    if mode == "psm 11 itself":
                        prep = ocr.crop_for_tesseract(ocr.clean(img))
                        got = [w.text for w in eng._recognise(prep, 11)]
                    else:
                        got = [w.text for w in eng.read(img, mode)]
                    ok += got == [ch]
        rates[mode] = ok / n
    print("\nsingle letters read exactly:", {m: f"{r:.0%}" for m, r in rates.items()})
    assert rates["char"] >= 0.9 and rates["sparse"] >= 0.9 and rates["line"] >= 0.9
    assert rates["sparse"] > rates["psm 11 itself"]


# -- what is not sent -------------------------------------------------------

def test_empty_and_symbol_only_cells_are_not_sent(eng):
    page = draw_table(CELLS[:6], 200, VERA, symbols=3, empties=3)
    counting = Counting(eng)
    found = ocr.ocr_boxes(counting, page.img, [inset(b, 3) for b in page.boxes], "block")
    assert counting.calls == 6
    for ws, kind in zip(found, page.kinds):
        assert bool(ws) == (kind == "text")


def test_min_ink_threshold_is_a_parameter(eng):
    page = draw_table([["2 hari"]], 200, VERA, cols=1)
    counting = Counting(eng)
    assert ocr.ocr_boxes(counting, page.img, page.boxes, "block", min_ink=0.5) == [[]]
    assert counting.calls == 0
    assert ocr.ocr_boxes(counting, page.img, page.boxes, "block")[0]
    assert counting.calls == 1


def test_blank_and_tiny_crops(eng):
    white = np.full((300, 400), 255, np.uint8)
    assert eng.read(white) == []
    boxes = [BBox(10, 10, 200, 100), BBox(0, 0, 0, 0), BBox(390, 290, 900, 900)]
    assert ocr.ocr_boxes(eng, white, boxes) == [[], [], []]
    assert ocr.ocr_boxes(eng, white, []) == []


# -- words, boxes, confidences ----------------------------------------------

def test_words_in_page_coordinates_inside_their_crop_with_conf_0_to_1(eng):
    page = draw_table(CELLS[:8], 300, DEJAVU)
    boxes = [inset(b, 4) for b in page.boxes]
    found = ocr.ocr_boxes(eng, page.img, boxes, "block")
    ink = page.img < 128
    for box, words in zip(boxes, found):
        for w in words:
            assert 0.0 <= w.conf <= 1.0
            assert box.x0 - 1 <= w.box.x0 < w.box.x1 <= box.x1 + 1
            assert box.top - 1 <= w.box.top < w.box.bottom <= box.bottom + 1
            x0, y0 = int(w.box.x0), int(w.box.top)
            x1, y1 = int(np.ceil(w.box.x1)), int(np.ceil(w.box.bottom))
            assert ink[y0:y1, x0:x1].any(), w  # the box lies on the word's own ink
    first = found[0][0]
    assert first.text == "Menyiapkan" and first.conf > 0.8
    # the drawn text starts 4 pt right of the rule and its cap top ~4.5 pt below
    assert abs(first.box.x0 - (page.boxes[0].x0 + 4 * 300 / 72)) < 6


def test_free_text_region_with_a_heading(eng):
    """The page outside the tables ("page", psm 3): a bold heading twice the
    body's size, the agency, an approval line; headings read bold, the 12 pt
    line does not (stroke is measured against the word's own size)."""
    k = 200 / 72
    img = Image.new("L", (int(500 * k), int(130 * k)), 255)
    d = ImageDraw.Draw(img)
    d.text((40 * k, 20 * k), "STANDAR OPERASIONAL PROSEDUR", font=font(VERA_BOLD, 16, 200), fill=0)
    d.text((40 * k, 50 * k), "BADAN KEPEGAWAIAN DAN PENGEMBANGAN SDM", font=font(VERA, 12, 200), fill=0)
    d.text((40 * k, 80 * k), "Disahkan oleh: Kepala Badan", font=font(VERA, 9, 200), fill=0)
    d.text((40 * k, 95 * k), "Dokumen LKjIP 2023 ditandatangani 10 Juli 2023", font=font(VERA, 9, 200), fill=0)
    a = np.asarray(img)
    words = ocr.ocr_boxes(eng, a, [BBox(0, 0, a.shape[1], a.shape[0])], "page")[0]
    assert words_to_lines(words) == ["STANDAR OPERASIONAL PROSEDUR", "BADAN KEPEGAWAIAN DAN PENGEMBANGAN SDM",
                                     "Disahkan oleh: Kepala Badan",
                                     "Dokumen LKjIP 2023 ditandatangani 10 Juli 2023"]
    assert [w.text for w in words if w.bold] == ["STANDAR", "OPERASIONAL", "PROSEDUR"]


def test_few_words_are_judged_bold_alone_as_read_judges_them(eng):
    """ocr_boxes leaves the bold test of long words for the page-level one; a
    region with under 20 such words falls back to each word's own test, and
    must then flag exactly what `read` flags word by word."""
    k = 200 / 72
    img = Image.new("L", (int(500 * k), int(100 * k)), 255)
    d = ImageDraw.Draw(img)
    d.text((40 * k, 20 * k), "STANDAR OPERASIONAL PROSEDUR", font=font(VERA_BOLD, 12, 200), fill=0)
    d.text((40 * k, 50 * k), "Disahkan oleh Kepala Badan Kepegawaian", font=font(VERA, 9, 200), fill=0)
    a = np.asarray(img)
    cap = ocr.page_cap(a)
    boxed = ocr.ocr_boxes(eng, a, [BBox(0, 0, a.shape[1], a.shape[0])], "page", text_px=cap)[0]
    alone = eng.read(a, "page", text_px=cap)
    assert [(w.text, w.bold) for w in boxed] == [(w.text, w.bold) for w in alone]
    assert [w.text for w in boxed if w.bold] == ["STANDAR", "OPERASIONAL", "PROSEDUR"]


def test_rgb_and_upscaled_low_resolution_crop(eng):
    page = draw_table([["Dokumen LKjIP", "Disposisi Penugasan"]], 110, VERA, cols=1, cell_w=200)
    rgb = np.repeat(page.img[:, :, None], 3, axis=2)
    words = ocr.ocr_boxes(eng, rgb, page.boxes, "block")[0]
    assert " ".join(words_to_lines(words)) == "Dokumen LKjIP Disposisi Penugasan"


def test_bold_words_found_against_the_page(eng):
    k = 200 / 72
    img = Image.new("L", (int(560 * k), int(300 * k)), 255)
    d = ImageDraw.Draw(img)
    reg, bold = font(VERA, 9, 200), font(VERA_BOLD, 9, 200)
    boxes, want = [], []
    for i, text in enumerate([c[0] for c in CELLS if len(c[0]) > 8][:12]):
        x, y = 20 * k + (i % 2) * 270 * k, 20 * k + (i // 2) * 40 * k
        b = i % 4 == 0
        d.text((x, y), text, font=bold if b else reg, fill=0)
        boxes.append(BBox(x - 10, y - 10, x + 260 * k, y + 30 * k))
        want.append(b)
    found = ocr.ocr_boxes(eng, np.asarray(img), boxes, "block")
    flags = [[w.bold for w in ws if len(w.text) >= 3] for ws in found]
    right = sum(f == b for fs, b in zip(flags, want) for f in fs)
    total = sum(len(fs) for fs in flags)
    assert right / total >= 0.9, (flags, want)


# -- one engine per process -------------------------------------------------

def test_engine_is_one_per_process_and_made_again_after_fork(monkeypatch):
    made = []
    real = tesserocr.PyTessBaseAPI

    def counting_api(*a, **kw):
        made.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(tesserocr, "PyTessBaseAPI", counting_api)
    monkeypatch.setattr(ocr, "_engines", {})
    monkeypatch.setattr(ocr, "_engines_pid", None)
    first = ocr.engine()
    assert ocr.engine() is first and ocr.engine().api is first.api
    assert len(made) == 1
    words = first.read(draw_table([["Dokumen LKjIP"]], 200, VERA, cols=1).img)
    assert [w.text for w in words] == ["Dokumen", "LKjIP"]
    assert len(made) == 1  # reading does not make another API

    pid = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: pid + 1)  # as in a forked worker
    second = ocr.engine()
    assert second is not first and len(made) == 2
    assert ocr.engine() is second and len(made) == 2
    assert first in ocr._inherited  # the parent's engine is left alone, not ended


def test_missing_language_names_the_package():
    with pytest.raises(ocr.OcrUnavailable, match=r"tesseract-ocr-xyz is not installed: run make setup"):
        ocr.find_tessdata("ind+xyz")
    assert (Path(ocr.find_tessdata("ind")) / "ind.traineddata").is_file()


def test_tessdata_prefix_is_honoured(monkeypatch, tmp_path):
    (tmp_path / "ind.traineddata").write_bytes(b"")
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    assert ocr.find_tessdata("ind") == str(tmp_path)


def test_unknown_mode_is_refused(eng):
    with pytest.raises(ValueError, match="unknown OCR mode"):
        eng.read(np.full((10, 10), 255, np.uint8), "paragraph")


# -- work -------------------------------------------------------------------
# Speed itself is measured in `make bench` (pipeline against the Tesseract
# CLI, in one run); here, what keeps it low: crops with no text never reach
# the engine, and a cell with text costs one recognition.

def test_only_cells_with_text_reach_the_engine(eng, monkeypatch):
    """~60 typical cell crops (40 with text, 20 empty or holding a symbol):
    the 20 are refused by the ink check before Tesseract, and each of the
    40 is one recognition call (retries aside: at most a few)."""
    cells = (CELLS * 2)[:40]
    page = draw_table(cells, 300, VERA, cols=6, symbols=10, empties=10)
    boxes = [inset(b, 4) for b in page.boxes]
    calls: list[int] = []
    real = eng._recognise

    def counted(prep, psm, *args, **kwargs):
        calls.append(psm)
        return real(prep, psm, *args, **kwargs)

    monkeypatch.setattr(eng, "_recognise", counted)
    found = ocr.ocr_boxes(eng, page.img, boxes, "block")
    assert [bool(w) for w in found] == [True] * 40 + [False] * 20
    assert 40 <= len(calls) <= 44
    calls.clear()
    ocr.ocr_boxes(eng, page.img, boxes[40:], "block")
    assert calls == []


def test_sparse_labels_among_specks(eng):
    """A fax's label window: lone "Y" and "T" among a score of specks. Counted
    as islands, the specks pushed the window into psm 11, which reads no lone
    letter; islands too small for a letter are now left out of the count."""
    rng = np.random.default_rng(7)
    n = ok = 0
    for face in FONTS:
        for labels in ([("Y", 30, 50), ("T", 95, 15)], [("T", 15, 10), ("Y", 60, 52)]):
            img = label_window(labels, 300, face).copy()
            for _ in range(25):  # specks of 2-3 px, away from the letters' places
                y, x = rng.integers(5, img.shape[0] - 5), rng.integers(5, img.shape[1] - 5)
                img[y:y + rng.integers(2, 4), x:x + rng.integers(2, 4)] = 0
            got = sorted(w.text for w in eng.read(img, "sparse") if w.text.isalpha())
            n += 1
            ok += got == sorted(t for t, _, _ in labels)
    assert ok >= n - 1, f"{ok}/{n}"


def test_lone_speck_marks_are_not_words(eng):
    """A cell's text with dust after it, as Tesseract reads it ('"' for a
    tick pair at 0.92, "=" for a short double dash at 0.97, "°" for a ring,
    "‘" for a tick): the marks standing apart are dropped; the words, and a
    dash standing alone, are kept."""
    k = 300 / 72
    dusts = [
        lambda d, x: [d.line([(x * k, 6 * k), (x * k, 9 * k)], fill=0, width=3),
                      d.line([((x + 1.5) * k, 6 * k), ((x + 1.5) * k, 9 * k)], fill=0, width=3)],
        lambda d, x: d.ellipse([(x * k, 6 * k), ((x + 2.5) * k, 8.5 * k)], outline=0, width=2),
        lambda d, x: [d.line([(x * k, 10 * k), ((x + 3) * k, 10 * k)], fill=0, width=3),
                      d.line([(x * k, 12 * k), ((x + 3) * k, 12 * k)], fill=0, width=3)],
        lambda d, x: d.line([(x * k, 6 * k), ((x + 1) * k, 9 * k)], fill=0, width=4),
    ]
    for dust in dusts:
        img = Image.new("L", (int(260 * k), int(24 * k)), 255)
        d = ImageDraw.Draw(img)
        d.text((4 * k, 4 * k), "Draft laporan kinerja - 2 hari", font=font(FONTS[0], 9, 300), fill=0)
        dust(d, 190)
        words = [w.text for w in eng.read(np.asarray(img), "block")]
        assert words == ["Draft", "laporan", "kinerja", "-", "2", "hari"], words


def _word_image(text: str, face: Path, px: int = 40) -> tuple[np.ndarray, tuple, tuple]:
    """`text` drawn black on white, with its ink box and its first letter's box."""
    f = ImageFont.truetype(str(face), px)
    im = Image.new("L", (int(f.getlength(text)) + 20, 2 * px), 255)
    ImageDraw.Draw(im).text((10, px // 3), text, font=f, fill=0)
    img = np.asarray(im)
    ys, xs = np.nonzero(img < 128)
    word = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    first = f.getbbox(text[0])
    letter = (10 + first[0], word[1], 10 + first[2], word[3])
    return img, word, letter


@pytest.mark.parametrize("face", FONTS + [Path(__file__).parent.parent / "samples" / "generator"
                                          / "fonts" / "DejaVuSerif.ttf"])
def test_a_capital_i_read_as_small_i_is_put_right_by_its_stem(face: Path) -> None:
    # "internal" read for a printed "Internal" (the fax sample's legal basis,
    # a speck beside the serifed I): the stem runs the word's whole height
    img, word, letter = _word_image("Internal", face)
    assert ocr.initial_case("internal", img, word, letter) == "Internal"
    # a printed small i keeps its case: a gap parts its stem from the dot
    for text in ("internal", "ini", "informasi"):
        img, word, letter = _word_image(text, face)
        assert ocr.initial_case(text, img, word, letter) == text


@pytest.mark.parametrize("blur", [1.0, 1.4, 2.0])
def test_a_small_i_whose_dot_blur_joined_to_its_stem_stays_small(blur: float) -> None:
    # Blurred bold print joins an i's dot to its stem through gray: at 128
    # the stem runs the word's height, in near-black ink it does not.
    face = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    if not face.exists():
        face = Path(__file__).parent.parent / "samples" / "generator" / "fonts" / "DejaVuSans-Bold.ttf"
    for text in ("ini", "itu", "informasi"):
        img, word, letter = _word_image(text, face, px=37)
        img = cv2.GaussianBlur(img, (0, 0), blur * 37 / 25)
        ys, xs = np.nonzero(img < 128)
        word = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
        letter = (letter[0], word[1], letter[2], word[3])
        assert ocr.initial_case(text, img, word, letter) == text


def test_the_fax_samples_capital_i_and_small_i() -> None:
    """The fax sample holds both: "(Akip Internal)" in its legal basis on
    page 1, read "internal)" before the stem check, and a printed small
    "internal" on page 3."""
    from ingest import pipeline

    sample = Path(__file__).parent.parent / "samples" / "fax" / "bkpsdm-kubar-evaluasi-akip.tif"
    texts = [w.text for w in pipeline.read_page(sample, 1, "image/tiff").content.words]
    assert "Internal)" in texts and "internal)" not in texts
    texts = [w.text for w in pipeline.read_page(sample, 3, "image/tiff").content.words]
    assert "internal" in texts and "Internal" not in texts


def test_upper_quartile_is_numpys_percentile() -> None:
    """`stroke` takes the 75th percentile of letter heights without np.percentile's
    overhead: the same number, for the lengths and values words give."""
    rnd = np.random.default_rng(3)
    for n in range(1, 40):
        for _ in range(50):
            heights = rnd.integers(3, 90, n).astype(np.int32)
            assert ocr.upper_quartile(heights) == float(np.percentile(heights, 75))
            fractional = rnd.random(n) * 50
            assert ocr.upper_quartile(fractional) == float(np.percentile(fractional, 75))
    assert ocr.upper_quartile(np.array([7, 3, 5, 9])) == 7.5  # unsorted input: 3 5 7 9 -> 7 + 0.5*2
