"""The benchmark harness's own logic (`bench/`): what can be wrong cheaply.

No timing is asserted here: speed figures live in `make bench`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
import pytest

from bench import holdout, run, stages, tables, timing
from ingest import evaluate

GOLDEN = Path(__file__).resolve().parents[1] / "golden"

# Rows as img2table 2.0 returned them (psm 3, implicit_rows=True) for the
# procedure page of bkpsdm-kubar-evaluasi-akip rendered at 200 dpi: headings
# merged over two rows and several columns are repeated in each, one row per
# text line, the No cell only on a step's first line, "4. None" as read.
HEAD = [["No", "Aktivitas", "Pelaksana", "Pelaksana", "Mutu Baku", "Mutu Baku", "Mutu Baku", "Keterangan"],
        ["No", "Aktivitas", "Kepala\nBadan", "Sekretaris\nBadan", "Persyaratan/\nKelengkapan", "Waktu",
         "Output", "Keterangan"]]
BODY = [["1.", "Kepala badan memberikan", None, None, "Disposisi surat", "15 menit", "Disposisi surat untuk", None],
        [None, "disposisikan surat perintah kepada", None, None, None, None, "melakukan Evaluasi", None],
        [None, "Kinerja", None, None, None, None, "Kinerja dari Kepala", None],
        ["2.", "Sekretaris memberi petunjuk", None, None, "Disposisi Surat", "3 hari", "Disposisi surat", None],
        [None, "bahan Evaluasi Kinerja", None, None, None, None, "petunjuk", None],
        ["4. None", "Sekretaris menghimpun data", None, None, "Dokumen PK", "30 menit", "Draf", "lihat"]]


def test_steps_from_numbered_rows_and_their_lines():
    steps = tables.rows_to_steps([HEAD + BODY])
    assert [s.no for s in steps] == [1, 2, 4]
    first = steps[0]
    assert first.activity == "Kepala badan memberikan disposisikan surat perintah kepada Kinerja"
    assert first.requirements == "Disposisi surat"
    assert first.output == "Disposisi surat untuk melakukan Evaluasi Kinerja dari Kepala"
    assert (first.duration.min, first.duration.max, first.duration.unit) == (15, 15, "minute")
    assert steps[1].duration.unit == "day"
    assert first.note is None and steps[2].note == "lihat"


def test_a_table_without_headings_continues_the_procedure_table():
    page2 = [[None, "lanjutan langkah empat", None, None, None, None, "Final", None],
             ["5.", "Selesai", None, None, None, None, None, None]]
    other = [["x", "y"], ["6.", "not a step"]]  # another width: a different table
    steps = tables.rows_to_steps([HEAD + BODY, page2, other])
    assert [s.no for s in steps] == [1, 2, 4, 5]
    assert steps[2].activity == "Sekretaris menghimpun data lanjutan langkah empat"
    assert steps[2].output == "Draf Final"


def test_merged_cells_repeated_by_the_tool_count_once_and_a_repeated_number_keeps_the_first():
    rows = HEAD + [["1.", "Terima berkas", None, None, "Berkas", "1 hari", "Berkas", None],
                   ["1.", "Terima berkas", None, None, "Berkas", "1 hari", "Tanda terima", None],
                   ["2.", "Periksa", None, None, None, None, None, None],
                   ["1.", "tabel lain", None, None, None, None, None, None],
                   [None, "baris lanjutan tabel lain", None, None, None, None, None, None]]
    steps = tables.rows_to_steps([rows])
    assert [s.no for s in steps] == [1, 2]
    assert steps[0].activity == "Terima berkas"
    assert steps[0].output == "Berkas Tanda terima"
    assert steps[1].activity == "Periksa"


def test_no_step_column_means_no_steps():
    identity = [["Nomor SOP", "800/171"], ["Kegiatan", "Evaluasi"], ["1.", "x"]]
    assert tables.rows_to_steps([identity]) == []
    assert tables.header_columns(["No.", "Uraian Kegiatan", "Waktu", "Waktu"]) == {
        "no": 0, "activity": 1, "duration": 2}
    assert tables.step_number("12) Periksa") == 12
    assert tables.step_number("0") is None and tables.step_number("2020") is None


def test_scores_of_a_tool_use_our_metrics():
    gold = evaluate.load_golden(GOLDEN / "bkpsdm-kubar-evaluasi-akip.json")
    steps = gold.sops[0].steps
    perfect = run.family_scores(tables.as_document(list(steps), "x.pdf", 3), gold)
    assert all(perfect[f].score == 1.0 for f in (*run.ACCURACY_FAMILIES, "steps found"))
    half = steps[: len(steps) // 2]
    partial = run.family_scores(tables.as_document([s.model_copy() for s in half], "x.pdf", 3), gold)
    assert partial["steps found"].correct == len(half)
    assert partial["steps found"].total == len(steps)
    nothing = run.family_scores(tables.as_document([], "x.pdf", 3), gold)
    assert all(nothing[f].score == 0.0 for f in (*run.ACCURACY_FAMILIES, "steps found"))


def test_activity_words_of_plain_ocr_text_count_repeats_and_ignore_case():
    gold = evaluate.load_golden(GOLDEN / "bkpsdm-kubar-evaluasi-akip.json")
    texts = tables.activity_texts(gold)
    want = tables.word_counts(texts)
    total = sum(want.values())
    # the golden activities as one page of running text, in capitals: all found
    assert tables.activity_word_recall(gold, [" ".join(texts).upper()]).score == 1.0
    # a word read once where the activities hold it more often counts once
    word, times = want.most_common(1)[0]
    assert times > 1
    once = tables.activity_word_recall(gold, [word])
    assert (once.correct, once.total) == (1.0, total)
    # short words ("di", "ke") are not counted, and nothing read scores 0
    assert tables.word_counts(["Diteruskan ke Kepala di 2 hari"]) == {"diteruskan": 1, "kepala": 1, "hari": 1}
    assert tables.activity_word_recall(gold, []).score == 0.0
    # the pipeline's own scores get the figure too
    perfect = run.family_scores(tables.as_document(list(gold.sops[0].steps), "x.pdf", 3), gold)
    assert perfect[run.WORDS].score == 1.0


def test_schedule_interleaves_pages_and_alternates_the_order():
    order = timing.schedule(2, ["a", "b"], 2)
    assert order == [(0, 0, "a"), (0, 0, "b"), (0, 1, "a"), (0, 1, "b"),
                     (1, 0, "b"), (1, 0, "a"), (1, 1, "b"), (1, 1, "a")]


def test_run_interleaved_records_failures_and_keeps_the_others():
    calls: list[tuple[str, int]] = []

    def good(p: int) -> int:
        calls.append(("good", p))
        return p * 10

    def bad(p: int) -> int:
        calls.append(("bad", p))
        if p == 1:
            raise ValueError("rusak")
        return p

    t = timing.run_interleaved([0, 1, 2], {"good": good, "bad": bad}, reps=3)
    assert calls[:2] == [("good", 0), ("bad", 0)]  # the warm-up
    assert [len(v) for v in t.seconds["good"]] == [3, 3, 3]
    assert [len(v) for v in t.seconds["bad"]] == [3, 0, 3]
    assert [len(v) for v in t.cpu["bad"]] == [3, 0, 3]
    assert calls.count(("bad", 1)) == 1  # failed once, not tried again
    assert t.errors["bad"][1] == "ValueError: rusak"
    assert t.results["good"] == [0, 10, 20]
    assert t.median("bad", 1) is None
    assert len(timing.page_ratios(t, "bad", "good", clock="wall")) == 2


@dataclass
class _Frame:
    file_path: str | None
    function: str
    time: float
    children: list["_Frame"] = field(default_factory=list)


def test_stage_time_goes_to_the_innermost_pipeline_module():
    tess = _Frame("/x/ingest/ocr.py", "_recognise", 2.0, [_Frame(None, "[self]", 2.0)])
    ocr = _Frame("/x/ingest/ocr.py", "ocr_boxes", 3.0, [tess, _Frame("/np/core.py", "sum", 0.5)])
    flat = _Frame("/x/ingest/flatten.py", "flatten", 1.5, [_Frame("/cv2/x.py", "warp", 1.0)])
    root = _Frame("/x/bench/run.py", "main", 5.0, [
        _Frame("/x/ingest/pipeline.py", "ingest_file", 4.75, [ocr, flat])])
    by = stages.by_stage(root)
    assert by == pytest.approx({stages.TESSERACT: 2.0, "flatten (outline, deskew, light)": 1.5,
                                "OCR: crops, cleaning, ink checks": 1.0, "pipeline wiring": 0.25,
                                stages.OUTSIDE: 0.25})
    assert sum(by.values()) == pytest.approx(root.time)
    assert stages.stage_of("/site-packages/other/ingest/x.py", "f") is None
    assert stages.stage_of("/repo/tests/test_ocr.py", "f") is None


def test_accuracy_verdict_needs_every_family():
    F = evaluate.FamilyScore
    ours = {f: F(9, 10) for f in run.ACCURACY_FAMILIES}
    theirs = {**{f: F(5, 10) for f in run.ACCURACY_FAMILIES}, "durations": F(9, 10)}
    v = run.accuracy_verdict({"pipeline|scan-pdf": ours, "img2table|scan-pdf": theirs})
    assert v["more_accurate"] is False and "scan-pdf durations" in v["accuracy_verdict"]
    v = run.accuracy_verdict({"pipeline|scan-pdf": ours,
                              "img2table|scan-pdf": {f: F(0, 10) for f in run.ACCURACY_FAMILIES}})
    assert v == {"accuracy_verdict": "better on 3 of 3", "more_accurate": True}
    assert run.accuracy_verdict({}) == {}


def test_report_with_nothing_measured_says_so(tmp_path):
    out = tmp_path / "RESULTS.md"
    text = run.write_report({"date": "d", "total_s": 1.0, "reps": 3, "summary": {},
                             "machine": {"CPU": "x"}}, out)
    assert out.read_text() == text
    assert text.count("not measured") == 8  # every target
    assert "| CPU | x |" in text


def test_held_out_photos_are_documents_no_sample_shows(tmp_path):
    """The bench's held-out set: new documents (no committed golden), in the
    hold-out style, photographed like the camscanner samples (no text layer,
    a photo per page of the rendered document), with the generator's golden."""
    committed = {p.stem for p in (Path(__file__).parents[1] / "golden").glob("*.json")}
    styles = {spec["style"] for spec in holdout.specs().values()}
    assert styles == {"C", "D"} and not committed & set(holdout.specs())
    [(photo, golden)] = holdout.photos(tmp_path, limit=1)
    gold = evaluate.load_golden(golden)
    assert photo.stem == "fixture-D" and gold.sops and gold.sops[0].steps
    with pdfplumber.open(photo) as pdf, pdfplumber.open(golden.with_suffix(".pdf")) as born:
        assert len(pdf.pages) == len(born.pages)
        assert all(not p.chars and len(p.images) == 1 for p in pdf.pages)
