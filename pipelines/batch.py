"""Batch: many input files -> one JSON per file in an output folder.

Collects inputs (files, and folders searched recursively), maps each to its
output path (a folder's relative layout is kept), runs the one-file pipeline
and writes each result atomically, so a reader of the output folder never
sees half a file. One failure never stops the others.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ingest.errors import IngestError
from ingest.load import INPUT_SUFFIXES
from ingest.model import SopDocument
from ingest.pipeline import Settings, ingest_file

RUN_SUMMARY = "_run.json"


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


def collect(inputs: list[Path], out_dir: Path) -> tuple[list[Job], list[str]]:
    """Jobs for every input file, and plain messages for arguments that are not."""
    jobs: list[Job] = []
    problems: list[str] = []
    for arg in inputs:
        if arg.is_dir():
            for path in sorted(_walk(arg)):
                rel = path.relative_to(arg).with_suffix(".json")
                jobs.append(Job(path, out_dir / rel, arg))
        elif arg.is_file():
            jobs.append(Job(arg, out_dir / (arg.stem + ".json"), None))
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
    """Two inputs that would write the same JSON (a.pdf and a.jpg) keep their suffix."""
    seen: dict[Path, int] = {}
    for j in jobs:
        seen[j.output] = seen.get(j.output, 0) + 1
    out = []
    for j in jobs:
        if seen[j.output] > 1:
            name = f"{j.source.stem}_{j.source.suffix.lstrip('.').lower()}.json"
            j = Job(j.source, j.output.with_name(name), j.root)
        out.append(j)
    return out


def write_atomic(path: Path, text: str) -> None:
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


def run_job(job: Job, settings: Settings, debug: bool = False) -> Result:
    start = time.perf_counter()
    try:
        # source.path is written relative to the working folder when inside it
        doc = ingest_file(job.source, settings, root=Path.cwd())
        write_atomic(job.output, doc.to_json())
    except IngestError as exc:
        return Result(job, False, time.perf_counter() - start, error=exc.reason)
    except Exception as exc:  # a bug, not the input's fault: still one line, batch goes on
        detail = traceback.format_exc() if debug else f"{type(exc).__name__}: {exc}"
        return Result(job, False, time.perf_counter() - start,
                      error=f"internal error while reading this file ({detail})")
    return _summarise(job, doc, time.perf_counter() - start)


def _summarise(job: Job, doc: SopDocument, seconds: float) -> Result:
    confs = [s.confidence for sop in doc.sops for s in sop.steps]
    return Result(job, True, seconds, sops=len(doc.sops),
                  steps=sum(len(s.steps) for s in doc.sops), pages=doc.source.pages,
                  route=doc.source.route, lowest_confidence=min(confs) if confs else None,
                  warnings=list(doc.warnings))


def run(jobs: list[Job], settings: Settings = Settings(), debug: bool = False,
        on_result: Callable[[Result], None] | None = None) -> list[Result]:
    results = []
    for job in jobs:
        res = run_job(job, settings, debug)
        if on_result:
            on_result(res)
        results.append(res)
    return results


def summary(results: list[Result]) -> dict:
    ok = [r for r in results if r.ok]
    return {
        "files": len(results),
        "ok": len(ok),
        "failed": len(results) - len(ok),
        "pages": sum(r.pages for r in ok),
        "sops": sum(r.sops for r in ok),
        "steps": sum(r.steps for r in ok),
        "seconds": round(sum(r.seconds for r in results), 3),
        "failures": [{"file": str(r.job.source), "reason": r.error} for r in results if not r.ok],
        "lowest_confidence": sorted(
            ({"file": str(r.job.source), "confidence": r.lowest_confidence}
             for r in ok if r.lowest_confidence is not None),
            key=lambda d: d["confidence"])[:10],
    }


def write_summary(out_dir: Path, results: list[Result]) -> None:
    write_atomic(out_dir / RUN_SUMMARY, json.dumps(summary(results), ensure_ascii=False, indent=2) + "\n")
