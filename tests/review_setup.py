"""Test helpers for the review app: a ledger filled by the real pipeline.

`ingest_into_ledger` runs the real batch pipeline on sample files and
records each result as a `done` row of the ledger (the columns of the
ledger contract), as the nightly ingest does; `start_server` runs the real
`sop-ingest review` command on a free loopback port.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from pipelines import batch, ledger
from pipelines.ledger import InputFile

REPO = Path(__file__).resolve().parents[1]


def ingest_into_ledger(files: list[Path], inbox: Path, out_dir: Path, db_url: str) -> None:
    ledger.upgrade(db_url)
    jobs, problems = batch.collect([inbox], out_dir)
    assert not problems
    wanted = {f.resolve() for f in files}
    results: list[batch.Result] = []  # the batch streams its results; these few are kept here
    batch.run([j for j in jobs if j.source.resolve() in wanted], on_result=results.append)
    with ledger.sessions(db_url).begin() as s:
        for r in results:
            assert r.ok, r.error
            src = r.job.source
            doc = json.loads(r.job.output.read_text("utf-8"))
            s.add(InputFile(
                path=src.relative_to(inbox).as_posix(), sha256=doc["source"]["sha256"],
                size=src.stat().st_size, mtime=src.stat().st_mtime, status="done", attempts=1,
                output_path=r.job.output.relative_to(out_dir).as_posix(), pages=r.pages,
                sops=r.sops, steps=r.steps, lowest_confidence=r.lowest_confidence,
                started_at=datetime.now(UTC), finished_at=datetime.now(UTC),
                seconds=r.seconds))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_url: str, out_dir: Path, inbox: Path, port: int, log: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "ingest.cli", "review", "--db", db_url, "--out", str(out_dir),
           "--inbox", str(inbox), "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            env=dict(os.environ, PYTHONUNBUFFERED="1",
                                     # its own vocabulary: approvals teach it roles
                                     SOP_INGEST_VOCAB=str(out_dir.parent / "review-vocab.yaml")))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"review server exited: {log.read_text()}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"review server did not start: {log.read_text()}")


def add_user(db_url: str, name: str, password: str, role: str = "reviewer") -> None:
    res = subprocess.run([sys.executable, "-m", "ingest.cli", "users", "add", name, "--role", role,
                          "--db", db_url], input=password + "\n", text=True, capture_output=True,
                         cwd=REPO, check=False)
    assert res.returncode == 0, res.stderr
