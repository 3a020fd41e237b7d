"""Batch: many input files -> one JSON per file in an output folder.

Collects inputs (files, and folders searched recursively), maps each to its
output path (a folder's relative layout is kept), and reads them on a pool of
worker processes, or on a Dask cluster (`scheduler="tcp://host:port"`), with
one code path: both are a `concurrent.futures.Executor` (Dask's through
`Client.get_executor`). The unit of work is a run of a file's pages, not the
file, so one 200-page PDF does not hold a batch back:

    plan task (a worker):   the file's fingerprint and page count
    page tasks (workers):   runs of pages -> PageResult (flowchart, grid, OCR)
    here, in page order:    layout and assembly -> SopDocument -> JSON on disk

Results stream: each file's JSON is written atomically as soon as its pages
are in (a reader of the output folder never sees half a file), only the
counters of the summary and the few lowest-confidence documents are kept,
and at most a few tasks per worker are in flight, so memory does not grow
with the batch. One failure never stops the others.
"""

from __future__ import annotations

import heapq
import json
import math
import multiprocessing
import os
import tempfile
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator

from ingest.errors import IngestError
from ingest.load import INPUT_SUFFIXES
from ingest.model import SopDocument
from ingest.pipeline import (FilePlan, PageResult, Settings, assemble_document, ingest_file,
                             plan_file, read_pages)

RUN_SUMMARY = "_run.json"
# A page task reads at most this many pages of one file (opening a PDF costs
# about 0.1 s, so pages are not sent one by one; 8 scanned pages are ~30 s).
MAX_PAGES_PER_TASK = 8
# Tasks in flight per worker: enough to keep each busy, few enough that
# finished pages of unfinished files stay few.
TASKS_PER_WORKER = 2
LOWEST_KEPT = 10  # documents listed as "check these first"


@dataclass(frozen=True)
class Job:
    source: Path
    output: Path
    root: Path | None  # the folder argument it was found under, if any


@dataclass
class Result:
    job: Job
    ok: bool
    seconds: float
    error: str | None = None
    sops: int = 0
    steps: int = 0
    pages: int = 0
    route: str | None = None
    lowest_confidence: float | None = None
    warnings: list[str] = field(default_factory=list)
    skipped: bool = False  # --resume: its output was already there for this content


# -- inputs -------------------------------------------------------------------

def output_rel(rel: PurePosixPath | Path) -> PurePosixPath:
    """An output's path relative to the output folder, kept clear of the
    tool's own names there: a top-level name that starts with "_" (the
    run's `_run.json`, the nightly ingest's `_work/`, `_reports/`,
    `_superseded/`, the review app's `_review/`) gets one more "_", so an
    input `_run.pdf` is written to `__run.json`, not over the summary, and
    `_work/a.pdf` to `__work/a.json`, not into a folder that is emptied.
    One more "_" for every such name keeps different inputs apart."""
    rel = PurePosixPath(rel)
    if rel.parts and rel.parts[0].startswith("_"):
        return PurePosixPath("_" + rel.parts[0], *rel.parts[1:])
    return rel


def collect(inputs: list[Path], out_dir: Path) -> tuple[list[Job], list[str]]:
    """Jobs for every input file, and plain messages for arguments that are not."""
    jobs: list[Job] = []
    problems: list[str] = []
    for arg in inputs:
        if arg.is_dir():
            for path in sorted(_walk(arg)):
                rel = output_rel(path.relative_to(arg).with_suffix(".json"))
                jobs.append(Job(path, out_dir / rel, arg))
        elif arg.is_file():
            jobs.append(Job(arg, out_dir / output_rel(arg.stem + ".json"), None))
        else:
            problems.append(f"{arg}: no such file or folder")
    return _dedupe_outputs(jobs), problems


def _walk(folder: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.lower().endswith(INPUT_SUFFIXES) and not name.startswith("."):
                yield Path(dirpath) / name


def _dedupe_outputs(jobs: list[Job]) -> list[Job]:
    """One output per input, whatever the names. Inputs that would write the
    same JSON go under their folder's name when they come from different
    folders (scan/a.pdf, foto/a.pdf given together), keep their suffix when
    they share one (a.pdf and a.jpg); anything still shared gets a number."""
    groups: dict[Path, list[Job]] = {}
    for j in jobs:
        groups.setdefault(j.output, []).append(j)

    def renamed(j: Job) -> Job:
        clash = groups[j.output]
        if len(clash) == 1:
            return j
        if len({c.source.parent.resolve() for c in clash}) == len(clash):
            return Job(j.source, _under_input_folder(j), j.root)
        name = f"{j.source.stem}_{j.source.suffix.lstrip('.').lower()}.json"
        return Job(j.source, j.output.with_name(name), j.root)

    taken: set[Path] = set()
    final = []
    for j in map(renamed, jobs):
        path, n = j.output, 2
        while path in taken:
            path = j.output.with_name(f"{j.output.stem}-{n}.json")
            n += 1
        taken.add(path)
        final.append(j if path == j.output else Job(j.source, path, j.root))
    return final


def _under_input_folder(j: Job) -> Path:
    """The job's output moved into a folder named after the folder it came
    from: out/a.json -> out/scan/a.json for scan/a.pdf."""
    name = (j.root or j.source.parent).resolve().name or "input"
    depth = len(j.source.relative_to(j.root).parts) if j.root else 1
    out_dir = j.output.parents[depth - 1]
    return out_dir / output_rel(PurePosixPath(name) / j.output.relative_to(out_dir))


# -- output ---------------------------------------------------------------------

def write_atomic(path: Path, text: str) -> None:
    """Write a file whole or not at all, and durably (it survives a power cut
    once this returns: the data and the directory entry are synced)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def run_job(job: Job, settings: Settings, debug: bool = False) -> Result:
    """One file in this process, start to finish (no pool)."""
    start = time.perf_counter()
    try:
        # source.path is written relative to the working folder when inside it
        doc = ingest_file(job.source, settings, root=Path.cwd())
        write_atomic(job.output, doc.to_json())
    except IngestError as exc:
        return Result(job, False, time.perf_counter() - start, error=exc.reason)
    except Exception as exc:  # a bug, not the input's fault: still one line, batch goes on
        return Result(job, False, time.perf_counter() - start, error=internal_error(exc, debug))
    return summarise(job, doc, time.perf_counter() - start)


def internal_error(exc: BaseException, debug: bool) -> str:
    detail = ("".join(traceback.format_exception(exc)).strip() if debug
              else f"{type(exc).__name__}: {exc}")
    return f"internal error while reading this file ({detail})"


def summarise(job: Job, doc: SopDocument, seconds: float) -> Result:
    confs = [s.confidence for sop in doc.sops for s in sop.steps]
    return Result(job, True, seconds, sops=len(doc.sops),
                  steps=sum(len(s.steps) for s in doc.sops), pages=doc.source.pages,
                  route=doc.source.route, lowest_confidence=min(confs) if confs else None,
                  warnings=list(doc.warnings))


# -- tasks (run in worker processes: module-level, picklable in and out) ---------

# One task at a time per process: a Dask worker may run several threads, but
# pdfium and a Tesseract engine must not be used by two threads at once
# (start Dask workers as one process per core: `dask worker --nthreads 1`).
_ONE_AT_A_TIME = threading.Lock()


@dataclass(frozen=True)
class TaskError:
    """A task's failure, as text: exceptions do not all survive pickling."""

    reason: str


def plan_task(path: str, settings: Settings, debug: bool) -> tuple[FilePlan | TaskError, float]:
    with _ONE_AT_A_TIME:
        return _plan(path, settings, debug)


def _plan(path: str, settings: Settings, debug: bool) -> tuple[FilePlan | TaskError, float]:
    start = time.perf_counter()
    try:
        out: FilePlan | TaskError = plan_file(Path(path), settings)
    except IngestError as exc:
        out = TaskError(exc.reason)
    except Exception as exc:
        out = TaskError(internal_error(exc, debug))
    return out, time.perf_counter() - start


def pages_task(path: str, first: int, last: int, media_type: str, settings: Settings,
               debug: bool) -> tuple[list[PageResult] | TaskError, float]:
    """Pages first..last of a file; the first failing page fails the run,
    as it would fail the file read in one go."""
    with _ONE_AT_A_TIME:
        return _pages(path, first, last, media_type, settings, debug)


def _pages(path: str, first: int, last: int, media_type: str, settings: Settings,
           debug: bool) -> tuple[list[PageResult] | TaskError, float]:
    start = time.perf_counter()
    try:
        out: list[PageResult] | TaskError = read_pages(Path(path), first, last, media_type,
                                                       settings)
    except IngestError as exc:
        out = TaskError(exc.reason)
    except Exception as exc:
        out = TaskError(internal_error(exc, debug))
    return out, time.perf_counter() - start


def page_runs(pages: int, workers: int) -> list[tuple[int, int]]:
    """A file's pages cut into runs for tasks: as many runs as workers (so one
    file alone uses them all), none longer than MAX_PAGES_PER_TASK."""
    if pages <= 0:
        return []
    size = max(1, min(MAX_PAGES_PER_TASK, math.ceil(pages / max(1, workers))))
    return [(a, min(pages, a + size - 1)) for a in range(1, pages + 1, size)]


# -- executors ---------------------------------------------------------------------

def _warm_worker() -> None:
    """Import the stages once per worker, not per task; one thread each.
    The workers are the parallelism: OpenCV's own threads (and Tesseract's,
    limited by OMP_THREAD_LIMIT set before the workers start) only compete
    with the other workers for the same cores."""
    import cv2

    import ingest.pipeline  # noqa: F401

    cv2.setNumThreads(1)


@contextmanager
def executor(workers: int, scheduler: str | None = None) -> Iterator[Executor]:
    """Local worker processes, or a Dask cluster's workers: the same interface."""
    if scheduler:
        from distributed import Client

        with Client(scheduler, set_as_default=False) as client:
            ex = client.get_executor(pure=False)  # the same page twice is two tasks
            try:
                yield ex
            finally:
                ex.shutdown(wait=False)
        return
    ex = _RenewingPool(lambda: _process_pool(workers))
    try:
        yield ex
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


def _process_pool(workers: int) -> ProcessPoolExecutor:
    # OpenMP reads its limit when Tesseract's library loads (the forkserver
    # preloads it): set before the server starts, inherited by every worker.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    # forkserver: workers start from a clean process, not a copy of this one
    # with its threads (progress bar) and open files.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["ingest.pipeline", "ingest.ocr"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_warm_worker)


class _RenewingPool(Executor):
    """A process pool that replaces itself when a worker died (killed by the
    kernel for memory, or a crash inside a C library): the tasks in flight
    then fail, the batch goes on with a fresh pool."""

    def __init__(self, factory: Callable[[], ProcessPoolExecutor]) -> None:
        self._factory = factory
        self._ex = factory()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        try:
            return self._ex.submit(fn, *args, **kwargs)
        except BrokenProcessPool:
            self._ex.shutdown(wait=False, cancel_futures=True)
            self._ex = self._factory()
            return self._ex.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._ex.shutdown(wait=wait, cancel_futures=cancel_futures)


def scheduler_workers(scheduler: str, timeout: float = 15) -> int:
    """How many worker processes a Dask cluster has (each runs one task at a time)."""
    from distributed import Client

    with Client(scheduler, set_as_default=False, timeout=timeout) as client:
        return max(1, len(client.nthreads()))


# -- the run -------------------------------------------------------------------------

@dataclass
class _File:
    """A file whose pages are being read."""

    job: Job
    started: float
    plan: FilePlan | None = None
    runs: list[tuple[int, int]] = field(default_factory=list)
    submitted: int = 0  # runs handed to the executor so far
    done: dict[int, list[PageResult] | TaskError] = field(default_factory=dict)  # by first page
    seconds: float = 0.0  # worker time spent on it


class Summary:
    """The run's counters, built as results stream in (no result list kept)."""

    def __init__(self, keep: int = LOWEST_KEPT) -> None:
        self.files = self.ok = self.failed = self.skipped = 0
        self.pages = self.sops = self.steps = 0
        self.worker_seconds = 0.0
        self.failures: list[dict] = []  # kept whole: each one needs a person
        self._lowest: list[tuple[float, int, str]] = []  # max-heap by -confidence
        self._keep = keep
        self._started = time.perf_counter()

    def add(self, r: Result) -> None:
        self.files += 1
        if r.skipped:
            self.skipped += 1
            return
        self.worker_seconds += r.seconds
        if not r.ok:
            self.failed += 1
            self.failures.append({"file": str(r.job.source), "reason": r.error})
            return
        self.ok += 1
        self.pages += r.pages
        self.sops += r.sops
        self.steps += r.steps
        if r.lowest_confidence is not None:
            item = (-r.lowest_confidence, -self.files, str(r.job.source))
            if len(self._lowest) < self._keep:
                heapq.heappush(self._lowest, item)
            elif item > self._lowest[0]:
                heapq.heapreplace(self._lowest, item)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self._started

    def lowest(self) -> list[dict]:
        return [{"file": f, "confidence": -c}
                for c, _, f in sorted(self._lowest, key=lambda t: (-t[0], -t[1]))]

    def to_dict(self) -> dict:
        wall = self.seconds
        return {
            "files": self.files,
            "ok": self.ok,
            "failed": self.failed,
            "skipped": self.skipped,
            "pages": self.pages,
            "sops": self.sops,
            "steps": self.steps,
            "seconds": round(wall, 3),
            "worker_seconds": round(self.worker_seconds, 3),
            "pages_per_minute": round(self.pages / wall * 60, 1) if wall > 0 else None,
            "failures": self.failures,
            "lowest_confidence": self.lowest(),
        }


def already_done(job: Job) -> bool:
    """Its output exists and was made from this very content (same sha256)."""
    import hashlib

    try:
        data = json.loads(job.output.read_text(encoding="utf-8"))
        sha = data["source"]["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    h = hashlib.sha256()
    with open(job.source, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest() == sha


class Events:
    """What a run tells its caller (the CLI's progress and logs)."""

    def planned(self, job: Job, pages: int) -> None: ...
    def pages_done(self, job: Job, pages: int) -> None: ...
    def result(self, res: Result) -> None: ...


def run(jobs: list[Job], settings: Settings = Settings(), debug: bool = False,
        on_result: Callable[[Result], None] | None = None, *, workers: int = 1,
        scheduler: str | None = None, events: Events | None = None,
        resume: bool = False) -> Summary:
    """Read every job's file, write its JSON, and return the summary.

    workers=1 without a scheduler reads file after file in this process;
    otherwise pages go to `workers` local processes or to the Dask cluster.
    """
    events = events or Events()
    summary = Summary()

    def finish(res: Result) -> None:
        summary.add(res)
        events.result(res)
        if on_result:
            on_result(res)

    todo = iter(jobs)
    if resume:
        todo = _skip_done(todo, finish)
    if workers <= 1 and not scheduler:
        for job in todo:
            res = run_job(job, settings, debug)
            events.planned(job, res.pages)
            events.pages_done(job, res.pages)
            finish(res)
        return summary
    with executor(workers, scheduler) as ex:
        _Scheduler(ex, workers, settings, debug, events, finish).run(todo)
    return summary


def _skip_done(jobs: Iterator[Job], finish: Callable[[Result], None]) -> Iterator[Job]:
    for job in jobs:
        if already_done(job):
            finish(Result(job, True, 0.0, skipped=True))
        else:
            yield job


class _Scheduler:
    """Keeps the executor busy with plan and page tasks, finishing files in
    order of arrival as their pages come in."""

    def __init__(self, ex: Executor, workers: int, settings: Settings, debug: bool,
                 events: Events, finish: Callable[[Result], None]) -> None:
        self.ex, self.workers, self.settings, self.debug = ex, workers, settings, debug
        self.events, self.finish = events, finish
        self.window = max(2, workers * TASKS_PER_WORKER)
        self.inflight: dict[Future, tuple[str, _File, int]] = {}
        self.files: list[_File] = []  # planned or being planned, oldest first

    def run(self, jobs: Iterator[Job]) -> None:
        jobs_left = True
        while True:
            while len(self.inflight) < self.window:
                if self._submit_pages():
                    continue
                job = next(jobs, None) if jobs_left else None
                if job is None:
                    jobs_left = False
                    break
                f = _File(job, time.perf_counter())
                self.files.append(f)
                self._submit(("plan", f, 0), plan_task, str(job.source.resolve()),
                             self.settings, self.debug)
            if not self.inflight:
                return
            done, _ = wait(list(self.inflight), return_when=FIRST_COMPLETED)
            for fut in done:
                self._collect(fut, *self.inflight.pop(fut))

    def _submit(self, key: tuple[str, _File, int], fn, *args) -> None:
        self.inflight[self.ex.submit(fn, *args)] = key

    def _submit_pages(self) -> bool:
        """Submit the next page run of the oldest planned file that has one."""
        for f in self.files:
            if f.plan is not None and f.submitted < len(f.runs):
                first, last = f.runs[f.submitted]
                f.submitted += 1
                self._submit(("pages", f, first), pages_task, str(f.job.source.resolve()),
                             first, last, f.plan.source.media_type, self.settings, self.debug)
                return True
        return False

    def _collect(self, fut: Future, kind: str, f: _File, first: int) -> None:
        try:
            out, seconds = fut.result()
        except BrokenProcessPool:
            out, seconds = TaskError("a worker process stopped suddenly while reading this file "
                                     "(out of memory, or a crash in a library)"), 0.0
        except Exception as exc:  # the cluster lost the task, or a worker died
            out, seconds = TaskError(internal_error(exc, self.debug)), 0.0
        f.seconds += seconds
        if kind == "plan":
            if isinstance(out, TaskError):
                self._fail(f, out.reason)
                return
            f.plan = out
            f.runs = page_runs(out.pages, self.workers)
            self.events.planned(f.job, out.pages)
            if not f.runs:
                self._assemble(f)
            return
        f.done[first] = out
        if not isinstance(out, TaskError):
            self.events.pages_done(f.job, len(out))
        if len(f.done) == len(f.runs):
            self._assemble(f)

    def _fail(self, f: _File, reason: str) -> None:
        self.files.remove(f)
        self.finish(Result(f.job, False, f.seconds, error=reason))

    def _assemble(self, f: _File) -> None:
        """All pages are in: lay them out in order and write the JSON."""
        self.files.remove(f)
        start = time.perf_counter()
        pages: list[PageResult] = []
        for first, _ in f.runs:
            out = f.done[first]
            if isinstance(out, TaskError):  # the first failing page, as one process would
                self.finish(Result(f.job, False, f.seconds, error=out.reason))
                return
            pages.extend(out)
        f.done.clear()
        try:
            doc = assemble_document(f.job.source, f.plan.source, f.plan.pages, pages,
                                    self.settings, root=Path.cwd())
            write_atomic(f.job.output, doc.to_json())
        except IngestError as exc:
            self.finish(Result(f.job, False, f.seconds, error=exc.reason))
            return
        except Exception as exc:
            self.finish(Result(f.job, False, f.seconds, error=internal_error(exc, self.debug)))
            return
        self.finish(summarise(f.job, doc, f.seconds + time.perf_counter() - start))


def write_summary(out_dir: Path, summary: Summary, extra: dict | None = None) -> dict:
    data = summary.to_dict() | (extra or {})
    write_atomic(out_dir / RUN_SUMMARY, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return data
