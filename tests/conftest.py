"""Shared fixtures: real files made with real libraries, in a temp folder."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
GOLDEN = REPO / "golden"

# Every process the tests start, from any fixture of any scope, reads and
# writes a vocabulary file of the test session, never the user's real one:
# module-scoped fixtures (a review server, a batch run) start before the
# per-test file below is set, and a review approval once taught the real
# ~/.config/sop-ingest/vocab.yaml a role, which later runs then read.
os.environ["SOP_INGEST_VOCAB"] = str(Path(tempfile.mkdtemp(prefix="sop-ingest-vocab-")) / "vocab.yaml")


def text_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A born-digital PDF whose pages hold the given lines of plain text."""
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for lines in pages:
        y = 800
        for line in lines:
            c.drawString(60, y, line)
            y -= 16
        c.showPage()
    c.save()
    return path


@pytest.fixture
def letter_pdf(tmp_path: Path) -> Path:
    """A non-SOP document: an ordinary letter, with text but no table."""
    return text_pdf(tmp_path / "surat.pdf", [[
        "PEMERINTAH KABUPATEN PASER",
        "Nomor : 005/123/Sek",
        "Perihal : Undangan rapat koordinasi",
        "Dengan hormat, bersama ini kami mengundang Bapak/Ibu untuk hadir",
        "dalam rapat koordinasi penyusunan rencana kerja tahun 2024.",
    ]])


def run_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ingest.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(autouse=True)
def _own_user_vocabulary(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read or write the real user's vocabulary file."""
    path = tmp_path_factory.mktemp("user-vocab") / "vocab.yaml"
    monkeypatch.setenv("SOP_INGEST_VOCAB", str(path))
