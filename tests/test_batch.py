"""The batch: pages read as independent tasks on worker processes or a real
Dask cluster give byte for byte the JSON of one process reading file after file."""

from __future__ import annotations

import io
import json
import os
import pickle
import random
import shutil
from pathlib import Path

import pytest

from ingest.pipeline import (Settings, assemble_document, ingest_file, plan_file, read_page,
                             read_pages)
from pipelines import batch

from .conftest import SAMPLES, run_cli, text_pdf

BORN = sorted((SAMPLES / "born-digital").glob("*.pdf"))
FAX = [SAMPLES / "fax" / "sekretariat-evaluasi-kinerja-internal.tif"]  # 2 pages, OCR


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*.json")) if not p.name.startswith("_")}


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    """Born-digital PDFs (one of 28 pages with ten SOPs), a 3-page fax TIFF
    (OCR route), a letter, and two files that fail, in sub-folders."""
    box = tmp_path_factory.mktemp("batch") / "arsip"
    (box / "digital").mkdir(parents=True)
    (box / "fax").mkdir()
    for p in BORN:
        shutil.copy(p, box / "digital" / p.name)
    shutil.copy(FAX[0], box / "fax" / FAX[0].name)
    text_pdf(box / "surat.pdf", [["Perihal : undangan rapat"], [], ["Halaman tiga"]])
    (box / "kosong.pdf").write_bytes(b"")
    (box / "terpotong.pdf").write_bytes(BORN[0].read_bytes()[:3000])
    return box


@pytest.fixture(scope="module")
def serial_run(inbox: Path, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("serial") / "out"
    proc = run_cli("run", str(inbox), "--out", str(out), "--workers", "1")
    assert proc.returncode == 1, proc.stderr  # the two bad files
    return out, json.loads((out / "_run.json").read_text())


def _same_run(a: dict, b: dict) -> None:
    keys = ("files", "ok", "failed", "skipped", "pages", "sops", "steps")
    assert {k: a[k] for k in keys} == {k: b[k] for k in keys}
    assert sorted(map(json.dumps, a["failures"])) == sorted(map(json.dumps, b["failures"]))


@pytest.mark.parametrize("path", [BORN[2], FAX[0]], ids=lambda p: p.parent.name + "/" + p.name)
def test_pages_read_apart_give_the_same_document(path: Path) -> None:
    """plan_file + read_page (each page alone, through pickle as to a worker)
    + assemble_document == ingest_file, byte for byte."""
    whole = ingest_file(path).to_json()
    plan = plan_file(path)
    numbers = list(range(1, plan.pages + 1))
    random.Random(5).shuffle(numbers)  # workers finish in any order
    pages = {n: pickle.loads(pickle.dumps(read_page(path, n, plan.source.media_type)))
             for n in numbers}
    doc = assemble_document(path, plan.source, plan.pages, [pages[n] for n in sorted(pages)])
    assert doc.to_json() == whole
    # and in runs of pages, each run reading the file once
    runs = [pickle.loads(pickle.dumps(read_pages(path, a, b, plan.source.media_type)))
            for a, b in batch.page_runs(plan.pages, 2)]
    doc = assemble_document(path, plan.source, plan.pages, [p for run in runs for p in run])
    assert doc.to_json() == whole


def test_a_blank_page_is_skipped_the_same_way(tmp_path: Path) -> None:
    p = text_pdf(tmp_path / "surat.pdf", [["Perihal : undangan rapat koordinasi tahunan"], [],
                                          ["Halaman tiga dari surat yang sama"]])
    plan = plan_file(p)
    pages = [read_page(p, n, plan.source.media_type) for n in (1, 2, 3)]
    assert pages[1].content is None
    assert assemble_document(p, plan.source, 3, pages).to_json() == ingest_file(p).to_json()


def test_page_runs_cover_every_page_once() -> None:
    for pages in range(0, 60):
        for workers in (1, 2, 3, 8):
            runs = batch.page_runs(pages, workers)
            covered = [n for a, b in runs for n in range(a, b + 1)]
            assert covered == list(range(1, pages + 1))
            assert all(b - a + 1 <= batch.MAX_PAGES_PER_TASK for a, b in runs)
            if pages:  # one file alone keeps every worker busy
                assert max(b - a + 1 for a, b in runs) <= -(-pages // workers)


def test_two_workers_write_what_one_writes(inbox: Path, serial_run, tmp_path: Path) -> None:
    serial_out, serial_summary = serial_run
    out = tmp_path / "out"
    proc = run_cli("run", str(inbox), "--out", str(out), "--workers", "2")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert _outputs(out) == _outputs(serial_out)
    assert set(_outputs(out)) == {"digital/" + p.stem + ".json" for p in BORN} | {
        "fax/" + FAX[0].stem + ".json", "surat.json"}
    summary = json.loads((out / "_run.json").read_text())
    _same_run(summary, serial_summary)
    assert summary["ok"] == 6 and summary["failed"] == 2 and summary["workers"] == 2
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 2 and any("kosong.pdf" in e and "empty" in e for e in errors)
    assert not list(out.rglob("*.tmp"))


def test_a_dask_cluster_over_tcp_writes_what_one_process_writes(inbox: Path, serial_run,
                                                                  tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    serial_out, serial_summary = serial_run
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", protocol="tcp://",
                                  dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        proc = run_cli("run", str(inbox), "--out", str(out), "--scheduler",
                       cluster.scheduler_address, "--json-log")
    assert proc.returncode == 1, proc.stderr
    assert _outputs(out) == _outputs(serial_out)
    summary = json.loads((out / "_run.json").read_text())
    _same_run(summary, serial_summary)
    assert summary["scheduler"].startswith("tcp://127.0.0.1:") and summary["workers"] == 2
    events = [json.loads(ln) for ln in proc.stdout.splitlines()]
    files = [e for e in events if e["event"] == "file"]
    assert len(files) == 8 and sum(e["status"] == "failed" for e in files) == 2
    assert events[-1]["event"] == "summary" and events[-1]["ok"] == 6


def test_resume_skips_what_is_done_and_redoes_what_changed(tmp_path: Path) -> None:
    box = tmp_path / "in"
    box.mkdir()
    for p in BORN[:2]:
        shutil.copy(p, box / p.name)
    out = tmp_path / "out"
    assert run_cli("run", str(box), "--out", str(out), "--workers", "2").returncode == 0
    first = _outputs(out)
    shutil.copy(BORN[3], box / BORN[0].name)  # edited: now other content under that name
    proc = run_cli("run", str(box), "--out", str(out), "--workers", "2", "--resume")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "_run.json").read_text())
    assert summary["skipped"] == 1 and summary["ok"] == 1
    again = _outputs(out)
    assert again[BORN[1].stem + ".json"] == first[BORN[1].stem + ".json"]
    redone = json.loads(again[BORN[0].stem + ".json"])
    assert redone["source"]["sha256"] == ingest_file(BORN[3]).source.sha256


def test_plain_lines_when_not_a_terminal(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_cli("run", str(BORN[0]), str(BORN[1]), "--out", str(out), "--workers", "2")
    assert proc.returncode == 0
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("[")]
    assert len(lines) == 2 and lines[0].startswith("[1/2] ") and "SOPs" in lines[0]
    assert "2 of 2 files done" in proc.stdout and "pages per minute" in proc.stdout
    quiet = run_cli("run", str(BORN[0]), "--out", str(out), "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == ""


def test_summary_keeps_only_the_lowest_confidences() -> None:
    s = batch.Summary(keep=5)
    rng = random.Random(1)
    confs = [round(rng.random(), 4) for _ in range(500)]
    for i, c in enumerate(confs):
        job = batch.Job(Path(f"f{i}.pdf"), Path(f"f{i}.json"), None)
        s.add(batch.Result(job, True, 0.1, sops=1, steps=2, pages=3, lowest_confidence=c))
    s.add(batch.Result(batch.Job(Path("x.pdf"), Path("x.json"), None), False, 0.1, error="rusak"))
    d = s.to_dict()
    assert [x["confidence"] for x in d["lowest_confidence"]] == sorted(confs)[:5]
    assert d["files"] == 501 and d["ok"] == 500 and d["failed"] == 1 and d["pages"] == 1500
    assert d["failures"] == [{"file": "x.pdf", "reason": "rusak"}]


def test_bad_worker_count_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_cli("run", str(BORN[0]), "--out", str(tmp_path), "--workers", "0")
    assert proc.returncode == 2 and "--workers" in proc.stderr


def test_an_unreachable_scheduler_is_a_usage_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nobody listens here once closed
    proc = run_cli("run", str(BORN[0]), "--out", str(tmp_path), "--scheduler",
                   f"tcp://127.0.0.1:{port}")
    assert proc.returncode == 2 and "Dask scheduler" in proc.stderr, proc.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    from pipelines.progress import Reporter

    jobs, _ = batch.collect([BORN[0], BORN[1]], tmp_path)
    err, out = _Terminal(), io.StringIO()
    rep = Reporter(len(jobs), err=err, out=out)
    assert rep.mode == "bar"
    summary = batch.run(jobs, Settings(), workers=2, events=rep)
    rep.final(summary.to_dict(), tmp_path)
    bar = err.getvalue()
    assert "files: 100%" in bar and "2/2" in bar and "pages: 100%" in bar and "6/6" in bar
    assert "2 of 2 files done" in out.getvalue()


def _die() -> None:
    os._exit(9)  # a worker killed by the kernel (out of memory) or a crash in C


def test_a_dead_worker_fails_its_tasks_and_the_pool_renews_itself() -> None:
    from concurrent.futures.process import BrokenProcessPool

    with batch.executor(2) as ex:
        with pytest.raises(BrokenProcessPool):
            ex.submit(_die).result(timeout=120)
        assert ex.submit(os.getpid).result(timeout=120) != os.getpid()


def test_same_names_from_different_folders_are_all_kept(tmp_path: Path) -> None:
    """`run scan/ foto/` with a.pdf in both, and a.pdf beside a.jpg: every
    input gets its own output (a collision once overwrote two of nine)."""
    for folder in ("scan", "foto"):
        (tmp_path / folder).mkdir()
        shutil.copy(BORN[0], tmp_path / folder / "a.pdf")
    (tmp_path / "foto" / "a.jpg").write_bytes(b"\xff\xd8\xff")
    out = tmp_path / "out"
    jobs, problems = batch.collect([tmp_path / "scan", tmp_path / "foto"], out)
    assert not problems
    outputs = [j.output for j in jobs]
    assert len(set(outputs)) == len(jobs) == 3, outputs
    assert all(o.is_relative_to(out) for o in outputs)


def test_inputs_named_like_the_tools_own_files_are_not_overwritten(tmp_path: Path) -> None:
    """`_run.pdf` once wrote `_run.json`, which the run's summary then
    replaced: the document was lost. Top-level names starting with "_" are
    the tool's own in the output folder; such inputs get one more "_"."""
    box = tmp_path / "in"
    (box / "_work").mkdir(parents=True)
    shutil.copy(BORN[0], box / "_run.pdf")
    shutil.copy(BORN[1], box / "_work" / "a.pdf")
    shutil.copy(BORN[2], box / "__run.pdf")  # one more "_" each: still apart
    out = tmp_path / "out"
    proc = run_cli("run", str(box), "--out", str(out), "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "_run.json").read_text())
    assert summary["ok"] == 3 and "files" in summary  # the summary, not a document
    for rel, src in (("__run.json", BORN[0]), ("__work/a.json", BORN[1]),
                     ("___run.json", BORN[2])):
        doc = json.loads((out / rel).read_text())
        assert doc["source"]["sha256"] == ingest_file(src).source.sha256, rel
    # a file given by name, too
    alone = tmp_path / "alone"
    proc = run_cli("run", str(box / "_run.pdf"), "--out", str(alone), "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    assert (alone / "__run.json").is_file() and "files" in json.loads((alone / "_run.json").read_text())
    assert batch.output_rel("a/_b.json").as_posix() == "a/_b.json"  # only the top level
