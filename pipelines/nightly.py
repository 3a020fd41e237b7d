"""The nightly ingest of a shared folder: new and changed files only, nothing
lost, nothing done twice, a report in the morning.

One run:

1. take the ledger's lease (one run at a time; a crashed run's lease is
   taken over), and tidy after a crashed run (its staging copies, half
   written temporary files, runs left "running");
2. scan the watched folder (watchfolder.py: no links followed, files still
   being copied wait) and compare with the ledger. A file whose path, size
   and mtime match its row is not read at all. Otherwise its sha256 says
   what happened: same content at a new path = renamed (the row and its
   output move, no OCR); new content at a known path = edited (the old
   output moves to `_superseded/`, a new row is made); same content as a
   file still in place = a copy (listed, not read); else new;
3. read the new rows, and failed rows below the retry limit, on worker
   processes (pebble): each file from a private snapshot (what is read is
   exactly what was hashed), with a time limit per page; a page that hangs
   gets its worker killed, and the file fails with that reason. A file
   that failed `max_attempts` times is quarantined;
4. write the morning report `_reports/<date>.html` and `.json`.

Crash safety (kill -9 at any moment): an output is written atomically and
synced before its row says `done`; every file move is done before the
commit that records it and is repeated harmlessly when the commit did not
happen; an output already on disk for the same content is adopted instead
of being read again. So a run after a crash finishes the work, each file
read to one complete output.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select

from ingest.errors import IngestError
from ingest.model import SopDocument
from ingest.pipeline import Settings, ingest_file, plan_file

from . import ledger, watchfolder
from .batch import fsync_dir, internal_error, output_rel, write_atomic
from .ledger import InputFile, NightlyRun, utcnow

SUPERSEDED = "_superseded"
REPORTS = "_reports"
WORK = "_work"  # private snapshots of the files being read
REVIEW_LISTED = 50  # documents listed as waiting for review in the report
REPORT_LISTED = 500  # rows per section of the HTML report (the JSON has them all)


@dataclass(frozen=True)
class Options:
    watch: Path
    out: Path
    db: str
    workers: int = 1
    max_attempts: int = 3
    page_time_limit: float = 300.0  # seconds per page before a file is stopped
    plan_time_limit: float = 120.0  # seconds to open a file and count its pages
    settle: float = 60.0  # a file changed more recently than this waits
    settings: Settings = Settings()
    lease_ttl: float = 300.0


class LeaseLost(RuntimeError):
    pass


@dataclass
class Report:
    """What one run did, for the morning report (plain data, JSON-ready)."""

    started: str = ""
    finished: str | None = None
    host: str = ""
    watch: str = ""
    out: str = ""
    came_in: list[dict] = field(default_factory=list)  # read this run
    recovered: list[dict] = field(default_factory=list)  # output found after a crash
    failed: list[dict] = field(default_factory=list)  # incl. quarantined now
    renamed: list[dict] = field(default_factory=list)
    superseded: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    waiting: list[dict] = field(default_factory=list)
    ignored: list[dict] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    review: list[dict] = field(default_factory=list)  # waiting for review, lowest confidence first
    review_total: int = 0  # all that wait (the list holds the first REVIEW_LISTED)
    quarantined_total: int = 0
    unchanged: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "read": len(self.came_in), "recovered": len(self.recovered),
            "failed": sum(1 for f in self.failed if not f["quarantined"]),
            "quarantined": sum(1 for f in self.failed if f["quarantined"]),
            "renamed": len(self.renamed), "superseded": len(self.superseded),
            "duplicates": len(self.duplicates), "refused": len(self.refused),
            "waiting": len(self.waiting), "ignored": len(self.ignored), "gone": len(self.gone),
            "unchanged": self.unchanged, "quarantined_total": self.quarantined_total,
        }

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items()}
        d["counts"] = self.counts()
        return d


# -- worker side (pebble worker processes; module-level, picklable) --------------

def _plan_task(staged: str, settings: Settings) -> int | str:
    """The page count, or the reason the file cannot be read."""
    try:
        return plan_file(Path(staged), settings).pages
    except IngestError as exc:
        return "!" + exc.reason


def _read_task(staged: str, rel: str, settings: Settings) -> dict:
    """The file's JSON and its counts, or the reason it failed."""
    try:
        doc = ingest_file(Path(staged), settings)
    except IngestError as exc:
        return {"error": exc.reason}
    except Exception as exc:  # a bug: one line in the ledger, the night goes on
        return {"error": internal_error(exc, False)}
    doc.source.path = rel  # the watched folder's path, not the snapshot's
    confs = [s.confidence for sop in doc.sops for s in sop.steps]
    return {"json": doc.to_json(), "pages": doc.source.pages, "sops": len(doc.sops),
            "steps": sum(len(s.steps) for s in doc.sops),
            "lowest_confidence": min(confs) if confs else None,
            "title": next((s.identity.title for s in doc.sops if s.identity.title), None)}


def _warm() -> None:
    import ingest.pipeline  # noqa: F401


# -- the run ---------------------------------------------------------------------

class Night:
    def __init__(self, opts: Options, log: Callable[..., None] = lambda event, line, **f: None
                 ) -> None:
        """`log(event, line, **fields)` hears of each file read, failed or
        recovered: a plain line for people, the fields for --json-log."""
        self.o = opts
        self.log = log
        self.root = opts.watch
        self.out = opts.out
        self.Session = ledger.sessions(opts.db)
        self.report = Report(host=socket.gethostname(), watch=str(opts.watch), out=str(opts.out))
        self.lease: ledger.Lease | None = None

    # -- entry -------------------------------------------------------------
    def run(self) -> Report:
        self.out.mkdir(parents=True, exist_ok=True)
        ledger.upgrade(self.o.db)
        with ledger.Lease(self.o.db, "nightly", self.o.lease_ttl) as lease:
            self.lease = lease
            started = utcnow()
            self.report.started = started.isoformat(timespec="seconds")
            with self.Session.begin() as s:
                run_row = NightlyRun(started_at=started, host=self.report.host, pid=os.getpid(),
                                     status="running")
                s.add(run_row)
            self._tidy_after_crash(run_row.id)
            todo = self._scan()
            self._read_all(todo)
            self._fill_review()
            self.report.finished = utcnow().isoformat(timespec="seconds")
            report_path = write_report(self.out, self.report, run_row.id)
            with self.Session.begin() as s:
                row = s.get(NightlyRun, run_row.id)
                row.status, row.finished_at = "finished", utcnow()
                row.summary = json.dumps(self.report.counts() | {"report": report_path})
        return self.report

    def _commit_guard(self) -> None:
        if self.lease is not None and self.lease.lost.is_set():
            raise LeaseLost("this run lost the ledger's lease (it was frozen longer than the "
                            "lease lasts) and stops; the run that took it over goes on")

    # -- 1. after a crash ----------------------------------------------------
    def _tidy_after_crash(self, run_id: int) -> None:
        with self.Session.begin() as s:
            for r in s.scalars(select(NightlyRun).where(NightlyRun.status == "running",
                                                        NightlyRun.id != run_id)):
                r.status = "interrupted"
        shutil.rmtree(self.out / WORK, ignore_errors=True)
        for dirpath, dirnames, filenames in os.walk(self.out):
            # write_atomic's temporary files ('.NAME.json.XXXX.tmp') of a killed run
            for name in filenames:
                if name.startswith(".") and name.endswith(".tmp") and ".json." in name:
                    Path(dirpath, name).unlink(missing_ok=True)

    # -- 2. the folder against the ledger --------------------------------------
    def _scan(self) -> list[int]:
        rep = self.report
        with self.Session() as s:
            rows = list(s.scalars(select(InputFile).where(InputFile.status != "superseded")))
        live: dict[str, InputFile] = {r.path: r for r in rows}
        by_sha: dict[str, InputFile] = {r.sha256: r for r in rows}
        outputs: set[str] = {r.output_path for r in rows if r.output_path}
        seen: set[str] = set()
        todo: list[int] = []
        for item in watchfolder.scan(self.root, self.o.settle, exclude=self.out):
            seen.add(item.rel)
            if isinstance(item, watchfolder.Skipped):
                getattr(rep, item.kind).append({"path": item.rel, "reason": item.reason})
                continue
            row = live.get(item.rel)
            if row is not None and row.size == item.size and row.mtime == item.mtime:
                rep.unchanged += 1  # the fast path: no read, no hash
                self._maybe_todo(row, todo)
                continue
            try:
                sha = watchfolder.read_file(self.root, item)
            except watchfolder.Changed as exc:
                rep.waiting.append({"path": item.rel, "reason": f"{exc}; read on the next run"})
                continue
            if row is not None and row.sha256 == sha:  # touched, not changed
                self._update(row.id, size=item.size, mtime=item.mtime)
                row.size, row.mtime = item.size, item.mtime
                rep.unchanged += 1
                self._maybe_todo(row, todo)
                continue
            if row is not None:  # edited: new content at a known path
                self._supersede(row)
                live.pop(row.path, None)
                by_sha.pop(row.sha256, None)
                outputs.discard(row.output_path)
            other = by_sha.get(sha)
            if other is not None and watchfolder.still_there(self.root, other.path, other.size,
                                                             other.mtime):
                rep.duplicates.append({"path": item.rel, "same_as": other.path})
                continue
            if other is not None:  # renamed (or moved to another folder)
                old = other.path
                self._move_row(other, item, outputs)
                live.pop(old, None)
                live[item.rel] = other
                rep.renamed.append({"from": old, "to": item.rel})
                self._maybe_todo(other, todo)
                continue
            new = self._new_row(item, sha, outputs)
            live[item.rel] = by_sha[sha] = new
            todo.append(new.id)
        rep.gone = sorted(p for p in live if p not in seen)
        with self.Session() as s:
            rep.quarantined_total = len(list(s.scalars(
                select(InputFile.id).where(InputFile.status == "quarantined"))))
        return todo

    def _maybe_todo(self, row: InputFile, todo: list[int]) -> None:
        if row.status == "new" or (row.status == "failed" and row.attempts < self.o.max_attempts):
            todo.append(row.id)

    def _update(self, row_id: int, **values) -> InputFile:
        self._commit_guard()
        with self.Session.begin() as s:
            row = s.get(InputFile, row_id)
            for k, v in values.items():
                setattr(row, k, v)
        return row

    def _plan_output(self, rel: str, outputs: set[str]) -> str:
        """`a/b.pdf` -> `a/b.json`, as `run` writes it; `a/b_pdf.json` when
        another live file (a/b.jpg) has that name already. A top-level name
        starting with "_" gets one more (batch.output_rel): `_work/x.pdf`
        -> `__work/x.json`, never into the tool's own `_work/` (emptied after
        every run), `_reports/` or `_superseded/`."""
        p = Path(output_rel(rel))
        name = p.with_suffix(".json").as_posix()
        if name in outputs:
            alt = f"{p.stem}_{p.suffix.lstrip('.').lower()}"
            name, n = p.with_name(f"{alt}.json").as_posix(), 2
            while name in outputs:  # that one is taken too (a real b_pdf.tif)
                name, n = p.with_name(f"{alt}-{n}.json").as_posix(), n + 1
        outputs.add(name)
        return name

    def _new_row(self, item: watchfolder.Found, sha: str, outputs: set[str]) -> InputFile:
        self._commit_guard()
        with self.Session.begin() as s:
            row = InputFile(path=item.rel, sha256=sha, size=item.size, mtime=item.mtime,
                            status="new", attempts=0,
                            output_path=self._plan_output(item.rel, outputs))
            s.add(row)
        return row

    def _supersede(self, row: InputFile) -> None:
        """The file at row.path was edited: its old output goes to _superseded/."""
        moved = None
        if row.output_path and not row.output_path.startswith(SUPERSEDED + "/"):
            rel = Path(row.output_path)
            target = (Path(SUPERSEDED) / rel.with_name(f"{rel.stem}.{row.sha256[:12]}.json")).as_posix()
            src, dst = self.out / row.output_path, self.out / target
            if src.exists() and _json_sha(src) == row.sha256:
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)  # before the commit: repeated if the commit is lost
                fsync_dir(dst.parent)
                fsync_dir(src.parent)
            if dst.exists():
                moved = target
        self._update(row.id, status="superseded", output_path=moved)
        self.report.superseded.append({"path": row.path, "old_output": moved,
                                       "old_sha256": row.sha256})

    def _move_row(self, row: InputFile, item: watchfolder.Found, outputs: set[str]) -> None:
        """A renamed file: its row and its output follow it, no new reading."""
        outputs.discard(row.output_path)
        new_out = self._plan_output(item.rel, outputs)
        status = row.status
        if status == "done":
            src, dst = self.out / (row.output_path or ""), self.out / new_out
            if row.output_path and src.is_file() and _json_sha(src) == row.sha256:
                doc = SopDocument.model_validate_json(src.read_text(encoding="utf-8"))
                doc.source.path = item.rel
                write_atomic(dst, doc.to_json())  # before the commit, as above
                if src != dst:
                    src.unlink()
                    fsync_dir(src.parent)
            elif not (dst.is_file() and _json_sha(dst) == row.sha256):
                status = "new"  # its output was lost (deleted by hand): read it again
        self._update(row.id, path=item.rel, size=item.size, mtime=item.mtime,
                     output_path=new_out, status=status)
        row.path, row.size, row.mtime, row.output_path, row.status = (
            item.rel, item.size, item.mtime, new_out, status)

    # -- 3. reading ----------------------------------------------------------------
    def _read_all(self, todo: list[int]) -> None:
        if not todo:
            return
        import multiprocessing

        import pebble

        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["ingest.pipeline", "ingest.ocr"])
        (self.out / WORK).mkdir(parents=True, exist_ok=True)
        os.chmod(self.out / WORK, 0o700)
        window = max(1, self.o.workers) * 2
        pending = iter(todo)
        inflight: dict[Future, tuple[str, int, str, float, int]] = {}
        with pebble.ProcessPool(max_workers=max(1, self.o.workers), max_tasks=50,
                                initializer=_warm, context=ctx) as pool:
            while True:
                while len(inflight) < window:
                    row_id = next(pending, None)
                    if row_id is None:
                        break
                    staged = self._start(row_id)
                    if staged is not None:
                        fut = pool.schedule(_plan_task, (staged, self.o.settings),
                                            timeout=self.o.plan_time_limit)
                        inflight[fut] = ("plan", row_id, staged, time.perf_counter(), 0)
                if not inflight:
                    break
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for fut in done:
                    kind, row_id, staged, t0, pages = inflight.pop(fut)
                    out = self._outcome(fut, kind, pages)
                    if kind == "plan" and isinstance(out, int):
                        limit = self.o.page_time_limit * max(1, out)
                        nxt = pool.schedule(_read_task, (staged, self._path(row_id),
                                                         self.o.settings), timeout=limit)
                        inflight[nxt] = ("read", row_id, staged, t0, out)
                        continue
                    Path(staged).unlink(missing_ok=True)
                    self._finish(row_id, out, time.perf_counter() - t0)
        shutil.rmtree(self.out / WORK, ignore_errors=True)

    def _path(self, row_id: int) -> str:
        with self.Session() as s:
            return s.get(InputFile, row_id).path

    def _start(self, row_id: int) -> str | None:
        """Adopt an output left by a crashed run, or snapshot the file and
        mark the row started. Returns the snapshot's path to read."""
        with self.Session() as s:
            row = s.get(InputFile, row_id)
        out = self.out / row.output_path
        if out.is_file() and _json_sha(out) == row.sha256:
            doc = SopDocument.model_validate_json(out.read_text(encoding="utf-8"))
            if doc.source.path == row.path:
                stats = _doc_stats(doc)
                self._update(row_id, status="done", attempts=row.attempts + 1, error=None,
                             finished_at=utcnow(), **stats)
                self.report.recovered.append({"path": row.path, "output": row.output_path})
                self.log("recovered", f"recovered: {row.path} (its output was complete from a "
                                      "crashed run)", path=row.path, output=row.output_path)
                return None
        staged = self.out / WORK / f"{row.id}{Path(row.path).suffix.lower()}"
        staged.unlink(missing_ok=True)
        try:
            sha = watchfolder.read_file(self.root, watchfolder.Found(row.path, row.size, row.mtime),
                                        copy_to=staged)
        except (watchfolder.Changed, FileNotFoundError) as exc:
            self.report.waiting.append({"path": row.path, "reason": f"{exc}; read on the next run"})
            return None
        if sha != row.sha256:
            staged.unlink(missing_ok=True)
            self.report.waiting.append({"path": row.path, "reason": "changed since the folder "
                                        "was scanned; read on the next run"})
            return None
        self._update(row_id, started_at=utcnow(), finished_at=None)
        return str(staged)

    def _outcome(self, fut: Future, kind: str, pages: int) -> int | dict:
        from pebble import ProcessExpired

        try:
            out = fut.result()
        except FutureTimeout:
            if kind == "plan":
                return {"error": f"opening the file took longer than {self.o.plan_time_limit:.0f} s; "
                                 "it was stopped"}
            return {"error": f"reading took longer than the limit of "
                             f"{self.o.page_time_limit * max(1, pages):.0f} s for {pages} pages "
                             "(a page may hang); it was stopped"}
        except ProcessExpired as exc:
            return {"error": f"the worker process stopped suddenly (exit code {exc.exitcode}: "
                             "out of memory, or a crash in a library)"}
        except Exception as exc:
            return {"error": internal_error(exc, False)}
        if isinstance(out, str):  # the plan's failure
            return {"error": out[1:]}
        return out

    def _finish(self, row_id: int, out: dict, seconds: float) -> None:
        with self.Session() as s:
            row = s.get(InputFile, row_id)
        attempts = row.attempts + 1
        if "json" in out:
            write_atomic(self.out / row.output_path, out["json"])  # durable before the commit
            self._update(row_id, status="done", attempts=attempts, error=None,
                         finished_at=utcnow(), seconds=round(seconds, 3), pages=out["pages"],
                         sops=out["sops"], steps=out["steps"],
                         lowest_confidence=out["lowest_confidence"])
            self.report.came_in.append({
                "path": row.path, "output": row.output_path, "pages": out["pages"],
                "sops": out["sops"], "steps": out["steps"], "title": out["title"],
                "lowest_confidence": out["lowest_confidence"], "seconds": round(seconds, 1)})
            self.log("read", f"read: {row.path}: {out['pages']} pages, {out['sops']} SOPs, "
                             f"{out['steps']} steps", **self.report.came_in[-1])
            return
        quarantined = attempts >= self.o.max_attempts
        self._update(row_id, status="quarantined" if quarantined else "failed", attempts=attempts,
                     error=out["error"], finished_at=utcnow(), seconds=round(seconds, 3))
        self.report.failed.append({"path": row.path, "reason": out["error"], "attempts": attempts,
                                   "quarantined": quarantined})
        what = ("quarantined (not retried until someone acts)" if quarantined
                else f"attempt {attempts} of {self.o.max_attempts}, retried next run")
        self.log("failed", f"failed: {row.path}: {out['error']} ({what})",
                 **self.report.failed[-1])

    # -- 4. the report ---------------------------------------------------------------
    def _fill_review(self) -> None:
        """The documents that wait for review: read, and not approved in the
        review app (its table is on the same ledger)."""
        from pipelines.review.models import APPROVED, Review

        approved = select(Review.input_file_id).where(Review.state == APPROVED)
        waiting = (InputFile.status == "done") & InputFile.id.not_in(approved)
        with self.Session() as s:
            rows = s.scalars(select(InputFile).where(waiting).order_by(
                InputFile.lowest_confidence.asc().nulls_last(), InputFile.path).limit(REVIEW_LISTED))
            self.report.review = [{"path": r.path, "output": r.output_path,
                                   "lowest_confidence": r.lowest_confidence, "sops": r.sops,
                                   "steps": r.steps} for r in rows]
            self.report.review_total = s.scalar(
                select(func.count()).select_from(InputFile).where(waiting)) or 0


def _json_sha(path: Path) -> str | None:
    """The source sha256 an output JSON was made from (None if unreadable)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))["source"]["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _doc_stats(doc: SopDocument) -> dict:
    confs = [s.confidence for sop in doc.sops for s in sop.steps]
    return {"pages": doc.source.pages, "sops": len(doc.sops),
            "steps": sum(len(s.steps) for s in doc.sops),
            "lowest_confidence": min(confs) if confs else None}


def write_report(out: Path, report: Report, run_id: int) -> str:
    """`_reports/<date>.html` and `.json` (a second run on the same date
    writes `<date>-run<id>`); returns the HTML's path relative to `out`."""
    from .report import render_html

    day = datetime.now().strftime("%Y-%m-%d")
    folder = out / REPORTS
    stem = day if not (folder / f"{day}.json").exists() else f"{day}-run{run_id}"
    data = report.to_dict()
    write_atomic(folder / f"{stem}.json", json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    write_atomic(folder / f"{stem}.html", render_html(data, REPORT_LISTED))
    return f"{REPORTS}/{stem}.html"
