"""Bad image input for the OCR route: refused or warned about in one plain
line, never a traceback, never a stopped batch."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ingest.errors import TooLarge, UnreadableFile
from ingest.pipeline import ingest_file

from .conftest import run_cli


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(path: Path, width: int, height: int) -> Path:
    """A valid PNG header claiming width x height, with almost no data: a
    decompression bomb is refused from its header, before any decoding."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat)
                     + _chunk(b"IEND", b""))
    return path


def test_40000_pixel_image_is_refused_before_decoding(tmp_path: Path) -> None:
    p = huge_png(tmp_path / "besar.png", 40000, 40000)
    with pytest.raises(TooLarge, match="40000 x 40000 pixels"):
        ingest_file(p)


def test_truncated_jpeg(tmp_path: Path) -> None:
    buf = BytesIO()
    rng = np.random.default_rng(1)
    Image.fromarray(rng.integers(0, 255, (800, 600), dtype=np.uint8)).save(buf, "JPEG")
    p = tmp_path / "terpotong.jpg"
    p.write_bytes(buf.getvalue()[:3000])
    with pytest.raises(UnreadableFile, match="damaged|incomplete|cannot be read"):
        ingest_file(p)


def test_blank_page_and_no_document_give_no_sop(tmp_path: Path) -> None:
    blank = tmp_path / "kosong.png"
    Image.new("L", (1240, 1754), 255).save(blank, dpi=(150, 150))
    doc = ingest_file(blank)
    assert doc.sops == [] and any("no SOP found" in w for w in doc.warnings)
    # a photo of something that is not a document (smooth shapes, no text)
    yy, xx = np.mgrid[0:900, 0:1200]
    cat = ((np.sin(xx / 60) + np.cos(yy / 45)) * 60 + 120).astype(np.uint8)
    photo = tmp_path / "kucing.jpg"
    Image.fromarray(cat).save(photo, "JPEG", quality=60)
    doc = ingest_file(photo)
    assert doc.sops == [] and doc.source.route == "ocr"


def test_bad_images_do_not_stop_the_batch(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    huge_png(inbox / "besar.png", 40000, 40000)
    (inbox / "rusak.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 20)
    Image.new("L", (620, 877), 255).save(inbox / "putih.png")
    proc = run_cli("run", str(inbox), "--out", str(tmp_path / "out"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 2
    assert any("besar.png" in ln and "too large" in ln for ln in errors)
    assert (tmp_path / "out" / "putih.json").exists()
