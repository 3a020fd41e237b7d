"""The parts that let phone photos and faxes reach the same JSON: each on a
small real-looking input built here, where the thing tested can be seen.

- raster: a thin rule blurred and JPEG'd into dashes is found whole; a line
  of text is not a rule; a frame of desk round the page hides nothing.
- layout: OCR-misread header labels and list markers are read by where they
  stand; a No cell with unreadable print starts the next step.
- ocrpage: a fax's specks go, a full stop beside its letters stays.
"""

from __future__ import annotations

import cv2
import numpy as np

from ingest import layout, normalize, ocrpage, raster
from ingest.primitives import BBox, Segment, Shape, Word

SCALE = 300 / 72  # px per pt: the pipeline brings every scan to 300 dpi


def _paper(w: int = 1600, h: int = 900) -> np.ndarray:
    return np.full((h, w), 235, np.uint8)


def _photo(img: np.ndarray, seed: int = 1) -> np.ndarray:
    """Blur, grain and JPEG at quality 50: what a phone does to a page."""
    rng = np.random.default_rng(seed)
    out = cv2.GaussianBlur(img.astype(np.float32), (0, 0), 2.5)
    out = np.clip(out + rng.normal(0, 4, out.shape), 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 50])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def _horizontal(segments, y: float, tol: float = 6.0):
    return [s for s in segments if s.is_horizontal and abs((s.y0 + s.y1) / 2 - y) <= tol]


def test_a_faint_blurred_rule_is_found_whole() -> None:
    img = _paper()
    cv2.line(img, (100, 450), (1500, 450), 150, 2)  # a thin gray rule
    flat = raster.flatten_background(_photo(img), SCALE, raster.RasterSettings())
    strong = raster.threshold(flat, raster.RasterSettings())
    # The plain threshold breaks it up (this is why faint_rules exists) ...
    row = (strong[445:456, 100:1500] > 0).any(axis=0)
    assert row.mean() < 0.9
    # ... and the page read finds one rule from end to end.
    page = raster.read_pixels(_photo(img), 1, SCALE)
    rules = _horizontal(page.segments, 451)
    assert len(rules) == 1, rules
    assert rules[0].length >= 0.97 * 1400


def test_a_line_of_text_is_not_a_rule() -> None:
    img = _paper()
    for k, word in enumerate(["Menyampaikan", "laporan", "kinerja", "kepada", "Kepala", "Badan"]):
        cv2.putText(img, word, (100 + k * 230, 450), cv2.FONT_HERSHEY_SIMPLEX, 1.3, 40, 3)
    page = raster.read_pixels(_photo(img), 1, SCALE)
    assert not [s for s in page.segments if s.length > 25 * SCALE], page.segments


def test_a_dark_frame_round_the_page_hides_no_rule() -> None:
    img = _paper()
    cv2.line(img, (100, 450), (1500, 450), 20, 4)
    img[:12, :] = img[-12:, :] = 30  # the desk left at the photo's edges
    img[:, :12] = img[:, -12:] = 30
    page = raster.read_pixels(img, 1, SCALE)
    assert len(_horizontal(page.segments, 451)) == 1


def _words(line_y: float, items: list[tuple[str, float]], h: float = 20.0) -> list[Word]:
    out, x = [], 0.0
    for text, x0 in items:
        x = x0
        out.append(Word(text, BBox(x, line_y, x + 12 * len(text), line_y + h), 0.9))
    return out


def test_hanging_list_markers_are_renumbered_by_position() -> None:
    # "a." read as "3", "c." as "Cc.", "b." lost to a stray "a a"; the
    # second item wraps onto a line starting in the text column.
    lines = [
        _words(0, [("3", 100), ("Memahami", 160), ("peraturan", 280)]),
        _words(30, [("a", 100), ("a", 115), ("Memahami", 160), ("sasaran", 280)]),
        _words(60, [("dan", 160), ("program", 220)]),
        _words(90, [("Cc.", 100), ("Mengetahui", 160), ("tugas", 300)]),
    ]
    texts = layout.hanging_markers(lines)
    assert [t[0] for t in texts] == ["a.", "b.", "dan", "c."]
    assert normalize.split_list("\n".join(" ".join(t) for t in texts)) == [
        "Memahami peraturan", "Memahami sasaran dan program", "Mengetahui tugas"]


def test_a_sentence_with_a_short_first_word_is_left_alone() -> None:
    # Justified text: "Ini" then a wide gap, but the next line starts where
    # "Ini" does, not where the second word does.
    lines = [_words(0, [("Ini", 100), ("adalah", 180), ("prosedur", 300)]),
             _words(30, [("yang", 100), ("berlaku", 170)])]
    assert layout.hanging_markers(lines) == [["Ini", "adalah", "prosedur"], ["yang", "berlaku"]]


def test_header_labels_read_through_ocr_noise() -> None:
    assert layout.header_kind(": Keglatan ,") == "activity"
    assert layout.header_kind("Pelaksana. ho") == "performers"
    assert layout.header_kind('Mutu Baku "3s') == "quality"
    assert layout.header_kind("No.") == "no"
    assert layout.header_kind("Nomor SOP") is None
    assert layout.header_kind("Menyampaikan laporan kegiatan") is None


def test_a_value_of_specks_is_blank() -> None:
    assert normalize.blank_to_none("- . ° . .") is None
    assert normalize.blank_to_none("- 1 jam") == "- 1 jam"


def test_despeckle_keeps_a_full_stop_and_drops_specks() -> None:
    img = np.full((300, 600), 255, np.uint8)
    cv2.putText(img, "Tgl", (100, 150), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 0, 4)
    cv2.circle(img, (190, 146), 3, 0, -1)  # the full stop after "Tgl"
    specks = [(400, 50), (500, 250), (50, 280), (550, 120)]
    for x, y in specks:
        img[y:y + 3, x:x + 3] = 0
    out = ocrpage.despeckle(img, SCALE)
    assert all((out[y:y + 3, x:x + 3] == 255).all() for x, y in specks)
    assert (out[143:150, 187:194] == 0).any()
    assert (out[100:160, 100:180] == img[100:160, 100:180]).all()  # the letters untouched


def test_a_month_read_in_lower_case_is_capitalised_in_dates() -> None:
    from ingest import correct

    assert correct._date_text("10 juli 2023").text == "10 Juli 2023"
    assert correct._date_text("desember 2021").text == "Desember 2021"
    assert correct._date_text("10 Juli 2023").score is None  # nothing to change
    assert correct._date_text("dan 2023").text == "dan 2023"  # not a month


def test_list_markers_with_their_dots_lost_or_read_as_commas() -> None:
    # A fax loses a marker's dot; a blurred photo turns it into a comma.
    text = ("1 Pendidikan minimal S1\n2. Memahami Peraturan evaluasi kinerja\n"
            "3 Memahami peraturan tentang\nsistem akuntabilitas\n4. Bisa mengoperasikan komputer")
    assert normalize.split_list(text) == [
        "Pendidikan minimal S1", "Memahami Peraturan evaluasi kinerja",
        "Memahami peraturan tentang sistem akuntabilitas", "Bisa mengoperasikan komputer"]
    assert normalize.split_list("1. DPA SKPD\n2. Komputer 3, ATK") == ["DPA SKPD", "Komputer", "ATK"]
    # ... but a number in running text is no marker, nor one line alone.
    assert normalize.split_list("Sesuai Pasal 3, ayat 2 dan Pasal 4") == [
        "Sesuai Pasal 3, ayat 2 dan Pasal 4"]
    assert normalize.split_list("1 Unit komputer") == ["1 Unit komputer"]


def _proc_rows(nos: list[str]) -> layout.PageLayout:
    """A page with one procedure table whose No cells read `nos`."""
    rows = []
    for i, no in enumerate(nos):
        m = layout.STEP_NO.match(no)
        box = BBox(0, 100 * i, 500, 100 * (i + 1))
        rows.append(layout.Row(int(m[1]) if m else None,
                               {"activity": layout.Field(f"Kegiatan {i}", box)}, box, 1,
                               unread_no=not m and bool(no.strip())))
    proc = layout.Procedure(table=None, page=1, roles=["Kepala"], role_spans=[(200, 300)],
                            columns={}, role_cols=[2], rows=rows, header_box=None)
    return layout.PageLayout(page=1, procedures=[proc])


def test_unreadable_step_numbers_take_their_place_in_the_sequence() -> None:
    from ingest import assemble

    # "1." read as "i" opens the table; "2," is a blurred "2."; "§" and "&"
    # stand for 3 and 4 before a readable 5.
    (sop,) = assemble.group_sops([_proc_rows(["i", "2,", "§", "&", "5.", ""])])
    assert [s.no for s in sop.steps] == [1, 2, 3, 4, 5]
    assert [s.guessed_no for s in sop.steps] == [True, False, True, True, False]
    assert len(sop.steps[-1].bands) == 2  # the row with a blank No continues step 5
    # A sub-heading in the No column ("A.") before step 1 is not a step.
    (sop,) = assemble.group_sops([_proc_rows(["A.", "1.", "2."])])
    assert [s.no for s in sop.steps] == [1, 2]
    assert sop.warnings == ["page 1: a row without a number before the first step was ignored"]


def test_a_misread_step_number_between_its_neighbours_is_corrected_on_ocr_pages() -> None:
    from ingest import assemble

    # "7" read as "1" between 6 and 8 on a scanned page is 7 ...
    page = _proc_rows(["5.", "6.", "1.", "8."])
    (sop,) = assemble.group_sops([page], ocr_pages={1})
    assert [s.no for s in sop.steps] == [5, 6, 7, 8]
    assert [s.guessed_no for s in sop.steps] == [False, False, True, False]
    # ... a text layer's numbers are as printed, and a table that starts
    # counting again (a second sub-procedure: 1, 2 after 6) keeps its numbers.
    (sop,) = assemble.group_sops([page])
    assert [s.no for s in sop.steps] == [5, 6, 1, 8]
    (sop,) = assemble.group_sops([_proc_rows(["5.", "6.", "1.", "2."])], ocr_pages={1})
    assert [s.no for s in sop.steps] == [5, 6, 1, 2]


def _triangle(tip: tuple[float, float], base: tuple[float, float], half: float) -> Shape:
    """A filled arrowhead shape: `tip`, and its base centred on `base`."""
    (tx, ty), (bx, by) = tip, base
    dx, dy = tx - bx, ty - by
    n = (dx * dx + dy * dy) ** 0.5
    px_, py_ = -dy / n * half, dx / n * half
    return Shape(((tx, ty), (bx + px_, by + py_), (bx - px_, by - py_)), curved=False, filled=True)


def test_a_letter_blurred_into_a_head_at_a_decision_exit_is_not_the_arrow_target() -> None:
    # A decision's right exit runs right, up, and right into a process box.
    # In a phone photo its "T" label, touching the corner by the diamond,
    # blurs into a small triangle at the stroke's end: both ends of the line
    # then look headed. The drawn heads are alike; the odd one is no head.
    from ingest import flowchart

    decision = flowchart.Symbol("decision", BBox(0, 100, 40, 140))
    box = flowchart.Symbol("process", BBox(120, 20, 160, 40))
    other = flowchart.Symbol("process", BBox(0, 200, 40, 220))
    strokes = [Segment(46, 120, 46, 30), Segment(46, 30, 116, 30), Segment(20, 140, 20, 196)]
    heads = [_triangle((120, 30), (114, 30), 3.0),  # drawn: into the box
             _triangle((20, 200), (20, 194), 3.0),  # drawn: the other exit, down
             _triangle((41, 124), (46, 121), 1.5)]  # the blurred "T"
    arrows, _ = flowchart.trace_arrows(strokes, [decision, box, other], heads)
    assert sorted((a.source, a.target) for a in arrows) == [(0, 1), (0, 2)]


def test_a_marker_read_as_an_ampersand_is_a() -> None:
    # "a." of a one-item list, blurred in a photo, reads "&."
    assert normalize.split_list("&. Indicator kinerja, target, realisasi") == [
        "Indicator kinerja, target, realisasi"]
    assert normalize.split_list("Permenpan & RB") == ["Permenpan & RB"]


def test_free_text_is_read_in_bands_parted_by_a_tables_gap() -> None:
    # A procedure page: a heading above the table, a scanner stamp below it,
    # both left after the table is painted out; and a sections page whose
    # text runs on down the page with ordinary gaps between paragraphs.
    ink = np.zeros((3500, 2480), bool)
    ink[100:140, 300:1800] = True  # heading
    ink[3300:3340, 100:900] = True  # stamp at the foot
    bands = ocrpage.free_bands(ink)
    assert len(bands) == 2
    assert bands[0].top < 100 and bands[0].bottom > 140 and bands[1].top < 3300 < bands[1].bottom
    assert bands[0].x0 < 300 and bands[0].x1 > 1800  # a margin round the ink, not cut at it
    text = np.zeros((3500, 2480), bool)
    for y in range(700, 2500, 50):  # lines of a list, with a paragraph gap
        if not 1400 <= y < 1500:
            text[y:y + 30, 230:2300] = True
    assert len(ocrpage.free_bands(text)) == 1


def test_markers_read_as_one_tall_word_do_not_hide_the_next_lines_marker() -> None:
    # "5." over "6." blurred together read as one "word" two lines tall: it
    # stands for line 5, and the strip before line 6 is still read.
    from ingest.primitives import Word as W

    def at(text, x0, top, x1, bottom):
        return W(text, BBox(x0, top, x1, bottom), 0.9)

    words = [at("oy", 227, 1086, 262, 1165), at("Peraturan", 287, 1086, 450, 1126),
             at("Pemerintah", 460, 1086, 640, 1126), at("Peraturan", 287, 1133, 450, 1173),
             at("Kepala", 460, 1133, 560, 1173)]

    class Reader:  # records which strips are sent; reads each as "6."
        sent: list = []
        name, version = "recorder", "0"

        def read(self, img, mode="block", text_px=None):
            self.sent.append(img.shape)
            return [W("6.", BBox(2, 2, 20, 30), 0.9)]

    img = np.full((1300, 800), 255, np.uint8)
    img[1140:1165, 228:250] = 0  # ink in the strip before line 6
    found = ocrpage.line_starts(img, words, Reader())
    assert [w.text for w in found] == ["6."] and len(Reader.sent) == 1
    assert 1133 <= found[0].box.top < 1173 and found[0].box.x1 < 287


def test_a_label_misread_in_its_optional_part_is_taken_whole() -> None:
    # "Peralatan/perlengkapan" read with i for l: the pattern matches only
    # "Peralatan/", the fuzzy form the whole label; the longer one wins, so
    # "periengkapan" is not taken for the section's first item.
    key, n = layout._match(layout.SECTION_LABELS, "Peralatan/periengkapan 1. DPA SKPD")
    assert key == "equipment"
    assert layout._strip_label("Peralatan/periengkapan 1. DPA SKPD", n) == "1. DPA SKPD"
    key, n = layout._match(layout.SECTION_LABELS, "Peralatan 1. Komputer")
    assert layout._strip_label("Peralatan 1. Komputer", n) == "1. Komputer"


def test_lone_dots_ending_free_text_lines_are_specks_but_not_opening_ones() -> None:
    words = (_words(0, [("berjalan", 100), ("dengan", 220), ("baik", 330), (".", 400)])
             + _words(40, [(".", 60), ("Memahami", 100), ("tugas", 240)]))
    words = [Word(w.text, w.box, 0.6 if w.text == "." else 0.9) for w in words]
    kept = [w.text for w in ocrpage._without_trailing_dots(words)]
    assert kept == ["berjalan", "dengan", "baik", ".", "Memahami", "tugas"]


def test_a_logo_read_by_ocr_is_no_agency() -> None:
    from ingest.primitives import Cell

    def cell(*words):
        return Cell(0, 0, 1, 1, BBox(0, 0, 300, 100), [Word(t, BBox(x, y, x + 40, y + 20), c)
                                                        for t, x, y, c in words])

    # the logo's strokes: "L <j" (no word of three letters), "2"; doubtful
    # marks before the agency's name on its line
    assert layout._heading_field(cell(("L", 10, 10, 0.91), ("<j", 60, 10, 0.61))) is None
    assert layout._heading_field(cell(("2", 10, 10, 0.74))) is None
    f = layout._heading_field(cell(("TT", 10, 10, 0.45), ("kana", 60, 10, 0.45),
                                   ("BAPPEDALITBANG", 110, 10, 0.91), ("KAB.", 10, 40, 0.88),
                                   ("BALANGAN", 60, 40, 0.91)))
    assert f.text == "BAPPEDALITBANG\nKAB. BALANGAN"
    # a text layer's heading is as printed
    assert layout._heading_field(cell(("PD", 10, 10, 1.0))).text == "PD"


def test_a_printed_dash_read_as_letters_is_no_date() -> None:
    assert [normalize.could_be_date(x) for x in ("Do", "ie", "2", ". . wot", "-")] == [False] * 5
    assert all(normalize.could_be_date(x) for x in ("10 Juli 2023", "Desember 2021", "05-01-2022",
                                                    "10 juk 2023", "Januari"))


def test_symbols_fitted_a_little_off_from_pixels_keep_their_kind() -> None:
    # Outlines fitted from a 200-dpi scan of a portrait page (hold-out style
    # D): a box whose top side leans where its arrowhead joins it, and a
    # diamond whose top corner, where its entry line joins, came out as two.
    from ingest import flowchart

    scale = 200 / 72
    box = Shape(((655, 1015), (725, 1009), (725, 1044), (655, 1047)), curved=False, filled=False)
    diamond = Shape(((726, 1603), (691, 1626), (656, 1604), (683, 1585), (695, 1583)),
                    curved=False, filled=False)
    assert flowchart.classify_shape(box, scale) == "process"
    assert flowchart.classify_shape(diamond, scale) == "decision"
    # a lozenge leaning well off square is still no process
    skew = Shape(((0, 20), (60, 0), (80, 30), (20, 50)), curved=False, filled=False)
    assert flowchart.classify_shape(skew, scale) != "process"


def test_a_continued_table_lying_a_little_apart_on_its_page_has_the_same_columns() -> None:
    # Each page of a scan lies a little apart on the glass: a headerless
    # table 3.3 pt to the right of the one on the page before continues it.
    from ingest.primitives import Table

    def table(x0: float) -> Table:
        edges = [x0 + e for e in (0, 20, 111, 151, 191, 231, 271, 311, 351, 409, 451, 505, 536)]
        return Table(page=1, box=BBox(edges[0], 0, edges[-1], 100), cells=[], n_rows=1,
                     n_cols=12, col_edges=edges, row_edges=[0, 100])

    tol = 3.0
    assert layout.same_columns(table(37.6), table(40.9), tol)
    assert not layout.same_columns(table(37.6), Table(page=1, box=BBox(0, 0, 1, 1), cells=[],
                                                      n_rows=1, n_cols=12,
                                                      col_edges=[37.6 + 45 * i for i in range(13)],
                                                      row_edges=[0, 100]), tol)


def test_a_decision_exit_whose_head_was_lost_is_still_an_arrow() -> None:
    # The "Tidak" exit of a decision runs left and up into a box's side; on a
    # 200-dpi scan its head merged into the box's outline. A decision's exits
    # are arrows, never the head-less joins of a step done together; a line
    # at its top corner comes in.
    from ingest import flowchart

    box = flowchart.Symbol("process", BBox(0, 0, 40, 20))
    decision = flowchart.Symbol("decision", BBox(80, 60, 120, 90))
    exit_ = [Segment(80, 75, 50, 75), Segment(50, 75, 50, 10), Segment(50, 10, 41, 10)]
    arrows, joins = flowchart.trace_arrows(exit_, [box, decision], [])
    assert [(a.source, a.target) for a in arrows] == [(1, 0)] and not joins
    entry = [Segment(20, 21, 20, 40), Segment(20, 40, 100, 40), Segment(100, 40, 100, 59)]
    arrows, joins = flowchart.trace_arrows(entry, [box, decision], [])
    assert [(a.source, a.target) for a in arrows] == [(0, 1)] and not joins
    # two process boxes joined by a line are a step done together, as before
    other = flowchart.Symbol("process", BBox(60, 0, 100, 20))
    arrows, joins = flowchart.trace_arrows([Segment(41, 10, 59, 10)], [box, other], [])
    assert not arrows and joins == [(0, 1)]


def test_a_decision_label_the_window_pass_misses_is_read_alone() -> None:
    """The fax sample's decision at step 7: read in one window with the
    masked lines' crumbs, its "Y" came out "me" and its broken "T" as "Tj",
    so neither exit had a label. Read alone, the "Y" is sure; the "T"
    (read "1", unsure) is not taken, and assembly gives that exit the
    opposite of the other."""
    from pathlib import Path

    from ingest import pipeline

    sample = Path(__file__).parent.parent / "samples" / "fax" / "bappedalitbang-balangan-evaluasi-capaian.tif"
    r = pipeline.read_page(sample, 2, "image/tiff")
    exits = {(r.graph.symbols[a.target].kind, a.label) for a in r.graph.arrows
             if r.graph.symbols[a.source].kind == "decision"}
    assert exits == {("process", "yes"), ("process", None)}
    yes = [w for w in r.content.words if w.text == "Y"]
    assert yes and all(w.conf >= ocrpage.OcrPageSettings().exit_letter_conf for w in yes)
