"""Bad input: each gets one plain line naming the file and the reason, no
traceback, and the other files of the same run are still written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pikepdf
import pytest

from ingest.errors import EncryptedFile, TooLarge, UnreadableFile
from ingest.pipeline import Settings, ingest_file

from .conftest import SAMPLES, run_cli, text_pdf


def a_sample() -> Path:
    return sorted((SAMPLES / "born-digital").glob("*.pdf"))[0]


def test_zero_byte_file(tmp_path: Path) -> None:
    p = tmp_path / "kosong.pdf"
    p.write_bytes(b"")
    with pytest.raises(UnreadableFile, match="empty"):
        ingest_file(p)


def test_truncated_pdf(tmp_path: Path) -> None:
    data = a_sample().read_bytes()
    p = tmp_path / "terpotong.pdf"
    p.write_bytes(data[: len(data) // 3])
    with pytest.raises(UnreadableFile, match="damaged|incomplete|cannot be read"):
        ingest_file(p)


def test_encrypted_pdf(tmp_path: Path) -> None:
    p = tmp_path / "terkunci.pdf"
    with pikepdf.open(a_sample()) as pdf:
        pdf.save(p, encryption=pikepdf.Encryption(user="rahasia", owner="rahasia"))
    with pytest.raises(EncryptedFile, match="password"):
        ingest_file(p)


def test_not_a_document(tmp_path: Path) -> None:
    p = tmp_path / "catatan.pdf"
    p.write_text("ini bukan PDF, hanya teks biasa\n")
    with pytest.raises(UnreadableFile, match="not a PDF, JPEG, PNG or TIFF"):
        ingest_file(p)


def test_pdf_without_table_is_no_sop(letter_pdf: Path) -> None:
    doc = ingest_file(letter_pdf)
    assert doc.sops == []
    assert any("no SOP found" in w for w in doc.warnings)


def test_200_page_pdf_is_read_and_page_limit_is_plain(tmp_path: Path) -> None:
    pages = [[f"Halaman {i} dari arsip surat masuk tahun 2021", "Isi surat biasa tanpa tabel."]
             for i in range(1, 201)]
    p = text_pdf(tmp_path / "arsip-200.pdf", pages)
    doc = ingest_file(p)
    assert doc.source.pages == 200 and doc.sops == []
    with pytest.raises(TooLarge, match="200 pages.*limit of 150"):
        ingest_file(p, Settings(max_pages=150))


def test_cli_bad_files_do_not_stop_the_batch(tmp_path: Path, letter_pdf: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    good = shutil.copy(a_sample(), inbox / "baik.pdf")
    (inbox / "kosong.pdf").write_bytes(b"")
    data = Path(good).read_bytes()
    (inbox / "terpotong.pdf").write_bytes(data[:2000])
    shutil.copy(letter_pdf, inbox / "surat.pdf")
    out = tmp_path / "out"
    proc = run_cli("run", str(inbox), "--out", str(out))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 2
    assert any("kosong.pdf" in ln and "empty" in ln for ln in errors)
    assert any("terpotong.pdf" in ln for ln in errors)
    assert json.loads((out / "baik.json").read_text())["sops"]
    assert json.loads((out / "surat.json").read_text())["sops"] == []
    assert any("surat.pdf" in ln and "no SOP found" in ln for ln in proc.stderr.splitlines())
    summary = json.loads((out / "_run.json").read_text())
    assert summary["ok"] == 2 and summary["failed"] == 2
    assert not list(out.rglob("*.tmp"))


def test_cli_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run_cli("run", str(tmp_path / "nothing-here"), "--out", str(tmp_path)).returncode == 2
    assert run_cli("frobnicate").returncode == 2


@pytest.mark.parametrize("name", ["born-digital/bappedalitbang-balangan-evaluasi-capaian.pdf",
                                  "fax/bappedalitbang-balangan-evaluasi-capaian.tif"])
def test_a_page_the_file_no_longer_has_is_a_plain_error(name: str) -> None:
    """A batch plans a file's pages, then reads them; a file replaced by a
    shorter one in between is named, with the pages it lacks."""
    from ingest.pipeline import plan_file, read_pages

    path = SAMPLES / name
    n = plan_file(path).pages
    media = "application/pdf" if path.suffix == ".pdf" else "image/tiff"
    with pytest.raises(UnreadableFile, match=f"no pages {n + 1}-{n + 1}") as err:
        read_pages(path, n + 1, n + 1, media)
    assert str(path) in str(err.value)
