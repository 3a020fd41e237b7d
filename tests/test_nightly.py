"""The nightly ingest of a shared folder, end to end through the CLI, on real
files, a real SQLite ledger (and one run on a real PostgreSQL server)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ingest.cli import main
from ingest.pipeline import ingest_file
from pipelines import ledger
from pipelines.ledger import InputFile

from .conftest import SAMPLES, run_cli, text_pdf
from .postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)

BORN = sorted((SAMPLES / "born-digital").glob("*.pdf"))
SMALL = [p for p in BORN if "keputusan" not in p.name]  # 2-3 pages each


def cli(*args: str) -> subprocess.CompletedProcess:
    """The command in this process (the worker processes are real either way)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def nightly(watch: Path, out: Path, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    before = set((out / "_reports").glob("*.json")) if (out / "_reports").exists() else set()
    proc = cli("nightly", str(watch), "--out", str(out), "--settle", "0", "--workers", "2", *extra)
    new = set((out / "_reports").glob("*.json")) - before if (out / "_reports").exists() else set()
    report = json.loads(new.pop().read_text()) if new else {}
    return proc, report


def rows(out: Path, url: str | None = None) -> list[InputFile]:
    with ledger.sessions(url or ledger.default_url(out))() as s:
        return list(s.scalars(select(InputFile).order_by(InputFile.id)))


def expected_json(watch: Path, rel: str) -> str:
    return ingest_file(watch / rel, root=watch).to_json()


def letter(path: Path, words: str, pages: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return text_pdf(path, [[f"Perihal : {words}", f"Halaman {i + 1}"] for i in range(pages)])


@pytest.fixture
def watch(tmp_path: Path) -> Path:
    w = tmp_path / "bersama"
    (w / "sekretariat").mkdir(parents=True)
    shutil.copy(SMALL[0], w / "sekretariat" / "sop-a.pdf")
    shutil.copy(SMALL[1], w / "sop-b.pdf")
    letter(w / "surat" / "undangan.pdf", "undangan rapat koordinasi")
    return w


def test_first_run_reads_everything_and_the_next_reads_nothing(watch: Path, tmp_path: Path) -> None:
    out = tmp_path / "hasil"
    proc, rep = nightly(watch, out)
    assert proc.returncode == 0, proc.stderr
    assert rep["counts"]["read"] == 3 and rep["counts"]["unchanged"] == 0
    for rel in ("sekretariat/sop-a.pdf", "sop-b.pdf", "surat/undangan.pdf"):
        out_json = out / Path(rel).with_suffix(".json")
        assert out_json.read_text() == expected_json(watch, rel)
    first = {r.path: (r.id, r.status, r.attempts, r.finished_at, r.output_path) for r in rows(out)}
    assert {v[1] for v in first.values()} == {"done"} and {v[2] for v in first.values()} == {1}
    assert first["sekretariat/sop-a.pdf"][4] == "sekretariat/sop-a.json"
    assert rep["review"] and all(d["path"] in first for d in rep["review"])

    proc, rep = nightly(watch, out)
    assert proc.returncode == 0
    assert rep["counts"]["read"] == 0 and rep["counts"]["unchanged"] == 3
    assert {r.path: (r.id, r.status, r.attempts, r.finished_at, r.output_path)
            for r in rows(out)} == first
    assert not (out / "_work").exists() and not list(out.rglob("*.tmp"))


def test_a_renamed_file_is_not_read_again(watch: Path, tmp_path: Path) -> None:
    out = tmp_path / "hasil"
    nightly(watch, out)
    before = {r.sha256: r for r in rows(out)}
    (watch / "arsip" / "2024").mkdir(parents=True)
    (watch / "sop-b.pdf").rename(watch / "arsip" / "2024" / "sop-b-final.pdf")
    proc, rep = nightly(watch, out)
    assert proc.returncode == 0, proc.stderr
    assert rep["renamed"] == [{"from": "sop-b.pdf", "to": "arsip/2024/sop-b-final.pdf"}]
    assert rep["counts"]["read"] == 0
    after = {r.sha256: r for r in rows(out)}
    moved = after[before_sha(before, "sop-b.pdf")]
    old = before[moved.sha256]
    assert (moved.id, moved.attempts, moved.finished_at) == (old.id, old.attempts, old.finished_at)
    assert moved.path == "arsip/2024/sop-b-final.pdf" and moved.output_path == "arsip/2024/sop-b-final.json"
    assert not (out / "sop-b.json").exists()
    # the moved output is what reading the file at its new place gives
    assert (out / moved.output_path).read_text() == expected_json(watch, moved.path)


def before_sha(rows_by_sha: dict, path: str) -> str:
    return next(sha for sha, r in rows_by_sha.items() if r.path == path)


def test_an_edited_file_is_read_again_and_its_old_output_kept(watch: Path, tmp_path: Path) -> None:
    out = tmp_path / "hasil"
    nightly(watch, out)
    old_json = (out / "sop-b.json").read_text()
    old_sha = json.loads(old_json)["source"]["sha256"]
    shutil.copy(SMALL[2], watch / "sop-b.pdf")  # a new version under the same name
    proc, rep = nightly(watch, out)
    assert proc.returncode == 0, proc.stderr
    assert rep["counts"]["read"] == 1 and rep["counts"]["superseded"] == 1
    kept = out / "_superseded" / f"sop-b.{old_sha[:12]}.json"
    assert kept.read_text() == old_json
    assert (out / "sop-b.json").read_text() == expected_json(watch, "sop-b.pdf")
    by_path = [r for r in rows(out) if r.path == "sop-b.pdf"]
    assert [r.status for r in by_path] == ["superseded", "done"]
    assert by_path[0].output_path == f"_superseded/sop-b.{old_sha[:12]}.json"


def test_a_copy_of_a_file_already_read_is_not_read(watch: Path, tmp_path: Path) -> None:
    out = tmp_path / "hasil"
    nightly(watch, out)
    shutil.copy(watch / "sop-b.pdf", watch / "salinan-sop-b.pdf")
    proc, rep = nightly(watch, out)
    assert rep["duplicates"] == [{"path": "salinan-sop-b.pdf", "same_as": "sop-b.pdf"}]
    assert rep["counts"]["read"] == 0 and not (out / "salinan-sop-b.json").exists()


def test_links_and_special_files_are_refused_never_followed(watch: Path, tmp_path: Path) -> None:
    secret = tmp_path / "rahasia"
    secret.mkdir()
    shutil.copy(SMALL[2], secret / "gaji.pdf")
    letter(secret / "dalam" / "memo.pdf", "memo rahasia pimpinan")
    (watch / "gaji.pdf").symlink_to(secret / "gaji.pdf")
    (watch / "folder-lain").symlink_to(secret / "dalam")
    os.link(secret / "gaji.pdf", watch / "gaji-hardlink.pdf")
    os.mkfifo(watch / "pipa.pdf")
    (watch / "catatan.docx").write_bytes(b"PK\x03\x04")
    out = tmp_path / "hasil"
    proc, rep = nightly(watch, out)
    assert proc.returncode == 0, proc.stderr
    refused = {d["path"]: d["reason"] for d in rep["refused"]}
    assert set(refused) == {"gaji.pdf", "folder-lain", "gaji-hardlink.pdf", "pipa.pdf"}
    assert "symbolic link" in refused["gaji.pdf"] and "symbolic link" in refused["folder-lain"]
    assert "hard link" in refused["gaji-hardlink.pdf"] and "pipe" in refused["pipa.pdf"]
    assert rep["ignored"] == [{"path": "catatan.docx",
                               "reason": "not a PDF, JPEG, PNG or TIFF file"}]
    assert {r.path for r in rows(out)} == {"sekretariat/sop-a.pdf", "sop-b.pdf",
                                           "surat/undangan.pdf"}
    html = next((out / "_reports").glob("*.html")).read_text()
    assert "gaji-hardlink.pdf" in html and "symbolic link" in html


def test_a_file_still_being_copied_waits(watch: Path, tmp_path: Path) -> None:
    out = tmp_path / "hasil"
    fresh = letter(watch / "baru.pdf", "baru saja disalin")
    proc = run_cli("nightly", str(watch), "--out", str(out), "--settle", "3600")
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(next((out / "_reports").glob("*.json")).read_text())
    assert {d["path"] for d in rep["waiting"]} == {"baru.pdf", "sekretariat/sop-a.pdf",
                                                   "sop-b.pdf", "surat/undangan.pdf"}
    assert rows(out) == []
    old = time.time() - 7200
    for p in watch.rglob("*.pdf"):
        os.utime(p, (old, old))
    # ctime cannot be set back: a short settle time lets them in now
    time.sleep(1.1)
    proc = run_cli("nightly", str(watch), "--out", str(out), "--settle", "1")
    assert proc.returncode == 0
    assert fresh.name in {Path(r.path).name for r in rows(out) if r.status == "done"}


def test_failures_are_retried_then_quarantined_and_block_nothing(watch: Path,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "hasil"
    (watch / "kosong.pdf").write_bytes(b"")
    (watch / "terpotong.pdf").write_bytes(SMALL[0].read_bytes()[:2500])
    for attempt in (1, 2, 3):
        proc, rep = nightly(watch, out, "--max-attempts", "3")
        assert proc.returncode == 1
        failed = {d["path"]: d for d in rep["failed"]}
        assert set(failed) == {"kosong.pdf", "terpotong.pdf"}
        assert failed["kosong.pdf"]["attempts"] == attempt
        assert "empty" in failed["kosong.pdf"]["reason"]
        assert failed["kosong.pdf"]["quarantined"] == (attempt == 3)
        assert "kosong.pdf" in proc.stderr
    assert {r.path: r.status for r in rows(out)} == {
        "sekretariat/sop-a.pdf": "done", "sop-b.pdf": "done", "surat/undangan.pdf": "done",
        "kosong.pdf": "quarantined", "terpotong.pdf": "quarantined"}
    proc, rep = nightly(watch, out, "--max-attempts", "3")
    assert proc.returncode == 0 and rep["failed"] == [] and rep["counts"]["quarantined_total"] == 2
    q = [r for r in rows(out) if r.status == "quarantined"]
    assert {r.attempts for r in q} == {3} and all(r.error for r in q)


def heavy_page_pdf(path: Path, lines: int = 10_000) -> Path:
    """A one-page PDF whose text layer holds 3 million characters (a vector
    drawing turned into text, say): reading that page takes about 100 s
    here, against 0.1-0.3 s for a page of the SOP samples."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    t = c.beginText(10, 830)
    t.setFont("Helvetica", 2)
    for i in range(lines):
        t.setTextOrigin(10, 830 - (i % 400) * 2.05)
        t.textOut("abcdefghij" * 30)
    c.drawText(t)
    c.showPage()
    c.save()
    return path


def test_a_page_over_the_time_limit_is_stopped(watch: Path, tmp_path: Path) -> None:
    """A page that takes about 100 s to read, under a limit of 5 s per page:
    the worker reading it is killed, the file fails with the reason, the
    other files (well under a second per page) are read. Both sides have a
    margin of 20x, so a loaded or a fast machine gives the same result (a
    fax page against 2 s once failed here when OCR ran faster than that)."""
    heavy_page_pdf(watch / "gambar-teknik.pdf")
    out = tmp_path / "hasil"
    started = time.monotonic()
    proc, rep = nightly(watch, out, "--page-time-limit", "5")
    assert proc.returncode == 1, proc.stdout
    assert [d["path"] for d in rep["failed"]] == ["gambar-teknik.pdf"]
    assert "took longer than the limit of 5 s for 1 pages" in rep["failed"][0]["reason"]
    assert rep["counts"]["read"] == 3
    assert time.monotonic() - started < 60  # stopped, not waited for
    row = next(r for r in rows(out) if r.path == "gambar-teknik.pdf")
    assert (row.status, row.attempts) == ("failed", 1) and "limit" in row.error


def test_only_one_run_at_a_time(watch: Path, tmp_path: Path) -> None:
    out = tmp_path / "hasil"
    url = ledger.default_url(out)
    ledger.upgrade(url)
    with ledger.Lease(url):
        proc = run_cli("nightly", str(watch), "--out", str(out), "--settle", "0")
        assert proc.returncode == 1 and "another run holds the ledger" in proc.stderr
        assert rows(out) == []
    proc, rep = nightly(watch, out)
    assert proc.returncode == 0 and rep["counts"]["read"] == 3


def test_a_crashed_runs_lock_is_taken_over(watch: Path, tmp_path: Path) -> None:
    out = tmp_path / "hasil"
    url = ledger.default_url(out)
    ledger.upgrade(url)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with ledger.sessions(url).begin() as s:
        s.add(ledger.LedgerLock(name="nightly", owner="x", host=ledger.Lease(url).host,
                                pid=dead.pid, acquired_at=ledger.utcnow(),
                                expires_at=ledger.utcnow() + timedelta(hours=1)))
    proc, rep = nightly(watch, out)
    assert proc.returncode == 0, proc.stderr
    assert rep["counts"]["read"] == 3


def test_the_report_escapes_untrusted_text(watch: Path, tmp_path: Path) -> None:
    (watch / "<script>alert(1)<script>.pdf").write_bytes(b"")
    letter(watch / "<img src=x onerror=alert(2)>.pdf", "<b>tebal</b> & miring")
    out = tmp_path / "hasil"
    nightly(watch, out)
    html = next((out / "_reports").glob("*.html")).read_text()
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;script&gt;.pdf" in html
    assert "&lt;img src=x onerror=alert(2)&gt;.pdf" in html


def test_nightly_on_postgresql(watch: Path, tmp_path: Path, postgres_url: str) -> None:
    out = tmp_path / "hasil"
    proc, rep = nightly(watch, out, "--db", postgres_url)
    assert proc.returncode == 0, proc.stderr
    assert rep["counts"]["read"] == 3
    assert not (out / "_ledger.sqlite3").exists()
    (watch / "sop-b.pdf").rename(watch / "sop-b-lama.pdf")
    proc, rep = nightly(watch, out, "--db", postgres_url)
    assert rep["counts"]["renamed"] == 1 and rep["counts"]["read"] == 0
    assert {r.path for r in rows(out, postgres_url)} == {
        "sekretariat/sop-a.pdf", "sop-b-lama.pdf", "surat/undangan.pdf"}


def test_an_output_written_before_a_lost_commit_is_adopted(watch: Path, tmp_path: Path) -> None:
    """The state a kill between writing an output and committing its row
    leaves: the next run takes the complete output instead of reading again."""
    out = tmp_path / "hasil"
    nightly(watch, out)
    url = ledger.default_url(out)
    with ledger.sessions(url).begin() as s:
        row = s.scalars(select(InputFile).where(InputFile.path == "sop-b.pdf")).one()
        row.status, row.attempts, row.finished_at = "new", 0, None
    proc, rep = nightly(watch, out)
    assert proc.returncode == 0
    assert rep["recovered"] == [{"path": "sop-b.pdf", "output": "sop-b.json"}]
    assert rep["counts"]["read"] == 0
    row = next(r for r in rows(out) if r.path == "sop-b.pdf")
    assert (row.status, row.attempts, row.steps) == ("done", 1, 10)


def test_a_move_to_superseded_before_a_lost_commit_is_finished(watch: Path,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "hasil"
    nightly(watch, out)
    old_json = (out / "sop-b.json").read_text()
    old_sha = json.loads(old_json)["source"]["sha256"]
    shutil.copy(SMALL[2], watch / "sop-b.pdf")
    kept = out / "_superseded" / f"sop-b.{old_sha[:12]}.json"
    kept.parent.mkdir()
    (out / "sop-b.json").rename(kept)  # the move happened, its commit did not
    proc, rep = nightly(watch, out)
    assert proc.returncode == 0, proc.stderr
    assert rep["superseded"][0]["old_output"] == f"_superseded/sop-b.{old_sha[:12]}.json"
    assert kept.read_text() == old_json
    assert (out / "sop-b.json").read_text() == expected_json(watch, "sop-b.pdf")


def test_folders_named_like_the_tools_own_keep_their_outputs(watch: Path, tmp_path: Path) -> None:
    """A shared folder with `_work/`, `_reports/` or `_superseded/` in it: its
    files' outputs once went into the output folder's `_work/`, which every
    run empties (the JSON was gone the moment the ledger said done), or in
    among the reports. Such top-level names get one more "_"."""
    letter(watch / "_work" / "memo.pdf", "memo kerja")
    letter(watch / "_reports" / "2026-01-01.pdf", "laporan lama")
    letter(watch / "_superseded" / "lama.pdf", "versi lama")
    out = tmp_path / "hasil"
    for _ in range(2):
        proc, rep = nightly(watch, out)
        assert proc.returncode == 0, proc.stderr
    by_path = {r.path: r for r in rows(out)}
    for rel, output in (("_work/memo.pdf", "__work/memo.json"),
                        ("_reports/2026-01-01.pdf", "__reports/2026-01-01.json"),
                        ("_superseded/lama.pdf", "__superseded/lama.json")):
        assert (by_path[rel].status, by_path[rel].output_path) == ("done", output)
        assert (out / output).read_text() == expected_json(watch, rel)
    assert not (out / "_reports" / "2026-01-01.json").exists()


def test_a_fallback_output_name_already_taken_is_not_shared(watch: Path, tmp_path: Path) -> None:
    """b.PDF and b.pdf want b.json: the second (in sorted order) takes
    b_pdf.json, unless a real b_pdf.pdf (read on an earlier night) has it;
    then both once wrote b_pdf.json, one over the other."""
    out = tmp_path / "hasil"
    letter(watch / "b_pdf.pdf", "yang pertama")
    nightly(watch, out)
    letter(watch / "b.pdf", "yang kedua")
    letter(watch / "b.PDF", "yang ketiga")
    proc, rep = nightly(watch, out)
    assert proc.returncode == 0, proc.stderr
    got = {r.path: r.output_path for r in rows(out) if r.path.startswith("b")}
    assert got == {"b_pdf.pdf": "b_pdf.json", "b.PDF": "b.json", "b.pdf": "b_pdf-2.json"}
    for rel, output in got.items():
        assert json.loads((out / output).read_text())["source"]["path"] == rel


def test_the_report_lists_for_review_only_what_is_not_approved(watch: Path, tmp_path: Path) -> None:
    """The review app keeps its state on the same ledger: a document
    approved there no longer waits for review in the morning report."""
    from pipelines.review import store
    from pipelines.review.models import APPROVED, Review

    out = tmp_path / "hasil"
    proc, rep = nightly(watch, out)
    assert {d["path"] for d in rep["review"]} == {"sekretariat/sop-a.pdf", "sop-b.pdf",
                                                  "surat/undangan.pdf"}
    assert rep["review_total"] == 3
    with ledger.sessions(ledger.default_url(out)).begin() as s:
        assert store.sync(s, out) == []
        review = s.scalars(select(Review).join(InputFile).where(InputFile.path == "sop-b.pdf")).one()
        review.state = APPROVED
    letter(watch / "baru.pdf", "surat baru")
    proc, rep = nightly(watch, out)
    assert proc.returncode == 0, proc.stderr
    assert {d["path"] for d in rep["review"]} == {"sekretariat/sop-a.pdf", "surat/undangan.pdf",
                                                  "baru.pdf"}
    assert rep["review_total"] == 3
    html = next(p for p in (out / "_reports").glob("*.html") if "run" in p.name).read_text()
    assert "Menunggu pemeriksaan" in html and "baru.pdf" in html
