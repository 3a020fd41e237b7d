"""kill -9 at random moments of real nightly runs, then a run to the end:
every file is read exactly once, each output complete and right."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from ingest.pipeline import ingest_file
from pipelines import ledger
from pipelines.ledger import InputFile, NightlyRun

from .conftest import REPO, SAMPLES, text_pdf

BORN = sorted((SAMPLES / "born-digital").glob("*.pdf"))


def _start(watch: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ingest.cli", "nightly", str(watch), "--out", str(out),
         "--settle", "0", "--workers", "2", "--quiet"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _done(out: Path) -> int:
    if not (out / ledger.LEDGER_NAME).exists():
        return 0
    try:
        with ledger.sessions(ledger.default_url(out))() as s:
            return len(list(s.scalars(select(InputFile.id).where(InputFile.status == "done"))))
    except OperationalError:  # the run being watched is creating the ledger right now
        return 0


def test_kill_9_at_random_moments_then_every_file_read_once(tmp_path: Path) -> None:
    watch, out = tmp_path / "bersama", tmp_path / "hasil"
    for i, p in enumerate(BORN):
        (watch / f"unit-{i}").mkdir(parents=True)
        shutil.copy(p, watch / f"unit-{i}" / p.name)
    (watch / "surat").mkdir()
    for i in range(12):
        text_pdf(watch / "surat" / f"surat-{i}.pdf",
                 [[f"Perihal : surat nomor {i}", "Isi surat"]] * (1 + i % 3))
    inputs = sorted(p.relative_to(watch).as_posix() for p in watch.rglob("*.pdf"))
    rng = random.Random(20261121)
    kills = 0
    done_at_kill: list[int] = []
    for attempt in range(16):
        proc = _start(watch, out)
        done = _done(out)
        # Every kill comes while work remains (so the run is killed, not
        # finished), however fast the machine reads the files.
        # Between or inside commits: shortly after 1-3 more files are done ...
        target = min(done + rng.randint(1, 3), len(inputs) - 2)
        limit = time.monotonic() + 120
        grace = rng.uniform(0.0, 0.4)
        if attempt % 3 == 0:  # ... or earlier: in start-up, the scan, or the first file
            limit = time.monotonic() + rng.uniform(0.2, 3.0)
            grace = 0.0
        while proc.poll() is None and _done(out) < target and time.monotonic() < limit:
            time.sleep(0.05)
        deadline = time.monotonic() + grace
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            # the whole run (its workers too), or only the main process
            if attempt % 2 == 0:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            done_at_kill.append(_done(out))
        else:
            break  # it finished before its kill came
        if kills >= 6:
            break
    print("done at each kill:", done_at_kill, "of", len(inputs))
    assert kills >= 3  # the test did test crashes, some with work half done
    assert any(0 < n < len(inputs) for n in done_at_kill), done_at_kill
    final = subprocess.run(
        [sys.executable, "-m", "ingest.cli", "nightly", str(watch), "--out", str(out),
         "--settle", "0", "--workers", "2", "--json-log"],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr

    url = ledger.default_url(out)
    with ledger.sessions(url)() as s:
        rows = list(s.scalars(select(InputFile)))
        runs = list(s.scalars(select(NightlyRun)))
    assert sorted(r.path for r in rows) == inputs  # one row per file, none superseded
    for r in rows:
        assert r.status == "done" and r.error is None
        assert r.attempts == 1, f"{r.path} was finished {r.attempts} times"
        doc = (out / r.output_path).read_text()
        assert doc == ingest_file(watch / r.path, root=watch).to_json(), r.path
    outputs = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.json")
                     if not p.relative_to(out).parts[0].startswith("_"))
    assert outputs == sorted(r.output_path for r in rows)
    assert not list(out.rglob("*.tmp")) and not (out / "_work").exists()
    assert not (out / "_superseded").exists()
    assert runs[-1].status == "finished"
    assert all(r.status in ("finished", "interrupted") for r in runs)

    again = subprocess.run(
        [sys.executable, "-m", "ingest.cli", "nightly", str(watch), "--out", str(out),
         "--settle", "0", "--json-log"], cwd=REPO, capture_output=True, text=True, timeout=600)
    summary = json.loads(again.stdout.splitlines()[-1])
    assert summary["read"] == 0 and summary["recovered"] == 0 and summary["unchanged"] == len(inputs)
