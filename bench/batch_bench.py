"""Batch targets of issue 5, measured with the real command on real files.

    .venv/bin/python bench/batch_bench.py throughput   # 1 worker vs 2: target >= 1.7x
    .venv/bin/python bench/batch_bench.py memory       # peak RSS per worker, 10 vs 1000 pages: flat

`throughput` reads the same files with `sop-ingest run --workers 1` (one
process) and `--workers 2`, and prints wall time and pages per minute. The
default set is the scanned samples (OCR, where the time goes) and the
born-digital ones. On a machine shared with other work the ratio is only
as good as the two cores are free: run it on an idle machine.

`memory` runs `sop-ingest run --workers 2` over a batch of 10 pages and one
of 1000 pages (text-layer pages made from the samples, 10 per file) and
samples the resident memory of every process of the run every 0.1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
SOP = [sys.executable, "-m", "ingest.cli"]


def _pages(files: list[Path]) -> int:
    from ingest.pipeline import plan_file

    return sum(plan_file(f).pages for f in files)


def _role(p: psutil.Process, main_pid: int) -> str:
    """main (the command), worker (reads pages), or helper (multiprocessing's
    forkserver and resource tracker, which the workers are forked from)."""
    if p.pid == main_pid:
        return "main"
    return "helper" if p.ppid() == main_pid else "worker"


def _run(inputs: list[Path], out: Path, workers: int) -> tuple[float, dict[int, int], float]:
    """Wall seconds, peak RSS by pid of the run's processes, and their CPU
    seconds in all (sampled every 0.1 s)."""
    shutil.rmtree(out, ignore_errors=True)
    peaks: dict[int, tuple[str, int]] = {}
    cpu: dict[int, float] = {}
    start = time.perf_counter()
    proc = subprocess.Popen([*SOP, "run", *map(str, inputs), "--out", str(out), "--quiet",
                             "--workers", str(workers)], cwd=REPO,
                            stderr=subprocess.DEVNULL)
    stop = threading.Event()

    def sample() -> None:
        root = psutil.Process(proc.pid)
        while not stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for p in procs:
                try:
                    rss = p.memory_info().rss
                    t = p.cpu_times()
                    cpu[p.pid] = t.user + t.system
                    role = _role(p, proc.pid)
                except psutil.NoSuchProcess:
                    continue
                if rss > peaks.get(p.pid, ("", 0))[1]:
                    peaks[p.pid] = (role, rss)
            stop.wait(0.1)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    proc.wait()
    seconds = time.perf_counter() - start
    stop.set()
    t.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"sop-ingest run failed ({proc.returncode})")
    return seconds, peaks, sum(cpu.values())


def throughput(args) -> None:
    files = sorted(p for d in args.folders for p in (SAMPLES / d).glob("*")
                   if p.suffix.lower() in (".pdf", ".tif", ".tiff", ".jpg", ".png"))
    pages = _pages(files)
    print(f"{len(files)} files, {pages} pages ({', '.join(args.folders)})")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'workers':>7}  {'seconds':>8}  {'pages/min':>9}  {'speed-up':>8}  {'CPU s':>6}  "
          f"{'CPU/wall':>8}")
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for w in args.workers:
            secs, _, cpu = _run(files, Path(tmp) / f"out{w}", w)
            base = base or secs
            print(f"{w:>7}  {secs:>8.1f}  {pages / secs * 60:>9.1f}  {base / secs:>7.2f}x  "
                  f"{cpu:>6.1f}  {cpu / secs:>8.2f}")
    print("CPU/wall near the worker count means the cores were ours; "
          "far below it, other work had them.")


def _book(src: list[Path], pages: int, path: Path) -> Path:
    """A text-layer PDF of `pages` pages taken in turn from the samples."""
    import pikepdf

    pdfs = [pikepdf.open(p) for p in src]
    out = pikepdf.new()
    i = 0
    while len(out.pages) < pages:
        pdf = pdfs[i % len(pdfs)]
        out.pages.append(pdf.pages[(i // len(pdfs)) % len(pdf.pages)])
        i += 1
    out.save(path)
    return path


def memory(args) -> None:
    src = sorted((SAMPLES / "born-digital").glob("*.pdf"))
    print(f"{'pages':>6}  {'files':>5}  {'seconds':>8}  {'main MB':>8}  {'worker MB (peak of each)':<28}")
    print("(resident memory; workers are forked from a helper holding the imported stages, "
          "so part of theirs is shared)")
    with tempfile.TemporaryDirectory() as tmp:
        for total in args.pages:
            folder = Path(tmp) / f"in{total}"
            folder.mkdir()
            n_files = max(1, total // 10)
            for i in range(n_files):
                _book(src[i % len(src):] + src[:i % len(src)], min(10, total), folder / f"f{i:04d}.pdf")
            secs, peaks, _ = _run([folder], Path(tmp) / f"out{total}", 2)
            main = max((r for role, r in peaks.values() if role == "main"), default=0)
            workers = sorted((r for role, r in peaks.values() if role == "worker"), reverse=True)
            print(f"{n_files * min(10, total):>6}  {n_files:>5}  {secs:>8.1f}  {main / 2**20:>8.0f}  "
                  + ", ".join(f"{r / 2**20:.0f}" for r in workers))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("--folders", nargs="+", default=["scan-pdf", "fax", "born-digital"])
    t.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    t.set_defaults(func=throughput)
    m = sub.add_parser("memory")
    m.add_argument("--pages", nargs="+", type=int, default=[10, 1000])
    m.set_defaults(func=memory)
    args = p.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
