"""Interleaved timing, medians and ratios, the machine's description, and
peak memory of a child process.

Every comparison is timed in one run with the tools taking turns page by
page (A, B, A, B ...; the order reversed on every other repetition), after
one untimed warm-up call of each tool, so that a busy neighbour or a CPU
that slows down hits every tool alike. The figure that counts is the ratio
of the medians; absolute seconds are context.

Two clocks are kept per call: wall time, and CPU time (user + system of this
process and of the child processes the call ran, e.g. a `tesseract`
process). On a machine shared with other work, wall time includes waiting
for a core; CPU time is what one worker on a core of its own would take.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Generic, TypeVar

P = TypeVar("P")


def schedule(n_pages: int, tools: Sequence[str], reps: int) -> list[tuple[int, int, str]]:
    """(repetition, page index, tool) in the order they run: every page gets
    each tool in turn before the next page; odd repetitions reverse the tools'
    order so that neither always runs first (caches, CPU clock)."""
    order = []
    for rep in range(reps):
        names = list(tools) if rep % 2 == 0 else list(reversed(tools))
        for page in range(n_pages):
            order.extend((rep, page, name) for name in names)
    return order


@dataclass
class Timings(Generic[P]):
    """Seconds per tool per page, and each tool's first result per page."""

    pages: list[P]
    seconds: dict[str, list[list[float]]]  # tool -> page -> wall time per repetition
    cpu: dict[str, list[list[float]]]  # tool -> page -> CPU time per repetition
    results: dict[str, list[Any]] = field(default_factory=dict)  # tool -> page -> first result
    errors: dict[str, list[str | None]] = field(default_factory=dict)

    def median(self, tool: str, page: int, clock: str = "cpu") -> float | None:
        values = (self.cpu if clock == "cpu" else self.seconds)[tool][page]
        return statistics.median(values) if values else None


def cpu_now() -> float:
    """CPU seconds used so far by this process and its finished children."""
    # process_time: every thread of this process, at a fine resolution;
    # children only in clock ticks (os.times), enough for a process per page.
    children = os.times()
    return time.process_time() + children.children_user + children.children_system


def run_interleaved(pages: Sequence[P], tools: dict[str, Callable[[P], Any]], reps: int,
                    warmup: bool = True) -> Timings[P]:
    """Time each tool on each page `reps` times, interleaved (see `schedule`).

    A tool that raises on a page is recorded as failed there (its message
    kept) and not timed again on that page; the others go on.
    """
    names = list(tools)
    t = Timings(list(pages), {n: [[] for _ in pages] for n in names}, {n: [[] for _ in pages] for n in names},
                {n: [None] * len(pages) for n in names}, {n: [None] * len(pages) for n in names})
    if warmup and pages:
        for name in names:
            try:
                tools[name](pages[0])
            except Exception:  # the timed call records the failure
                pass
    for _, page, name in schedule(len(pages), names, reps):
        if t.errors[name][page] is not None:
            continue
        start, start_cpu = time.perf_counter(), cpu_now()
        try:
            result = tools[name](pages[page])
        except Exception as exc:  # one tool failing on one page must not stop the run
            t.errors[name][page] = f"{type(exc).__name__}: {exc}"[:200]
            t.seconds[name][page] = []
            t.cpu[name][page] = []
            continue
        t.seconds[name][page].append(time.perf_counter() - start)
        t.cpu[name][page].append(cpu_now() - start_cpu)
        if t.results[name][page] is None:
            t.results[name][page] = result
    return t


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def page_ratios(t: Timings, a: str, b: str, clock: str = "cpu") -> list[float]:
    """Per page: median time of `a` / median time of `b`, where both ran."""
    out = []
    for i in range(len(t.pages)):
        r = ratio(t.median(a, i, clock), t.median(b, i, clock))
        if r is not None:
            out.append(r)
    return out


def median_or_none(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


# -- the machine ------------------------------------------------------------

def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb() -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 ** 2
    except OSError:
        pass
    return None


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _tesseract_cli() -> str:
    try:
        out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).split("\n", 1)[0].strip()
    except (OSError, subprocess.SubprocessError):
        return "not installed"


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    try:
        import tesserocr

        in_process = tesserocr.tesseract_version().split("\n", 1)[0]
    except ImportError:
        in_process = "not installed"
    ram = _ram_gb()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    info = {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "RAM": f"{ram:.1f} GiB" if ram else "unknown",
        "load average at start (1 min)": f"{load[0]:.2f}" if load else "unknown",
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "Tesseract CLI": _tesseract_cli(),
        "Tesseract in-process (tesserocr)": f"{in_process} (tesserocr {version('tesserocr')})",
    }
    for dist in ("img2table", "camelot-py", "pdfplumber", "pypdfium2", "opencv-python-headless",
                 "opencv-contrib-python",  # img2table's; shares the cv2 package
                 "numpy", "pyinstrument"):
        info[dist] = version(dist)
    return info


# -- memory -----------------------------------------------------------------

def child_json(code: str, timeout: float = 600) -> dict[str, Any]:
    """Run `code` in a fresh Python (this interpreter, this environment) and
    return the JSON object it prints on its last line. A fresh process makes
    the child's peak memory its own: the child reports it with
    VmHWM from /proc/self/status (ru_maxrss would start from the parent's
    size: Linux keeps it across fork and exec)."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, env=os.environ.copy())
    if proc.returncode != 0:
        raise RuntimeError(f"the child failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
