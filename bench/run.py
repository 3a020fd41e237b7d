"""`make bench`: the pipeline side by side with what a user would pick instead.

    .venv/bin/python -m bench.run            # writes bench/RESULTS.md (~10 min)
    .venv/bin/python -m bench.run --quick    # one page each, one repetition: checks the harness

Everything is measured in one run, the tools taking turns page by page
(`bench/timing.py`), and reported as ratios; see the "How" section that the
run writes into RESULTS.md for what each figure is and on which pages.
"""

from __future__ import annotations

import os

# A worker is one core. Tesseract parallelises one page over OpenMP threads:
# limited before anything loads it (here and in every child process).
# OpenCV's own thread pool is limited below, after the imports.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

import cv2  # noqa: E402
import pdfplumber  # noqa: E402
import pikepdf  # noqa: E402
from PIL import Image  # noqa: E402

from ingest import evaluate, load  # noqa: E402
from ingest.evaluate import FamilyScore  # noqa: E402
from ingest.pipeline import ingest_file  # noqa: E402

from . import holdout, stages, tables, timing  # noqa: E402

cv2.setNumThreads(1)  # used by the pipeline, img2table and camelot alike

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
GOLDEN = ROOT / "golden"
RESULTS = ROOT / "bench" / "RESULTS.md"
SCAN_VARIANTS = ("scan-pdf", "camscanner")
# Born-digital pages rendered straight to pixels: a perfect scan, where
# img2table does find the procedure table (on the scanned samples it gives
# up early on most pages, which times giving up, not reading). Both tools
# read the same pixels; the pipeline takes its OCR route on them.
CLEAN = "clean-render"
CLEAN_DPI = 200
# Documents up to this many pages are benchmarked; the 28-page decree would
# take the whole budget alone.
SHORT_DOC = 4
ACCURACY_FAMILIES = ("activity_text", "requirements_output", "durations")
# The one figure plain full-page Tesseract can be given (it reads no steps):
# the golden activity words found anywhere in what a tool read.
WORDS = "activity words"
TARGETS = {"pipeline_vs_tesseract": 1.0, "img2table_vs_pipeline": 2.0,
           "born_digital_pages_per_s": 10.0, "peak_mb": 400.0,
           # issue 5: batch and nightly
           "two_workers_speedup": 1.7, "ledger_ms_per_file": 2.0,
           "worker_memory_growth": 1.1}  # peak per worker at 1000 pages / at 10: "flat"


# -- pages --------------------------------------------------------------------

@dataclass(frozen=True)
class PageFile:
    """One page of a sample, as a one-page PDF and (scans) as the image the
    pipeline's OCR route renders from it."""

    variant: str
    stem: str
    number: int
    pdf: Path
    png: Path | None = None
    dpi: float | None = None
    image_only: bool = False  # the pipeline reads `png`, not `pdf` (a clean render)

    @property
    def pipeline_input(self) -> Path:
        return self.png if self.image_only and self.png is not None else self.pdf

    @property
    def label(self) -> str:
        return f"{self.variant}/{self.stem} p{self.number}"


def short_documents(variant: str) -> list[Path]:
    """The variant's sample PDFs with a golden answer and at most SHORT_DOC pages."""
    out = []
    for path in sorted((SAMPLES / variant).glob("*.pdf")):
        if (GOLDEN / f"{path.stem}.json").is_file():
            with pikepdf.open(path) as pdf:
                if len(pdf.pages) <= SHORT_DOC:
                    out.append(path)
    return out


def page_count(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def split_page(src: Path, number: int, out: Path) -> Path:
    """Page `number` (1-based) of `src` as a PDF of its own, bytes untouched."""
    with pikepdf.open(src) as pdf, pikepdf.new() as one:
        one.pages.append(pdf.pages[number - 1])
        one.save(out)
    return out


def join_pages(sources: list[tuple[Path, int]], out: Path) -> Path:
    """A PDF of the given (file, page) pairs in order."""
    opened: dict[Path, pikepdf.Pdf] = {}
    try:
        with pikepdf.new() as joined:
            for path, number in sources:
                pdf = opened.get(path) or opened.setdefault(path, pikepdf.open(path))
                joined.pages.append(pdf.pages[number - 1])
            joined.save(out)
    finally:
        for pdf in opened.values():
            pdf.close()
    return out


def render_like_pipeline(pdf_path: Path, number: int, out: Path) -> float:
    """Render a scanned PDF page to PNG exactly as the OCR route does (the
    same resolution, `load.render_dpi`; same renderer, grayscale); returns the dpi."""
    with pdfplumber.open(pdf_path) as pdf:
        dpi = load.render_dpi(pdf.pages[number - 1])
    with load.open_for_rendering(pdf_path) as renderer:
        page = load.rasterize_pdf_page(renderer, pdf_path, number, dpi)
    Image.fromarray(page.image).save(out, dpi=(dpi, dpi))
    return dpi


def render_clean(pdf_path: Path, number: int, dpi: float, out: Path) -> Path:
    """A born-digital page rendered straight to pixels: a perfect scan."""
    with load.open_for_rendering(pdf_path) as renderer:
        page = load.rasterize_pdf_page(renderer, pdf_path, number, dpi)
    Image.fromarray(page.image).save(out, dpi=(dpi, dpi))
    return out


def scan_page(work: Path, src: Path, variant: str, number: int) -> PageFile:
    name = f"{variant}-{src.stem}-p{number}"
    pdf = split_page(src, number, work / f"{name}.pdf")
    png = work / f"{name}.png"
    dpi = render_like_pipeline(src, number, png)
    return PageFile(variant, src.stem, number, pdf, png, dpi)


def clean_page(work: Path, src: Path, number: int) -> PageFile:
    """A born-digital page as a perfect scan: the PNG that both img2table and
    the pipeline (OCR route) read, and the text-layer page it came from."""
    name = f"{CLEAN}-{src.stem}-p{number}"
    png = render_clean(src, number, CLEAN_DPI, work / f"{name}.png")
    return PageFile(CLEAN, src.stem, number, split_page(src, number, work / f"{name}.pdf"), png,
                    CLEAN_DPI, image_only=True)


def as_tiff(pngs: list[Path], out: Path) -> Path:
    """Page images as one multi-page TIFF: a clean-rendered document for the
    pipeline's OCR route over the whole of it (its SOP spans the pages)."""
    pages = [Image.open(p) for p in pngs]
    try:
        pages[0].save(out, save_all=True, append_images=pages[1:], dpi=(CLEAN_DPI, CLEAN_DPI),
                      compression="tiff_lzw")
    finally:
        for page in pages:
            page.close()
    return out


# -- the tools ------------------------------------------------------------------

def tesseract_cli(work: Path) -> Callable[[PageFile], Any]:
    """`tesseract page.png out -l ind tsv`, as a user runs it."""
    def run(page: PageFile) -> None:
        plain_tesseract(page.png, str(work / "tesseract-out"), "tsv")
    return run


def plain_tesseract(png: Path, out: str, *config: str) -> str:
    """`tesseract page.png <out> -l ind [config]`, as a user runs it; its stdout."""
    return subprocess.run(["tesseract", str(png), out, "-l", "ind", *config], check=True,
                          capture_output=True, text=True).stdout


class TesseractInProcess:
    """The same full-page OCR through Tesseract's C API with the model kept
    loaded: the floor without a process start and a model load per page."""

    def __init__(self) -> None:
        import tesserocr

        from ingest.ocr import find_tessdata

        self.api = tesserocr.PyTessBaseAPI(path=os.path.join(find_tessdata("ind"), ""), lang="ind")

    def __call__(self, page: PageFile) -> str:
        self.api.SetImageFile(str(page.png))
        return self.api.GetTSVText(0)


class Img2Table:
    """img2table with its Tesseract OCR in Indonesian.

    Settings: TesseractOCR(lang="ind", psm=3) and implicit_rows=True, the
    ones that found the procedure table, with its step numbers, on a clean
    render of these pages. Its defaults (psm 11, implicit_rows=False) found
    no procedure table on any sample page: psm 11 drops the lone "1." of
    the No column, and without implicit rows the table is not returned.
    """

    def __init__(self) -> None:
        from img2table.ocr import TesseractOCR

        self.ocr = TesseractOCR(n_threads=1, lang="ind", psm=3)

    def __call__(self, page: PageFile | Path) -> list[list[list[str | None]]]:
        from img2table.document import Image as Img2TableImage

        png = page.png if isinstance(page, PageFile) else page
        found = Img2TableImage(str(png)).extract_tables(ocr=self.ocr, implicit_rows=True)
        return [[[cell.value for cell in row] for row in t.content.values()] for t in found]


def pdfplumber_tables(page: PageFile) -> int:
    with pdfplumber.open(page.pdf) as pdf:
        return len(pdf.pages[0].extract_tables())


def camelot_tables(page: PageFile) -> int:
    import camelot

    return camelot.read_pdf(str(page.pdf), flavor="lattice", pages="1").n


def pipeline_steps(page: PageFile) -> int:
    return sum(len(s.steps) for s in ingest_file(page.pipeline_input).sops)


# -- accuracy -------------------------------------------------------------------

def family_scores(pred, gold) -> dict[str, FamilyScore]:
    """Our families that a table extractor can be scored on, plus `steps
    found`: golden steps for which a step of the same number was read."""
    scores = evaluate.score_document(pred, gold)
    out = {name: scores[name] for name in ACCURACY_FAMILIES}
    found = {s.no for sop in pred.sops for s in sop.steps}
    golden = [s.no for sop in gold.sops for s in sop.steps]
    out["steps found"] = FamilyScore(float(sum(n in found for n in golden)), float(len(golden)))
    out[WORDS] = tables.activity_word_recall(gold, tables.activity_texts(pred))
    return out


def add_scores(a: dict[str, FamilyScore], b: dict[str, FamilyScore]) -> dict[str, FamilyScore]:
    return {k: a.get(k, evaluate.ZERO) + b.get(k, evaluate.ZERO) for k in {*a, *b}}


def accuracy(work: Path, docs: dict[str, list[tuple[Path, Path]]], i2t: Img2Table, log) -> dict[str, Any]:
    """Per (tool, variant): family scores summed over the documents, given
    as (file, its golden JSON), and seconds per page (context: each tool
    alone, not interleaved)."""
    scores: dict[str, dict[str, FamilyScore]] = {}
    seconds: dict[str, list[float]] = {}  # key -> [seconds, pages]
    # the pipeline's `sop-ingest eval` overall: variant -> stem -> score, and
    # per variant from the families summed over its documents (as eval does)
    overall: dict[str, dict[str, float | None]] = {}
    summed: dict[str, dict[str, FamilyScore]] = {}

    def add(key: str, found: dict[str, FamilyScore], secs: float, pages: int) -> None:
        scores[key] = add_scores(scores.get(key, {}), found)
        total = seconds.setdefault(key, [0.0, 0])
        total[0] += secs
        total[1] += pages

    for variant, paths in docs.items():
        for path, golden in paths:
            gold = evaluate.load_golden(golden)
            n = page_count(path)
            log(f"  accuracy: {variant}/{path.name} ({n} pages)")
            # every tool reads the same page images (for the pipeline on a
            # clean render too: not the text layer)
            pngs = [work / f"acc-{variant}-{path.stem}-p{number}.png" for number in range(1, n + 1)]
            for number, png in enumerate(pngs, start=1):
                if variant == CLEAN:
                    render_clean(path, number, CLEAN_DPI, png)
                else:
                    render_like_pipeline(path, number, png)
            start = timing.cpu_now()
            try:
                pred = ingest_file(as_tiff(pngs, work / f"acc-{path.stem}.tif") if variant == CLEAN else path)
            except Exception as exc:  # scored as nothing read
                log(f"    pipeline failed: {exc}")
                pred = tables.as_document([], path.name, n)
            add(f"pipeline|{variant}", family_scores(pred, gold), timing.cpu_now() - start, n)
            whole = evaluate.score_document(pred, gold)
            overall.setdefault(variant, {})[path.stem] = evaluate.overall(whole)
            summed[variant] = add_scores(summed.get(variant, {}), whole)
            found, text, secs, text_secs = [], [], 0.0, 0.0
            for number, png in enumerate(pngs, start=1):
                start = timing.cpu_now()
                try:
                    found.extend(i2t(png))
                except Exception as exc:
                    log(f"    img2table failed on page {number}: {exc}")
                secs += timing.cpu_now() - start
                start = timing.cpu_now()
                try:
                    text.append(plain_tesseract(png, "stdout"))
                except (OSError, subprocess.SubprocessError) as exc:
                    log(f"    tesseract failed on page {number}: {exc}")
                text_secs += timing.cpu_now() - start
            pred = tables.as_document(tables.rows_to_steps(found), path.name, n)
            add(f"img2table|{variant}", family_scores(pred, gold), secs, n)
            add(f"tesseract|{variant}", {WORDS: tables.activity_word_recall(gold, text)}, text_secs, n)
    return {"scores": scores, "seconds": {k: v[0] / v[1] for k, v in seconds.items() if v[1]},
            "overall": {v: {"all": evaluate.overall(summed[v]), "documents": per_doc}
                        for v, per_doc in overall.items()}}


# -- memory and profile ---------------------------------------------------------

# The child reads its peak from VmHWM: ru_maxrss would carry the parent's
# size over from fork (Linux keeps it across exec).
_MEMORY_CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
def peak_kb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
import cv2
cv2.setNumThreads(1)
from ingest.pipeline import ingest_file
before = peak_kb()
import os
start, cpu = time.perf_counter(), sum(os.times()[:2])
doc = ingest_file(Path({pdf!r}))
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "cpu": sum(os.times()[:2]) - cpu, "imports_kb": before, "peak_kb": peak_kb(),
                  "steps": sum(len(s.steps) for s in doc.sops), "pages": doc.source.pages}}))
"""


def peak_memory(work: Path, pages: int) -> dict[str, Any]:
    """One worker (a fresh process) ingesting a CamScanner PDF of `pages` pages,
    made by repeating the CamScanner sample pages in order."""
    sources = [(p, i) for p in sorted((SAMPLES / "camscanner").glob("*.pdf"))
               for i in range(1, page_count(p) + 1)]
    if not sources:
        raise RuntimeError("no CamScanner samples (run make samples)")
    pdf = join_pages([sources[i % len(sources)] for i in range(pages)], work / f"camscanner-{pages}p.pdf")
    out = timing.child_json(_MEMORY_CHILD.format(root=str(ROOT), pdf=str(pdf)))
    # img2table needs opencv-contrib-python, which make bench installs over
    # the pipeline's headless build (same cv2 folder): it maps more memory
    # than a worker installed by make setup does, so the figure errs high.
    out["opencv"] = timing.version("opencv-contrib-python")
    out["size_mb"] = pdf.stat().st_size / 1e6
    return out


def profile_file(pdf: Path, label: str) -> dict[str, Any]:
    """Seconds by stage for one file through the whole pipeline (pyinstrument,
    1 ms sampling), after a warm-up run; and Tesseract's calls on it."""
    from pyinstrument import Profiler

    from ingest import ocr

    ingest_file(pdf)  # warm: the engine is loaded once per worker
    calls = {"n": 0, "pixels": 0}
    original = ocr.TesseractEngine._recognise

    def counted(self, prep, *args, **kwargs):
        calls["n"] += 1
        calls["pixels"] += int(prep.img.size)
        return original(self, prep, *args, **kwargs)

    ocr.TesseractEngine._recognise = counted
    try:
        profiler = Profiler(interval=0.001)
        profiler.start()
        start, start_cpu = time.perf_counter(), timing.cpu_now()
        ingest_file(pdf)
        wall, cpu = time.perf_counter() - start, timing.cpu_now() - start_cpu
        profiler.stop()
    finally:
        ocr.TesseractEngine._recognise = original
    by = stages.by_stage(profiler.last_session.root_frame())
    return {"page": label, "wall": wall, "cpu": cpu, "stages": by, "tesseract_calls": calls["n"],
            "tesseract_mpx": calls["pixels"] / 1e6}


# -- the report -------------------------------------------------------------------

def _s(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def _x(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}×"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _met(ok: bool | None) -> str:
    return "not measured" if ok is None else ("**met**" if ok else "**not met**")


def _profile_text(p: dict[str, Any]) -> str:
    return (f"{p['page']}, pyinstrument (1 ms samples, wall clock), warm; {p['cpu']:.2f} CPU s, "
            f"{p['wall']:.2f} s wall. Time is charged to the innermost pipeline module on the "
            "stack: numpy, OpenCV, pdfium, pdfminer and Tesseract count for the stage that called them.")


def _stage_table(p: dict[str, Any]) -> str:
    total = sum(p["stages"].values()) or 1.0
    return markdown_table(["stage", "ms", "share"], [[name, f"{sec * 1000:.0f}", f"{100 * sec / total:.0f}%"]
                                                     for name, sec in p["stages"].items()])


def _target(value: float | None, ok: Callable[[float], bool]) -> str:
    return _met(None if value is None else ok(value))


def _timing_section(t: dict[str, Any] | None, title: str, how: str) -> list[str]:
    """A `bench_scans` result as a report section: heading, how, table, failures."""
    if not t:
        return []
    out = [f"## {title}", "", how, "", _scan_table(t), ""]
    if t.get("errors"):
        out += ["Failures: " + "; ".join(t["errors"]), ""]
    return out


def _scan_table(t: dict[str, Any]) -> str:
    rows = [[p["label"], _s(p["dpi"], 0), _s(p["cli"]), _s(p["api"]), _s(p["pipeline"]),
             _s(p["img2table"]), _x(p["pipe_vs_cli"]), _x(p["pipe_vs_cli_wall"]), _x(p["pipe_vs_api"]),
             _x(p["i2t_vs_pipe"]), str(p["steps"]), str(p["i2t_tables"])] for p in t["pages"]]
    rows.append(["**median of the page ratios**", "", "", "", "", "", _x(t["pipe_vs_cli"]),
                 _x(t["pipe_vs_cli_wall"]), _x(t["pipe_vs_api"]), _x(t["i2t_vs_pipe"]), "", ""])
    return markdown_table(["page", "dpi", "CLI s", "in-process s", "pipeline s", "img2table s",
                           "pipe ÷ CLI", "(wall)", "pipe ÷ in-proc", "img2table ÷ pipe",
                           "steps (ours)", "tables (img2table)"], rows)


def write_report(r: dict[str, Any], path: Path) -> str:
    s = r["summary"]
    load = r["machine"].get("load average at start (1 min)", "?")
    out: list[str] = ["# Benchmarks", "",
                      f"Written by `make bench` (`bench/run.py`) on {r['date']}, in {r['total_s']:.0f} s. "
                      "Figures are ratios measured in one run, the tools taking turns page by page "
                      f"(a warm-up, then {r['reps']} repetitions, the median per page, then the median "
                      "of the page ratios); seconds are context. Every tool runs on one core "
                      "(`OMP_THREAD_LIMIT=1`, `cv2.setNumThreads(1)`). Times are CPU seconds (user + system, child processes "
                      "included): the machine is shared (load average "
                      f"{load} at the start) and wall time there includes waiting for a core; CPU time "
                      "is what a worker on a core of its own takes. Wall-time ratios are given beside.",
                      ""]

    found = s.get("i2t_found_pages")
    i2t_note = ""
    if found is not None:
        i2t_note = (f"; on the {found} page(s) where img2table found a table: {_x(s.get('i2t_vs_pipe_found'))}"
                    if found else "; img2table found no table on any timed page, and returns early then")
    out += ["## Targets", "", markdown_table(["target", "measured", ""], [
        ["scanned page, whole pipeline ÷ plain `tesseract` CLI ≤ 1.0×",
         f"{_x(s.get('pipe_vs_cli'))} (wall: {_x(s.get('pipe_vs_cli_wall'))})",
         _target(s.get("pipe_vs_cli"), lambda v: v <= TARGETS["pipeline_vs_tesseract"])],
        ["  stricter floor: ÷ the same full-page OCR in-process, model loaded once",
         _x(s.get("pipe_vs_api")), ""],
        ["img2table + Tesseract ÷ pipeline ≥ 2×", _x(s.get("i2t_vs_pipe")) + i2t_note,
         _target(s.get("i2t_vs_pipe"), lambda v: v >= TARGETS["img2table_vs_pipeline"])],
        [f"  where img2table reads the table: clean {CLEAN_DPI} dpi renders of the born-digital pages "
         f"(img2table ÷ pipeline; pipeline ÷ CLI)",
         f"{_x(s.get('clean_i2t_vs_pipe'))}; {_x(s.get('clean_pipe_vs_cli'))}", ""],
        ["more accurate than img2table on every family both apply to (scans)",
         s.get("accuracy_verdict", "–"), _met(s.get("more_accurate"))],
        ["born-digital route ≥ 10 pages/s/worker",
         f"{_s(s.get('bd_pages_per_s'), 1)} pages/s (wall: {_s(s.get('bd_pages_per_s_wall'), 1)})",
         _target(s.get("bd_pages_per_s"), lambda v: v >= TARGETS["born_digital_pages_per_s"])],
        [f"peak memory per worker ≤ 400 MB ({r.get('memory', {}).get('pages', 20)}-page CamScanner PDF)",
         _s(s.get("peak_mb"), 0) + " MB", _target(s.get("peak_mb"), lambda v: v <= TARGETS["peak_mb"])],
        ["batch: 2 workers ≥ 1.7× one (wall time, same files)", _x(s.get("speedup_2w")),
         _target(s.get("speedup_2w"), lambda v: v >= TARGETS["two_workers_speedup"])],
        ["nightly: ledger overhead per already-seen file < 2 ms",
         _s(s.get("ledger_ms"), 3) + " ms" if s.get("ledger_ms") is not None else "–",
         _target(s.get("ledger_ms"), lambda v: v < TARGETS["ledger_ms_per_file"])],
        ["batch: peak memory per worker flat from 10 to 1,000 pages (≤ 1.1×)",
         _x(s.get("worker_memory_growth")),
         _target(s.get("worker_memory_growth"), lambda v: v <= TARGETS["worker_memory_growth"])],
    ]), ""]

    out += _timing_section(r.get("scan"), "Scanned pages: time per page",
                           "CPU seconds, median over the repetitions. *CLI*: `tesseract page.png out -l ind tsv` "
                           "(a process and a model load per page, as a user runs it). *in-process*: the same "
                           "full-page OCR through tesserocr, model loaded once. *pipeline*: `ingest_file` on the "
                           "page as a one-page PDF, one worker, engine warm: opening the PDF, rendering, "
                           "flattening, rules and shapes, OCR of cells and labels, layout, assembly, the JSON "
                           "model. *img2table*: its table detection and Tesseract OCR (a `tesseract` process) on "
                           "the same PNG. Ratios: pipeline ÷ CLI (CPU, then wall), pipeline ÷ in-process, "
                           "img2table ÷ pipeline (above 1: we are faster).")
    out += _timing_section(r.get("clean"), "Clean renders: time per page where img2table reads the table",
                           f"The born-digital pages rendered straight to a {CLEAN_DPI} dpi PNG (a perfect scan). "
                           "On the scanned samples img2table finds no table on most pages and stops early, so "
                           "its time there is the time of giving up; here it does its whole work. Every tool "
                           "reads the same PNG: the pipeline takes its OCR route on it (`ingest_file` on the "
                           "PNG), not the text layer. Columns as in the table of scanned pages; the Targets row "
                           "takes the pages where img2table found a table.")

    a = r.get("accuracy")
    if a:
        held_out = ""
        if a.get("held_out"):
            held_out = (f" *{holdout.VARIANT}*: documents no photo sample shows, made at run time "
                        f"({', '.join(a['held_out'])}; `bench/holdout.py`: the generality test's documents "
                        "in the hold-out style D, and its two decree SOPs in style C), photographed as the "
                        "camscanner samples are, with their own random draws.")
        rows = []
        for variant in a["variants"]:
            for tool in ("pipeline", "img2table", "tesseract"):
                sc = a["scores"].get(f"{tool}|{variant}", {})
                rows.append([variant, tool,
                             *(_s(sc[k].score, 3) if k in sc else "–"
                               for k in (*ACCURACY_FAMILIES, "steps found", WORDS)),
                             _s(a["seconds"].get(f"{tool}|{variant}"))])
        out += ["## Accuracy of the table text", "",
                "Our metrics (`ingest/evaluate.py`) over the short documents of each variant "
                f"({', '.join(a['documents'])}). img2table's cells become steps by the No column "
                "(`bench/tables.py`) and go through our normalisers; `requirements_output` counts "
                "Kelengkapan, Output and Keterangan. *clean-render*: the born-digital documents "
                f"rendered straight to {CLEAN_DPI} dpi images, img2table's best case; both tools read "
                "those pixels (the pipeline as a multi-page TIFF, through its OCR route). *tesseract*: "
                "`tesseract page.png stdout -l ind` on the same PNGs; it reads no steps, so the one "
                f"figure it gets is *{WORDS}*: the share of the golden activity words (3 letters or "
                "digits or more, counted with repeats) found in what a tool read, for tesseract anywhere on the "
                "page (a figure that can only flatter it). *CPU s/page*: each tool alone, one pass; "
                "img2table returns early on a page where it finds no table." + held_out, "",
                markdown_table(["pages", "tool", *ACCURACY_FAMILIES, "steps found", WORDS, "CPU s/page"],
                               rows), ""]
        if a.get("overall"):
            out += ["The pipeline's whole score on the same documents (`sop-ingest eval` overall, every "
                    "family: identity, roles, actors, symbols, arrows, lists as well):", "",
                    markdown_table(["pages", "overall", "per document"],
                                   [[v, _s(o["all"], 3),
                                     ", ".join(f"{stem} {_s(x, 3)}" for stem, x in o["documents"].items())]
                                    for v, o in a["overall"].items()]), ""]

    b = r.get("born_digital")
    if b:
        rows = [[p["label"], _s(p["ours"], 3), _s(p["pdfplumber"], 3), _s(p["camelot"], 3),
                 _x(p["plumber_vs_ours"]), _x(p["camelot_vs_ours"]), str(p["steps"]),
                 str(p["plumber_tables"]), str(p["camelot_tables"])] for p in b["pages"]]
        rows.append(["**median of the page ratios**", "", "", "", _x(b["plumber_vs_ours"]),
                     _x(b["camelot_vs_ours"]), "", "", ""])
        out += ["## Born-digital pages: time per page", "",
                "CPU seconds on one-page PDFs of the born-digital samples. *ours*: `ingest_file` "
                "(text layer, flowchart, grid, layout, assembly, the JSON model); *pdfplumber*: "
                "`extract_tables()`; *camelot*: `read_pdf(flavor='lattice')`. Those two only find "
                "tables (no steps, no flowchart). Ratios: their time ÷ ours.", "",
                markdown_table(["page", "ours s", "pdfplumber s", "camelot s", "pdfplumber ÷ ours",
                                "camelot ÷ ours", "steps (ours)", "tables (pdfplumber)",
                                "tables (camelot)"], rows), "",
                f"Whole documents, one worker: {b['doc_pages']} pages of {b['docs']} born-digital "
                f"samples in {_s(b['doc_seconds'])} CPU s (wall {_s(b['doc_wall'])} s; median of "
                f"{r['reps']}) = **{_s(b['pages_per_s'], 1)} pages/s**.", ""]

    m = r.get("memory")
    if m:
        out += ["## Peak memory per worker", "",
                f"A fresh process running `ingest_file` on a {m['pages']}-page CamScanner PDF "
                f"({m['size_mb']:.1f} MB; the sample pages repeated): peak resident memory "
                f"**{m['peak_kb'] / 1024:.0f} MB** (VmHWM; {m['imports_kb'] / 1024:.0f} MB of it "
                f"after the imports); {m['cpu']:.0f} CPU s ({m['cpu'] / m['pages']:.1f} s/page, wall "
                f"{m['seconds']:.0f} s), {m['steps']} steps read. "
                + ("With opencv-contrib-python (img2table's, installed by make bench over the "
                   "pipeline's headless build): a worker installed by make setup maps less."
                   if m.get("opencv", "not installed") != "not installed" else ""), ""]
    elif r.get("memory_error"):
        out += ["## Peak memory per worker", "", f"Not measured: {r['memory_error']}", ""]

    p = r.get("profile")
    if p:
        out += ["## Profile of one scanned page", "", _profile_text(p) + " Tesseract was called "
                f"{p['tesseract_calls']} times on {p['tesseract_mpx']:.1f} Mpx of crops.", "",
                _stage_table(p), ""]
    p = r.get("profile_born_digital")
    if p:
        out += ["## Profile of one born-digital document", "", _profile_text(p), "", _stage_table(p), ""]

    t = r.get("throughput")
    if t:
        rows = [[str(x["workers"]), _s(x["seconds"], 1), _s(x["pages_per_min"], 1), _x(x["speedup"]),
                 _s(x["cpu"], 1), _s(x["cpu"] / x["seconds"], 2)] for x in t["rows"]]
        out += ["## Batch: throughput by workers", "",
                f"`sop-ingest run --workers N` over the same {t['files']} files ({t['pages']} pages: "
                f"{', '.join(t['folders'])}; pages are the unit of work), wall time, load average "
                f"{t['load']:.2f} before (`bench/batch_bench.py throughput`). CPU ÷ wall near the "
                "worker count means the cores were the run's own.", "",
                markdown_table(["workers", "seconds", "pages/min", "speed-up", "CPU s", "CPU ÷ wall"], rows), ""]
    bm = r.get("batch_memory")
    if bm:
        rows = [[str(x["pages"]), str(x["files"]), _s(x["seconds"], 1), _s(x["main_mb"], 0),
                 ", ".join(_s(m, 0) for m in x["worker_mb"])] for x in bm["rows"]]
        out += ["## Batch: memory per worker by batch size", "",
                "`sop-ingest run --workers 2` over text-layer PDFs of 10 pages each made from the "
                "samples; peak resident memory (VmHWM) of each process (`bench/batch_bench.py "
                "memory`). Results stream to disk, so a worker's peak does not grow with the batch.", "",
                markdown_table(["pages", "files", "seconds", "main MB", "worker MB (each)"], rows), ""]
    lg = r.get("ledger")
    if lg:
        rows = [[str(n), str(lg["files"]), _s(x["seconds"], 2), _s(x["ms_per_file"], 3)]
                for n, x in enumerate(lg["runs"], start=1)]
        out += ["## Nightly: ledger overhead", "",
                f"A whole `nightly` run (lease, tidy, scan, compare, report) over {lg['files']} files "
                f"the ledger ({lg['db']}) already has as done; two runs (`bench/ledger_bench.py`).", "",
                markdown_table(["run", "files", "seconds", "ms per file"], rows), ""]

    out += ["## Machine", "", markdown_table(["", ""], [[k, v] for k, v in r["machine"].items()]), "",
            "## How", "",
            "- Scanned pages timed: " + ", ".join(r.get("scan_labels", [])) + ": page 2 (the first "
            "page of the procedure table) of every short document of each scanned variant, and one "
            "identity page.",
            f"- Clean renders timed: the same choice of pages from the born-digital samples, rendered "
            f"at {CLEAN_DPI} dpi by pdfium (`load.rasterize_pdf_page`) and saved as PNG.",
            f"- Documents for accuracy and born-digital: those with at most {SHORT_DOC} pages "
            "(the 28-page decree is left out to keep `make bench` near ten minutes).",
            "- Scanned pages are rendered to PNG by the pipeline's own code (`load.render_dpi`, "
            "`load.rasterize_pdf_page`): Tesseract and img2table get the images the pipeline reads. "
            "Plain Tesseract uses `-l ind`; the pipeline reads `ind+eng`.",
            "- CamScanner pages are photos: the pipeline flattens them itself; Tesseract and "
            "img2table get them as they are, as a user would.",
            "- img2table: " + " ".join(Img2Table.__doc__.split("\n\n", 1)[1].split()), ""]
    text = "\n".join(out)
    path.write_text(text, encoding="utf-8")
    return text


# -- the run ------------------------------------------------------------------------

def _median_ratio(t: timing.Timings, a: str, b: str, clock: str = "cpu",
                  pages: list[int] | None = None) -> float | None:
    ratios = [timing.ratio(t.median(a, i, clock), t.median(b, i, clock))
              for i in (range(len(t.pages)) if pages is None else pages)]
    return timing.median_or_none([r for r in ratios if r is not None])


def bench_scans(work: Path, pages: list[PageFile], reps: int, i2t: Img2Table,
                log) -> dict[str, Any]:
    tools = {"cli": tesseract_cli(work), "api": TesseractInProcess(),
             "pipeline": pipeline_steps, "img2table": i2t}
    kind = pages[0].variant if pages and pages[0].variant == CLEAN else "scanned"
    log(f"{kind} pages: {len(pages)} pages x {len(tools)} tools x {reps} repetitions")
    t = timing.run_interleaved(pages, tools, reps)
    rows = []
    for i, p in enumerate(pages):
        med = {n: t.median(n, i) for n in tools}
        found = t.results["img2table"][i]
        rows.append({"label": p.label, "dpi": p.dpi, **med,
                     "pipe_vs_cli": timing.ratio(med["pipeline"], med["cli"]),
                     "pipe_vs_cli_wall": timing.ratio(t.median("pipeline", i, "wall"),
                                                      t.median("cli", i, "wall")),
                     "pipe_vs_api": timing.ratio(med["pipeline"], med["api"]),
                     "i2t_vs_pipe": timing.ratio(med["img2table"], med["pipeline"]),
                     "steps": t.results["pipeline"][i] if t.results["pipeline"][i] is not None else "–",
                     "i2t_tables": len(found) if found is not None else "–"})
    errors = [f"{n} on {pages[i].label}: {e}" for n, es in t.errors.items() for i, e in enumerate(es) if e]
    # img2table returns early where it finds no table; where it found one it did the work.
    with_table = [i for i, r in enumerate(t.results["img2table"]) if r]
    return {"pages": rows, "errors": errors,
            "pipe_vs_cli": _median_ratio(t, "pipeline", "cli"),
            "pipe_vs_cli_wall": _median_ratio(t, "pipeline", "cli", "wall"),
            "pipe_vs_api": _median_ratio(t, "pipeline", "api"),
            "i2t_vs_pipe": _median_ratio(t, "img2table", "pipeline"),
            "i2t_vs_pipe_found": _median_ratio(t, "img2table", "pipeline", pages=with_table),
            "i2t_found_pages": len(with_table)}


def bench_born_digital(work: Path, docs: list[Path], reps: int, per_doc: int, log) -> dict[str, Any]:
    pages = [PageFile("born-digital", d.stem, n, split_page(d, n, work / f"bd-{d.stem}-p{n}.pdf"))
             for d in docs for n in range(1, min(per_doc, page_count(d)) + 1)]
    tools = {"ours": pipeline_steps, "pdfplumber": pdfplumber_tables, "camelot": camelot_tables}
    log(f"born-digital pages: {len(pages)} pages x {len(tools)} tools x {reps} repetitions")
    t = timing.run_interleaved(pages, tools, reps)
    rows = []
    for i, p in enumerate(pages):
        med = {n: t.median(n, i) for n in tools}
        rows.append({"label": p.label, **med,
                     "plumber_vs_ours": timing.ratio(med["pdfplumber"], med["ours"]),
                     "camelot_vs_ours": timing.ratio(med["camelot"], med["ours"]),
                     **{k: (t.results[n][i] if t.results[n][i] is not None else "–")
                        for k, n in (("steps", "ours"), ("plumber_tables", "pdfplumber"),
                                     ("camelot_tables", "camelot"))}})
    # Whole documents: the route's throughput as a batch worker sees it.
    log("born-digital documents: whole files")
    n_pages = sum(page_count(d) for d in docs)
    if docs:
        ingest_file(docs[0])  # warm (imports, caches)
    cpu, wall = [], []
    for _ in range(reps):
        start, start_cpu = time.perf_counter(), timing.cpu_now()
        for d in docs:
            ingest_file(d)
        cpu.append(timing.cpu_now() - start_cpu)
        wall.append(time.perf_counter() - start)
    secs, wall_secs = timing.median_or_none(cpu), timing.median_or_none(wall)
    return {"pages": rows, "plumber_vs_ours": _median_ratio(t, "pdfplumber", "ours"),
            "camelot_vs_ours": _median_ratio(t, "camelot", "ours"), "docs": len(docs),
            "doc_pages": n_pages, "doc_seconds": secs, "doc_wall": wall_secs,
            "pages_per_s": n_pages / secs if secs else None,
            "pages_per_s_wall": n_pages / wall_secs if wall_secs else None}


def timing_pages(work: Path, quick: bool, variants: tuple[str, ...] = SCAN_VARIANTS,
                 make: Callable[[Path, Path, str, int], PageFile] | None = None) -> list[PageFile]:
    """Page 1 of the first short document (an identity page), and page 2 of
    every short document of each variant (the first page of the procedure
    table, where most of the text is). `make(work, document, variant,
    number)` gives a page its files: by default, as the scanned sample it is."""
    make = make or scan_page
    pages = []
    for variant in variants:
        docs = short_documents(variant)
        if quick:
            docs = docs[:1]
        if variant == variants[0] and docs and not quick:
            pages.append(make(work, docs[0], variant, 1))
        pages += [make(work, d, variant, 2) for d in docs if page_count(d) >= 2]
    return pages


def clean_timing_pages(work: Path, quick: bool) -> list[PageFile]:
    """The same choice of pages from the born-digital samples, as clean renders."""
    return timing_pages(work, quick, ("born-digital",), lambda w, d, _v, n: clean_page(w, d, n))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench.run", description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3, help="timed repetitions per page (median taken)")
    ap.add_argument("--quick", action="store_true",
                    help="one document per variant, one repetition, small memory file: checks the harness")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--memory-pages", type=int, default=20)
    ap.add_argument("--skip", action="append", default=[],
                    choices=["scan", "accuracy", "born-digital", "memory", "profile", "batch", "ledger"])
    args = ap.parse_args(argv)
    reps = 1 if args.quick else args.reps
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:6.0f} s] {msg}", flush=True)

    report: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "reps": reps,
                              "machine": timing.machine(), "summary": {}}
    s = report["summary"]
    with tempfile.TemporaryDirectory(prefix="sop-bench-") as tmp:
        work = Path(tmp)
        i2t = Img2Table()
        scan_pages = timing_pages(work, args.quick)
        report["scan_labels"] = [p.label for p in scan_pages]

        if "scan" not in args.skip and scan_pages:
            report["scan"] = bench_scans(work, scan_pages, reps, i2t, log)
            for k in ("pipe_vs_cli", "pipe_vs_cli_wall", "pipe_vs_api", "i2t_vs_pipe",
                      "i2t_vs_pipe_found", "i2t_found_pages"):
                s[k] = report["scan"][k]

        if "scan" not in args.skip:
            clean = clean_timing_pages(work, args.quick)
            if clean:
                report["clean"] = bench_scans(work, clean, reps, i2t, log)
                s["clean_i2t_vs_pipe"] = report["clean"]["i2t_vs_pipe_found"]
                s["clean_pipe_vs_cli"] = report["clean"]["pipe_vs_cli"]

        if "accuracy" not in args.skip:
            docs = {v: [(p, GOLDEN / f"{p.stem}.json")
                        for p in short_documents("born-digital" if v == CLEAN else v)[: 1 if args.quick else None]]
                    for v in (*SCAN_VARIANTS, CLEAN)}
            documents = sorted({p.stem for ps in docs.values() for p, _ in ps})
            log("accuracy: making the held-out photos")
            try:
                docs[holdout.VARIANT] = holdout.photos(work, 1 if args.quick else None)
            except Exception as exc:  # the other variants are still measured
                log(f"    making the held-out photos failed: {exc}")
                docs[holdout.VARIANT] = []
            acc = accuracy(work, docs, i2t, log)
            report["accuracy"] = {"variants": [v for v in docs if docs[v]], **acc, "documents": documents,
                                  "held_out": [p.stem for p, _ in docs[holdout.VARIANT]]}
            s.update(accuracy_verdict(acc["scores"]))

        if "born-digital" not in args.skip:
            docs = short_documents("born-digital")[: 1 if args.quick else None]
            report["born_digital"] = bench_born_digital(work, docs, reps, 1 if args.quick else 3, log)
            s["bd_pages_per_s"] = report["born_digital"]["pages_per_s"]
            s["bd_pages_per_s_wall"] = report["born_digital"]["pages_per_s_wall"]

        if "memory" not in args.skip:
            pages = 2 if args.quick else args.memory_pages
            log(f"peak memory: {pages}-page CamScanner PDF in a fresh process")
            try:
                report["memory"] = m = peak_memory(work, pages)
                m["pages"] = pages
                s["peak_mb"] = m["peak_kb"] / 1024
            except (RuntimeError, subprocess.SubprocessError, json.JSONDecodeError) as exc:
                report["memory_error"] = str(exc)

        if "profile" not in args.skip and scan_pages:
            target = next((p for p in scan_pages if p.variant == "scan-pdf" and p.number == 2), scan_pages[0])
            log(f"profile: {target.label}")
            report["profile"] = profile_file(target.pdf, target.label)
        born = short_documents("born-digital")
        if "profile" not in args.skip and born:
            log(f"profile: born-digital/{born[0].name}")
            report["profile_born_digital"] = profile_file(born[0], f"born-digital/{born[0].name} "
                                                          f"({page_count(born[0])} pages)")

        if "batch" not in args.skip:
            from bench import batch_bench

            folders = ["fax"] if args.quick else ["scan-pdf", "fax", "born-digital"]
            log(f"batch: sop-ingest run with 1 worker, then 2 ({', '.join(folders)})")
            report["throughput"] = t = batch_bench.throughput(folders, [1, 2])
            s["speedup_2w"] = t["rows"][-1]["speedup"]
            totals = [10, 40] if args.quick else [10, 1000]
            log(f"batch: peak memory per worker, {totals[0]} vs {totals[1]} pages")
            report["batch_memory"] = bm = batch_bench.memory(totals)
            small, big = (max(row["worker_mb"], default=0.0) for row in bm["rows"])
            s["worker_memory_growth"] = big / small if small else None

        if "ledger" not in args.skip:
            from bench import ledger_bench

            n = 500 if args.quick else 10_000
            log(f"ledger: nightly over {n} files already seen")
            report["ledger"] = lg = ledger_bench.measure(n)
            s["ledger_ms"] = min(run["ms_per_file"] for run in lg["runs"])

    report["total_s"] = time.perf_counter() - started
    text = write_report(report, args.out)
    log(f"wrote {args.out}")
    print(text)
    return 0


def accuracy_verdict(scores: dict[str, dict[str, FamilyScore]]) -> dict[str, Any]:
    """Is the pipeline more accurate than img2table on every family both
    apply to, on the scanned variants? (A family img2table scores nothing on
    still counts: 0 is a score.)"""
    better, worse = 0, []
    for variant in (*SCAN_VARIANTS, holdout.VARIANT):
        ours, theirs = scores.get(f"pipeline|{variant}"), scores.get(f"img2table|{variant}")
        if not ours or not theirs:
            continue
        for fam in ACCURACY_FAMILIES:
            a, b = ours[fam].score, theirs[fam].score
            if a is None or b is None:
                continue
            if a > b:
                better += 1
            else:
                worse.append(f"{variant} {fam}")
    if not better and not worse:
        return {}
    verdict = f"better on {better} of {better + len(worse)}"
    if worse:
        verdict += " (not on " + ", ".join(worse) + ")"
    return {"accuracy_verdict": verdict, "more_accurate": not worse}


if __name__ == "__main__":
    sys.exit(main())
