"""What a batch tells the person (or the log collector) watching it.

    terminal      a progress bar (files with ETA, pages), errors and warnings above it
    not a tty     one plain line per file as it finishes
    --quiet       errors and warnings only
    --json-log    one JSON object per line on stdout, for a log collector

Errors and warnings go to stderr as `error: FILE: reason` and
`warning: FILE: text` (except with --json-log, where they are events).
"""

from __future__ import annotations

import json
import sys
import time
from typing import TextIO

from .batch import Events, Job, Result


def _conf(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}"


class Reporter(Events):
    def __init__(self, total_files: int, mode: str = "auto", out: TextIO | None = None,
                 err: TextIO | None = None) -> None:
        self.out, self.err = out or sys.stdout, err or sys.stderr
        if mode == "auto":
            mode = "bar" if self.err.isatty() else "lines"
        self.mode = mode  # bar | lines | quiet | json
        self.total_files = total_files
        self.done = 0
        self._files_bar = self._pages_bar = None
        if mode == "bar":
            from tqdm import tqdm

            self._files_bar = tqdm(total=total_files, unit="file", desc="files", position=0,
                                   file=self.err, dynamic_ncols=True)
            self._pages_bar = tqdm(total=0, unit="page", desc="pages", position=1,
                                   file=self.err, dynamic_ncols=True)

    # -- Events ---------------------------------------------------------------
    def planned(self, job: Job, pages: int) -> None:
        if self._pages_bar is not None and pages:
            self._pages_bar.total += pages
            self._pages_bar.refresh()

    def pages_done(self, job: Job, pages: int) -> None:
        if self._pages_bar is not None:
            self._pages_bar.update(pages)

    def result(self, res: Result) -> None:
        self.done += 1
        if self.mode == "json":
            self._json({"event": "file", "file": str(res.job.source),
                        "output": str(res.job.output) if res.ok else None,
                        "status": "skipped" if res.skipped else "ok" if res.ok else "failed",
                        "error": res.error, "pages": res.pages, "sops": res.sops,
                        "steps": res.steps, "route": res.route,
                        "lowest_confidence": res.lowest_confidence,
                        "seconds": round(res.seconds, 3), "warnings": res.warnings})
            return
        if not res.ok:
            self._say(f"error: {res.job.source}: {res.error}", self.err)
        for w in res.warnings:
            self._say(f"warning: {res.job.source}: {w}", self.err)
        if self.mode == "lines":
            what = ("skipped (already done)" if res.skipped
                    else f"{res.pages} pages, {res.sops} SOPs, {res.steps} steps, "
                         f"lowest conf. {_conf(res.lowest_confidence)}, {res.seconds:.1f} s"
                    if res.ok else "FAILED")
            print(f"[{self.done}/{self.total_files}] {res.job.source}: {what}", file=self.out,
                  flush=True)
        if self._files_bar is not None:
            self._files_bar.update(1)

    def _say(self, line: str, stream: TextIO) -> None:
        if self._files_bar is not None:
            self._files_bar.write(line, file=stream)
        else:
            print(line, file=stream, flush=True)

    def _json(self, obj: dict) -> None:
        obj = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z")} | obj
        print(json.dumps(obj, ensure_ascii=False), file=self.out, flush=True)

    # -- the end ----------------------------------------------------------------
    def close(self) -> None:
        for bar in (self._pages_bar, self._files_bar):
            if bar is not None:
                bar.close()

    def final(self, summary: dict, out_dir) -> None:
        self.close()
        if self.mode == "json":
            self._json({"event": "summary"} | summary)
            return
        if self.mode == "quiet":
            return
        s = summary
        rate = f", {s['pages_per_minute']} pages per minute" if s.get("pages_per_minute") else ""
        print(f"\n{s['ok']} of {s['files']} files done, {s['failed']} failed, "
              f"{s['skipped']} skipped; {s['pages']} pages, {s['sops']} SOPs, {s['steps']} steps "
              f"in {s['seconds']:.1f} s{rate}; output in {out_dir}/", file=self.out)
        if s["lowest_confidence"]:
            print("check first (lowest confidence):", file=self.out)
            for d in s["lowest_confidence"][:5]:
                print(f"  {d['confidence']:.2f}  {d['file']}", file=self.out)
