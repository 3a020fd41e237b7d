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
reads the peak resident memory (VmHWM, the kernel's own high-water mark, so
no short peak is missed between samples) of every process of the run.

`make bench` (bench/run.py) calls `throughput` and `memory` and puts their
tables and verdicts in bench/RESULTS.md; run alone, they print the tables.
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


def _hwm(pid: int) -> int:
    """Peak resident memory of a process so far, in bytes (VmHWM)."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))


def _run(inputs: list[Path], out: Path, workers: int) -> tuple[float, dict[int, tuple[str, int]], float]:
    """Wall seconds, (role, peak RSS) by pid of the run's processes, and their
    CPU seconds in all (read every 0.1 s; the peak is the kernel's VmHWM)."""
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
                    rss = _hwm(p.pid)
                    t = p.cpu_times()
                    cpu[p.pid] = t.user + t.system
                    role = _role(p, proc.pid)
                except (psutil.NoSuchProcess, FileNotFoundError, ProcessLookupError):
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


def throughput(folders: list[str], workers: list[int]) -> dict:
    """The same files read with each worker count: wall and CPU seconds, pages
    per minute, and the speed-up over the first count."""
    files = sorted(p for d in folders for p in (SAMPLES / d).glob("*")
                   if p.suffix.lower() in (".pdf", ".tif", ".tiff", ".jpg", ".png"))
    result = {"folders": folders, "files": len(files), "pages": _pages(files),
              "load": os.getloadavg()[0], "rows": []}
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for w in workers:
            secs, _, cpu = _run(files, Path(tmp) / f"out{w}", w)
            base = base or secs
            result["rows"].append({"workers": w, "seconds": secs, "pages_per_min": result["pages"] / secs * 60,
                                   "speedup": base / secs, "cpu": cpu})
    return result


def print_throughput(r: dict) -> None:
    print(f"{r['files']} files, {r['pages']} pages ({', '.join(r['folders'])})")
    print(f"load average before: {r['load']:.1f} on {os.cpu_count()} CPUs")
    print(f"{'workers':>7}  {'seconds':>8}  {'pages/min':>9}  {'speed-up':>8}  {'CPU s':>6}  "
          f"{'CPU/wall':>8}")
    for row in r["rows"]:
        print(f"{row['workers']:>7}  {row['seconds']:>8.1f}  {row['pages_per_min']:>9.1f}  "
              f"{row['speedup']:>7.2f}x  {row['cpu']:>6.1f}  {row['cpu'] / row['seconds']:>8.2f}")
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


def memory(totals: list[int]) -> dict:
    """Peak memory of the main process and of each worker, for batches of
    each size (text-layer pages, 10 per file, two workers)."""
    src = sorted((SAMPLES / "born-digital").glob("*.pdf"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for total in totals:
            folder = Path(tmp) / f"in{total}"
            folder.mkdir()
            n_files = max(1, total // 10)
            for i in range(n_files):
                _book(src[i % len(src):] + src[:i % len(src)], min(10, total), folder / f"f{i:04d}.pdf")
            secs, peaks, _ = _run([folder], Path(tmp) / f"out{total}", 2)
            rows.append({"pages": n_files * min(10, total), "files": n_files, "seconds": secs,
                         "main_mb": max((r for role, r in peaks.values() if role == "main"), default=0) / 2**20,
                         "worker_mb": sorted((r / 2**20 for role, r in peaks.values() if role == "worker"),
                                             reverse=True)})
    return {"rows": rows}


def print_memory(r: dict) -> None:
    print(f"{'pages':>6}  {'files':>5}  {'seconds':>8}  {'main MB':>8}  {'worker MB (peak of each)':<28}")
    print("(resident memory; workers are forked from a helper holding the imported stages, "
          "so part of theirs is shared)")
    for row in r["rows"]:
        print(f"{row['pages']:>6}  {row['files']:>5}  {row['seconds']:>8.1f}  {row['main_mb']:>8.0f}  "
              + ", ".join(f"{m:.0f}" for m in row["worker_mb"]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="what", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("--folders", nargs="+", default=["scan-pdf", "fax", "born-digital"])
    t.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    m = sub.add_parser("memory")
    m.add_argument("--pages", nargs="+", type=int, default=[10, 1000])
    args = p.parse_args()
    if args.what == "throughput":
        print_throughput(throughput(args.folders, args.workers))
    else:
        print_memory(memory(args.pages))


if __name__ == "__main__":
    main()
